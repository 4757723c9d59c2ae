package lsd

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/settings"
)

// SyncInterval is how often a running Manager brings the service's port and info-hashes up to
// date.
const SyncInterval = time.Second

// DefaultRescanInterval is how often a Manager looks at the interfaces again while LSD is on:
// when they changed (a network came up, an address moved), the service is restarted on the new
// ones.
const DefaultRescanInterval = 5 * time.Second

// ManagerConfig is what a Manager needs of its owner (a session). The functions are called on
// the Manager's goroutines and must not block.
type ManagerConfig struct {
	Enabled func() bool   // whether LSD should run now (enable_lsd)
	Listen  func() string // the listen addresses now (listen_interfaces)
	Port    func() uint16 // the listen port to announce
	// Sync brings the service's info-hashes up to date (Service.Add, Remove); it runs once a
	// SyncInterval while the service runs, after the port was set.
	Sync     func(svc *Service)
	OnPeer   func(Peer)  // a peer announced one of the service's info-hashes (Config.OnPeer)
	OnFailed func(error) // the service could not start
	OnPanic  func(*guard.Panic)
	// Supervise starts the interface watcher, restarted after a panic until stop is closed; the
	// owner counts it among the goroutines it waits for.
	Supervise      func(name string, stop <-chan struct{}, f func())
	RescanInterval time.Duration // 0: DefaultRescanInterval
}

// Manager runs a Service while its owner wants one: started and stopped by Apply, restarted
// when the interfaces holding the listen addresses change, its port and info-hashes kept in
// sync. LSD runs on the interfaces that hold a listen address (all multicast-capable ones when
// listening on 0.0.0.0 or [::]), so a port reachable only on loopback is announced only on
// loopback. Safe for concurrent use.
type Manager struct {
	cfg     ManagerConfig
	mu      sync.Mutex
	closed  bool // Close ran: never start again
	svc     *Service
	ifaces  []string // what svc was started on (nil: all)
	started string   // InterfacesState when last started or tried
	stop    chan struct{}
	done    chan struct{}
	unwatch chan struct{} // closed by Close: the watcher returns
}

// NewManager returns a Manager that runs nothing until Apply(true).
func NewManager(cfg ManagerConfig) *Manager {
	if cfg.RescanInterval <= 0 {
		cfg.RescanInterval = DefaultRescanInterval
	}
	return &Manager{cfg: cfg}
}

// Apply starts or stops the service to match on, and restarts it when the listen addresses
// moved to other interfaces.
func (m *Manager) Apply(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.applyLocked(on, false)
}

// applyLocked does Apply with m.mu held; restart restarts a running service even on the same
// interface names (their addresses changed).
func (m *Manager) applyLocked(on, restart bool) {
	if m.unwatch == nil && !m.closed {
		unwatch := make(chan struct{})
		m.unwatch = unwatch
		m.cfg.Supervise("lsd watch", unwatch, func() { m.watch(unwatch) })
	}
	on = on && !m.closed
	var ifaces []string
	if on {
		var err error
		ifaces, err = Interfaces(m.cfg.Listen())
		m.started = interfacesState(ifaces, err)
		if err != nil {
			m.cfg.OnFailed(err)
			on = false
		}
	}
	if m.svc != nil && (!on || restart || !slices.Equal(ifaces, m.ifaces)) {
		m.set(false, nil)
	}
	m.set(on, ifaces)
}

func interfacesState(ifaces []string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return InterfacesState(ifaces)
}

// watch restarts the service when the interfaces it would use change, so an owner started
// before the network came up, or whose addresses moved, finds local peers without a restart.
func (m *Manager) watch(unwatch chan struct{}) {
	tick := time.NewTicker(m.cfg.RescanInterval)
	defer tick.Stop()
	for {
		select {
		case <-unwatch:
			return
		case <-tick.C:
		}
		if !m.cfg.Enabled() {
			continue
		}
		ifaces, err := Interfaces(m.cfg.Listen())
		now := interfacesState(ifaces, err)
		m.mu.Lock()
		if !m.closed && now != m.started && m.cfg.Enabled() {
			m.applyLocked(true, true)
		}
		m.mu.Unlock()
	}
}

// Interfaces names the interfaces holding the listen addresses (listen_interfaces' syntax), or
// nil (every multicast-capable interface) when listening on an unspecified address or not at
// all.
func Interfaces(listen string) ([]string, error) {
	aps, err := settings.ParseListenInterfaces(listen)
	if err != nil {
		return nil, err
	}
	want := map[netip.Addr]bool{}
	for _, ap := range aps {
		if ap.Addr().IsUnspecified() {
			return nil, nil
		}
		want[ap.Addr().Unmap().WithZone("")] = true
	}
	if len(want) == 0 {
		return nil, nil
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, ifi := range all {
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && want[ip.Unmap()] {
					names = append(names, ifi.Name)
					break
				}
			}
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no interface holds a listen address " + strings.TrimSpace(listen))
	}
	return names, nil
}

// Close stops the service for good and waits for its goroutines.
func (m *Manager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	if m.unwatch != nil {
		close(m.unwatch)
	}
	m.set(false, nil)
}

func (m *Manager) set(on bool, ifaces []string) {
	if on == (m.svc != nil) {
		return
	}
	if !on {
		close(m.stop)
		<-m.done
		m.svc.Close()
		m.svc, m.ifaces, m.stop, m.done = nil, nil, nil, nil
		return
	}
	svc, err := Start(Config{Port: m.cfg.Port(), Interfaces: ifaces, OnPeer: m.cfg.OnPeer, OnPanic: m.cfg.OnPanic})
	if err != nil {
		m.cfg.OnFailed(err)
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	m.svc, m.ifaces, m.stop, m.done = svc, ifaces, stop, done
	guard.Go("lsd sync", func() {
		defer close(done)
		guard.Supervise("lsd sync", stop, func() { m.sync(svc, stop) }, m.cfg.OnPanic)
	}, m.cfg.OnPanic)
}

// sync keeps the service's port and info-hashes up to date until stop is closed.
func (m *Manager) sync(svc *Service, stop chan struct{}) {
	tick := time.NewTicker(SyncInterval)
	defer tick.Stop()
	for {
		svc.SetPort(m.cfg.Port())
		m.cfg.Sync(svc)
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// Running reports whether the service runs.
func (m *Manager) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.svc != nil
}
