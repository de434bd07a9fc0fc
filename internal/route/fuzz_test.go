package route

import (
	"net/url"
	"strings"
	"testing"
)

// Fixed routes every fuzz table starts from; the fuzzer adds its own through
// the extra argument, one "METHOD /path" per line.
var (
	fuzzREST = []string{
		"GET /", "GET /admin", "ANY /public/{file}", "GET /pets", "POST /pets",
		"GET /pets/{id}", "ANY /pets/{id}/toys", "GET /pets/mine", "ANY /files/{p+}",
		"GET /files/readme", "PATCH /users/me", "GET /users/{userId}", "ANY /{proxy+}",
	}
	fuzzHTTP = []string{
		"GET /", "GET /admin", "ANY /public/{file}", "GET /pets/{id}", "ANY /pets/{id}",
		"GET /pets/dog/{id}", "GET /pets/{id}/{rest+}", "GET /a/{p+}", "GET /{x}/b",
		"ANY /{proxy+}", "GET /a+b/@c", "$default",
	}
)

type refRoute struct {
	method, path string
	segs         []string
}

// refMatch is a brute-force restatement of the rules in the package
// documentation: every route is tried, and the winner is the one with the
// smallest (tier, variable kinds left to right, ANY) key. It shares no code
// with Table.Match.
func refMatch(kind Kind, routes []refRoute, hasDefault bool, method, path string) (string, string, map[string]string, bool) {
	if path != "" && path[0] != '/' {
		return "", "", nil, false
	}
	if kind == HTTP {
		d, err := url.PathUnescape(path)
		if err != nil {
			return "", "", nil, false
		}
		path = d
	}
	path = strings.Trim(path, "/")
	var segs []string
	if path != "" {
		segs = strings.Split(path, "/")
	}
	std := map[string]bool{"GET": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "HEAD": true, "OPTIONS": true}
	var best []int
	var bestRoute *refRoute
	var bestParams map[string]string
	for i := range routes {
		r := &routes[i]
		if !std[method] || (r.method != method && r.method != "ANY") {
			continue
		}
		params, key, ok := refTemplate(r.segs, segs)
		if !ok {
			continue
		}
		if kind == REST {
			key[0] = 0 // REST has no global greedy tier
		}
		if r.method == "ANY" {
			key = append(key, 1)
		} else {
			key = append(key, 0)
		}
		if best == nil || lessKey(key, best) {
			best, bestRoute, bestParams = key, r, params
		}
	}
	if bestRoute != nil {
		return bestRoute.method, bestRoute.path, bestParams, true
	}
	if kind == HTTP && hasDefault {
		return "ANY", DefaultRoute, map[string]string{}, true
	}
	return "", "", nil, false
}

// refTemplate matches one template against the request segments and returns
// the captured parameters and a sort key: tier, then one entry per template
// segment (literal 0, {param} 1, {greedy+} 2).
func refTemplate(tmpl, segs []string) (map[string]string, []int, bool) {
	params := map[string]string{}
	key := []int{0}
	for i, t := range tmpl {
		if strings.HasSuffix(t, "+}") {
			if len(segs) <= i {
				return nil, nil, false
			}
			params[t[1:len(t)-2]] = strings.Join(segs[i:], "/")
			key[0] = 1
			return params, append(key, 2), true
		}
		if i >= len(segs) {
			return nil, nil, false
		}
		if strings.HasPrefix(t, "{") {
			if segs[i] == "" {
				return nil, nil, false
			}
			params[t[1:len(t)-1]] = segs[i]
			key = append(key, 1)
			continue
		}
		if t != segs[i] {
			return nil, nil, false
		}
		key = append(key, 0)
	}
	return params, key, len(tmpl) == len(segs)
}

