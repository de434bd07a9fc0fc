package httpproxy

import (
	"bufio"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/gateway"
)

// Header rules for HTTP_PROXY, from AWS's "Amazon API Gateway important notes" (REST APIs,
// header table, http_proxy column) and the TestApiGatewayHeaderRemapping snapshots recorded
// against real AWS:
//
//	toward the backend: Host overwritten; Content-Length regenerated; Content-Encoding,
//	Content-MD5, Expect, Max-Forwards, Proxy-Authenticate, Server, TE, Transfer-Encoding,
//	Trailer, Upgrade, Via, WWW-Authenticate dropped; Authorization dropped when it carries a
//	SigV4 signature; X-Amzn-Apigateway-Api-Id and X-Amzn-Trace-Id added; User-Agent kept (AWS's
//	own when the client sent none). Genkan also drops the remaining hop-by-hop headers
//	(Connection and what it names, Keep-Alive, Proxy-*), appends the client to X-Forwarded-For
//	and adds X-Forwarded-Proto/Port when absent, as AWS's front end does.
//
//	back to the client: Authorization, Connection, Content-MD5, Date, Max-Forwards, Server,
//	User-Agent, WWW-Authenticate and the backend's x-amzn-RequestId are renamed
//	x-amzn-Remapped-<name> (Date and Server are then the gateway's own); Content-Length is kept
//	and also copied to x-amzn-Remapped-Content-Length; Expect, Host, Proxy-Authenticate, TE,
//	Trailer, Transfer-Encoding, Upgrade, Via and hop-by-hop headers are dropped.

type reqAction uint8

const (
	reqPass reqAction = iota
	reqDrop
	reqXFF
	reqUserAgent
	reqTraceID
	reqAuthorization
	reqXFProto
	reqXFPort
)

func requestAction(k string) reqAction {
	switch k {
	case "Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"Content-Length", "Content-Encoding", "Content-Md5", "Expect", "Max-Forwards",
		"Server", "Via", "Www-Authenticate", "Host", "X-Amzn-Apigateway-Api-Id":
		return reqDrop
	case "X-Forwarded-For":
		return reqXFF
	case "User-Agent":
		return reqUserAgent
	case "X-Amzn-Trace-Id":
		return reqTraceID
	case "Authorization":
		return reqAuthorization
	case "X-Forwarded-Proto":
		return reqXFProto
	case "X-Forwarded-Port":
		return reqXFPort
	}
	if strings.HasPrefix(k, "Proxy-") {
		return reqDrop
	}
	return reqPass
}

// writeRequestHead writes the request line and headers. bodyLen is the body's length, or -1
// for a chunked body.
func (p *Proxy) writeRequestHead(bw *bufio.Writer, c *gateway.Call, method string, target []byte, host string, bodyLen int64, now time.Time) {
	r := c.Req
	bw.WriteString(method)
	bw.WriteByte(' ')
	bw.Write(target)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")

	var connTokens []string
	if cv := r.Header["Connection"]; len(cv) > 0 {
		connTokens = connectionTokens(cv)
	}
	var xff []string
	hasUA, hasTrace, hasProto, hasPort := false, false, false, false
	for k, vv := range r.Header {
		switch requestAction(k) {
		case reqDrop:
			continue
		case reqXFF:
			xff = vv
			continue
		case reqUserAgent:
			hasUA = true
		case reqTraceID:
			hasTrace = true
		case reqXFProto:
			hasProto = true
		case reqXFPort:
			hasPort = true
		case reqAuthorization:
			if len(vv) > 0 && strings.HasPrefix(vv[0], "AWS4-HMAC-SHA256 ") {
				continue
			}
		}
		if connTokens != nil && listed(connTokens, k) {
			continue
		}
		if p.headerMaps != nil && p.mappedHeader(k) {
			continue
		}
		for _, v := range vv {
			writeHeader(bw, k, v)
		}
	}

	bw.WriteString("X-Forwarded-For: ")
	for _, v := range xff {
		bw.WriteString(v)
		bw.WriteString(", ")
	}
	bw.WriteString(clientIP(c))
	bw.WriteString("\r\n")
	if !hasProto {
		if r.TLS != nil {
			bw.WriteString("X-Forwarded-Proto: https\r\n")
		} else {
			bw.WriteString("X-Forwarded-Proto: http\r\n")
		}
	}
	if !hasPort {
		bw.WriteString("X-Forwarded-Port: ")
		bw.WriteString(requestPort(r))
		bw.WriteString("\r\n")
	}
	apiID := c.Ctx.APIID
	if !hasUA {
		bw.WriteString("User-Agent: AmazonAPIGateway_")
		bw.WriteString(apiID)
		bw.WriteString("\r\n")
	}
	if apiID != "" {
		writeHeader(bw, "X-Amzn-Apigateway-Api-Id", apiID)
	}
	if !hasTrace {
		writeTraceID(bw, now)
	}
	for i := range p.headerMaps {
		m := &p.headerMaps[i]
		if v := m.src.value(c); v != "" {
			writeHeader(bw, m.name, v)
		}
	}
	switch {
	case bodyLen < 0:
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	case bodyLen > 0 || methodExpectsBody(method):
		bw.WriteString("Content-Length: ")
		// AvailableBuffer, not a local array: a local passed to Write escapes to the heap.
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), bodyLen, 10))
		bw.WriteString("\r\n")
	}
	bw.WriteString("\r\n")
}

