package route

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func mustAdd(t testing.TB, b *Builder, method, path string, v int) {
	t.Helper()
	if err := b.Add(method, path, v); err != nil {
		t.Fatalf("Add(%q, %q): %v", method, path, err)
	}
}

// table builds a Table from route keys "METHOD /path" or "$default"; a route's
// value is its index.
func table(t testing.TB, kind Kind, keys ...string) *Table {
	t.Helper()
	b := NewBuilder(kind)
	for i, k := range keys {
		method, path, ok := strings.Cut(k, " ")
		if !ok {
			method, path = "", k
		}
		mustAdd(t, b, method, path, i)
	}
	return b.Build()
}

func assertParams(t *testing.T, got, want Params) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("params = %v, want %v", got, want)
	}
	for _, w := range want {
		if v, ok := got.Get(w.Name); !ok || v != w.Value {
			t.Fatalf("params = %v, want %v", got, want)
		}
	}
}

type matchCase struct {
	name         string
	method, path string
	want         string // "METHOD /resource", "$default", or "" for no route
	params       Params
}

func runMatches(t *testing.T, tbl *Table, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := Params{{"pre", "kept"}} // Match appends; it never touches what is there
			m, ok := tbl.Match(c.method, c.path, &ps)
			got := ""
			if ok {
				got = m.Method + " " + m.Resource
				if m.Resource == DefaultRoute {
					got = DefaultRoute
				}
			}
			if got != c.want {
				t.Fatalf("Match(%q, %q) = %q, want %q", c.method, c.path, got, c.want)
			}
			if ps[0] != (Param{"pre", "kept"}) {
				t.Fatalf("existing params changed: %v", ps)
			}
			assertParams(t, ps[1:], c.params)
		})
	}
}

