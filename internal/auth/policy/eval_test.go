package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

const (
	testRegion  = "us-east-1"
	testAccount = "111111111111"
	testAPI     = "a123456789"
)

func loadPolicy(t testing.TB, name string) *Policy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "aws-docs", name))
	if err != nil {
		t.Fatal(err)
	}
	p, ws, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(ws) > 0 {
		t.Fatalf("%s: unexpected warnings %v", name, ws)
	}
	return p
}

// req builds an execute-api:Invoke request on the test API.
func req(stage, method, path string, opts ...func(*Request)) *Request {
	r := &Request{Action: InvokeAction, Resource: MethodARN(testRegion, testAccount, testAPI, stage, method, path)}
	for _, o := range opts {
		o(r)
	}
	return r
}

func from(ip string) func(*Request) {
	return func(r *Request) { r.SourceIP = netip.MustParseAddr(ip) }
}

func as(principal string) func(*Request) {
	return func(r *Request) { r.PrincipalARN = principal }
}

func key(k string, v ...string) func(*Request) {
	return func(r *Request) {
		if r.Keys == nil {
			r.Keys = map[string][]string{}
		}
		r.Keys[k] = v
	}
}

func action(a string) func(*Request) { return func(r *Request) { r.Action = a } }

func resource(arn string) func(*Request) { return func(r *Request) { r.Resource = arn } }

