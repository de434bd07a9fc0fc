// Package access is a route's access control as API Gateway applies it, assembled by compile
// from the leaf packages that know each mechanism: the resource policy (auth/policy), the
// authorizer (SigV4 with identity policies, JWT, Cognito user pools, Lambda), then the API
// key. It implements gateway.Checker, so the edge runs it between routing and the integration
// without knowing any of the rules.
package access

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/gateway"
)

// Guard is one route's access control. Fields left nil are not in force. It is immutable
// after compile and safe for concurrent use.
type Guard struct {
	// Resource is the API's resource policy, with abbreviated resources expanded.
	Resource *policy.Policy
	// Authenticate establishes the caller: at most one of the authorizer kinds.
	Authenticate Authenticator
	// Key enforces apiKeyRequired.
	Key *KeyCheck
	// Now is the clock for usage records; nil means time.Now.
	Now func() time.Time
}

var _ gateway.Checker = (*Guard)(nil)

// Authenticator is one authorizer kind. It verifies the caller, records them in c.Ctx, and
// returns the policy outcome that feeds AWS's decision tables.
type Authenticator interface {
	// Kind is the authorization type the decision tables distinguish.
	Kind() policy.AuthType
	// Authenticate returns the authorizer's decision (policy.Allow when the kind has no policy
	// of its own, like JWT and Cognito) and the caller's principal ARN for the resource
	// policy ("" for anonymous or non-IAM callers), or the error to render.
	// resource is the resource policy's decision (nil without one), for authorizers whose own
	// policy AWS combines with it.
	Authenticate(c *gateway.Call, resource *policy.Decision) (decision policy.Decision, principal string, crossAccount bool, err error)
}

// Check runs the stages in AWS's order: a resource policy's explicit deny (before any
// authorizer is called, except for IAM callers, whose principal the policy may name), the
// authorizer, the decision tables combining both, then the API key.
func (g *Guard) Check(c *gateway.Call) error {
	out := policy.Outcomes{Auth: policy.AuthNone, HasResourcePolicy: g.Resource != nil}
	req := policy.Request{Action: policy.InvokeAction, Resource: c.MethodARN}
	if g.Resource != nil {
		req.SourceIP, _ = netip.ParseAddr(c.Ctx.Identity.SourceIP)
		out.Resource = g.Resource.Evaluate(&req)
		iam := g.Authenticate != nil && g.Authenticate.Kind() == policy.AuthIAM
		if !iam && policy.DeniedBeforeAuthorizer(out.Resource) {
			return denied("", c.MethodARN, true)
		}
	}
	var principal string
	if g.Authenticate != nil {
		var resource *policy.Decision
		if g.Resource != nil {
			resource = &out.Resource
		}
		d, p, cross, err := g.Authenticate.Authenticate(c, resource)
		if err != nil {
			return err
		}
		principal = p
		out.Auth, out.Authorizer, out.CrossAccount = g.Authenticate.Kind(), d, cross
		if g.Resource != nil && principal != "" {
			// The resource policy sees the authenticated principal (aws:PrincipalArn).
			req.PrincipalARN = principal
			out.Resource = g.Resource.Evaluate(&req)
		}
	}
	if dec := policy.Decide(out); dec != policy.Allow {
		if out.Auth == policy.AuthLambda && g.Resource == nil {
			// A Lambda authorizer's own policy speaks for itself (AWS's bodies, no ARN).
			return lambdaDenied(dec == policy.Deny)
		}
		return denied(principal, c.MethodARN, dec == policy.Deny)
	}
	if g.Key != nil {
		return g.Key.check(c, g.now())
	}
	return nil
}

// lambdaDenied is AWS's answer when a Lambda authorizer's policy does not allow the method.
func lambdaDenied(explicit bool) *apierr.Error {
	if explicit {
		return apierr.New(apierr.AccessDenied, "")
	}
	return apierr.New(apierr.AccessDenied, "User is not authorized to access this resource")
}

func (g *Guard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// denied is AWS's 403 for a policy decision. IAM callers and resource policies name the
// principal and resource ("User: anonymous is not authorized to perform: execute-api:Invoke
// on resource: arn:…"); the explicit-deny form ends "with an explicit deny".
func denied(principal, arn string, explicit bool) *apierr.Error {
	who := principal
	if who == "" {
		who = "anonymous"
	}
	msg := "User: " + who + " is not authorized to perform: " + policy.InvokeAction + " on resource: " + arn
	if explicit {
		msg += " with an explicit deny"
	}
	return apierr.New(apierr.AccessDenied, msg)
}

// readBody takes the request body into memory, bounded by the edge's limit, and puts an
// equivalent reader back: SigV4 hashes the payload, and the integration still needs it.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := readAll(r.Body, r.ContentLength)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r.Body = newBodyReader(body)
	return body, nil
}

// ctxOf is the request's context, for verifiers that fetch keys or call functions.
func ctxOf(c *gateway.Call) context.Context { return c.Req.Context() }
