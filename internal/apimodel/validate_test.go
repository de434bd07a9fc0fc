package apimodel_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

const file = "genkan.yaml"

func at(line, col int) apimodel.Position {
	return apimodel.Position{File: file, Line: line, Column: col}
}

// validConfig declares one of everything Validate looks at, each at its own position, so a
// case can break exactly one thing and see the problem placed where it belongs.
//
//	line 1   api pets (REST)          line 10  api web (HTTP)
//	line 2   stage prod               line 11  stage $default
//	line 3   route GET /pets/{id}     line 12  route $default
//	line 4   its integration          line 13  its integration
//	line 5   route POST /pets         line 14  gateway responses (REST only: on pets, line 8)
//	line 6   its integration          line 20  domain api.example.com
//	line 7   integration response     line 21  mapping (none) -> pets/prod
//	line 8   gateway response         line 22  mapping v1/web -> web
func validConfig() *apimodel.Config {
	return &apimodel.Config{
		APIs: []*apimodel.API{
			{
				ID: "pets", Protocol: apimodel.ProtocolREST, Pos: at(1, 1),
				Stages: []*apimodel.Stage{{Name: "prod", Variables: map[string]string{"backend_url": "x"}, Pos: at(2, 3)}},
				Routes: []*apimodel.Route{
					{Method: "GET", Path: "/pets/{id}", Pos: at(3, 3), Integration: &apimodel.Integration{
						Type: apimodel.IntegrationHTTPProxy, URI: "https://backend.example.com/pets/{id}", Timeout: 5 * time.Second, Pos: at(4, 5),
					}},
					{Method: "POST", Path: "/pets", Pos: at(5, 3), Integration: &apimodel.Integration{
						Type: apimodel.IntegrationMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 201}`}, Pos: at(6, 5),
						Responses: []*apimodel.IntegrationResponse{{StatusCode: "201", SelectionPattern: "2\\d{2}", Pos: at(7, 7)}},
					}},
				},
				GatewayResponses: map[string]*apimodel.GatewayResponse{"DEFAULT_4XX": {StatusCode: "400", Pos: at(8, 3)}},
			},
			{
				ID: "web", Protocol: apimodel.ProtocolHTTP, Pos: at(10, 1),
				Stages: []*apimodel.Stage{{Name: "$default", Pos: at(11, 3)}},
				Routes: []*apimodel.Route{
					{Path: "$default", Pos: at(12, 3), Integration: &apimodel.Integration{
						Type: apimodel.IntegrationHTTPProxy, URI: "http://localhost:8080", Pos: at(13, 5),
					}},
				},
			},
		},
		Domains: []*apimodel.Domain{{Name: "api.example.com", Pos: at(20, 1), Mappings: []*apimodel.BasePathMapping{
			{BasePath: "(none)", APIID: "pets", Stage: "prod", Pos: at(21, 3)},
			{BasePath: "v1/web", APIID: "web", Pos: at(22, 3)},
		}}},
	}
}

func TestValidConfig(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("the base configuration is invalid:\n%v", err)
	}
}

// TestValidateProblems breaks the valid configuration one way at a time and compares every
// problem, placed and ordered, as a user reads them.
func TestValidateProblems(t *testing.T) {
	pets := func(c *apimodel.Config) *apimodel.API { return c.APIs[0] }
	web := func(c *apimodel.Config) *apimodel.API { return c.APIs[1] }
	getPet := func(c *apimodel.Config) *apimodel.Route { return c.APIs[0].Routes[0] }
	proxy := func(c *apimodel.Config) *apimodel.Integration { return c.APIs[0].Routes[0].Integration }
	mock := func(c *apimodel.Config) *apimodel.Integration { return c.APIs[0].Routes[1].Integration }
	addRoute := func(api *apimodel.API, r *apimodel.Route) {
		if r.Integration == nil {
			r.Integration = &apimodel.Integration{Type: apimodel.IntegrationMock, Pos: r.Pos}
		}
		api.Routes = append(api.Routes, r)
	}
	tests := []struct {
		name   string
		breakf func(c *apimodel.Config)
		want   []string
	}{
		// API ids.
		{"upper-case api id", func(c *apimodel.Config) { pets(c).ID = "Pets"; c.Domains = nil },
			[]string{`genkan.yaml:1:1: api id "Pets" must be 1-63 lower-case letters or digits`}},
		{"api id with a dash", func(c *apimodel.Config) { pets(c).ID = "my-api"; c.Domains = nil },
			[]string{`genkan.yaml:1:1: api id "my-api" must be 1-63 lower-case letters or digits`}},
		{"api id of 64 characters", func(c *apimodel.Config) { pets(c).ID = strings.Repeat("a", 64); c.Domains = nil },
			[]string{`genkan.yaml:1:1: api id "` + strings.Repeat("a", 64) + `" must be 1-63 lower-case letters or digits`}},
		{"api id of 63 characters", func(c *apimodel.Config) { pets(c).ID = strings.Repeat("a", 63); c.Domains = nil }, nil},
		{"two empty api ids are not also duplicates", func(c *apimodel.Config) { pets(c).ID, web(c).ID = "", ""; c.Domains = nil },
			[]string{
				`genkan.yaml:1:1: api id "" must be 1-63 lower-case letters or digits`,
				`genkan.yaml:10:1: api id "" must be 1-63 lower-case letters or digits`,
			}},
		{"duplicate api id names the first", func(c *apimodel.Config) { web(c).ID = "pets"; c.Domains = nil },
			[]string{`genkan.yaml:10:1: api id "pets" is already used by genkan.yaml:1:1`}},

		// Protocols.
		{"websocket", func(c *apimodel.Config) { web(c).Protocol = apimodel.ProtocolWebSocket },
			[]string{
				`genkan.yaml:10:1: api "web": WebSocket APIs are not supported yet`,
				`genkan.yaml:12:3: the $default route is only for HTTP APIs`,
			}},
		{"unknown protocol", func(c *apimodel.Config) { web(c).Protocol = "GRPC" },
			[]string{
				`genkan.yaml:10:1: api "web": protocol "GRPC" is not one of REST, HTTP, WEBSOCKET`,
				`genkan.yaml:12:3: the $default route is only for HTTP APIs`,
			}},

		// Stages.
		{"no stage", func(c *apimodel.Config) { pets(c).Stages = nil },
			[]string{
				`genkan.yaml:1:1: api "pets" has no stage`,
				`genkan.yaml:21:3: domain api.example.com: api "pets" has no stage "prod"`,
			}},
		{"$default stage on a REST api", func(c *apimodel.Config) {
			pets(c).Stages = append(pets(c).Stages, &apimodel.Stage{Name: "$default", Pos: at(2, 20)})
		}, []string{`genkan.yaml:2:20: stage "$default" is only for HTTP APIs`}},
		{"$default stage beside named ones on an HTTP api", func(c *apimodel.Config) {
			web(c).Stages = append(web(c).Stages, &apimodel.Stage{Name: "beta", Pos: at(11, 20)})
		}, nil},
		{"stage name with a space", func(c *apimodel.Config) { pets(c).Stages[0].Name = "pr od"; c.Domains = nil },
			[]string{`genkan.yaml:2:3: stage name "pr od" must be 1-128 letters, digits, '-' or '_'`}},
		{"stage name with a dollar", func(c *apimodel.Config) { pets(c).Stages[0].Name = "$prod"; c.Domains = nil },
			[]string{`genkan.yaml:2:3: stage name "$prod" must be 1-128 letters, digits, '-' or '_'`}},
		{"stage name of 129 characters", func(c *apimodel.Config) { pets(c).Stages[0].Name = strings.Repeat("s", 129); c.Domains = nil },
			[]string{`genkan.yaml:2:3: stage name "` + strings.Repeat("s", 129) + `" must be 1-128 letters, digits, '-' or '_'`}},
		{"stage name with dash and underscore", func(c *apimodel.Config) { pets(c).Stages[0].Name = "v1-beta_2"; c.Domains = nil }, nil},
		{"stage declared twice", func(c *apimodel.Config) {
			pets(c).Stages = append(pets(c).Stages, &apimodel.Stage{Name: "prod", Pos: at(2, 30)})
		}, []string{`genkan.yaml:2:30: stage "prod" is declared twice`}},
		{"stage variable name with a dash", func(c *apimodel.Config) { pets(c).Stages[0].Variables["backend-url"] = "x" },
			[]string{`genkan.yaml:2:3: stage variable name "backend-url" must be 1-64 letters, digits or '_'`}},
		{"stage variable name of 65 characters", func(c *apimodel.Config) { pets(c).Stages[0].Variables[strings.Repeat("v", 65)] = "x" },
			[]string{`genkan.yaml:2:3: stage variable name "` + strings.Repeat("v", 65) + `" must be 1-64 letters, digits or '_'`}},

		// Routes.
		{"$default route on a REST api", func(c *apimodel.Config) { addRoute(pets(c), &apimodel.Route{Path: "$default", Pos: at(9, 3)}) },
			[]string{`genkan.yaml:9:3: the $default route is only for HTTP APIs`}},
		{"unknown method", func(c *apimodel.Config) { getPet(c).Method = "FETCH" },
			[]string{`genkan.yaml:3:3: method "FETCH" is not one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY`}},
		{"lower-case method", func(c *apimodel.Config) { getPet(c).Method = "get" },
			[]string{`genkan.yaml:3:3: method "get" is not one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY`}},
		{"route without integration", func(c *apimodel.Config) { getPet(c).Integration = nil },
			[]string{`genkan.yaml:3:3: route GET /pets/{id} has no integration`}},
		{"duplicate route names both positions", func(c *apimodel.Config) {
			addRoute(pets(c), &apimodel.Route{Method: "GET", Path: "/pets/{id}", Pos: at(9, 3)})
		}, []string{`genkan.yaml:9:3: route GET /pets/{id} is already declared at genkan.yaml:3:3`}},
		{"duplicate $default route", func(c *apimodel.Config) { addRoute(web(c), &apimodel.Route{Path: "$default", Pos: at(15, 3)}) },
			[]string{`genkan.yaml:15:3: route $default is already declared at genkan.yaml:12:3`}},
		{"same path, other method", func(c *apimodel.Config) {
			addRoute(pets(c), &apimodel.Route{Method: "DELETE", Path: "/pets/{id}", Pos: at(9, 3)})
		}, nil},
		{"same route in another api", func(c *apimodel.Config) {
			addRoute(web(c), &apimodel.Route{Method: "GET", Path: "/pets/{id}", Pos: at(15, 3)})
		}, nil},

		// Paths; the table below has every rule of ValidatePath, this shows the placing.
		{"greedy parameter not last", func(c *apimodel.Config) { getPet(c).Path = "/{proxy+}/x" },
			[]string{`genkan.yaml:3:3: path "/{proxy+}/x": greedy parameter {proxy+} must be the last segment`}},
		{"duplicate parameter name", func(c *apimodel.Config) { getPet(c).Path = "/{id}/toys/{id}" },
			[]string{`genkan.yaml:3:3: path "/{id}/toys/{id}": parameter {id} appears twice`}},
		{"empty segment", func(c *apimodel.Config) { getPet(c).Path = "/pets//toys" },
			[]string{`genkan.yaml:3:3: path "/pets//toys": empty segment`}},

		// Integrations.
		{"http proxy without uri", func(c *apimodel.Config) { proxy(c).URI = "" },
			[]string{`genkan.yaml:4:5: HTTP_PROXY integration needs a uri`}},
		{"http uri without scheme", func(c *apimodel.Config) {
			proxy(c).Type, proxy(c).URI = apimodel.IntegrationHTTP, "backend.example.com/pets"
		},
			[]string{`genkan.yaml:4:5: HTTP integration uri "backend.example.com/pets" must be an absolute http(s) URL`}},
		{"ftp uri", func(c *apimodel.Config) { proxy(c).URI = "ftp://backend.example.com/pets" },
			[]string{`genkan.yaml:4:5: HTTP_PROXY integration uri "ftp://backend.example.com/pets" must be an absolute http(s) URL`}},
		{"uri without host", func(c *apimodel.Config) { proxy(c).URI = "http:///pets" },
			[]string{`genkan.yaml:4:5: HTTP_PROXY integration uri "http:///pets" must be an absolute http(s) URL`}},
		{"stage variable as the whole base", func(c *apimodel.Config) { proxy(c).URI = "${stageVariables.backend_url}/pets/{id}" }, nil},
		{"stage variable as the whole uri", func(c *apimodel.Config) { proxy(c).URI = "${stageVariables.backend_url}" }, nil},
		{"stage variable as the host", func(c *apimodel.Config) { proxy(c).URI = "http://${stageVariables.host}:8080/pets/{id}" }, nil},
		{"stage variable in the path", func(c *apimodel.Config) { proxy(c).URI = "https://backend.example.com/${stageVariables.v}/pets" }, nil},
		{"stage variable after a literal scheme-less prefix", func(c *apimodel.Config) { proxy(c).URI = "backend/${stageVariables.v}" },
			[]string{`genkan.yaml:4:5: HTTP_PROXY integration uri "backend/${stageVariables.v}" must be an absolute http(s) URL`}},
		{"unknown integration httpMethod", func(c *apimodel.Config) { proxy(c).HTTPMethod = "FETCH" },
			[]string{`genkan.yaml:4:5: integration httpMethod "FETCH" is not an HTTP method`}},
		{"AWS without uri", func(c *apimodel.Config) { proxy(c).Type, proxy(c).URI = apimodel.IntegrationAWSProxy, "" },
			[]string{`genkan.yaml:4:5: AWS_PROXY integration needs a uri (an arn:aws:apigateway:… ARN)`}},
		{"unknown integration type", func(c *apimodel.Config) { proxy(c).Type = "LAMBDA" },
			[]string{`genkan.yaml:4:5: integration type "LAMBDA" is not one of HTTP, HTTP_PROXY, MOCK, AWS, AWS_PROXY`}},
		{"unknown passthrough behavior", func(c *apimodel.Config) { mock(c).PassthroughBehavior = "SOMETIMES" },
			[]string{`genkan.yaml:6:5: passthroughBehavior "SOMETIMES" is not one of WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER`}},
		{"unknown payload format version", func(c *apimodel.Config) { proxy(c).PayloadFormatVersion = "3.0" },
			[]string{`genkan.yaml:4:5: payloadFormatVersion "3.0" is not 1.0 or 2.0`}},
		{"integration response status not a number", func(c *apimodel.Config) { mock(c).Responses[0].StatusCode = "2xx" },
			[]string{`genkan.yaml:7:7: integration response status code "2xx" is not an HTTP status`}},
		{"integration response status 600", func(c *apimodel.Config) { mock(c).Responses[0].StatusCode = "600" },
			[]string{`genkan.yaml:7:7: integration response status code "600" is not an HTTP status`}},
		{"integration response bad selection pattern", func(c *apimodel.Config) { mock(c).Responses[0].SelectionPattern = "(" },
			[]string{"genkan.yaml:7:7: selectionPattern \"(\": error parsing regexp: missing closing ): `(`"}},

		// Integration timeouts: 50 ms to 29 s, or to the configured maximum.
		{"timeout below 50 ms", func(c *apimodel.Config) { proxy(c).Timeout = 49 * time.Millisecond },
			[]string{`genkan.yaml:4:5: timeoutInMillis 49 is outside 50-29000`}},
		{"timeout of 50 ms", func(c *apimodel.Config) { proxy(c).Timeout = 50 * time.Millisecond }, nil},
		{"timeout of 29 s", func(c *apimodel.Config) { proxy(c).Timeout = 29 * time.Second }, nil},
		{"timeout over 29 s", func(c *apimodel.Config) { proxy(c).Timeout = 29001 * time.Millisecond },
			[]string{`genkan.yaml:4:5: timeoutInMillis 29001 is outside 50-29000`}},
		{"negative timeout", func(c *apimodel.Config) { proxy(c).Timeout = -time.Millisecond },
			[]string{`genkan.yaml:4:5: timeoutInMillis -1 is outside 50-29000`}},
		{"timeout up to a raised maximum", func(c *apimodel.Config) {
			c.Settings.MaxIntegrationTimeout = time.Minute
			proxy(c).Timeout = time.Minute
		}, nil},
		{"timeout over a raised maximum", func(c *apimodel.Config) {
			c.Settings.MaxIntegrationTimeout = time.Minute
			proxy(c).Timeout = time.Minute + time.Millisecond
		}, []string{`genkan.yaml:4:5: timeoutInMillis 60001 is outside 50-60000`}},

		// Gateway responses.
		{"unknown gateway response type", func(c *apimodel.Config) {
			pets(c).GatewayResponses["NOT_A_TYPE"] = &apimodel.GatewayResponse{Pos: at(8, 20)}
		}, []string{`genkan.yaml:8:20: unknown gateway response type "NOT_A_TYPE"`}},
		{"gateway response status not a number", func(c *apimodel.Config) { pets(c).GatewayResponses["DEFAULT_4XX"].StatusCode = "4xx" },
			[]string{`genkan.yaml:8:3: gateway response DEFAULT_4XX: status code "4xx" is not an HTTP status`}},
		{"gateway response status 99", func(c *apimodel.Config) { pets(c).GatewayResponses["DEFAULT_4XX"].StatusCode = "99" },
			[]string{`genkan.yaml:8:3: gateway response DEFAULT_4XX: status code "99" is not an HTTP status`}},
		{"gateway response status 600", func(c *apimodel.Config) { pets(c).GatewayResponses["DEFAULT_4XX"].StatusCode = "600" },
			[]string{`genkan.yaml:8:3: gateway response DEFAULT_4XX: status code "600" is not an HTTP status`}},
		{"gateway response keeping its status", func(c *apimodel.Config) { pets(c).GatewayResponses["DEFAULT_4XX"].StatusCode = "" }, nil},

		// Custom domains.
		{"domain without name", func(c *apimodel.Config) { c.Domains[0].Name = "" },
			[]string{`genkan.yaml:20:1: custom domain needs a name`}},
		{"base path mapped twice, spelled differently", func(c *apimodel.Config) {
			c.Domains[0].Mappings = append(c.Domains[0].Mappings, &apimodel.BasePathMapping{BasePath: "/v1/web/", APIID: "pets", Pos: at(23, 3)})
		}, []string{`genkan.yaml:23:3: domain api.example.com: base path "/v1/web/" is mapped twice`}},
		{"root mapped twice", func(c *apimodel.Config) {
			c.Domains[0].Mappings = append(c.Domains[0].Mappings, &apimodel.BasePathMapping{BasePath: "", APIID: "web", Pos: at(23, 3)})
		}, []string{`genkan.yaml:23:3: domain api.example.com: base path "" is mapped twice`}},
		{"mapping to an unknown api", func(c *apimodel.Config) { c.Domains[0].Mappings[1].APIID = "nope" },
			[]string{`genkan.yaml:22:3: domain api.example.com: base path "v1/web" maps to unknown api "nope"`}},
		{"mapping to an unknown stage", func(c *apimodel.Config) { c.Domains[0].Mappings[0].Stage = "staging" },
			[]string{`genkan.yaml:21:3: domain api.example.com: api "pets" has no stage "staging"`}},
		{"mapping to the $default stage", func(c *apimodel.Config) { c.Domains[0].Mappings[1].Stage = "$default" }, nil},

		// Many problems at once come back together, in file order.
		{"several problems, sorted by position", func(c *apimodel.Config) {
			c.Domains[0].Mappings[0].APIID = "nope"
			mock(c).Responses[0].StatusCode = "x"
			web(c).ID = "Web"
			getPet(c).Method = "FETCH"
			c.Domains[0].Mappings[1].APIID = "Web"
		}, []string{
			`genkan.yaml:3:3: method "FETCH" is not one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY`,
			`genkan.yaml:7:7: integration response status code "x" is not an HTTP status`,
			`genkan.yaml:10:1: api id "Web" must be 1-63 lower-case letters or digits`,
			`genkan.yaml:21:3: domain api.example.com: base path "(none)" maps to unknown api "nope"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.breakf(c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no problems, want:\n%s", strings.Join(tt.want, "\n"))
			}
			var ps apimodel.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Validate returned %T, want apimodel.Problems", err)
			}
			if got := err.Error(); got != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(tt.want, "\n"))
			}
			if len(ps) != len(tt.want) {
				t.Errorf("%d problems, want %d", len(ps), len(tt.want))
			}
		})
	}
}

