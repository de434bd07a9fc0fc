package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Versions IAM knows. Others are accepted with a warning, as the document may still be usable.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Parse parses an IAM policy document. Element names are matched exactly (IAM's are
// case-sensitive; encoding/json's struct decoding would accept "effect"), and anything that
// changes what the policy means is an error. Tolerable oddities (unknown elements, unknown
// condition operators, unparsable IP ranges, unsubstituted policy variables) come back as
// warnings; an unknown condition operator makes its statement never match, which is the
// conservative reading for an Allow and the documented one for this package.
func Parse(data []byte) (*Policy, []Warning, error) {
	top, err := object(data, "policy document")
	if err != nil {
		return nil, nil, err
	}
	p := &Policy{}
	var ws []Warning
	docWarn := func(msg string) { ws = append(ws, Warning{Statement: -1, Message: msg}) }
	for _, k := range sortedKeys(top) {
		switch k {
		case "Version", "Id", "Statement":
		default:
			docWarn(fmt.Sprintf("unknown element %q ignored", k))
		}
	}
	if raw, ok := top["Version"]; ok {
		if err := json.Unmarshal(raw, &p.Version); err != nil {
			return nil, nil, errors.New("policy: Version must be a string")
		}
		if p.Version != Version2012 && p.Version != Version2008 {
			docWarn(fmt.Sprintf("unknown Version %q", p.Version))
		}
	}
	if raw, ok := top["Id"]; ok {
		if err := json.Unmarshal(raw, &p.ID); err != nil {
			return nil, nil, errors.New("policy: Id must be a string")
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, nil, errors.New("policy: Statement is missing")
	}
	var raws []json.RawMessage
	switch firstByte(raw) {
	case '{':
		raws = []json.RawMessage{raw}
	case '[':
		if err := json.Unmarshal(raw, &raws); err != nil {
			return nil, nil, fmt.Errorf("policy: Statement: %w", err)
		}
	default:
		return nil, nil, errors.New("policy: Statement must be an object or a list of objects")
	}
	if len(raws) == 0 {
		docWarn("Statement is empty: the policy allows nothing")
	}
	p.Statements = make([]Statement, 0, len(raws))
	for i, r := range raws {
		s, sws, err := parseStatement(i, r, p.Version)
		if err != nil {
			return nil, nil, err
		}
		p.Statements = append(p.Statements, s)
		ws = append(ws, sws...)
	}
	return p, ws, nil
}

func parseStatement(i int, raw json.RawMessage, version string) (Statement, []Warning, error) {
	var s Statement
	var ws []Warning
	fail := func(format string, args ...any) (Statement, []Warning, error) {
		where := fmt.Sprintf("policy: statement %d", i)
		if s.Sid != "" {
			where += fmt.Sprintf(" (Sid %q)", s.Sid)
		}
		return Statement{}, nil, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
	}
	warn := func(format string, args ...any) {
		ws = append(ws, Warning{Statement: i, Sid: s.Sid, Message: fmt.Sprintf(format, args...)})
	}
	m, err := object(raw, "statement")
	if err != nil {
		return fail("must be an object")
	}
	if r, ok := m["Sid"]; ok {
		if err := json.Unmarshal(r, &s.Sid); err != nil {
			return fail("Sid must be a string")
		}
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
		default:
			warn("unknown element %q ignored", k)
		}
	}
	var effect string
	if r, ok := m["Effect"]; !ok || json.Unmarshal(r, &effect) != nil || (effect != "Allow" && effect != "Deny") {
		return fail(`Effect must be "Allow" or "Deny"`)
	}
	s.Effect = Effect(effect)

	for _, el := range []struct {
		name string
		dst  *[]string
	}{{"Action", &s.Action}, {"NotAction", &s.NotAction}, {"Resource", &s.Resource}, {"NotResource", &s.NotResource}} {
		r, ok := m[el.name]
		if !ok {
			continue
		}
		list, err := stringList(r)
		if err != nil {
			return fail("%s: %v", el.name, err)
		}
		*el.dst = list
	}
	switch {
	case s.Action != nil && s.NotAction != nil:
		return fail("has both Action and NotAction")
	case s.Action == nil && s.NotAction == nil:
		return fail("needs Action or NotAction")
	case s.Resource != nil && s.NotResource != nil:
		return fail("has both Resource and NotResource")
	case s.Resource == nil && s.NotResource == nil:
		return fail("needs Resource or NotResource")
	}
	if version == Version2012 {
		for _, r := range slices.Concat(s.Resource, s.NotResource) {
			if strings.Contains(r, "${") {
				warn("policy variable in %q is not substituted; it matches literally", r)
			}
		}
	}

	for _, el := range []struct {
		name string
		dst  **Principals
	}{{"Principal", &s.Principal}, {"NotPrincipal", &s.NotPrincipal}} {
		r, ok := m[el.name]
		if !ok {
			continue
		}
		pr, msg, err := parsePrincipals(r)
		if err != nil {
			return fail("%s: %v", el.name, err)
		}
		if msg != "" {
			warn("%s: %s", el.name, msg)
		}
		*el.dst = pr
	}
	if s.Principal != nil && s.NotPrincipal != nil {
		return fail("has both Principal and NotPrincipal")
	}

	if r, ok := m["Condition"]; ok {
		conds, msgs, err := parseConditions(r)
		if err != nil {
			return fail("Condition: %v", err)
		}
		for _, msg := range msgs {
			warn("%s", msg)
		}
		s.Conditions = conds
	}
	return s, ws, nil
}

// parsePrincipals parses "*" or {"AWS": ..., "Service": ..., ...}. The message is a warning.
func parsePrincipals(raw json.RawMessage) (*Principals, string, error) {
	p := &Principals{}
	if firstByte(raw) == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, "", err
		}
		switch s {
		case "*":
			p.Any = true
			return p, "", nil
		case "":
			return p, `empty string matches no principal (did you mean "*"?)`, nil
		}
		return nil, "", fmt.Errorf(`must be "*" or an object such as {"AWS": [...]}, not %q`, s)
	}
	m, err := object(raw, "principal")
	if err != nil {
		return nil, "", errors.New(`must be "*" or an object such as {"AWS": [...]}`)
	}
	var unknown []string
	for _, k := range sortedKeys(m) {
		var dst *[]string
		switch k {
		case "AWS":
			dst = &p.AWS
		case "Service":
			dst = &p.Service
		case "Federated":
			dst = &p.Federated
		case "CanonicalUser":
			dst = &p.CanonicalUser
		default:
			unknown = append(unknown, k)
			continue
		}
		list, err := stringList(m[k])
		if err != nil {
			return nil, "", fmt.Errorf("%s: %v", k, err)
		}
		*dst = list
	}
	if len(unknown) > 0 {
		return p, fmt.Sprintf("unknown principal types %q ignored", unknown), nil
	}
	return p, "", nil
}

