package functions

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// maxLineBytes bounds one log line; longer output is split, as CloudWatch caps an event at
// 256 KB.
const maxLineBytes = 256 << 10

// logSink is where one function's log lines go: genkan's log output, prefixed with the
// function name, and LogDir/<name>.log with a timestamp. It outlives versions.
type logSink struct {
	log    *slog.Logger
	out    io.Writer
	prefix []byte
	path   string
	max    int64

	mu     sync.Mutex
	f      *os.File
	size   int64
	failed bool
	buf    []byte
}

// lockedWriter serializes the sinks' writes to the shared LogOutput, which need not be safe
// for concurrent use.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (m *Manager) sinkFor(name string) *logSink {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sinks[name]; ok {
		return s
	}
	s := &logSink{log: m.log, out: m.opts.LogOutput, prefix: []byte("[" + name + "] "), max: m.opts.MaxLogFileBytes}
	if m.opts.LogDir != "" {
		s.path = filepath.Join(m.opts.LogDir, name+".log")
	}
	m.sinks[name] = s
	return s
}

// line writes one log line and, when inv is set, adds it to the invocation's tail.
func (s *logSink) line(inv *invocation, b []byte) {
	s.lines(inv, b)
}

// lines writes log lines with one write per destination.
func (s *logSink) lines(inv *invocation, lines ...[]byte) {
	if inv != nil {
		for _, b := range lines {
			inv.tail.add(b)
		}
	}
	if s.out == nil && s.path == "" {
		return
	}
	now := time.Now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out != nil {
		s.buf = s.buf[:0]
		for _, b := range lines {
			s.buf = append(append(append(s.buf, s.prefix...), b...), '\n')
		}
		s.out.Write(s.buf)
	}
	if s.path == "" || s.failed {
		return
	}
	s.buf = s.buf[:0]
	for _, b := range lines {
		s.buf = now.AppendFormat(s.buf, "2006-01-02T15:04:05.000Z")
		s.buf = append(append(append(s.buf, ' '), b...), '\n')
	}
	if s.f != nil && s.size+int64(len(s.buf)) > s.max {
		s.f.Close()
		s.f = nil
		os.Rename(s.path, s.path+".1")
	}
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			s.failed = true
			s.log.Warn("functions: cannot write log file", "path", s.path, "err", err)
			return
		}
		st, _ := f.Stat()
		s.f, s.size = f, 0
		if st != nil {
			s.size = st.Size()
		}
	}
	n, err := s.f.Write(s.buf)
	s.size += int64(n)
	if err != nil {
		s.failed = true
		s.log.Warn("functions: cannot write log file", "path", s.path, "err", err)
	}
}

func (s *logSink) close() {
	s.mu.Lock()
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	s.mu.Unlock()
}

// pipeReader turns an instance's combined stdout/stderr into log lines attributed to the
// invocation the instance holds. drain lets the invocation's end wait until everything the
// process wrote before answering has been read, so that a function's output lands between its
// START and END lines and in its log tail.
type pipeReader struct {
	f    *os.File
	sink *logSink
	cur  *atomic.Pointer[invocation]

	partial []byte
	done    chan struct{}

	initMu sync.Mutex
	init   *tailBuffer // output before the first invocation, nil after it

	drainMu sync.Mutex // one drain at a time
	ackMu   sync.Mutex
	ack     chan struct{}
}

func newPipeReader(f *os.File, sink *logSink, cur *atomic.Pointer[invocation]) *pipeReader {
	return &pipeReader{f: f, sink: sink, cur: cur, done: make(chan struct{}), init: &tailBuffer{}}
}

func (r *pipeReader) run() {
	defer close(r.done)
	defer r.f.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := r.f.Read(buf)
		if n > 0 {
			r.consume(buf[:n])
		}
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// A drain interrupted the blocking read. An expired deadline fails reads before
			// they look at the pipe, so read what is buffered without waiting, then answer.
			r.f.SetReadDeadline(time.Time{})
			readAvailable(r.f, buf, r.consume)
			r.flushPartial()
			r.ackMu.Lock()
			if r.ack != nil {
				close(r.ack)
				r.ack = nil
			}
			r.ackMu.Unlock()
			continue
		}
		r.flushPartial()
		return
	}
}

func (r *pipeReader) consume(b []byte) {
	for len(b) > 0 {
		i := indexNL(b)
		if i < 0 {
			room := maxLineBytes - len(r.partial)
			if len(b) < room {
				r.partial = append(r.partial, b...)
				return
			}
			r.partial = append(r.partial, b[:room]...)
			b = b[room:]
			r.flushPartial()
			continue
		}
		line := b[:i]
		b = b[i+1:]
		if len(r.partial) > 0 {
			r.partial = append(r.partial, line...)
			line = r.partial
		}
		for len(line) > maxLineBytes {
			r.emit(line[:maxLineBytes])
			line = line[maxLineBytes:]
		}
		r.emit(line)
		r.partial = r.partial[:0]
	}
}

func indexNL(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

func (r *pipeReader) flushPartial() {
	if len(r.partial) > 0 {
		r.emit(r.partial)
		r.partial = r.partial[:0]
	}
}

func (r *pipeReader) emit(line []byte) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	inv := r.cur.Load()
	if inv == nil && r.init != nil {
		// Output before the first assignment is init output: kept for the invocation that
		// waited for this cold start.
		r.initMu.Lock()
		if inv = r.cur.Load(); inv == nil {
			r.init.add(line)
		}
		r.initMu.Unlock()
	}
	r.sink.line(inv, line)
}

// attach makes inv the owner of the lines to come. The first one also gets the init output.
func (r *pipeReader) attach(inv *invocation, withInit bool) {
	r.initMu.Lock()
	r.cur.Store(inv)
	if withInit && r.init != nil {
		inv.tail.mu.Lock()
		inv.tail.buf = append(r.init.bytes(), inv.tail.buf...)
		inv.tail.mu.Unlock()
		r.init = nil
	}
	r.initMu.Unlock()
}

// drain returns once everything written to the pipe so far has been turned into lines (or the
// reader ended, or a short bound passed).
func (r *pipeReader) drain() {
	r.drainMu.Lock()
	defer r.drainMu.Unlock()
	ack := make(chan struct{})
	r.ackMu.Lock()
	r.ack = ack
	r.ackMu.Unlock()
	// A deadline in the past makes the reader's Read return buffered data, then
	// ErrDeadlineExceeded once the pipe is empty.
	if err := r.f.SetReadDeadline(time.Unix(1, 0)); err != nil {
		return
	}
	t := time.NewTimer(200 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ack:
	case <-r.done:
	case <-t.C:
	}
}
