package lambda

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON reading under parseFast: validation as encoding/json's scanner validates (which
// json.Valid applies to the whole output) and string decoding as its unquote decodes.

// skip passes over any valid JSON value.
func (s *outputParser) skip(depth int) bool {
	in := s.in
	if s.i >= len(in) || depth > maxSkipDepth {
		return false
	}
	switch in[s.i] {
	case '"':
		end, _, ok := s.scanString()
		s.i = end
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	case '{', '[':
		closing := byte('}')
		if in[s.i] == '[' {
			closing = ']'
		}
		s.i++
		s.ws()
		if s.eat(closing) {
			return true
		}
		for {
			s.ws()
			if closing == '}' {
				if s.i >= len(in) || in[s.i] != '"' {
					return false
				}
				end, _, ok := s.scanString()
				if !ok {
					return false
				}
				s.i = end
				s.ws()
				if !s.eat(':') {
					return false
				}
				s.ws()
			}
			if !s.skip(depth + 1) {
				return false
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			return s.eat(closing)
		}
	}
	end := scanNumber(in, s.i)
	s.i = end
	return end >= 0
}

// scanString validates the string starting at s.i as encoding/json's scanner does and returns
// the index after its closing quote. plain means its content is its value: no escapes and valid
// UTF-8. s.i is not moved.
func (s *outputParser) scanString() (end int, plain, ok bool) {
	in := s.in
	plain = true
	ascii := true
	j := s.i + 1
	for j < len(in) {
		for j+8 <= len(in) && plain8(load8(in, j)) {
			j += 8
		}
		if j == len(in) {
			break
		}
		c := in[j]
		switch {
		case c == '"':
			if !ascii && plain {
				plain = utf8.Valid(in[s.i+1 : j])
			}
			return j + 1, plain, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			plain = false
			if j+1 >= len(in) {
				return 0, false, false
			}
			switch in[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(in) {
					return 0, false, false
				}
				for _, h := range in[j+2 : j+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return 0, false, false
					}
				}
				j += 6
			default:
				return 0, false, false
			}
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			j++
		}
	}
	return 0, false, false
}

// appendUnquoted decodes the content of a string scanString accepted as encoding/json's
// unquote does: escapes resolved, a lone or broken surrogate and invalid UTF-8 as U+FFFD.
func appendUnquoted(dst, s []byte) []byte {
	for r := 0; r < len(s); {
		switch c := s[r]; {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				rr := getu4(s[r-1:])
				r += 5
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r:])); dec != unicode.ReplacementChar {
						r += 6
						dst = utf8.AppendRune(dst, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, rr)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			dst = utf8.AppendRune(dst, rr)
			r += size
		}
	}
	return dst
}

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

func (s *outputParser) ws() {
	for s.i < len(s.in) {
		switch s.in[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *outputParser) eat(c byte) bool {
	if s.i < len(s.in) && s.in[s.i] == c {
		s.i++
		return true
	}
	return false
}

// literal consumes lit when the input continues with it.
func (s *outputParser) literal(lit string) bool {
	if len(s.in)-s.i >= len(lit) && string(s.in[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}
