package observe

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
)

func filled() *reqctx.Context {
	return &reqctx.Context{
		RequestID:          "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		ExtendedRequestID:  "YIwYiFstIAMESqA=",
		APIID:              "a1b2c3",
		AccountID:          "123456789012",
		Stage:              "prod",
		ResourcePath:       "/pets/{id}",
		RouteKey:           "GET /pets/{id}",
		HTTPMethod:         "GET",
		Path:               "/prod/pets/7",
		Protocol:           "HTTP/1.1",
		Identity:           reqctx.Identity{SourceIP: "203.0.113.9", UserAgent: "curl/8.7.1"},
		RequestTime:        time.Date(2015, 4, 9, 12, 34, 56, 0, time.FixedZone("CEST", 2*3600)),
		Status:             200,
		ResponseLength:     42,
		IntegrationStatus:  200,
		IntegrationLatency: 12 * time.Millisecond,
		ResponseLatency:    15 * time.Millisecond,
	}
}

func line(t *testing.T, p apimodel.Protocol, format string, c *reqctx.Context) string {
	t.Helper()
	f, err := ParseFormatFor(p, format)
	if err != nil {
		t.Fatalf("ParseFormatFor(%q): %v", format, err)
	}
	out := string(f.Append(nil, c))
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("%q is not one line", out)
	}
	return strings.TrimSuffix(out, "\n")
}

