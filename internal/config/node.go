package config

import (
	"bytes"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/genkanhq/genkan/internal/apimodel"
	editdist "github.com/genkanhq/genkan/internal/suggest" // suggest is this package's own hint builder
)

// maxAliasExpansion bounds how many nodes aliases may add to a document, so that a
// "billion laughs" file cannot stall a reload.
const maxAliasExpansion = 1 << 17

// decoder walks one parsed YAML file. It never stops at the first problem: every helper
// reports what is wrong with its node and returns ok=false, and callers carry on with the
// next key so that one run shows every mistake.
type decoder struct {
	file    string
	env     func(string) (string, bool)
	ps      apimodel.Problems
	aliases map[*ast.AliasNode]ast.Node // alias → anchored value; nil when broken
	// funcRefs are the routes' function shorthands, which load completes after merging.
	funcRefs map[*apimodel.Integration]*funcRef
	// acc and routeAuths are the access-control declarations still to be completed: by
	// load after merging, and by api once its entry is read.
	acc        accessRefs
	routeAuths map[*apimodel.Route]*routeAuthDecl
}

// entry is one key of a mapping, after merge keys are applied.
type entry struct {
	key     string
	keyNode ast.Node
	val     ast.Node
}

func newDecoder(file string, env func(string) (string, bool)) *decoder {
	return &decoder{file: file, env: env, aliases: map[*ast.AliasNode]ast.Node{}, funcRefs: map[*apimodel.Integration]*funcRef{}}
}

// parse returns the body of the single YAML document in data, or nil after reporting why
// there is none.
func (d *decoder) parse(data []byte) (body ast.Node) {
	// The YAML parser is third-party code run on every reload; a crash there must surface
	// as a config error, not take down the gateway serving the previous config.
	defer func() {
		if r := recover(); r != nil {
			d.errorAt(d.pos(nil), "the YAML parser failed on this file: %v", r)
			body = nil
		}
	}()
	// Duplicate keys are reported by the decoder, which finds all of them; the parser would
	// stop at the first.
	f, err := parser.ParseBytes(withoutBOM(data), 0, parser.AllowDuplicateMapKey())
	if err != nil {
		d.syntaxError(err)
		return nil
	}
	var docs []*ast.DocumentNode
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		d.errorAt(d.pos(nil), "the file is empty")
		return nil
	}
	for _, extra := range docs[1:] {
		d.errorf(extra.Body, "a genkan config is a single YAML document; split documents into separate files")
	}
	d.link(docs[0].Body)
	return docs[0].Body
}

// withoutBOM drops a leading byte order mark, which YAML allows and Windows editors write,
// but which the parser would take as part of the first key.
func withoutBOM(data []byte) []byte {
	return bytes.TrimPrefix(data, []byte("\ufeff"))
}

// syntaxError places a parser error; goccy's errors carry the offending token.
func (d *decoder) syntaxError(err error) {
	pos := d.pos(nil)
	msg := err.Error()
	var ye yaml.Error
	if errors.As(err, &ye) {
		msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
			pos.Line, pos.Column = tk.Position.Line, max(tk.Position.Column, 1)
		}
	}
	d.errorAt(pos, "YAML syntax: %s", msg)
}