func TestRESTPrecedence(t *testing.T) {
	tbl := table(t, REST,
		"GET /",
		"GET /pets",
		"POST /pets",
		"GET /pets/{id}",
		"ANY /pets/{id}",
		"GET /pets/mine",
		"GET /pets/{id}/toys",
		"ANY /files/{path+}",
		"GET /files/readme",
		"PATCH /users/me",
		"GET /users/{userId}",
		"GET /things/real",
		"ANY /things/{proxy+}",
		"POST /roles/provision",
		"GET /roles/{roleId}",
		"ANY /{proxy+}",
	)
	runMatches(t, tbl, []matchCase{
		{"root", "GET", "/", "GET /", nil},
		{"root by empty path", "GET", "", "GET /", nil},
		{"root other method falls to nothing: greedy needs a segment", "POST", "/", "", nil},
		{"literal", "GET", "/pets", "GET /pets", nil},
		{"literal other method", "POST", "/pets", "POST /pets", nil},
		{"literal beats param", "GET", "/pets/mine", "GET /pets/mine", nil},
		{"param", "GET", "/pets/7", "GET /pets/{id}", Params{{"id", "7"}}},
		{"explicit method beats ANY", "GET", "/pets/7", "GET /pets/{id}", Params{{"id", "7"}}},
		{"ANY serves other methods", "DELETE", "/pets/7", "ANY /pets/{id}", Params{{"id", "7"}}},
		// "/pets/mine" declares only GET: the {id} sibling serves the rest.
		{"literal without method yields to param sibling", "PUT", "/pets/mine", "ANY /pets/{id}", Params{{"id", "mine"}}},
		{"nested param", "GET", "/pets/7/toys", "GET /pets/{id}/toys", Params{{"id", "7"}}},
		{"nested param wrong method backtracks to root greedy", "POST", "/pets/7/toys", "ANY /{proxy+}",
			Params{{"proxy", "pets/7/toys"}}},
		{"greedy one segment", "GET", "/files/a", "ANY /files/{path+}", Params{{"path", "a"}}},
		{"greedy many segments", "GET", "/files/a/b/c", "ANY /files/{path+}", Params{{"path", "a/b/c"}}},
		{"literal beats greedy", "GET", "/files/readme", "GET /files/readme", nil},
		{"literal wrong method yields to greedy sibling", "POST", "/files/readme", "ANY /files/{path+}",
			Params{{"path", "readme"}}},
		{"greedy needs a segment: falls to root greedy", "GET", "/files", "ANY /{proxy+}", Params{{"proxy", "files"}}},
		// floci-io/floci#3399, measured on AWS us-west-2.
		{"floci: GET /users/me", "GET", "/users/me", "GET /users/{userId}", Params{{"userId", "me"}}},
		{"floci: PATCH /users/me", "PATCH", "/users/me", "PATCH /users/me", nil},
		{"floci: GET /users/abc123", "GET", "/users/abc123", "GET /users/{userId}", Params{{"userId", "abc123"}}},
		{"floci: POST /roles/provision", "POST", "/roles/provision", "POST /roles/provision", nil},
		{"floci: GET /roles/provision", "GET", "/roles/provision", "GET /roles/{roleId}", Params{{"roleId", "provision"}}},
		{"floci: GET /things/real", "GET", "/things/real", "GET /things/real", nil},
		{"floci: POST /things/real", "POST", "/things/real", "ANY /things/{proxy+}", Params{{"proxy", "real"}}},
		// floci measured POST /users/me as 403 without a root greedy; here the
		// root greedy catches it, as ministack#1423 measured for /jobs/reboot.
		{"no sibling has the method: root greedy", "POST", "/users/me", "ANY /{proxy+}", Params{{"proxy", "users/me"}}},
		{"unknown path: root greedy", "GET", "/nope/x", "ANY /{proxy+}", Params{{"proxy", "nope/x"}}},
	})

	noGreedy := table(t, REST, "GET /users/{userId}", "PATCH /users/me")
	runMatches(t, noGreedy, []matchCase{
		{"floci: POST /users/me is 403", "POST", "/users/me", "", nil},
		{"unknown path", "GET", "/users", "", nil},
		{"unknown deeper", "GET", "/users/me/x", "", nil},
	})

	// ministackorg/ministack#1423, measured on AWS eu-central-1: a resource
	// with no methods (an intermediate created for its children) or with only
	// OPTIONS does not stop the search.
	jobs := table(t, REST, "ANY /{proxy+}", "GET /jobs/{operation_type}", "OPTIONS /cors_only")
	runMatches(t, jobs, []matchCase{
		{"GET /jobs/reboot", "GET", "/jobs/reboot", "GET /jobs/{operation_type}", Params{{"operation_type", "reboot"}}},
		{"GET /jobs has no methods", "GET", "/jobs", "ANY /{proxy+}", Params{{"proxy", "jobs"}}},
		{"POST /jobs", "POST", "/jobs", "ANY /{proxy+}", Params{{"proxy", "jobs"}}},
		{"POST /jobs/reboot", "POST", "/jobs/reboot", "ANY /{proxy+}", Params{{"proxy", "jobs/reboot"}}},
		{"GET /cors_only", "GET", "/cors_only", "ANY /{proxy+}", Params{{"proxy", "cors_only"}}},
		{"OPTIONS /cors_only", "OPTIONS", "/cors_only", "OPTIONS /cors_only", nil},
	})
}

