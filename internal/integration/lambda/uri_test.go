package lambda

import (
	"strings"
	"testing"
)

func TestFunctionName(t *testing.T) {
	cases := []struct{ uri, name, err string }{
		{uri: testFunctionURI, name: "test-fn"},
		// The developer guide's proxy example (set-up-lambda-proxy-integrations__01.json).
		{uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:SimpleLambda4ProxyResource/invocations", name: "SimpleLambda4ProxyResource"},
		{uri: "arn:aws-cn:apigateway:cn-north-1:lambda:path//2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:f:prod/invocations", name: "f"},
		{uri: "arn:aws:lambda:eu-west-1:123456789012:function:my_fn:$LATEST", name: "my_fn"},
		{uri: "my-fn", name: "my-fn"},
		{uri: "my-fn:live", name: "my-fn"},
		{uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations", name: "${stageVariables.fn}"},
		{uri: "arn:aws:apigateway:${stageVariables.region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${stageVariables.region}:123456789012:function:fixed:${stageVariables.alias}/invocations", name: "fixed"},
		{uri: "${stageVariables.fn}", name: "${stageVariables.fn}"},
		{uri: "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem", err: "not a Lambda function"},
		{uri: "arn:aws:apigateway:us-east-1:lambda:action/Invoke", err: "path/ URI"},
		{uri: "arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/arn:aws:lambda:us-east-1:1:function:f/response-streaming-invocations", err: "streaming"},
		{uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f", err: "/invocations"},
		{uri: "arn:aws:lambda:us-east-1:1:layer:l:1", err: "not a Lambda function"},
		{uri: "arn:aws:lambda:us-east-1:1:function:bad.name", err: "invalid function name"},
		{uri: "", err: "invalid function name"},
		{uri: strings.Repeat("a", 65), err: "invalid function name"},
		{uri: "fn:bad/alias", err: "invalid function qualifier"},
		{uri: "${stageVariables.fn", err: "unterminated"},
	}
	for _, tc := range cases {
		name, err := FunctionName(tc.uri)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %q %v, want error %q", tc.uri, name, err, tc.err)
			}
		case err != nil || name != tc.name:
			t.Errorf("%q: %q %v, want %q", tc.uri, name, err, tc.name)
		}
	}
}

func TestInvokeName(t *testing.T) {
	for uri, want := range map[string]string{
		testFunctionURI: "arn:aws:lambda:us-east-1:111111111111:function:test-fn",
		"fn":            "fn",
		"fn:live":       "fn:live",
	} {
		tg, err := parseTarget(uri)
		if err != nil {
			t.Fatal(err)
		}
		fn, _ := tg.resolve(nil)
		if got := fn.invokeName(); got != want {
			t.Errorf("%s: %s, want %s", uri, got, want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	keys, vals := parseQuery("a=1&b=%zz&a=2;c=x+y&&d&=e&f=%2B")
	if strings.Join(keys, ",") != "a,b,c,d,f" || strings.Join(vals["a"], ",") != "1,2" || vals["b"][0] != "%zz" ||
		vals["c"][0] != "x y" || vals["d"][0] != "" || vals["f"][0] != "+" {
		t.Errorf("%v %v", keys, vals)
	}
	if k, v := parseQuery(""); k != nil || v != nil {
		t.Errorf("empty query: %v %v", k, v)
	}
}

// The comparison the fixture tests rely on must see every kind of difference.
func TestDiffJSONReports(t *testing.T) {
	want := map[string]any{"a": nil, "b": map[string]any{"c": "1"}, "d": "<uuid:1>", "e": []any{"x"}, "f": "v"}
	cases := []struct {
		got  map[string]any
		want int
	}{
		{map[string]any{"a": nil, "b": map[string]any{"c": "1"}, "d": "anything", "e": []any{"x"}, "f": "v"}, 0},
		{map[string]any{"a": map[string]any{}, "b": map[string]any{"c": "1"}, "d": 1.0, "e": []any{"x"}, "f": "v"}, 1},
		{map[string]any{"b": map[string]any{"c": 1.0, "z": true}, "d": "x", "e": []any{}, "f": "w", "g": 1.0}, 6},
	}
	for i, tc := range cases {
		if d := diffJSON("", want, tc.got, &diffRules{}); len(d) != tc.want {
			t.Errorf("case %d: %d differences, want %d: %v", i, len(d), tc.want, d)
		}
	}
}
