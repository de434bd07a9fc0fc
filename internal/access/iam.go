package access

import (
	"context"
	"net/netip"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/auth/sigv4"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// IAMUser is one access key genkan accepts, with the identity policy its principal has.
type IAMUser struct {
	Credentials sigv4.Credentials
	Policy      *policy.Policy
}

// IAM authenticates AWS_IAM routes: a SigV4 signature (header or presigned query string) by a
// configured access key, then that principal's identity policy against the method ARN.
type IAM struct {
	Users map[string]*IAMUser // by access key id
	// AccountID is the API owner's account, for AWS's cross-account table.
	AccountID string
	Options   sigv4.Options
}

// LookupCredentials implements sigv4.CredentialLookup over the configured keys.
func (a *IAM) LookupCredentials(_ context.Context, id, _ string) (sigv4.Credentials, error) {
	u, ok := a.Users[id]
	if !ok {
		return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
	}
	return u.Credentials, nil
}

func (a *IAM) Kind() policy.AuthType { return policy.AuthIAM }

func (a *IAM) Authenticate(c *gateway.Call, _ *policy.Decision) (policy.Decision, string, bool, error) {
	body, err := readBody(c.Req)
	if err != nil {
		return 0, "", false, err
	}
	id, err := sigv4.Verify(c.Req, body, a, a.Options)
	if err != nil {
		return 0, "", false, sigv4Error(err)
	}
	u := a.Users[id.AccessKeyID]
	ident := &c.Ctx.Identity
	ident.AccessKey = id.AccessKeyID
	ident.Caller = id.PrincipalID
	ident.User = id.PrincipalID
	ident.UserARN = id.PrincipalARN
	ident.AccountID = id.AccountID
	c.Ctx.Authorizer.Kind = reqctx.AuthorizerIAM
	c.Ctx.Authorizer.PrincipalID = id.PrincipalID
	req := policy.Request{Action: policy.InvokeAction, Resource: c.MethodARN, PrincipalARN: id.PrincipalARN}
	req.SourceIP, _ = netip.ParseAddr(ident.SourceIP)
	decision := u.Policy.Evaluate(&req)
	return decision, id.PrincipalARN, id.AccountID != a.AccountID, nil
}

// sigv4Error turns a failed verification into the gateway response AWS sends.
func sigv4Error(err error) error {
	e := sigv4.AsError(err)
	if e == nil {
		return apierr.Wrap(apierr.Default5XX, "", err)
	}
	out := apierr.Wrap(apierr.Type(e.Response), e.Message, err)
	out.Status = e.Status
	out.ErrorType = e.ErrorType
	return out
}
