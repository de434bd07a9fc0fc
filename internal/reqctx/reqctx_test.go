package reqctx

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"
)

// full has a distinct value in every field Lookup reads, so a name wired to the wrong field
// shows up as a wrong value.
func full() *Context {
	return &Context{
		RequestID:         "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		ExtendedRequestID: "Ab1CdEfGhIjKlM=",
		APIID:             "a1b2c3",
		AccountID:         "123456789012",
		Stage:             "prod",
		ResourcePath:      "/pets/{id}",
		ResourceID:        "res123",
		RouteKey:          "GET /pets/{id}",
		HTTPMethod:        "GET",
		Path:              "/prod/pets/7",
		Protocol:          "HTTP/1.1",
		DomainName:        "a1b2c3.execute-api.localhost",
		DomainPrefix:      "a1b2c3",
		Identity: Identity{
			SourceIP:  "192.0.2.1",
			UserAgent: "curl/8.0",
			APIKey:    "key-value",
			APIKeyID:  "key-id",
			Caller:    "AIDACALLER",
			User:      "AIDAUSER",
			UserARN:   "arn:aws:iam::123456789012:user/u",
			AccountID: "210987654321",
		},
		// 18:04:56.789 at +05:30 is 12:34:56.789 UTC.
		RequestTime:        time.Date(2015, 4, 9, 18, 4, 56, 789_000_000, time.FixedZone("IST", 5*3600+1800)),
		StageVariables:     map[string]string{"v": "1"},
		Status:             201,
		ResponseLength:     1234,
		IntegrationStatus:  502,
		IntegrationLatency: 42*time.Millisecond + 900*time.Microsecond,
		ResponseLatency:    57*time.Millisecond + 999*time.Microsecond,
		IntegrationError:   "connection refused",
		Error: Error{
			Message:               "Endpoint request timed out",
			ResponseType:          "INTEGRATION_TIMEOUT",
			MessageString:         ` "Endpoint request timed out"`,
			ValidationErrorString: "[instance failed to match]",
		},
	}
}

// lookupWants is every name Lookup knows with its value in full(). TestLookupNamesComplete
// keeps it in step with the switch in Lookup.
var lookupWants = map[string]string{
	"requestId":                     "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
	"extendedRequestId":             "Ab1CdEfGhIjKlM=",
	"apiId":                         "a1b2c3",
	"accountId":                     "123456789012",
	"stage":                         "prod",
	"resourcePath":                  "/pets/{id}",
	"resourceId":                    "res123",
	"routeKey":                      "GET /pets/{id}",
	"httpMethod":                    "GET",
	"path":                          "/prod/pets/7",
	"protocol":                      "HTTP/1.1",
	"domainName":                    "a1b2c3.execute-api.localhost",
	"domainPrefix":                  "a1b2c3",
	"identity.sourceIp":             "192.0.2.1",
	"identity.userAgent":            "curl/8.0",
	"identity.apiKey":               "key-value",
	"identity.apiKeyId":             "key-id",
	"identity.caller":               "AIDACALLER",
	"identity.user":                 "AIDAUSER",
	"identity.userArn":              "arn:aws:iam::123456789012:user/u",
	"identity.accountId":            "210987654321",
	"requestTime":                   "09/Apr/2015:12:34:56 +0000",
	"requestTimeEpoch":              "1428582896789",
	"status":                        "201",
	"responseLength":                "1234",
	"responseLatency":               "57",
	"integrationLatency":            "42",
	"integration.latency":           "42",
	"integrationStatus":             "502",
	"integration.status":            "502",
	"integration.integrationStatus": "502",
	"integration.error":             "connection refused",
	"integrationErrorMessage":       "connection refused",
	"error.message":                 "Endpoint request timed out",
	"error.messageString":           ` "Endpoint request timed out"`,
	"error.responseType":            "INTEGRATION_TIMEOUT",
	"error.validationErrorString":   "[instance failed to match]",
}

// unknownNames are close to real ones but are not: $context names are case-sensitive and
// carry no prefix, and genkan does not (yet) know authorizer or stage-variable names here.
var unknownNames = []string{
	"", "requestid", "RequestId", "$context.requestId", "context.requestId", "identity",
	"identity.sourceIP", "identity.", "stageVariables.v", "authorizer",
	"error", "integration", "requestTime ", "status.code",
}

