package sam

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// severity says what an unusable value does to the import: a value genkan needs to serve
// (a handler, a route's path) fails it; an optional one (an environment variable, a timeout)
// is left out with a warning, so that one unresolvable Ref does not block local development.
type severity bool

const (
	mustHave severity = true
	mayDrop  severity = false
)

func (im *importer) warn(pos apimodel.Position, format string, args ...any) {
	im.warnings = append(im.warnings, apimodel.Warning{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (im *importer) fail(pos apimodel.Position, format string, args ...any) {
	im.problems = append(im.problems, apimodel.Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (im *importer) report(sev severity, pos apimodel.Position, format string, args ...any) {
	if sev == mustHave {
		im.fail(pos, format, args...)
		return
	}
	im.warn(pos, format+"; left out", args...)
}

// addError records an error from a parser or another importer, keeping its positions.
func (im *importer) addError(err error) {
	im.problems = append(im.problems, apimodel.AsProblems(err, apimodel.Position{File: im.opt.File})...)
}

// value resolves a property. ok is false when the property resolves to AWS::NoValue or
// cannot be resolved, which has then been reported.
func (im *importer) value(p pair, what string, sev severity) (*node, bool) {
	v, err := im.resolve(p.Val)
	if err != nil {
		var u *unresolved
		if errors.As(err, &u) {
			im.report(sev, u.pos, "%s: %s cannot be resolved: %s", what, u.expr, u.reason)
		} else {
			im.report(sev, p.Val.Pos, "%s: %v", what, err)
		}
		return nil, false
	}
	return v, v != nil
}

// str resolves a property to a string. CloudFormation takes numbers and booleans where it
// wants a string, so they count.
func (im *importer) str(p pair, what string, sev severity) (string, bool) {
	v, ok := im.value(p, what, sev)
	if !ok {
		return "", false
	}
	if v.Kind != doctree.Scalar || v.IsNull() {
		im.report(sev, v.Pos, "%s must be a string, got %s", what, v.Describe())
		return "", false
	}
	return v.Text, true
}

// integer resolves a whole number; CloudFormation also takes one written as a string.
func (im *importer) integer(p pair, what string, sev severity) (int, bool) {
	v, ok := im.value(p, what, sev)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.Text))
	if v.Kind != doctree.Scalar || v.Type == doctree.Bool || err != nil {
		im.report(sev, v.Pos, "%s must be a whole number, got %s", what, v.Describe())
		return 0, false
	}
	return n, true
}

func (im *importer) boolean(p pair, what string, sev severity) (bool, bool) {
	v, ok := im.value(p, what, sev)
	if !ok {
		return false, false
	}
	if v.Kind == doctree.Scalar && !v.IsNull() {
		if b, err := strconv.ParseBool(strings.ToLower(v.Text)); err == nil {
			return b, true
		}
	}
	im.report(sev, v.Pos, "%s must be true or false, got %s", what, v.Describe())
	return false, false
}

// object returns a property that must be a mapping, with intrinsics left in place: callers
// resolve the fields they read.
func (im *importer) object(p pair, what string, sev severity) (*node, bool) {
	if _, _, isCall := call(p.Val); isCall {
		v, ok := im.value(p, what, sev)
		if !ok {
			return nil, false
		}
		p.Val = v
	}
	if p.Val.IsNull() {
		return &node{Kind: doctree.Map, Pos: p.Val.Pos}, true
	}
	if p.Val.Kind != doctree.Map {
		im.report(sev, p.Val.Pos, "%s must be an object, got %s", what, p.Val.Describe())
		return nil, false
	}
	return p.Val, true
}

// strMap resolves a map of strings entry by entry, so that one unresolvable value drops only
// itself.
func (im *importer) strMap(p pair, what string, sev severity) map[string]string {
	m, ok := im.object(p, what, sev)
	if !ok || len(m.Pairs) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.Pairs))
	for _, e := range m.Pairs {
		if s, ok := im.str(e, what+" "+e.Key, sev); ok {
			out[e.Key] = s
		}
	}
	return out
}

func (im *importer) strList(p pair, what string, sev severity) []string {
	v, ok := im.value(p, what, sev)
	if !ok {
		return nil
	}
	if v.Kind != doctree.Seq {
		im.report(sev, v.Pos, "%s must be a list of strings, got %s", what, v.Describe())
		return nil
	}
	out := make([]string, 0, len(v.Items))
	for _, item := range v.Items {
		if item.Kind != doctree.Scalar || item.IsNull() {
			im.report(sev, item.Pos, "%s must be a list of strings, got %s in it", what, item.Describe())
			continue
		}
		out = append(out, item.Text)
	}
	return out
}

// Property rules: how each property of a resource type is treated. The mapped ones are read
// by the type's importer; the rest must still leave a trace, so that nothing a template says
// is dropped without the user hearing of it.
const (
	mapped   = "="
	quiet    = "-" // labels (Description, Tags): nothing to serve
	noEffect = "~" // deploy-time concerns (IAM, tracing): listed in one warning per resource
)

type propRules map[string]string

// checkProps reports every property of r that the rules do not map.
func (im *importer) checkProps(r *resource, props *node, rules propRules) {
	var ignored []string
	var first apimodel.Position
	for _, p := range props.Pairs {
		rule, known := rules[p.Key]
		switch {
		case !known:
			im.warn(p.KeyPos, "%s: %s is not a property of %s that genkan knows; ignored", r.id, p.Key, r.typ)
		case rule == mapped || rule == quiet:
		case rule == noEffect:
			if len(ignored) == 0 {
				first = p.KeyPos
			}
			ignored = append(ignored, p.Key)
		default:
			im.warn(p.KeyPos, "%s: %s: %s", r.id, p.Key, rule)
		}
	}
	if len(ignored) > 0 {
		im.warn(first, "%s: %s %s no effect when genkan serves the template; ignored", r.id, strings.Join(ignored, ", "), plural(len(ignored), "has", "have"))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func sortWarnings(ws []apimodel.Warning) {
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i].Pos, ws[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}