// TestValidatePath covers every rule of a resource path template.
func TestValidatePath(t *testing.T) {
	tests := []struct {
		path string
		err  string // "" for valid
	}{
		{"/", ""},
		{"/pets", ""},
		{"/pets/{id}", ""},
		{"/pets/{id}/toys/{toyId}", ""},
		{"/{proxy+}", ""},
		{"/files/{path+}", ""},
		{"/a.b/c-d/e_f/~g/h:i/j@k/l$m/n%20o", ""},
		{"/{my.param-1_x}", ""},
		{"", "must start with '/'"},
		{"pets", "must start with '/'"},
		{"/pets/", "must not end with '/'"},
		{"//", "must not end with '/'"},
		{"/pets//toys", "empty segment"},
		{"//pets", "empty segment"},
		{"/{proxy+}/x", "greedy parameter {proxy+} must be the last segment"},
		{"/{a+}/{b+}", "greedy parameter {a+} must be the last segment"},
		{"/{id}/{id}", "parameter {id} appears twice"},
		{"/{id}/x/{id+}", "parameter {id} appears twice"},
		{"/a b", `segment "a b" is not a literal, {param} or {proxy+}`},
		{"/{}", `segment "{}" is not a literal, {param} or {proxy+}`},
		{"/{+}", `segment "{+}" is not a literal, {param} or {proxy+}`},
		{"/{a}b", `segment "{a}b" is not a literal, {param} or {proxy+}`},
		{"/a{b}", `segment "a{b}" is not a literal, {param} or {proxy+}`},
		{"/{a b}", `segment "{a b}" is not a literal, {param} or {proxy+}`},
		{"/pets?x=1", `segment "pets?x=1" is not a literal, {param} or {proxy+}`},
		{"/pets#x", `segment "pets#x" is not a literal, {param} or {proxy+}`},
	}
	for _, tt := range tests {
		err := apimodel.ValidatePath(tt.path)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.err {
			t.Errorf("ValidatePath(%q) = %q, want %q", tt.path, got, tt.err)
		}
	}
}

