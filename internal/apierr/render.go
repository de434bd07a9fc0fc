package apierr

import (
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/genkanhq/genkan/internal/reqctx"
)

// errorTypeKey is written in AWS's spelling rather than Go's canonical X-Amzn-Errortype: the
// header map keeps keys as given and net/http sends them so, which keeps the wire byte-exact.
const errorTypeKey = "x-amzn-ErrorType"

var canonicalErrorTypeKey = http.CanonicalHeaderKey(errorTypeKey)

// unknownFailure stands in for a nil *Error; it is never modified.
var unknownFailure = Error{Type: Default5XX}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Render writes e as the API's gateway response: status, headers, body. It fills c.Status,
// c.Error.Message/MessageString/ResponseType (so the access log and templates see them) and
// c.ResponseLength. r is the client request (for method.request.* in responseParameters and
// Accept); it may be nil. c.StageVariables holds the stage's variables. Path parameters are
// read with r.PathValue, so the edge should SetPathValue the route's parameters.
func (s *Set) Render(w http.ResponseWriter, r *http.Request, c *reqctx.Context, e *Error) {
	if s == nil {
		s = defaultREST
	}
	if e == nil {
		e = &unknownFailure
	}
	if c == nil {
		c = new(reqctx.Context)
	}
	if s.http {
		renderHTTP(w, c, e)
		return
	}
	res := s.byType[e.Type]
	if res == nil {
		res = s.byType[Default5XX]
	}
	sp := res.spec
	status := res.status
	if status == 0 {
		status = e.Status
	}
	if status == 0 {
		status = sp.status
	}
	c.Status = status
	c.Error.ResponseType = string(res.typ)
	if e.Message == "" {
		c.Error.Message, c.Error.MessageString = sp.message, res.defaultMessageString
	} else {
		c.Error.Message, c.Error.MessageString = e.Message, sp.messageString(e.Message)
	}

	bufp := bufPool.Get().(*[]byte)
	buf := (*bufp)[:0]
	contentType, length := jsonContentType, []string(nil)
	var body []byte
	switch {
	case res.templates != nil:
		t := res.pick(accept(r))
		buf = t.appendTo(buf, c)
		body, contentType = buf, t.contentType
	case e.Message == "":
		body, length = res.defaultBody, res.defaultLength
	default:
		buf = append(buf, `{"`...)
		buf = append(buf, sp.key...)
		buf = append(buf, `":`...)
		buf = append(buf, c.Error.MessageString...)
		buf = append(buf, '}')
		body = buf
	}

	h := w.Header()
	h["Content-Type"] = contentType
	if e.ErrorType != "" {
		h[errorTypeKey] = []string{e.ErrorType}
	} else {
		h[errorTypeKey] = res.errorType
	}
	for k, v := range e.Header {
		setHeader(h, k, v)
	}
	for i := range res.params {
		if v := res.params[i].value(r, c); v != nil {
			setHeader(h, res.params[i].header, v)
		}
	}
	if length == nil {
		length = []string{strconv.Itoa(len(body))}
	}
	h["Content-Length"] = length
	w.WriteHeader(status)
	_, _ = w.Write(body) // a client that went away is not an error worth reporting here
	c.ResponseLength = int64(len(body))

	if cap(buf) <= 64<<10 { // keep one oversized template body from pinning memory
		*bufp = buf[:0]
		bufPool.Put(bufp)
	}
}

func setHeader(h http.Header, key string, v []string) {
	key = http.CanonicalHeaderKey(key)
	if key == canonicalErrorTypeKey {
		delete(h, errorTypeKey)
	}
	h[key] = v
}

func accept(r *http.Request) string {
	if r == nil {
		return ""
	}
	return r.Header.Get("Accept")
}

// value resolves a header mapping; nil means "send no header", which is what an empty value
// does (AWS does not send headers with empty values).
func (p *param) value(r *http.Request, c *reqctx.Context) []string {
	var v string
	switch p.src {
	case srcLiteral:
		return p.literal
	case srcStageVar:
		v = c.StageVariables[p.name]
	case srcContext:
		v, _ = c.Lookup(p.name)
	default:
		if r == nil {
			return nil
		}
		v = requestValue(r, p.src, p.name)
	}
	if v == "" {
		return nil
	}
	return []string{v}
}

// requestValue reads method.request.*. A header or query parameter sent several times
// yields its last value, as AWS's single-value mappings do; the multivalue forms join them
// with commas.
func requestValue(r *http.Request, src source, name string) string {
	switch src {
	case srcHeader:
		if vs := r.Header.Values(name); len(vs) > 0 {
			return vs[len(vs)-1]
		}
	case srcMultiHeader:
		return strings.Join(r.Header.Values(name), ",")
	case srcQuery:
		if vs := r.URL.Query()[name]; len(vs) > 0 {
			return vs[len(vs)-1]
		}
	case srcMultiQuery:
		return strings.Join(r.URL.Query()[name], ",")
	case srcPath:
		return r.PathValue(name)
	}
	return ""
}

// renderHTTP answers for an HTTP API: a fixed status per type and the status's reason phrase
// as message; HTTP APIs send no x-amzn-ErrorType.
func renderHTTP(w http.ResponseWriter, c *reqctx.Context, e *Error) {
	sp, t := specFor(e.Type)
	hb := httpBodies[sp.httpStatus]
	c.Status = sp.httpStatus
	c.Error.ResponseType = string(t)
	c.Error.Message, c.Error.MessageString = hb.message, hb.messageString
	h := w.Header()
	if t != IntegrationTimeout { // the captured 503 timeout response has no Content-Type
		h["Content-Type"] = jsonContentType
	}
	for k, v := range e.Header {
		h[http.CanonicalHeaderKey(k)] = v
	}
	h["Content-Length"] = hb.contentLength
	w.WriteHeader(sp.httpStatus)
	_, _ = w.Write(hb.body)
	c.ResponseLength = int64(len(hb.body))
}

// WriteBodyTooLarge answers a request whose body exceeds limit the way AWS's front door does for
// REST APIs: 413 with a plain-text body and no x-amzn-ErrorType. It is not a gateway response —
// REQUEST_TOO_LARGE overrides do not apply to it — so it fills c.Status and c.ResponseLength only.
func WriteBodyTooLarge(w http.ResponseWriter, c *reqctx.Context, limit int64) {
	body := "HTTP content length exceeded " + strconv.FormatInt(limit, 10) + " bytes."
	h := w.Header()
	h["Content-Type"] = []string{"text/plain"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = w.Write([]byte(body))
	if c != nil {
		c.Status = http.StatusRequestEntityTooLarge
		c.ResponseLength = int64(len(body))
	}
}
