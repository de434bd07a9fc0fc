package policy

// Combining a resource policy with the method's authorization follows "How API Gateway
// resource policies affect authorization workflow" (API Gateway Developer Guide):
//
//   - Resource policy only (authorization NONE): an explicit Allow is required; an implicit
//     or explicit deny denies.
//   - Lambda authorizer: the resource policy is evaluated twice. Before the authorizer is
//     called only an explicit Deny matters (DeniedBeforeAuthorizer); afterwards the
//     authorizer's policy and the resource policy combine by Table A.
//   - IAM: the caller's identity policies and the resource policy combine by Table A when the
//     caller is in the API owner's account and by Table B when not.
//   - Cognito user pools: once authenticated, "an explicit allow is required" from the
//     resource policy; a Cognito authorizer contributes no policy, i.e. the "Neither" row of
//     Table A, which yields exactly that.
//
// Table A (same account): any Deny → Deny; else any Allow → Allow; else ImplicitDeny.
// Table B (cross account): any Deny → Deny; else both Allow → Allow; else ImplicitDeny,
// "because cross-account access requires that both the resource policy and the IAM policy
// ... explicitly grant access".

// AuthType is a method's authorization type.
type AuthType uint8

const (
	AuthNone AuthType = iota
	AuthIAM
	AuthLambda
	AuthCognito
)

func (a AuthType) String() string {
	switch a {
	case AuthIAM:
		return "AWS_IAM"
	case AuthLambda:
		return "CUSTOM"
	case AuthCognito:
		return "COGNITO_USER_POOLS"
	default:
		return "NONE"
	}
}

// Combine applies Table A (crossAccount false) or Table B (crossAccount true) to the
// authorizer's outcome (the IAM identity policies, or the Lambda authorizer's policy) and the
// resource policy's outcome.
func Combine(authorizer, resource Decision, crossAccount bool) Decision {
	switch {
	case authorizer == Deny || resource == Deny:
		return Deny
	case crossAccount:
		if authorizer == Allow && resource == Allow {
			return Allow
		}
		return ImplicitDeny
	case authorizer == Allow || resource == Allow:
		return Allow
	default:
		return ImplicitDeny
	}
}

// Outcomes is what Decide needs about one request.
type Outcomes struct {
	Auth AuthType
	// HasResourcePolicy is false when the API has no resource policy; Resource is then unused.
	HasResourcePolicy bool
	Resource          Decision
	// Authorizer is the outcome of the caller's identity policies (AuthIAM) or of the Lambda
	// authorizer's policy (AuthLambda). Unused for AuthNone and AuthCognito.
	Authorizer Decision
	// CrossAccount: an IAM caller from another account than the API owner's (Table B).
	// Lambda authorizers always run in the owner's account, so it is unused for them.
	CrossAccount bool
}

// Decide returns the final decision for a request whose authentication succeeded (a failed
// SigV4 check, a failed Cognito token or a Lambda authorizer's Unauthorized never get here).
func Decide(o Outcomes) Decision {
	resource := ImplicitDeny // an API without a resource policy contributes "Neither"
	if o.HasResourcePolicy {
		resource = o.Resource
	}
	switch o.Auth {
	case AuthIAM:
		return Combine(o.Authorizer, resource, o.CrossAccount)
	case AuthLambda:
		return Combine(o.Authorizer, resource, false)
	case AuthCognito:
		if !o.HasResourcePolicy {
			return Allow // a valid token is all a Cognito method needs
		}
		return Combine(ImplicitDeny, resource, false)
	default:
		if !o.HasResourcePolicy {
			return Allow // an open method
		}
		return Combine(ImplicitDeny, resource, false)
	}
}

// DeniedBeforeAuthorizer is the first phase for Lambda authorizers: "Before calling the
// Lambda authorizer, API Gateway first evaluates the policy and checks for any explicit
// denials. If found, the caller is denied access immediately."
func DeniedBeforeAuthorizer(resource Decision) bool { return resource == Deny }
