package lambda

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON written by hand must be the bytes encoding/json wrote when events were encoded through
// wire.go's wrappers with SetEscapeHTML(false) (eventref_test.go keeps that encoder and the
// equivalence tests compare the two): strings escaped as its appendString escapes them, map
// keys sorted bytewise, numbers formatted as its encoders format them. Values of types this
// file does not know go through encoding/json itself.

// appendString appends s quoted as encoding/json quotes it without HTML escaping: '"', '\\'
// and control characters escaped (\b, \f, \n, \r, \t short), invalid UTF-8 as \ufffd, and
// U+2028 and U+2029 escaped, which encoding/json does unconditionally.
func appendString[S string | []byte](dst []byte, s S) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendEscaped is appendString without the quotes. Escaping is per character, so the escape
// of a concatenation is the concatenation of the escapes: values joined with "," are written
// one after the other.
func appendEscaped[S string | []byte](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		// Runs of plain ASCII, most of an event, are passed over eight bytes at a time.
		for i+8 <= len(s) && plain8(load8(s, i)) {
			i += 8
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(s)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(s[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// load8 reads s[i:i+8] as a little-endian word: one load, and one bounds check for the slice.
func load8[S string | []byte](s S, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// plain8 reports whether none of x's bytes is a control character, '"', '\\' or beyond ASCII,
// with the word tricks of "Bit Twiddling Hacks" (hasless, haszero), exact for "any byte".
func plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return (x|
		(x-ones*0x20)&^x|
		(quote-ones)&^quote|
		(backslash-ones)&^backslash)&highs == 0
}

// appendNullable appends s, or null when it is empty: the wrappers' nullable fields.
func appendNullable(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendString(dst, s)
}

// appendKey appends a member name and its colon, after a comma unless it is the first member.
func appendKey(dst []byte, first bool, key string) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = appendString(dst, key)
	return append(dst, ':')
}

// appendFloat formats f as encoding/json's float64 encoder does (ES6 number to string); NaN
// and infinities are the caller's to refuse.
func appendFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// validNumber is the JSON number grammar, which encoding/json checks json.Number against.
func validNumber(s string) bool {
	n := scanNumber(s, 0)
	return n == len(s)
}

// scanNumber returns the end of the JSON number starting at s[i], or -1 when none starts there.
func scanNumber[S string | []byte](s S, i int) int {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return -1
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return -1
		}
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return -1
		}
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	}
	return i
}

// appendValue appends a decoded-JSON value (authorizer contexts and claims) as encoding/json
// encodes it. keys is scratch for sorting map keys; nested maps use it as a stack.
func appendValue(dst []byte, v any, keys *[]string) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case json.Number:
		s := v.String()
		if s == "" {
			s = "0" // encoding/json's zero Number
		}
		if !validNumber(s) {
			return appendMarshal(dst, v) // for encoding/json's error
		}
		return append(dst, s...), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return appendMarshal(dst, v)
		}
		return appendFloat(dst, v), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case []string:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, s := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		return append(dst, ']'), nil
	case []any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, x, keys); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		base := len(*keys)
		for k := range v {
			*keys = append(*keys, k)
		}
		// Appends by nested maps may move *keys; this level keeps reading its own slice.
		ks := (*keys)[base:]
		slices.Sort(ks)
		dst = append(dst, '{')
		for i, k := range ks {
			dst = appendKey(dst, i == 0, k)
			var err error
			if dst, err = appendValue(dst, v[k], keys); err != nil {
				return dst, err
			}
		}
		clear((*keys)[base:])
		*keys = (*keys)[:base]
		return append(dst, '}'), nil
	case map[string]string:
		return appendStringMap(dst, v, keys), nil
	}
	return appendMarshal(dst, v)
}

// appendStringMap appends m with its keys sorted, null when it is nil.
func appendStringMap(dst []byte, m map[string]string, keys *[]string) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	base := len(*keys)
	for k := range m {
		*keys = append(*keys, k)
	}
	ks := (*keys)[base:]
	slices.Sort(ks)
	dst = append(dst, '{')
	for i, k := range ks {
		dst = appendKey(dst, i == 0, k)
		dst = appendString(dst, m[k])
	}
	clear(ks)
	*keys = (*keys)[:base]
	return append(dst, '}')
}

// appendMarshal encodes v with encoding/json, for the values the hand-written code leaves to
// it: types it does not know, and the invalid values whose error encoding/json reports.
func appendMarshal(dst []byte, v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte{'\n'})...), nil
}

// lowerASCII lower-cases the ASCII letters of b in place. Applied to an escaped name it gives
// the escape of the lower-cased name: escapes themselves are written in lower case.
func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// compareFold compares a and b as strings.Compare compares their ASCII lower-casings, each
// lowered only when its flag says so (a lowered name is ASCII, so lowering is bytewise).
func compareFold(a string, lowerA bool, b string, lowerB bool) int {
	if !lowerA && !lowerB {
		return strings.Compare(a, b)
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if lowerA && 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if lowerB && 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}
