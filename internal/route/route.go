package route

// Kind selects which API Gateway flavour's routing rules a Table follows.
type Kind int

const (
	// REST is an API Gateway v1 REST API: a resource tree, raw-path matching.
	REST Kind = iota
	// HTTP is an API Gateway v2 HTTP API: route keys, decoded-path matching,
	// and a $default catch-all.
	HTTP
)

func (k Kind) String() string {
	switch k {
	case REST:
		return "REST"
	case HTTP:
		return "HTTP"
	}
	return "Kind(?)"
}

// DefaultRoute is the HTTP API catch-all route key.
const DefaultRoute = "$default"

// Param is one path parameter: the variable name from the template and the
// value taken from the request path (raw for REST, decoded for HTTP).
type Param struct{ Name, Value string }

// Params is the list Match appends to. Reusing one slice across requests keeps
// matching allocation-free.
type Params []Param

// Get returns the value of the named parameter.
func (p Params) Get(name string) (string, bool) {
	for i := range p {
		if p[i].Name == name {
			return p[i].Value, true
		}
	}
	return "", false
}

// Match describes the route a request was routed to.
type Match struct {
	// Value is the value given to Builder.Add.
	Value int
	// Resource is the template as added, e.g. "/pets/{id}" (REST
	// $context.resourcePath), or "$default".
	Resource string
	// Method is the method the route was declared with, possibly "ANY"; the
	// $default route reports "ANY" because it serves every method.
	Method string
}

// Method indexes. The seven concrete methods come first so a request method
// index doubles as an index into a node's method table.
const (
	mGET = iota
	mPOST
	mPUT
	mDELETE
	mPATCH
	mHEAD
	mOPTIONS
	mANY
	nMethods
)

// requestMethod maps a request's method to its index. "ANY" is not a request
// method: a client sending it must not hit routes declared with ANY through
// the explicit slot.
func requestMethod(m string) int {
	switch m {
	case "GET":
		return mGET
	case "POST":
		return mPOST
	case "PUT":
		return mPUT
	case "DELETE":
		return mDELETE
	case "PATCH":
		return mPATCH
	case "HEAD":
		return mHEAD
	case "OPTIONS":
		return mOPTIONS
	}
	return -1
}

// declaredMethod maps a method given to Builder.Add to its index.
func declaredMethod(m string) int {
	if m == "ANY" {
		return mANY
	}
	return requestMethod(m)
}

// SplitFirst splits "/stage/rest" into ("stage", "/rest") and "/stage" into
// ("stage", "/"). It strips a stage or a custom domain's base path. Leading
// slashes before the first segment are ignored and the slashes after it
// collapse to one, as AWS does: "//stage/p" and "/stage//p" both give
// ("stage", "/p") (snapshot test_lambda_aws_proxy_integration, where both
// requests reach the integration with path "/p"). Slashes inside rest are
// kept, so rest is always a suffix of path that starts with exactly one "/".
// first is raw: comparing it with a stage name is the caller's job.
func SplitFirst(path string) (first, rest string) {
	i := 0
	for i < len(path) && path[i] == '/' {
		i++
	}
	j := i
	for j < len(path) && path[j] != '/' {
		j++
	}
	first = path[i:j]
	if j == len(path) {
		return first, "/"
	}
	for j+1 < len(path) && path[j+1] == '/' {
		j++
	}
	return first, path[j:]
}