func lessKey(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func FuzzMatch(f *testing.F) {
	f.Add("GET", "/pets/1", "", false)
	f.Add("POST", "/pets/mine", "", false)
	f.Add("GET", "//admin/", "", true)
	f.Add("GET", "/%61dmin", "GET /%61dmin", true)
	f.Add("DELETE", "/public/..%2fadmin", "", false)
	f.Add("GET", "/files/a//b/", "GET /files/{q}/x", false)
	f.Add("get", "/a%2Bb/%40c", "POST /{x}/{y}\nGET /x/{y+}", true)
	f.Fuzz(func(t *testing.T, method, path, extra string, http bool) {
		kind, keys := REST, fuzzREST
		if http {
			kind, keys = HTTP, fuzzHTTP
		}
		if len(extra) > 512 {
			extra = extra[:512]
		}
		keys = append(append([]string(nil), keys...), strings.Split(extra, "\n")...)

		b := NewBuilder(kind)
		var routes []refRoute
		hasDefault := false
		vars := map[string]map[string]bool{} // resource -> variable names
		for i, k := range keys {
			m, p, ok := strings.Cut(k, " ")
			if !ok {
				m, p = "", k
			}
			if b.Add(m, p, i) != nil {
				continue
			}
			if p == DefaultRoute {
				hasDefault = true
				continue
			}
			r := refRoute{method: m, path: p}
			names := map[string]bool{}
			if p != "/" {
				r.segs = strings.Split(p[1:], "/")
				for _, s := range r.segs {
					if strings.HasPrefix(s, "{") {
						names[strings.TrimSuffix(strings.Trim(s, "{}"), "+")] = true
					}
				}
			}
			vars[p] = names
			routes = append(routes, r)
		}
		tbl := b.Build()

		ps := Params{{"pre", "x"}}
		m, ok := tbl.Match(method, path, &ps)
		wantMethod, wantRes, wantParams, wantOK := refMatch(kind, routes, hasDefault, method, path)
		if ok != wantOK || m.Resource != wantRes || m.Method != wantMethod {
			t.Fatalf("%v Match(%q, %q) = %+v, %v; reference %s %s, %v", kind, method, path, m, ok, wantMethod, wantRes, wantOK)
		}
		if ps[0] != (Param{"pre", "x"}) {
			t.Fatalf("existing params changed: %v", ps)
		}
		got := ps[1:]
		if !ok {
			if len(got) != 0 {
				t.Fatalf("params left after a miss: %v", got)
			}
			return
		}
		if m.Resource != DefaultRoute && m.Value >= len(keys) {
			t.Fatalf("value %d was never added", m.Value)
		}
		if len(got) != len(wantParams) {
			t.Fatalf("params %v, reference %v", got, wantParams)
		}
		seen := map[string]bool{}
		for _, p := range got {
			if !vars[m.Resource][p.Name] || seen[p.Name] {
				t.Fatalf("param %q not in %q or repeated: %v", p.Name, m.Resource, got)
			}
			seen[p.Name] = true
			if wantParams[p.Name] != p.Value {
				t.Fatalf("param %s = %q, reference %q", p.Name, p.Value, wantParams[p.Name])
			}
		}
	})
}

func FuzzSplitFirst(f *testing.F) {
	for _, s := range []string{"/stage/rest", "//stage//x/", "", "/", "stage", "/s/a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		first, rest := SplitFirst(path)
		trimmed := strings.TrimLeft(path, "/")
		if strings.Contains(first, "/") || !strings.HasPrefix(trimmed, first) {
			t.Fatalf("SplitFirst(%q) first = %q", path, first)
		}
		if len(first) < len(trimmed) && trimmed[len(first)] != '/' {
			t.Fatalf("SplitFirst(%q) first = %q stops inside a segment", path, first)
		}
		if want := "/" + strings.TrimLeft(trimmed[len(first):], "/"); rest != want {
			t.Fatalf("SplitFirst(%q) rest = %q, want %q", path, rest, want)
		}
		if rest != "/" && !strings.HasSuffix(path, rest) {
			t.Fatalf("SplitFirst(%q) rest = %q is not a suffix", path, rest)
		}
	})
}
