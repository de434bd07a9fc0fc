package route

import "strings"

// Table is an immutable, compiled route set. Its methods are safe for
// concurrent use.
type Table struct {
	kind      Kind
	nodes     []tnode // nodes[0] is the root "/"
	routes    []entry
	def       int32 // 1-based index of $default, 0 if none
	hasGreedy bool
}

type tnode struct {
	lits    []lit
	litMap  map[string]int32 // set only when lits is long
	param   int32
	greedy  int32
	name    string
	methods [nMethods]int32
}

type lit struct {
	seg   string
	child int32
}

// Kind reports which routing rules the table follows.
func (t *Table) Kind() Kind { return t.kind }

// Len reports how many routes the table holds, $default included.
func (t *Table) Len() int { return len(t.routes) }

// Match finds the route for method and path. path is the request's raw
// (escaped) path with the stage or base path removed; it starts with "/" (""
// is read as "/"). On success the route's path parameters are appended to
// *params (which may be nil); on failure *params is left as it was. ok=false
// means no route: REST answers 403 Missing Authentication Token, HTTP 404.
// A path that does not start with "/", or (HTTP) holds a malformed escape, is
// never routed, not even to $default: it names no path at all.
func (t *Table) Match(method, path string, params *Params) (m Match, ok bool) {
	if t == nil {
		return Match{}, false
	}
	if params == nil {
		params = new(Params)
	}
	p, ok := t.normalize(path)
	if !ok {
		return Match{}, false
	}
	if mi := requestMethod(method); mi >= 0 {
		// REST is one depth-first pass with greedy variables in their place;
		// HTTP first looks for a full match everywhere, then for a greedy one.
		if r := t.walk(0, p, mi, t.kind == REST, params); r >= 0 {
			return t.result(r), true
		}
		if t.kind == HTTP && t.hasGreedy {
			if r := t.walk(0, p, mi, true, params); r >= 0 {
				return t.result(r), true
			}
		}
	}
	if t.def != 0 {
		return t.result(t.def - 1), true
	}
	return Match{}, false
}

func (t *Table) result(r int32) Match {
	e := &t.routes[r]
	return Match{Value: e.value, Resource: e.resource, Method: e.method}
}

// normalize returns the path in the one form routing looks at: decoded for
// HTTP APIs, without leading or trailing slashes. "" is the root.
func (t *Table) normalize(path string) (string, bool) {
	if path != "" && path[0] != '/' {
		return "", false
	}
	if t.kind == HTTP && strings.IndexByte(path, '%') >= 0 {
		d, ok := unescape(path)
		if !ok {
			return "", false
		}
		path = d
	}
	i, j := 0, len(path)
	for i < j && path[i] == '/' {
		i++
	}
	for j > i && path[j-1] == '/' {
		j--
	}
	return path[i:j], true
}

// walk matches rest (the path below node n, without its leading slash) and
// returns the route index, or -1. Each node is reached after a fixed number of
// segments, so a pass visits every node at most once whatever the backtracking.
func (t *Table) walk(n int32, rest string, mi int, greedy bool, ps *Params) int32 {
	nd := &t.nodes[n]
	if rest == "" {
		return nd.route(mi)
	}
	seg, tail := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg, tail = rest[:i], rest[i+1:]
	}
	if c := nd.child(seg); c != 0 {
		if r := t.walk(c, tail, mi, greedy, ps); r >= 0 {
			return r
		}
	}
	if nd.param != 0 && seg != "" {
		*ps = append(*ps, Param{Name: t.nodes[nd.param].name, Value: seg})
		if r := t.walk(nd.param, tail, mi, greedy, ps); r >= 0 {
			return r
		}
		*ps = (*ps)[:len(*ps)-1]
	}
	if greedy && nd.greedy != 0 {
		g := &t.nodes[nd.greedy]
		if r := g.route(mi); r >= 0 {
			*ps = append(*ps, Param{Name: g.name, Value: rest})
			return r
		}
	}
	return -1
}

// route picks the node's route for a request method: the explicit method
// first, then ANY.
func (n *tnode) route(mi int) int32 {
	if r := n.methods[mi]; r != 0 {
		return r - 1
	}
	if r := n.methods[mANY]; r != 0 {
		return r - 1
	}
	return -1
}

func (n *tnode) child(seg string) int32 {
	if n.litMap != nil {
		return n.litMap[seg]
	}
	for i := range n.lits {
		if n.lits[i].seg == seg {
			return n.lits[i].child
		}
	}
	return 0
}

// unescape percent-decodes a path once. Unlike url.PathUnescape it needs no
// error value, and it refuses a malformed escape rather than guessing.
func unescape(s string) (string, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
				return "", false
			}
			n++
			i += 2
		}
	}
	var b strings.Builder
	b.Grow(len(s) - 2*n)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			b.WriteByte(byte(unhex(s[i+1])<<4 | unhex(s[i+2])))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
