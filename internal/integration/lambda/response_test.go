package lambda

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// fromBody is localstack's LAMBDA_RESPONSE_FROM_BODY: the function returns the request body
// parsed as JSON, and fails (json.loads(None)) when there is none.
func fromBody(payload []byte) ([]byte, string, error) {
	var ev struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, "", err
	}
	if ev.Body == nil {
		return []byte(`{"errorMessage":"the JSON object must be str, bytes or bytearray, not NoneType","errorType":"TypeError"}`), "Unhandled", nil
	}
	return []byte(*ev.Body), "", nil
}

// TestRESTResponsesMatchAWS replays test_aws_proxy_response_payload_format_validation (and the
// {} case of test_lambda_aws_proxy_response_format), recorded on AWS, through the real edge.
func TestRESTResponsesMatchAWS(t *testing.T) {
	srv := newServer(t, apimodel.ProtocolREST, map[string]map[string]string{"test": nil},
		[]testRoute{{"ANY", "/{proxy+}", nil}}, &recorder{out: fromBody})
	cases := []struct {
		key, output string
		status      int
		header      map[string]string // beside Content-Type, which every case checks
		contentType string
	}{
		{key: "invoke-api-no-body", output: `{"statusCode": 200}`, status: 200},
		{key: "invoke-api-with-headers", output: `{"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}}`,
			status: 200, header: map[string]string{"test-header": "value", "header-bool": "true"}},
		{key: "invoke-api-with-headers-null", output: `{"statusCode": 200, "headers": null}`, status: 200},
		{key: "invoke-api-wrong-format", output: `{"statusCode": 200, "wrongValue": "value"}`, status: 502},
		{key: "invoke-api-empty-response", output: "", status: 502},
		{key: "invoke-api-b64-encoded-true", output: `{"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}`, status: 200},
		{key: "invoke-api-b64-encoded-false", output: `{"statusCode": 200, "body": "dGVzdC1kYXRh"}`, status: 200},
		{key: "invoke-api-multi-headers-valid", output: `{"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}}`,
			status: 200, header: map[string]string{"test-multi": "value1, value2"}},
		{key: "invoke-api-multi-headers-overwrite", output: `{"statusCode": 200, "multiValueHeaders": {"test-multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}}`,
			status: 200, header: map[string]string{"test-multi": "value-multi, value-solo"}},
		{key: "invoke-api-multi-headers-overwrite-casing", output: `{"statusCode": 200, "multiValueHeaders": {"tesT-Multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}}`,
			status: 200, header: map[string]string{"tesT-Multi": "value-multi, value-solo"}},
		{key: "invoke-api-multi-headers-invalid", output: `{"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}}`, status: 502},
		{key: "invoke-api-invalid-status-code", output: `{"statusCode": "test"}`, status: 502},
		{key: "invoke-api-status-code-str", output: `{"statusCode": "201"}`, status: 201},
		{key: "invoke-api-just-string", output: `"justAString"`, status: 502},
		{key: "invoke-api-only-headers", output: `{"headers": {"test-header": "value"}}`, status: 200,
			header: map[string]string{"test-header": "value"}},
		// test_lambda_aws_proxy_response_format: {} is a 200 with an empty body.
		{key: "", output: `{}`, status: 200},
		// A lower-case content-type is the one Content-Type sent (net/http would otherwise
		// sniff the body and add its own).
		{key: "", output: `{"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "plain words"}`, status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.key+tc.output, func(t *testing.T) {
			raw := rawPost(t, srv.Listener.Addr().String(), "/test/test", tc.output)
			if raw.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", raw.status, tc.status, raw.text)
			}
			if tc.key != "" {
				want := snapshot(t, "test_apigateway_lambda.snapshot.json", "test_aws_proxy_response_payload_format_validation", tc.key).(map[string]any)
				wantBody := want["content"]
				if s, ok := wantBody.(string); ok {
					if raw.body != s {
						t.Errorf("body %q, recorded %q", raw.body, s)
					}
				} else if got := decodeAny(t, raw.body); show(got) != show(wantBody) {
					t.Errorf("body %s, recorded %s", raw.body, show(wantBody))
				}
				if wh, ok := want["headers"].(map[string]any); ok {
					for _, k := range []string{"Content-Type", "Content-Length"} {
						if raw.header[k] != wh[k] {
							t.Errorf("%s = %q, recorded %v", k, raw.header[k], wh[k])
						}
					}
				}
			}
			for k, v := range tc.header {
				if raw.header[k] != v {
					t.Errorf("header %s = %q, want %q (sent: %v)", k, raw.header[k], v, raw.header)
				}
			}
			if tc.status == 502 {
				if raw.header["x-amzn-ErrorType"] != "InternalServerErrorException" || raw.body != `{"message": "Internal server error"}` {
					t.Errorf("502 answer: %v %q", raw.header, raw.body)
				}
				return
			}
			if raw.header["Content-Type"] != "application/json" || !traceRE.MatchString(raw.header["X-Amzn-Trace-Id"]) {
				t.Errorf("headers %v", raw.header)
			}
		})
	}
}

