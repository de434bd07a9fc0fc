package observe

import (
	"bufio"
	"io"
	"sync"
	"sync/atomic"

	"github.com/genkanhq/genkan/internal/reqctx"
)

// AccessLog writes access-log lines to one writer (a file or stdout) from many goroutines.
//
// Request goroutines format their line into a pooled buffer with no lock held and hand it to a
// single writer goroutine, which batches lines into large writes and flushes whenever it has
// nothing queued: under load many lines share a syscall, at idle each line reaches the file at
// once. A full queue blocks Write rather than dropping lines.
type AccessLog struct {
	lines chan *[]byte
	// mu makes Close's close(lines) wait for Writes in the middle of a send; it is never held
	// while formatting.
	mu      sync.RWMutex
	closed  bool
	done    chan struct{}
	err     error // first write error; read only after done is closed
	dropped atomic.Uint64
	bufs    sync.Pool
}

// queueLen bounds the lines waiting for the writer goroutine, and so the memory a slow disk can
// make the log hold.
const queueLen = 1024

// NewAccessLog starts writing lines to w. The caller keeps ownership of w: Close flushes but
// does not close it.
func NewAccessLog(w io.Writer) *AccessLog {
	l := &AccessLog{lines: make(chan *[]byte, queueLen), done: make(chan struct{})}
	l.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	go l.run(w)
	return l
}

// Write formats one line for c with f and queues it. Lines written after Close are dropped
// (and counted by Dropped): they can only come from requests that outlived shutdown.
func (l *AccessLog) Write(f *Format, c *reqctx.Context) {
	bp := l.bufs.Get().(*[]byte)
	*bp = f.Append((*bp)[:0], c)
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		l.recycle(bp)
		l.dropped.Add(1)
		return
	}
	l.lines <- bp
	l.mu.RUnlock()
}

// Close writes every line queued before it, flushes, and returns the first error the writer
// returned, if any.
func (l *AccessLog) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.lines)
	}
	l.mu.Unlock()
	<-l.done
	return l.err
}

// Dropped is the number of lines written after Close.
func (l *AccessLog) Dropped() uint64 { return l.dropped.Load() }

func (l *AccessLog) run(w io.Writer) {
	defer close(l.done)
	bw := bufio.NewWriterSize(w, 64<<10)
	fail := func(err error) {
		if l.err == nil {
			l.err = err
		}
		// bufio.Writer keeps failing after one error; start afresh so that a transient
		// failure (a full disk that gets space back) loses only the batch it hit.
		bw.Reset(w)
	}
	for bp := range l.lines {
		if _, err := bw.Write(*bp); err != nil {
			fail(err)
		}
		l.recycle(bp)
		if len(l.lines) == 0 {
			if err := bw.Flush(); err != nil {
				fail(err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		fail(err)
	}
}

func (l *AccessLog) recycle(bp *[]byte) {
	if cap(*bp) > 64<<10 { // let one huge line's buffer go rather than pin it in the pool
		return
	}
	l.bufs.Put(bp)
}
