// Package observe writes what genkan observes about requests: access logs in AWS's $context
// format strings (and, later, metrics and traces).
package observe

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// Format is a compiled AWS access-log format string. It is immutable and safe for concurrent use.
type Format struct {
	parts []segment
}

// segment is literal text followed by at most one variable.
type segment struct {
	lit  string
	name string // $context variable without the prefix; "" when the segment is text only
	esc  escaping
}

type escaping uint8

const (
	// escapeControl keeps a value on one line: control characters become \n, \t, \u00XX.
	escapeControl escaping = iota
	// escapeJSON makes a value safe inside a JSON string literal of the format.
	escapeJSON
)

// FormatError is a problem with an access-log format string. It carries no file position, only
// the byte offset into the format, so the caller can place it.
type FormatError struct {
	Offset int
	Msg    string
}

func (e *FormatError) Error() string { return e.Msg }

// The console examples on AWS's "Set up CloudWatch logging for REST APIs" and "Customize HTTP
// API access logs" pages, current versions (with $context.extendedRequestId). The REST CLF
// example lacks the space before the quoted request line; it is restored here.
var presets = map[apimodel.Protocol]map[string]string{
	apimodel.ProtocolREST: {
		"clf":  `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId`,
		"json": `{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId","ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }`,
		"xml":  `<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>`,
		"csv":  `$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId`,
		"":     `{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","apiId":"$context.apiId","stage":"$context.stage","ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","path":"$context.path","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","responseLatency":"$context.responseLatency","integrationStatus":"$context.integrationStatus","integrationLatency":"$context.integrationLatency","integrationError":"$context.integration.error","errorType":"$context.error.responseType","errorMessage":"$context.error.message"}`,
	},
	apimodel.ProtocolHTTP: {
		"clf":  `$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId`,
		"json": `{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength", "extendedRequestId": "$context.extendedRequestId" }`,
		"xml":  `<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> <extendedRequestId>$context.extendedRequestId</extendedRequestId> </request>`,
		"csv":  `$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId`,
		"":     `{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","apiId":"$context.apiId","stage":"$context.stage","ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","path":"$context.path","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","responseLatency":"$context.responseLatency","integrationStatus":"$context.integrationStatus","integrationLatency":"$context.integrationLatency","integrationError":"$context.integration.error","errorType":"$context.error.responseType","errorMessage":"$context.error.message"}`,
	},
}

// Preset returns the format string a preset name stands for: "" (genkan's default JSON line)
// or clf, json, xml, csv (AWS's console examples for the protocol). WebSocket APIs use the HTTP
// API presets until reqctx knows WebSocket variables.
func Preset(p apimodel.Protocol, name string) (string, bool) {
	if p == apimodel.ProtocolWebSocket {
		p = apimodel.ProtocolHTTP
	}
	s, ok := presets[p][strings.ToLower(name)]
	return s, ok
}

// ParseFormat compiles a REST API access-log format; see ParseFormatFor.
func ParseFormat(s string) (*Format, error) { return ParseFormatFor(apimodel.ProtocolREST, s) }

// ParseFormatFor compiles an access-log format for an API of protocol p. s is a preset name (see
// Preset) or a format string with $context variables, which follows AWS's rules: one line (a
// newline is allowed only at the end), $context.requestId or $context.extendedRequestId present,
// no variable genkan does not know, nothing but $context variables.
func ParseFormatFor(p apimodel.Protocol, s string) (*Format, error) {
	if preset, ok := Preset(p, s); ok {
		s = preset
	}
	s = strings.TrimSuffix(s, "\n") // each line gets its newline anyway
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return nil, &FormatError{Offset: i, Msg: "access log format must be a single line; a newline is allowed only at its end"}
	}
	f := &Format{}
	// AWS inserts values verbatim, so in a JSON format a value with a quote breaks the line. The
	// parser tracks whether each variable sits inside a JSON string literal so Append can escape.
	isJSON := strings.HasPrefix(strings.TrimLeft(s, " \t"), "{")
	inString, hasID := false, false
	var lit strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c == '$' {
			name, n, err := variable(s, i)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				esc := escapeControl
				if isJSON && inString {
					esc = escapeJSON
				}
				f.parts = append(f.parts, segment{lit: lit.String(), name: name, esc: esc})
				lit.Reset()
				hasID = hasID || name == "requestId" || name == "extendedRequestId"
				i += n
				continue
			}
		}
		if isJSON {
			switch {
			case c == '\\' && inString && i+1 < len(s):
				lit.WriteString(s[i : i+2])
				i += 2
				continue
			case c == '"':
				inString = !inString
			}
		}
		lit.WriteByte(c)
		i++
	}
	if lit.Len() > 0 {
		f.parts = append(f.parts, segment{lit: lit.String()})
	}
	if !hasID {
		return nil, &FormatError{Msg: "access log format must include $context.requestId or $context.extendedRequestId"}
	}
	return f, nil
}

