//go:build unix

package functions

import (
	"os"
	"syscall"
)

// run reads the pipe until it ends. It waits for readability in the netpoller without holding
// r.mu and reads under it until the pipe is empty (the descriptor is non-blocking, as os.Pipe
// makes it), so that drain can read from the same descriptor on its own goroutine in between.
func (r *pipeReader) run() {
	defer close(r.done)
	defer r.close()
	rc, err := r.f.SyscallConn()
	if err != nil {
		return
	}
	rc.Read(func(fd uintptr) bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.readAvailable(int(fd))
	})
	r.mu.Lock()
	r.flushPartial()
	r.closed = true
	r.mu.Unlock()
}

// pipeFD is f's descriptor, or -1.
func pipeFD(f *os.File) int {
	fd := -1
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(d uintptr) { fd = int(d) })
	}
	return fd
}

// readAvailable reads what the pipe holds now; true at its end. r.mu is held.
func (r *pipeReader) readAvailable(fd int) bool {
	for {
		n, err := syscall.Read(fd, r.buf)
		if n > 0 {
			r.consume(r.buf[:n])
			continue
		}
		switch err {
		case syscall.EAGAIN:
			return false
		case syscall.EINTR:
			continue
		}
		return true // end of file, or an error reading on would repeat
	}
}

// drain takes in everything written to the pipe so far, and the partial line at its end.
func (r *pipeReader) drain() {
	r.mu.Lock()
	if !r.closed && r.fd >= 0 {
		r.readAvailable(r.fd)
	}
	r.flushPartial()
	r.mu.Unlock()
}
