//go:build !linux

package functions

import "log/slog"

// Memory limits need Linux cgroups; elsewhere the memory size is only reported.
type memCgroup struct{}

type instCgroup struct{}

func newMemCgroup(log *slog.Logger) *memCgroup {
	log.Info("functions: memory size is reported, not enforced, on this OS")
	return nil
}

func (*memCgroup) create(int64) *instCgroup { return nil }
func (*memCgroup) close()                   {}
func (*instCgroup) attach(int)              {}
func (*instCgroup) peakMB() int64           { return 0 }
func (*instCgroup) oomKilled() bool         { return false }
func (*instCgroup) remove()                 {}
