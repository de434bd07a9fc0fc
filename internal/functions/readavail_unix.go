//go:build unix

package functions

import (
	"os"
	"syscall"
)

// readAvailable reads what the pipe holds now without waiting (the fd is non-blocking, as
// os.Pipe makes it) and hands it to consume.
func readAvailable(f *os.File, buf []byte, consume func([]byte)) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Read(int(fd), buf)
			return true // never wait for readiness
		}); err != nil {
			return
		}
		if n <= 0 || rerr != nil {
			return
		}
		consume(buf[:n])
	}
}