func TestHTTPPrecedence(t *testing.T) {
	// The example in the AWS guide "Create routes for HTTP APIs", "Routing API
	// requests".
	docs := table(t, HTTP, "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default")
	runMatches(t, docs, []matchCase{
		{"full match", "GET", "/pets/dog/1", "GET /pets/dog/{id}", Params{{"id", "1"}}},
		{"greedy with method", "GET", "/pets/cat/1", "GET /pets/{proxy+}", Params{{"proxy", "cat/1"}}},
		{"ANY greedy beats $default", "POST", "/test/5", "ANY /{proxy+}", Params{{"proxy", "test/5"}}},
		{"path matches, method does not: greedy", "POST", "/pets/dog/1", "ANY /{proxy+}", Params{{"proxy", "pets/dog/1"}}},
		{"root: greedy needs a segment", "GET", "/", "$default", nil},
		{"unknown method reaches only $default", "PROPFIND", "/pets/dog/1", "$default", nil},
		{"lower-case method reaches only $default", "get", "/pets/dog/1", "$default", nil},
	})

	tbl := table(t, HTTP,
		"GET /pets",
		"GET /pets/{id}",
		"ANY /pets/{id}",
		"GET /pets/dog",
		"GET /a/{proxy+}",
		"GET /{x}/b",
		"GET /pets/{id}/{rest+}",
		"$default",
	)
	runMatches(t, tbl, []matchCase{
		{"literal", "GET", "/pets", "GET /pets", nil},
		{"literal beats param", "GET", "/pets/dog", "GET /pets/dog", nil},
		{"explicit beats ANY", "GET", "/pets/1", "GET /pets/{id}", Params{{"id", "1"}}},
		{"ANY", "PUT", "/pets/1", "ANY /pets/{id}", Params{{"id", "1"}}},
		{"literal without method yields to param", "DELETE", "/pets/dog", "ANY /pets/{id}", Params{{"id", "dog"}}},
		{"method mismatch falls to $default", "POST", "/pets", "$default", nil},
		// The tiers are global: a full match anywhere beats a greedy match,
		// even one under a literal.
		{"full match beats greedy under literal", "GET", "/a/b", "GET /{x}/b", Params{{"x", "a"}}},
		{"greedy when no full match", "GET", "/a/c", "GET /a/{proxy+}", Params{{"proxy", "c"}}},
		{"param and greedy siblings", "GET", "/pets/1/x/y", "GET /pets/{id}/{rest+}",
			Params{{"id", "1"}, {"rest", "x/y"}}},
		{"nothing: $default", "GET", "/zzz", "$default", nil},
	})

	noDefault := table(t, HTTP, "GET /pets")
	runMatches(t, noDefault, []matchCase{
		{"miss is not found", "POST", "/pets", "", nil},
		{"unknown path", "GET", "/dogs", "", nil},
	})
}

func TestSlashes(t *testing.T) {
	for _, kind := range []Kind{REST, HTTP} {
		tbl := table(t, kind, "GET /", "GET /pets", "GET /pets/{id}", "GET /files/{p+}")
		t.Run(kind.String(), func(t *testing.T) {
			runMatches(t, tbl, []matchCase{
				{"trailing slash on literal", "GET", "/pets/", "GET /pets", nil},
				{"many trailing slashes", "GET", "/pets///", "GET /pets", nil},
				{"trailing slash on param", "GET", "/pets/1/", "GET /pets/{id}", Params{{"id", "1"}}},
				{"leading slashes collapse", "GET", "//pets", "GET /pets", nil},
				{"leading and trailing", "GET", "///pets/1//", "GET /pets/{id}", Params{{"id", "1"}}},
				{"only slashes is root", "GET", "///", "GET /", nil},
				{"inner empty segment is not a param", "GET", "/pets//1", "", nil},
				{"inner empty segment is not skipped", "GET", "//pets//", "GET /pets", nil},
				{"greedy keeps inner double slash", "GET", "/files/a//b", "GET /files/{p+}", Params{{"p", "a//b"}}},
				{"greedy drops trailing slash", "GET", "/files/a/b/", "GET /files/{p+}", Params{{"p", "a/b"}}},
				{"greedy may start with an empty segment", "GET", "/files//a", "GET /files/{p+}", Params{{"p", "/a"}}},
				{"greedy needs a segment", "GET", "/files/", "", nil},
				{"no leading slash is refused", "GET", "pets", "", nil},
			})
		})
	}
}

func TestDecoding(t *testing.T) {
	rest := table(t, REST, "GET /users/{id}", "GET /files/{p+}")
	runMatches(t, rest, []matchCase{
		// aws/aws-sam-cli#3524: production event carries "my-id%2F100".
		{"encoded slash stays in one segment", "GET", "/users/my-id%2F100", "GET /users/{id}", Params{{"id", "my-id%2F100"}}},
		// dherault/serverless-offline#265: "test%7Cid" arrives as sent.
		{"escapes are kept", "GET", "/users/test%7Cid", "GET /users/{id}", Params{{"id", "test%7Cid"}}},
		{"malformed escape is just text", "GET", "/users/%zz", "GET /users/{id}", Params{{"id", "%zz"}}},
		{"greedy keeps escapes", "GET", "/files/a%2Fb/c%20d", "GET /files/{p+}", Params{{"p", "a%2Fb/c%20d"}}},
		{"literal compared raw", "GET", "/%75sers/1", "", nil},
	})

	http := table(t, HTTP, "GET /users/{id}", "GET /files/{p+}", "GET /users/{id}/x", "GET /a+b")
	runMatches(t, http, []matchCase{
		{"param decoded", "GET", "/users/test%7Cid", "GET /users/{id}", Params{{"id", "test|id"}}},
		{"space decoded", "GET", "/users/a%20b", "GET /users/{id}", Params{{"id", "a b"}}},
		{"plus is not space", "GET", "/users/a+b", "GET /users/{id}", Params{{"id", "a+b"}}},
		{"literal matched decoded", "GET", "/%75sers/1", "GET /users/{id}", Params{{"id", "1"}}},
		{"encoded slash is a separator", "GET", "/users/1%2Fx", "GET /users/{id}/x", Params{{"id", "1"}}},
		{"decoded once", "GET", "/users/a%252Fb", "GET /users/{id}", Params{{"id", "a%2Fb"}}},
		{"greedy decoded", "GET", "/files/a%2Fb", "GET /files/{p+}", Params{{"p", "a/b"}}},
		{"malformed escape is a miss", "GET", "/users/%zz", "", nil},
		{"truncated escape is a miss", "GET", "/users/a%2", "", nil},
		{"decoded plus literal", "GET", "/a%2Bb", "GET /a+b", nil},
	})
}

