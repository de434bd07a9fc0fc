package policy

import "strings"

// MethodARN returns the ARN API Gateway evaluates policies against for a request (the
// methodArn a Lambda authorizer receives):
//
//	arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}
//
// path is the request's actual path below the stage, not the resource template: a request
// for /pets/42 on resource /pets/{id}, or for /a/b on /{proxy+}, yields ".../GET/pets/42" and
// ".../GET/a/b". The root resource yields ".../GET/" (trailing slash, empty path), which a
// policy's ".../GET/*" still matches because '*' matches the empty string. method is the
// request's verb even when the method is ANY. For HTTP APIs the stage is "$default" when
// that stage serves the request.
func MethodARN(region, accountID, apiID, stage, method, path string) string {
	path = strings.TrimPrefix(path, "/")
	var b strings.Builder
	b.Grow(40 + len(region) + len(accountID) + len(apiID) + len(stage) + len(method) + len(path))
	b.WriteString("arn:")
	b.WriteString(Partition(region))
	b.WriteString(":execute-api:")
	b.WriteString(region)
	b.WriteByte(':')
	b.WriteString(accountID)
	b.WriteByte(':')
	b.WriteString(apiID)
	b.WriteByte('/')
	b.WriteString(stage)
	b.WriteByte('/')
	b.WriteString(method)
	b.WriteByte('/')
	b.WriteString(path)
	return b.String()
}

// Partition returns the ARN partition of a region ("aws" for commercial regions).
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	default:
		return "aws"
	}
}

// AbbreviatedPrefix starts a resource in API Gateway's abbreviated syntax.
const AbbreviatedPrefix = "execute-api:/"

// Expand returns a copy of the policy in which resources in the abbreviated syntax
// ("execute-api:/stage/GET/pets", "execute-api:/*") are full ARNs of the given API, as API
// Gateway rewrites them when a resource policy is saved or imported
// ("API Gateway resource policy examples"; x-amazon-apigateway-policy). Other resources are
// kept as written. The receiver is not modified.
func (p *Policy) Expand(region, accountID, apiID string) *Policy {
	if p == nil {
		return nil
	}
	prefix := "arn:" + Partition(region) + ":execute-api:" + region + ":" + accountID + ":" + apiID + "/"
	expand := func(list []string) []string {
		if list == nil {
			return nil
		}
		out := make([]string, len(list))
		for i, r := range list {
			if rest, ok := strings.CutPrefix(r, AbbreviatedPrefix); ok {
				r = prefix + rest
			}
			out[i] = r
		}
		return out
	}
	c := *p
	c.Statements = make([]Statement, len(p.Statements))
	for i, s := range p.Statements {
		s.Resource = expand(s.Resource)
		s.NotResource = expand(s.NotResource)
		c.Statements[i] = s
	}
	return &c
}

// accountOf returns the account id of an ARN ("" when s is not an ARN with one).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// AccountOf returns the account id in an ARN such as a principal's, or "".
func AccountOf(arn string) string { return accountOf(arn) }