// TestAWSDocExamples evaluates the AWS documentation's example policies (see
// testdata/SOURCES.md) against requests whose outcome the documents describe.
func TestAWSDocExamples(t *testing.T) {
	const alice = "arn:aws:iam::222222222222:user/Alice"
	tests := []struct {
		name   string
		policy string
		req    *Request
		want   Decision
	}{
		// "Alice and the root user for the AWS account identified by account-id-2 are granted
		// ... GET ... on the pets resource".
		{"cross-account Alice", "rp-cross-account.json", req("prod", "GET", "/pets", as(alice)), Allow},
		{"cross-account other user of the account", "rp-cross-account.json", req("prod", "GET", "/pets", as("arn:aws:iam::222222222222:user/Bob")), Allow},
		{"cross-account role session of the account", "rp-cross-account.json", req("prod", "GET", "/pets", as("arn:aws:sts::222222222222:assumed-role/dev/s1")), Allow},
		{"cross-account third account", "rp-cross-account.json", req("prod", "GET", "/pets", as("arn:aws:iam::333333333333:user/Alice")), ImplicitDeny},
		{"cross-account anonymous", "rp-cross-account.json", req("prod", "GET", "/pets"), ImplicitDeny},
		{"cross-account other method", "rp-cross-account.json", req("prod", "POST", "/pets", as(alice)), ImplicitDeny},
		{"cross-account child path is not the resource", "rp-cross-account.json", req("prod", "GET", "/pets/1", as(alice)), ImplicitDeny},
		{"cross-account other stage", "rp-cross-account.json", req("beta", "GET", "/pets", as(alice)), ImplicitDeny},

		// "denies (blocks) incoming traffic to an API from two specified source IP address blocks".
		{"deny ip: outside the blocks", "rp-deny-source-ip.json", req("prod", "GET", "/pets", from("203.0.113.7")), Allow},
		{"deny ip: first block", "rp-deny-source-ip.json", req("prod", "GET", "/pets", from("192.0.2.77")), Deny},
		{"deny ip: second block", "rp-deny-source-ip.json", req("prod", "DELETE", "/", from("198.51.100.255")), Deny},
		{"deny ip: IPv4-mapped IPv6 caller", "rp-deny-source-ip.json", req("prod", "GET", "/pets", from("::ffff:192.0.2.1")), Deny},
		{"deny ip: IPv6 caller", "rp-deny-source-ip.json", req("prod", "GET", "/pets", from("2001:db8::1")), Allow},
		{"deny ip: no source ip", "rp-deny-source-ip.json", req("prod", "GET", "/pets"), Allow},
		{"deny ip: another API", "rp-deny-source-ip.json", req("prod", "GET", "/pets", from("203.0.113.7"), resource("arn:aws:execute-api:us-east-1:111111111111:other/prod/GET/pets")), ImplicitDeny},

		// "The aws:VpcSourceIp condition filters the request against the original requester IP".
		{"vpc source ip: in block", "rp-deny-vpc-source-ip.json", req("prod", "GET", "/", key("aws:VpcSourceIp", "192.0.2.9")), Deny},
		{"vpc source ip: out of block", "rp-deny-vpc-source-ip.json", req("prod", "GET", "/", key("aws:VpcSourceIp", "10.0.0.9")), Allow},
		{"vpc source ip: absent fails IpAddress", "rp-deny-vpc-source-ip.json", req("prod", "GET", "/", from("192.0.2.9")), Allow},

		// "allow incoming traffic to a private API only from a specified VPC or VPC endpoint".
		{"source vpc: the VPC", "rp-allow-source-vpc.json", req("prod", "GET", "/", key("aws:SourceVpc", "vpc-1a2b3c4d")), Allow},
		{"source vpc: key names are case-insensitive", "rp-allow-source-vpc.json", req("prod", "GET", "/", key("AWS:SOURCEVPC", "vpc-1a2b3c4d")), Allow},
		{"source vpc: values are case-sensitive", "rp-allow-source-vpc.json", req("prod", "GET", "/", key("aws:SourceVpc", "VPC-1A2B3C4D")), Deny},
		{"source vpc: another VPC", "rp-allow-source-vpc.json", req("prod", "GET", "/", key("aws:SourceVpc", "vpc-99")), Deny},
		{"source vpc: public caller (key absent satisfies StringNotEquals)", "rp-allow-source-vpc.json", req("prod", "GET", "/", from("203.0.113.1")), Deny},
		{"source vpce: the endpoint", "rp-allow-source-vpce.json", req("prod", "POST", "/orders", key("aws:SourceVpce", "vpce-1a2b3c4d")), Allow},
		{"source vpce: no endpoint", "rp-allow-source-vpce.json", req("prod", "POST", "/orders"), Deny},

		// Identity policies of "Control access for invoking an API".
		{"pets: GET in any stage", "iam-pets.json", req("beta", "GET", "/pets"), Allow},
		{"pets: POST denied", "iam-pets.json", req("prod", "POST", "/pets"), Deny},
		{"pets: child resource not granted", "iam-pets.json", req("prod", "GET", "/pets/1"), ImplicitDeny},
		{"pets: other action", "iam-pets.json", req("prod", "GET", "/pets", action("execute-api:InvalidateCache")), ImplicitDeny},
		{"pet a1b2", "iam-pets-a1b2.json", req("prod", "GET", "/pets/a1b2"), Allow},
		{"pet a1b2: resources are case-sensitive", "iam-pets-a1b2.json", req("prod", "GET", "/pets/A1B2"), ImplicitDeny},
		{"pet a1b2: other pet", "iam-pets-a1b2.json", req("prod", "GET", "/pets/a1b3"), ImplicitDeny},
		{"test stage: any API, any region", "iam-test-stage.json", req("test", "PATCH", "/x/y", resource("arn:aws:execute-api:eu-west-1:999999999999:zz/test/PATCH/x/y")), Allow},
		{"test stage: InvalidateCache", "iam-test-stage.json", req("test", "GET", "/", action("execute-api:InvalidateCache")), Allow},
		{"test stage: actions are case-insensitive", "iam-test-stage.json", req("test", "GET", "/", action("EXECUTE-API:invoke")), Allow},
		{"test stage: prod", "iam-test-stage.json", req("prod", "GET", "/"), ImplicitDeny},
		// '*' crosses '/', so "*/test/*" also matches a path segment named test in any stage:
		// IAM's semantics, and a trap in the documented policy.
		{"test stage: a path segment named test matches too", "iam-test-stage.json", req("prod", "GET", "/test/x"), Allow},
		{"mydemoresource: POST below", "iam-mydemoresource-post.json", req("test", "POST", "/mydemoresource/a/b"), Allow},
		{"mydemoresource: the resource itself is not below it", "iam-mydemoresource-post.json", req("test", "POST", "/mydemoresource"), ImplicitDeny},
		{"mydemoresource: GET", "iam-mydemoresource-post.json", req("test", "GET", "/mydemoresource/a"), ImplicitDeny},
		{"petstorewalkthrough: any method, stage, region", "iam-petstorewalkthrough.json", req("prod", "OPTIONS", "/petstorewalkthrough/pets", resource("arn:aws:execute-api:ap-south-1:111111111111:a123456789/dev/OPTIONS/petstorewalkthrough/pets")), Allow},
		{"petstorewalkthrough: other API", "iam-petstorewalkthrough.json", req("prod", "GET", "/petstorewalkthrough/pets", resource("arn:aws:execute-api:us-east-1:111111111111:b987/prod/GET/petstorewalkthrough/pets")), ImplicitDeny},

		// Lambda authorizer output: "block (Deny) calls to the GET method ... in any stage".
		{"authorizer deny: GET root", "lambda-authorizer-deny-get.json", req("", "", "", resource(MethodARN("us-west-2", "123456789012", "ymy8tbxw7b", "prod", "GET", "/"))), Deny},
		{"authorizer deny: GET below root is another resource", "lambda-authorizer-deny-get.json", req("", "", "", resource(MethodARN("us-west-2", "123456789012", "ymy8tbxw7b", "prod", "GET", "/pets"))), ImplicitDeny},
		{"authorizer deny: POST", "lambda-authorizer-deny-get.json", req("", "", "", resource(MethodARN("us-west-2", "123456789012", "ymy8tbxw7b", "prod", "POST", "/"))), ImplicitDeny},

		// aws-sam-cli#5777: ".../Prod/*/*" covers the root resource ".../Prod/GET/".
		{"root wildcard: root", "sam-cli-5777-root-wildcard.json", req("", "", "", resource("arn:aws:execute-api:us-east-1:123456789012:1234567890/Prod/GET/")), Allow},
		{"root wildcard: greedy path", "sam-cli-5777-root-wildcard.json", req("", "", "", resource(MethodARN("us-east-1", "123456789012", "1234567890", "Prod", "PUT", "/a/b/c"))), Allow},
		{"root wildcard: stage is case-sensitive", "sam-cli-5777-root-wildcard.json", req("", "", "", resource(MethodARN("us-east-1", "123456789012", "1234567890", "prod", "GET", "/"))), ImplicitDeny},
	}
	cache := map[string]*Policy{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cache[tt.policy]
			if p == nil {
				p = loadPolicy(t, tt.policy)
				cache[tt.policy] = p
			}
			if got := p.Evaluate(tt.req); got != tt.want {
				t.Errorf("Evaluate(%s) = %v, want %v", tt.req.Resource, got, tt.want)
			}
		})
	}
}

