package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Evaluate evaluates the policy alone. A nil policy is an implicit deny.
func (p *Policy) Evaluate(r *Request) Decision { return EvaluateAll(r, p) }

// EvaluateAll evaluates several policies as one set, as IAM does for the identity policies of
// a principal: any matching Deny wins, then any matching Allow, else ImplicitDeny.
func EvaluateAll(r *Request, policies ...*Policy) Decision {
	allowed := false
	for _, p := range policies {
		if p == nil {
			continue
		}
		for i := range p.Statements {
			s := &p.Statements[i]
			if !s.Matches(r) {
				continue
			}
			if s.Effect == EffectDeny {
				return Deny
			}
			allowed = true
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// Matches reports whether the statement applies to the request, whatever its Effect.
func (s *Statement) Matches(r *Request) bool {
	switch {
	case s.Principal != nil && !s.Principal.matches(r.PrincipalARN):
		return false
	case s.NotPrincipal != nil && s.NotPrincipal.matches(r.PrincipalARN):
		return false
	case s.Action != nil && !anyMatch(s.Action, r.Action, actionMatch):
		return false
	case s.NotAction != nil && anyMatch(s.NotAction, r.Action, actionMatch):
		return false
	case s.Resource != nil && !anyMatch(s.Resource, r.Resource, resourceMatch):
		return false
	case s.NotResource != nil && anyMatch(s.NotResource, r.Resource, resourceMatch):
		return false
	}
	for i := range s.Conditions {
		if !s.Conditions[i].holds(r) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, s string, match func(pattern, s string) bool) bool {
	for _, p := range patterns {
		if match(p, s) {
			return true
		}
	}
	return false
}

// actionMatch: action names are case-insensitive ("execute-api:invoke" grants Invoke).
func actionMatch(pattern, action string) bool { return wildcardMatch(pattern, action, true) }

// resourceMatch: resources are case-sensitive. "*" is everything; an ARN pattern is matched
// component by component, so a wildcard in the region cannot swallow the account, while the
// last component (api-id/stage/VERB/path) is one string in which '*' crosses '/'.
func resourceMatch(pattern, resource string) bool {
	if pattern == "*" {
		return true
	}
	if arnMatch(pattern, resource) {
		return true
	}
	// A pattern that is not a six-part ARN is matched as a whole (lenient; IAM would have
	// rejected it when the policy was saved).
	return strings.Count(pattern, ":") < 5 && wildcardMatch(pattern, resource, false)
}

// arnMatch is ArnLike: each of the six colon-separated components is matched on its own.
func arnMatch(pattern, arn string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false
	}
	for i := range pp {
		if !wildcardMatch(pp[i], ap[i], false) {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against a pattern where '*' is any run of characters (including
// none) and '?' is exactly one character. It backtracks only to the last '*', so it runs in
// O(len(pattern)*len(s)) at worst and never recurses.
func wildcardMatch(pattern, s string, fold bool) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(pattern) {
			pc, pw := utf8.DecodeRuneInString(pattern[pi:])
			sc, sw := utf8.DecodeRuneInString(s[si:])
			switch {
			case pc == '*':
				star, mark = pi, si
				pi += pw
				continue
			case pc == '?' || pattern[pi:pi+pw] == s[si:si+sw] || (fold && pc != utf8.RuneError && equalFold(pc, sc)):
				pi += pw
				si += sw
				continue
			}
		}
		if star < 0 {
			return false
		}
		// Let the last '*' swallow one more character and retry from there.
		_, sw := utf8.DecodeRuneInString(s[mark:])
		mark += sw
		pi, si = star+1, mark
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

func equalFold(a, b rune) bool {
	return unicode.ToLower(a) == unicode.ToLower(b) || unicode.ToUpper(a) == unicode.ToUpper(b)
}

// matches reports whether the caller is one of the principals. Account ids and account root
// ARNs stand for every principal of that account; a role ARN also matches the sessions of
// that role (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION), whose ARN lacks the role's path.
func (p *Principals) matches(principalARN string) bool {
	if p.Any {
		return true
	}
	account := accountOf(principalARN)
	for _, a := range p.AWS {
		switch {
		case a == "*":
			return true
		case principalARN == "":
			continue
		case a == principalARN:
			return true
		case account != "" && a == account:
			return true
		case account != "" && strings.HasPrefix(a, "arn:") && strings.HasSuffix(a, ":iam::"+account+":root"):
			return true
		case sameRole(a, principalARN):
			return true
		}
	}
	return false
}

// sameRole reports whether sessionARN is a session of the role roleARN.
func sameRole(roleARN, sessionARN string) bool {
	r := strings.SplitN(roleARN, ":", 6)
	s := strings.SplitN(sessionARN, ":", 6)
	if len(r) != 6 || len(s) != 6 || r[2] != "iam" || s[2] != "sts" || r[1] != s[1] || r[4] != s[4] {
		return false
	}
	rolePath, ok := strings.CutPrefix(r[5], "role/")
	if !ok {
		return false
	}
	session, ok := strings.CutPrefix(s[5], "assumed-role/")
	if !ok {
		return false
	}
	roleName := rolePath[strings.LastIndexByte(rolePath, '/')+1:]
	name, _, ok := strings.Cut(session, "/")
	return ok && name == roleName
}