// TestProblemsOrder: problems gathered in any order come back sorted by file, line and
// column, ties keeping the order they were found in, one file:line:col: message per line.
func TestProblemsOrder(t *testing.T) {
	p := func(f string, l, c int, m string) apimodel.Problem {
		return apimodel.Problem{Pos: apimodel.Position{File: f, Line: l, Column: c}, Message: m}
	}
	ps := apimodel.Problems{
		p("b.yaml", 1, 1, "b first"),
		p("a.yaml", 10, 2, "a line 10 col 2"),
		p("a.yaml", 2, 9, "a line 2 col 9"),
		p("a.yaml", 10, 1, "a line 10 col 1"),
		p("a.yaml", 2, 9, "a line 2 col 9, found second"),
		p("", 0, 0, "no position"),
		p("a.yaml", 9, 0, "a line 9 no column"),
	}
	err := ps.Err()
	want := strings.Join([]string{
		"<config>: no position",
		"a.yaml:2:9: a line 2 col 9",
		"a.yaml:2:9: a line 2 col 9, found second",
		"a.yaml:9: a line 9 no column",
		"a.yaml:10:1: a line 10 col 1",
		"a.yaml:10:2: a line 10 col 2",
		"b.yaml:1:1: b first",
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
	if err := (apimodel.Problems{}).Err(); err != nil {
		t.Errorf("empty Problems.Err() = %v, want nil", err)
	}
	if err := apimodel.Problems(nil).Err(); err != nil {
		t.Errorf("nil Problems.Err() = %v, want nil", err)
	}
}

// TestValidateSortsAcrossFiles: declarations from several files (an API imported from OpenAPI
// beside genkan.yaml) are reported file by file, whatever their order in the Config.
func TestValidateSortsAcrossFiles(t *testing.T) {
	c := &apimodel.Config{
		APIs: []*apimodel.API{
			{ID: "Zed", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: "s"}}, Pos: apimodel.Position{File: "z.yaml", Line: 1, Column: 1}},
			{ID: "B", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: "s"}}, Pos: apimodel.Position{File: "openapi.json", Line: 4, Column: 2}},
		},
		Domains: []*apimodel.Domain{{Name: "", Pos: apimodel.Position{File: "a.yaml", Line: 30, Column: 1}}},
	}
	want := strings.Join([]string{
		`a.yaml:30:1: custom domain needs a name`,
		`openapi.json:4:2: api id "B" must be 1-63 lower-case letters or digits`,
		`z.yaml:1:1: api id "Zed" must be 1-63 lower-case letters or digits`,
	}, "\n")
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestPositionString(t *testing.T) {
	tests := []struct {
		pos  apimodel.Position
		want string
	}{
		{apimodel.Position{File: "genkan.yaml", Line: 3, Column: 7}, "genkan.yaml:3:7"},
		{apimodel.Position{File: "genkan.yaml", Line: 3}, "genkan.yaml:3"},
		{apimodel.Position{File: "genkan.yaml", Column: 7}, "genkan.yaml"}, // a column alone says nothing
		{apimodel.Position{File: "genkan.yaml"}, "genkan.yaml"},
		{apimodel.Position{Line: 3, Column: 7}, "<config>:3:7"},
		{apimodel.Position{}, "<config>"},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.pos, got, tt.want)
		}
		pr := apimodel.Problem{Pos: tt.pos, Message: "m"}
		if got := pr.Error(); got != tt.want+": m" {
			t.Errorf("Problem.Error() = %q, want %q", got, tt.want+": m")
		}
	}
}

func TestIsMethod(t *testing.T) {
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"} {
		if !apimodel.IsMethod(m) {
			t.Errorf("IsMethod(%q) = false", m)
		}
	}
	for _, m := range []string{"", "get", "CONNECT", "TRACE", "FETCH", "$default"} {
		if apimodel.IsMethod(m) {
			t.Errorf("IsMethod(%q) = true", m)
		}
	}
}

// TestHasStage is what domain mappings are checked with.
func TestHasStage(t *testing.T) {
	api := &apimodel.API{Stages: []*apimodel.Stage{{Name: "prod"}, {Name: "$default"}}}
	for name, want := range map[string]bool{"prod": true, "$default": true, "Prod": false, "": false} {
		if got := api.HasStage(name); got != want {
			t.Errorf("HasStage(%q) = %v, want %v", name, got, want)
		}
	}
}
