package sam

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// shortForms are the YAML tags CloudFormation accepts for its intrinsic functions.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt",
	"!Join": "Fn::Join", "!Select": "Fn::Select", "!Split": "Fn::Split", "!If": "Fn::If",
	"!FindInMap": "Fn::FindInMap", "!ImportValue": "Fn::ImportValue", "!Base64": "Fn::Base64",
	"!Cidr": "Fn::Cidr", "!GetAZs": "Fn::GetAZs", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
	"!And": "Fn::And", "!Or": "Fn::Or", "!Transform": "Fn::Transform", "!Length": "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

func shortFormList() string {
	tags := make([]string, 0, len(shortForms))
	for t := range shortForms {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return strings.Join(tags, ", ")
}

// maxEvalDepth bounds how deeply intrinsics may nest (and how long a chain of references
// may be), so that a hostile template cannot exhaust the stack; maxEvals bounds the work,
// since references may fan out (a Join of FindInMaps whose values are Joins…).
const (
	maxEvalDepth = 64
	maxEvals     = 250_000
)

// call returns the intrinsic function n stands for, in its long name, and its argument.
// "Condition" only counts inside condition functions, where evalCondition handles it: as a
// key among others it is a resource attribute or part of an IAM policy.
func call(n *node) (fn string, arg *node, ok bool) {
	if n == nil {
		return "", nil, false
	}
	if n.Tag != "" {
		c := *n
		c.Tag = ""
		return shortForms[n.Tag], &c, true
	}
	if n.Kind == doctree.Map && len(n.Pairs) == 1 {
		if k := n.Pairs[0].Key; k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, n.Pairs[0].Val, true
		}
	}
	return "", nil, false
}

// unresolved is an intrinsic that genkan cannot evaluate, with the reason.
type unresolved struct {
	pos    apimodel.Position
	expr   string // as the template wrote it: "Ref Param", "Fn::GetAtt Table.Arn", "${X.Arn}"
	reason string
}

func (u *unresolved) Error() string { return u.expr + ": " + u.reason }

func cannot(pos apimodel.Position, expr, format string, args ...any) *unresolved {
	return &unresolved{pos: pos, expr: expr, reason: fmt.Sprintf(format, args...)}
}

// describeCall renders an intrinsic for messages.
func describeCall(fn string, arg *node) string {
	switch {
	case arg == nil:
		return fn
	case arg.Kind == doctree.Scalar:
		s := arg.Text
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return fn + " " + s
	case fn == "Fn::GetAtt" && arg.Kind == doctree.Seq && len(arg.Items) == 2 && arg.Items[0].Kind == doctree.Scalar && arg.Items[1].Kind == doctree.Scalar:
		return fn + " " + arg.Items[0].Text + "." + arg.Items[1].Text
	}
	return fn
}

// resolve evaluates every intrinsic in n and returns a copy without any. A nil node with a nil
// error is AWS::NoValue: the caller drops the property or item that held it.
func (im *importer) resolve(n *node) (*node, error) { return im.eval(n, 0) }

func (im *importer) eval(n *node, depth int) (*node, error) {
	if n == nil {
		return nil, nil
	}
	if depth > maxEvalDepth {
		return nil, cannot(n.Pos, "intrinsic", "intrinsic functions nest deeper than %d levels", maxEvalDepth)
	}
	if fn, arg, ok := call(n); ok {
		return im.apply(fn, arg, n.Pos, depth+1)
	}
	switch n.Kind {
	case doctree.Map:
		out := &node{Kind: doctree.Map, Pos: n.Pos, Pairs: make([]pair, 0, len(n.Pairs))}
		// Plain structure does not count toward the depth: the parser bounds it already.
		for _, p := range n.Pairs {
			v, err := im.eval(p.Val, depth)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out.Pairs = append(out.Pairs, pair{Key: p.Key, KeyPos: p.KeyPos, Val: v})
			}
		}
		return out, nil
	case doctree.Seq:
		out := &node{Kind: doctree.Seq, Pos: n.Pos, Items: make([]*node, 0, len(n.Items))}
		for _, item := range n.Items {
			v, err := im.eval(item, depth)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out.Items = append(out.Items, v)
			}
		}
		return out, nil
	}
	return n, nil
}

