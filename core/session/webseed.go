package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/rate"
	"github.com/libbt/libbt/core/smartban"
	"github.com/libbt/libbt/core/webseed"
)

// Web seeds (BEP 19 "url-list", BEP 17 "httpseeds") are pseudo-peers of a torrent. Each has its
// own picker.PeerKey, is reported to the picker as having every piece, and runs up to
// webSeedConnections jobs at once. A job is a set of blocks picked on the torrent goroutine
// (whole pieces, extended into the following pieces so one HTTP request covers a long run),
// fetched on its own goroutine by a webseed.Client, and handed back to the torrent goroutine in
// batches, where each block takes the path of a peer's block: picker bookkeeping, cancels to
// peers asked for the same block, the disk, the hash check, alerts. A web seed that fails is
// backed off (webseed.Backoff) and reported in an AlertWebSeedError. Smart ban judges a web seed
// by its URL as it judges a peer by its IP address (smartban.go): one proven to have sent bad
// data is banned, a suspect is backed off and then fetches pieces alone until cleared. All
// state here is owned by the torrent goroutine
// except what the job goroutines touch: their context, the client, and the blocks they fill.

// WebSeedKind is a web seed's protocol.
type WebSeedKind = webseed.Kind

const (
	WebSeedGetRight = webseed.GetRight // BEP 19 "url-list": byte ranges of the torrent's files
	WebSeedHoffman  = webseed.Hoffman  // BEP 17 "httpseeds": pieces by info-hash and index
)

// WebSeedInfo describes one web seed of a torrent.
type WebSeedInfo struct {
	URL          string
	Kind         WebSeedKind   // WebSeedGetRight (BEP 19) or WebSeedHoffman (BEP 17)
	Requests     int           // fetch jobs in flight
	Downloaded   int64         // payload bytes received from it
	DownloadRate int64         // bytes/s
	Failures     int           // failures since its last success
	RetryIn      time.Duration // > 0 while backed off
	Banned       bool          // proven to have sent data that failed the hash check
	LastError    error         // the latest failure, nil after a success
}

const (
	webSeedConnections = 4         // jobs (HTTP requests) in flight per web seed
	webSeedJobBytes    = 4 << 20   // blocks picked per job, at least one piece
	webSeedBatchBytes  = 256 << 10 // blocks handed to the torrent goroutine at once
)

// Overridden by tests.
var (
	webSeedRetryInitial = webseed.DefaultBackoffInitial
	webSeedIdleTimeout  = webseed.DefaultIdleTimeout
)

// webSeed is one web seed of a torrent; owned by the torrent goroutine.
type webSeed struct {
	url     string
	kind    webseed.Kind
	key     picker.PeerKey
	client  *webseed.Client // created once the torrent has metadata
	picker  *picker.Picker  // the picker it is registered with (PeerHasAll), nil when idle
	jobs    map[*wsJob]struct{}
	backoff webseed.Backoff
	retryAt time.Time
	banned  bool
	lastErr error
	down    rate.Meter
	window  bitfield.Bitfield // scratch: the one piece a job is extended into
}

// wsJob is one fetch: blocks sorted by stream offset, fetched as contiguous runs.
type wsJob struct {
	ws        *webSeed
	picker    *picker.Picker // the picker the blocks were picked from
	ctx       context.Context
	cancel    context.CancelFunc
	blocks    []picker.Block
	runs      []wsRun
	delivered int  // blocks handed to the torrent goroutine so far (torrent goroutine)
	cancelled bool // the web seed stopped; late blocks are wasted (torrent goroutine)
}

type wsRun struct{ off, n int64 }

// WebSeeds lists the torrent's web seeds.
func (t *Torrent) WebSeeds() []WebSeedInfo {
	var out []WebSeedInfo
	t.do(func() error {
		now := time.Now()
		for _, ws := range t.webSeeds {
			info := WebSeedInfo{URL: ws.url, Kind: ws.kind, Requests: len(ws.jobs), Downloaded: ws.down.Total(),
				DownloadRate: ws.down.Rate(), Failures: ws.backoff.Failures(), Banned: ws.banned, LastError: ws.lastErr}
			if ws.retryAt.After(now) && !ws.banned {
				info.RetryIn = ws.retryAt.Sub(now)
			}
			out = append(out, info)
		}
		return nil
	})
	return out
}

