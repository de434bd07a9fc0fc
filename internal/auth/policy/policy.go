// Package policy evaluates IAM policy documents the way API Gateway does for execute-api:Invoke:
// resource policies (x-amazon-apigateway-policy), the identity policies of IAM callers and the
// policies Lambda authorizers return, all against the same method ARN. It also combines a
// resource-policy outcome with the authorizer's outcome into the final decision, as AWS's
// "policy evaluation outcome tables" prescribe. It imports the standard library only.
//
// Sources, because every rule here is observable by clients:
//   - IAM evaluation: an explicit Deny wins, then an Allow, else an implicit deny; wildcards
//     '*' and '?'; conditions are ANDed across operators and keys and ORed across values
//     (NOR for negated operators); a key absent from the request fails every operator except
//     the negated ones, ...IfExists and Null (IAM User Guide, "Condition operators" and
//     "Conditions with multiple context keys or values").
//   - Resource format arn:aws:execute-api:region:account:api-id/stage/VERB/path and
//     execute-api:Action (API Gateway Developer Guide, "Control access for invoking an API").
//   - Method ARNs carry the request's actual path, the root resource ends in "VERB/", and '*'
//     matches the empty string there (serverless-offline#273 confirmed against CloudWatch;
//     aws-sam-cli#5777 against a deployed API).
//   - Tables A and B and the workflows: "How API Gateway resource policies affect
//     authorization workflow" (see combine.go).
package policy

import (
	"net/netip"
	"strconv"
	"strings"
)

// Decision is the outcome of evaluating policies. The zero value is ImplicitDeny, so a
// forgotten evaluation never allows.
type Decision uint8

const (
	// ImplicitDeny: no statement allowed or denied the request ("Neither Allow nor Deny").
	ImplicitDeny Decision = iota
	// Allow: at least one statement allowed the request and none denied it.
	Allow
	// Deny: at least one statement explicitly denied the request.
	Deny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	default:
		return "ImplicitDeny"
	}
}

// Effect is a statement's Effect element.
type Effect string

const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// InvokeAction is the action API Gateway authorizes for every API call.
const InvokeAction = "execute-api:Invoke"

// Policy is a parsed policy document. It is immutable after Parse and safe for concurrent use.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one element of a policy's Statement. A nil list means the element was absent;
// an empty non-nil list was present and matches nothing.
type Statement struct {
	Sid    string
	Effect Effect
	// Principal and NotPrincipal are nil when absent. Identity policies and Lambda authorizer
	// policies have neither: their statements apply to the caller they are attached to.
	Principal    *Principals
	NotPrincipal *Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Conditions   []Condition
}

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	// Any is "Principal": "*" (or {"AWS": "*"}, which IAM treats the same): everyone,
	// including anonymous callers.
	Any bool
	// AWS lists account ids, account root ARNs, and user or role ARNs.
	AWS []string
	// Service, Federated and CanonicalUser are kept for completeness; execute-api callers are
	// never such principals, so they never match.
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// Condition is one key of one operator block, e.g. {"IpAddress": {"aws:SourceIp": [...]}}.
type Condition struct {
	// Operator is as written, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	Key      string
	Values   []string

	op       *operator      // nil when the operator is unknown: the statement never matches
	prefixes []netip.Prefix // parsed IpAddress/NotIpAddress values; invalid ones are dropped
}

// Supported reports whether Parse understood the condition's operator. A statement with an
// unsupported condition never matches (and Parse reported a warning for it).
func (c *Condition) Supported() bool { return c.op != nil }

// Warning is a problem Parse tolerated; the policy is still usable.
type Warning struct {
	Statement int // index in Statement, -1 for the document itself
	Sid       string
	Message   string
}

func (w Warning) String() string {
	switch {
	case w.Statement < 0:
		return w.Message
	case w.Sid != "":
		return "statement " + strconv.Itoa(w.Statement) + " (Sid " + strconv.Quote(w.Sid) + "): " + w.Message
	default:
		return "statement " + strconv.Itoa(w.Statement) + ": " + w.Message
	}
}

// Request is what a policy is evaluated against.
type Request struct {
	// Action is normally InvokeAction.
	Action string
	// Resource is the method ARN (see MethodARN).
	Resource string
	// PrincipalARN is the authenticated caller ("" for anonymous callers). It also supplies
	// aws:PrincipalArn and aws:PrincipalAccount unless Keys sets them.
	PrincipalARN string
	// SourceIP supplies aws:SourceIp when valid.
	SourceIP netip.Addr
	// Keys holds any other condition keys (aws:SourceVpc, aws:SourceVpce, aws:VpcSourceIp,
	// aws:CurrentTime, aws:SecureTransport, ...). Names match case-insensitively, as IAM's do.
	Keys map[string][]string
}

// values returns the request's values for a condition key and whether the key is present.
func (r *Request) values(key string) ([]string, bool) {
	for k, v := range r.Keys {
		if strings.EqualFold(k, key) {
			return v, len(v) > 0
		}
	}
	switch strings.ToLower(key) {
	case "aws:sourceip":
		if r.SourceIP.IsValid() {
			return []string{r.SourceIP.Unmap().String()}, true
		}
	case "aws:principalarn":
		if r.PrincipalARN != "" {
			return []string{r.PrincipalARN}, true
		}
	case "aws:principalaccount":
		if a := accountOf(r.PrincipalARN); a != "" {
			return []string{a}, true
		}
	}
	return nil, false
}
