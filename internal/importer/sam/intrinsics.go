package sam

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
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
	if n.tag != "" {
		c := *n
		c.tag = ""
		return shortForms[n.tag], &c, true
	}
	if n.kind == mapNode && len(n.pairs) == 1 {
		if k := n.pairs[0].key; k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, n.pairs[0].val, true
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
	case arg.kind == scalarNode:
		s := arg.text
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return fn + " " + s
	case fn == "Fn::GetAtt" && arg.kind == seqNode && len(arg.items) == 2 && arg.items[0].kind == scalarNode && arg.items[1].kind == scalarNode:
		return fn + " " + arg.items[0].text + "." + arg.items[1].text
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
		return nil, cannot(n.pos, "intrinsic", "intrinsic functions nest deeper than %d levels", maxEvalDepth)
	}
	if fn, arg, ok := call(n); ok {
		return im.apply(fn, arg, n.pos, depth+1)
	}
	switch n.kind {
	case mapNode:
		out := &node{kind: mapNode, pos: n.pos, pairs: make([]pair, 0, len(n.pairs))}
		// Plain structure does not count toward the depth: the parser bounds it already.
		for _, p := range n.pairs {
			v, err := im.eval(p.val, depth)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out.pairs = append(out.pairs, pair{key: p.key, keyPos: p.keyPos, val: v})
			}
		}
		return out, nil
	case seqNode:
		out := &node{kind: seqNode, pos: n.pos, items: make([]*node, 0, len(n.items))}
		for _, item := range n.items {
			v, err := im.eval(item, depth)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out.items = append(out.items, v)
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
			if doc, err := im.include(arg, n.pos); err == nil {
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
	switch n.kind {
	case mapNode:
		out := &node{kind: mapNode, pos: n.pos, pairs: make([]pair, 0, len(n.pairs))}
		for _, p := range n.pairs {
			if v := im.partial(p.val, why, depth+1); v != nil {
				out.pairs = append(out.pairs, pair{key: p.key, keyPos: p.keyPos, val: v})
			}
		}
		return out
	case seqNode:
		out := &node{kind: seqNode, pos: n.pos, items: make([]*node, 0, len(n.items))}
		for _, item := range n.items {
			if v := im.partial(item, why, depth+1); v != nil {
				out.items = append(out.items, v)
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
		if arg.kind != scalarNode || arg.isNull() {
			return nil, cannot(pos, expr, "Ref takes the name of a parameter or resource, got %s", arg.describe())
		}
		return im.ref(arg.text, pos, expr, depth)
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
		if v == nil || v.kind != seqNode {
			return nil, cannot(pos, expr, "Fn::Length takes a list, got %s", v.describe())
		}
		return &node{kind: scalarNode, typ: intScalar, text: strconv.Itoa(len(v.items)), pos: pos}, nil
	case "Fn::ToJsonString":
		v, err := im.eval(arg, depth)
		if err != nil {
			return nil, err
		}
		return strNode(compactJSON(v), pos), nil
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		b, err := im.evalCondition(&node{kind: mapNode, pos: pos, pairs: []pair{{key: fn, keyPos: pos, val: arg}}}, depth)
		if err != nil {
			return nil, err
		}
		return &node{kind: scalarNode, typ: boolScalar, text: strconv.FormatBool(b), pos: pos}, nil
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
	if v == nil || v.kind != scalarNode || v.isNull() {
		return "", cannot(pos, expr, "expected a string, got %s", v.describe())
	}
	return v.text, nil
}

func (im *importer) evalList(n *node, pos apimodel.Position, expr string, depth int) ([]*node, error) {
	v, err := im.eval(n, depth)
	if err != nil {
		return nil, err
	}
	if v == nil || v.kind != seqNode {
		return nil, cannot(pos, expr, "expected a list, got %s", v.describe())
	}
	return v.items, nil
}

func args(arg *node, pos apimodel.Position, expr string, min, max int) ([]*node, error) {
	if arg == nil || arg.kind != seqNode || len(arg.items) < min || len(arg.items) > max {
		if min == max {
			return nil, cannot(pos, expr, "expected a list of %d values", min)
		}
		return nil, cannot(pos, expr, "expected a list of %d to %d values", min, max)
	}
	return arg.items, nil
}

func (im *importer) fnGetAtt(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	var id, attr string
	switch {
	case arg.kind == scalarNode && !arg.isNull():
		var ok bool
		if id, attr, ok = strings.Cut(arg.text, "."); !ok {
			return nil, cannot(pos, expr, "Fn::GetAtt takes Resource.Attribute")
		}
	case arg.kind == seqNode && len(arg.items) == 2 && arg.items[0].kind == scalarNode:
		id = arg.items[0].text
		a, err := im.evalString(arg.items[1], pos, expr, depth)
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
	if arg.kind == seqNode {
		items, err := args(arg, pos, "Fn::Sub", 2, 2)
		if err != nil {
			return nil, err
		}
		tmpl, vars = items[0], items[1]
		if vars.kind != mapNode {
			return nil, cannot(pos, expr, "the second value of Fn::Sub is a map of variables, got %s", vars.describe())
		}
	}
	if tmpl.kind != scalarNode || tmpl.isNull() || tmpl.tag != "" {
		return nil, cannot(pos, expr, "Fn::Sub takes a string, got %s", tmpl.describe())
	}
	s, err := im.sub(tmpl.text, vars, pos, depth)
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
		if p, ok := vars.get(name); ok {
			v, err = im.eval(p.val, depth+1)
		} else if id, attr, ok := strings.Cut(name, "."); ok {
			v, err = im.getAtt(id, attr, pos, expr, depth+1)
		} else {
			v, err = im.ref(name, pos, expr, depth+1)
		}
		if err != nil {
			return "", err
		}
		if v == nil || v.kind != scalarNode || v.isNull() {
			return "", cannot(pos, expr, "Fn::Sub needs a string here, got %s", v.describe())
		}
		b.WriteString(v.text)
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
		if item.kind != scalarNode || item.isNull() {
			return nil, cannot(pos, expr, "Fn::Join joins strings, got %s", item.describe())
		}
		parts[i] = item.text
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
	out := &node{kind: seqNode, pos: pos}
	for _, s := range strings.Split(src, delim) {
		out.items = append(out.items, strNode(s, pos))
	}
	return out, nil
}

func (im *importer) fnIf(arg *node, pos apimodel.Position, expr string, depth int) (*node, error) {
	items, err := args(arg, pos, expr, 3, 3)
	if err != nil {
		return nil, err
	}
	if items[0].kind != scalarNode || items[0].isNull() {
		return nil, cannot(pos, expr, "the first value of Fn::If is a condition name, got %s", items[0].describe())
	}
	name := items[0].text
	ok, cerr := im.conditionNamed(name, items[0].pos, depth)
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
	if top, ok := im.mappings.get(keys[0]); ok {
		if second, ok := top.val.get(keys[1]); ok {
			if v, ok := second.val.get(keys[2]); ok {
				return im.eval(v.val, depth)
			}
		}
	}
	if len(items) == 4 {
		if d, ok := items[3].get("DefaultValue"); ok {
			return im.eval(d.val, depth)
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
		case n == nil || n.isNull():
			b.WriteString("null")
		case n.kind == mapNode:
			b.WriteByte('{')
			for i, p := range n.pairs {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(jsonString(p.key))
				b.WriteByte(':')
				write(p.val)
			}
			b.WriteByte('}')
		case n.kind == seqNode:
			b.WriteByte('[')
			for i, item := range n.items {
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
