package httpproxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
)

// smallBody is the largest request body read before the request is sent.
const smallBody = 8 << 10

// reqState is the pooled scratch of one request: after warm-up a proxied request allocates
// only what net/http's Header map of the response needs.
type reqState struct {
	target []byte     // rendered request-target
	body   []byte     // prefetched request body
	hdr    []byte     // response header names (canonicalised) and values
	ents   []hdrEntry // offsets into hdr
	big    *[]byte    // copy buffer for large response bodies, taken on demand
}

type hdrEntry struct {
	name, nameEnd, val, valEnd int32
	act                        respAction
	remap                      string
}

func (st *reqState) bigBuf(t *Transport) []byte {
	if st.big == nil {
		st.big = t.getBuffer()
	}
	return *st.big
}

// prefetch reads a body of known length n <= smallBody, or up to smallBody of a body of
// unknown length (n < 0). complete reports whether pre is the whole body.
func (st *reqState) prefetch(body io.Reader, n int64) (pre []byte, complete bool, err error) {
	if cap(st.body) < smallBody {
		st.body = make([]byte, smallBody)
	}
	buf := st.body[:smallBody]
	if n > 0 {
		if _, err := io.ReadFull(body, buf[:n]); err != nil {
			return nil, false, err
		}
		return buf[:n], true, nil
	}
	k := 0
	for k < len(buf) {
		m, err := body.Read(buf[k:])
		k += m
		if err == io.EOF {
			return buf[:k], true, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
	return buf[:k], false, nil
}

// sendBody streams the rest of a large request body after the head already in bw: n bytes,
// or chunked when n < 0, starting with pre.
func (t *Transport) sendBody(bw *bufio.Writer, pre []byte, body io.Reader, n int64, done chan<- error) {
	bp := t.getBuffer()
	defer t.putBuffer(bp)
	done <- writeBody(bw, pre, body, n, *bp)
}

func writeBody(bw *bufio.Writer, pre []byte, body io.Reader, n int64, buf []byte) error {
	if n < 0 {
		if len(pre) > 0 {
			writeChunk(bw, pre)
		}
		// An unknown-length body may be a live stream: each piece is sent as it comes.
		for {
			k, err := body.Read(buf)
			if k > 0 {
				writeChunk(bw, buf[:k])
				if ferr := bw.Flush(); ferr != nil {
					return ferr
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return clientBodyError{err}
			}
		}
		bw.WriteString("0\r\n\r\n")
		return bw.Flush()
	}
	bw.Write(pre)
	rem := n - int64(len(pre))
	for rem > 0 {
		k, err := body.Read(buf[:min(rem, int64(len(buf)))])
		if k > 0 {
			if _, werr := bw.Write(buf[:k]); werr != nil {
				return werr
			}
			rem -= int64(k)
		}
		if err == io.EOF && rem > 0 {
			return clientBodyError{io.ErrUnexpectedEOF}
		}
		if err != nil && err != io.EOF {
			return clientBodyError{err}
		}
	}
	return bw.Flush()
}

func writeChunk(bw *bufio.Writer, b []byte) {
	bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(len(b)), 16))
	bw.WriteString("\r\n")
	bw.Write(b)
	bw.WriteString("\r\n")
}

// respHead is what the body relay needs to know about a backend's response.
type respHead struct {
	status    int
	length    int64 // Content-Length, or -1
	chunked   bool
	close     bool // the connection cannot carry another request
	noBody    bool
	connNames bool // Connection lists header names, which must be dropped
}

var (
	// errStale is a kept-alive connection that the server closed before answering.
	errStale          = errors.New("backend closed the connection before responding")
	errHeaderTooLarge = errors.New("backend response headers too large")
)

type malformedError string

func (e malformedError) Error() string { return "malformed backend response: " + string(e) }

// readLine returns the next line without its CR LF; the slice is only valid until the next
// read. budget bounds the total size of the head.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return nil, errHeaderTooLarge
	}
	if err != nil {
		return line, err
	}
	if *budget -= len(line); *budget < 0 {
		return nil, errHeaderTooLarge
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readResponseHead parses the status line and headers, skipping interim 1xx responses.
func (t *Transport) readResponseHead(br *bufio.Reader, st *reqState, isHEAD bool) (respHead, error) {
	budget := t.opts.MaxResponseHeaderBytes
	first := true
	for {
		line, err := readLine(br, &budget)
		if err != nil {
			if first && len(line) == 0 && (err == io.EOF || isConnReset(err)) {
				return respHead{}, fmt.Errorf("%w: %v", errStale, err)
			}
			return respHead{}, err
		}
		first = false
		h, http10, err := parseStatusLine(line)
		if err != nil {
			return h, err
		}
		keepAlive := false
		st.hdr, st.ents = st.hdr[:0], st.ents[:0]
		for {
			line, err := readLine(br, &budget)
			if err != nil {
				return h, err
			}
			if len(line) == 0 {
				break
			}
			if line[0] == ' ' || line[0] == '\t' {
				return h, malformedError("obsolete header line folding")
			}
			colon := bytes.IndexByte(line, ':')
			if colon <= 0 {
				return h, malformedError(fmt.Sprintf("header line %q", line))
			}
			off := len(st.hdr)
			st.hdr = append(st.hdr, line[:colon]...)
			name := st.hdr[off:]
			if !canonicalInPlace(name) {
				return h, malformedError(fmt.Sprintf("header name %q", line[:colon]))
			}
			val := bytes.TrimRight(bytes.TrimLeft(line[colon+1:], " \t"), " \t")
			if bytes.IndexByte(val, '\r') >= 0 || bytes.IndexByte(val, 0) >= 0 {
				// RFC 9110 5.5: a bare CR or a NUL in a field value is an error.
				return h, malformedError(fmt.Sprintf("header %q value", name))
			}
			act, remap := responseAction(name)
			switch string(name) {
			case "Content-Length":
				n, ok := parseContentLength(val)
				if !ok || h.length >= 0 && h.length != n {
					return h, malformedError(fmt.Sprintf("Content-Length %q", val))
				}
				h.length = n
			case "Transfer-Encoding":
				if !bytes.EqualFold(bytes.TrimSpace(val), []byte("chunked")) {
					return h, malformedError(fmt.Sprintf("unsupported Transfer-Encoding %q", val))
				}
				h.chunked = true
			case "Connection":
				for tok := range bytes.SplitSeq(val, []byte(",")) {
					switch tok = bytes.TrimSpace(tok); {
					case bytes.EqualFold(tok, []byte("close")):
						h.close = true
					case bytes.EqualFold(tok, []byte("keep-alive")):
						keepAlive = true
					case len(tok) > 0:
						h.connNames = true
					}
				}
			}
			voff := len(st.hdr)
			st.hdr = append(st.hdr, val...)
			st.ents = append(st.ents, hdrEntry{
				name: int32(off), nameEnd: int32(voff),
				val: int32(voff), valEnd: int32(len(st.hdr)),
				act: act, remap: remap,
			})
		}
		switch {
		case h.status == http.StatusSwitchingProtocols:
			// Upgrade is never forwarded, so a switch is a backend out of step.
			return h, malformedError("unexpected 101 Switching Protocols")
		case h.status < 200:
			continue // 100 Continue, 103 Early Hints: AWS does not relay interim responses
		}
		if http10 && !keepAlive {
			h.close = true
		}
		switch {
		case isHEAD || h.status == http.StatusNoContent || h.status == http.StatusNotModified:
			h.noBody = true
		case h.chunked:
			// RFC 9112 6.3: Transfer-Encoding overrides Content-Length, which may be a
			// smuggling attempt; the connection is not trusted afterwards.
			if h.length >= 0 {
				h.close = true
			}
			h.length = -1
		case h.length < 0:
			h.close = true // delimited by the end of the connection
		}
		return h, nil
	}
}

func parseStatusLine(line []byte) (respHead, bool, error) {
	h := respHead{length: -1}
	// HTTP/1.x SP 3DIGIT [SP reason]
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' ||
		len(line) > 12 && line[12] != ' ' {
		return h, false, malformedError(fmt.Sprintf("status line %q", line))
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return h, false, malformedError(fmt.Sprintf("status line %q", line))
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 {
		return h, false, malformedError(fmt.Sprintf("status line %q", line))
	}
	h.status = code
	return h, line[7] == '0', nil
}

func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// emitHeaders copies the backend's headers into h under AWS's rules. All names and values
// share one string and all value slices one array: two allocations, whatever the count.
func (st *reqState) emitHeaders(h http.Header, head *respHead) {
	n := 0
	for i := range st.ents {
		switch st.ents[i].act {
		case respDrop:
		case respContentLength:
			n += 2
		default:
			n++
		}
	}
	if n == 0 {
		return
	}
	s := string(st.hdr)
	vals := make([]string, n)
	add := func(k, v string) {
		if old, ok := h[k]; ok {
			h[k] = append(old, v)
			return
		}
		vals[0] = v
		h[k] = vals[:1:1]
		vals = vals[1:]
	}
	for i := range st.ents {
		e := &st.ents[i]
		name, val := s[e.name:e.nameEnd], s[e.val:e.valEnd]
		if head.connNames && st.namedByConnection(s, name) {
			continue
		}
		switch e.act {
		case respPass:
			add(name, val)
		case respRemap:
			add(e.remap, val)
		case respContentLength:
			if !head.chunked {
				add(name, val)
				add(remappedContentLength, val)
			}
		}
	}
}

// namedByConnection reports whether a header is listed in the response's Connection header
// (RFC 9110 7.6.1: such headers are hop-by-hop).
func (st *reqState) namedByConnection(s, name string) bool {
	for i := range st.ents {
		e := &st.ents[i]
		if s[e.name:e.nameEnd] != "Connection" {
			continue
		}
		for tok := range strings.SplitSeq(s[e.val:e.valEnd], ",") {
			if strings.EqualFold(strings.TrimSpace(tok), name) {
				return true
			}
		}
	}
	return false
}

func isConnReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// clientWriter relays body bytes to the client, flushing only before the relay would block
// on the backend: a response already buffered goes out in one write, a slow stream (server-
// sent events, long polls) reaches the client as it comes.
type clientWriter struct {
	w       http.ResponseWriter
	flusher http.Flusher
	rc      *http.ResponseController
	pending bool
	err     error
}

func newClientWriter(w http.ResponseWriter) clientWriter {
	cw := clientWriter{w: w, pending: true}
	cw.flusher, _ = w.(http.Flusher)
	return cw
}

func (cw *clientWriter) write(b []byte) bool {
	if _, err := cw.w.Write(b); err != nil {
		cw.err = err
		return false
	}
	cw.pending = true
	return true
}

func (cw *clientWriter) flush() {
	if !cw.pending {
		return
	}
	cw.pending = false
	if cw.flusher != nil {
		cw.flusher.Flush()
		return
	}
	if cw.rc == nil {
		cw.rc = http.NewResponseController(cw.w)
	}
	_ = cw.rc.Flush()
}

var errClientGone = errors.New("writing response to client failed")

// copyFixed relays exactly n body bytes.
func (st *reqState) copyFixed(t *Transport, cw *clientWriter, br *bufio.Reader, n int64) error {
	for n > 0 {
		if br.Buffered() == 0 {
			cw.flush()
			if n >= int64(br.Size()) {
				// Bulk: read past the connection buffer straight into a large one.
				buf := st.bigBuf(t)
				k, err := br.Read(buf[:min(n, int64(len(buf)))])
				if k > 0 {
					if !cw.write(buf[:k]) {
						return errClientGone
					}
					n -= int64(k)
				}
				if err != nil && n > 0 {
					return unexpectedEOF(err)
				}
				continue
			}
			if _, err := br.Peek(1); err != nil {
				return unexpectedEOF(err)
			}
		}
		k := int(min(int64(br.Buffered()), n))
		b, _ := br.Peek(k)
		if !cw.write(b) {
			return errClientGone
		}
		br.Discard(k)
		n -= int64(k)
	}
	return nil
}

func (st *reqState) copyChunked(t *Transport, cw *clientWriter, br *bufio.Reader) error {
	for {
		if br.Buffered() == 0 {
			cw.flush()
		}
		budget := 4096
		line, err := readLine(br, &budget)
		if err != nil {
			return unexpectedEOF(err)
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		line = bytes.TrimRight(line, " \t")
		size, ok := parseHex(line)
		if !ok {
			return malformedError(fmt.Sprintf("chunk size %q", line))
		}
		if size == 0 {
			// Trailers are dropped, as AWS drops Trailer.
			for budget = t.opts.MaxResponseHeaderBytes; ; {
				line, err := readLine(br, &budget)
				if err != nil {
					return unexpectedEOF(err)
				}
				if len(line) == 0 {
					return nil
				}
			}
		}
		if err := st.copyFixed(t, cw, br, size); err != nil {
			return err
		}
		if line, err := readLine(br, &budget); err != nil {
			return unexpectedEOF(err)
		} else if len(line) != 0 {
			return malformedError("chunk not followed by CRLF")
		}
	}
}

func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isHex(c) {
			return 0, false
		}
		n = n<<4 | int64(unhex(c))
	}
	return n, true
}

// copyUntilEOF relays a body delimited by the end of the connection.
func (st *reqState) copyUntilEOF(t *Transport, cw *clientWriter, br *bufio.Reader) error {
	for {
		if br.Buffered() == 0 {
			cw.flush()
		}
		buf := st.bigBuf(t)
		k, err := br.Read(buf)
		if k > 0 && !cw.write(buf[:k]) {
			return errClientGone
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
