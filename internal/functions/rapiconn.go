package functions

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// The Runtime API is served by a small HTTP/1.1 server of its own rather than net/http: every
// invocation costs the runtime's GET /next and POST /response, and net/http's per-request
// work (a response writer and header maps, a background read goroutine per request so that
// a handler can see the client go away, a bufio flush per response) was about half of
// genkan's CPU per invocation. Here one goroutine per runtime connection reads requests from
// a buffer kept for the connection's life and answers each with one write; the only
// per-request allocation is the body a runtime posts, which becomes the caller's payload.
// The clients are the runtimes genkan starts (aws-lambda-go's net/http client, the embedded
// Node and Python bootstraps, whatever a provided runtime brings), so the server supports
// what HTTP/1.1 clients send: keep-alive and Connection: close, HTTP/1.0, Content-Length and
// chunked bodies with trailers (aws-lambda-go reports streaming errors in them), and
// Expect: 100-continue.
//
// Pipelined requests are served in order. genkan's Node bootstrap sends an invocation's
// response and its next GET /next in one write; when that /next is already read, the 202 is
// held and goes out with the next answer (the event, in the same write, when one is waiting),
// so that a warm invocation costs one write each way. A held answer is written before the
// connection blocks on a read (a long poll, a body still arriving), so that no client waits
// for it.

const (
	// maxHeaderBytes bounds a request's header section: aws-lambda-go sends X-Ray error causes
	// of up to 1 MiB in a header (net/http allowed 2 MiB plus 4 KiB of slack).
	maxHeaderBytes = 2<<20 + 4<<10
	// maxDiscard is how much of an oversized body is read and dropped, so that the runtime is
	// still writing when it reads the 413 rather than meeting a closed connection.
	maxDiscard = 4 * MaxResponseBytes
	// inlineBody is the largest event copied into the response head; larger ones are written
	// with writev.
	inlineBody = 16 << 10
	// keepScratch is the largest scratch buffer a connection keeps between requests.
	keepScratch = 64 << 10
)

var (
	errBadRequest   = errors.New("malformed HTTP request")
	errHeaderTooBig = errors.New("request header section too large")
	errBodyTooBig   = errors.New("request body too large")
	errUnsupported  = errors.New("unsupported transfer encoding")
	// aLongTimeAgo is a read deadline in the past: it makes a blocked read return at once.
	aLongTimeAgo = time.Unix(1, 0)
)

// rapiServer is one instance's Runtime API listener and the connections it accepted.
type rapiServer struct {
	inst *instance
	ln   net.Listener
	wg   *sync.WaitGroup

	mu     sync.Mutex
	conns  map[*rconn]struct{}
	closed bool
}

func newRAPIServer(inst *instance, ln net.Listener, wg *sync.WaitGroup) *rapiServer {
	return &rapiServer{inst: inst, ln: ln, wg: wg, conns: map[*rconn]struct{}{}}
}

// serve accepts connections until close.
func (s *rapiServer) serve() {
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			// Out of file descriptors and the like: wait and retry, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		rc := &rconn{inst: s.inst, c: c, br: bufio.NewReaderSize(c, 8<<10)}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[rc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			rc.serve()
			rc.c.Close()
			s.mu.Lock()
			delete(s.conns, rc)
			s.mu.Unlock()
		}()
	}
}

// close stops accepting and closes every connection, which ends their goroutines (a long
// poll on /next included).
func (s *rapiServer) close() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*rconn, 0, len(s.conns))
	for rc := range s.conns {
		conns = append(conns, rc)
	}
	s.mu.Unlock()
	s.ln.Close()
	for _, rc := range conns {
		rc.c.Close()
	}
}

// rconn is one runtime connection.
type rconn struct {
	inst *instance
	c    net.Conn
	br   *bufio.Reader
	out  []byte      // the response being written
	held int         // out[:held] is an answer not written yet (see accepted)
	bufs net.Buffers // head and event for writev
	vec  [2][]byte
	// scratch holds header lines longer than br's buffer; body a chunked body while it
	// arrives (its chunk-size lines and trailers may need scratch meanwhile).
	scratch, body []byte
	req           request
}

// request is what the server needs of a request. Its byte slices are reused between requests.
type request struct {
	line           []byte // method SP target SP version
	method, path   []byte // slices of line; path without the query
	keepAlive      bool
	length         int64 // Content-Length; -1 when absent
	chunked        bool
	expectContinue bool
	errorType      []byte // Lambda-Runtime-Function-Error-Type header
	// Trailers of a chunked body (aws-lambda-go's streaming errors).
	trailerErrorType, trailerErrorBody []byte
	continued                          bool // 100 Continue already sent
}

func (rc *rconn) serve() {
	defer rc.flush()
	for {
		if err := rc.readHead(); err != nil {
			if err != io.EOF && !errors.Is(err, net.ErrClosed) {
				rc.fail(err)
			}
			return
		}
		if !rc.dispatch() || !rc.req.keepAlive {
			return
		}
		rc.trim()
	}
}

