package sam

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Templates are read into a small tree of our own rather than decoded into structs: every
// value must keep its position for messages, CloudFormation's short-form tags (!Ref, !Sub…)
// must survive as tags, and a DefinitionBody is re-emitted for the OpenAPI importer.

type kind uint8

const (
	scalarNode kind = iota
	mapNode
	seqNode
)

// scalarType keeps YAML's distinction between "200" and 200; CloudFormation coerces both
// where it wants a number or a string, but JSON re-emitted for the OpenAPI importer should
// say what the template said.
type scalarType uint8

const (
	strScalar scalarType = iota
	intScalar
	floatScalar
	boolScalar
	nullScalar
)

type node struct {
	kind  kind
	typ   scalarType
	text  string // scalars as written, so that 1.0 stays "1.0"
	tag   string // a YAML tag such as !Sub, before intrinsics are resolved
	pairs []pair
	items []*node
	pos   apimodel.Position
}

type pair struct {
	key    string
	keyPos apimodel.Position
	val    *node
}

func (n *node) get(key string) (pair, bool) {
	if n == nil || n.kind != mapNode {
		return pair{}, false
	}
	for _, p := range n.pairs {
		if p.key == key {
			return p, true
		}
	}
	return pair{}, false
}

func (n *node) isNull() bool { return n == nil || (n.kind == scalarNode && n.typ == nullScalar) }

// describe names the shape of n for messages.
func (n *node) describe() string {
	switch {
	case n == nil || n.isNull():
		return "null"
	case n.kind == mapNode:
		return "an object"
	case n.kind == seqNode:
		return "a list"
	case n.typ == strScalar:
		return fmt.Sprintf("%q", n.text)
	}
	return n.text
}

func strNode(s string, pos apimodel.Position) *node {
	return &node{kind: scalarNode, typ: strScalar, text: s, pos: pos}
}

func mapOf(pos apimodel.Position, pairs ...pair) *node {
	return &node{kind: mapNode, pos: pos, pairs: pairs}
}

// Limits keep hostile input (deep nesting, huge documents) from exhausting the stack or
// memory; real templates are far below them.
const (
	maxDepth = 200
	maxNodes = 2_000_000
)

// parseDoc parses a JSON or YAML document. Duplicate keys are warnings, as CloudFormation
// keeps the last one rather than rejecting the template.
func parseDoc(data []byte, file string) (*node, []apimodel.Warning, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		if root, ws, err := parseJSON(data, file); !errors.Is(err, errNotJSON) {
			return root, ws, err
		}
	}
	return parseYAML(data, file)
}

type treeBuilder struct {
	file     string
	nodes    int
	warnings []apimodel.Warning
	colons   bool // "::" was hidden from the parser
}

// colonsStandIn hides "::" from the YAML parser, which splits a plain scalar such as
// AWS::Region at its colons inside a flow mapping ({Ref: AWS::Region}). Two private-use runes
// keep every column where it was.
const colonsStandIn = "\uE000\uE000"

func (b *treeBuilder) text(s string) string {
	if b.colons {
		return strings.ReplaceAll(s, colonsStandIn, "::")
	}
	return s
}

func parseYAML(data []byte, file string) (root *node, ws []apimodel.Warning, err error) {
	// goccy/go-yaml is not hardened against arbitrary input; its panic must fail this one
	// document rather than the process.
	defer func() {
		if r := recover(); r != nil {
			root, ws, err = nil, nil, apimodel.Problem{Pos: apimodel.Position{File: file}, Message: fmt.Sprintf("cannot parse the template: %v", r)}
		}
	}()
	b := &treeBuilder{file: file}
	if bytes.Contains(data, []byte("::")) && !bytes.Contains(data, []byte(colonsStandIn[:3])) {
		data = bytes.ReplaceAll(data, []byte("::"), []byte(colonsStandIn))
		b.colons = true
	}
	f, perr := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if perr != nil {
		p := yamlProblem(perr, file)
		p.Message = b.text(p.Message)
		return nil, nil, p
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if _, isComment := d.Body.(*ast.CommentGroupNode); isComment {
			continue
		}
		if body != nil {
			return nil, nil, b.fail(d.Body, "the file holds more than one YAML document; a template is one document")
		}
		body = d.Body
	}
	if body == nil {
		return nil, nil, apimodel.Problem{Pos: apimodel.Position{File: file}, Message: "the document is empty"}
	}
	root, err = b.build(body, 0)
	return root, b.warnings, err
}

func yamlProblem(err error, file string) apimodel.Problem {
	var ye yaml.Error
	if errors.As(err, &ye) {
		pos := apimodel.Position{File: file}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
		return apimodel.Problem{Pos: pos, Message: "invalid YAML: " + ye.GetMessage()}
	}
	return apimodel.Problem{Pos: apimodel.Position{File: file}, Message: "invalid YAML: " + err.Error()}
}

