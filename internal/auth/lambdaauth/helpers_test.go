package lambdaauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/integration/lambda"
	"github.com/genkanhq/genkan/internal/reqctx"
)

const fixtures = "../../../../shared/fixtures"

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixture %s: %v", name, err)
		}
		t.Skipf("fixture %s: %v", name, err)
	}
	return b
}

// fakeInvoker counts invocations, keeps their payloads and answers with out.
type fakeInvoker struct {
	mu    sync.Mutex
	calls []invocation
	out   func(payload []byte) ([]byte, string, error)
}

type invocation struct {
	function string
	payload  []byte
	inv      lambda.Invocation
}

func (f *fakeInvoker) Invoke(ctx context.Context, function string, payload []byte) ([]byte, string, error) {
	inv, _ := lambda.InvocationFrom(ctx)
	f.mu.Lock()
	f.calls = append(f.calls, invocation{function, append([]byte(nil), payload...), inv})
	out := f.out
	f.mu.Unlock()
	return out(payload)
}

func (f *fakeInvoker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeInvoker) last(t *testing.T) invocation {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the function was not invoked")
	}
	return f.calls[len(f.calls)-1]
}

// answer returns an out func that always answers body (and fnErr, "" for success).
func answer(body, fnErr string) func([]byte) ([]byte, string, error) {
	return func([]byte) ([]byte, string, error) { return []byte(body), fnErr, nil }
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 6, 17, 15, 2, 3, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	testRegion   = "us-east-1"
	testAccount  = "123456789012"
	testAPI      = "a1b2c3d4e5"
	testFunction = "arn:aws:lambda:us-east-1:123456789012:function:auth"
)

func seconds(n int) *int { return &n }

func tokenSpec() *apimodel.Authorizer {
	return &apimodel.Authorizer{Name: "tok", Type: apimodel.AuthorizerToken, IdentitySources: []string{"method.request.header.Authorization"}}
}

func mustNew(t *testing.T, spec *apimodel.Authorizer, protocol apimodel.Protocol, inv Invoker, clk *clock) *Authorizer {
	t.Helper()
	cfg := Config{Spec: spec, Protocol: protocol, Function: testFunction, Invoker: inv, Region: testRegion, AccountID: testAccount}
	if clk != nil {
		cfg.Clock = clk.now
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// newRequest is a request as the edge hands it over: target is the path with the stage
// (REST) or the HTTP API path, header the client's headers.
func newRequest(protocol apimodel.Protocol, method, target string, header map[string]string) *Request {
	r := httptest.NewRequest(method, "http://"+testAPI+".execute-api.us-east-1.amazonaws.com"+target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	c := &reqctx.Context{
		RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", APIID: testAPI, AccountID: testAccount,
		HTTPMethod: method, Path: r.URL.Path, Protocol: "HTTP/1.1",
		DomainName: r.Host, DomainPrefix: testAPI, RequestTime: time.Unix(1718636523, 35e6),
		Identity: reqctx.Identity{SourceIP: "203.0.113.7", UserAgent: r.UserAgent()},
	}
	req := &Request{HTTP: r, Ctx: c}
	if protocol == apimodel.ProtocolREST {
		stage, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		c.Stage, req.Path = stage, "/"+rest
		c.ResourcePath = req.Path
	} else {
		c.Stage = apimodel.DefaultStage
		req.Path = r.URL.Path
		c.RouteKey = method + " " + r.URL.Path
	}
	return req
}

// render renders err as the API's gateway response and returns status, x-amzn-ErrorType and
// body.
func render(t *testing.T, protocol apimodel.Protocol, err error) (int, string, string) {
	t.Helper()
	set, cerr := apierr.Compile(protocol, nil)
	if cerr != nil {
		t.Fatal(cerr)
	}
	w := httptest.NewRecorder()
	set.Render(w, nil, new(reqctx.Context), apierr.As(err))
	// apierr writes the header in AWS's spelling, which Header.Get would canonicalise away.
	return w.Code, strings.Join(w.Header()["x-amzn-ErrorType"], ","), w.Body.String()
}

func policyJSON(effect string, resources ...string) string {
	res, _ := json.Marshal(resources)
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":%q,"Resource":%s}]}`, effect, res)
}

func allowOutput(principal string, resources ...string) string {
	return fmt.Sprintf(`{"principalId":%q,"policyDocument":%s,"context":{"user":"jane","n":1,"admin":true}}`, principal, policyJSON("Allow", resources...))
}

func arnFor(stage, method, p string) string {
	return "arn:aws:execute-api:" + testRegion + ":" + testAccount + ":" + testAPI + "/" + stage + "/" + method + p
}

// diffRules say where a fixture and genkan's event may differ, each with its reason in the test.
type diffRules struct {
	// skip: paths left out of the comparison.
	skip []string
	// anyValue: paths whose value differs by nature; both must hold the same JSON type.
	anyValue []string
	// open: objects in which genkan may hold keys an abbreviated documentation example lacks.
	open []string
	// fold: objects whose keys compare case-insensitively (header names Go canonicalises or
	// payload 2.0 lower-cases).
	fold []string
}

func matchAny(patterns []string, p string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return false
}

// diffJSON compares a fixture with genkan's value, keys and values, and lists the differences.
func diffJSON(p string, want, got any, r *diffRules) []string {
	if matchAny(r.skip, p) {
		return nil
	}
	if matchAny(r.anyValue, p) {
		if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			return []string{fmt.Sprintf("%s: type %T, fixture has %T", p, got, want)}
		}
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %s, fixture has an object", p, show(got))}
		}
		fold := matchAny(r.fold, p)
		key := func(k string) string {
			if fold {
				return strings.ToLower(k)
			}
			return k
		}
		gotKeys := map[string]string{}
		for k := range g {
			gotKeys[key(k)] = k
		}
		var out []string
		seen := map[string]bool{}
		for _, k := range sortedKeys(w) {
			sub := join(p, k)
			gk, ok := gotKeys[key(k)]
			if !ok {
				if !matchAny(r.skip, sub) {
					out = append(out, fmt.Sprintf("%s: missing (fixture has %s)", sub, show(w[k])))
				}
				continue
			}
			seen[gk] = true
			out = append(out, diffJSON(sub, w[k], g[gk], r)...)
		}
		if matchAny(r.open, p) {
			return out
		}
		for _, k := range sortedKeys(g) {
			if !seen[k] && !matchAny(r.skip, join(p, k)) {
				out = append(out, fmt.Sprintf("%s: unexpected %s", join(p, k), show(g[k])))
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %s, fixture has %s", p, show(got), show(want))}
		}
		var out []string
		for i := range w {
			out = append(out, diffJSON(fmt.Sprintf("%s[%d]", p, i), w[i], g[i], r)...)
		}
		return out
	}
	if fmt.Sprint(want) != fmt.Sprint(got) || fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
		return []string{fmt.Sprintf("%s: got %s, fixture has %s", p, show(got), show(want))}
	}
	return nil
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}