type rawResponse struct {
	status int
	header map[string]string // name as sent on the wire → values joined with ", "
	body   string
	text   string
}

// rawPost sends a request and reads the answer off the socket, so header names are seen as
// sent (Go's client canonicalises them).
func rawPost(t *testing.T, addr, target, body string) rawResponse {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST " + target + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: python/test\r\nConnection: close\r\n"
	if body != "" {
		req += "Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(bufio.NewReader(conn))
	if err != nil {
		t.Fatal(err)
	}
	text := string(all)
	head, respBody, _ := strings.Cut(text, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	r := rawResponse{header: map[string]string{}, body: respBody, text: text}
	if f := strings.Fields(lines[0]); len(f) > 1 {
		r.status, _ = strconv.Atoi(f[1])
	}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		if prev, ok := r.header[k]; ok {
			v = prev + ", " + v
		}
		r.header[k] = v
	}
	return r
}

func decodeAny(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v: %q", err, s)
	}
	return v
}

// TestParse covers the coercions and the payload 2.0 inference beyond the recordings.
func TestParse(t *testing.T) {
	cases := []struct {
		f       format
		out     string
		status  int
		body    string
		headers string // "name=v1|v2;…" in order
		cookies string
		bad     bool
	}{
		{f: formatREST, out: `{"statusCode": 204.0}`, status: 204},
		{f: formatREST, out: `{"statusCode": " 301 "}`, status: 301},
		{f: formatREST, out: `{"statusCode": true}`, bad: true},
		{f: formatREST, out: `{"statusCode": 100}`, bad: true},
		{f: formatREST, out: `{"statusCode": 600}`, bad: true},
		{f: formatREST, out: `{"statusCode": null, "body": 42}`, status: 200, body: "42"},
		{f: formatREST, out: `{"body": {"a": 1}}`, bad: true},
		{f: formatREST, out: `{"body": false}`, status: 200, body: "false"},
		{f: formatREST, out: `{"headers": {"a": 1.5, "b": null, "c": "x"}}`, status: 200, headers: "a=1.5;c=x"},
		{f: formatREST, out: `{"headers": {"a": ["x"]}}`, bad: true},
		{f: formatREST, out: `{"headers": "x"}`, bad: true},
		{f: formatREST, out: `{"multiValueHeaders": {"a": ["x", null, 2]}, "headers": {"A": "x", "b": "y"}}`, status: 200, headers: "a=x|2;b=y"},
		{f: formatREST, out: `{"isBase64Encoded": "True"}`, status: 200},
		{f: formatREST, out: `{"isBase64Encoded": 1}`, bad: true},
		{f: formatREST, out: `{"cookies": ["a=1"]}`, status: 200},
		{f: formatREST, out: `{"base64Encoded": true, "isBase64Encoded": false}`, status: 200},
		{f: formatREST, out: `[]`, bad: true},
		{f: formatREST, out: `null`, bad: true},
		{f: formatREST, out: `{"statusCode": 200} trailing`, bad: true},
		{f: formatHTTPv1, out: `{"statusCode": 200, "extra": 1}`, status: 200},
		{f: formatHTTPv1, out: `{"body": "x"}`, bad: true},
		{f: formatHTTPv2, out: `"Hello from Lambda!"`, status: 200, body: "Hello from Lambda!"},
		{f: formatHTTPv2, out: `{ "message": "Hello from Lambda!" }`, status: 200, body: `{ "message": "Hello from Lambda!" }`},
		{f: formatHTTPv2, out: `42`, status: 200, body: "42"},
		{f: formatHTTPv2, out: `{"body": "x", "headers": {"a": "b"}}`, status: 200, body: `{"body": "x", "headers": {"a": "b"}}`},
		{f: formatHTTPv2, out: `{"statusCode": 201, "body": "x", "cookies": ["a=1", "b=2"], "headers": {"a": "b"}, "multiValueHeaders": {"m": ["1"]}}`,
			status: 201, body: "x", headers: "a=b", cookies: "a=1|b=2"},
		{f: formatHTTPv2, out: `{"statusCode": 200, "cookies": "a=1"}`, status: 200},
		{f: formatHTTPv2, out: `not json`, bad: true},
	}
	for _, tc := range cases {
		p := &Proxy{format: tc.f}
		r, err := p.parse([]byte(tc.out))
		if tc.bad {
			if !errors.Is(err, errMalformed) {
				t.Errorf("%d %s: err %v, want malformed", tc.f, tc.out, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%d %s: %v", tc.f, tc.out, err)
			continue
		}
		var hs []string
		for _, h := range r.headers {
			hs = append(hs, h.name+"="+strings.Join(h.values, "|"))
		}
		if r.status != tc.status || r.body != tc.body || strings.Join(hs, ";") != tc.headers || strings.Join(r.cookies, "|") != tc.cookies {
			t.Errorf("%d %s: got %d %q %v %v", tc.f, tc.out, r.status, r.body, hs, r.cookies)
		}
	}
}

// Function headers that collide with the gateway's are remapped, never sent as they are.
func TestResponseHeaderRemapping(t *testing.T) {
	srv := newServer(t, apimodel.ProtocolREST, map[string]map[string]string{"test": nil},
		[]testRoute{{"ANY", "/{proxy+}", nil}}, &recorder{out: fromBody})
	raw := rawPost(t, srv.Listener.Addr().String(), "/test/x",
		`{"statusCode": 200, "body": "abc", "headers": {"content-length": "99", "Date": "yesterday", "Server": "fn", "Transfer-Encoding": "chunked", "x-amzn-RequestId": "fn-id", "Content-Type": "text/plain", "WWW-Authenticate": "Basic"}}`)
	want := map[string]string{
		"Content-Length": "3", "X-Amzn-Remapped-Content-Length": "99", "X-Amzn-Remapped-Date": "yesterday",
		"X-Amzn-Remapped-Server": "fn", "X-Amzn-Remapped-X-Amzn-Requestid": "fn-id", "Content-Type": "text/plain",
		"WWW-Authenticate": "Basic",
	}
	for k, v := range want {
		if raw.header[k] != v {
			t.Errorf("%s = %q, want %q\n%s", k, raw.header[k], v, raw.text)
		}
	}
	if raw.header["Transfer-Encoding"] != "" || raw.body != "abc" {
		t.Errorf("%s", raw.text)
	}
	if _, ok := raw.header["X-Amzn-Requestid"]; !ok {
		t.Errorf("the gateway's request id is missing: %v", raw.header)
	}
}
