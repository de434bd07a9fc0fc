package httpproxy

import (
	"net/http/httptest"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

func TestAppendTarget(t *testing.T) {
	for _, tc := range []struct {
		name, uri, path, query string
		params                 route.Params
		stageVars              map[string]string
		mappings               map[string]string
		want                   string
	}{
		{name: "no path", uri: "http://h", want: "/"},
		{name: "query only", uri: "http://h?a=1", want: "/?a=1"},
		{name: "literal", uri: "http://h/a/b", want: "/a/b"},
		{name: "client query appended", uri: "http://h/a", query: "x=1&y=2", want: "/a?x=1&y=2"},
		{name: "client query merged", uri: "http://h/a?fixed=1", query: "x=1", want: "/a?fixed=1&x=1"},
		{name: "template query open", uri: "http://h/a?", query: "x=1", want: "/a?x=1"},
		{name: "fragment dropped", uri: "http://h/a#frag", want: "/a"},
		// REST: parameters are raw substrings of the path and go out exactly as sent (the
		// route package's evidence: AWS keeps "test%2Balias" and "my-id%2F100").
		{name: "rest greedy raw", uri: "http://h/{proxy}", path: "/a%20b/c%2Fd/e+f",
			params: pp("proxy", "a%20b/c%2Fd/e+f"), want: "/a%20b/c%2Fd/e+f"},
		{name: "rest param with encoded slash", uri: "http://h/items/{id}/x", path: "/items/my-id%2F100",
			params: pp("id", "my-id%2F100"), want: "/items/my-id%2F100/x"},
		// HTTP APIs: parameters are decoded; the client's escaping is recovered from the path.
		{name: "http greedy decoded", uri: "http://h/{proxy}", path: "/a%20b/c%2Fd",
			params: pp("proxy", "a b/c/d"), want: "/a%20b/c%2Fd"},
		{name: "http param decoded slash", uri: "http://h/v/{id}", path: "/items/x%2Fy/details",
			params: pp("id", "x/y"), want: "/v/x%2Fy"},
		{name: "http param decoded space", uri: "http://h/v/{a}/{b}", path: "/p/q%20r/s",
			params: pp("a", "q r", "b", "s"), want: "/v/q%20r/s"},
		// Without Call.Path the value is escaped again: '/' survives only in the last
		// parameter, the one that can be greedy.
		{name: "escaped greedy", uri: "http://h/{proxy}", params: pp("proxy", "a b/ü?#%"),
			want: "/a%20b/%C3%BC%3F%23%25"},
		{name: "escaped non-greedy", uri: "http://h/{a}/{b}", params: pp("a", "x/y z", "b", "k"),
			want: "/x%2Fy%20z/k"},
		{name: "sub-delims kept", uri: "http://h/{a}/z", params: pp("a", "a:b@c!$&'()*+,;=", "z", "1"),
			want: "/a:b@c!$&'()*+,;=/z"},
		{name: "missing param", uri: "http://h/a/{nope}/b", want: "/a//b"},
		{name: "param in query", uri: "http://h/a?id={id}", path: "/p/x&y=z",
			params: pp("id", "x&y=z"), query: "k=v", want: "/a?id=x%26y%3Dz&k=v"},
		{name: "decoded param in query", uri: "http://h/a?id={id}", params: pp("id", "a b+c"),
			want: "/a?id=a%20b%2Bc"},
		{name: "stage variables", uri: "http://h/${stageVariables.v}/{proxy}?s=${stageVariables.q}",
			path: "/x", params: pp("proxy", "x"), stageVars: map[string]string{"v": "v1/api", "q": "a b"},
			want: "/v1/api/x?s=a%20b"},
		{name: "unset stage variable", uri: "http://h/${stageVariables.none}/a", want: "//a"},
		{name: "path mapping", uri: "http://h/items/{item}", path: "/pets/7",
			params: pp("petId", "7"), mappings: map[string]string{"integration.request.path.item": "method.request.path.petId"},
			want: "/items/7"},
		{name: "literal mapping", uri: "http://h/items/{item}", mappings: map[string]string{
			"integration.request.path.item": "'a/b c'"}, want: "/items/a%2Fb%20c"},
		{name: "query mapping", uri: "http://h/a", query: "x=1", mappings: map[string]string{
			"integration.request.querystring.from": "stageVariables.v"}, stageVars: map[string]string{"v": "a&b"},
			want: "/a?x=1&from=a%26b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, &apimodel.Integration{URI: tc.uri, RequestParameters: tc.mappings})
			r := httptest.NewRequest("GET", "http://gw/?"+tc.query, nil)
			r.URL.RawQuery = tc.query
			c := &gateway.Call{Req: r, Ctx: &reqctx.Context{StageVariables: tc.stageVars}, Params: tc.params, Path: tc.path}
			if got := string(p.appendTarget(nil, c)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAppendTargetDoesNotAllocate(t *testing.T) {
	p := mustNew(t, &apimodel.Integration{URI: "http://h/base/{proxy}?fixed=1"})
	r := httptest.NewRequest("GET", "http://gw/b/a/b%20c?x=1", nil)
	c := &gateway.Call{Req: r, Ctx: &reqctx.Context{}, Path: "/a/b%20c", Params: pp("proxy", "a/b c")}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = p.appendTarget(buf[:0], c) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func TestParseURI(t *testing.T) {
	tm, err := parseURI("HTTPS://${stageVariables.host}:8443/p/{id}?a={q}")
	if err != nil {
		t.Fatal(err)
	}
	if tm.scheme != "https" || len(tm.authority) != 2 || tm.authority[0].kind != segStageVar {
		t.Errorf("%+v", tm)
	}
	if _, ok := tm.staticAuthority(); ok {
		t.Error("templated authority reported static")
	}
	var kinds []segKind
	var query []bool
	for _, s := range tm.target {
		kinds = append(kinds, s.kind)
		query = append(query, s.query)
	}
	n := len(kinds)
	if n < 4 || kinds[1] != segParam || query[1] || kinds[n-1] != segParam || !query[n-1] {
		t.Errorf("segments %v query %v", kinds, query)
	}
}

// pp builds route parameters from name, value pairs.
func pp(kv ...string) route.Params {
	var ps route.Params
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, route.Param{Name: kv[i], Value: kv[i+1]})
	}
	return ps
}
