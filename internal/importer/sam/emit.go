package sam

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
	"github.com/genkanhq/genkan/internal/importer/openapi"
)

// An API definition inside a template (DefinitionBody, Body) is handed to importer/openapi as
// JSON that genkan writes one token per line. Every line remembers the template position its
// token came from, so the positions the OpenAPI importer reports (line N of the JSON) map
// back to the template, or to the file an AWS::Include brought in.

type emitter struct {
	b     strings.Builder
	lines []apimodel.Position
	// why explains the intrinsics left unresolved; unresolvedAt finds them by the line the
	// OpenAPI importer reports them at, the line of their function name.
	why          map[*node]string
	unresolvedAt map[int]string
}

func (e *emitter) line(pos apimodel.Position, text string) {
	e.b.WriteString(text)
	e.b.WriteByte('\n')
	e.lines = append(e.lines, pos)
}

func (e *emitter) value(n *node, lead string) {
	if n == nil {
		e.line(apimodel.Position{}, lead+"null")
		return
	}
	if fn, arg, ok := call(n); ok {
		// Left unresolved: written in its long form, which the OpenAPI importer recognises
		// and reports wherever it needs the value.
		e.line(n.Pos, lead+"{")
		if reason, ok := e.why[n]; ok {
			e.unresolvedAt[len(e.lines)+1] = reason
		}
		e.line(n.Pos, jsonString(fn)+":")
		e.value(arg, "")
		e.line(n.Pos, "}")
		return
	}
	switch n.Kind {
	case doctree.Map:
		e.line(n.Pos, lead+"{")
		for i, p := range n.Pairs {
			sep := ""
			if i > 0 {
				sep = ","
			}
			e.line(p.KeyPos, sep+jsonString(p.Key)+":")
			e.value(p.Val, "")
		}
		e.line(n.Pos, "}")
	case doctree.Seq:
		e.line(n.Pos, lead+"[")
		for i, item := range n.Items {
			sep := ""
			if i > 0 {
				sep = ","
			}
			e.value(item, sep)
		}
		e.line(n.Pos, "]")
	default:
		e.line(n.Pos, lead+scalarJSON(n))
	}
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// scalarJSON writes a scalar as JSON, keeping numbers as written ("1.0" stays 1.0) when JSON
// can say them, and YAML-only spellings (0x1F, .5) as strings.
func scalarJSON(n *node) string {
	switch n.Type {
	case doctree.Null:
		return "null"
	case doctree.Bool:
		if t := strings.ToLower(n.Text); t == "true" || t == "false" {
			return t
		}
	case doctree.Int, doctree.Float:
		var f json.Number
		if err := json.Unmarshal([]byte(n.Text), &f); err == nil && f.String() == n.Text {
			return n.Text
		}
	}
	return jsonString(n.Text)
}

// importDefinition imports a resolved OpenAPI tree as the API with the given id.
func (im *importer) importDefinition(doc *node, logical, id, stage string, protocol apimodel.Protocol, why map[*node]string) *apimodel.API {
	e := &emitter{why: why, unresolvedAt: map[int]string{}}
	e.value(doc, "")
	// A name beside the template keeps relative $refs working, and cannot be mistaken for a
	// file the OpenAPI importer reads.
	file := im.opt.File + "#" + logical
	remap := func(p *apimodel.Position) {
		if p.File == file && p.Line >= 1 && p.Line <= len(e.lines) {
			*p = e.lines[p.Line-1]
		}
	}
	api, ws, err := openapi.Import([]byte(e.b.String()), openapi.Options{File: file, ID: id, Stage: stage, Protocol: protocol})
	for _, w := range ws {
		if reason, ok := e.unresolvedAt[w.Pos.Line]; ok && w.Pos.File == file {
			w.Message = explainUnresolved(w.Message, reason)
		}
		remap(&w.Pos)
		im.warnings = append(im.warnings, w)
	}
	if err != nil {
		for _, p := range apimodel.AsProblems(err, doc.Pos) {
			if reason, ok := e.unresolvedAt[p.Pos.Line]; ok && p.Pos.File == file {
				p.Message = explainUnresolved(p.Message, reason)
			}
			remap(&p.Pos)
			im.problems = append(im.problems, p)
		}
		return nil
	}
	remapAPI(api, remap)
	return api
}

// explainUnresolved replaces the OpenAPI importer's advice about an intrinsic (import the
// template instead), which does not fit here, with why genkan could not resolve it, keeping
// what the message says follows from it.
func explainUnresolved(msg, reason string) string {
	for _, marker := range []string{" is the CloudFormation intrinsic", " holds the CloudFormation intrinsic"} {
		what, rest, found := strings.Cut(msg, marker)
		if !found {
			continue
		}
		msg = what + " cannot be resolved: " + reason
		if _, consequence, ok := strings.Cut(rest, "which only CloudFormation resolves; "); ok && !strings.HasPrefix(consequence, "import the SAM") {
			msg += "; " + consequence
		}
		return msg
	}
	return msg + " (" + reason + ")"
}

// remapAPI applies f to every position an API holds.
func remapAPI(api *apimodel.API, f func(*apimodel.Position)) {
	f(&api.Pos)
	for _, s := range api.Stages {
		f(&s.Pos)
	}
	for _, r := range api.Routes {
		f(&r.Pos)
		if r.Integration != nil {
			f(&r.Integration.Pos)
			for _, resp := range r.Integration.Responses {
				f(&resp.Pos)
			}
		}
	}
	for _, gr := range api.GatewayResponses {
		f(&gr.Pos)
	}
	for _, az := range api.Authorizers {
		f(&az.Pos)
	}
	for _, r := range api.Routes {
		if r.Auth != nil {
			f(&r.Auth.Pos)
		}
	}
	if api.CORS != nil {
		f(&api.CORS.Pos)
	}
	f(&api.ResourcePolicyPos)
}

// importDefinitionFile imports an OpenAPI file as API Gateway would read it: from S3, after
// `sam package` uploaded it as is, so its intrinsics are not resolved.
func (im *importer) importDefinitionFile(p pair, what, id, stage string, protocol apimodel.Protocol) *apimodel.API {
	if p.Val.Kind == doctree.Map && tokenOf(p.Val) == dictToken {
		im.fail(p.Val.Pos, "%s points at S3; genkan reads only local files, so set it to the path of the OpenAPI file", what)
		return nil
	}
	s, ok := im.str(p, what, mustHave)
	if !ok {
		return nil
	}
	if strings.Contains(s, "://") {
		im.fail(p.Val.Pos, "%s %s is not a local file; genkan reads only local files, so set it to the path of the OpenAPI file", what, s)
		return nil
	}
	file := im.localPath(s)
	data, err := readLimited(file)
	if err != nil {
		im.fail(p.Val.Pos, "%s: %v", what, err)
		return nil
	}
	api, ws, err := openapi.Import(data, openapi.Options{File: file, ID: id, Stage: stage, Protocol: protocol})
	im.warnings = append(im.warnings, ws...)
	if err != nil {
		im.addError(err)
		return nil
	}
	return api
}