// trim drops buffers an unusually large request grew, rather than keep them for the
// connection's life.
func (rc *rconn) trim() {
	for _, b := range []*[]byte{&rc.scratch, &rc.body, &rc.out, &rc.req.line, &rc.req.errorType,
		&rc.req.trailerErrorType, &rc.req.trailerErrorBody} {
		if cap(*b) > keepScratch && (b != &rc.out || rc.held == 0) {
			*b = nil
		}
	}
}

// write writes b, which starts with the held answer if any.
func (rc *rconn) write(b []byte) error {
	rc.out, rc.held = b, 0
	_, err := rc.c.Write(b)
	return err
}

// flush writes the held answer, if any.
func (rc *rconn) flush() error {
	if rc.held == 0 {
		return nil
	}
	return rc.write(rc.out[:rc.held])
}

// nextBuffered reports whether a whole GET /next head has been read and waits in the buffer:
// serving it then needs no read that could block.
func (rc *rconn) nextBuffered() bool {
	n := rc.br.Buffered()
	if n < len(nextHead) {
		return false
	}
	b, _ := rc.br.Peek(n) // never blocks: n bytes are buffered
	return bytes.HasPrefix(b, nextHead) && bytes.Contains(b, []byte("\r\n\r\n"))
}

// fail answers a request the server cannot parse; the connection is closed after it.
func (rc *rconn) fail(err error) {
	rc.req.keepAlive = false
	switch err {
	case errHeaderTooBig:
		rc.writeSimple(431, "Request Header Fields Too Large", "text/plain; charset=utf-8", []byte("431 Request Header Fields Too Large"))
	case errUnsupported:
		rc.writeSimple(501, "Not Implemented", "text/plain; charset=utf-8", []byte("Unsupported transfer encoding"))
	case errBadRequest:
		rc.writeSimple(400, "Bad Request", "text/plain; charset=utf-8", []byte("400 Bad Request"))
	}
}

// readLine returns the next line without its CRLF or LF. The slice is valid until the next
// read; total counts the bytes read against limit.
func (rc *rconn) readLine(total *int, limit int) ([]byte, error) {
	line, err := rc.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		rc.scratch = append(rc.scratch[:0], line...)
		for err == bufio.ErrBufferFull {
			if *total+len(rc.scratch) > limit {
				return nil, errHeaderTooBig
			}
			line, err = rc.br.ReadSlice('\n')
			rc.scratch = append(rc.scratch, line...)
		}
		line = rc.scratch
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	*total += len(line)
	if *total > limit {
		return nil, errHeaderTooBig
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readHead reads a request line and headers into rc.req.
func (rc *rconn) readHead() error {
	r := &rc.req
	total := 0
	var line []byte
	var err error
	for {
		// A client may send blank lines before a request (RFC 9112 2.2).
		if line, err = rc.readLine(&total, maxHeaderBytes); err != nil {
			return err
		}
		if len(line) > 0 {
			break
		}
	}
	r.line = append(r.line[:0], line...)
	sp1 := bytes.IndexByte(r.line, ' ')
	sp2 := bytes.LastIndexByte(r.line, ' ')
	if sp1 <= 0 || sp2 <= sp1+1 {
		return errBadRequest
	}
	r.method, r.path = r.line[:sp1], r.line[sp1+1:sp2]
	switch string(r.line[sp2+1:]) {
	case "HTTP/1.1":
		r.keepAlive = true
	case "HTTP/1.0":
		r.keepAlive = false
	default:
		return errBadRequest
	}
	if i := bytes.IndexByte(r.path, '?'); i >= 0 {
		r.path = r.path[:i]
	}
	if bytes.HasPrefix(r.path, []byte("http://")) { // absolute-form
		rest := r.path[len("http://"):]
		if i := bytes.IndexByte(rest, '/'); i >= 0 {
			r.path = rest[i:]
		} else {
			r.path = []byte("/")
		}
	}
	r.length, r.chunked, r.expectContinue, r.continued = -1, false, false, false
	r.errorType = r.errorType[:0]
	r.trailerErrorType, r.trailerErrorBody = r.trailerErrorType[:0], r.trailerErrorBody[:0]
	for {
		line, err := rc.readLine(&total, maxHeaderBytes)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if len(line) == 0 {
			return nil
		}
		name, value, err := splitHeader(line)
		if err != nil {
			return err
		}
		switch {
		case equalFold(name, "content-length"):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (r.length >= 0 && r.length != n) {
				return errBadRequest
			}
			r.length = n
		case equalFold(name, "transfer-encoding"):
			if !equalFold(value, "chunked") {
				return errUnsupported
			}
			r.chunked = true
		case equalFold(name, "connection"):
			for _, tok := range bytes.Split(value, []byte(",")) {
				tok = bytes.TrimSpace(tok)
				if equalFold(tok, "close") {
					r.keepAlive = false
				} else if equalFold(tok, "keep-alive") {
					r.keepAlive = true
				}
			}
		case equalFold(name, "expect"):
			r.expectContinue = equalFold(value, "100-continue")
		case equalFold(name, hdrErrorType):
			r.errorType = append(r.errorType[:0], value...)
		}
	}
}

// splitHeader splits "Name: value", refusing what net/http refuses: folded lines, an empty
// name, and spaces or control characters in the name.
func splitHeader(line []byte) (name, value []byte, err error) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil, nil, errBadRequest
	}
	name = line[:i]
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return nil, nil, errBadRequest
		}
	}
	return name, bytes.Trim(line[i+1:], " \t"), nil
}

