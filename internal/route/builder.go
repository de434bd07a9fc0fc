package route

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by Builder.Add, for errors.Is.
var (
	// ErrMalformed: the method or the template is not one AWS accepts.
	ErrMalformed = errors.New("malformed route")
	// ErrDuplicate: the method and path (or $default) were already added.
	ErrDuplicate = errors.New("duplicate route")
	// ErrConflict: the template's variable clashes with a sibling variable.
	ErrConflict = errors.New("conflicting path variable")
)

// Builder collects routes for one API. It is not safe for concurrent use; the
// Table it builds is.
type Builder struct {
	kind   Kind
	nodes  []bnode // nodes[0] is the root "/"
	routes []entry
	def    int32 // 1-based index of the $default route in routes, 0 if none
}

type bnode struct {
	lits    map[string]int32 // literal segment -> child node
	param   int32            // {name} child, 0 if none (the root is never a child)
	greedy  int32            // {name+} child, 0 if none
	name    string           // variable name when this node is a param or greedy child
	methods [nMethods]int32  // 1-based route index per declared method
}

type entry struct {
	value    int
	resource string
	method   string
}

type segKind uint8

const (
	segLit segKind = iota
	segParam
	segGreedy
)

type tseg struct {
	kind segKind
	text string // the literal, or the variable name
}

// NewBuilder starts an empty route set for an API of the given kind.
func NewBuilder(kind Kind) *Builder {
	return &Builder{kind: kind, nodes: make([]bnode, 1)}
}

// Add registers a route; see the package documentation for what is accepted.
// A failed Add leaves the Builder as it was.
func (b *Builder) Add(method, path string, value int) error {
	if path == DefaultRoute {
		if b.kind != HTTP {
			return fmt.Errorf("route %q: only HTTP APIs have a $default route: %w", path, ErrMalformed)
		}
		if b.def != 0 {
			return fmt.Errorf("route %q: %w", path, ErrDuplicate)
		}
		b.routes = append(b.routes, entry{value: value, resource: DefaultRoute, method: "ANY"})
		b.def = int32(len(b.routes))
		return nil
	}
	mi := declaredMethod(method)
	if mi < 0 {
		return fmt.Errorf("route %s %q: method must be one of GET POST PUT DELETE PATCH HEAD OPTIONS ANY: %w",
			method, path, ErrMalformed)
	}
	segs, err := parseTemplate(b.kind, path)
	if err != nil {
		return fmt.Errorf("route %s %q: %w", method, path, err)
	}
	// Check everything before creating any node, so a rejected route leaves
	// no method-less nodes behind to conflict with later, valid routes.
	n, depth, err := b.existing(segs)
	if err != nil {
		return fmt.Errorf("route %s %q: %w", method, path, err)
	}
	if depth == len(segs) && b.nodes[n].methods[mi] != 0 {
		return fmt.Errorf("route %s %q: %w", method, path, ErrDuplicate)
	}
	for _, s := range segs[depth:] {
		n = b.child(n, s)
	}
	b.routes = append(b.routes, entry{value: value, resource: path, method: method})
	b.nodes[n].methods[mi] = int32(len(b.routes))
	return nil
}

// existing walks the part of segs already in the tree and reports the deepest
// node reached, how many segments that consumed, and any variable conflict.
func (b *Builder) existing(segs []tseg) (int32, int, error) {
	var n int32
	for i, s := range segs {
		nd := &b.nodes[n]
		var next int32
		switch s.kind {
		case segLit:
			next = nd.lits[s.text]
		case segParam:
			if nd.param != 0 && b.nodes[nd.param].name != s.text {
				return 0, 0, fmt.Errorf("{%s} is a sibling of {%s}: %w", s.text, b.nodes[nd.param].name, ErrConflict)
			}
			if b.kind == REST && nd.greedy != 0 {
				return 0, 0, fmt.Errorf("{%s} is a sibling of {%s+}; REST allows one variable per level: %w",
					s.text, b.nodes[nd.greedy].name, ErrConflict)
			}
			next = nd.param
		case segGreedy:
			if nd.greedy != 0 && b.nodes[nd.greedy].name != s.text {
				return 0, 0, fmt.Errorf("{%s+} is a sibling of {%s+}: %w", s.text, b.nodes[nd.greedy].name, ErrConflict)
			}
			if b.kind == REST && nd.param != 0 {
				return 0, 0, fmt.Errorf("{%s+} is a sibling of {%s}; REST allows one variable per level: %w",
					s.text, b.nodes[nd.param].name, ErrConflict)
			}
			next = nd.greedy
		}
		if next == 0 {
			return n, i, nil
		}
		n = next
	}
	return n, len(segs), nil
}

