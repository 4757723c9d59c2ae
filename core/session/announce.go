package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"time"

	"github.com/libbt/libbt/core/tracker"
)

type trackerEvent int

const trackerCompleted trackerEvent = 1

// trackerTiers returns the torrent's announce-list (from metadata or the magnet link).
func (t *Torrent) trackerTiers() [][]string {
	if t.meta != nil {
		return t.meta.TrackerTiers()
	}
	if t.magnet != nil {
		var tiers [][]string
		for _, u := range t.magnet.Trackers {
			tiers = append(tiers, []string{u})
		}
		return tiers
	}
	return nil
}

// startTracker starts the announce goroutine (BEP 12: one tracker at a time, tiers in order).
func (t *Torrent) startTracker() {
	if t.trackerStop != nil {
		return
	}
	tiers := tracker.NewTiers(t.trackerTiers(), nil)
	if tiers.Len() == 0 {
		return
	}
	ctx, cancel := context.WithCancel(t.ctx)
	t.trackerStop = cancel
	t.trackerDone = make(chan struct{})
	done := t.trackerDone
	t.goSafely("tracker loop", func() { t.trackerLoop(ctx, tiers, done) })
}

// stopTracker stops announcing; with stopped it also sends the "stopped" event (bounded in time).
func (t *Torrent) stopTracker(stopped bool) {
	if t.trackerStop == nil {
		return
	}
	t.trackerStop()
	t.trackerStop = nil
	done := t.trackerDone
	// The loop sends "stopped" itself on its way out when it had announced; wait for it
	// without blocking the torrent goroutine forever.
	select {
	case <-done:
	case <-time.After(4 * time.Second):
	}
}

func (t *Torrent) wakeTracker(ev trackerEvent) {
	select {
	case t.trackerWake <- ev:
	default:
	}
}

func (t *Torrent) announceRequest(ev tracker.Event, key uint32) tracker.AnnounceRequest {
	st := t.snapshot.Load()
	left := st.TotalWanted - st.TotalWantedDone
	if !st.HasMetadata {
		left = 1 << 40 // unknown; anything non-zero means "not a seed"
	}
	return tracker.AnnounceRequest{
		InfoHash:   t.infoHash,
		PeerID:     t.s.peerID,
		Port:       uint16(t.s.ListenPort()),
		Uploaded:   st.TotalUpload,
		Downloaded: st.TotalDownload,
		Left:       left,
		Event:      ev,
		NumWant:    200,
		Key:        key,
	}
}

// trackerPolicy reads the announce timing settings (libtorrent's min_announce_interval and
// tracker_backoff).
func (t *Torrent) trackerPolicy() tracker.Policy {
	return tracker.Policy{
		MinAnnounceInterval: t.s.conf().MinAnnounceInterval,
		BackoffRatio:        t.s.conf().TrackerBackoff,
	}
}

// trackerLoop announces to one tracker at a time (BEP 12), each on its own schedule: its
// interval, never sooner than min_announce_interval, after a reply; libtorrent's back-off
// after failures. A hostile tracker therefore gets at most one announce per
// min_announce_interval from each torrent, plus one "completed" and one "stopped".
func (t *Torrent) trackerLoop(ctx context.Context, tiers *tracker.Tiers, done chan struct{}) {
	defer close(done)
	key := rand.Uint32()
	event := tracker.Started
	rot := tracker.NewRotation(tiers, t.trackerPolicy())
	lastOK := "" // the tracker that last answered, told "stopped" on the way out
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		rot.SetPolicy(t.trackerPolicy())
		url, at := rot.Next()
		if url == "" {
			timer.Stop() // every tracker said "never": wait for the end
		} else {
			timer.Reset(time.Until(at))
		}
		select {
		case <-ctx.Done():
			if lastOK != "" {
				sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				t.s.trackers.Announce(sctx, lastOK, t.announceRequest(tracker.Stopped, key))
				cancel()
			}
			return
		case ev := <-t.trackerWake:
			// Only "completed" goes out ahead of the schedule, and only once "started" has.
			if ev != trackerCompleted || lastOK == "" || url == "" {
				continue
			}
			event = tracker.Completed
		case <-timer.C:
		}
		req := t.announceRequest(event, key)
		t.s.alerts.push(Alert{Type: AlertTrackerAnnounce, Torrent: t, InfoHash: t.infoHash, URL: url, Operation: event.String(),
			Message: fmt.Sprintf("%s: announcing %s to %s", t.name, event, url)})
		actx, cancel := context.WithTimeout(ctx, t.s.conf().TrackerCompletionTimeout)
		resp, err := t.s.trackers.Announce(actx, url, req)
		cancel()
		if ctx.Err() != nil && err != nil {
			continue // stopping: the next iteration sends "stopped"
		}
		now := time.Now()
		if err != nil {
			t.s.alerts.push(Alert{Type: AlertTrackerError, Torrent: t, InfoHash: t.infoHash, URL: url, Err: err,
				Message: fmt.Sprintf("%s: %v", t.name, trackerErrorText(err, url))})
			rot.Failed(url, now, err)
			continue
		}
		lastOK = url
		rot.Succeeded(url, now, resp)
		event = tracker.None
		if resp.Warning != "" {
			t.s.alerts.push(Alert{Type: AlertTrackerWarning, Torrent: t, InfoHash: t.infoHash, URL: url,
				Message: fmt.Sprintf("%s: tracker %s warns: %s", t.name, url, resp.Warning)})
		}
		t.s.alerts.push(Alert{Type: AlertTrackerReply, Torrent: t, InfoHash: t.infoHash, URL: url, Count: int64(len(resp.Peers)),
			Message: fmt.Sprintf("%s: tracker %s returned %d peers", t.name, url, len(resp.Peers))})
		peers := resp.Peers
		t.post(func() {
			for _, ap := range peers {
				if ap.Port() != 0 {
					t.candidates[ap] = sourceTracker
				}
			}
			t.connectPeers()
		})
	}
}

// trackerErrorText says what went wrong without repeating the URL or echoing the announce
// query (which carries our peer id and key).
func trackerErrorText(err error, url string) string {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return fmt.Sprintf("tracker %s: %v", url, ue.Err)
	}
	var te *tracker.Error
	if errors.As(err, &te) {
		return fmt.Sprintf("tracker %s: %v", url, te.Err)
	}
	return err.Error()
}
