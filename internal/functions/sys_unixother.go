//go:build unix && !linux

package functions

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// treeMaxRSSKB has no portable source outside Linux: Max Memory Used reads 0 there.
func treeMaxRSSKB(int) int64 { return 0 }
