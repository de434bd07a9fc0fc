package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

func (d *decoder) seq(label string, n ast.Node) []ast.Node {
	switch v := d.value(n).(type) {
	case nil, *ast.NullNode:
		return nil
	case *ast.SequenceNode:
		return v.Values
	default:
		d.typeError(label, "a sequence", v)
		return nil
	}
}

// str reads any non-null scalar verbatim, so that `port: 8080` and `accountId: 0123…` mean
// what was typed rather than what YAML's number rules make of them.
func (d *decoder) str(label string, n ast.Node) (string, bool) {
	switch v := d.value(n).(type) {
	case nil:
		return "", false
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	default:
		d.typeError(label, "a string", v)
		return "", false
	}
}

// text is str plus ${env:NAME} expansion, for the free-form values listed in
// docs/config.md. Templates, mapping expressions and identifiers are never expanded: `$`
// means something there.
func (d *decoder) text(label string, n ast.Node) (string, bool) {
	s, ok := d.str(label, n)
	if !ok {
		return "", false
	}
	out, err := expandEnv(s, d.env)
	if err != nil {
		d.errorf(d.value(n), "%s: %v", label, err)
		return "", false
	}
	return out, true
}

func (d *decoder) enum(label string, n ast.Node, allowed ...string) (string, bool) {
	s, ok := d.str(label, n)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		d.errorf(d.value(n), "%s: %s is not one of %s", label, quote(s), strings.Join(allowed, ", "))
		return "", false
	}
	return s, true
}

func (d *decoder) match(label string, n ast.Node, re *regexp.Regexp, want string) (string, bool) {
	s, ok := d.str(label, n)
	if !ok {
		return "", false
	}
	if !re.MatchString(s) {
		d.errorf(d.value(n), "%s: %s is not %s", label, quote(s), want)
		return "", false
	}
	return s, true
}

func (d *decoder) boolean(label string, n ast.Node) (bool, bool) {
	v := d.value(n)
	if b, ok := v.(*ast.BoolNode); ok {
		return b.Value, true
	}
	if v != nil {
		d.typeError(label, "true or false", v)
	}
	return false, false
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// integer reads a whole number no smaller than least. With quoted, a string of digits is
// accepted too: AWS's own APIs type statusCode and friends as strings.
func (d *decoder) integer(label string, n ast.Node, least int64, quoted bool) (int64, bool) {
	v := d.value(n)
	var x int64
	switch v := v.(type) {
	case nil:
		return 0, false
	case *ast.IntegerNode:
		i, ok := intValue(v)
		if !ok {
			d.errorf(v, "%s: %s is out of range", label, v.GetToken().Value)
			return 0, false
		}
		x = i
	case *ast.FloatNode:
		// JSON Schema's "integer" accepts 200.0, and the schema and decoder must agree.
		if v.Value != float64(int64(v.Value)) || v.Value > 1<<62 || v.Value < -(1<<62) {
			d.typeError(label, "a whole number", v)
			return 0, false
		}
		x = int64(v.Value)
	case *ast.StringNode:
		i, err := strconv.ParseInt(v.Value, 10, 64)
		if !quoted || !digits.MatchString(v.Value) || err != nil {
			d.typeError(label, "a whole number", v)
			return 0, false
		}
		x = i
	default:
		d.typeError(label, "a whole number", v)
		return 0, false
	}
	if x < least {
		d.errorf(v, "%s: %d is less than %d", label, x, least)
		return 0, false
	}
	return x, true
}

// intValue reads goccy's integer, which is int64 or uint64 depending on the sign.
func intValue(n *ast.IntegerNode) (int64, bool) {
	switch v := n.Value.(type) {
	case int64:
		return v, true
	case uint64:
		if v <= 1<<63-1 {
			return int64(v), true
		}
	}
	return 0, false
}

var durationPattern = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`)

// duration reads a Go duration ("5s", "1m30s"). Signs and unitless numbers are refused
// because a timeout of "-5s" or "5000" is always a mistake.
func (d *decoder) duration(label string, n ast.Node) (time.Duration, bool) {
	v := d.value(n)
	switch v.(type) {
	case nil:
		return 0, false
	case *ast.IntegerNode, *ast.FloatNode:
		d.errorf(v, "%s: %s has no unit; write it like %sms or %ss", label, v.GetToken().Value, v.GetToken().Value, v.GetToken().Value)
		return 0, false
	}
	s, ok := d.str(label, v)
	if !ok {
		return 0, false
	}
	t, err := time.ParseDuration(s)
	if !durationPattern.MatchString(s) || err != nil {
		d.errorf(v, "%s: %s is not a duration such as 5s, 1500ms or 1m30s", label, quote(s))
		return 0, false
	}
	if t <= 0 {
		d.errorf(v, "%s: %s must be longer than zero", label, quote(s))
		return 0, false
	}
	return t, true
}

// strMap reads a mapping of strings; expand selects ${env:…} expansion of the values.
func (d *decoder) strMap(label string, n ast.Node, expand bool) map[string]string {
	es, ok := d.entries(label, n)
	if !ok || len(es) == 0 {
		return nil
	}
	out := make(map[string]string, len(es))
	for _, e := range es {
		read := d.str
		if expand {
			read = d.text
		}
		if s, ok := read(label+"."+e.key, e.val); ok {
			out[e.key] = s
		}
	}
	return out
}

func (d *decoder) strList(label string, n ast.Node) []string {
	var out []string
	for i, item := range d.seq(label, n) {
		if s, ok := d.str(fmt.Sprintf("%s[%d]", label, i), item); ok {
			out = append(out, s)
		}
	}
	return out
}
