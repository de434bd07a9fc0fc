package doctree

import (
	"errors"
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/genkanhq/genkan/internal/apimodel"
)

type treeBuilder struct {
	o        *Options
	file     string
	anchors  map[string]*Node
	nodes    int
	warnings []apimodel.Warning
	// keys indexes the pairs of keysOf, the large mapping being built.
	keysOf *Node
	keys   map[string]int
}

// ParseYAML reads a YAML document with goccy/go-yaml.
func ParseYAML(data []byte, file string, o *Options) (root *Node, ws []apimodel.Warning, err error) {
	// goccy/go-yaml is not hardened against arbitrary input; a panic in it must become an
	// error for the one document, not take the process down.
	defer func() {
		if r := recover(); r != nil {
			root, ws, err = nil, nil, apimodel.Problem{Pos: apimodel.Position{File: file}, Message: fmt.Sprintf("cannot parse the %s: %v", o.Noun, r)}
		}
	}()
	b := &treeBuilder{o: o, file: file, anchors: map[string]*Node{}}
	var popts []parser.Option
	if o.DuplicateKey != nil {
		popts = append(popts, parser.AllowDuplicateMapKey())
	}
	f, perr := parser.ParseBytes(data, 0, popts...)
	if perr != nil {
		p := yamlProblem(perr, file, o.SyntaxPrefix)
		p.Message = b.text(p.Message)
		return nil, nil, p
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if _, isComment := d.Body.(*ast.CommentGroupNode); isComment && o.SkipCommentDocs {
			continue
		}
		if body != nil {
			return nil, nil, b.fail(d.Body, "%s", o.MultiDoc)
		}
		body = d.Body
	}
	if body == nil {
		return nil, nil, apimodel.Problem{Pos: apimodel.Position{File: file}, Message: "the document is empty"}
	}
	root, err = b.build(body, 0)
	return root, b.warnings, err
}

func yamlProblem(err error, file, prefix string) apimodel.Problem {
	var ye yaml.Error
	if errors.As(err, &ye) {
		pos := apimodel.Position{File: file}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Column = tk.Position.Line, tk.Position.Column
		}
		return apimodel.Problem{Pos: pos, Message: prefix + ye.GetMessage()}
	}
	return apimodel.Problem{Pos: apimodel.Position{File: file}, Message: prefix + err.Error()}
}

func (b *treeBuilder) text(s string) string {
	if b.o.Text != nil {
		return b.o.Text(s)
	}
	return s
}

// PosOf returns where the YAML node n starts in file.
func PosOf(file string, n ast.Node) apimodel.Position {
	p := apimodel.Position{File: file}
	if n == nil {
		return p
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		p.Line, p.Column = tk.Position.Line, tk.Position.Column
	}
	return p
}

func (b *treeBuilder) pos(n ast.Node) apimodel.Position { return PosOf(b.file, n) }

func (b *treeBuilder) fail(n ast.Node, format string, args ...any) error {
	return apimodel.Problem{Pos: b.pos(n), Message: fmt.Sprintf(format, args...)}
}

func (b *treeBuilder) build(n ast.Node, depth int) (*Node, error) {
	if depth > b.o.MaxDepth {
		return nil, b.fail(n, "the document nests deeper than %d levels", b.o.MaxDepth)
	}
	if b.nodes++; b.nodes > maxNodes {
		return nil, b.fail(n, "the document has more than %d values", maxNodes)
	}
	scalar := func(t ScalarType, text string) *Node {
		return &Node{Kind: Scalar, Type: t, Text: b.text(text), Pos: b.pos(n)}
	}
	switch n := n.(type) {
	case nil:
		return &Node{Kind: Scalar, Type: Null, Pos: apimodel.Position{File: b.file}}, nil
	case *ast.DocumentNode:
		return b.build(n.Body, depth+1)
	case *ast.MappingNode:
		// A block mapping's own token is its first ':'; its first key is where it starts.
		m := &Node{Kind: Map, Pos: b.pos(n)}
		if len(n.Values) > 0 {
			m.Pos = b.pos(n.Values[0].Key)
		}
		for _, mv := range n.Values {
			if err := b.addPair(m, mv, depth); err != nil {
				return nil, err
			}
		}
		return m, nil
	case *ast.MappingValueNode:
		m := &Node{Kind: Map, Pos: b.pos(n.Key)}
		if err := b.addPair(m, n, depth); err != nil {
			return nil, err
		}
		return m, nil
	case *ast.SequenceNode:
		s := &Node{Kind: Seq, Pos: b.pos(n), Items: make([]*Node, 0, len(n.Values))}
		for _, v := range n.Values {
			item, err := b.build(v, depth+1)
			if err != nil {
				return nil, err
			}
			s.Items = append(s.Items, item)
		}
		return s, nil
	case *ast.AnchorNode:
		v, err := b.build(n.Value, depth+1)
		if err != nil {
			return nil, err
		}
		if n.Name != nil && b.o.NoAliases == "" {
			b.anchors[n.Name.GetToken().Value] = v
		}
		return v, nil
	case *ast.AliasNode:
		if b.o.NoAliases != "" {
			return nil, b.fail(n, "%s", b.o.NoAliases)
		}
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
		return b.tagged(n, depth)
	case *ast.StringNode:
		return scalar(Str, n.Value), nil
	case *ast.LiteralNode:
		if n.Value == nil {
			return scalar(Str, ""), nil
		}
		return scalar(Str, n.Value.Value), nil
	case *ast.IntegerNode:
		return scalar(Int, n.Token.Value), nil
	case *ast.FloatNode:
		return scalar(Float, n.Token.Value), nil
	case *ast.InfinityNode, *ast.NanNode:
		return scalar(Float, n.GetToken().Value), nil
	case *ast.BoolNode:
		return scalar(Bool, n.Token.Value), nil
	case *ast.NullNode:
		return scalar(Null, ""), nil
	case *ast.CommentGroupNode, *ast.CommentNode:
		return scalar(Null, ""), nil
	}
	return nil, b.fail(n, "unsupported YAML construct (%s)", n.Type())
}

