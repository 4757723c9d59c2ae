package limits

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckNamesTheLimitAndValue(t *testing.T) {
	require.NoError(t, Check("max_pieces", 10, 10))
	err := Check("max_pieces", 11, 10)
	require.EqualError(t, err, "max_pieces exceeded: 11 > 10")
	wrapped := fmt.Errorf("metainfo: %w", err)
	require.ErrorIs(t, wrapped, ErrLimit)
	var le *Error
	require.True(t, errors.As(wrapped, &le))
	require.Equal(t, "max_pieces", le.Limit)
	require.Equal(t, int64(11), le.Value)
	require.False(t, errors.Is(errors.New("other"), ErrLimit))
}
