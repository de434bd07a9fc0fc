package lambda

import (
	"net/http"
	"sync"
)

// A single pass over the output functions nearly always return — {"statusCode": …, "headers":
// {…}, "multiValueHeaders": {…}, "body": "…", "isBase64Encoded": …, "cookies": […]}, as
// aws-lambda-go, Powertools and hand-written handlers write it — that gives the response
// parseGeneral would give without json.Valid, a map of raw members and a decoder per header
// object. It validates the whole document as it goes and gives up at anything it does not
// follow exactly: any error, a key spelled with escapes, a member given twice, a statusCode
// other than a plain integer, an unknown member of a REST output. parseGeneral then decides,
// so every rule and every error stays in one place. parsefast_test.go holds the two to the
// same results.

// outputParser is the scratch of one parse, pooled. Every string of the response (names,
// values, cookies, body) is decoded end to end into arena, which becomes one string at the
// end; spans index it.
type outputParser struct {
	in        []byte
	i         int
	arena     []byte
	singles   [][2]span // headers: name, value
	multis    []multiSpan
	multiVals []span
	cookies   []span
}

type span struct{ start, end int }

type multiSpan struct {
	name       span
	first, end int // multiVals[first:end]
}

// maxSkipDepth bounds the nesting followed in members that are skipped; deeper documents go
// to parseGeneral (encoding/json allows 10000 levels).
const maxSkipDepth = 64

var outputParsers = sync.Pool{New: func() any { return new(outputParser) }}

// parseFast returns the response of out, or false when parseGeneral must decide.
func (p *Proxy) parseFast(out []byte) (*response, bool) {
	s := outputParsers.Get().(*outputParser)
	r, ok := s.parse(p.format, out)
	if cap(s.arena) > maxPooled {
		s.arena = nil
	}
	s.in = nil
	outputParsers.Put(s)
	return r, ok
}

// Members, one bit each, to refuse one given twice (encoding/json would keep the last).
const (
	seenStatus = 1 << iota
	seenHeaders
	seenMulti
	seenBody
	seenB64
	seenB64Alt
	seenCookies
)

func (s *outputParser) parse(f format, in []byte) (*response, bool) {
	s.in, s.i = in, 0
	s.arena, s.singles, s.multis, s.multiVals, s.cookies = s.arena[:0], s.singles[:0], s.multis[:0], s.multiVals[:0], s.cookies[:0]
	s.ws()
	start := s.i
	if !s.eat('{') {
		return nil, false
	}
	var (
		seen                             uint
		status                           = http.StatusOK
		body                             span
		b64, b64Alt                      int8 // 0 absent or null, 1 true, -1 false
		hasHeaders, hasMulti, hasCookies bool
		ok                               bool
	)
	s.ws()
	if !s.eat('}') {
		for {
			s.ws()
			key, keyOK := s.plainKey()
			if !keyOK {
				return nil, false
			}
			s.ws()
			if !s.eat(':') {
				return nil, false
			}
			s.ws()
			var bit uint
			switch string(key) {
			case "statusCode":
				bit = seenStatus
				if status, ok = s.status(f); !ok {
					return nil, false
				}
			case "body":
				bit = seenBody
				if body, _, ok = s.scalar(); !ok { // null leaves the body empty
					return nil, false
				}
			case "isBase64Encoded":
				bit = seenB64
				if b64, ok = s.boolean(); !ok {
					return nil, false
				}
			case "headers":
				bit = seenHeaders
				if hasHeaders, ok = s.headers(); !ok {
					return nil, false
				}
			case "multiValueHeaders":
				bit = seenMulti
				if f == formatHTTPv2 {
					ok = s.skip(0) // payload 2.0 ignores it
				} else {
					hasMulti, ok = s.multiHeaders()
				}
				if !ok {
					return nil, false
				}
			case "cookies":
				bit = seenCookies
				if f == formatHTTPv2 {
					hasCookies, ok = s.cookieList()
				} else {
					ok = s.skip(0) // REST accepts and ignores it; HTTP API 1.0 ignores any key
				}
				if !ok {
					return nil, false
				}
			case "base64Encoded":
				if f == formatREST {
					bit = seenB64Alt
					if b64Alt, ok = s.boolean(); !ok {
						return nil, false
					}
					break
				}
				fallthrough
			default:
				if f == formatREST || !s.skip(0) {
					return nil, false
				}
			}
			if seen&bit != 0 {
				return nil, false
			}
			seen |= bit
			s.ws()
			if s.eat(',') {
				continue
			}
			if s.eat('}') {
				break
			}
			return nil, false
		}
	}
	end := s.i
	s.ws()
	if s.i != len(in) {
		return nil, false
	}
	if seen&seenStatus == 0 {
		switch f {
		case formatHTTPv2:
			return inferred(in[start:end]), true
		case formatHTTPv1:
			return nil, false
		}
	}
	if b64Alt != 0 {
		b64 = b64Alt
	}
	return s.response(status, body, b64 > 0, hasHeaders, hasMulti, hasCookies), true
}

