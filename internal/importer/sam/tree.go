package sam

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// Templates are read into a small tree of our own rather than decoded into structs: every
// value must keep its position for messages, CloudFormation's short-form tags (!Ref, !Sub…)
// must survive as tags, and a DefinitionBody is re-emitted for the OpenAPI importer.

type (
	node = doctree.Node
	pair = doctree.Pair
)

func strNode(s string, pos apimodel.Position) *node {
	return &node{Kind: doctree.Scalar, Type: doctree.Str, Text: s, Pos: pos}
}

func mapOf(pos apimodel.Position, pairs ...pair) *node {
	return &node{Kind: doctree.Map, Pos: pos, Pairs: pairs}
}

// maxDepth keeps hostile input (deep nesting) from exhausting the stack; real templates are
// far below it.
const maxDepth = 200

// treeOptions: duplicate keys are warnings, as CloudFormation keeps the last one rather than
// rejecting the template; aliases and merge keys, which CloudFormation rejects, are errors,
// and only CloudFormation's short-form tags are kept.
func treeOptions(file string, colons bool) *doctree.Options {
	o := &doctree.Options{
		MaxDepth:        maxDepth,
		DuplicateKey:    duplicateKey,
		Noun:            "template",
		SyntaxPrefix:    "invalid YAML: ",
		MultiDoc:        "the file holds more than one YAML document; a template is one document",
		SkipCommentDocs: true,
		// An anchor alone is harmless; only aliases, which CloudFormation rejects, are not.
		NoAliases: "CloudFormation templates cannot use YAML aliases (*name)",
		NoMerge:   "CloudFormation templates cannot use YAML merge keys (<<)",
		Tag:       checkTag,
		Key: func(key *node, keyNode ast.Node, mv *ast.MappingValueNode) error {
			if key.Kind != doctree.Scalar || key.Tag != "" {
				return apimodel.Problem{Pos: doctree.PosOf(file, keyNode), Message: "mapping keys must be plain strings"}
			}
			return checkEmptyTag(file, mv, key.Pos)
		},
	}
	if colons {
		o.Text = func(s string) string { return strings.ReplaceAll(s, colonsStandIn, "::") }
	}
	return o
}

// parseDoc parses a JSON or YAML document.
func parseDoc(data []byte, file string) (*node, []apimodel.Warning, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		if root, ws, err := doctree.ParseJSON(data, file, treeOptions(file, false)); !errors.Is(err, doctree.ErrNotJSON) {
			return root, ws, err
		}
	}
	return parseYAML(data, file)
}

// colonsStandIn hides "::" from the YAML parser, which splits a plain scalar such as
// AWS::Region at its colons inside a flow mapping ({Ref: AWS::Region}). Two private-use runes
// keep every column where it was.
const colonsStandIn = "\uE000\uE000"

func parseYAML(data []byte, file string) (*node, []apimodel.Warning, error) {
	colons := false
	if bytes.Contains(data, []byte("::")) && !bytes.Contains(data, []byte(colonsStandIn[:3])) {
		data = bytes.ReplaceAll(data, []byte("::"), []byte(colonsStandIn))
		colons = true
	}
	return doctree.ParseYAML(data, file, treeOptions(file, colons))
}

func checkTag(tag string) (keep bool, msg string) {
	switch {
	case tag == "!!str":
	case strings.HasPrefix(tag, "!!"):
		// Other core-schema tags (!!int, !!map…) only restate what the value is.
	default:
		if _, ok := shortForms[tag]; !ok {
			return false, fmt.Sprintf("unknown tag %s; CloudFormation's short forms are %s", tag, shortFormList())
		}
		return true, ""
	}
	return false, ""
}

func duplicateKey(key string, at, prev apimodel.Position) apimodel.Warning {
	return apimodel.Warning{Pos: at, Message: fmt.Sprintf("key %q is already defined at %s; CloudFormation keeps the last one, and so does genkan", key, prev)}
}

// checkEmptyTag catches "Key: !Ref" with nothing after it: the YAML parser then takes the
// following lines, indented no deeper than the key, as the tag's value.
func checkEmptyTag(file string, mv *ast.MappingValueNode, keyPos apimodel.Position) error {
	t, ok := mv.Value.(*ast.TagNode)
	if !ok || t.Value == nil {
		return nil
	}
	tagPos, valPos := doctree.PosOf(file, t), doctree.PosOf(file, t.Value)
	if m, ok := t.Value.(*ast.MappingNode); ok && len(m.Values) > 0 {
		valPos = doctree.PosOf(file, m.Values[0].Key)
	}
	// A block sequence may sit at its key's indentation; a mapping never does.
	_, isSeq := t.Value.(*ast.SequenceNode)
	if valPos.Line > tagPos.Line && (valPos.Column < keyPos.Column || (!isSeq && valPos.Column == keyPos.Column)) {
		return apimodel.Problem{Pos: tagPos, Message: fmt.Sprintf("%s has no value", t.Start.Value)}
	}
	return nil
}
