package policy

import (
	"strings"
	"testing"
)

// condPolicy is an Allow-everything policy guarded by the given Condition block.
func condPolicy(t *testing.T, condition string) (*Policy, []Warning) {
	t.Helper()
	p, ws, err := Parse([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*",` +
		`"Action":"execute-api:Invoke","Resource":"*","Condition":` + condition + `}}`))
	if err != nil {
		t.Fatalf("Parse(%s): %v", condition, err)
	}
	return p, ws
}

func TestConditions(t *testing.T) {
	const roleSession = "arn:aws:sts::111111111111:assumed-role/admin-ops/jane"
	tests := []struct {
		name      string
		condition string
		req       *Request
		want      bool
	}{
		{"StringEquals principal", `{"StringEquals":{"aws:PrincipalArn":"` + roleSession + `"}}`, req("p", "GET", "/", as(roleSession)), true},
		{"StringEquals anonymous", `{"StringEquals":{"aws:PrincipalArn":"` + roleSession + `"}}`, req("p", "GET", "/"), false},
		{"StringLike principal", `{"StringLike":{"aws:PrincipalArn":"arn:aws:sts::*:assumed-role/admin-*"}}`, req("p", "GET", "/", as(roleSession)), true},
		{"StringLike values ORed", `{"StringLike":{"aws:PrincipalArn":["x","*admin-ops*"]}}`, req("p", "GET", "/", as(roleSession)), true},
		{"StringNotLike is a NOR", `{"StringNotLike":{"aws:PrincipalArn":["x","*admin-ops*"]}}`, req("p", "GET", "/", as(roleSession)), false},
		{"StringNotLike none matches", `{"StringNotLike":{"aws:PrincipalArn":["x","y"]}}`, req("p", "GET", "/", as(roleSession)), true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:SourceVpc":"VPC-AB"}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-ab")), true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:SourceVpc":"VPC-AB"}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-ab")), false},
		{"PrincipalAccount derived from the ARN", `{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}`, req("p", "GET", "/", as(roleSession)), true},
		{"ArnLike component-wise", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:sts::111111111111:assumed-role/admin-*"}}`, req("p", "GET", "/", as(roleSession)), true},
		{"ArnEquals not an ARN", `{"ArnEquals":{"aws:PrincipalArn":"*"}}`, req("p", "GET", "/", key("aws:PrincipalArn", "nope")), false},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}`, req("p", "GET", "/", as(roleSession)), true},
		{"keys ANDed", `{"StringEquals":{"aws:SourceVpc":"vpc-1","aws:SourceVpce":"vpce-1"}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-1"), key("aws:SourceVpce", "vpce-2")), false},
		{"operators ANDed", `{"StringEquals":{"aws:SourceVpc":"vpc-1"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-1"), from("10.1.2.3")), true},
		{"operators ANDed, one fails", `{"StringEquals":{"aws:SourceVpc":"vpc-1"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-1"), from("11.1.2.3")), false},
		{"IpAddress IPv6 range", `{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`, req("p", "GET", "/", from("2001:db8:1::5")), true},
		{"IpAddress single address", `{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}`, req("p", "GET", "/", from("203.0.113.9")), true},
		{"IpAddress host bits set in the range", `{"IpAddress":{"aws:SourceIp":"203.0.113.9/24"}}`, req("p", "GET", "/", from("203.0.113.200")), true},
		{"IpAddress mapped range", `{"IpAddress":{"aws:SourceIp":"::ffff:203.0.113.0/120"}}`, req("p", "GET", "/", from("203.0.113.200")), true},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}`, req("p", "GET", "/", from("2001:db9::1")), true},
		{"NotIpAddress inside", `{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}`, req("p", "GET", "/", from("192.0.2.1")), false},
		{"NotIpAddress without a source ip", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, req("p", "GET", "/"), true},
		{"IpAddress without a source ip", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, req("p", "GET", "/"), false},
		{"IfExists absent", `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, req("p", "GET", "/"), true},
		{"IfExists present", `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-2")), false},
		{"Null true when absent", `{"Null":{"aws:SourceVpc":"true"}}`, req("p", "GET", "/"), true},
		{"Null true when present", `{"Null":{"aws:SourceVpc":"true"}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-1")), false},
		{"Null false when present", `{"Null":{"aws:SourceVpc":false}}`, req("p", "GET", "/", key("aws:SourceVpc", "vpc-1")), true},
		{"ForAllValues absent", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, req("p", "GET", "/"), true},
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, req("p", "GET", "/", key("aws:TagKeys", "a", "b")), true},
		{"ForAllValues extra", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, req("p", "GET", "/", key("aws:TagKeys", "a", "c")), false},
		{"ForAnyValue absent", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, req("p", "GET", "/"), false},
		{"ForAnyValue one", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}`, req("p", "GET", "/", key("aws:TagKeys", "z", "a")), true},
		{"ForAnyValue negated", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}`, req("p", "GET", "/", key("aws:TagKeys", "a", "b")), true},
		{"ForAllValues negated", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":"a"}}`, req("p", "GET", "/", key("aws:TagKeys", "a", "b")), false},
		{"Bool from a JSON boolean", `{"Bool":{"aws:SecureTransport":false}}`, req("p", "GET", "/", key("aws:SecureTransport", "false")), true},
		{"Bool mismatch", `{"Bool":{"aws:SecureTransport":"true"}}`, req("p", "GET", "/", key("aws:SecureTransport", "false")), false},
		{"NumericLessThan", `{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}`, req("p", "GET", "/", key("aws:MultiFactorAuthAge", "120")), true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":"3600"}}`, req("p", "GET", "/", key("aws:MultiFactorAuthAge", "120")), false},
		{"NumericEquals not a number", `{"NumericEquals":{"k":"1"}}`, req("p", "GET", "/", key("k", "one")), false},
		{"DateLessThan", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, req("p", "GET", "/", key("aws:CurrentTime", "2026-05-01T12:00:00Z")), true},
		{"DateGreaterThan epoch", `{"DateGreaterThan":{"aws:EpochTime":1700000000}}`, req("p", "GET", "/", key("aws:EpochTime", "1600000000")), false},
		{"DateEquals mixed forms", `{"DateEquals":{"aws:CurrentTime":"2020-09-13T12:26:40Z"}}`, req("p", "GET", "/", key("aws:CurrentTime", "1600000000")), true},
		{"BinaryEquals", `{"BinaryEquals":{"k":"QmluYXJ5"}}`, req("p", "GET", "/", key("k", "QmluYXJ5")), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ws := condPolicy(t, tt.condition)
			if len(ws) > 0 {
				t.Fatalf("warnings: %v", ws)
			}
			want := ImplicitDeny
			if tt.want {
				want = Allow
			}
			if got := p.Evaluate(tt.req); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// An unknown operator is reported and its statement never matches, even a Deny: the brief
// for this package, and the reading that never widens an Allow.
func TestUnknownOperator(t *testing.T) {
	p, ws, err := Parse([]byte(`{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
		{"Sid":"typo","Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqual":{"aws:SourceVpc":"vpc-1"}}},
		{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, w := range ws {
		msgs = append(msgs, w.String())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{`statement 1 (Sid "typo"): unsupported condition operator "StringEqual"`, `statement 2: unsupported condition operator "NullIfExists"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q lack %q", joined, want)
		}
	}
	if p.Statements[1].Conditions[0].Supported() {
		t.Error("StringEqual reported as supported")
	}
	if got := p.Evaluate(req("p", "GET", "/", key("aws:SourceVpc", "vpc-1"))); got != Allow {
		t.Errorf("got %v, want Allow (the Deny with an unknown operator never matches)", got)
	}
}

func TestInvalidIPRangeWarns(t *testing.T) {
	p, ws := condPolicy(t, `{"IpAddress":{"aws:SourceIp":["not-an-ip","10.0.0.0/33","192.0.2.0/24"]}}`)
	if len(ws) != 2 {
		t.Fatalf("warnings = %v, want two", ws)
	}
	if got := p.Evaluate(req("p", "GET", "/", from("192.0.2.3"))); got != Allow {
		t.Errorf("valid range ignored: %v", got)
	}
}