func sortedNames() []string {
	names := make([]string, 0, len(lookupWants))
	for n := range lookupWants {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func TestLookup(t *testing.T) {
	c := full()
	for _, name := range sortedNames() {
		got, ok := c.Lookup(name)
		if !ok || got != lookupWants[name] {
			t.Errorf("Lookup(%q) = %q, %v; want %q, true", name, got, ok, lookupWants[name])
		}
	}
	for _, name := range unknownNames {
		if got, ok := c.Lookup(name); ok || got != "" {
			t.Errorf("Lookup(%q) = %q, %v; want \"\", false", name, got, ok)
		}
	}
}

// TestLookupEmpty: known variables without a value are "" and ok (the access log prints them
// as "-"); numbers that are always meaningful are "0".
func TestLookupEmpty(t *testing.T) {
	c := &Context{RequestTime: time.Unix(0, 0)}
	zeroAsNumber := map[string]string{
		"responseLength": "0", "responseLatency": "0",
		"requestTime": "01/Jan/1970:00:00:00 +0000", "requestTimeEpoch": "0",
	}
	for _, name := range sortedNames() {
		if name == "error.messageString" {
			continue // see TestMessageString
		}
		got, ok := c.Lookup(name)
		if !ok || got != zeroAsNumber[name] {
			t.Errorf("Lookup(%q) on an empty context = %q, %v; want %q, true", name, got, ok, zeroAsNumber[name])
		}
	}
}

// TestLookupNamesComplete reads Lookup's switch from the source, so that a name added there
// without a value here (and so without a check of AppendValue) fails.
func TestLookupNamesComplete(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "reqctx.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var inSource []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Lookup" {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						inSource = append(inSource, s)
					}
				}
			}
			return true
		})
	}
	sort.Strings(inSource)
	if want := sortedNames(); !slices.Equal(inSource, want) {
		t.Errorf("Lookup knows\n%q\nthe test knows\n%q", inSource, want)
	}
}

// TestAppendValueAgreesWithLookup: the access log uses AppendValue, templates and events use
// Lookup; for every name and several states of a context they must produce the same text.
func TestAppendValueAgreesWithLookup(t *testing.T) {
	latencyOnly := &Context{IntegrationLatency: 3 * time.Millisecond}
	statusOnly := &Context{IntegrationStatus: 200}
	messageOnly := &Context{Error: Error{Message: `say "hi"`}}
	negative := &Context{ResponseLength: -1, ResponseLatency: -time.Millisecond, RequestTime: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)}
	contexts := map[string]*Context{
		"full": full(), "zero": {}, "latency only": latencyOnly, "status only": statusOnly,
		"message only": messageOnly, "negative": negative,
	}
	names := append(sortedNames(), unknownNames...)
	for cname, c := range contexts {
		for _, name := range names {
			want, wantOK := c.Lookup(name)
			prefix := []byte("prefix:")
			got, ok := c.AppendValue(prefix, name)
			if ok != wantOK || string(got) != "prefix:"+want {
				t.Errorf("%s: AppendValue(%q) = %q, %v; Lookup gives %q, %v", cname, name, got, ok, want, wantOK)
			}
			// Appending must not write into the caller's buffer before its length.
			if string(prefix) != "prefix:" {
				t.Errorf("%s: AppendValue(%q) changed the bytes it was given", cname, name)
			}
		}
	}
}

func TestAppendValueDoesNotAllocate(t *testing.T) {
	c := full()
	buf := make([]byte, 0, 256)
	for _, name := range []string{"requestTime", "requestTimeEpoch", "status", "responseLength", "responseLatency", "integrationLatency", "integrationStatus", "requestId"} {
		allocs := testing.AllocsPerRun(100, func() { buf, _ = c.AppendValue(buf[:0], name) })
		if allocs != 0 {
			t.Errorf("AppendValue(%q) allocates %.0f times", name, allocs)
		}
	}
}

func TestRequestTime(t *testing.T) {
	tests := []struct {
		at    time.Time
		clf   string
		epoch int64
	}{
		{time.Date(2015, 4, 9, 12, 34, 56, 0, time.UTC), "09/Apr/2015:12:34:56 +0000", 1428582896000},
		// Another zone is reported in UTC, as AWS does.
		{time.Date(2024, 1, 1, 1, 2, 3, 0, time.FixedZone("PST", -8*3600)), "01/Jan/2024:09:02:03 +0000", 1704099723000},
		// Milliseconds are kept by the epoch form only, and truncated, not rounded.
		{time.Date(2024, 12, 5, 23, 59, 59, 999_999_999, time.UTC), "05/Dec/2024:23:59:59 +0000", 1733443199999},
		{time.Unix(0, 0), "01/Jan/1970:00:00:00 +0000", 0},
	}
	for _, tt := range tests {
		c := &Context{RequestTime: tt.at}
		if got := c.RequestTimeString(); got != tt.clf {
			t.Errorf("RequestTimeString(%s) = %q, want %q", tt.at, got, tt.clf)
		}
		if got := c.RequestTimeEpoch(); got != tt.epoch {
			t.Errorf("RequestTimeEpoch(%s) = %d, want %d", tt.at, got, tt.epoch)
		}
		if got, _ := c.Lookup("requestTime"); got != tt.clf {
			t.Errorf("Lookup(requestTime) = %q, want %q", got, tt.clf)
		}
		if got, _ := c.Lookup("requestTimeEpoch"); got != strconv.FormatInt(tt.epoch, 10) {
			t.Errorf("Lookup(requestTimeEpoch) = %q, want %d", got, tt.epoch)
		}
	}
}

