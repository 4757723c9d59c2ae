package tracker_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
)

func TestAnnounceURLEscapesBytesAndAppendsToExistingQuery(t *testing.T) {
	r := tracker.AnnounceRequest{Port: 6881, Uploaded: 1, Downloaded: 2, Left: 3, Event: tracker.Started,
		NumWant: 50, Key: 0xab, TrackerID: "id 1&2"}
	copy(r.InfoHash[:], "\x00\xff aZ9-._~%&=+/\x12\x34\x56\x78\x9a")
	copy(r.PeerID[:], "-LB0001-abcdefghijkl")
	got := tracker.AnnounceURL("http://t.example/announce", r)
	require.Equal(t, "http://t.example/announce?info_hash=%00%FF%20aZ9-._~%25%26%3D%2B%2F%124Vx%9A"+
		"&peer_id=-LB0001-abcdefghijkl&port=6881&uploaded=1&downloaded=2&left=3&compact=1"+
		"&event=started&numwant=50&key=000000AB&trackerid=id%201%262", got)

	u, err := url.Parse(got)
	require.NoError(t, err)
	require.Equal(t, string(r.InfoHash[:]), u.Query().Get("info_hash"), "round-trips through a standard parser")

	r2 := tracker.AnnounceRequest{NumWant: -1}
	got = tracker.AnnounceURL("http://t.example/a?passkey=s3cret", r2)
	require.True(t, strings.HasPrefix(got, "http://t.example/a?passkey=s3cret&info_hash="), got)
	require.NotContains(t, got, "event=", "no event for None")
	require.NotContains(t, got, "numwant=", "negative numwant not sent")
	require.NotContains(t, got, "trackerid=")
	require.True(t, strings.HasPrefix(tracker.AnnounceURL("http://t/a?", r2), "http://t/a?info_hash="))
	require.True(t, strings.HasPrefix(tracker.AnnounceURL("http://t/a?x=1&", r2), "http://t/a?x=1&info_hash="))
	r2.NumWant = 0
	require.Contains(t, tracker.AnnounceURL("http://t/a", r2), "&numwant=0")
}

func TestParseHTTPResponse(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name    string
		body    string
		want    *tracker.AnnounceResponse
		failure string
		errHas  string
	}{
		{name: "compact peers", body: "d8:completei5e10:incompletei7e8:intervali1800e5:peers12:\x0a\x00\x00\x01\x1a\xe1\x0a\x00\x00\x02\x00\x00e",
			want: &tracker.AnnounceResponse{Interval: 30 * time.Minute, Seeders: 5, Leechers: 7, Peers: []netip.AddrPort{ap("10.0.0.1:6881")}}},
		{name: "dict peers", body: "d8:intervali60e5:peersld2:ip8:10.0.0.17:peer id20:aaaaaaaaaaaaaaaaaaaa4:porti80eed2:ip11:2001:db8::14:porti443eed2:ip11:example.com4:porti1eed2:ip8:10.0.0.24:porti0eeee",
			want: &tracker.AnnounceResponse{Interval: time.Minute, Seeders: -1, Leechers: -1,
				Peers: []netip.AddrPort{ap("10.0.0.1:80"), ap("[2001:db8::1]:443")}}},
		{name: "peers6", body: "d8:intervali60e5:peers0:6:peers618:\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x50e",
			want: &tracker.AnnounceResponse{Interval: time.Minute, Seeders: -1, Leechers: -1, Peers: []netip.AddrPort{ap("[2001:db8::2]:80")}}},
		{name: "min interval, warning, tracker id", body: "d8:intervali900e12:min intervali300e5:peers0:10:tracker id3:abc15:warning message4:slowe",
			want: &tracker.AnnounceResponse{Interval: 15 * time.Minute, MinInterval: 5 * time.Minute, Seeders: -1, Leechers: -1,
				Peers: []netip.AddrPort{}, TrackerID: "abc", Warning: "slow"}},
		{name: "no peers key", body: "d8:intervali60ee", want: &tracker.AnnounceResponse{Interval: time.Minute, Seeders: -1, Leechers: -1}},
		{name: "failure reason", body: "d14:failure reason12:unregisterede", failure: "unregistered"},
		{name: "failure reason wins over peers", body: "d14:failure reason1:x5:peers3:abce", failure: "x"},
		{name: "failure reason not a string", body: "d14:failure reasoni1ee", errHas: "failure reason is an integer"},
		{name: "not bencode", body: "<html>404</html>", errHas: "malformed"},
		{name: "empty body", body: "", errHas: "malformed"},
		{name: "not a dict", body: "li1ee", errHas: "reply is a list"},
		{name: "compact peers bad length", body: "d5:peers5:abcdee", errHas: "multiple of 6"},
		{name: "peers6 bad length", body: "d6:peers66:abcdefe", errHas: "multiple of 18"},
		{name: "peers6 not a string", body: "d6:peers6i1ee", errHas: "peers6 is an integer"},
		{name: "peers integer", body: "d5:peersi1ee", errHas: "peers is an integer"},
		{name: "peer entry not a dict", body: "d5:peersli1eee", errHas: "peers[0] is an integer"},
		{name: "peer port missing", body: "d5:peersld2:ip1:xeee", errHas: "peers[0].port is missing"},
		{name: "peer port out of range", body: "d5:peersld2:ip8:10.0.0.14:porti65536eeee", errHas: "out of range"},
		{name: "peer ip not a string", body: "d5:peersld2:ipi1e4:porti1eeee", errHas: "peers[0].ip is an integer"},
		{name: "negative interval", body: "d8:intervali-1ee", errHas: "interval -1 out of range"},
		{name: "huge interval", body: "d8:intervali99999999999ee", errHas: "out of range"},
		{name: "interval string", body: "d8:interval2:60e", errHas: "interval is a string"},
		{name: "complete negative", body: "d8:completei-5ee", errHas: "complete -5 out of range"},
		{name: "warning not a string", body: "d15:warning messagei1ee", errHas: "warning message is an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tracker.ParseHTTPResponse([]byte(tt.body))
			switch {
			case tt.failure != "":
				var fe *tracker.FailureError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, tt.failure, fe.Reason)
			case tt.errHas != "":
				require.ErrorIs(t, err, tracker.ErrMalformedResponse)
				require.ErrorContains(t, err, tt.errHas)
				require.Nil(t, got)
			default:
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			}
		})
	}
}

