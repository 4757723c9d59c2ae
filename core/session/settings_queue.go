package session

import "github.com/libbt/libbt/core/queue"

// The queueing settings (active_downloads, active_seeds, active_checking, active_limit,
// dont_count_slow_torrents, share_ratio_limit, ...) come from core/queue's table: libtorrent's
// names and defaults, ranges checked like every other setting. The session scheduler reads them
// with queue.Load(s.Int, s.Bool) (issue 10 wires it).
func init() {
	for _, d := range queue.Table {
		if d.Bool {
			settingDefs[d.Name] = settingDef{BoolSetting, d.Default != 0, nil}
		} else {
			settingDefs[d.Name] = settingDef{IntSetting, d.Default, intRange(d.Min, d.Max)}
		}
	}
}
