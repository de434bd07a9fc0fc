package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type kind uint8

const (
	kindString kind = iota
	kindStringFold
	kindStringLike
	kindNumeric
	kindDate
	kindBool
	kindBinary
	kindIP
	kindARN
	kindNull
)

type comparison uint8

const (
	cmpEq comparison = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAnyValue
	setForAllValues
)

// operator is a parsed condition operator name.
type operator struct {
	kind     kind
	cmp      comparison
	negated  bool
	ifExists bool
	set      setQualifier
}

type baseOperator struct {
	kind    kind
	cmp     comparison
	negated bool
}

// baseOperators are IAM's condition operators (IAM User Guide, "Condition operators").
// Operator names are matched exactly, like every other element name.
var baseOperators = map[string]baseOperator{
	"StringEquals":              {kind: kindString},
	"StringNotEquals":           {kind: kindString, negated: true},
	"StringEqualsIgnoreCase":    {kind: kindStringFold},
	"StringNotEqualsIgnoreCase": {kind: kindStringFold, negated: true},
	"StringLike":                {kind: kindStringLike},
	"StringNotLike":             {kind: kindStringLike, negated: true},
	"NumericEquals":             {kind: kindNumeric},
	"NumericNotEquals":          {kind: kindNumeric, negated: true},
	"NumericLessThan":           {kind: kindNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {kind: kindNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {kind: kindNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {kind: kindNumeric, cmp: cmpGe},
	"DateEquals":                {kind: kindDate},
	"DateNotEquals":             {kind: kindDate, negated: true},
	"DateLessThan":              {kind: kindDate, cmp: cmpLt},
	"DateLessThanEquals":        {kind: kindDate, cmp: cmpLe},
	"DateGreaterThan":           {kind: kindDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {kind: kindDate, cmp: cmpGe},
	"Bool":                      {kind: kindBool},
	"BinaryEquals":              {kind: kindBinary},
	"IpAddress":                 {kind: kindIP},
	"NotIpAddress":              {kind: kindIP, negated: true},
	"ArnEquals":                 {kind: kindARN},
	"ArnLike":                   {kind: kindARN},
	"ArnNotEquals":              {kind: kindARN, negated: true},
	"ArnNotLike":                {kind: kindARN, negated: true},
	"Null":                      {kind: kindNull},
}

// parseOperator parses "[ForAnyValue:|ForAllValues:]Base[IfExists]"; nil means unsupported.
func parseOperator(name string) *operator {
	op := &operator{}
	switch {
	case strings.HasPrefix(name, "ForAnyValue:"):
		op.set, name = setForAnyValue, strings.TrimPrefix(name, "ForAnyValue:")
	case strings.HasPrefix(name, "ForAllValues:"):
		op.set, name = setForAllValues, strings.TrimPrefix(name, "ForAllValues:")
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok && base != "Null" {
		op.ifExists, name = true, base
	}
	b, ok := baseOperators[name]
	if !ok {
		return nil
	}
	op.kind, op.cmp, op.negated = b.kind, b.cmp, b.negated
	return op
}

// holds evaluates the condition against the request.
func (c *Condition) holds(r *Request) bool {
	op := c.op
	if op == nil {
		return false
	}
	vals, present := r.values(c.Key)
	if op.kind == kindNull {
		// "Null": {"k": "true"} holds when k is absent; several policy values are ORed.
		for _, v := range c.Values {
			if want, err := strconv.ParseBool(v); err == nil && want == !present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case op.ifExists, op.set == setForAllValues:
			// ForAllValues over an empty set is vacuously true.
			return true
		case op.set == setForAnyValue:
			return false
		default:
			// A missing key fails a positive operator and satisfies a negated one.
			return op.negated
		}
	}
	switch op.set {
	case setForAllValues:
		for _, v := range vals {
			if c.matchesAny(v) == op.negated {
				return false
			}
		}
		return true
	case setForAnyValue:
		for _, v := range vals {
			if c.matchesAny(v) != op.negated {
				return true
			}
		}
		return false
	default:
		// Several policy values are ORed; for a negated operator that is a NOR.
		for _, v := range vals {
			if c.matchesAny(v) {
				return !op.negated
			}
		}
		return op.negated
	}
}

// matchesAny reports whether the request value matches any policy value under the
// operator's positive form.
func (c *Condition) matchesAny(v string) bool {
	op := c.op
	if op.kind == kindIP {
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	for _, pv := range c.Values {
		if compareValue(op, v, pv) {
			return true
		}
	}
	return false
}

func compareValue(op *operator, v, pv string) bool {
	switch op.kind {
	case kindString:
		return v == pv
	case kindStringFold:
		return strings.EqualFold(v, pv)
	case kindStringLike:
		return wildcardMatch(pv, v, false)
	case kindNumeric:
		a, err1 := strconv.ParseFloat(v, 64)
		b, err2 := strconv.ParseFloat(pv, 64)
		return err1 == nil && err2 == nil && compareOrdered(op.cmp, a, b)
	case kindDate:
		a, ok1 := parseDate(v)
		b, ok2 := parseDate(pv)
		return ok1 && ok2 && compareOrdered(op.cmp, a.UnixNano(), b.UnixNano())
	case kindBool:
		return strings.EqualFold(v, pv)
	case kindBinary:
		return v == pv
	case kindARN:
		return arnMatch(pv, v)
	}
	return false
}

func compareOrdered[T int64 | float64](c comparison, a, b T) bool {
	switch c {
	case cmpLt:
		return a < b
	case cmpLe:
		return a <= b
	case cmpGt:
		return a > b
	case cmpGe:
		return a >= b
	default:
		return a == b
	}
}

// parseDate accepts the forms IAM does: W3C/ISO 8601 date-times and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02", "20060102T150405Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