// Requests that try to reach /admin without naming it. Only what AWS itself
// treats as /admin may match it.
func TestPathConfusion(t *testing.T) {
	for _, kind := range []Kind{REST, HTTP} {
		tbl := table(t, kind, "GET /admin", "GET /public/{file}", "GET /{page}")
		// REST never decodes; HTTP decodes first, as AWS does, so an escaped
		// name is the name itself and an escaped slash is a separator.
		pick := func(rest, http matchCase) matchCase {
			if kind == HTTP {
				return http
			}
			return rest
		}
		t.Run(kind.String(), func(t *testing.T) {
			runMatches(t, tbl, []matchCase{
				{"double leading slash is /admin", "GET", "//admin", "GET /admin", nil},
				{"trailing slash is /admin", "GET", "/admin/", "GET /admin", nil},
				{"case differs", "GET", "/ADMIN", "GET /{page}", Params{{"page", "ADMIN"}}},
				{"matrix parameter is part of the segment", "GET", "/admin;x", "GET /{page}", Params{{"page", "admin;x"}}},
				{"dot dot segment is not resolved", "GET", "/public/../admin", "", nil},
				{"dot segment is not resolved", "GET", "/./admin", "", nil},
				pick(matchCase{"encoded letter", "GET", "/%61dmin", "GET /{page}", Params{{"page", "%61dmin"}}},
					matchCase{"encoded letter", "GET", "/%61dmin", "GET /admin", nil}),
				pick(matchCase{"encoded dot dot", "GET", "/public/..%2fadmin", "GET /public/{file}", Params{{"file", "..%2fadmin"}}},
					matchCase{"encoded dot dot", "GET", "/public/..%2fadmin", "", nil}),
				pick(matchCase{"encoded slash prefix", "GET", "/%2Fadmin", "GET /{page}", Params{{"page", "%2Fadmin"}}},
					matchCase{"encoded slash prefix", "GET", "/%2Fadmin", "GET /admin", nil}),
				pick(matchCase{"nul byte", "GET", "/admin%00", "GET /{page}", Params{{"page", "admin%00"}}},
					matchCase{"nul byte", "GET", "/admin%00", "GET /{page}", Params{{"page", "admin\x00"}}}),
			})
		})
	}
}

func TestMethods(t *testing.T) {
	tbl := table(t, REST, "GET /x", "ANY /y")
	runMatches(t, tbl, []matchCase{
		{"lower-case is not GET", "get", "/x", "", nil},
		{"lower-case is not served by ANY", "get", "/y", "", nil},
		{"ANY is not a request method", "ANY", "/x", "", nil},
		{"ANY request does not use the ANY slot", "ANY", "/y", "", nil},
		{"HEAD does not fall back to GET", "HEAD", "/x", "", nil},
		{"HEAD served by ANY", "HEAD", "/y", "ANY /y", nil},
		{"unknown method", "PROPFIND", "/y", "", nil},
		{"empty method", "", "/y", "", nil},
	})
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"} {
		if got, ok := tbl.Match(m, "/y", nil); !ok || got.Method != "ANY" {
			t.Errorf("%s /y = %+v, %v; want ANY /y", m, got, ok)
		}
	}
}

