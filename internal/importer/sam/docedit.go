package sam

import (
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// Helpers for editing an OpenAPI definition the way SAM's SwaggerEditor and OpenApiEditor
// do before CloudFormation hands the definition to API Gateway. Every node written carries
// the position of the template property it comes from, so that what the OpenAPI importer
// reports about it points into the template.

// opKeys are the path item keys that hold operations, as SAM's editors iterate them.
var opKeys = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, anyMethod: true}

// pathItems returns the definition's path items that are objects; others are reported by the
// OpenAPI importer.
func pathItems(doc *node) []pair {
	p, ok := doc.Get("paths")
	if !ok || p.Val.Kind != doctree.Map || tokenOf(p.Val) != dictToken {
		return nil
	}
	var out []pair
	for _, item := range p.Val.Pairs {
		if item.Val.Kind == doctree.Map && tokenOf(item.Val) == dictToken {
			out = append(out, item)
		}
	}
	return out
}

// integrated returns a path item's operations that have an integration: SAM only secures
// those ("If no integration given, then we don't need to process this definition").
func integrated(item *node) []pair {
	var out []pair
	for _, op := range item.Pairs {
		if !opKeys[op.Key] || op.Val.Kind != doctree.Map || tokenOf(op.Val) != dictToken {
			continue
		}
		if in, ok := op.Val.Get("x-amazon-apigateway-integration"); ok && !in.Val.IsNull() {
			out = append(out, op)
		}
	}
	return out
}

// security returns an operation's security requirements; malformed ones are left for the
// OpenAPI importer to report.
func security(op *node) []*node {
	p, ok := op.Get("security")
	if !ok || p.Val.Kind != doctree.Seq || tokenOf(p.Val) != listToken {
		return nil
	}
	return p.Val.Items
}

func setSecurity(op *node, reqs []*node, pos apimodel.Position) {
	setPair(op, "security", pos, &node{Kind: doctree.Seq, Pos: pos, Items: reqs})
}

// requirement is one security requirement naming one scheme.
func requirement(name string, scopes []string, pos apimodel.Position) *node {
	list := &node{Kind: doctree.Seq, Pos: pos}
	for _, s := range scopes {
		list.Items = append(list.Items, strNode(s, pos))
	}
	return mapOf(pos, pair{Key: name, KeyPos: pos, Val: list})
}

// names reports whether a requirement names any of the schemes.
func names(req *node, schemes map[string]bool) bool {
	for _, p := range req.Pairs {
		if schemes[p.Key] {
			return true
		}
	}
	return false
}

// setPair replaces key in m, or adds it.
func setPair(m *node, key string, pos apimodel.Position, v *node) {
	for i, p := range m.Pairs {
		if p.Key == key {
			m.Pairs[i].Val = v
			return
		}
	}
	m.Pairs = append(m.Pairs, pair{Key: key, KeyPos: pos, Val: v})
}

// addScheme declares a security scheme where the definition's version keeps them. replace is
// SAM's rule: its authorizers replace schemes of the same name, while the AWS_IAM and api_key
// schemes it adds leave a definition's own alone.
func (im *importer) addScheme(doc *node, name string, scheme *node, pos apimodel.Position, replace bool) {
	parent := doc
	key := "securityDefinitions"
	if _, oas3 := doc.Get("openapi"); oas3 {
		c, ok := im.child(doc, "components", pos)
		if !ok {
			return
		}
		parent, key = c, "securitySchemes"
	}
	schemes, ok := im.child(parent, key, pos)
	if !ok {
		return
	}
	if _, exists := schemes.Get(name); exists && !replace {
		return
	}
	setPair(schemes, name, pos, scheme)
}

func boolNode(b bool, pos apimodel.Position) *node {
	return &node{Kind: doctree.Scalar, Type: doctree.Bool, Text: boolText(b), Pos: pos}
}

func seqOfStrings(ss []string, pos apimodel.Position) *node {
	list := &node{Kind: doctree.Seq, Pos: pos}
	for _, s := range ss {
		list.Items = append(list.Items, strNode(s, pos))
	}
	return list
}
