package apimodel

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one validation finding, placed at the declaration it concerns.
type Problem struct {
	Pos     Position
	Message string
}

func (p Problem) Error() string { return p.Pos.String() + ": " + p.Message }

// String renders file:line:col, omitting what is unknown.
func (p Position) String() string {
	s := p.File
	if s == "" {
		s = "<config>"
	}
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
		if p.Column > 0 {
			s += ":" + strconv.Itoa(p.Column)
		}
	}
	return s
}

// Problems is a list of findings that is itself an error.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil when there are no problems, so callers can `return ps.Err()`.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Pos, ps[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return ps
}

var (
	apiIDPattern     = regexp.MustCompile(`^[a-z0-9]{1,63}$`)
	stageNamePattern = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,128}$`)
	stageVarName     = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	pathSegment      = regexp.MustCompile(`^(\{[A-Za-z0-9._\-]+\+?\}|[A-Za-z0-9._\-~:@!$&'()*,;=%]+)$`)
)

// Methods are the HTTP methods API Gateway routes.
var Methods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", MethodAny}

// IsMethod reports whether m is a method API Gateway accepts on a route.
func IsMethod(m string) bool {
	for _, x := range Methods {
		if x == m {
			return true
		}
	}
	return false
}

// GatewayResponseTypes lists every gateway response type with its default status code.
var GatewayResponseTypes = map[string]int{
	"ACCESS_DENIED":                  403,
	"API_CONFIGURATION_ERROR":        500,
	"AUTHORIZER_CONFIGURATION_ERROR": 500,
	"AUTHORIZER_FAILURE":             500,
	"BAD_REQUEST_PARAMETERS":         400,
	"BAD_REQUEST_BODY":               400,
	"DEFAULT_4XX":                    0,
	"DEFAULT_5XX":                    0,
	"EXPIRED_TOKEN":                  403,
	"INTEGRATION_FAILURE":            504,
	"INTEGRATION_TIMEOUT":            504,
	"INVALID_API_KEY":                403,
	"INVALID_SIGNATURE":              403,
	"MISSING_AUTHENTICATION_TOKEN":   403,
	"QUOTA_EXCEEDED":                 429,
	"REQUEST_TOO_LARGE":              413,
	"RESOURCE_NOT_FOUND":             404,
	"THROTTLED":                      429,
	"UNAUTHORIZED":                   401,
	"UNSUPPORTED_MEDIA_TYPE":         415,
	"WAF_FILTERED":                   403,
}

// Validate checks the whole configuration and returns every problem found.
func (c *Config) Validate() error {
	var ps Problems
	ids := map[string]*API{}
	for _, api := range c.APIs {
		if prev, dup := ids[api.ID]; dup && api.ID != "" {
			ps = append(ps, Problem{api.Pos, fmt.Sprintf("api id %q is already used by %s", api.ID, prev.Pos)})
		}
		ids[api.ID] = api
		ps = append(ps, api.validate(c.Settings)...)
	}
	for _, d := range c.Domains {
		ps = append(ps, d.validate(ids)...)
	}
	ps = append(ps, c.validateKeys(ids)...)
	return ps.Err()
}

func (api *API) validate(s Settings) Problems {
	var ps Problems
	add := func(pos Position, format string, args ...any) {
		ps = append(ps, Problem{pos, fmt.Sprintf(format, args...)})
	}
	if !apiIDPattern.MatchString(api.ID) {
		add(api.Pos, "api id %q must be 1-63 lower-case letters or digits", api.ID)
	}
	switch api.Protocol {
	case ProtocolREST, ProtocolHTTP:
	case ProtocolWebSocket:
		add(api.Pos, "api %q: WebSocket APIs are not supported yet", api.ID)
	default:
		add(api.Pos, "api %q: protocol %q is not one of REST, HTTP, WEBSOCKET", api.ID, api.Protocol)
	}
	if len(api.Stages) == 0 {
		add(api.Pos, "api %q has no stage", api.ID)
	}
	stages := map[string]bool{}
	for _, st := range api.Stages {
		switch {
		case st.Name == DefaultStage && api.Protocol != ProtocolREST:
		case st.Name == DefaultStage:
			add(st.Pos, "stage %q is only for HTTP APIs", st.Name)
		case !stageNamePattern.MatchString(st.Name):
			add(st.Pos, "stage name %q must be 1-128 letters, digits, '-' or '_'", st.Name)
		}
		if stages[st.Name] {
			add(st.Pos, "stage %q is declared twice", st.Name)
		}
		stages[st.Name] = true
		for k := range st.Variables {
			if !stageVarName.MatchString(k) {
				add(st.Pos, "stage variable name %q must be 1-64 letters, digits or '_'", k)
			}
		}
	}
	seen := map[string]*Route{}
	for _, r := range api.Routes {
		ps = append(ps, r.validate(api.Protocol, s)...)
		key := r.Method + " " + r.Path
		if prev, dup := seen[key]; dup {
			add(r.Pos, "route %s is already declared at %s", r.Key(), prev.Pos)
		}
		seen[key] = r
	}
	ps = append(ps, api.validateAccess()...)
	for typ, gr := range api.GatewayResponses {
		if _, ok := GatewayResponseTypes[typ]; !ok {
			add(gr.Pos, "unknown gateway response type %q", typ)
		}
		if gr.StatusCode != "" {
			if n, err := strconv.Atoi(gr.StatusCode); err != nil || n < 100 || n > 599 {
				add(gr.Pos, "gateway response %s: status code %q is not an HTTP status", typ, gr.StatusCode)
			}
		}
	}
	return ps
}

func (r *Route) validate(p Protocol, s Settings) Problems {
	var ps Problems
	add := func(pos Position, format string, args ...any) {
		ps = append(ps, Problem{pos, fmt.Sprintf(format, args...)})
	}
	if r.Path == DefaultRouteKey {
		if p != ProtocolHTTP {
			add(r.Pos, "the $default route is only for HTTP APIs")
		}
	} else {
		if !IsMethod(r.Method) {
			add(r.Pos, "method %q is not one of %s", r.Method, strings.Join(Methods, ", "))
		}
		if err := ValidatePath(r.Path); err != nil {
			add(r.Pos, "path %q: %v", r.Path, err)
		}
	}
	if r.Integration == nil {
		add(r.Pos, "route %s has no integration", r.Key())
		return ps
	}
	ps = append(ps, r.Integration.validate(r, s)...)
	return ps
}

// ValidatePath checks a resource path template: /a/{b}/{c+}; a greedy parameter only last.
func ValidatePath(path string) error {
	if path == "/" {
		return nil
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("must start with '/'")
	}
	if strings.HasSuffix(path, "/") {
		return fmt.Errorf("must not end with '/'")
	}
	segs := strings.Split(path[1:], "/")
	names := map[string]bool{}
	for i, seg := range segs {
		if seg == "" {
			return fmt.Errorf("empty segment")
		}
		if !pathSegment.MatchString(seg) {
			return fmt.Errorf("segment %q is not a literal, {param} or {proxy+}", seg)
		}
		if strings.HasPrefix(seg, "{") {
			name := strings.TrimSuffix(strings.Trim(seg, "{}"), "+")
			if names[name] {
				return fmt.Errorf("parameter {%s} appears twice", name)
			}
			names[name] = true
			if strings.HasSuffix(seg, "+}") && i != len(segs)-1 {
				return fmt.Errorf("greedy parameter %s must be the last segment", seg)
			}
		}
	}
	return nil
}

func (in *Integration) validate(r *Route, s Settings) Problems {
	var ps Problems
	add := func(format string, args ...any) {
		ps = append(ps, Problem{in.Pos, fmt.Sprintf(format, args...)})
	}
	switch in.Type {
	case IntegrationHTTP, IntegrationHTTPProxy:
		if in.URI == "" {
			add("%s integration needs a uri", in.Type)
		} else if strings.HasPrefix(in.URI, "${stageVariables.") {
			// The whole base URL comes from a stage variable (http://${stageVariables.x} and
			// ${stageVariables.backend}/path are both common); it is checked per stage.
		} else if u, err := url.Parse(stripTemplates(in.URI)); !strings.HasPrefix(in.URI, "${") && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			// A URI that starts with ${stageVariables.x} gets its scheme and host per stage.
			add("%s integration uri %q must be an absolute http(s) URL", in.Type, in.URI)
		}
		if in.HTTPMethod != "" && !IsMethod(in.HTTPMethod) {
			add("integration httpMethod %q is not an HTTP method", in.HTTPMethod)
		}
	case IntegrationMock:
	case IntegrationAWS, IntegrationAWSProxy:
		if in.URI == "" {
			add("%s integration needs a uri (an arn:aws:apigateway:… ARN)", in.Type)
		}
	default:
		add("integration type %q is not one of HTTP, HTTP_PROXY, MOCK, AWS, AWS_PROXY", in.Type)
	}
	if in.Timeout != 0 {
		max := s.WithDefaults().MaxIntegrationTimeout
		if in.Timeout < MinIntegrationTimeout || in.Timeout > max {
			add("timeoutInMillis %d is outside %d-%d", in.Timeout.Milliseconds(), MinIntegrationTimeout.Milliseconds(), max.Milliseconds())
		}
	}
	if in.PassthroughBehavior != "" {
		switch in.PassthroughBehavior {
		case "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER":
		default:
			add("passthroughBehavior %q is not one of WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER", in.PassthroughBehavior)
		}
	}
	if in.PayloadFormatVersion != "" && in.PayloadFormatVersion != "1.0" && in.PayloadFormatVersion != "2.0" {
		add("payloadFormatVersion %q is not 1.0 or 2.0", in.PayloadFormatVersion)
	}
	for _, resp := range in.Responses {
		if n, err := strconv.Atoi(resp.StatusCode); err != nil || n < 100 || n > 599 {
			ps = append(ps, Problem{resp.Pos, fmt.Sprintf("integration response status code %q is not an HTTP status", resp.StatusCode)})
		}
		if resp.SelectionPattern != "" {
			if _, err := regexp.Compile(resp.SelectionPattern); err != nil {
				ps = append(ps, Problem{resp.Pos, fmt.Sprintf("selectionPattern %q: %v", resp.SelectionPattern, err)})
			}
		}
	}
	return ps
}

