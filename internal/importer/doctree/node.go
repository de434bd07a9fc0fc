// Package doctree reads JSON and YAML documents into a small tree that keeps the position of
// every key and value, for importers whose messages must point into the source file.
package doctree

import (
	"fmt"

	"github.com/goccy/go-yaml/ast"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Kind is the shape of a Node.
type Kind uint8

const (
	Scalar Kind = iota
	Map
	Seq
)

// ScalarType distinguishes quoted strings from numbers, booleans and null: YAML's "200" and 200
// differ, and importers treat them differently.
type ScalarType uint8

const (
	Str ScalarType = iota
	Int
	Float
	Bool
	Null
)

// Node is a value of the document.
type Node struct {
	Kind Kind
	Type ScalarType
	// Text is a scalar as written: numbers keep their spelling, so that 1.0 stays "1.0".
	Text  string
	Tag   string // a YAML tag such as !Sub, as kept by Options.Tag
	Pairs []Pair
	Items []*Node
	Pos   apimodel.Position
}

// Pair is one key of a mapping.
type Pair struct {
	Key    string
	KeyPos apimodel.Position
	Val    *Node
	Merged bool // inherited through a YAML merge key (<<), so an explicit key may replace it
}

// Get returns the pair for key in a mapping.
func (n *Node) Get(key string) (Pair, bool) {
	if n == nil || n.Kind != Map {
		return Pair{}, false
	}
	for _, p := range n.Pairs {
		if p.Key == key {
			return p, true
		}
	}
	return Pair{}, false
}

// IsNull reports whether n is absent or null.
func (n *Node) IsNull() bool { return n == nil || (n.Kind == Scalar && n.Type == Null) }

// Describe names the shape of n for messages ("a list", "true", …).
func (n *Node) Describe() string {
	switch {
	case n == nil || n.IsNull():
		return "null"
	case n.Kind == Map:
		return "an object"
	case n.Kind == Seq:
		return "a list"
	case n.Type == Str:
		return fmt.Sprintf("%q", n.Text)
	}
	return n.Text
}

// maxNodes keeps hostile input (alias bombs, huge documents) from exhausting memory; real
// documents are far below it.
const maxNodes = 2_000_000

// Options holds what differs between the documents importers read.
type Options struct {
	// MaxDepth bounds nesting, so that hostile input cannot exhaust the stack.
	MaxDepth int
	// DuplicateKey, when set, turns a repeated key into its warning, the last value winning.
	// When nil a repeated key is an error (and the YAML parser itself rejects it).
	DuplicateKey func(key string, at, prev apimodel.Position) apimodel.Warning

	// The rest concern YAML only.

	// Noun names the document in messages ("document", "template").
	Noun string
	// SyntaxPrefix starts the message for a document the YAML parser rejects.
	SyntaxPrefix string
	// MultiDoc is the message for a file holding more than one YAML document.
	MultiDoc string
	// SkipCommentDocs ignores YAML documents that hold only comments.
	SkipCommentDocs bool
	// NoAliases and NoMerge, when set, are the messages that reject aliases (*name) and merge
	// keys (<<); otherwise aliases share the anchored node and merge keys are applied.
	NoAliases, NoMerge string
	// Tag vets a tag (!Sub, !!str…) once its value is built: keep puts it on the node, and a
	// non-empty msg rejects it. Nil keeps every tag.
	Tag func(tag string) (keep bool, msg string)
	// Key vets a mapping key once built, before its value is; nil requires a scalar.
	Key func(key *Node, keyNode ast.Node, mv *ast.MappingValueNode) error
	// Text rewrites scalars and parser messages as read.
	Text func(string) string
}