func (b *treeBuilder) pos(n ast.Node) apimodel.Position {
	p := apimodel.Position{File: b.file}
	if n == nil {
		return p
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	return p
}

func (b *treeBuilder) fail(n ast.Node, format string, args ...any) error {
	return apimodel.Problem{Pos: b.pos(n), Message: fmt.Sprintf(format, args...)}
}

func (b *treeBuilder) build(n ast.Node, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, b.fail(n, "the document nests deeper than %d levels", maxDepth)
	}
	if b.nodes++; b.nodes > maxNodes {
		return nil, b.fail(n, "the document has more than %d values", maxNodes)
	}
	scalar := func(t scalarType, text string) *node {
		return &node{kind: scalarNode, typ: t, text: b.text(text), pos: b.pos(n)}
	}
	switch n := n.(type) {
	case nil:
		return &node{kind: scalarNode, typ: nullScalar, pos: apimodel.Position{File: b.file}}, nil
	case *ast.DocumentNode:
		return b.build(n.Body, depth+1)
	case *ast.MappingNode:
		// A block mapping's token is its first ':'; it starts where its first key does.
		m := &node{kind: mapNode, pos: b.pos(n)}
		if len(n.Values) > 0 {
			m.pos = b.pos(n.Values[0].Key)
		}
		idx := map[string]int{}
		for _, mv := range n.Values {
			if err := b.addPair(m, idx, mv, depth); err != nil {
				return nil, err
			}
		}
		return m, nil
	case *ast.MappingValueNode:
		m := &node{kind: mapNode, pos: b.pos(n.Key)}
		if err := b.addPair(m, map[string]int{}, n, depth); err != nil {
			return nil, err
		}
		return m, nil
	case *ast.SequenceNode:
		s := &node{kind: seqNode, pos: b.pos(n), items: make([]*node, 0, len(n.Values))}
		for _, v := range n.Values {
			item, err := b.build(v, depth+1)
			if err != nil {
				return nil, err
			}
			s.items = append(s.items, item)
		}
		return s, nil
	case *ast.AnchorNode:
		// An anchor alone is harmless; only aliases, which CloudFormation rejects, are not.
		return b.build(n.Value, depth+1)
	case *ast.AliasNode:
		return nil, b.fail(n, "CloudFormation templates cannot use YAML aliases (*name)")
	case *ast.TagNode:
		return b.tagged(n, depth)
	case *ast.StringNode:
		return scalar(strScalar, n.Value), nil
	case *ast.LiteralNode:
		if n.Value == nil {
			return scalar(strScalar, ""), nil
		}
		return scalar(strScalar, n.Value.Value), nil
	case *ast.IntegerNode:
		return scalar(intScalar, n.Token.Value), nil
	case *ast.FloatNode:
		return scalar(floatScalar, n.Token.Value), nil
	case *ast.InfinityNode, *ast.NanNode:
		return scalar(floatScalar, n.GetToken().Value), nil
	case *ast.BoolNode:
		return scalar(boolScalar, n.Token.Value), nil
	case *ast.NullNode:
		return scalar(nullScalar, ""), nil
	case *ast.CommentGroupNode, *ast.CommentNode:
		return scalar(nullScalar, ""), nil
	}
	return nil, b.fail(n, "unsupported YAML construct (%s)", n.Type())
}

func (b *treeBuilder) tagged(n *ast.TagNode, depth int) (*node, error) {
	tag := n.Start.Value
	v, err := b.build(n.Value, depth+1)
	if err != nil {
		return nil, err
	}
	c := *v
	c.pos = b.pos(n)
	switch {
	case tag == "!!str":
		if c.kind == scalarNode {
			c.typ = strScalar
		}
	case strings.HasPrefix(tag, "!!"):
		// Other core-schema tags (!!int, !!map…) only restate what the value is.
	default:
		if _, ok := shortForms[tag]; !ok {
			return nil, b.fail(n, "unknown tag %s; CloudFormation's short forms are %s", tag, shortFormList())
		}
		c.tag = tag
	}
	return &c, nil
}

func (b *treeBuilder) addPair(m *node, idx map[string]int, mv *ast.MappingValueNode, depth int) error {
	if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
		return b.fail(mv.Key, "CloudFormation templates cannot use YAML merge keys (<<)")
	}
	keyNode := ast.Node(mv.Key)
	if k, ok := keyNode.(*ast.MappingKeyNode); ok {
		keyNode = k.Value
	}
	key, err := b.build(keyNode, depth+1)
	if err != nil {
		return err
	}
	if key.kind != scalarNode || key.tag != "" {
		return b.fail(keyNode, "mapping keys must be plain strings")
	}
	if err := b.checkEmptyTag(mv, key.pos); err != nil {
		return err
	}
	val, err := b.build(mv.Value, depth+1)
	if err != nil {
		return err
	}
	p := pair{key: key.text, keyPos: key.pos, val: val}
	if i, dup := idx[key.text]; dup {
		b.warnings = append(b.warnings, duplicateKey(key.text, key.pos, m.pairs[i].keyPos))
		m.pairs[i] = p
		return nil
	}
	idx[key.text] = len(m.pairs)
	m.pairs = append(m.pairs, p)
	return nil
}

func duplicateKey(key string, at, prev apimodel.Position) apimodel.Warning {
	return apimodel.Warning{Pos: at, Message: fmt.Sprintf("key %q is already defined at %s; CloudFormation keeps the last one, and so does genkan", key, prev)}
}

// checkEmptyTag catches "Key: !Ref" with nothing after it: the YAML parser then takes the
// following lines, indented no deeper than the key, as the tag's value.
func (b *treeBuilder) checkEmptyTag(mv *ast.MappingValueNode, keyPos apimodel.Position) error {
	t, ok := mv.Value.(*ast.TagNode)
	if !ok || t.Value == nil {
		return nil
	}
	tagPos, valPos := b.pos(t), b.pos(t.Value)
	if m, ok := t.Value.(*ast.MappingNode); ok && len(m.Values) > 0 {
		valPos = b.pos(m.Values[0].Key)
	}
	// A block sequence may sit at its key's indentation; a mapping never does.
	_, isSeq := t.Value.(*ast.SequenceNode)
	if valPos.Line > tagPos.Line && (valPos.Column < keyPos.Column || (!isSeq && valPos.Column == keyPos.Column)) {
		return apimodel.Problem{Pos: tagPos, Message: fmt.Sprintf("%s has no value", t.Start.Value)}
	}
	return nil
}