func TestPresets(t *testing.T) {
	const (
		id  = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
		ext = "YIwYiFstIAMESqA="
		tm  = "09/Apr/2015:10:34:56 +0000"
	)
	tests := []struct {
		protocol apimodel.Protocol
		name     string
		want     string
	}{
		{apimodel.ProtocolREST, "clf", `203.0.113.9 - - [` + tm + `] "GET /pets/{id} HTTP/1.1" 200 42 ` + id + ` ` + ext},
		{apimodel.ProtocolREST, "JSON", `{ "requestId":"` + id + `", "extendedRequestId":"` + ext + `","ip": "203.0.113.9", "caller":"-", "user":"-", "requestTime":"` + tm + `", "httpMethod":"GET", "resourcePath":"/pets/{id}", "status":"200", "protocol":"HTTP/1.1", "responseLength":"42" }`},
		{apimodel.ProtocolREST, "xml", `<request id="` + id + `"> <extendedRequestId>` + ext + `</extendedRequestId> <ip>203.0.113.9</ip> <caller>-</caller> <user>-</user> <requestTime>` + tm + `</requestTime> <httpMethod>GET</httpMethod> <resourcePath>/pets/{id}</resourcePath> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>42</responseLength> </request>`},
		{apimodel.ProtocolREST, "csv", `203.0.113.9,-,-,` + tm + `,GET,/pets/{id},HTTP/1.1,200,42,` + id + `,` + ext},
		{apimodel.ProtocolREST, "", `{"requestId":"` + id + `","extendedRequestId":"` + ext + `","apiId":"a1b2c3","stage":"prod","ip":"203.0.113.9","userAgent":"curl/8.7.1","requestTime":"` + tm + `","httpMethod":"GET","resourcePath":"/pets/{id}","path":"/prod/pets/7","status":"200","protocol":"HTTP/1.1","responseLength":"42","responseLatency":"15","integrationStatus":"200","integrationLatency":"12","integrationError":"-","errorType":"-","errorMessage":"-"}`},
		{apimodel.ProtocolHTTP, "clf", `203.0.113.9 - - [` + tm + `] "GET GET /pets/{id} HTTP/1.1" 200 42 ` + id + ` ` + ext},
		{apimodel.ProtocolHTTP, "json", `{ "requestId":"` + id + `", "ip": "203.0.113.9", "requestTime":"` + tm + `", "httpMethod":"GET","routeKey":"GET /pets/{id}", "status":"200","protocol":"HTTP/1.1", "responseLength":"42", "extendedRequestId": "` + ext + `" }`},
		{apimodel.ProtocolHTTP, "XML", `<request id="` + id + `"> <ip>203.0.113.9</ip> <requestTime>` + tm + `</requestTime> <httpMethod>GET</httpMethod> <routeKey>GET /pets/{id}</routeKey> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>42</responseLength> <extendedRequestId>` + ext + `</extendedRequestId> </request>`},
		{apimodel.ProtocolHTTP, "csv", `203.0.113.9,` + tm + `,GET,GET /pets/{id},HTTP/1.1,200,42,` + id + `,` + ext},
		{apimodel.ProtocolHTTP, "", `{"requestId":"` + id + `","extendedRequestId":"` + ext + `","apiId":"a1b2c3","stage":"prod","ip":"203.0.113.9","userAgent":"curl/8.7.1","requestTime":"` + tm + `","httpMethod":"GET","routeKey":"GET /pets/{id}","path":"/prod/pets/7","status":"200","protocol":"HTTP/1.1","responseLength":"42","responseLatency":"15","integrationStatus":"200","integrationLatency":"12","integrationError":"-","errorType":"-","errorMessage":"-"}`},
		{apimodel.ProtocolWebSocket, "csv", `203.0.113.9,` + tm + `,GET,GET /pets/{id},HTTP/1.1,200,42,` + id + `,` + ext},
	}
	for _, tt := range tests {
		t.Run(string(tt.protocol)+"/"+tt.name, func(t *testing.T) {
			got := line(t, tt.protocol, tt.name, filled())
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if strings.HasPrefix(got, "{") && !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
	if f, err := ParseFormat("clf"); err != nil || !strings.Contains(string(f.Append(nil, filled())), "/pets/{id}") {
		t.Errorf("ParseFormat(clf) should be the REST preset: %v", err)
	}
}

func TestCustomFormats(t *testing.T) {
	failed := filled()
	failed.Status, failed.ResponseLength, failed.IntegrationStatus, failed.IntegrationLatency = 504, 41, 0, 0
	failed.Error = reqctx.Error{Message: "Endpoint request timed out", MessageString: ` "Endpoint request timed out"`, ResponseType: "INTEGRATION_TIMEOUT"}
	failed.Identity.UserAgent = "evil\"agent\\\n\x01"
	failed.Path = "/prod/\xffbad"

	tests := []struct {
		name   string
		c      *reqctx.Context
		format string
		want   string
	}{
		{"empty values print as dash", filled(), `$context.requestId $context.error.message $context.error.responseType $context.identity.apiKey`, `c6af9ac6-7b61-11e6-9a41-93e8deadbeef - - -`},
		{"braced references", filled(), `${context.requestId}|${context.status}`, `c6af9ac6-7b61-11e6-9a41-93e8deadbeef|200`},
		{"trailing newline is allowed", filled(), "$context.requestId\n", `c6af9ac6-7b61-11e6-9a41-93e8deadbeef`},
		{"a full stop ends a name", filled(), `done $context.requestId.`, `done c6af9ac6-7b61-11e6-9a41-93e8deadbeef.`},
		{"a dollar that starts no variable is text", filled(), `$5 $ $$ $context.requestId`, `$5 $ $$ c6af9ac6-7b61-11e6-9a41-93e8deadbeef`},
		{"numbers and times", filled(), `$context.requestId $context.requestTimeEpoch $context.responseLatency $context.integration.latency $context.integration.status`, `c6af9ac6-7b61-11e6-9a41-93e8deadbeef 1428575696000 15 12 200`},
		{"no integration leaves latency empty", failed, `$context.requestId $context.integrationLatency $context.integrationStatus $context.status`, `c6af9ac6-7b61-11e6-9a41-93e8deadbeef - - 504`},
		// Outside quotes values are raw, as in AWS: messageString is already a JSON string.
		{"messageString as a JSON value", failed, `{"id":"$context.requestId","m":$context.error.messageString}`, `{"id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","m": "Endpoint request timed out"}`},
		// Inside quotes AWS writes " "Endpoint request timed out"" (DataBiosphere/azul#6284);
		// genkan escapes so that the line stays JSON.
		{"messageString inside a JSON string", failed, `{"id":"$context.requestId","m":"$context.error.messageString"}`, `{"id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","m":" \"Endpoint request timed out\""}`},
		{"quotes, backslashes and controls in a JSON string", failed, `{ "ua": "$context.identity.userAgent", "requestId":"$context.requestId" }`, `{ "ua": "evil\"agent\\\n\u0001", "requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef" }`},
		{"invalid UTF-8 in a JSON string", failed, `{"p":"$context.path","id":"$context.requestId"}`, `{"p":"/prod/\ufffdbad","id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}`},
		{"escaped quote in a JSON literal keeps track", failed, `{"a\"b":"$context.identity.userAgent","id":"$context.requestId"}`, `{"a\"b":"evil\"agent\\\n\u0001","id":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"}`},
		{"outside JSON only controls are escaped", failed, `$context.requestId "$context.identity.userAgent"`, `c6af9ac6-7b61-11e6-9a41-93e8deadbeef "evil"agent\` + `\n\u0001"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := line(t, apimodel.ProtocolREST, tt.format, tt.c)
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if strings.HasPrefix(tt.format, "{") && !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func TestParseFormatErrors(t *testing.T) {
	tests := []struct {
		format string
		offset int
		want   string
	}{
		{`$context.requestId $context.nope`, 19, "unknown variable $context.nope"},
		{`$context.requestId $context.requestId.x`, 19, "unknown variable $context.requestId.x"},
		{`$context.requestId ${context.nope}`, 19, "unknown variable $context.nope"},
		{`$context.requestId ${context.status`, 19, "not closed"},
		{`$context.requestId $input.body`, 19, "$input: access log formats support only $context variables"},
		{`$context.requestId $stageVariables.x`, 19, "only $context variables"},
		{`$context.requestId $context`, 19, "$context needs a variable name"},
		{`$context.requestId $context.`, 19, "$context needs a variable name"},
		{"$context.requestId\n$context.status", 18, "single line"},
		{"$context.requestId\r\n", 18, "single line"},
		{`$context.status $context.path`, 0, "must include $context.requestId or $context.extendedRequestId"},
		{`json-ish text`, 0, "must include"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			_, err := ParseFormat(tt.format)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FormatError", err)
			}
			if !strings.Contains(fe.Error(), tt.want) || fe.Offset != tt.offset {
				t.Errorf("got %q at %d, want %q at %d", fe.Error(), fe.Offset, tt.want, tt.offset)
			}
		})
	}
	for _, ok := range []string{`$context.extendedRequestId`, `{"a":"$context.requestId"}`} {
		if _, err := ParseFormat(ok); err != nil {
			t.Errorf("ParseFormat(%q): %v", ok, err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, name := range []string{"", "clf", "json"} {
		f, err := ParseFormat(name)
		if err != nil {
			b.Fatal(err)
		}
		c := filled()
		c.Error = reqctx.Error{Message: "Missing Authentication Token", MessageString: `"Missing Authentication Token"`, ResponseType: "MISSING_AUTHENTICATION_TOKEN"}
		b.Run("format="+name, func(b *testing.B) {
			dst := make([]byte, 0, 1024)
			b.ReportAllocs()
			for b.Loop() {
				dst = f.Append(dst[:0], c)
			}
			b.SetBytes(int64(len(dst)))
		})
	}
}