// AddWebSeed adds a BEP 19 (GetRight-style) web seed. Adding one that is already there is a no-op,
// except that it clears a ban and a back-off.
func (t *Torrent) AddWebSeed(url string) error { return t.addWebSeedAPI(url, webseed.GetRight) }

// AddHTTPSeed adds a BEP 17 (Hoffman-style) HTTP seed; see AddWebSeed.
func (t *Torrent) AddHTTPSeed(url string) error { return t.addWebSeedAPI(url, webseed.Hoffman) }

func (t *Torrent) addWebSeedAPI(url string, kind webseed.Kind) error {
	if err := webseed.ValidateURL(url); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return t.do(func() error {
		if ws := t.findWebSeed(url, kind); ws != nil {
			ws.banned, ws.retryAt = false, time.Time{}
			t.smart.Forget(smartban.WebSeed(url))
			ws.backoff.Success()
		} else {
			t.addWebSeed(url, kind)
		}
		t.fillWebSeeds()
		return nil
	})
}

// RemoveWebSeed stops and forgets the web seed (of either kind) with this URL.
func (t *Torrent) RemoveWebSeed(url string) error {
	return t.do(func() error {
		i := slices.IndexFunc(t.webSeeds, func(ws *webSeed) bool { return ws.url == url })
		if i < 0 {
			return fmt.Errorf("%w: no web seed %q", ErrInvalidArgument, url)
		}
		ws := t.webSeeds[i]
		t.stopWebSeed(ws)
		if ws.client != nil {
			ws.client.Close()
		}
		t.webSeeds = slices.Delete(t.webSeeds, i, i+1)
		return nil
	})
}

func (t *Torrent) findWebSeed(url string, kind webseed.Kind) *webSeed {
	for _, ws := range t.webSeeds {
		if ws.url == url && ws.kind == kind {
			return ws
		}
	}
	return nil
}

func (t *Torrent) webSeedByKey(key picker.PeerKey) *webSeed {
	for _, ws := range t.webSeeds {
		if ws.key == key {
			return ws
		}
	}
	return nil
}

func (t *Torrent) addWebSeed(url string, kind webseed.Kind) *webSeed {
	t.nextPeerKey++
	ws := &webSeed{url: url, kind: kind, key: t.nextPeerKey, jobs: map[*wsJob]struct{}{},
		backoff: webseed.Backoff{Initial: webSeedRetryInitial}}
	t.webSeeds = append(t.webSeeds, ws)
	return ws
}

// addMetaWebSeeds adds the torrent file's url-list and httpseeds (a magnet's ws= arrive in
// the url-list); a URL that is not http(s) is reported and skipped.
func (t *Torrent) addMetaWebSeeds(mi *metainfo.MetaInfo) {
	add := func(urls []string, kind webseed.Kind) {
		for _, u := range urls {
			if t.findWebSeed(u, kind) != nil {
				continue
			}
			if err := webseed.ValidateURL(u); err != nil {
				t.s.alerts.push(Alert{Type: AlertWebSeedError, Torrent: t, InfoHash: t.infoHash, URL: u, Err: err,
					Message: fmt.Sprintf("%s: web seed %s skipped: %v", t.name, u, err)})
				continue
			}
			t.addWebSeed(u, kind)
		}
	}
	add(mi.URLList, webseed.GetRight)
	add(mi.HTTPSeeds, webseed.Hoffman)
}

