package openapi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// importer carries one Import: the parsed document, what was found, and which extension keys
// were mapped, so that every x-amazon-apigateway-* key left over can be reported.
type importer struct {
	opt      Options
	root     *node
	protocol apimodel.Protocol
	swagger  bool // Swagger 2.0 rather than OpenAPI 3

	warnings []apimodel.Warning
	problems apimodel.Problems

	// used holds the key positions of the extensions that were mapped; a position names one
	// key occurrence in one file, and aliases share it, which is what we want.
	used map[apimodel.Position]bool
	// docs are files reached through $ref; external are the subtrees taken from them, which
	// the extension walker visits as well.
	docs     map[string]*node
	external []*node

	// schemes are the security schemes by name; rootAuth is the document's security,
	// resolved once for the operations without their own (nil when it has none).
	schemes  map[string]*scheme
	rootAuth *apimodel.RouteAuth
}

func (im *importer) warn(pos apimodel.Position, format string, args ...any) {
	im.warnings = append(im.warnings, apimodel.Warning{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (im *importer) fail(pos apimodel.Position, format string, args ...any) {
	im.problems = append(im.problems, apimodel.Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func (im *importer) addError(err error) {
	im.problems = append(im.problems, apimodel.AsProblems(err, apimodel.Position{File: im.opt.File})...)
}

func (im *importer) use(p pair) { im.used[p.KeyPos] = true }

func sortWarnings(ws []apimodel.Warning) {
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i].Pos, ws[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// scalarString returns the text of a scalar. Numbers and booleans count: AWS accepts an
// unquoted 200 where it wants a string such as a status code.
func scalarString(n *node) (string, bool) {
	if n == nil || n.Kind != doctree.Scalar || intrinsic(n) != "" {
		return "", false
	}
	if n.Type == doctree.Null {
		return "", true
	}
	return n.Text, true
}

// str decodes a string field, recording a problem for anything else.
func (im *importer) str(p pair, what string) (string, bool) {
	if s, ok := scalarString(p.Val); ok {
		return s, true
	}
	im.notString(p, what)
	return "", false
}

func (im *importer) notString(p pair, what string) {
	if fn := intrinsic(p.Val); fn != "" {
		im.fail(p.Val.Pos, "%s is the CloudFormation intrinsic %s, which only CloudFormation resolves; import the SAM/CloudFormation template that includes this file, or write the value out", what, fn)
		return
	}
	im.fail(p.Val.Pos, "%s must be a string, got %s", what, p.Val.Describe())
}

// boolean decodes true/false, in any letter case as YAML 1.1 and Java both allow.
func (im *importer) boolean(p pair, what string) (bool, bool) {
	if p.Val.Kind == doctree.Scalar {
		if b, err := strconv.ParseBool(strings.ToLower(p.Val.Text)); err == nil && p.Val.Type != doctree.Null {
			return b, true
		}
	}
	im.fail(p.Val.Pos, "%s must be true or false, got %s", what, p.Val.Describe())
	return false, false
}

// object checks that a pair's value is a mapping.
func (im *importer) object(p pair, what string) (*node, bool) {
	if p.Val.Kind == doctree.Map && intrinsic(p.Val) == "" {
		return p.Val, true
	}
	if fn := intrinsic(p.Val); fn != "" {
		im.notString(p, what)
		return nil, false
	}
	if p.Val.IsNull() {
		return &node{Kind: doctree.Map, Pos: p.Val.Pos}, true
	}
	im.fail(p.Val.Pos, "%s must be an object, got %s", what, p.Val.Describe())
	return nil, false
}

// stringMap decodes a string-to-string map such as requestParameters or responseTemplates.
// AWS drops an entry whose value is not a string and reports a warning ("Expected type string
// for property … but got 'true'"); genkan does the same, except for CloudFormation intrinsics,
// whose intended value is unknown.
func (im *importer) stringMap(p pair, what string) map[string]string {
	m, ok := im.object(p, what)
	if !ok || len(m.Pairs) == 0 {
		return nil
	}
	out := make(map[string]string, len(m.Pairs))
	for _, e := range m.Pairs {
		if e.Val.Kind == doctree.Scalar && e.Val.Type == doctree.Str && intrinsic(e.Val) == "" {
			out[e.Key] = e.Val.Text
			continue
		}
		if intrinsic(e.Val) != "" {
			im.notString(e, fmt.Sprintf("%s %q", what, e.Key))
			continue
		}
		im.warn(e.Val.Pos, "%s %q must be a string, got %s; AWS drops it on import, and so does genkan", what, e.Key, e.Val.Describe())
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// unknownField reports a key that the surrounding AWS object does not define.
func (im *importer) unknownField(p pair, object string) {
	im.warn(p.KeyPos, "%s has no field %q that genkan knows; ignored", object, p.Key)
}