// stripTemplates blanks ${stageVariables.x} and {param} so a templated URI can be parsed.
func stripTemplates(uri string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		switch {
		case c == '{':
			depth++
			if depth == 1 {
				b.WriteByte('x')
			}
		case c == '}' && depth > 0:
			depth--
		case c == '$' && i+1 < len(uri) && uri[i+1] == '{':
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (d *Domain) validate(apis map[string]*API) Problems {
	var ps Problems
	if d.Name == "" {
		ps = append(ps, Problem{d.Pos, "custom domain needs a name"})
	}
	paths := map[string]bool{}
	for _, m := range d.Mappings {
		bp := strings.Trim(m.BasePath, "/")
		if bp == "(none)" {
			bp = ""
		}
		if paths[bp] {
			ps = append(ps, Problem{m.Pos, fmt.Sprintf("domain %s: base path %q is mapped twice", d.Name, m.BasePath)})
		}
		paths[bp] = true
		api, ok := apis[m.APIID]
		if !ok {
			ps = append(ps, Problem{m.Pos, fmt.Sprintf("domain %s: base path %q maps to unknown api %q", d.Name, m.BasePath, m.APIID)})
			continue
		}
		if m.Stage != "" && !api.HasStage(m.Stage) {
			ps = append(ps, Problem{m.Pos, fmt.Sprintf("domain %s: api %q has no stage %q", d.Name, m.APIID, m.Stage)})
		}
	}
	return ps
}

// HasStage reports whether the API declares the named stage.
func (api *API) HasStage(name string) bool {
	for _, s := range api.Stages {
		if s.Name == name {
			return true
		}
	}
	return false
}

// AsProblems turns an error from a decoder, importer or compiler into problems: Problems and
// Problem values keep their own positions; any other error becomes one problem at pos.
func AsProblems(err error, pos Position) Problems {
	var ps Problems
	var p Problem
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ps):
		return ps
	case errors.As(err, &p):
		return Problems{p}
	}
	return Problems{{Pos: pos, Message: err.Error()}}
}