// equalFold compares ASCII case-insensitively; want is lower case.
func equalFold[T []byte | string](b T, want string) bool {
	if len(b) != len(want) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}

// hasBody reports whether the request announced a body.
func (r *request) hasBody() bool { return r.chunked || r.length > 0 }

// sendContinue answers Expect: 100-continue before the body is read.
func (rc *rconn) sendContinue() error {
	if !rc.req.expectContinue || rc.req.continued || !rc.req.hasBody() {
		return nil
	}
	rc.req.continued = true
	return rc.write(append(rc.out[:rc.held], "HTTP/1.1 100 Continue\r\n\r\n"...))
}

// readBody reads the request's body: at most limit bytes, in a slice of its own (it becomes
// the caller's payload). over is true past limit; the rest is then read and dropped up to
// maxDiscard. err is io.ErrUnexpectedEOF for a body cut short, errBodyTooBig past maxDiscard,
// errBadRequest for broken chunked framing; the connection cannot be reused after any error.
func (rc *rconn) readBody(limit int) (body []byte, over bool, err error) {
	if err := rc.flush(); err != nil {
		return nil, false, err
	}
	if err := rc.sendContinue(); err != nil {
		return nil, false, err
	}
	r := &rc.req
	if !r.chunked {
		if r.length <= 0 {
			return nil, false, nil
		}
		if r.length > int64(limit) {
			if r.length > maxDiscard {
				return nil, true, errBodyTooBig
			}
			_, err := rc.br.Discard(int(r.length))
			return nil, true, unexpected(err)
		}
		body = make([]byte, r.length)
		_, err := io.ReadFull(rc.br, body)
		return body, false, unexpected(err)
	}
	buf := rc.body[:0]
	total := 0
	headerTotal := 0
	for {
		line, err := rc.readLine(&headerTotal, maxHeaderBytes)
		if err != nil {
			return nil, over, unexpected(err)
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 32)
		if err != nil {
			return nil, over, errBadRequest
		}
		if size == 0 {
			break
		}
		total += int(size)
		switch {
		case total > maxDiscard:
			return nil, true, errBodyTooBig
		case total > limit:
			over, buf = true, buf[:0]
			if _, err := rc.br.Discard(int(size)); err != nil {
				return nil, over, unexpected(err)
			}
		default:
			n := len(buf)
			buf = append(buf, make([]byte, size)...)
			if _, err := io.ReadFull(rc.br, buf[n:]); err != nil {
				return nil, over, unexpected(err)
			}
		}
		if crlf, err := rc.readLine(&headerTotal, maxHeaderBytes); err != nil || len(crlf) != 0 {
			if err == nil {
				err = errBadRequest
			}
			return nil, over, unexpected(err)
		}
	}
	rc.body = buf[:0]
	// Trailers.
	for {
		line, err := rc.readLine(&headerTotal, maxHeaderBytes)
		if err != nil {
			return nil, over, unexpected(err)
		}
		if len(line) == 0 {
			break
		}
		name, value, err := splitHeader(line)
		if err != nil {
			return nil, over, err
		}
		switch {
		case equalFold(name, hdrErrorType):
			r.trailerErrorType = append(r.trailerErrorType[:0], value...)
		case equalFold(name, hdrErrorBody):
			r.trailerErrorBody = append(r.trailerErrorBody[:0], value...)
		}
	}
	if over || len(buf) == 0 {
		return nil, over, nil
	}
	return bytes.Clone(buf), false, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// discardBody drops the body of a request whose route does not read it, so that the next
// request can be read; false when the connection cannot continue.
func (rc *rconn) discardBody() bool {
	if !rc.req.hasBody() {
		return true
	}
	_, _, err := rc.readBody(0)
	return err == nil
}

// writeSimple writes a complete response with a body.
func (rc *rconn) writeSimple(status int, reason, contentType string, body []byte) error {
	b := append(rc.out[:rc.held], "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, reason...)
	b = append(b, "\r\nContent-Type: "...)
	b = append(b, contentType...)
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	if !rc.req.keepAlive {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	return rc.write(b)
}

// writeHeadAndBody writes a response head built in rc.out (after the held answer) and a body,
// in one syscall.
func (rc *rconn) writeHeadAndBody(body []byte) error {
	if len(body) <= inlineBody {
		return rc.write(append(rc.out, body...))
	}
	rc.held = 0
	rc.vec[0], rc.vec[1] = rc.out, body
	rc.bufs = rc.vec[:]
	_, err := rc.bufs.WriteTo(rc.c)
	rc.vec[0], rc.vec[1] = nil, nil
	return err
}

// appendHeaderValue appends a header value with CR and LF made spaces, as net/http does, so
// that a caller's trace id or client context cannot split the response.
func appendHeaderValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}
