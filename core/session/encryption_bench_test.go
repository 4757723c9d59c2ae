package session

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkEncryptedLoopbackTransfer moves a 256 MiB torrent between two sessions over loopback
// TCP as BenchmarkLoopbackTransfer does, once per encryption mode, and reports MB/s.
func BenchmarkEncryptedLoopbackTransfer(b *testing.B) {
	root, mi := benchTorrent(b)
	modes := []struct {
		name                string
		outPolicy, inPolicy int64
		level               int64
	}{
		{"plaintext", encDisabled, encDisabled, 3},
		{"mse-plaintext", encForced, encForced, 1},
		{"mse-rc4", encForced, encForced, 2},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			benchTransfer(b, root, mi, func(st *Settings) {
				require.NoError(b, st.SetInt("out_enc_policy", m.outPolicy))
				require.NoError(b, st.SetInt("in_enc_policy", m.inPolicy))
				require.NoError(b, st.SetInt("allowed_enc_level", m.level))
			})
		})
	}
}
