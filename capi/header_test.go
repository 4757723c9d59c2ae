package main

// The alert numbers are part of the C ABI: session.AlertType is the source, and libbt.h, the
// Python binding's AlertType and the Node binding's AlertType union must list every one of
// them under the same number and name. A type emitted by the engine but missing from the
// header (fastresume_rejected was, in 0.2.0) is invisible to C programs' switch statements.

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/session"
)

// goAlertTypes walks session.AlertType from 1 until String() says "unknown".
func goAlertTypes() map[int]string {
	out := map[int]string{}
	for i := 1; session.AlertType(i).String() != "unknown"; i++ {
		out[i] = session.AlertType(i).String()
	}
	return out
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", rel))
	require.NoError(t, err)
	return string(b)
}

// enumBody returns the text between `start` and the first line matching `end` after it.
func enumBody(t *testing.T, text, start, end string) string {
	t.Helper()
	i := strings.Index(text, start)
	require.GreaterOrEqual(t, i, 0, "%q not found", start)
	rest := text[i+len(start):]
	j := strings.Index(rest, end)
	require.GreaterOrEqual(t, j, 0, "end of %q not found", start)
	return rest[:j]
}

// upperEntries parses `PREFIX_NAME = n` entries into number -> lower-case name.
func upperEntries(t *testing.T, body, prefix string) map[int]string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*` + prefix + `([A-Z0-9_]+)\s*=\s*(\d+)`)
	out := map[int]string{}
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		_, dup := out[n]
		require.False(t, dup, "number %d appears twice", n)
		out[n] = strings.ToLower(m[1])
	}
	return out
}

func TestHeaderAlertEnumMatchesEngine(t *testing.T) {
	body := enumBody(t, readRepoFile(t, "include/libbt.h"), "typedef enum bt_alert_type {", "} bt_alert_type;")
	require.Equal(t, goAlertTypes(), upperEntries(t, body, "BT_ALERT_"),
		"include/libbt.h's bt_alert_type must list every session.AlertType with its number and name")
}

func TestPythonAlertTypeMatchesEngine(t *testing.T) {
	body := enumBody(t, readRepoFile(t, "bindings/python/libbt/_types.py"), "class AlertType(_OpenEnum):", "\nclass ")
	require.Equal(t, goAlertTypes(), upperEntries(t, body, ""),
		"bindings/python/libbt/_types.py's AlertType must list every session.AlertType")
}

func TestNodeAlertTypeUnionMatchesEngine(t *testing.T) {
	body := enumBody(t, readRepoFile(t, "bindings/node/index.d.ts"), "export type AlertType =", ";")
	var names []string
	for _, m := range regexp.MustCompile(`'([a-z0-9_]+)'`).FindAllStringSubmatch(body, -1) {
		names = append(names, m[1])
	}
	var want []string
	for i := 1; i <= len(goAlertTypes()); i++ {
		want = append(want, goAlertTypes()[i])
	}
	require.Equal(t, want, names, "bindings/node/index.d.ts's AlertType must list every session.AlertType in order")
}

// The version is written in the header (macros) and in Go (session.Version, which bt_version and
// bt_version_number report): they must agree.
func TestHeaderVersionMatchesEngine(t *testing.T) {
	header := readRepoFile(t, "include/libbt.h")
	macro := func(name string) string {
		m := regexp.MustCompile(`(?m)^#define ` + name + ` "?([0-9.]+)"?$`).FindStringSubmatch(header)
		require.NotNil(t, m, name)
		return m[1]
	}
	major, minor, patch := macro("LIBBT_VERSION_MAJOR"), macro("LIBBT_VERSION_MINOR"), macro("LIBBT_VERSION_PATCH")
	require.Equal(t, major+"."+minor+"."+patch, macro("LIBBT_VERSION"))
	require.Equal(t, session.Version, macro("LIBBT_VERSION"))
}
