package guard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
)

// ErrPanic matches every *Panic with errors.Is: the engine's "internal error" (the C API's
// BT_E_INTERNAL).
var ErrPanic = errors.New("internal error")

// maxStack bounds the stack kept per panic: enough for any sane call depth, and a panic that
// repeats cannot pile up megabytes of traces in alerts.
const maxStack = 64 << 10

// Panic is a recovered panic: where it happened (the name given to Go, Supervise or Run), the
// value passed to panic and the stack of the goroutine at the panic.
type Panic struct {
	Where string
	Value any
	Stack []byte
}

func (p *Panic) Error() string {
	return fmt.Sprintf("%v in %s: panic: %v", ErrPanic, p.Where, p.Value)
}

// Unwrap gives ErrPanic, and the panic value too when it is an error (a runtime.Error for a
// nil dereference or an index out of range).
func (p *Panic) Unwrap() []error {
	if err, ok := p.Value.(error); ok {
		return []error{ErrPanic, err}
	}
	return []error{ErrPanic}
}

// capture is the deferred half of every guard: it must be called directly by a deferred
// function for recover to see the panic.
func capture(where string, r any) *Panic {
	buf := make([]byte, maxStack)
	buf = buf[:runtime.Stack(buf, false)]
	// Start at the panic: the frames above it are this package's recovery.
	if head := bytes.IndexByte(buf, '\n'); head >= 0 {
		if at := bytes.Index(buf, []byte("\npanic(")); at > head {
			buf = append(buf[:head+1], buf[at+1:]...)
		}
	}
	return &Panic{Where: where, Value: r, Stack: buf}
}

// Run calls fn and returns the panic it raised, recovered, or nil when it returned normally.
func Run(where string, fn func()) (p *Panic) {
	defer func() {
		if r := recover(); r != nil {
			p = capture(where, r)
		}
	}()
	fn()
	return nil
}

// Go runs fn on a new goroutine. A panic in fn is recovered and handed to onPanic on that
// goroutine after fn's deferred calls have run; a panic in onPanic itself is recovered too and
// written to standard error (the last resort: there is nobody left to tell). A nil onPanic
// writes the panic to standard error.
func Go(where string, fn func(), onPanic func(*Panic)) {
	go func() {
		if p := Run(where, fn); p != nil {
			report(p, onPanic)
		}
	}()
}

// Supervise runs fn on the calling goroutine, and again after each panic (reported to onPanic
// first), until fn returns normally or stop is closed: a session-wide component such as a
// listener keeps working after a bug hit one of its iterations. Restarts wait 100 ms, doubling
// up to 5 s (back to 100 ms after a run of a minute), so a panic that repeats at once costs
// little; a nil stop never stops restarts.
// Start it with Go: guard.Go(name, func() { guard.Supervise(name, stop, loop, onPanic) }, onPanic).
func Supervise(where string, stop <-chan struct{}, fn func(), onPanic func(*Panic)) {
	const firstDelay = 100 * time.Millisecond
	delay := firstDelay
	for {
		start := time.Now()
		p := Run(where, fn)
		if p == nil {
			return
		}
		report(p, onPanic)
		if time.Since(start) > time.Minute {
			delay = firstDelay // it had worked for a while: not a crash loop
		}
		timer := time.NewTimer(delay)
		select {
		case <-stop:
			timer.Stop()
			return
		case <-timer.C:
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func report(p *Panic, onPanic func(*Panic)) {
	if onPanic == nil {
		writeStderr(p)
		return
	}
	if q := Run(p.Where+" panic handler", func() { onPanic(p) }); q != nil {
		writeStderr(p)
		writeStderr(q)
	}
}

func writeStderr(p *Panic) {
	fmt.Fprintf(os.Stderr, "libbt: recovered %v\n%s\n", p, p.Stack)
}