// variable parses a reference at s[i] (a '$'). n is 0 for a '$' that starts no reference, such as
// "$5", which stays text.
func variable(s string, i int) (name string, n int, err error) {
	rest := s[i+1:]
	braced := strings.HasPrefix(rest, "{")
	if braced {
		rest = rest[1:]
	}
	ident := identLen(rest)
	if ident == 0 || rest[0] >= '0' && rest[0] <= '9' {
		return "", 0, nil
	}
	if rest[:ident] != "context" {
		// AWS: "Only $context variables are supported, not $input, etc."
		return "", 0, &FormatError{Offset: i, Msg: fmt.Sprintf("$%s: access log formats support only $context variables", rest[:ident])}
	}
	body := rest[ident:]
	if !strings.HasPrefix(body, ".") || identLen(body[1:]) == 0 {
		return "", 0, &FormatError{Offset: i, Msg: "$context needs a variable name, such as $context.requestId"}
	}
	body = body[1:]
	end := 0
	for {
		end += identLen(body[end:])
		if end+1 < len(body) && body[end] == '.' && identLen(body[end+1:]) > 0 {
			end++
			continue
		}
		break
	}
	name = body[:end]
	n = 1 + len("context.") + end
	if braced {
		if !strings.HasPrefix(body[end:], "}") {
			return "", 0, &FormatError{Offset: i, Msg: fmt.Sprintf("${context.%s is not closed with }", name)}
		}
		n += 2
	}
	if _, ok := new(reqctx.Context).Lookup(name); !ok {
		return "", 0, &FormatError{Offset: i, Msg: fmt.Sprintf("unknown variable $context.%s", name)}
	}
	return name, n, nil
}

func identLen(s string) int {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	return i
}

// Append appends one log line for c to dst, with its trailing newline. Values that are empty
// print as "-", as in AWS's access logs.
func (f *Format) Append(dst []byte, c *reqctx.Context) []byte {
	// Values are formatted into a stack buffer first, to know whether they are empty and whether
	// they need escaping, without allocating.
	var scratch [256]byte
	for i := range f.parts {
		p := &f.parts[i]
		dst = append(dst, p.lit...)
		if p.name == "" {
			continue
		}
		v, _ := c.AppendValue(scratch[:0], p.name)
		if len(v) == 0 {
			dst = append(dst, '-')
			continue
		}
		dst = appendEscaped(dst, v, p.esc)
	}
	return append(dst, '\n')
}

const hexDigits = "0123456789abcdef"

// plain[esc][c] is true for bytes that esc copies unchanged, so that the common value, which
// needs no escaping, is scanned by a table lookup per byte and appended in one copy.
var plain = func() (t [2][256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[escapeControl][c], t[escapeJSON][c] = true, c != '"' && c != '\\'
	}
	for c := 0x80; c < 0x100; c++ {
		t[escapeControl][c] = true // UTF-8 is checked only where the output must be JSON
	}
	return t
}()

func appendEscaped(dst, v []byte, esc escaping) []byte {
	table := &plain[esc]
	i := 0
	for i < len(v) && table[v[i]] {
		i++
	}
	if i == len(v) {
		return append(dst, v...)
	}
	start := 0
	for i < len(v) {
		c := v[i]
		switch {
		case table[c]:
			i++
			continue
		case c < 0x20 || c == 0x7f:
			dst = append(dst, v[start:i]...)
			switch c {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
		case esc == escapeJSON && (c == '"' || c == '\\'):
			dst = append(dst, v[start:i]...)
			dst = append(dst, '\\', c)
		case esc == escapeJSON && c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(v[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, v[start:i]...)
			dst = append(dst, `\ufffd`...)
		default:
			i++
			continue
		}
		i++
		start = i
	}
	return append(dst, v[start:]...)
}