// link resolves every alias to its anchor in document order (the latest anchor of that name
// before the alias, as YAML defines it) and refuses self-references and runaway expansion.
func (d *decoder) link(root ast.Node) {
	anchors := map[string]*ast.AnchorNode{}
	sizes := map[*ast.AnchorNode]int{}
	var open []*ast.AnchorNode
	var firstAlias ast.Node
	physical := 0
	var walk func(n ast.Node) int
	walk = func(n ast.Node) int {
		if n == nil {
			return 0
		}
		physical++
		switch n := n.(type) {
		case *ast.AnchorNode:
			anchors[nodeName(n.Name)] = n
			open = append(open, n)
			s := walk(n.Value)
			open = open[:len(open)-1]
			sizes[n] = s
			return s
		case *ast.AliasNode:
			name := nodeName(n.Value)
			a, ok := anchors[name]
			switch {
			case !ok:
				d.errorf(n, "alias *%s refers to no anchor &%s before it", name, name)
			case slices.Contains(open, a):
				d.errorf(n, "alias *%s is inside the value it refers to", name)
			default:
				d.aliases[n] = a.Value
				if firstAlias == nil {
					firstAlias = n
				}
				return sizes[a]
			}
			return 1
		case *ast.TagNode:
			return 1 + walk(n.Value)
		case *ast.MappingNode:
			s := 1
			for _, v := range n.Values {
				s = saturate(s + walk(v))
			}
			return s
		case *ast.MappingValueNode:
			return saturate(walk(n.Key) + walk(n.Value))
		case *ast.MappingKeyNode:
			return 1 + walk(n.Value)
		case *ast.SequenceNode:
			s := 1
			for _, v := range n.Values {
				s = saturate(s + walk(v))
			}
			return s
		}
		return 1
	}
	if total := walk(root); total-physical > maxAliasExpansion {
		d.errorf(firstAlias, "aliases expand this document by more than %d nodes", maxAliasExpansion)
		// Unresolved aliases decode as already-reported problems, so nothing expands.
		clear(d.aliases)
	}
}

func saturate(n int) int { return min(n, 1<<30) }

func nodeName(n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

// value strips anchors, follows aliases and applies the standard tags. It returns nil for
// a node that was already reported as broken.
func (d *decoder) value(n ast.Node) ast.Node {
	for range 64 {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			target, ok := d.aliases[v]
			if !ok || target == nil {
				return nil
			}
			n = target
		case *ast.TagNode:
			tag := nodeName(v)
			switch tag {
			case "!!str":
				if s, ok := d.value(v.Value).(ast.ScalarNode); ok && s.GetToken() != nil {
					if _, null := s.(*ast.NullNode); !null {
						return ast.String(s.GetToken())
					}
				}
				n = v.Value
			case "!!map", "!!seq", "!!int", "!!float", "!!bool", "!!null":
				n = v.Value
			default:
				d.errorf(v, "YAML tag %s is not supported", tag)
				return nil
			}
		default:
			return n
		}
	}
	return nil
}

// pos is where n starts. Block mappings report their first ':' as their token, which is
// not where a reader looks, so they are placed at their first key instead.
func (d *decoder) pos(n ast.Node) apimodel.Position {
	p := apimodel.Position{File: d.file, Line: 1, Column: 1}
	if m, ok := n.(*ast.MappingNode); ok && !m.IsFlowStyle && len(m.Values) > 0 && m.Values[0].Key != nil {
		n = m.Values[0].Key
	}
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
		n = mv.Key
	}
	if n == nil {
		return p
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
		p.Line, p.Column = tk.Position.Line, max(tk.Position.Column, 1)
	}
	return p
}

func (d *decoder) errorAt(pos apimodel.Position, format string, args ...any) {
	d.ps = append(d.ps, apimodel.Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorf(n ast.Node, format string, args ...any) {
	d.errorAt(d.pos(n), format, args...)
}

// describe names a node's kind for "expected X, got Y" messages, with the value for scalars
// so the user sees what was read.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a sequence"
	case *ast.NullNode:
		return "null"
	case *ast.StringNode:
		return "string " + quote(v.Value)
	case *ast.LiteralNode:
		return "a block string"
	case *ast.IntegerNode:
		return "integer " + v.GetToken().Value
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "number " + n.GetToken().Value
	case *ast.BoolNode:
		return "boolean " + v.GetToken().Value
	}
	return "a " + strings.ToLower(n.Type().String())
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return strconv.Quote(s)
}

func (d *decoder) typeError(label, want string, n ast.Node) {
	if label == "" {
		d.errorf(n, "expected %s, got %s", want, describe(n))
		return
	}
	d.errorf(n, "%s: expected %s, got %s", label, want, describe(n))
}

