package openapi

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

// The importer reads documents into its own small tree rather than into kin-openapi's typed
// model: AWS accepts documents that a typed decode rejects (a numeric info.version, servers
// written as a map), x-amazon-apigateway-any-method operations are opaque extensions to a
// typed model, and extension values must keep their positions down to every leaf.

type kind uint8

const (
	scalarNode kind = iota
	mapNode
	seqNode
)

// scalarType distinguishes quoted strings from numbers, booleans and null, because AWS treats
// them differently (an unquoted 200 is accepted as a status code, an unquoted true as a
// request parameter value is dropped).
type scalarType uint8

const (
	strScalar scalarType = iota
	intScalar
	floatScalar
	boolScalar
	nullScalar
)

type node struct {
	kind kind
	typ  scalarType
	// text is a scalar as written: numbers keep their spelling so that payloadFormatVersion 1.0
	// stays "1.0".
	text  string
	tag   string // YAML tag such as !Sub, kept to recognise CloudFormation short forms
	pairs []pair
	items []*node
	pos   apimodel.Position
}

type pair struct {
	key    string
	keyPos apimodel.Position
	val    *node
	merged bool // inherited through a YAML merge key (<<), so an explicit key may replace it
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

// describe names the shape of n for messages ("a list", "true", …).
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

// cfnShortForms are the YAML tags CloudFormation accepts for its intrinsic functions.
var cfnShortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition", "!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt",
	"!Join": "Fn::Join", "!Select": "Fn::Select", "!Split": "Fn::Split", "!If": "Fn::If",
	"!FindInMap": "Fn::FindInMap", "!ImportValue": "Fn::ImportValue", "!Base64": "Fn::Base64",
	"!Cidr": "Fn::Cidr", "!GetAZs": "Fn::GetAZs", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
	"!And": "Fn::And", "!Or": "Fn::Or", "!Transform": "Fn::Transform",
}

// intrinsic returns the CloudFormation function n stands for, if any. Documents meant for
// AWS::Include or a SAM DefinitionBody carry them, and only CloudFormation can resolve them.
func (n *node) intrinsic() string {
	if n == nil {
		return ""
	}
	if name, ok := cfnShortForms[n.tag]; ok {
		return name
	}
	if n.kind == mapNode && len(n.pairs) == 1 {
		if k := n.pairs[0].key; k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k
		}
	}
	return ""
}

// Limits keep hostile or broken input (deep nesting, alias bombs) from exhausting the stack or
// memory; real API definitions are far below them.
const (
	maxDepth = 256
	maxNodes = 2_000_000
)

type treeBuilder struct {
	file    string
	anchors map[string]*node
	nodes   int
	// keys indexes the pairs of keysOf, the large mapping being built.
	keysOf *node
	keys   map[string]int
}

// parseTree parses a JSON or YAML document; JSON that encoding/json rejects is given to the
// YAML parser, whose flow style may still read it.
func parseTree(data []byte, file string) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		if root, err := parseJSONTree(data, file); !errors.Is(err, errNotJSON) {
			return root, err
		}
	}
	return parseYAMLTree(data, file)
}

func parseYAMLTree(data []byte, file string) (root *node, err error) {
	// goccy/go-yaml is not hardened against arbitrary input; a panic in it must become an
	// error for the one document, not take the process down.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, apimodel.Problem{Pos: apimodel.Position{File: file}, Message: fmt.Sprintf("cannot parse the document: %v", r)}
		}
	}()
	f, perr := parser.ParseBytes(data, 0)
	if perr != nil {
		return nil, yamlProblem(perr, file)
	}
	b := &treeBuilder{file: file, anchors: map[string]*node{}}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			return nil, apimodel.Problem{Pos: b.pos(d.Body), Message: "the file holds more than one YAML document; an OpenAPI definition is one document"}
		}
		body = d.Body
	}
	if body == nil {
		return nil, apimodel.Problem{Pos: apimodel.Position{File: file}, Message: "the document is empty"}
	}
	return b.build(body, 0)
}