func writeHeader(bw *bufio.Writer, k, v string) {
	bw.WriteString(k)
	bw.WriteString(": ")
	for i := 0; i < len(v); i++ {
		// net/http already refuses CR/LF in client headers; mapped values come from
		// configuration and query strings, so they are checked here once more.
		if c := v[i]; c == '\r' || c == '\n' || c == 0 {
			bw.WriteString(v[:i])
			v = ""
			break
		}
	}
	bw.WriteString(v)
	bw.WriteString("\r\n")
}

// methodExpectsBody reports whether an empty body is still announced with Content-Length: 0,
// as AWS does (RFC 9110 8.6: for methods that define a meaning for content).
func methodExpectsBody(m string) bool {
	return m == "POST" || m == "PUT" || m == "PATCH"
}

func connectionTokens(vv []string) []string {
	var toks []string
	for _, v := range vv {
		for tok := range strings.SplitSeq(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "" || strings.EqualFold(tok, "close") || strings.EqualFold(tok, "keep-alive") {
				continue
			}
			toks = append(toks, tok)
		}
	}
	return toks
}

func listed(toks []string, k string) bool {
	for _, t := range toks {
		if strings.EqualFold(t, k) {
			return true
		}
	}
	return false
}

func clientIP(c *gateway.Call) string {
	if ip := c.Ctx.Identity.SourceIP; ip != "" {
		return ip
	}
	a := c.Req.RemoteAddr
	if i := strings.LastIndexByte(a, ':'); i >= 0 && strings.IndexByte(a[i:], ']') < 0 {
		a = a[:i]
	}
	return strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")
}

func requestPort(r *http.Request) string {
	h := r.Host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h[i:], ']') < 0 && i+1 < len(h) {
		return h[i+1:]
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// writeTraceID writes an X-Ray style trace header, as AWS adds one to every integration
// request: Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>.
func writeTraceID(bw *bufio.Writer, now time.Time) {
	out := append(bw.AvailableBuffer(), "X-Amzn-Trace-Id: Root=1-"...)
	out = appendHex(out, uint64(now.Unix()), 8)
	out = append(out, '-')
	out = appendHex(out, rand.Uint64()>>32, 8)
	out = appendHex(out, rand.Uint64(), 16)
	out = append(out, "\r\n"...)
	bw.Write(out)
}

func appendHex(b []byte, v uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		b = append(b, "0123456789abcdef"[(v>>(uint(i)*4))&15])
	}
	return b
}

// Response side.

type respAction uint8

const (
	respPass respAction = iota
	respDrop
	respRemap
	respContentLength // kept, and copied to x-amzn-Remapped-Content-Length
)

// AWS spells the remapped names with its own casing; they are set as-is (not canonicalised)
// so that clients comparing header names byte for byte see what AWS sends.
const (
	remappedPrefix        = "x-amzn-Remapped-"
	remappedContentLength = remappedPrefix + "Content-Length"
)

// responseAction classifies a canonicalised response header name; for respRemap it also
// returns the remapped name.
func responseAction(k []byte) (respAction, string) {
	switch string(k) {
	case "Content-Length":
		return respContentLength, ""
	case "Authorization":
		return respRemap, remappedPrefix + "Authorization"
	case "Connection":
		return respRemap, remappedPrefix + "Connection"
	case "Content-Md5":
		return respRemap, remappedPrefix + "Content-MD5"
	case "Date":
		return respRemap, remappedPrefix + "Date"
	case "Max-Forwards":
		return respRemap, remappedPrefix + "Max-Forwards"
	case "Server":
		return respRemap, remappedPrefix + "Server"
	case "User-Agent":
		return respRemap, remappedPrefix + "User-Agent"
	case "Www-Authenticate":
		return respRemap, remappedPrefix + "WWW-Authenticate"
	case "X-Amzn-Requestid":
		return respRemap, remappedPrefix + "x-amzn-RequestId"
	case "Expect", "Host", "Proxy-Authenticate", "Te", "Trailer", "Transfer-Encoding",
		"Upgrade", "Via", "Keep-Alive":
		return respDrop, ""
	}
	if len(k) > 6 && string(k[:6]) == "Proxy-" {
		return respDrop, ""
	}
	return respPass, ""
}

// canonicalInPlace rewrites a header name to its canonical MIME form (as net/http keys
// Header maps), reporting false for names that are not valid tokens.
func canonicalInPlace(k []byte) bool {
	upper := true
	for i, c := range k {
		if !isTokenChar(c) {
			return false
		}
		if upper && 'a' <= c && c <= 'z' {
			k[i] = c - 'a' + 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			k[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return len(k) > 0
}
