package tracker

import "fmt"

// Event is the announce event (BEP 3).
type Event int

const (
	// None is a regular, periodic announce.
	None Event = iota
	// Started is sent with the first announce of a download.
	Started
	// Completed is sent once when the download finishes.
	Completed
	// Stopped is sent when the client stops the torrent.
	Stopped
)

// String returns the event's name as sent in an HTTP announce ("" is never
// returned; None is "none").
func (e Event) String() string {
	switch e {
	case None:
		return "none"
	case Started:
		return "started"
	case Completed:
		return "completed"
	case Stopped:
		return "stopped"
	default:
		return fmt.Sprintf("Event(%d)", int(e))
	}
}

// udpEvent maps an Event to its BEP 15 number.
func (e Event) udpEvent() uint32 {
	switch e {
	case Completed:
		return 1
	case Started:
		return 2
	case Stopped:
		return 3
	default:
		return 0
	}
}

// ParseUDPEvent maps a BEP 15 event number (0 none, 1 completed, 2 started,
// 3 stopped) to an Event; unknown numbers are None.
func ParseUDPEvent(v uint32) Event {
	switch v {
	case 1:
		return Completed
	case 2:
		return Started
	case 3:
		return Stopped
	default:
		return None
	}
}
