package lambda

import (
	"errors"
	"fmt"
	"strings"
)

// target is a parsed integration URI: which function a request invokes.
type target struct {
	// raw is the URI as configured, kept when it holds ${stageVariables.x} placeholders, which
	// are resolved per request (AWS accepts any stage variable there and fails the request, not
	// the deployment, when it names no function).
	raw       string
	templated bool
	fn        function
}

// function identifies one Lambda function.
type function struct {
	name      string
	qualifier string // alias or version, "" for $LATEST
	// arn is the function ARN as written (with its qualifier), "" when only a name was given.
	arn string
}

// invokeName is what an Invoker receives: the function ARN when the URI named one, so a remote
// Lambda reaches the right account, region and alias; else the name (with its qualifier), which
// Lambda's Invoke API accepts too.
func (f function) invokeName() string {
	switch {
	case f.arn != "":
		return f.arn
	case f.qualifier != "":
		return f.name + ":" + f.qualifier
	}
	return f.name
}

const stageVarPrefix = "${stageVariables."

func parseTarget(uri string) (target, error) {
	t := target{raw: uri, templated: strings.Contains(uri, stageVarPrefix)}
	if t.templated {
		// Check the shape now with a placeholder name, so a malformed URI fails at start.
		probe, err := substitute(uri, func(string) string { return "x" })
		if err != nil {
			return t, err
		}
		if _, err := parseFunction(probe); err != nil {
			return t, err
		}
		return t, nil
	}
	fn, err := parseFunction(uri)
	t.fn = fn
	return t, err
}

// resolve returns the function for a request, substituting stage variables.
func (t *target) resolve(vars map[string]string) (function, error) {
	if !t.templated {
		return t.fn, nil
	}
	uri, err := substitute(t.raw, func(name string) string { return vars[name] })
	if err != nil {
		return function{}, err
	}
	return parseFunction(uri)
}

// substitute replaces every ${stageVariables.name} in s.
func substitute(s string, value func(name string) string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, stageVarPrefix)
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated %s…} in %q", stageVarPrefix, s)
		}
		b.WriteString(s[:i])
		b.WriteString(value(s[i+len(stageVarPrefix) : i+end]))
		s = s[i+end+1:]
	}
}

// FunctionName returns the name of the function an integration URI invokes. It accepts the
// invocation URI API Gateway uses
// (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations), a
// function ARN, and a bare function name (optionally name:qualifier). A name given through a
// stage variable is returned as written, e.g. "${stageVariables.fn}".
func FunctionName(uri string) (string, error) {
	t, err := parseTarget(uri)
	if err != nil {
		return "", err
	}
	if !t.templated {
		return t.fn.name, nil
	}
	if fn, err := parseFunction(uri); err == nil {
		return fn.name, nil // the placeholders sit outside the name (region, alias)
	}
	return templatedName(uri), nil
}

// templatedName cuts a templated URI down to the part that names the function.
func templatedName(uri string) string {
	s := uri
	if i := strings.Index(s, "/functions/"); i >= 0 {
		s = strings.TrimSuffix(s[i+len("/functions/"):], "/invocations")
	}
	if i := strings.Index(s, ":function:"); i >= 0 {
		s = s[i+len(":function:"):]
	}
	name, _, _ := strings.Cut(s, ":")
	return name
}

var errNotLambda = errors.New("not a Lambda function")

// parseFunction parses the three accepted forms of an integration URI.
func parseFunction(uri string) (function, error) {
	switch {
	case strings.HasPrefix(uri, "arn:") && strings.Contains(uri, ":apigateway:"):
		return parseInvocationURI(uri)
	case strings.HasPrefix(uri, "arn:"):
		return parseFunctionARN(uri)
	}
	name, qualifier, _ := strings.Cut(uri, ":")
	if err := checkName(name, qualifier); err != nil {
		return function{}, fmt.Errorf("integration URI %q: %w", uri, err)
	}
	return function{name: name, qualifier: qualifier}, nil
}

// parseInvocationURI handles arn:{partition}:apigateway:{region}:lambda:path/{api version}/functions/{function ARN}/invocations.
func parseInvocationURI(uri string) (function, error) {
	parts := strings.SplitN(uri, ":", 6)
	if len(parts) < 6 || parts[2] != "apigateway" || parts[4] != "lambda" {
		return function{}, fmt.Errorf("integration URI %q: %w (expected arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations)", uri, errNotLambda)
	}
	path, ok := strings.CutPrefix(parts[5], "path/")
	if !ok {
		return function{}, fmt.Errorf("integration URI %q: Lambda integrations use a path/ URI, not %q", uri, parts[5])
	}
	path = strings.TrimLeft(path, "/")
	version, rest, _ := strings.Cut(path, "/")
	rest, ok = strings.CutPrefix(rest, "functions/")
	if !ok {
		return function{}, fmt.Errorf("integration URI %q: expected …/%s/functions/{function ARN}/invocations", uri, version)
	}
	arn, ok := strings.CutSuffix(rest, "/invocations")
	if !ok {
		if strings.HasSuffix(rest, "/response-streaming-invocations") {
			return function{}, fmt.Errorf("integration URI %q: response streaming is not supported", uri)
		}
		return function{}, fmt.Errorf("integration URI %q: expected it to end in /invocations", uri)
	}
	if version != "2015-03-31" {
		return function{}, fmt.Errorf("integration URI %q: unknown Lambda API version %q (AWS uses 2015-03-31)", uri, version)
	}
	fn, err := parseFunctionARN(arn)
	if err != nil {
		return function{}, fmt.Errorf("integration URI %q: %w", uri, err)
	}
	return fn, nil
}

// parseFunctionARN handles arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}].
func parseFunctionARN(arn string) (function, error) {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[2] != "lambda" || parts[5] != "function" {
		return function{}, fmt.Errorf("%q: %w (expected arn:aws:lambda:{region}:{account}:function:{name})", arn, errNotLambda)
	}
	fn := function{name: parts[6], arn: arn}
	if len(parts) == 8 {
		fn.qualifier = parts[7]
	}
	if err := checkName(fn.name, fn.qualifier); err != nil {
		return function{}, fmt.Errorf("%q: %w", arn, err)
	}
	return fn, nil
}

// checkName applies Lambda's naming rules: names are 1-64 of [A-Za-z0-9_-], qualifiers 1-128
// of [A-Za-z0-9_$-] ($LATEST).
func checkName(name, qualifier string) error {
	if name == "" || len(name) > 64 || !validChars(name, false) {
		return fmt.Errorf("invalid function name %q", name)
	}
	if qualifier != "" && (len(qualifier) > 128 || !validChars(qualifier, true)) {
		return fmt.Errorf("invalid function qualifier %q", qualifier)
	}
	return nil
}

func validChars(s string, dollar bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '$' && dollar:
		default:
			return false
		}
	}
	return true
}