func TestAbbreviatedResourcesNeedExpand(t *testing.T) {
	p := loadPolicy(t, "rp-x-amazon-apigateway-policy.json")
	r := req("prod", "GET", "/pets", from("203.0.113.1"))
	if got := p.Evaluate(r); got != ImplicitDeny {
		t.Errorf("unexpanded policy: %v, want ImplicitDeny (execute-api:/* is not an ARN)", got)
	}
	e := p.Expand(testRegion, testAccount, testAPI)
	if got := e.Statements[0].Resource[0]; got != "arn:aws:execute-api:us-east-1:111111111111:a123456789/*" {
		t.Errorf("expanded resource %q", got)
	}
	if p.Statements[0].Resource[0] != "execute-api:/*" {
		t.Error("Expand modified its receiver")
	}
	for ip, want := range map[string]Decision{"203.0.113.1": Allow, "192.0.2.200": Deny} {
		if got := e.Evaluate(req("prod", "GET", "/pets", from(ip))); got != want {
			t.Errorf("from %s: %v, want %v", ip, got, want)
		}
	}
	if got := e.Evaluate(req("prod", "GET", "/pets", from("203.0.113.1"), resource(MethodARN(testRegion, testAccount, "other", "prod", "GET", "/pets")))); got != ImplicitDeny {
		t.Errorf("other API: %v, want ImplicitDeny", got)
	}
}

func TestEvaluateAllDenyWins(t *testing.T) {
	allow := loadPolicy(t, "iam-test-stage.json")
	deny := loadPolicy(t, "iam-pets.json")
	r := req("test", "POST", "/pets")
	if got := EvaluateAll(r, allow, nil, deny); got != Deny {
		t.Errorf("EvaluateAll = %v, want Deny", got)
	}
	if got := EvaluateAll(req("test", "GET", "/other"), allow, deny); got != Allow {
		t.Errorf("EvaluateAll = %v, want Allow", got)
	}
	if got := EvaluateAll(r); got != ImplicitDeny {
		t.Errorf("no policies = %v, want ImplicitDeny", got)
	}
	var nilPolicy *Policy
	if got := nilPolicy.Evaluate(r); got != ImplicitDeny {
		t.Errorf("nil policy = %v", got)
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"*", "", false, true},
		{"*", "a/b:c", false, true},
		{"a*", "a", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aሴc", false, true}, // '?' is one character, not one byte
		{"*/GET/*", "prod/GET/", false, true},
		{"*/GET/*", "prod/POST/", false, false},
		{"a*b*c", "aXbYbZc", false, true},
		{"a*b*c", "aXbYbZ", false, false},
		{"**a", "bba", false, true},
		{"ABC", "abc", false, false},
		{"ABC", "abc", true, true},
		{"execute-api:*", "EXECUTE-API:Invoke", true, true},
		{"\xff", "\xfe", false, false}, // invalid UTF-8 compares bytewise
		{"\xff", "\xfe", true, false},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q, %v) = %v", tt.pattern, tt.s, tt.fold, got)
		}
	}
}

