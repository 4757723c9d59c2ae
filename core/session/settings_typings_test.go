package session

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// The Node binding's Settings interface (bindings/node/index.d.ts) is where TypeScript users
// learn which settings exist: it must name every engine setting, with its type, and nothing
// the engine does not have.
func TestNodeTypingsNameEverySetting(t *testing.T) {
	dts, err := os.ReadFile("../../bindings/node/index.d.ts")
	require.NoError(t, err)
	body := regexp.MustCompile(`(?s)export interface Settings \{(.*?)\n\}`).FindSubmatch(dts)
	require.NotNil(t, body, "index.d.ts has an interface Settings")
	typed := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z0-9_]+)\?: ([^;]+);`).FindAllSubmatch(body[1], -1) {
		typed[string(m[1])] = string(m[2])
	}
	want := map[SettingType][]string{
		IntSetting:    {"number", "number | bigint"},
		BoolSetting:   {"boolean"},
		StringSetting: {"string"},
	}
	for _, name := range SettingNames() {
		typ, _ := LookupSetting(name)
		got, ok := typed[name]
		if !ok {
			t.Errorf("index.d.ts: Settings lacks %s (%s)", name, typ)
			continue
		}
		require.Contains(t, want[typ], got, "index.d.ts: %s is a %s setting", name, typ)
	}
	for name := range typed {
		_, ok := LookupSetting(name)
		require.True(t, ok, "index.d.ts: Settings names %s, which the engine does not have", name)
	}
}