// response materialises the parsed spans as parseGeneral's response, in few allocations: the
// headers (single, multi and merged) share one array, their values another.
func (s *outputParser) response(status int, body span, b64, hasHeaders, hasMulti, hasCookies bool) *response {
	str := string(s.arena)
	at := func(sp span) string { return str[sp.start:sp.end] }
	r := &response{status: status, body: at(body), base64: b64}
	ns, nm := len(s.singles), len(s.multis)
	if !hasMulti {
		nm = 0
	}
	var hs []header
	if ns+nm > 0 {
		hs = make([]header, ns+nm+ns+nm)
	}
	vals := make([]string, 0, ns+len(s.multiVals)+len(s.cookies))
	var single, multi []header
	if hasHeaders {
		single = hs[:ns:ns]
		for i, h := range s.singles {
			vals = append(vals, at(h[1]))
			single[i] = header{at(h[0]), vals[i : i+1 : i+1]}
		}
		if single == nil {
			single = []header{} // present but empty, as headerValues gives it
		}
	}
	if hasMulti {
		multi = hs[ns : ns : ns+nm]
		base := len(vals)
		for _, v := range s.multiVals {
			vals = append(vals, at(v))
		}
		for _, m := range s.multis {
			if m.end > m.first {
				multi = append(multi, header{at(m.name), vals[base+m.first : base+m.end : base+m.end]})
			}
		}
	}
	if hasCookies {
		base := len(vals)
		for _, c := range s.cookies {
			vals = append(vals, at(c))
		}
		r.cookies = vals[base:len(vals):len(vals)]
	}
	r.headers = mergeHeaders(hs[ns+nm:], multi, single)
	return r
}

// status reads statusCode: a plain integer, or a string of digits, of a final status; null
// unless payload 1.0 of an HTTP API requires it.
func (s *outputParser) status(f format) (int, bool) {
	in := s.in
	var digits []byte
	switch {
	case s.i < len(in) && in[s.i] == '"':
		end, plain, ok := s.scanString()
		if !ok || !plain {
			return 0, false
		}
		digits, s.i = in[s.i+1:end-1], end
	case s.literal("null"):
		return http.StatusOK, f != formatHTTPv1
	default:
		end := scanNumber(in, s.i)
		if end < 0 {
			return 0, false
		}
		digits, s.i = in[s.i:end], end
	}
	if len(digits) == 0 || len(digits) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 200 && n <= 599
}

// boolean reads isBase64Encoded as parseBool accepts it.
func (s *outputParser) boolean() (int8, bool) {
	switch {
	case s.literal("true"), s.literal(`"true"`), s.literal(`"True"`):
		return 1, true
	case s.literal("false"), s.literal(`"false"`), s.literal(`"False"`):
		return -1, true
	case s.literal("null"):
		return 0, true
	}
	return 0, false
}

// scalar reads a value of a string field onto the arena: a string decoded, a number or a
// boolean as written; null is reported, and anything else refused.
func (s *outputParser) scalar() (sp span, null, ok bool) {
	in := s.in
	if s.i >= len(in) {
		return span{}, false, false
	}
	start := len(s.arena)
	switch c := in[s.i]; {
	case c == '"':
		end, plain, ok := s.scanString()
		if !ok {
			return span{}, false, false
		}
		if plain {
			s.arena = append(s.arena, in[s.i+1:end-1]...)
		} else {
			s.arena = appendUnquoted(s.arena, in[s.i+1:end-1])
		}
		s.i = end
	case c == 'n':
		return span{}, true, s.literal("null")
	case c == 't' || c == 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		if !s.literal(lit) {
			return span{}, false, false
		}
		s.arena = append(s.arena, lit...)
	default:
		end := scanNumber(in, s.i)
		if end < 0 {
			return span{}, false, false
		}
		s.arena = append(s.arena, in[s.i:end]...)
		s.i = end
	}
	return span{start, len(s.arena)}, false, true
}

// object walks an object's members, calling member with the name on the arena and s at the
// value. null gives false; anything but an object or null is refused.
func (s *outputParser) object(member func(name span) bool) (present, ok bool) {
	if s.literal("null") {
		return false, true
	}
	if !s.eat('{') {
		return false, false
	}
	s.ws()
	if s.eat('}') {
		return true, true
	}
	for {
		s.ws()
		if s.i >= len(s.in) || s.in[s.i] != '"' {
			return false, false
		}
		name, _, ok := s.scalar()
		if !ok {
			return false, false
		}
		s.ws()
		if !s.eat(':') {
			return false, false
		}
		s.ws()
		if !member(name) {
			return false, false
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		return true, s.eat('}')
	}
}

func (s *outputParser) headers() (bool, bool) {
	return s.object(func(name span) bool {
		v, null, ok := s.scalar()
		if ok && !null {
			s.singles = append(s.singles, [2]span{name, v})
		}
		return ok
	})
}

func (s *outputParser) multiHeaders() (bool, bool) {
	return s.object(func(name span) bool {
		first := len(s.multiVals)
		if s.literal("null") {
			return true
		}
		if !s.list(&s.multiVals) {
			return false
		}
		s.multis = append(s.multis, multiSpan{name, first, len(s.multiVals)})
		return true
	})
}

// cookieList reads payload 2.0's cookies: a list, or anything else, ignored.
func (s *outputParser) cookieList() (bool, bool) {
	if s.i < len(s.in) && s.in[s.i] == '[' {
		return true, s.list(&s.cookies)
	}
	return false, s.skip(0)
}

// list reads a list of scalars onto dst, nulls left out.
func (s *outputParser) list(dst *[]span) bool {
	if !s.eat('[') {
		return false
	}
	s.ws()
	if s.eat(']') {
		return true
	}
	for {
		s.ws()
		v, null, ok := s.scalar()
		if !ok {
			return false
		}
		if !null {
			*dst = append(*dst, v)
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		return s.eat(']')
	}
}

// plainKey reads a member name written without escapes.
func (s *outputParser) plainKey() ([]byte, bool) {
	if s.i >= len(s.in) || s.in[s.i] != '"' {
		return nil, false
	}
	end, plain, ok := s.scanString()
	if !ok || !plain {
		return nil, false
	}
	key := s.in[s.i+1 : end-1]
	s.i = end
	return key, true
}
