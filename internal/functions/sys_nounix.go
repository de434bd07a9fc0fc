//go:build !unix

package functions

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func treeMaxRSSKB(int) int64 { return 0 }

func killGroup(p *os.Process) { p.Kill() }