func yamlProblem(err error, file string) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		pos := apimodel.Position{File: file}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
		return apimodel.Problem{Pos: pos, Message: "invalid JSON/YAML: " + ye.GetMessage()}
	}
	return apimodel.Problem{Pos: apimodel.Position{File: file}, Message: "invalid JSON/YAML: " + err.Error()}
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
		return &node{kind: scalarNode, typ: t, text: text, pos: b.pos(n)}
	}
	switch n := n.(type) {
	case nil:
		return &node{kind: scalarNode, typ: nullScalar, pos: apimodel.Position{File: b.file}}, nil
	case *ast.DocumentNode:
		return b.build(n.Body, depth+1)
	case *ast.MappingNode:
		// A block mapping's own token is its first ':'; its first key is where it starts.
		m := &node{kind: mapNode, pos: b.pos(n)}
		if len(n.Values) > 0 {
			m.pos = b.pos(n.Values[0].Key)
		}
		for _, mv := range n.Values {
			if err := b.addPair(m, mv, depth); err != nil {
				return nil, err
			}
		}
		return m, nil
	case *ast.MappingValueNode:
		m := &node{kind: mapNode, pos: b.pos(n.Key)}
		if err := b.addPair(m, n, depth); err != nil {
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
		v, err := b.build(n.Value, depth+1)
		if err != nil {
			return nil, err
		}
		if n.Name != nil {
			b.anchors[n.Name.GetToken().Value] = v
		}
		return v, nil
	case *ast.AliasNode:
		// Aliases share the anchored node instead of copying it, so an alias bomb stays small;
		// everything that walks the tree must therefore tolerate shared subtrees.
		name := ""
		if n.Value != nil {
			name = n.Value.GetToken().Value
		}
		v, ok := b.anchors[name]
		if !ok {
			return nil, b.fail(n, "alias *%s refers to no anchor defined before it", name)
		}
		return v, nil
	case *ast.TagNode:
		v, err := b.build(n.Value, depth+1)
		if err != nil {
			return nil, err
		}
		c := *v
		c.tag = n.Start.Value
		c.pos = b.pos(n)
		if c.kind == scalarNode && c.tag == "!!str" {
			c.typ = strScalar
		}
		return &c, nil
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
	case *ast.InfinityNode:
		return scalar(floatScalar, n.Token.Value), nil
	case *ast.NanNode:
		return scalar(floatScalar, n.Token.Value), nil
	case *ast.BoolNode:
		return scalar(boolScalar, n.Token.Value), nil
	case *ast.NullNode:
		return scalar(nullScalar, ""), nil
	case *ast.CommentGroupNode, *ast.CommentNode:
		return scalar(nullScalar, ""), nil
	}
	return nil, b.fail(n, "unsupported YAML construct (%s)", n.Type())
}

func (b *treeBuilder) addPair(m *node, mv *ast.MappingValueNode, depth int) error {
	if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
		return b.merge(m, mv, depth)
	}
	keyNode := ast.Node(mv.Key)
	if k, ok := keyNode.(*ast.MappingKeyNode); ok {
		keyNode = k.Value
	}
	key, err := b.build(keyNode, depth+1)
	if err != nil {
		return err
	}
	if key.kind != scalarNode {
		return b.fail(keyNode, "mapping keys must be strings")
	}
	val, err := b.build(mv.Value, depth+1)
	if err != nil {
		return err
	}
	if i, dup := b.index(m, key.text); dup {
		if !m.pairs[i].merged {
			return b.fail(keyNode, "key %q is already defined at %s", key.text, m.pairs[i].keyPos)
		}
		m.pairs[i] = pair{key: key.text, keyPos: key.pos, val: val}
		return nil
	}
	m.pairs = append(m.pairs, pair{key: key.text, keyPos: key.pos, val: val})
	return nil
}

// index finds key among the pairs built so far. Large mappings (paths of a big API) get a map
// so that building stays linear.
func (b *treeBuilder) index(m *node, key string) (int, bool) {
	if len(m.pairs) < 32 {
		for i, p := range m.pairs {
			if p.key == key {
				return i, true
			}
		}
		return 0, false
	}
	if b.keys == nil || b.keysOf != m {
		b.keysOf, b.keys = m, make(map[string]int, len(m.pairs))
		for i, p := range m.pairs {
			b.keys[p.key] = i
		}
	}
	i, ok := b.keys[key]
	if !ok {
		b.keys[key] = len(m.pairs)
	}
	return i, ok
}

// merge applies a YAML merge key (<<: *base), which some hand-written definitions use to share
// integration settings.
func (b *treeBuilder) merge(m *node, mv *ast.MappingValueNode, depth int) error {
	src, err := b.build(mv.Value, depth+1)
	if err != nil {
		return err
	}
	sources := []*node{src}
	if src.kind == seqNode {
		sources = src.items
	}
	for _, s := range sources {
		if s.kind != mapNode {
			return b.fail(mv.Value, "the merge key << needs a mapping or a list of mappings")
		}
		for _, p := range s.pairs {
			if _, exists := m.get(p.key); exists {
				continue
			}
			p.merged = true
			m.pairs = append(m.pairs, p)
			if b.keysOf == m {
				b.keysOf = nil // rebuilt on the next lookup
			}
		}
	}
	return nil
}