// partial resolves what it can and leaves unresolvable intrinsics in place, noting why in
// why. It is for documents handed on to the OpenAPI importer, which reports an intrinsic
// only where it reads the value: an unresolvable Ref inside a resource policy that genkan
// ignores anyway must not fail the import.
func (im *importer) partial(n *node, why map[*node]string, depth int) *node {
	if n == nil || depth > maxDepth {
		return n
	}
	if fn, arg, ok := call(n); ok {
		if fn == "Fn::Transform" {
			if doc, err := im.include(arg, n.Pos); err == nil {
				return im.partial(doc, why, depth+1)
			} else if err != errNotInclude {
				why[n] = err.Error()
				return n
			}
		}
		v, err := im.eval(n, 0)
		if err != nil {
			why[n] = err.Error()
			return n
		}
		return v
	}
	switch n.Kind {
	case doctree.Map:
		out := &node{Kind: doctree.Map, Pos: n.Pos, Pairs: make([]pair, 0, len(n.Pairs))}
		for _, p := range n.Pairs {
			if v := im.partial(p.Val, why, depth+1); v != nil {
				out.Pairs = append(out.Pairs, pair{Key: p.Key, KeyPos: p.KeyPos, Val: v})
			}
		}
		return out
	case doctree.Seq:
		out := &node{Kind: doctree.Seq, Pos: n.Pos, Items: make([]*node, 0, len(n.Items))}
		for _, item := range n.Items {
			if v := im.partial(item, why, depth+1); v != nil {
				out.Items = append(out.Items, v)
			}
		}
		return out
	}
	return n
}

func (im *importer) apply(fn string, arg *node, pos apimodel.Position, depth int) (*node, error) {
	expr := describeCall(fn, arg)
	if im.evals++; im.evals > maxEvals {
		return nil, cannot(pos, expr, "the template takes more than %d intrinsic function evaluations", maxEvals)
	}
	switch fn {
	case "Ref":
		if arg.Kind != doctree.Scalar || arg.IsNull() {
			return nil, cannot(pos, expr, "Ref takes the name of a parameter or resource, got %s", arg.Describe())
		}
		return im.ref(arg.Text, pos, expr, depth)
	case "Fn::GetAtt":
		return im.fnGetAtt(arg, pos, expr, depth)
	case "Fn::Sub":
		return im.fnSub(arg, pos, expr, depth)
	case "Fn::Join":
		return im.fnJoin(arg, pos, expr, depth)
	case "Fn::Select":
		return im.fnSelect(arg, pos, expr, depth)
	case "Fn::Split":
		return im.fnSplit(arg, pos, expr, depth)
	case "Fn::If":
		return im.fnIf(arg, pos, expr, depth)
	case "Fn::FindInMap":
		return im.fnFindInMap(arg, pos, expr, depth)
	case "Fn::Base64":
		s, err := im.evalString(arg, pos, expr, depth)
		if err != nil {
			return nil, err
		}
		return strNode(base64.StdEncoding.EncodeToString([]byte(s)), pos), nil
	case "Fn::Length":
		v, err := im.eval(arg, depth)
		if err != nil {
			return nil, err
		}
		if v == nil || v.Kind != doctree.Seq {
			return nil, cannot(pos, expr, "Fn::Length takes a list, got %s", v.Describe())
		}
		return &node{Kind: doctree.Scalar, Type: doctree.Int, Text: strconv.Itoa(len(v.Items)), Pos: pos}, nil
	case "Fn::ToJsonString":
		v, err := im.eval(arg, depth)
		if err != nil {
			return nil, err
		}
		return strNode(compactJSON(v), pos), nil
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		b, err := im.evalCondition(&node{Kind: doctree.Map, Pos: pos, Pairs: []pair{{Key: fn, KeyPos: pos, Val: arg}}}, depth)
		if err != nil {
			return nil, err
		}
		return &node{Kind: doctree.Scalar, Type: doctree.Bool, Text: strconv.FormatBool(b), Pos: pos}, nil
	case "Fn::Transform":
		doc, err := im.include(arg, pos)
		if err == errNotInclude {
			return nil, cannot(pos, expr, "macros other than AWS::Include run only in CloudFormation")
		}
		if err != nil {
			return nil, err
		}
		return im.eval(doc, depth)
	case "Fn::ImportValue":
		return nil, cannot(pos, expr, "it reads an export of another stack, which genkan cannot see")
	case "Fn::Cidr", "Fn::GetAZs":
		return nil, cannot(pos, expr, "genkan does not compute %s", fn)
	}
	return nil, cannot(pos, expr, "%s is not a CloudFormation intrinsic function", fn)
}