func TestMatchResult(t *testing.T) {
	b := NewBuilder(HTTP)
	mustAdd(t, b, "GET", "/pets/{id}", 41)
	mustAdd(t, b, "", "$default", 42)
	tbl := b.Build()
	if tbl.Kind() != HTTP || tbl.Len() != 2 {
		t.Fatalf("Kind, Len = %v, %d", tbl.Kind(), tbl.Len())
	}
	if m, ok := tbl.Match("GET", "/pets/1", nil); !ok || m != (Match{41, "/pets/{id}", "GET"}) {
		t.Errorf("got %+v, %v", m, ok)
	}
	if m, ok := tbl.Match("POST", "/pets/1", nil); !ok || m != (Match{42, "$default", "ANY"}) {
		t.Errorf("got %+v, %v", m, ok)
	}
	// Later Adds do not reach a built table.
	mustAdd(t, b, "POST", "/pets/{id}", 43)
	if m, _ := tbl.Match("POST", "/pets/1", nil); m.Value != 42 {
		t.Errorf("built table changed: %+v", m)
	}
	if m, _ := b.Build().Match("POST", "/pets/1", nil); m.Value != 43 {
		t.Errorf("rebuilt table: %+v", m)
	}
	var nilTable *Table
	if _, ok := nilTable.Match("GET", "/", nil); ok {
		t.Error("nil table matched")
	}
	if _, ok := NewBuilder(REST).Build().Match("GET", "/", nil); ok {
		t.Error("empty table matched")
	}
}

func TestParamsRestoredOnMiss(t *testing.T) {
	// The walk pushes {a} and {b} before failing on the method.
	tbl := table(t, REST, "GET /{a}/{b}/c")
	ps := make(Params, 1, 8)
	ps[0] = Param{"x", "y"}
	if _, ok := tbl.Match("POST", "/1/2/c", &ps); ok {
		t.Fatal("matched")
	}
	if len(ps) != 1 || ps[0] != (Param{"x", "y"}) {
		t.Fatalf("params = %v", ps)
	}
	if _, ok := ps.Get("a"); ok {
		t.Fatal("Get found a popped param")
	}
}

func TestBuilderErrors(t *testing.T) {
	cases := []struct {
		kind   Kind
		before []string // routes added first
		route  string
		want   error
	}{
		{REST, nil, "GET pets", ErrMalformed},
		{REST, nil, "GET ", ErrMalformed},
		{REST, nil, "get /pets", ErrMalformed},
		{REST, nil, "FETCH /pets", ErrMalformed},
		{REST, nil, "GET /pets/", ErrMalformed},
		{REST, nil, "GET //pets", ErrMalformed},
		{REST, nil, "GET /{id", ErrMalformed},
		{REST, nil, "GET /{}", ErrMalformed},
		{REST, nil, "GET /{+}", ErrMalformed},
		{REST, nil, "GET /a{id}", ErrMalformed},
		{REST, nil, "GET /{i d}", ErrMalformed},
		{REST, nil, "GET /{proxy+}/x", ErrMalformed},
		{REST, nil, "GET /{id}/{id}", ErrMalformed},
		{REST, nil, "GET /{id}/{id+}", ErrMalformed},
		{REST, nil, "GET /a;b", ErrMalformed},
		{REST, nil, "GET /a%20b", ErrMalformed},
		{REST, nil, "GET /a@b", ErrMalformed},
		{REST, nil, "GET /..", ErrMalformed},
		{REST, nil, "GET /a/./b", ErrMalformed},
		{REST, nil, "GET $default", ErrMalformed},
		{HTTP, nil, "GET /a%20b", ErrMalformed},
		{HTTP, nil, "GET /a b", ErrMalformed},
		{HTTP, nil, "GET /a}", ErrMalformed},
		{REST, []string{"GET /pets"}, "GET /pets", ErrDuplicate},
		{REST, []string{"ANY /pets"}, "ANY /pets", ErrDuplicate},
		{HTTP, []string{"$default"}, "$default", ErrDuplicate},
		{HTTP, []string{"GET /a/{x}"}, "GET /a/{y}", ErrConflict},
		{HTTP, []string{"GET /a/{x}"}, "POST /a/{y}", ErrConflict},
		{REST, []string{"GET /a/{x}/b"}, "GET /a/{y}/c", ErrConflict},
		{REST, []string{"GET /a/{x}"}, "GET /a/{x+}", ErrConflict},
		{REST, []string{"GET /a/{p+}"}, "GET /a/{x}/b", ErrConflict},
		{HTTP, []string{"GET /a/{p+}"}, "GET /a/{q+}", ErrConflict},
	}
	for _, c := range cases {
		b := NewBuilder(c.kind)
		for i, r := range c.before {
			m, p, _ := strings.Cut(r, " ")
			if r == "$default" {
				m, p = "", r
			}
			mustAdd(t, b, m, p, i)
		}
		m, p, _ := strings.Cut(c.route, " ")
		if c.route == "$default" {
			m, p = "", c.route
		}
		err := b.Add(m, p, 99)
		if !errors.Is(err, c.want) {
			t.Errorf("%v %v then Add(%q, %q) = %v, want %v", c.kind, c.before, m, p, err, c.want)
		}
	}

	// What AWS accepts and the rules above must not refuse.
	ok := NewBuilder(HTTP)
	for i, r := range []string{"GET /", "ANY /", "GET /a/{x}", "ANY /a/{x}", "GET /a/{p+}", "GET /a/b",
		"GET /v1.0/x_y-z:w", "GET /users/@me", "GET /~a!$&'()*+,;=", "$default"} {
		m, p, _ := strings.Cut(r, " ")
		if r == "$default" {
			m, p = "", r
		}
		mustAdd(t, ok, m, p, i)
	}
	mustAdd(t, NewBuilder(REST), "GET", "/v1.0/x_y-z:w/{a.b:c-d_e}", 0)
}