// fillWebSeeds starts jobs on every usable web seed up to webSeedConnections each.
func (t *Torrent) fillWebSeeds() {
	if len(t.webSeeds) == 0 || t.picker == nil || t.state != StateDownloading || t.paused || t.stopped.Load() || t.ctx.Err() != nil {
		return
	}
	now := time.Now()
	for _, ws := range t.webSeeds {
		if ws.banned || now.Before(ws.retryAt) {
			continue
		}
		if ws.client == nil {
			c, err := webseed.New(ws.kind, ws.url, t.infoHash, &t.meta.Info, webseed.Options{
				UserAgent: t.s.conf().UserAgent, Connections: webSeedConnections, IdleTimeout: webSeedIdleTimeout})
			if err != nil {
				ws.banned = true
				t.webSeedAlert(ws, err, "dropped")
				continue
			}
			ws.client = c
		}
		if ws.picker != t.picker {
			t.picker.PeerHasAll()
			ws.picker = t.picker
		}
		for len(ws.jobs) < webSeedConnections {
			j := t.pickWebSeedJob(ws)
			if j == nil {
				break
			}
			ws.jobs[j] = struct{}{}
			t.goSafely("web seed fetch", func() { j.run(t) })
		}
	}
}

// pickWebSeedJob picks a piece's worth of blocks, then keeps extending into the next piece
// while the blocks so far end at a piece boundary, up to webSeedJobBytes.
func (t *Torrent) pickWebSeedJob(ws *webSeed) *wsJob {
	info := &t.meta.Info
	perPiece := int((info.PieceLength + picker.BlockSize - 1) / picker.BlockSize)
	target := max(perPiece, webSeedJobBytes/picker.BlockSize)
	src := smartban.WebSeed(ws.url)
	if t.smart.Suspect(src) {
		target = 0 // on parole: a piece of its own, not extended into others
	}
	blocks := t.pickBlocks(ws.key, src, false, nil, perPiece, nil)
	if len(blocks) == 0 {
		return nil
	}
	slices.SortFunc(blocks, compareBlocks)
	n := info.NumPieces()
	if ws.window.Len() != n {
		ws.window = bitfield.New(n)
	}
	for len(blocks) < target {
		last := blocks[len(blocks)-1]
		next := last.Piece + 1
		if next >= n || int64(last.Begin)+int64(last.Length) != info.PieceSize(metainfo.PieceIndex(last.Piece)) {
			break
		}
		ws.window.Set(next)
		more := t.picker.Pick(ws.key, &ws.window, target-len(blocks), nil)
		ws.window.Clear(next)
		if len(more) == 0 {
			break
		}
		slices.SortFunc(more, compareBlocks)
		blocks = append(blocks, more...)
		if more[0].Begin != 0 || len(more) < t.picker.BlocksInPiece(next) {
			break // the run is no longer contiguous
		}
	}
	j := &wsJob{ws: ws, picker: t.picker, blocks: blocks}
	j.ctx, j.cancel = context.WithCancel(t.ctx)
	for _, b := range blocks {
		off := info.PieceOffset(metainfo.PieceIndex(b.Piece)) + int64(b.Begin)
		if k := len(j.runs) - 1; k >= 0 && j.runs[k].off+j.runs[k].n == off {
			j.runs[k].n += int64(b.Length)
		} else {
			j.runs = append(j.runs, wsRun{off: off, n: int64(b.Length)})
		}
	}
	return j
}

func compareBlocks(a, b picker.Block) int {
	if a.Piece != b.Piece {
		return a.Piece - b.Piece
	}
	return int(a.Begin) - int(b.Begin)
}

// run fetches the job's runs on its own goroutine, handing blocks over as they fill
// (webseed.Blocks cuts the stream).
func (j *wsJob) run(t *Torrent) {
	lengths := make([]int, len(j.blocks))
	for i, b := range j.blocks {
		lengths[i] = int(b.Length)
	}
	s := &webseed.Blocks{Ctx: j.ctx, Lengths: lengths, BatchBytes: webSeedBatchBytes, GetBuf: getBlock, PutBuf: putBlock,
		RateWait: t.s.downLimit.Wait, Congested: t.s.disk.WriteQueueFull, Uncongested: t.s.disk.Writable,
		Deliver: func(first int, bufs [][]byte) { t.post(func() { t.webSeedBlocks(j, first, bufs) }) }}
	var err error
	for _, r := range j.runs {
		if err = j.ws.client.Fetch(j.ctx, r.off, r.n, s); err != nil {
			break
		}
	}
	s.Close()
	j.cancel()
	t.post(func() { t.webSeedJobDone(j, err) })
}