// entries lists a mapping's keys with merge keys (<<) applied: explicit keys win over
// merged ones, earlier merge sources over later ones. Null counts as an empty mapping so
// that `dev:` declares a stage with defaults.
func (d *decoder) entries(label string, n ast.Node) ([]entry, bool) {
	v := d.value(n)
	switch m := v.(type) {
	case nil:
		return nil, false
	case *ast.NullNode:
		return nil, true
	case *ast.MappingNode:
		var out, merged []entry
		first := map[string]ast.Node{}
		for _, mv := range m.Values {
			if mv == nil || mv.Key == nil {
				continue
			}
			if mv.Key.IsMergeKey() {
				merged = append(merged, d.mergeSources(mv.Value)...)
				continue
			}
			key, ok := d.keyText(mv.Key)
			if !ok {
				continue
			}
			if prev, dup := first[key]; dup {
				d.errorf(mv.Key, "duplicate key %s: already declared at %s", quote(key), d.pos(prev))
				continue
			}
			first[key] = mv.Key
			out = append(out, entry{key: key, keyNode: mv.Key, val: mv.Value})
		}
		for _, e := range merged {
			if _, dup := first[e.key]; !dup {
				first[e.key] = e.keyNode
				out = append(out, e)
			}
		}
		return out, true
	}
	d.typeError(label, "a mapping", v)
	return nil, false
}

func (d *decoder) mergeSources(n ast.Node) []entry {
	v := d.value(n)
	sources := []ast.Node{v}
	if s, ok := v.(*ast.SequenceNode); ok {
		sources = s.Values
	}
	var out []entry
	for _, src := range sources {
		if _, ok := d.value(src).(*ast.MappingNode); !ok {
			if d.value(src) != nil {
				d.errorf(src, "the merge key << takes a mapping or a list of mappings, got %s", describe(d.value(src)))
			}
			continue
		}
		es, _ := d.entries("<<", src)
		out = append(out, es...)
	}
	return out
}

func (d *decoder) keyText(k ast.Node) (string, bool) {
	switch v := d.value(k).(type) {
	case nil:
		return "", false
	case *ast.StringNode:
		return v.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	case *ast.MappingKeyNode:
		d.errorf(k, "complex keys (? key) are not supported")
		return "", false
	default:
		d.errorf(k, "a key must be a plain scalar, got %s", describe(v))
		return "", false
	}
}

// fields maps the keys an object accepts to their decoders.
type fields map[string]func(entry)

// object decodes a mapping whose keys are fixed. Unknown keys are errors (with a
// suggestion), because a misspelt key silently doing nothing is the worst outcome for a
// gateway config. Missing required keys are reported at owner (the key that holds this
// mapping) when there is one, which is where a reader expects them. It returns the keys
// that were present.
func (d *decoder) object(where, label string, owner, n ast.Node, fs fields, required ...string) (map[string]entry, bool) {
	es, ok := d.entries(label, n)
	if !ok {
		return nil, false
	}
	seen := make(map[string]entry, len(es))
	for _, e := range es {
		f, known := fs[e.key]
		if !known {
			d.errorf(e.keyNode, "unknown key %s %s%s", quote(e.key), where, suggest(e.key, fs))
			continue
		}
		seen[e.key] = e
		f(e)
	}
	if owner == nil {
		owner = d.value(n)
	}
	for _, r := range required {
		if _, ok := seen[r]; !ok {
			d.errorf(owner, "missing key %s %s", quote(r), where)
		}
	}
	return seen, true
}

func suggest(key string, fs fields) string {
	return suggestFrom(key, maps.Keys(fs))
}

// suggestFrom returns ` (did you mean "x"?)` for the candidate closest to key, or "" when
// none is close enough to be the intended spelling.
func suggestFrom(key string, candidates iter.Seq[string]) string {
	best, bestDist := "", 3
	lkey := strings.ToLower(key)
	for k := range candidates {
		lk := strings.ToLower(k)
		dist := editdist.EditDistance(lkey, lk)
		if len(lkey) >= 4 && (strings.HasPrefix(lk, lkey) || strings.HasPrefix(lkey, lk)) {
			// "maxBody" for "maxBodyBytes", "variablesX" for "variables".
			dist = min(dist, 2)
		}
		if dist < bestDist || (dist == bestDist && k < best) {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + quote(best) + "?)"
}
