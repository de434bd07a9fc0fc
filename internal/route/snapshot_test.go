package route

import "testing"

// Ground truth recorded against real AWS by LocalStack (Apache-2.0):
// tests/aws/services/apigateway/test_apigateway_lambda.py, snapshot file
// test_apigateway_lambda.snapshot.json (copy in shared/fixtures/localstack),
// tests test_lambda_aws_proxy_integration (recorded 02-08-2024) and
// test_lambda_aws_proxy_integration_request_data_mapping. Each case is the
// request line the test sent (query strings dropped, as the edge does before
// routing) and what the Lambda proxy event carried: resource, path, and
// pathParameters. The REST API has "/{proxy+}" ANY and "/hardcoded" ANY on
// stage "stage"; the data-mapping API has "/{pathVariable}" POST on "test".
func TestAWSSnapshotREST(t *testing.T) {
	proxyAPI := NewBuilder(REST)
	mustAdd(t, proxyAPI, "ANY", "/{proxy+}", 0)
	mustAdd(t, proxyAPI, "ANY", "/hardcoded", 1)
	mappingAPI := NewBuilder(REST)
	mustAdd(t, mappingAPI, "POST", "/{pathVariable}", 0)
	apis := map[string]*Table{"stage": proxyAPI.Build(), "test": mappingAPI.Build()}

	cases := []struct {
		snapshot    string
		method, url string // url path as sent
		resource    string
		path        string // the event's "path": stage removed, leading slashes collapsed
		params      Params
	}{
		{"invocation-payload-without-trailing-slash", "GET", "/stage/proxy-value",
			"/{proxy+}", "/proxy-value", Params{{"proxy", "proxy-value"}}},
		{"invocation-payload-with-trailing-slash", "GET", "/stage/proxy-value/",
			"/{proxy+}", "/proxy-value/", Params{{"proxy", "proxy-value"}}},
		{"invocation-payload-with-double-slash", "GET", "/stage/proxy-value//double-slash",
			"/{proxy+}", "/proxy-value//double-slash", Params{{"proxy", "proxy-value//double-slash"}}},
		{"invocation-payload-with-prepended-slash-to-stage", "GET", "//stage/proxy-value",
			"/{proxy+}", "/proxy-value", Params{{"proxy", "proxy-value"}}},
		{"invocation-payload-with-prepended-slash", "GET", "/stage//proxy-value",
			"/{proxy+}", "/proxy-value", Params{{"proxy", "proxy-value"}}},
		{"invocation-payload-without-trailing-slash-and-query-params", "GET", "/stage/proxy-value",
			"/{proxy+}", "/proxy-value", Params{{"proxy", "proxy-value"}}},
		{"invocation-payload-with-trailing-slash-and-query-params", "GET", "/stage/proxy-value/",
			"/{proxy+}", "/proxy-value/", Params{{"proxy", "proxy-value"}}},
		{"invocation-payload-with-path-encoded-email", "GET",
			"/stage/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
			"/{proxy+}", "/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
			Params{{"proxy", "proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"}}},
		{"invocation-payload-with-params-encoding", "GET", "/stage/proxy-value/api",
			"/{proxy+}", "/proxy-value/api", Params{{"proxy", "proxy-value/api"}}},
		{"invocation-payload-with-params-encoding-multi", "POST", "/stage/proxy-value",
			"/{proxy+}", "/proxy-value", Params{{"proxy", "proxy-value"}}},
		{"invocation-hardcoded", "GET", "/stage//hardcoded",
			"/hardcoded", "/hardcoded", nil},
		{"http-proxy-invocation-data-mapping", "POST", "/test/foobar",
			"/{pathVariable}", "/foobar", Params{{"pathVariable", "foobar"}}},
	}
	for _, c := range cases {
		t.Run(c.snapshot, func(t *testing.T) {
			stage, rest := SplitFirst(c.url)
			if rest != c.path {
				t.Errorf("SplitFirst(%q) rest = %q, AWS path = %q", c.url, rest, c.path)
			}
			tbl, ok := apis[stage]
			if !ok {
				t.Fatalf("SplitFirst(%q) stage = %q", c.url, stage)
			}
			var ps Params
			m, ok := tbl.Match(c.method, rest, &ps)
			if !ok || m.Resource != c.resource {
				t.Fatalf("Match(%s %q) = %+v, %v; AWS resource %q", c.method, rest, m, ok, c.resource)
			}
			assertParams(t, ps, c.params)
		})
	}
}
