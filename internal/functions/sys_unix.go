//go:build unix

package functions

import (
	"os"
	"syscall"
)

// killGroup SIGKILLs the process group the instance leads, so that a bootstrap script's
// children go too. Lambda does not let a runtime shut down gracefully without an extension
// either.
func killGroup(p *os.Process) {
	syscall.Kill(-p.Pid, syscall.SIGKILL)
	p.Kill()
}
