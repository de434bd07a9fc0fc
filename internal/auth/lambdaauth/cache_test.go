package lambdaauth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// step is one request in a caching scenario.
type step struct {
	advance time.Duration // clock movement before the request
	flush   string        // "-" flushes everything, another value that stage, before the request
	stage   string        // default prod
	method  string
	path    string
	token   string
	status  int // 200, or the response status
	calls   int // invocations so far, after the request
}

func runSteps(t *testing.T, a *Authorizer, inv *fakeInvoker, clk *clock, steps []step) {
	t.Helper()
	for i, s := range steps {
		clk.advance(s.advance)
		switch s.flush {
		case "":
		case "-":
			a.Flush()
		default:
			a.FlushStage(s.flush)
		}
		stage := s.stage
		if stage == "" {
			stage = "prod"
		}
		req := newRequest(apimodel.ProtocolREST, s.method, "/"+stage+s.path, map[string]string{"Authorization": s.token})
		err := a.Authorize(context.Background(), req)
		status := 200
		if err != nil {
			status, _, _ = render(t, apimodel.ProtocolREST, err)
		}
		if status != s.status || inv.count() != s.calls {
			t.Errorf("step %d (%s %s %s, token %q): status %d after %d invocations, want %d after %d",
				i, stage, s.method, s.path, s.token, status, inv.count(), s.status, s.calls)
		}
	}
}

