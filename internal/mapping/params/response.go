package params

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/mapping/tmpl"
)

// IntegrationResponse is one compiled integration response: when it is selected, what status
// it answers with, which headers it maps and which body templates it has.
type IntegrationResponse struct {
	Status    int
	Params    *ResponseMapping
	Templates *tmpl.Set
	Spec      *apimodel.IntegrationResponse
	pattern   *regexp.Regexp
}

// Responses selects an integration response by selectionPattern, as AWS does: the patterned
// responses in declaration order, then the default (empty pattern).
type Responses struct {
	patterned []*IntegrationResponse
	def       *IntegrationResponse
}

// CompileResponses compiles an integration's responses. compile compiles their templates (nil
// means tmpl.Compile). Problems are reported at each response's position.
func CompileResponses(specs []*apimodel.IntegrationResponse, compile tmpl.CompileFunc) (*Responses, apimodel.Problems) {
	rs := &Responses{}
	var ps apimodel.Problems
	for _, spec := range specs {
		r := &IntegrationResponse{Spec: spec}
		var err error
		if r.Status, err = strconv.Atoi(spec.StatusCode); err != nil || r.Status < 100 || r.Status > 599 {
			ps = append(ps, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("integration response status code %q is not an HTTP status", spec.StatusCode)})
		}
		var mps apimodel.Problems
		r.Params, mps = CompileResponse(spec.ResponseParameters, spec.Pos)
		ps = append(ps, mps...)
		if r.Templates, err = tmpl.NewSet(spec.ResponseTemplates, compile); err != nil {
			ps = append(ps, apimodel.Problem{Pos: spec.Pos, Message: "responseTemplates " + err.Error()})
		}
		if spec.SelectionPattern == "" {
			// AWS keeps one default; with several, the first declared wins here.
			if rs.def == nil {
				rs.def = r
			}
			continue
		}
		// AWS matches the whole value (Java's String.matches), hence the anchors.
		if r.pattern, err = regexp.Compile(`^(?:` + spec.SelectionPattern + `)$`); err != nil {
			ps = append(ps, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("selectionPattern %q: %v", spec.SelectionPattern, err)})
			continue
		}
		rs.patterned = append(rs.patterned, r)
	}
	return rs, ps
}

// Patterned reports whether any response has a selectionPattern; without one, Select always
// returns the default and needs no regular expression.
func (rs *Responses) Patterned() bool { return len(rs.patterned) > 0 }

// Default is the response with no selectionPattern, or nil.
func (rs *Responses) Default() *IntegrationResponse { return rs.def }

// All lists every response, patterned first, then the default.
func (rs *Responses) All() []*IntegrationResponse {
	all := append([]*IntegrationResponse(nil), rs.patterned...)
	if rs.def != nil {
		all = append(all, rs.def)
	}
	return all
}

// Select returns the response for a selection value (the backend status code for HTTP and
// MOCK integrations). With no match and no default, AWS answers 500 "Internal server error"
// and logs "No match for output mapping and no default output mapping configured".
func (rs *Responses) Select(value string) (*IntegrationResponse, error) {
	for _, r := range rs.patterned {
		if r.pattern.MatchString(value) {
			return r, nil
		}
	}
	if rs.def != nil {
		return rs.def, nil
	}
	return nil, NoMatchError(value)
}

// NoMatchError is AWS's configuration error for an unmapped integration response.
func NoMatchError(value string) error {
	return &apierr.Error{
		Type:  apierr.APIConfigurationError,
		Cause: fmt.Errorf("no match for output mapping and no default output mapping configured; endpoint response status code %s", value),
	}
}
