//go:build !unix

package functions

import "os"

func pipeFD(*os.File) int { return -1 }

// run reads the pipe until it ends. Pipes are not pollable here, so drain cannot read on its
// own: it only flushes the partial line.
func (r *pipeReader) run() {
	defer close(r.done)
	defer r.close()
	for {
		n, err := r.f.Read(r.buf)
		r.mu.Lock()
		if n > 0 {
			r.consume(r.buf[:n])
		}
		if err != nil {
			r.flushPartial()
			r.closed = true
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

func (r *pipeReader) drain() {
	r.mu.Lock()
	r.flushPartial()
	r.mu.Unlock()
}