func (b *treeBuilder) tagged(n *ast.TagNode, depth int) (*Node, error) {
	tag := n.Start.Value
	v, err := b.build(n.Value, depth+1)
	if err != nil {
		return nil, err
	}
	c := *v
	c.Pos = b.pos(n)
	if c.Kind == Scalar && tag == "!!str" {
		c.Type = Str
	}
	keep := true
	if b.o.Tag != nil {
		var msg string
		if keep, msg = b.o.Tag(tag); msg != "" {
			return nil, b.fail(n, "%s", msg)
		}
	}
	if keep {
		c.Tag = tag
	}
	return &c, nil
}

func (b *treeBuilder) addPair(m *Node, mv *ast.MappingValueNode, depth int) error {
	if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
		if b.o.NoMerge != "" {
			return b.fail(mv.Key, "%s", b.o.NoMerge)
		}
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
	if b.o.Key != nil {
		if err := b.o.Key(key, keyNode, mv); err != nil {
			return err
		}
	} else if key.Kind != Scalar {
		return b.fail(keyNode, "mapping keys must be strings")
	}
	val, err := b.build(mv.Value, depth+1)
	if err != nil {
		return err
	}
	p := Pair{Key: key.Text, KeyPos: key.Pos, Val: val}
	if i, dup := b.index(m, key.Text); dup {
		switch {
		case m.Pairs[i].Merged:
		case b.o.DuplicateKey != nil:
			b.warnings = append(b.warnings, b.o.DuplicateKey(key.Text, key.Pos, m.Pairs[i].KeyPos))
		default:
			return b.fail(keyNode, "key %q is already defined at %s", key.Text, m.Pairs[i].KeyPos)
		}
		m.Pairs[i] = p
		return nil
	}
	m.Pairs = append(m.Pairs, p)
	return nil
}

// index finds key among the pairs built so far. Large mappings (paths of a big API) get a map
// so that building stays linear.
func (b *treeBuilder) index(m *Node, key string) (int, bool) {
	if len(m.Pairs) < 32 {
		for i, p := range m.Pairs {
			if p.Key == key {
				return i, true
			}
		}
		return 0, false
	}
	if b.keys == nil || b.keysOf != m {
		b.keysOf, b.keys = m, make(map[string]int, len(m.Pairs))
		for i, p := range m.Pairs {
			b.keys[p.Key] = i
		}
	}
	i, ok := b.keys[key]
	if !ok {
		b.keys[key] = len(m.Pairs)
	}
	return i, ok
}

// merge applies a YAML merge key (<<: *base), which some hand-written definitions use to share
// settings.
func (b *treeBuilder) merge(m *Node, mv *ast.MappingValueNode, depth int) error {
	src, err := b.build(mv.Value, depth+1)
	if err != nil {
		return err
	}
	sources := []*Node{src}
	if src.Kind == Seq {
		sources = src.Items
	}
	for _, s := range sources {
		if s.Kind != Map {
			return b.fail(mv.Value, "the merge key << needs a mapping or a list of mappings")
		}
		for _, p := range s.Pairs {
			if _, exists := m.Get(p.Key); exists {
				continue
			}
			p.Merged = true
			m.Pairs = append(m.Pairs, p)
			if b.keysOf == m {
				b.keysOf = nil // rebuilt on the next lookup
			}
		}
	}
	return nil
}
