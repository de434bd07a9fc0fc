package config

import (
	"fmt"
	"regexp"
	"strings"
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandEnv replaces ${env:NAME} and ${env:NAME:-fallback}. The "env:" prefix keeps it apart
// from API Gateway's own ${stageVariables.x}, which must pass through untouched. An unset
// variable without a fallback is an error rather than "", so a missing export cannot turn a
// backend URL into a relative path unnoticed. The result is not expanded again.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	const open = "${env:"
	if !strings.Contains(s, open) {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, open)
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		rest := s[i+len(open):]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return "", fmt.Errorf("%s is not closed with '}'", quote(s[i:]))
		}
		ref := rest[:j]
		name, fallback, hasFallback := strings.Cut(ref, ":-")
		if !envName.MatchString(name) {
			return "", fmt.Errorf("%s: %s is not an environment variable name", quote(open+ref+"}"), quote(name))
		}
		v, ok := lookup(name)
		switch {
		case hasFallback && v == "":
			// Shell semantics for ":-": unset and empty both fall back.
			v = fallback
		case !ok:
			return "", unsetEnvError{name}
		}
		b.WriteString(v)
		s = rest[j+1:]
	}
}

// unsetEnvError names the variable only, so that callers reading secrets can report it
// while keeping other expansion errors, which quote the value, to themselves.
type unsetEnvError struct{ name string }

func (e unsetEnvError) Error() string {
	return fmt.Sprintf("environment variable %s is not set (write ${env:%s:-fallback} for a default)", e.name, e.name)
}
