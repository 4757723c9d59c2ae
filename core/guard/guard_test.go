package guard

import (
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRunReturnsThePanicWithWhereValueAndStack(t *testing.T) {
	p := Run("unit", func() { panic("boom") })
	require.NotNil(t, p)
	require.Equal(t, "unit", p.Where)
	require.Equal(t, "boom", p.Value)
	require.Contains(t, string(p.Stack), "guard_test.go", "the stack shows where the panic was raised")
	require.True(t, strings.HasPrefix(string(p.Stack), "goroutine "), "the stack keeps its header")
	require.NotContains(t, string(p.Stack), "guard.capture", "the recovery's own frames are cut")
	require.ErrorIs(t, p, ErrPanic)
	require.Contains(t, p.Error(), "unit")
	require.Contains(t, p.Error(), "boom")
}

func TestRunReturnsNilWithoutAPanic(t *testing.T) {
	ran := false
	require.Nil(t, Run("unit", func() { ran = true }))
	require.True(t, ran)
}

func TestPanicUnwrapsARuntimeError(t *testing.T) {
	p := Run("unit", func() {
		var m map[string]int
		m["x"] = 1 // assignment to a nil map: a runtime.Error
	})
	require.NotNil(t, p)
	var re runtime.Error
	require.ErrorAs(t, p, &re)
	require.ErrorIs(t, p, ErrPanic)
}

func TestRunRecoversPanicNil(t *testing.T) {
	p := Run("unit", func() { panic(nil) })
	require.NotNil(t, p, "panic(nil) is a panic too (*runtime.PanicNilError)")
}

func TestGoHandsThePanicToOnPanicAfterDeferredCalls(t *testing.T) {
	got := make(chan *Panic, 1)
	var deferred atomic.Bool
	Go("worker", func() {
		defer deferred.Store(true)
		panic(errors.New("bad"))
	}, func(p *Panic) {
		require.True(t, deferred.Load(), "fn's deferred calls run before onPanic")
		got <- p
	})
	select {
	case p := <-got:
		require.Equal(t, "worker", p.Where)
		require.EqualError(t, p.Value.(error), "bad")
	case <-time.After(10 * time.Second):
		t.Fatal("onPanic was not called")
	}
}

func TestGoSurvivesAPanicInOnPanic(t *testing.T) {
	done := make(chan struct{})
	Go("worker", func() { panic("first") }, func(*Panic) {
		defer close(done)
		panic("second")
	})
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("onPanic was not called")
	}
	// The process is still here: both panics were recovered.
}

func TestSuperviseRestartsAfterAPanicUntilFnReturns(t *testing.T) {
	var runs atomic.Int32
	var reported atomic.Int32
	Supervise("loop", nil, func() {
		if runs.Add(1) < 3 {
			panic("again")
		}
	}, func(*Panic) { reported.Add(1) })
	require.Equal(t, int32(3), runs.Load())
	require.Equal(t, int32(2), reported.Load())
}

func TestSuperviseStopsRestartingOnceStopIsClosed(t *testing.T) {
	stop := make(chan struct{})
	var runs atomic.Int32
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		Supervise("loop", stop, func() {
			runs.Add(1)
			panic("always")
		}, func(*Panic) {
			if runs.Load() == 2 {
				close(stop)
			}
		})
	}()
	select {
	case <-returned:
	case <-time.After(20 * time.Second):
		t.Fatal("Supervise did not return once stop was closed")
	}
	require.Equal(t, int32(2), runs.Load(), "no restart after stop")
}

func TestPanicErrorNamesWhere(t *testing.T) {
	p := &Panic{Where: "torrent tick", Value: "x"}
	require.True(t, strings.HasPrefix(p.Error(), "internal error in torrent tick"))
}
