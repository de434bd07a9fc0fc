package functions

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
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

	mu       sync.Mutex
	f        *os.File
	size     int64
	failed   bool
	buf      []byte
	start    []byte // the START line being written
	stamp    []byte // the file timestamp up to its second
	stampSec int64
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

// begin marks inv as handed to its runtime. Its START line is written with the next line the
// invocation logs (its output, or END at the latest), stamped with the time of the hand-over:
// an invocation that prints nothing then costs one write per destination instead of two.
func (s *logSink) begin(inv *invocation) {
	s.mu.Lock()
	inv.startPending = true
	s.mu.Unlock()
}

// line writes one log line and, when inv is set, adds it to the invocation's tail.
func (s *logSink) line(inv *invocation, b []byte) {
	s.lines(inv, b)
}

// lines writes log lines, after inv's pending START if any, with one write per destination.
func (s *logSink) lines(inv *invocation, lines ...[]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var start []byte
	if inv != nil && inv.startPending {
		inv.startPending = false
		s.start = append(append(append(s.start[:0], "START RequestId: "...), inv.id...), " Version: $LATEST"...)
		start = s.start
		inv.tail.add(start)
	}
	if inv != nil {
		for _, b := range lines {
			inv.tail.add(b)
		}
	}
	if s.out != nil {
		s.buf = s.buf[:0]
		if start != nil {
			s.buf = append(append(append(s.buf, s.prefix...), start...), '\n')
		}
		for _, b := range lines {
			s.buf = append(append(append(s.buf, s.prefix...), b...), '\n')
		}
		s.out.Write(s.buf)
	}
	if s.path == "" || s.failed {
		return
	}
	now := time.Now()
	s.buf = s.buf[:0]
	if start != nil {
		s.buf = s.appendStamp(s.buf, inv.delivered)
		s.buf = append(append(append(s.buf, ' '), start...), '\n')
	}
	for _, b := range lines {
		s.buf = s.appendStamp(s.buf, now)
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

// appendStamp appends t as 2006-01-02T15:04:05.000Z (UTC, milliseconds truncated, as Go
// formats them), formatting the part up to the second once per second.
func (s *logSink) appendStamp(b []byte, t time.Time) []byte {
	if sec := t.Unix(); sec != s.stampSec || s.stamp == nil {
		s.stampSec = sec
		s.stamp = t.UTC().AppendFormat(s.stamp[:0], "2006-01-02T15:04:05.")
	}
	ms := t.Nanosecond() / int(time.Millisecond)
	return append(append(b, s.stamp...), byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
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
// invocation the instance holds. drain lets the invocation's end take in everything the
// process wrote before answering, so that a function's output lands between its START and END
// lines and in its log tail. It reads on the caller's goroutine, under mu, what the pipe
// holds (pipe_unix.go): no hand-over to the reading goroutine and back per invocation.
type pipeReader struct {
	f    *os.File
	sink *logSink
	done chan struct{}

	mu      sync.Mutex // one reader of the pipe at a time: the goroutine or a drain
	closed  bool       // f is closed or being closed: its descriptor may be reused
	buf     []byte
	partial []byte
	cur     *invocation // the owner of the lines to come
	init    *tailBuffer // output before the first invocation, nil after it
	fd      int         // f's descriptor, for drain's non-blocking reads; -1 without
	// The lines of one read, written together: one write per destination for a burst of
	// output rather than one per line.
	batch    []byte
	ends     []int
	batchOut [][]byte
}

func newPipeReader(f *os.File, sink *logSink) *pipeReader {
	return &pipeReader{f: f, sink: sink, done: make(chan struct{}), init: &tailBuffer{}, buf: make([]byte, 32<<10), fd: pipeFD(f)}
}

// close closes the pipe from outside, for a reader whose pipe a stray process keeps open.
func (r *pipeReader) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.f.Close()
}

// consume splits b into lines and writes them; r.mu is held.
func (r *pipeReader) consume(b []byte) {
	defer r.flush()
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
		r.flush()
	}
}

// emit adds a line to the batch; flush writes it.
func (r *pipeReader) emit(line []byte) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if r.cur == nil && r.init != nil {
		// Output before the first assignment is init output: kept for the invocation that
		// waited for this cold start.
		r.init.add(line)
	}
	r.batch = append(r.batch, line...)
	r.ends = append(r.ends, len(r.batch))
}

func (r *pipeReader) flush() {
	if len(r.ends) == 0 {
		return
	}
	start := 0
	for _, end := range r.ends {
		r.batchOut = append(r.batchOut, r.batch[start:end])
		start = end
	}
	r.sink.lines(r.cur, r.batchOut...)
	clear(r.batchOut)
	r.batchOut, r.ends = r.batchOut[:0], r.ends[:0]
	if cap(r.batch) > 64<<10 {
		r.batch = nil
	} else {
		r.batch = r.batch[:0]
	}
}

// attach makes inv the owner of the lines to come. The first one also gets the init output.
func (r *pipeReader) attach(inv *invocation, withInit bool) {
	r.mu.Lock()
	r.cur = inv
	if withInit && r.init != nil {
		inv.tail.mu.Lock()
		inv.tail.buf = append(r.init.bytes(), inv.tail.buf...)
		inv.tail.mu.Unlock()
		r.init = nil
	}
	r.mu.Unlock()
}

// detach ends inv's ownership of the lines to come, if it has it.
func (r *pipeReader) detach(inv *invocation) {
	r.mu.Lock()
	if r.cur == inv {
		r.cur = nil
	}
	r.mu.Unlock()
}