// webSeedBlocks takes a batch of a job's blocks on the torrent goroutine.
func (t *Torrent) webSeedBlocks(j *wsJob, first int, bufs [][]byte) {
	for i, data := range bufs {
		j.delivered = first + i + 1
		if j.cancelled || t.picker == nil || j.picker != t.picker {
			putBlock(data)
			continue
		}
		t.storeWebSeedBlock(j.ws, j.blocks[first+i], data)
	}
}

// storeWebSeedBlock counts a web seed's block and stores it like a peer's.
func (t *Torrent) storeWebSeedBlock(ws *webSeed, b picker.Block, data []byte) {
	ws.down.Add(len(data))
	t.down.Add(len(data))
	t.storeBlock(ws.key, smartban.WebSeed(ws.url), b, data)
}

// webSeedJobDone returns a finished job's undelivered blocks to the picker and judges the web
// seed by how the job ended.
func (t *Torrent) webSeedJobDone(j *wsJob, err error) {
	ws := j.ws
	delete(ws.jobs, j)
	if j.cancelled {
		return
	}
	if t.picker != nil && j.picker == t.picker {
		for _, b := range j.blocks[j.delivered:] {
			t.picker.Cancelled(ws.key, b)
		}
	}
	switch {
	case t.ctx.Err() != nil:
		return
	case err != nil:
		t.webSeedFailed(ws, err)
	default:
		ws.backoff.Success()
		ws.lastErr = nil
	}
	t.fillWebSeeds()
	for p := range t.peers {
		t.fillRequests(p)
	}
}

// webSeedFailed backs the web seed off and reports it.
func (t *Torrent) webSeedFailed(ws *webSeed, err error) {
	var hint time.Duration
	var we *webseed.Error
	if errors.As(err, &we) {
		hint = we.RetryAfter
	}
	delay := ws.backoff.Fail(hint)
	ws.retryAt = time.Now().Add(delay)
	ws.lastErr = err
	t.stopWebSeed(ws)
	t.webSeedAlert(ws, err, fmt.Sprintf("retrying in %s", delay.Round(time.Second)))
}

func (t *Torrent) webSeedAlert(ws *webSeed, err error, what string) {
	t.s.alerts.push(Alert{Type: AlertWebSeedError, Torrent: t, InfoHash: t.infoHash, URL: ws.url, Err: err,
		Message: fmt.Sprintf("%s: web seed %s: %v; %s", t.name, ws.url, err, what)})
}

// stopWebSeed cancels the web seed's jobs and takes it out of the picker.
func (t *Torrent) stopWebSeed(ws *webSeed) {
	for j := range ws.jobs {
		j.cancelled = true
		j.cancel()
	}
	clear(ws.jobs)
	if ws.picker != nil && ws.picker == t.picker {
		t.picker.PeerGone(ws.key)
		t.picker.PeerLostAll()
	}
	ws.picker = nil
}

// stopWebSeeds stops every web seed (pause, check, error, shutdown); they start again with
// fillWebSeeds.
func (t *Torrent) stopWebSeeds() {
	for _, ws := range t.webSeeds {
		t.stopWebSeed(ws)
	}
}

// closeWebSeeds stops every web seed and drops their idle connections (the torrent stops).
func (t *Torrent) closeWebSeeds() {
	for _, ws := range t.webSeeds {
		t.stopWebSeed(ws)
		if ws.client != nil {
			ws.client.Close()
		}
	}
}

// tickWebSeeds updates the web seeds' rates and retries those whose back-off is over.
func (t *Torrent) tickWebSeeds(now time.Time) {
	for _, ws := range t.webSeeds {
		ws.down.Tick(now)
	}
	t.fillWebSeeds()
}
