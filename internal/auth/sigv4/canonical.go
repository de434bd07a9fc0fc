package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The canonical request, as AWS specifies it (IAM User Guide, "Create a signed AWS API
// request"):
//
//	METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//
// with the canonical headers each ending in "\n", so a blank line precedes SignedHeaders.

// requestTarget returns the path and query exactly as the client sent them. A server request
// has them in RequestURI; a request built in-process (tests, or a caller that rewrote the
// URL) falls back to the URL, whose EscapedPath is what Go's client puts on the wire.
func requestTarget(r *http.Request) (path, query string) {
	if strings.HasPrefix(r.RequestURI, "/") {
		path, query, _ = strings.Cut(r.RequestURI, "?")
		return path, query
	}
	if r.URL == nil {
		return "/", ""
	}
	if r.URL.Opaque != "" {
		// "//host/path" opaque forms: the path starts at the first slash after the host.
		o := strings.TrimPrefix(r.URL.Opaque, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			return o[i:], r.URL.RawQuery
		}
		return "/", r.URL.RawQuery
	}
	return r.URL.EscapedPath(), r.URL.RawQuery
}

// canonicalURI encodes the path as it was sent once more: every byte but the unreserved ones
// and '/' is percent-encoded, so "%20" on the wire becomes "%2520". That is the "encode
// twice" rule for services other than S3, and what API Gateway expects: it answered
// "/Citro%25C3%25ABn" for a request to /Citroën (aws-amplify/amplify-android#668), and
// aws-sdk-go-v2's signer, which execute-api clients use with DisableURIPathEscaping false,
// computes EscapePath(URL.EscapedPath()).
func canonicalURI(path string) string {
	if path == "" {
		path = "/"
	}
	return uriEncode(path, true)
}

// normalizePath removes "." and ".." segments and empty segments, keeping a trailing slash.
// The SigV4 specification asks clients to do this and botocore and the JavaScript SDK do,
// but aws-sdk-go-v2 does not and AWS services were observed not to (aws/aws-sdk-js#853), so
// Verify tries it only as a second reading when Options.AcceptNormalizedPath is set.
func normalizePath(path string) string {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	out := "/" + strings.Join(segs, "/")
	if len(segs) > 0 && strings.HasSuffix(path, "/") {
		out += "/"
	}
	return out
}

// uriEncode percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ (and '/', when kept) with
// upper-case hex: RFC 3986 unreserved characters, as SigV4 requires.
func uriEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (s[i] != '/' || !keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (c == '/' && keepSlash) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// queryParam is one decoded query parameter.
type queryParam struct{ key, value string }

type queryParams []queryParam

// parseQuery decodes a raw query the way Go's url.ParseQuery does ('+' is a space), which is
// what aws-sdk-go-v2 signs (it re-encodes URL.Query()). Unlike ParseQuery it keeps pairs it
// cannot decode (as written) and does not treat ';' as special, so that no parameter can
// escape the signature by being malformed.
func parseQuery(raw string) queryParams {
	var q queryParams
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		q = append(q, queryParam{unescapeQuery(k), unescapeQuery(v)})
	}
	return q
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// get returns the first value of a parameter (names are case-sensitive, as AWS's are).
func (q queryParams) get(key string) string {
	for _, p := range q {
		if p.key == key {
			return p.value
		}
	}
	return ""
}

func (q queryParams) has(key string) bool {
	for _, p := range q {
		if p.key == key {
			return true
		}
	}
	return false
}

// canonicalQuery encodes each name and value, sorts by encoded name then encoded value
// ("the sorting occurs after encoding"), and joins them; skip names a parameter left out
// (X-Amz-Signature of a presigned request).
func canonicalQuery(q queryParams, skip string) string {
	enc := make([]queryParam, 0, len(q))
	for _, p := range q {
		if skip != "" && p.key == skip {
			continue
		}
		enc = append(enc, queryParam{uriEncode(p.key, false), uriEncode(p.value, false)})
	}
	slices.SortFunc(enc, func(a, b queryParam) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// canonicalHeaders renders "name:value\n" for each signed header, in the order SignedHeaders
// lists them. Several values of one header are joined with ',' in the order received; each
// is trimmed and its runs of spaces collapsed. A signed header the request lacks contributes
// "name:", so the mismatch shows in the canonical string AWS reports.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// headerValues returns a header's values. Go's server moves Host out of the header map (and
// HTTP/2's :authority arrives there too), and in-process requests may carry Content-Length
// only in the ContentLength field, which is also where aws-sdk-go-v2's signer reads it.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		if r.Host != "" {
			return []string{r.Host}
		}
		if r.URL != nil && r.URL.Host != "" {
			return []string{r.URL.Host}
		}
	case "content-length":
		if vs := r.Header.Values("Content-Length"); len(vs) > 0 {
			return vs
		}
		if r.ContentLength > 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	}
	return r.Header.Values(name)
}

// trimAll trims leading and trailing spaces and collapses inner runs of spaces to one.
func trimAll(v string) string {
	v = strings.Trim(v, " \t")
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
