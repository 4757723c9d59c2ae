package lsd

import (
	"net"

	"github.com/libbt/libbt/core/guard"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLSDRunsOnTheInterfacesOfTheListenAddresses(t *testing.T) {
	for _, listen := range []string{"", "0.0.0.0:6881", "127.0.0.1:1,[::]:1"} {
		ifaces, err := Interfaces(listen)
		require.NoError(t, err, listen)
		require.Nil(t, ifaces, "%q: every multicast-capable interface", listen)
	}
	lo, err := net.InterfaceByIndex(1)
	require.NoError(t, err)
	ifaces, err := Interfaces("127.0.0.1:6881,[::1]:6881")
	require.NoError(t, err)
	require.Equal(t, []string{lo.Name}, ifaces, "a loopback-only port is announced on loopback only")
	_, err = Interfaces("192.0.2.77:6881")
	require.ErrorContains(t, err, "no interface holds a listen address")
}

func testManager(listen string, failed *[]error) *Manager {
	return NewManager(ManagerConfig{
		Enabled:  func() bool { return true },
		Listen:   func() string { return listen },
		Port:     func() uint16 { return 6881 },
		Sync:     func(*Service) {},
		OnPeer:   func(Peer) {},
		OnFailed: func(err error) { *failed = append(*failed, err) },
		Supervise: func(name string, stop <-chan struct{}, f func()) {
			guard.Go(name, func() { guard.Supervise(name, stop, f, nil) }, nil)
		},
	})
}

func TestManagerReportsInterfacesItCannotUseAndStaysOff(t *testing.T) {
	var failed []error
	m := testManager("192.0.2.77:6881", &failed)
	require.False(t, m.Running())
	m.Apply(true)
	require.False(t, m.Running())
	require.Len(t, failed, 1)
	require.ErrorContains(t, failed[0], "no interface holds a listen address")
	m.Close()
	m.Apply(true)
	require.False(t, m.Running(), "closed for good")
	require.Len(t, failed, 1, "a closed manager does not try again")
}
