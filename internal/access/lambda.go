package access

import (
	"github.com/genkanhq/genkan/internal/auth/lambdaauth"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/gateway"
)

// Lambda authenticates routes with a Lambda authorizer (TOKEN or REQUEST). The authorizer
// evaluates its own policy against the method ARN, combined with the resource policy's
// decision by AWS's Table A, and answers AWS's 401/403/500 itself; what reaches Decide is an
// Allow.
type Lambda struct {
	Authorizer *lambdaauth.Authorizer
}

func (a *Lambda) Kind() policy.AuthType { return policy.AuthLambda }

func (a *Lambda) Authenticate(c *gateway.Call, resource *policy.Decision) (policy.Decision, string, bool, error) {
	err := a.Authorizer.Authorize(ctxOf(c), &lambdaauth.Request{
		HTTP: c.Req, Ctx: c.Ctx, Params: c.Params, Path: c.Path, MethodARN: c.MethodARN, ResourcePolicy: resource,
	})
	if err != nil {
		return 0, "", false, err
	}
	return policy.Allow, "", false, nil
}

// Flush empties the authorizer's result cache (the admin API's FlushStageAuthorizersCache).
func (a *Lambda) Flush() { a.Authorizer.Flush() }
