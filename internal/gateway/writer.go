package gateway

import (
	"net/http"
	"sync"
)

// responseWriter records what was sent so the edge knows whether an error can still become a
// gateway response, and so $context.status / responseLength are exact.
type responseWriter struct {
	w       http.ResponseWriter
	status  int
	written int64
	// beforeHeader, when set, edits the headers once, just before the status line is sent
	// (CORS headers that must replace the backend's).
	beforeHeader func(http.Header)
}

func (rw *responseWriter) commit() {
	if f := rw.beforeHeader; f != nil {
		rw.beforeHeader = nil
		f(rw.w.Header())
	}
}

var writerPool = sync.Pool{New: func() any { return new(responseWriter) }}

func acquireWriter(w http.ResponseWriter) *responseWriter {
	rw := writerPool.Get().(*responseWriter)
	rw.w = w
	return rw
}

func releaseWriter(rw *responseWriter) {
	*rw = responseWriter{}
	writerPool.Put(rw)
}

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

func (rw *responseWriter) WriteHeader(status int) {
	if rw.status != 0 {
		return
	}
	// 1xx responses are informational: the real status is still to come.
	if status >= 100 && status < 200 && status != http.StatusSwitchingProtocols {
		rw.w.WriteHeader(status)
		return
	}
	rw.status = status
	rw.commit()
	rw.w.WriteHeader(status)
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.status = http.StatusOK
		rw.commit()
	}
	n, err := rw.w.Write(p)
	rw.written += int64(n)
	return n, err
}

// Flush lets streaming integrations push bytes as they arrive.
func (rw *responseWriter) Flush() {
	if rw.status == 0 {
		rw.status = http.StatusOK
		rw.commit()
	}
	if f, ok := rw.w.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController access to the connection (deadlines, hijacking).
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// started reports whether the status line has been committed.
func (rw *responseWriter) started() bool { return rw.status != 0 }
