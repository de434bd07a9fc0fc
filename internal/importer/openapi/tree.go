package openapi

import (
	"bytes"
	"errors"
	"strings"

	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// The importer reads documents into its own small tree rather than into kin-openapi's typed
// model: AWS accepts documents that a typed decode rejects (a numeric info.version, servers
// written as a map), x-amazon-apigateway-any-method operations are opaque extensions to a
// typed model, and extension values must keep their positions down to every leaf.

type (
	node = doctree.Node
	pair = doctree.Pair
)

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
func intrinsic(n *node) string {
	if n == nil {
		return ""
	}
	if name, ok := cfnShortForms[n.Tag]; ok {
		return name
	}
	if n.Kind == doctree.Map && len(n.Pairs) == 1 {
		if k := n.Pairs[0].Key; k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k
		}
	}
	return ""
}

// treeOptions: duplicate keys are errors, aliases and merge keys are applied (some
// hand-written definitions share integration settings that way), and every tag is kept.
// Limits keep hostile or broken input (deep nesting, alias bombs) from exhausting the stack or
// memory; real API definitions are far below them.
var treeOptions = doctree.Options{
	MaxDepth:     256,
	Noun:         "document",
	SyntaxPrefix: "invalid JSON/YAML: ",
	MultiDoc:     "the file holds more than one YAML document; an OpenAPI definition is one document",
}

// parseTree parses a JSON or YAML document; JSON that encoding/json rejects is given to the
// YAML parser, whose flow style may still read it.
func parseTree(data []byte, file string) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		if root, err := parseJSONTree(data, file); !errors.Is(err, doctree.ErrNotJSON) {
			return root, err
		}
	}
	return parseYAMLTree(data, file)
}

func parseJSONTree(data []byte, file string) (*node, error) {
	root, _, err := doctree.ParseJSON(data, file, &treeOptions)
	return root, err
}

func parseYAMLTree(data []byte, file string) (*node, error) {
	root, _, err := doctree.ParseYAML(data, file, &treeOptions)
	return root, err
}