// TestNumbers: status-like values are empty while unset (0 is never a status), lengths and
// latencies are whole milliseconds, truncated.
func TestNumbers(t *testing.T) {
	tests := []struct {
		name string
		c    Context
		want map[string]string
	}{
		{"unset", Context{}, map[string]string{"status": "", "integrationStatus": "", "integrationLatency": "", "responseLength": "0", "responseLatency": "0"}},
		{"sub-millisecond latencies", Context{ResponseLatency: 999 * time.Microsecond, IntegrationStatus: 200, IntegrationLatency: 999 * time.Microsecond},
			map[string]string{"responseLatency": "0", "integrationLatency": "0", "integrationStatus": "200"}},
		{"latency without a status", Context{IntegrationLatency: 1500 * time.Microsecond}, map[string]string{"integrationLatency": "1", "integrationStatus": ""}},
		{"large values", Context{Status: 599, ResponseLength: 10 << 30, ResponseLatency: 29 * time.Second},
			map[string]string{"status": "599", "responseLength": "10737418240", "responseLatency": "29000"}},
	}
	for _, tt := range tests {
		for name, want := range tt.want {
			if got, _ := tt.c.Lookup(name); got != want {
				t.Errorf("%s: Lookup(%q) = %q, want %q", tt.name, name, got, want)
			}
		}
	}
}

// TestMessageString: $context.error.messageString is what apierr rendered when it rendered
// something, else the message quoted.
func TestMessageString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Message: "Endpoint request timed out", MessageString: ` "Endpoint request timed out"`}, ` "Endpoint request timed out"`},
		{Error{Message: "", MessageString: "null"}, "null"},
		{Error{Message: "Forbidden"}, `"Forbidden"`},
		{Error{Message: `say "hi"`}, `"say \"hi\""`},
	}
	for _, tt := range tests {
		c := &Context{Error: tt.e}
		if got, _ := c.Lookup("error.messageString"); got != tt.want {
			t.Errorf("%+v: messageString = %q, want %q", tt.e, got, tt.want)
		}
	}
}

// TestPool: Release zeroes everything, so a recycled context can never show the previous
// request's ids, identity or error to the next one.
func TestPool(t *testing.T) {
	c := full()
	Release(c)
	if !reflect.ValueOf(*c).IsZero() {
		t.Errorf("Release left %+v", *c)
	}
	for i := 0; i < 100; i++ {
		c := Acquire()
		if !reflect.ValueOf(*c).IsZero() {
			t.Fatalf("Acquire returned a used context: %+v", *c)
		}
		*c = *full()
		Release(c)
	}
}

func TestLookupAuthorizer(t *testing.T) {
	c := &Context{Authorizer: Authorizer{
		Kind:        AuthorizerLambda,
		PrincipalID: "user|a1",
		Context: map[string]any{
			"tier": "gold", "n": json.Number("42"), "ok": true, "obj": map[string]any{"a": "b"},
		},
		Claims:             map[string]any{"sub": "abc", "email_verified": true},
		Scopes:             []string{"read", "write"},
		Error:              "",
		Status:             200,
		Latency:            12 * time.Millisecond,
		IntegrationLatency: 9 * time.Millisecond,
	}}
	for name, want := range map[string]string{
		"authorizer.principalId":           "user|a1",
		"authorizer.tier":                  "gold",
		"authorizer.n":                     "42",
		"authorizer.ok":                    "true",
		"authorizer.obj":                   `{"a":"b"}`,
		"authorizer.missing":               "",
		"authorizer.claims.sub":            "abc",
		"authorizer.claims.email_verified": "true",
		"authorizer.jwt.claims.sub":        "abc",
		"authorizer.jwt.scopes":            "read write",
		"authorizer.status":                "200",
		"authorizer.latency":               "12",
		"authorizer.integrationLatency":    "9",
		"authorizer.integrationStatus":     "200",
		"authorizer.error":                 "",
	} {
		got, ok := c.Lookup(name)
		if !ok || got != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, true", name, got, ok, want)
		}
	}
}