// parseConditions flattens {"Operator": {"key": values}} into Conditions, sorted by operator
// and key so that warnings and evaluation order are deterministic.
func parseConditions(raw json.RawMessage) ([]Condition, []string, error) {
	ops, err := object(raw, "Condition")
	if err != nil {
		return nil, nil, errors.New("must be an object of operators")
	}
	var conds []Condition
	var msgs []string
	for _, name := range sortedKeys(ops) {
		keys, err := object(ops[name], "operator")
		if err != nil {
			return nil, nil, fmt.Errorf("%s must be an object of condition keys", name)
		}
		op := parseOperator(name)
		if op == nil {
			msgs = append(msgs, fmt.Sprintf("unsupported condition operator %q: the statement never matches", name))
		}
		for _, key := range sortedKeys(keys) {
			vals, err := scalarList(keys[key])
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %s: %v", name, key, err)
			}
			c := Condition{Operator: name, Key: key, Values: vals, op: op}
			if op != nil && op.kind == kindIP {
				for _, v := range vals {
					pfx, err := parseIPRange(v)
					if err != nil {
						msgs = append(msgs, fmt.Sprintf("%s: %s: %q is not an IP address or CIDR range; it matches nothing", name, key, v))
						continue
					}
					c.prefixes = append(c.prefixes, pfx)
				}
			}
			conds = append(conds, c)
		}
	}
	return conds, msgs, nil
}

// parseIPRange accepts a CIDR range or a single address (IAM accepts both), IPv4 or IPv6.
func parseIPRange(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		// 192.0.2.1/24 is accepted by IAM as the /24 network; an IPv4-mapped IPv6 range is
		// compared as IPv4, since request addresses are unmapped before matching.
		a, bits := p.Addr(), p.Bits()
		if a.Is4In6() && bits >= 96 {
			a, bits = a.Unmap(), bits-96
		}
		return netip.PrefixFrom(a, bits).Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// stringList decodes a string or a list of strings.
func stringList(raw json.RawMessage) ([]string, error) {
	if firstByte(raw) == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if firstByte(raw) != '[' {
		return nil, errors.New("must be a string or a list of strings")
	}
	list := []string{}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("must be a string or a list of strings")
	}
	return list, nil
}

// scalarList decodes a condition value: a string, number or boolean, or a list of them.
// Numbers keep their JSON spelling, so 10 and "10" compare alike.
func scalarList(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		switch x := it.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case bool:
			if x {
				out = append(out, "true")
			} else {
				out = append(out, "false")
			}
		default:
			return nil, errors.New("values must be strings, numbers or booleans")
		}
	}
	return out, nil
}

// object decodes a JSON object into its raw members; null and non-objects are errors.
func object(raw []byte, what string) (map[string]json.RawMessage, error) {
	if firstByte(raw) != '{' {
		return nil, fmt.Errorf("policy: %s must be a JSON object", what)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("policy: %s: %w", what, err)
	}
	return m, nil
}

func firstByte(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