// evalString evaluates n to a scalar's text. Numbers and booleans count, as CloudFormation
// turns them into strings where it wants one.
func (im *importer) evalString(n *node, pos apimodel.Position, expr string, depth int) (string, error) {
	v, err := im.eval(n, depth)
	if err != nil {
		return "", err
	}
	if v == nil || v.Kind != doctree.Scalar || v.IsNull() {
		return "", cannot(pos, expr, "expected a string, got %s", v.Describe())
	}
	return v.Text, nil
}

func (im *importer) evalList(n *node, pos apimodel.Position, expr string, depth int) ([]*node, error) {
	v, err := im.eval(n, depth)
	if err != nil {
		return nil, err
	}
	if v == nil || v.Kind != doctree.Seq {
		return nil, cannot(pos, expr, "expected a list, got %s", v.Describe())
	}
	return v.Items, nil
}

func args(arg *node, pos apimodel.Position, expr string, min, max int) ([]*node, error) {
	if arg == nil || arg.Kind != doctree.Seq || len(arg.Items) < min || len(arg.Items) > max {
		if min == max {
			return nil, cannot(pos, expr, "expected a list of %d values", min)
		}
		return nil, cannot(pos, expr, "expected a list of %d to %d values", min, max)
	}
	return arg.Items, nil
}

func (im *importer) fnGetAtt(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	var id, attr string
	switch {
	case arg.Kind == doctree.Scalar && !arg.IsNull():
		var ok bool
		if id, attr, ok = strings.Cut(arg.Text, "."); !ok {
			return nil, cannot(pos, expr, "Fn::GetAtt takes Resource.Attribute")
		}
	case arg.Kind == doctree.Seq && len(arg.Items) == 2 && arg.Items[0].Kind == doctree.Scalar:
		id = arg.Items[0].Text
		a, err := im.evalString(arg.Items[1], pos, expr, depth)
		if err != nil {
			return nil, err
		}
		attr = a
	default:
		return nil, cannot(pos, expr, "Fn::GetAtt takes [Resource, Attribute] or Resource.Attribute")
	}
	return im.getAtt(id, attr, pos, expr, depth)
}

func (im *importer) fnSub(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	tmpl := arg
	var vars *node
	if arg.Kind == doctree.Seq {
		items, err := args(arg, pos, "Fn::Sub", 2, 2)
		if err != nil {
			return nil, err
		}
		tmpl, vars = items[0], items[1]
		if vars.Kind != doctree.Map {
			return nil, cannot(pos, expr, "the second value of Fn::Sub is a map of variables, got %s", vars.Describe())
		}
	}
	if tmpl.Kind != doctree.Scalar || tmpl.IsNull() || tmpl.Tag != "" {
		return nil, cannot(pos, expr, "Fn::Sub takes a string, got %s", tmpl.Describe())
	}
	s, err := im.sub(tmpl.Text, vars, pos, depth)
	if err != nil {
		return nil, err
	}
	return strNode(s, pos), nil
}

// sub substitutes ${Name}, ${Resource.Attribute} and the variables of the two-argument form;
// ${!Literal} writes ${Literal}.
func (im *importer) sub(tmpl string, vars *node, pos apimodel.Position, depth int) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), nil
		}
		b.WriteString(tmpl[:i])
		rest := tmpl[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			b.WriteString(tmpl[i:])
			return b.String(), nil
		}
		name := rest[:j]
		tmpl = rest[j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		name = strings.TrimSpace(name)
		expr := "${" + name + "}"
		var v *node
		var err error
		if p, ok := vars.Get(name); ok {
			v, err = im.eval(p.Val, depth+1)
		} else if id, attr, ok := strings.Cut(name, "."); ok {
			v, err = im.getAtt(id, attr, pos, expr, depth+1)
		} else {
			v, err = im.ref(name, pos, expr, depth+1)
		}
		if err != nil {
			return "", err
		}
		if v == nil || v.Kind != doctree.Scalar || v.IsNull() {
			return "", cannot(pos, expr, "Fn::Sub needs a string here, got %s", v.Describe())
		}
		b.WriteString(v.Text)
	}
}

