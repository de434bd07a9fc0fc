package mock

import "strconv"

// statusCode finds the integer statusCode in what a MOCK request template produced.
//
// AWS is lenient here: the console's own examples and real APIs use `{statusCode: 200}` with a
// bare key, which AWS accepts (localstack's test_integration_mock_with_path_param, recorded
// against AWS, deploys exactly that). So keys may be bare, 'single' or "double" quoted; the
// value must be an integer literal, as in AWS, where "200" as a string is rejected.
func statusCode(b []byte) (int, bool) {
	s := scanner{b: b}
	s.ws()
	if !s.eat('{') {
		return 0, false
	}
	found, code := false, 0
	for {
		s.ws()
		if s.eat('}') {
			return code, found
		}
		key, ok := s.key()
		if !ok {
			return 0, false
		}
		s.ws()
		if !s.eat(':') {
			return 0, false
		}
		s.ws()
		if key == "statusCode" {
			n, ok := s.integer()
			if !ok {
				return 0, false
			}
			found, code = true, n
		} else if !s.skipValue() {
			return 0, false
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return code, found
		}
		return 0, false
	}
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) key() (string, bool) {
	if s.i >= len(s.b) {
		return "", false
	}
	if q := s.b[s.i]; q == '"' || q == '\'' {
		start := s.i + 1
		if !s.skipString() {
			return "", false
		}
		return string(s.b[start : s.i-1]), true
	}
	start := s.i
	for s.i < len(s.b) && isBare(s.b[s.i]) {
		s.i++
	}
	return string(s.b[start:s.i]), s.i > start
}

func isBare(c byte) bool {
	return c == '_' || c == '$' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func (s *scanner) integer() (int, bool) {
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	return n, err == nil
}

// skipString skips a quoted string starting at s.i, honouring backslash escapes.
func (s *scanner) skipString() bool {
	q := s.b[s.i]
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case q:
			s.i++
			return true
		}
	}
	return false
}

// skipValue skips one value: a string, or anything up to the ',' or '}' that ends it at depth
// zero, with brackets balanced.
func (s *scanner) skipValue() bool {
	depth, start := 0, s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case '"', '\'':
			if !s.skipString() {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return s.i > start
			}
			depth--
		case ',':
			if depth == 0 {
				return s.i > start
			}
		}
		s.i++
	}
	return false
}
