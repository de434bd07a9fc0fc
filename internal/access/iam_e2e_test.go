package access_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
)

var alice = aws.Credentials{AccessKeyID: "AKIAALICEEXAMPLE0001", SecretAccessKey: "alice/secret/key/EXAMPLEKEY0000000000001"}
var bob = aws.Credentials{AccessKeyID: "AKIABOBEXAMPLE000002", SecretAccessKey: "bob/secret/key/EXAMPLEKEY00000000000002"}

// iamAPI is a REST API whose /admin and /items need SigV4; bob's identity policy allows only
// GET /items, and the resource policy denies one address range.
func iamAPI(resourcePolicy string) *apimodel.Config {
	iam := &apimodel.RouteAuth{Type: apimodel.AuthIAM}
	return &apimodel.Config{
		APIs: []*apimodel.API{{
			ID: "iamapi", Protocol: apimodel.ProtocolREST,
			Stages:         []*apimodel.Stage{{Name: "dev"}},
			ResourcePolicy: resourcePolicy,
			Routes: []*apimodel.Route{
				mockRoute("GET", "/admin", "admin-secret", iam),
				mockRoute("POST", "/items", "items-secret", iam),
				mockRoute("GET", "/items", "items-list", iam),
				mockRoute("GET", "/public/{proxy+}", "public", nil),
			},
		}},
		AccessKeys: []*apimodel.AccessKey{
			{ID: alice.AccessKeyID, Secret: alice.SecretAccessKey, PrincipalARN: "arn:aws:iam::123456789012:user/alice"},
			{ID: bob.AccessKeyID, Secret: bob.SecretAccessKey, PrincipalARN: "arn:aws:iam::123456789012:user/bob",
				Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:iamapi/*/GET/items"}]}`},
		},
	}
}

func signed(t *testing.T, creds aws.Credentials, method, url, body string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestIAMEndToEnd(t *testing.T) {
	base := serve(t, iamAPI(""), compile.Deps{}) + "/dev"
	now := time.Now()

	t.Run("signed by the SDK", func(t *testing.T) {
		res := do(t, signed(t, alice, "POST", base+"/items", `{"n":1}`, now))
		if res.status != 200 || res.body != "items-secret" {
			t.Fatalf("got %d %s", res.status, res.body)
		}
	})
	t.Run("presigned URL", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/admin", nil)
		uri, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), alice, req,
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "execute-api", "us-east-1", now)
		if err != nil {
			t.Fatal(err)
		}
		preq, _ := http.NewRequest("GET", uri, nil)
		for k, v := range hdr {
			if !strings.EqualFold(k, "host") {
				preq.Header[k] = v
			}
		}
		if res := do(t, preq); res.status != 200 || res.body != "admin-secret" {
			t.Fatalf("got %d %s", res.status, res.body)
		}
	})

	rejected := []struct {
		name   string
		req    func() *http.Request
		status int
		body   string
	}{
		{"no signature", func() *http.Request { r, _ := http.NewRequest("GET", base+"/admin", nil); return r },
			403, `{"message":"Missing Authentication Token"}`},
		{"changed body", func() *http.Request {
			r := signed(t, alice, "POST", base+"/items", `{"n":1}`, now)
			r.Body, r.ContentLength = http.NoBody, 0
			r2, _ := http.NewRequest("POST", base+"/items", strings.NewReader(`{"n":2}`))
			r2.Header = r.Header
			return r2
		}, 403, "signature we calculated does not match"},
		{"changed query", func() *http.Request {
			r := signed(t, alice, "GET", base+"/admin?a=1", "", now)
			r.URL.RawQuery = "a=2"
			return r
		}, 403, "signature we calculated does not match"},
		{"changed path", func() *http.Request {
			r := signed(t, alice, "GET", base+"/items", "", now)
			r.URL.Path = "/dev/admin"
			return r
		}, 403, "signature we calculated does not match"},
		{"changed signed header", func() *http.Request {
			r, _ := http.NewRequest("GET", base+"/admin", nil)
			r.Header.Set("X-Tenant", "a")
			sum := sha256.Sum256(nil)
			v4.NewSigner().SignHTTP(context.Background(), alice, r, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", now)
			r.Header.Set("X-Tenant", "b")
			return r
		}, 403, "signature we calculated does not match"},
		{"date 10 minutes old", func() *http.Request { return signed(t, alice, "GET", base+"/admin", "", now.Add(-10*time.Minute)) },
			403, "Signature expired"},
		{"unknown key", func() *http.Request {
			return signed(t, aws.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: "x"}, "GET", base+"/admin", "", now)
		}, 403, "The security token included in the request is invalid"},
		{"wrong secret", func() *http.Request {
			return signed(t, aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "wrong"}, "GET", base+"/admin", "", now)
		}, 403, "signature we calculated does not match"},
		{"identity policy does not allow", func() *http.Request { return signed(t, bob, "GET", base+"/admin", "", now) },
			403, `User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:iamapi/dev/GET/admin`},
		{"unsigned payload refused", func() *http.Request {
			r, _ := http.NewRequest("POST", base+"/items", strings.NewReader("x"))
			v4.NewSigner().SignHTTP(context.Background(), alice, r, "UNSIGNED-PAYLOAD", "execute-api", "us-east-1", now)
			return r
		}, 403, ""},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, tc.req())
			if res.status != tc.status || !contains(res.body, tc.body) || contains(res.body, "secret") {
				t.Fatalf("got %d %s; want %d containing %q", res.status, res.body, tc.status, tc.body)
			}
			if res.header.Get("X-Amzn-Errortype") == "" {
				t.Errorf("no x-amzn-ErrorType")
			}
		})
	}
	t.Run("bob may GET items", func(t *testing.T) {
		if res := do(t, signed(t, bob, "GET", base+"/items", "", now)); res.status != 200 || res.body != "items-list" {
			t.Fatalf("got %d %s", res.status, res.body)
		}
	})
}

func TestResourcePolicyEndToEnd(t *testing.T) {
	// Everyone may invoke, except from loopback addresses, and alice is denied /admin.
	rp := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/public/*",
	  "Condition":{"IpAddress":{"aws:SourceIp":["127.0.0.0/8","::1/128"]}}},
	 {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"execute-api:Invoke","Resource":"execute-api:/dev/GET/admin"}]}`
	base := serve(t, iamAPI(rp), compile.Deps{}) + "/dev"
	now := time.Now()
	res := get(t, base+"/public/x")
	if res.status != 403 || res.body != `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:iamapi/dev/GET/public/x with an explicit deny"}` {
		t.Errorf("source IP deny: got %d %s", res.status, res.body)
	}
	if res := do(t, signed(t, alice, "GET", base+"/admin", "", now)); res.status != 403 || !contains(res.body, "user/alice is not authorized") {
		t.Errorf("principal deny: got %d %s", res.status, res.body)
	}
	if res := do(t, signed(t, alice, "POST", base+"/items", "", now)); res.status != 200 {
		t.Errorf("allowed principal: got %d %s", res.status, res.body)
	}
}