func TestHTTPAnnounceAgainstTestTracker(t *testing.T) {
	srv := trackertest.NewHTTP()
	defer srv.Close()
	srv.SetInterval(20*time.Minute, 2*time.Minute)
	c := &tracker.Client{}
	ctx := context.Background()
	_, err := c.Announce(ctx, srv.URL(), req(1, 'a', 6881, 0, tracker.Started))
	require.NoError(t, err)
	resp, err := c.Announce(ctx, srv.URL(), req(1, 'b', 6882, 42, tracker.Started))
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:6881")}, resp.Peers)
	require.Equal(t, 20*time.Minute, resp.Interval)
	require.Equal(t, 2*time.Minute, resp.MinInterval)
	require.Equal(t, 1, resp.Seeders)
	require.Equal(t, 1, resp.Leechers)

	_, err = c.Announce(ctx, srv.URL(), req(1, 'b', 6882, 0, tracker.Completed))
	require.NoError(t, err)
	got := srv.Announces()
	require.Len(t, got, 3)
	require.Equal(t, tracker.Completed, got[2].Event)
	require.Equal(t, int64(0), got[2].Left)
	require.Equal(t, int64(42), got[1].Left)
	require.Equal(t, uint32(0xdeadbeef), got[1].Key)
	require.Equal(t, [20]byte(req(1, 'b', 0, 0, 0).PeerID), got[1].PeerID)

	srv.SetFailure("banned client")
	_, err = c.Announce(ctx, srv.URL(), req(1, 'a', 6881, 0, tracker.None))
	var fe *tracker.FailureError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "banned client", fe.Reason)
	require.Contains(t, err.Error(), srv.URL())
}

func TestHTTPAnnounceSendsUserAgentAndHonoursExistingQuery(t *testing.T) {
	var gotUA string
	var gotQuery url.Values
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.UserAgent()
		gotQuery = r.URL.Query()
		w.Write([]byte("d8:intervali60e5:peers0:e"))
	}))
	defer hs.Close()
	c := &tracker.Client{UserAgent: "test/1"}
	_, err := c.Announce(context.Background(), hs.URL+"/ann?passkey=abc", req(1, 'a', 1, 1, tracker.Stopped))
	require.NoError(t, err)
	require.Equal(t, "test/1", gotUA)
	require.Equal(t, "abc", gotQuery.Get("passkey"))
	require.Equal(t, "stopped", gotQuery.Get("event"))
	require.Equal(t, "1", gotQuery.Get("compact"))
}

func TestHTTPAnnounceErrors(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/403-reason":
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte("d14:failure reason6:nope!!e"))
		case "/500":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/huge":
			w.Write([]byte("d5:peers"))
			w.Write([]byte("2000000:"))
			w.Write(make([]byte, 2_000_000))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	}))
	defer hs.Close()
	c := &tracker.Client{}
	ctx := context.Background()

	_, err := c.Announce(ctx, hs.URL+"/403-reason", req(1, 'a', 1, 1, 0))
	var fe *tracker.FailureError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "nope!!", fe.Reason)

	_, err = c.Announce(ctx, hs.URL+"/500", req(1, 'a', 1, 1, 0))
	require.ErrorContains(t, err, "500")
	require.False(t, errors.As(err, &fe), "a 500 without a reason is not a tracker failure")

	_, err = c.Announce(ctx, hs.URL+"/huge", req(1, 'a', 1, 1, 0))
	require.ErrorIs(t, err, tracker.ErrMalformedResponse)
	require.ErrorContains(t, err, "larger than")

	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Announce(cctx, hs.URL+"/slow", req(1, 'a', 1, 1, 0))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 3*time.Second)
	var te *tracker.Error
	require.ErrorAs(t, err, &te)
	require.Equal(t, hs.URL+"/slow", te.URL)
}
