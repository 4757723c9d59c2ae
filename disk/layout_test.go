package disk

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLayoutSpanSkipsZeroLengthFilesAndSplitsAtBoundaries(t *testing.T) {
	l, err := newLayout([]FileSpec{
		{Path: []string{"a"}, Length: 10},
		{Path: []string{"empty"}, Length: 0},
		{Path: []string{"b"}, Length: 5},
		{Path: []string{"c"}, Length: 7},
	})
	require.NoError(t, err)
	require.EqualValues(t, 22, l.total)

	var got []segment
	require.NoError(t, l.span(8, 10, func(s segment) error { got = append(got, s); return nil }))
	require.Equal(t, []segment{
		{file: 0, fileOff: 8, bufOff: 0, n: 2},
		{file: 2, fileOff: 0, bufOff: 2, n: 5},
		{file: 3, fileOff: 0, bufOff: 7, n: 3},
	}, got)
}

func TestLayoutSpanRejectsOutOfRange(t *testing.T) {
	l, err := newLayout([]FileSpec{{Path: []string{"a"}, Length: 10}})
	require.NoError(t, err)
	noop := func(segment) error { return nil }
	require.ErrorIs(t, l.span(-1, 2, noop), ErrOutOfRange)
	require.ErrorIs(t, l.span(5, 6, noop), ErrOutOfRange)
	require.ErrorIs(t, l.span(11, 0, noop), ErrOutOfRange)
	require.NoError(t, l.span(10, 0, noop))
}

func TestLayoutRejectsNegativeLength(t *testing.T) {
	_, err := newLayout([]FileSpec{{Path: []string{"a"}, Length: -1}})
	require.Error(t, err)
}
