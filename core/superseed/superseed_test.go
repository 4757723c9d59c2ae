package superseed

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNextOffersTheRarestPieceNotInFlightElsewhere(t *testing.T) {
	avail := []int{3, 1, 1, 0}
	has := map[int]bool{3: true} // the peer has the rarest one already
	skip := func(i int) bool { return has[i] }
	av := func(i int) int { return avail[i] }
	require.Equal(t, 1, Next(4, skip, av, nil, 5), "rarest, lowest index on a tie")
	require.Equal(t, 2, Next(4, skip, av, map[int]bool{1: true}, 5), "piece 1 is offered elsewhere")
	require.Equal(t, 0, Next(4, skip, av, map[int]bool{1: true, 2: true}, 5), "both offered elsewhere: piece 0 (3 peers) beats them (1+5)")
	require.Equal(t, -1, Next(4, func(int) bool { return true }, av, nil, 5))
}