// TestCachedPolicyIsJudgedPerMethod: the cache holds the policy, and every request's own
// method ARN is judged against it — the function is not invoked again within the TTL, and
// neither an Allow nor a Deny for one route is reused for another.
func TestCachedPolicyIsJudgedPerMethod(t *testing.T) {
	clk := newClock()
	inv := &fakeInvoker{out: answer(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[`+
		`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"`+arnFor("prod", "GET", "/a")+`"},`+
		`{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"`+arnFor("prod", "DELETE", "/a")+`"}]}}`, "")}
	a := mustNew(t, tokenSpec(), apimodel.ProtocolREST, inv, clk) // default TTL: 300 s
	runSteps(t, a, inv, clk, []step{
		{method: "GET", path: "/a", token: "t1", status: 200, calls: 1},
		{method: "GET", path: "/b", token: "t1", status: 403, calls: 1},    // implicit deny, from the cache
		{method: "DELETE", path: "/a", token: "t1", status: 403, calls: 1}, // explicit deny, from the cache
		{method: "GET", path: "/a", token: "t1", status: 200, calls: 1},    // the Deny above was not reused
		{method: "GET", path: "/a", token: "t2", status: 200, calls: 2},    // another identity
		{advance: 299 * time.Second, method: "GET", path: "/a", token: "t1", status: 200, calls: 2},
		{advance: time.Second, method: "GET", path: "/a", token: "t1", status: 200, calls: 3}, // expired at 300 s
		{stage: "dev", method: "GET", path: "/a", token: "t1", status: 403, calls: 4},         // stages cache apart
		{flush: "dev", method: "GET", path: "/a", token: "t1", status: 200, calls: 4},         // flushing dev keeps prod
		{flush: "-", method: "GET", path: "/a", token: "t1", status: 200, calls: 5},
	})
}

func TestCachingOff(t *testing.T) {
	clk := newClock()
	inv := &fakeInvoker{out: answer(allowOutput("u", "*"), "")}
	spec := tokenSpec()
	spec.ResultTTLSeconds = seconds(0)
	a := mustNew(t, spec, apimodel.ProtocolREST, inv, clk)
	runSteps(t, a, inv, clk, []step{
		{method: "GET", path: "/a", token: "t", status: 200, calls: 1},
		{method: "GET", path: "/a", token: "t", status: 200, calls: 2},
	})

	// A REQUEST authorizer without identity sources is allowed when caching is off.
	spec = &apimodel.Authorizer{Name: "open", Type: apimodel.AuthorizerRequest, ResultTTLSeconds: seconds(0)}
	a = mustNew(t, spec, apimodel.ProtocolREST, inv, clk)
	runSteps(t, a, inv, clk, []step{
		{method: "GET", path: "/a", status: 200, calls: 3},
		{method: "GET", path: "/a", status: 200, calls: 4},
	})
}

// TestFailuresAreNotCached: only a parsed result is cached; 401s and 500s invoke again.
func TestFailuresAreNotCached(t *testing.T) {
	clk := newClock()
	outs := []struct{ body, fnErr string }{
		{`{"errorMessage":"Unauthorized"}`, "Unhandled"},
		{`not json`, ""},
		{allowOutput("u", "*"), ""},
	}
	inv := &fakeInvoker{}
	inv.out = func([]byte) ([]byte, string, error) {
		out := outs[0]
		if len(outs) > 1 {
			outs = outs[1:]
		}
		return []byte(out.body), out.fnErr, nil
	}
	a := mustNew(t, tokenSpec(), apimodel.ProtocolREST, inv, clk)
	runSteps(t, a, inv, clk, []step{
		{method: "GET", path: "/a", token: "t", status: 401, calls: 1},
		{method: "GET", path: "/a", token: "t", status: 500, calls: 2},
		{method: "GET", path: "/a", token: "t", status: 200, calls: 3},
		{method: "GET", path: "/a", token: "t", status: 200, calls: 3},
	})
}

// TestSimpleResponseVerdictIsCached: a cached simple response answers every route alike.
func TestSimpleResponseVerdictIsCached(t *testing.T) {
	clk := newClock()
	inv := &fakeInvoker{out: answer(`{"isAuthorized":false}`, "")}
	spec := simpleSpec()
	a := mustNew(t, &spec, apimodel.ProtocolHTTP, inv, clk)
	for i, p := range []string{"/a", "/b"} {
		req := newRequest(apimodel.ProtocolHTTP, "GET", p, map[string]string{"Authorization": "t"})
		err := a.Authorize(context.Background(), req)
		if status, _, _ := render(t, apimodel.ProtocolHTTP, err); status != 403 || inv.count() != 1 {
			t.Errorf("request %d: status %d after %d invocations, want 403 after 1", i, status, inv.count())
		}
	}
}

// TestRequestKeyUsesEverySource: a REQUEST authorizer's cache key is all its sources.
func TestRequestKeyUsesEverySource(t *testing.T) {
	clk := newClock()
	inv := &fakeInvoker{out: answer(allowOutput("u", "*"), "")}
	spec := &apimodel.Authorizer{Name: "req", Type: apimodel.AuthorizerRequest,
		IdentitySources: []string{"method.request.header.Authorization", "method.request.querystring.tenant"}}
	a := mustNew(t, spec, apimodel.ProtocolREST, inv, clk)
	runSteps(t, a, inv, clk, []step{
		{method: "GET", path: "/a?tenant=1", token: "t", status: 200, calls: 1},
		{method: "GET", path: "/b?tenant=1", token: "t", status: 200, calls: 1},
		{method: "GET", path: "/a?tenant=2", token: "t", status: 200, calls: 2},
		{method: "GET", path: "/a?tenant=2", token: "u", status: 200, calls: 3},
	})
	if cacheKey("s", []string{"a,b", "c"}) == cacheKey("s", []string{"a", "b,c"}) ||
		cacheKey("s", []string{"1:a"}) == cacheKey("s", []string{"1", "a"}) ||
		cacheKey("ab", []string{"c"}) == cacheKey("a", []string{"bc"}) {
		t.Error("cacheKey joins different identities into one key")
	}
}

func TestCacheIsBounded(t *testing.T) {
	clk := newClock()
	inv := &fakeInvoker{out: answer(allowOutput("u", "*"), "")}
	a, err := New(Config{Spec: tokenSpec(), Protocol: apimodel.ProtocolREST, Function: testFunction,
		Invoker: inv, Region: testRegion, AccountID: testAccount, Clock: clk.now, MaxEntries: 2})
	if err != nil {
		t.Fatal(err)
	}
	runSteps(t, a, inv, clk, []step{
		{method: "GET", path: "/a", token: "t1", status: 200, calls: 1},
		{method: "GET", path: "/a", token: "t2", status: 200, calls: 2},
		{method: "GET", path: "/a", token: "t1", status: 200, calls: 2}, // t1 is now the most recent
		{method: "GET", path: "/a", token: "t3", status: 200, calls: 3}, // evicts t2
		{method: "GET", path: "/a", token: "t1", status: 200, calls: 3},
		{method: "GET", path: "/a", token: "t2", status: 200, calls: 4},
	})
	if n := a.cache.len(); n != 2 {
		t.Errorf("cache holds %d entries, want 2", n)
	}
}

// TestConcurrentUse runs the authorizer from many goroutines (meaningful under -race).
func TestConcurrentUse(t *testing.T) {
	inv := &fakeInvoker{out: answer(allowOutput("u", arnFor("prod", "GET", "/a")), "")}
	a := mustNew(t, tokenSpec(), apimodel.ProtocolREST, inv, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				p := "/a"
				if i%2 == 1 {
					p = "/b"
				}
				req := newRequest(apimodel.ProtocolREST, "GET", "/prod"+p, map[string]string{"Authorization": fmt.Sprint("t", (g+i)%5)})
				err := a.Authorize(context.Background(), req)
				if (err == nil) != (p == "/a") {
					errs <- fmt.Errorf("%s: %v", p, err)
					return
				}
				if i%17 == 0 {
					a.Flush()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := inv.count(); n < 5 || n >= 400 {
		t.Errorf("%d invocations for 400 requests over 5 tokens", n)
	}
}