// A rejected route must not leave nodes behind that refuse a later valid one.
func TestAddIsAtomic(t *testing.T) {
	b := NewBuilder(REST)
	mustAdd(t, b, "GET", "/a/{x}", 0)
	if err := b.Add("GET", "/a/{x}/b/{x}", 1); !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	if err := b.Add("GET", "/q/{y}/r/{z+}/s", 2); !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	if err := b.Add("GET", "/a/{z}/deeper", 3); !errors.Is(err, ErrConflict) {
		t.Fatalf("err = %v", err)
	}
	mustAdd(t, b, "GET", "/q/{w}", 4)
	mustAdd(t, b, "GET", "/a/{x}/b/{y}", 5)
	if m, ok := b.Build().Match("GET", "/q/1", nil); !ok || m.Value != 4 {
		t.Fatalf("got %+v, %v", m, ok)
	}
}

func TestSplitFirst(t *testing.T) {
	cases := []struct{ in, first, rest string }{
		{"/stage/rest", "stage", "/rest"},
		{"/stage", "stage", "/"},
		{"/stage/", "stage", "/"},
		{"/stage//", "stage", "/"},
		{"//stage/proxy-value", "stage", "/proxy-value"},
		{"/stage//proxy-value", "stage", "/proxy-value"},
		{"/stage/a//b/", "stage", "/a//b/"},
		{"/stage/a/b", "stage", "/a/b"},
		{"stage/a", "stage", "/a"},
		{"/", "", "/"},
		{"", "", "/"},
		{"///", "", "/"},
		{"/st%61ge/x", "st%61ge", "/x"},
	}
	for _, c := range cases {
		if first, rest := SplitFirst(c.in); first != c.first || rest != c.rest {
			t.Errorf("SplitFirst(%q) = %q, %q; want %q, %q", c.in, first, rest, c.first, c.rest)
		}
	}
}

func TestKindString(t *testing.T) {
	if REST.String() != "REST" || HTTP.String() != "HTTP" || Kind(9).String() != "Kind(?)" {
		t.Fatal("Kind.String")
	}
}

// One Table serves every request goroutine; -race checks Match only reads it.
func TestConcurrentMatch(t *testing.T) {
	tbl := table(t, HTTP, "GET /pets/{id}", "ANY /files/{p+}", "$default")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps := make(Params, 0, 2)
			for i := 0; i < 200; i++ {
				ps = ps[:0]
				m, ok := tbl.Match("GET", "/pets/%31", &ps)
				if !ok || m.Resource != "/pets/{id}" || len(ps) != 1 || ps[0].Value != "1" {
					t.Errorf("got %+v %v %v", m, ok, ps)
					return
				}
			}
		}()
	}
	wg.Wait()
}
