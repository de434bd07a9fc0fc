package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/route"
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

// snapshot returns one recorded-content entry of a localstack snapshot file.
func snapshot(t *testing.T, file, test, key string) any {
	t.Helper()
	var doc map[string]struct {
		Recorded map[string]any `json:"recorded-content"`
	}
	if err := json.Unmarshal(readFixture(t, "localstack/snapshots/"+file), &doc); err != nil {
		t.Fatal(err)
	}
	for name, v := range doc {
		if strings.HasSuffix(name, "::"+test) {
			if rec, ok := v.Recorded[key]; ok {
				return rec
			}
		}
	}
	t.Fatalf("%s: no %s/%s", file, test, key)
	return nil
}

// recorder is an in-process Invoker: it keeps what it was called with and answers with out.
type recorder struct {
	mu       sync.Mutex
	calls    []recorded
	out      func(payload []byte) ([]byte, string, error)
	blocking bool // wait for the context to end, like a function that overruns the timeout
}

type recorded struct {
	function string
	payload  []byte
	inv      Invocation
}

func (r *recorder) Invoke(ctx context.Context, function string, payload []byte) ([]byte, string, error) {
	inv, _ := InvocationFrom(ctx)
	r.mu.Lock()
	r.calls = append(r.calls, recorded{function, append([]byte(nil), payload...), inv})
	r.mu.Unlock()
	if r.blocking {
		<-ctx.Done()
		return nil, "", ctx.Err()
	}
	if r.out == nil {
		return echo(payload)
	}
	return r.out(payload)
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		t.Fatal("the function was not invoked")
	}
	return r.calls[len(r.calls)-1]
}

// echo is localstack's lambda_aws_proxy.py: the event, as the body of a 200.
func echo(payload []byte) ([]byte, string, error) {
	out, err := json.Marshal(map[string]any{"statusCode": 200, "body": string(payload), "isBase64Encoded": false})
	return out, "", err
}

type testRoute struct {
	method, path string
	spec         *apimodel.Integration
}

const testFunctionURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:test-fn/invocations"

// newServer serves one API through the real edge on a loopback port, built the way compile
// builds a table.
func newServer(t *testing.T, protocol apimodel.Protocol, stages map[string]map[string]string, routes []testRoute, inv Invoker, opts ...Option) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(newHandler(t, protocol, stages, routes, inv, opts...))
	t.Cleanup(srv.Close)
	return srv
}

// newHandler is newServer's edge handler, for callers that serve requests in process.
func newHandler(t testing.TB, protocol apimodel.Protocol, stages map[string]map[string]string, routes []testRoute, inv Invoker, opts ...Option) *gateway.Handler {
	t.Helper()
	responses, err := apierr.Compile(protocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	api := &gateway.API{ID: "a1b2c3d4e5", Name: "test", Protocol: protocol, Stages: map[string]*gateway.Stage{}, Responses: responses}
	for name, vars := range stages {
		if vars == nil {
			vars = map[string]string{}
		}
		st := &gateway.Stage{Name: name, Variables: vars}
		api.Stages[name] = st
		if name == apimodel.DefaultStage {
			api.DefaultStage = st
		}
	}
	kind := route.REST
	if protocol != apimodel.ProtocolREST {
		kind = route.HTTP
	}
	b := route.NewBuilder(kind)
	for i, rt := range routes {
		spec := rt.spec
		if spec == nil {
			spec = &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, HTTPMethod: "POST", URI: testFunctionURI}
		}
		in, err := New(spec, protocol, inv, func(string) bool { return true }, opts...)
		if err != nil {
			t.Fatal(err)
		}
		timeout := spec.Timeout
		if timeout == 0 {
			timeout = apimodel.DefaultIntegrationTimeout
		}
		ar := &apimodel.Route{Method: rt.method, Path: rt.path, Integration: spec}
		gr := &gateway.Route{Method: rt.method, Resource: rt.path, Key: ar.Key(), Integration: in, Timeout: timeout, Spec: ar}
		if protocol == apimodel.ProtocolREST {
			gr.Key = ""
		}
		if err := b.Add(rt.method, rt.path, i); err != nil {
			t.Fatal(err)
		}
		api.RouteList = append(api.RouteList, gr)
	}
	api.Routes = b.Build()
	table := &gateway.Table{
		Settings: apimodel.Settings{AccountID: "111111111111"}.WithDefaults(),
		APIs:     []*gateway.API{api},
		ByID:     map[string]*gateway.API{api.ID: api},
		Domains:  map[string]*gateway.Domain{},
		PathAPIs: []*gateway.API{api},
	}
	return &gateway.Handler{Tables: gateway.NewHolder(table), Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
}

// send makes a request with headers written exactly as given (Go's client keeps a map key's
// spelling on the wire).
func send(t *testing.T, srv *httptest.Server, method, target string, header map[string][]string, body string) *http.Response {
	t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, srv.URL+target, rd)
	} else {
		req, err = http.NewRequest(method, srv.URL+target, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// Go's transport would add Accept-Encoding: gzip, which no recorded client sent.
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// diffRules say where an AWS recording and genkan's event may differ, each with its reason.
type diffRules struct {
	// anyValue: paths whose value differs by nature (ids, times, addresses); the key must be
	// present in both and of the same JSON type.
	anyValue []string
	// skip: paths left out of the comparison altogether, with the reason in the test.
	skip []string
	// rename: a recorded map key spelled differently by genkan, e.g. a header Go canonicalises.
	rename map[string]string
	// open: objects where genkan may hold keys the recording (an abbreviated doc example) lacks.
	open []string
	// replace: recorded values genkan legitimately differs on, path → genkan's value.
	replace map[string]any
}

var placeholder = regexp.MustCompile(`^<[^<>]+>$`)

func matchAny(patterns []string, p string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return false
}

// diffJSON compares a recorded event with genkan's, field by field, and lists the differences.
func diffJSON(p string, want, got any, r *diffRules) []string {
	if matchAny(r.skip, p) {
		return nil
	}
	if v, ok := r.replace[p]; ok {
		want = v
	}
	if s, ok := want.(string); ok && placeholder.MatchString(s) {
		return nil // localstack replaced a value that differs by nature
	}
	if matchAny(r.anyValue, p) {
		if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			return []string{fmt.Sprintf("%s: type %T, recorded %T", p, got, want)}
		}
		return nil
	}
	// localstack parsed JSON bodies before recording them.
	if s, ok := got.(string); ok {
		switch want.(type) {
		case map[string]any, []any:
			var v any
			if json.Unmarshal([]byte(s), &v) == nil {
				got = v
			}
		}
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %s, recorded an object", p, show(got))}
		}
		var out []string
		seen := map[string]bool{}
		for _, k := range sortedKeys(w) {
			gk := k
			if n, ok := r.rename[k]; ok {
				gk = n
			}
			seen[gk] = true
			sub := join(p, k)
			gv, ok := g[gk]
			if !ok {
				if !matchAny(r.skip, sub) {
					out = append(out, fmt.Sprintf("%s: missing (recorded %s)", sub, show(w[k])))
				}
				continue
			}
			out = append(out, diffJSON(sub, w[k], gv, r)...)
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
			return []string{fmt.Sprintf("%s: got %s, recorded %s", p, show(got), show(want))}
		}
		var out []string
		for i := range w {
			out = append(out, diffJSON(fmt.Sprintf("%s[%d]", p, i), w[i], g[i], r)...)
		}
		return out
	}
	if fmt.Sprint(want) != fmt.Sprint(got) || fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
		return []string{fmt.Sprintf("%s: got %s, recorded %s", p, show(got), show(want))}
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

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}