func (im *importer) fnJoin(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	items, err := args(arg, pos, expr, 2, 2)
	if err != nil {
		return nil, err
	}
	delim, err := im.evalString(items[0], pos, expr, depth)
	if err != nil {
		return nil, err
	}
	list, err := im.evalList(items[1], pos, expr, depth)
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(list))
	for i, item := range list {
		if item.Kind != doctree.Scalar || item.IsNull() {
			return nil, cannot(pos, expr, "Fn::Join joins strings, got %s", item.Describe())
		}
		parts[i] = item.Text
	}
	return strNode(strings.Join(parts, delim), pos), nil
}

func (im *importer) fnSelect(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	items, err := args(arg, pos, expr, 2, 2)
	if err != nil {
		return nil, err
	}
	is, err := im.evalString(items[0], pos, expr, depth)
	if err != nil {
		return nil, err
	}
	idx, err := strconv.Atoi(is)
	if err != nil {
		return nil, cannot(pos, expr, "Fn::Select needs a whole number index, got %q", is)
	}
	list, err := im.evalList(items[1], pos, expr, depth)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= len(list) {
		return nil, cannot(pos, expr, "index %d is outside the list of %d values", idx, len(list))
	}
	return list[idx], nil
}

func (im *importer) fnSplit(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	items, err := args(arg, pos, expr, 2, 2)
	if err != nil {
		return nil, err
	}
	delim, err := im.evalString(items[0], pos, expr, depth)
	if err != nil {
		return nil, err
	}
	src, err := im.evalString(items[1], pos, expr, depth)
	if err != nil {
		return nil, err
	}
	if delim == "" {
		return nil, cannot(pos, expr, "Fn::Split needs a delimiter")
	}
	out := &node{Kind: doctree.Seq, Pos: pos}
	for _, s := range strings.Split(src, delim) {
		out.Items = append(out.Items, strNode(s, pos))
	}
	return out, nil
}

func (im *importer) fnIf(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	items, err := args(arg, pos, expr, 3, 3)
	if err != nil {
		return nil, err
	}
	if items[0].Kind != doctree.Scalar || items[0].IsNull() {
		return nil, cannot(pos, expr, "the first value of Fn::If is a condition name, got %s", items[0].Describe())
	}
	name := items[0].Text
	ok, cerr := im.conditionNamed(name, items[0].Pos, depth)
	if cerr != nil {
		// Taking a branch keeps the template usable; the warning says which one was taken.
		if !im.ifWarned[pos] {
			im.ifWarned[pos] = true
			im.warn(pos, "Fn::If: condition %s cannot be evaluated (%v); genkan takes the first branch", name, cerr)
		}
		ok = true
	}
	if ok {
		return im.eval(items[1], depth)
	}
	return im.eval(items[2], depth)
}

func (im *importer) fnFindInMap(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	items, err := args(arg, pos, expr, 3, 4)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 3)
	for i := range keys {
		if keys[i], err = im.evalString(items[i], pos, expr, depth); err != nil {
			return nil, err
		}
	}
	if top, ok := im.mappings.Get(keys[0]); ok {
		if second, ok := top.Val.Get(keys[1]); ok {
			if v, ok := second.Val.Get(keys[2]); ok {
				return im.eval(v.Val, depth)
			}
		}
	}
	if len(items) == 4 {
		if d, ok := items[3].Get("DefaultValue"); ok {
			return im.eval(d.Val, depth)
		}
	}
	return nil, cannot(pos, expr, "Mappings has no %s.%s.%s", keys[0], keys[1], keys[2])
}

// compactJSON renders a resolved value for Fn::ToJsonString, keeping the template's key order.
func compactJSON(n *node) string {
	var b strings.Builder
	var write func(n *node)
	write = func(n *node) {
		switch {
		case n == nil || n.IsNull():
			b.WriteString("null")
		case n.Kind == doctree.Map:
			b.WriteByte('{')
			for i, p := range n.Pairs {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(jsonString(p.Key))
				b.WriteByte(':')
				write(p.Val)
			}
			b.WriteByte('}')
		case n.Kind == doctree.Seq:
			b.WriteByte('[')
			for i, item := range n.Items {
				if i > 0 {
					b.WriteByte(',')
				}
				write(item)
			}
			b.WriteByte(']')
		default:
			b.WriteString(scalarJSON(n))
		}
	}
	write(n)
	return b.String()
}