func (b *Builder) child(n int32, s tseg) int32 {
	c := int32(len(b.nodes))
	b.nodes = append(b.nodes, bnode{})
	nd := &b.nodes[n] // after append: the slice may have moved
	switch s.kind {
	case segLit:
		if nd.lits == nil {
			nd.lits = make(map[string]int32)
		}
		nd.lits[s.text] = c
	case segParam:
		nd.param = c
		b.nodes[c].name = s.text
	case segGreedy:
		nd.greedy = c
		b.nodes[c].name = s.text
	}
	return c
}

// parseTemplate splits a resource template into segments, refusing anything
// AWS would refuse at CreateResource / CreateRoute or that could not be
// reached by an honest request.
func parseTemplate(kind Kind, tmpl string) ([]tseg, error) {
	if tmpl == "" || tmpl[0] != '/' {
		return nil, fmt.Errorf("path must start with '/': %w", ErrMalformed)
	}
	if tmpl == "/" {
		return nil, nil
	}
	parts := strings.Split(tmpl[1:], "/")
	segs := make([]tseg, 0, len(parts))
	for i, p := range parts {
		switch {
		case p == "":
			return nil, fmt.Errorf("empty segment (double or trailing slash): %w", ErrMalformed)
		case p[0] == '{':
			if len(p) < 3 || p[len(p)-1] != '}' {
				return nil, fmt.Errorf("segment %q: a variable is {name} or {name+}: %w", p, ErrMalformed)
			}
			name, k := p[1:len(p)-1], segParam
			if strings.HasSuffix(name, "+") {
				name, k = name[:len(name)-1], segGreedy
				if i != len(parts)-1 {
					return nil, fmt.Errorf("segment %q: a greedy variable must be last: %w", p, ErrMalformed)
				}
			}
			if !validName(name) {
				return nil, fmt.Errorf("segment %q: variable names are [A-Za-z0-9_.:-]+: %w", p, ErrMalformed)
			}
			for _, s := range segs {
				if s.kind != segLit && s.text == name {
					return nil, fmt.Errorf("variable {%s} appears twice: %w", name, ErrMalformed)
				}
			}
			segs = append(segs, tseg{k, name})
		default:
			if p == "." || p == ".." {
				return nil, fmt.Errorf("segment %q: dot segments cannot be requested: %w", p, ErrMalformed)
			}
			if !validLiteral(kind, p) {
				return nil, fmt.Errorf("segment %q: character not allowed in a %s path: %w", p, kind, ErrMalformed)
			}
			segs = append(segs, tseg{segLit, p})
		}
	}
	return segs, nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && !strings.ContainsRune("_.:-", rune(s[i])) {
			return false
		}
	}
	return true
}

func validLiteral(kind Kind, s string) bool {
	extra := "_.:-" // REST pathPart
	if kind == HTTP {
		extra = "_.:-~!$&'()*+,;=@" // RFC 3986 pchar without '%'
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && !strings.ContainsRune(extra, rune(s[i])) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Build freezes the routes added so far into a Table. The Builder stays usable;
// later Adds do not affect tables already built.
func (b *Builder) Build() *Table {
	t := &Table{
		kind:   b.kind,
		nodes:  make([]tnode, len(b.nodes)),
		routes: append([]entry(nil), b.routes...),
		def:    b.def,
	}
	for i := range b.nodes {
		bn, tn := &b.nodes[i], &t.nodes[i]
		tn.param, tn.greedy, tn.name, tn.methods = bn.param, bn.greedy, bn.name, bn.methods
		if bn.greedy != 0 {
			t.hasGreedy = true
		}
		if len(bn.lits) == 0 {
			continue
		}
		tn.lits = make([]lit, 0, len(bn.lits))
		for s, c := range bn.lits {
			tn.lits = append(tn.lits, lit{s, c})
		}
		// A linear scan of a few short strings beats hashing; a map only pays
		// off for wide levels.
		if len(bn.lits) > linearLits {
			tn.litMap = make(map[string]int32, len(bn.lits))
			for s, c := range bn.lits {
				tn.litMap[s] = c
			}
		}
	}
	return t
}

const linearLits = 8