func TestResourceMatchByComponent(t *testing.T) {
	tests := []struct {
		pattern, arn string
		want         bool
	}{
		{"*", "anything", true},
		{"arn:aws:execute-api:*:*:*", "arn:aws:execute-api:us-east-1:1:api/s/GET/", true},
		// A wildcard in the region does not run into the account.
		{"arn:aws:execute-api:us-*:1:*", "arn:aws:execute-api:us-east-1:2:api/s/GET/x", false},
		{"arn:aws:execute-api:us-east-1:1:api/*", "arn:aws:execute-api:us-east-1:1:api/s/GET/a:b", true},
		{"arn:aws:execute-api:us-east-1:1:api/s/GET/", "arn:aws:execute-api:us-east-1:1:api/s/GET/", true},
		{"arn:aws:execute-api:us-east-1:1:api/s/GET/", "arn:aws:execute-api:us-east-1:1:api/s/GET/x", false},
		{"arn:aws-cn:execute-api:*:*:*", "arn:aws:execute-api:us-east-1:1:api/s/GET/", false},
	}
	for _, tt := range tests {
		if got := resourceMatch(tt.pattern, tt.arn); got != tt.want {
			t.Errorf("resourceMatch(%q, %q) = %v", tt.pattern, tt.arn, got)
		}
	}
}

func TestPrincipals(t *testing.T) {
	p := &Principals{AWS: []string{
		"arn:aws:iam::111111111111:user/Alice",
		"222222222222",
		"arn:aws:iam::333333333333:root",
		"arn:aws:iam::444444444444:role/team/deployer",
	}}
	tests := []struct {
		principal string
		want      bool
	}{
		{"arn:aws:iam::111111111111:user/Alice", true},
		{"arn:aws:iam::111111111111:user/Bob", false},
		{"arn:aws:iam::222222222222:user/anyone", true},
		{"arn:aws:sts::333333333333:assumed-role/r/s", true},
		{"arn:aws:sts::444444444444:assumed-role/deployer/ci-run", true},
		{"arn:aws:sts::444444444444:assumed-role/deployer2/ci-run", false},
		{"arn:aws:sts::555555555555:assumed-role/deployer/ci-run", false},
		{"arn:aws:iam::444444444444:role/team/deployer", true},
		{"", false},
	}
	for _, tt := range tests {
		if got := p.matches(tt.principal); got != tt.want {
			t.Errorf("matches(%q) = %v, want %v", tt.principal, got, tt.want)
		}
	}
	star := &Principals{AWS: []string{"*"}}
	if !star.matches("") || !(&Principals{Any: true}).matches("") {
		t.Error(`"*" must match anonymous callers`)
	}
}

func TestNotPrincipalNotActionNotResource(t *testing.T) {
	p, _, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:a123456789/*"},
		{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:user/admin"},"NotAction":"execute-api:Invoke*",
		 "Resource":"*"},
		{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"arn:aws:execute-api:us-east-1:111111111111:a123456789/prod/*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Evaluate(req("prod", "GET", "/")); got != Allow {
		t.Errorf("prod: %v", got)
	}
	if got := p.Evaluate(req("beta", "GET", "/")); got != Deny {
		t.Errorf("beta (NotResource): %v", got)
	}
	if got := p.Evaluate(req("prod", "GET", "/", action("execute-api:InvalidateCache"))); got != Deny {
		t.Errorf("InvalidateCache by anonymous (NotAction, NotPrincipal): %v", got)
	}
	if got := p.Evaluate(req("prod", "GET", "/", action("execute-api:InvalidateCache"), as("arn:aws:iam::111111111111:user/admin"))); got != ImplicitDeny {
		t.Errorf("InvalidateCache by admin: %v", got)
	}
}
