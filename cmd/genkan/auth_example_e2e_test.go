package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// examples/auth, served as the README says, with its Node functions: an API-key route, a
// Lambda TOKEN route, an IAM route signed by the AWS SDK, an HTTP API Lambda REQUEST
// authorizer with simple responses, and CORS.
func TestAuthExample(t *testing.T) {
	requireInterpreters(t)
	wd, _ := os.Getwd()
	g := startGenkan(t, t.TempDir(), filepath.Join(wd, "..", "..", "examples", "auth"))
	shop := func(method, path string, headers ...string) response {
		return do(t, method, g.url("/dev"+path), nil, append([]string{"Host", apiHost("shop")}, headers...)...)
	}
	web := func(method, path string, headers ...string) response {
		return do(t, method, g.url(path), nil, append([]string{"Host", apiHost("web")}, headers...)...)
	}
	checks := []struct {
		name   string
		res    func() response
		status int
		has    string
	}{
		{"open route", func() response { return shop("GET", "/catalog") }, 200, `"route": "GET /catalog"`},
		{"API key missing", func() response { return shop("GET", "/partner/orders") }, 403, `{"message":"Forbidden"}`},
		{"API key", func() response { return shop("GET", "/partner/orders", "x-api-key", "local-partner-key-0123456789") }, 200, `"apiKeyId"`},
		{"TOKEN authorizer refuses", func() response { return shop("GET", "/orders", "Authorization", "Bearer nope") }, 401, `{"message":"Unauthorized"}`},
		{"TOKEN authorizer allows", func() response { return shop("GET", "/orders", "Authorization", "Bearer let-me-in") }, 200, `"principalId": "demo-user"`},
		{"IAM route unsigned", func() response { return shop("POST", "/admin/reindex") }, 403, `Missing Authentication Token`},
		{"IAM route signed by the SDK", func() response {
			req, _ := http.NewRequest("POST", g.url("/dev/admin/reindex"), strings.NewReader("{}"))
			req.Host = apiHost("shop")
			sum := sha256.Sum256([]byte("{}"))
			creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return response{res.StatusCode, res.Header, string(b)}
		}, 200, `"userArn": "arn:aws:iam::123456789012:user/admin"`},
		{"REQUEST authorizer, simple response: refused", func() response { return web("GET", "/flags", "Authorization", "Bearer nope") }, 403, `{"message":"Forbidden"}`},
		{"REQUEST authorizer, simple response: allowed", func() response { return web("GET", "/flags", "Authorization", "Bearer let-me-in") }, 200, `"user": "demo-user"`},
		{"REQUEST authorizer: no identity source", func() response { return web("GET", "/flags") }, 401, `{"message":"Unauthorized"}`},
		{"JWT route without a token", func() response { return web("GET", "/me") }, 401, `{"message":"Unauthorized"}`},
		{"CORS preflight", func() response {
			return web("OPTIONS", "/me", "Origin", "http://localhost:5173", "Access-Control-Request-Method", "GET")
		}, 204, ""},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			res := c.res()
			if res.status != c.status || !strings.Contains(res.body, c.has) {
				t.Fatalf("got %d %s; want %d containing %q", res.status, res.body, c.status, c.has)
			}
		})
	}
	pre := web("OPTIONS", "/me", "Origin", "http://localhost:5173", "Access-Control-Request-Method", "GET")
	if pre.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || pre.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight headers: %v", pre.header)
	}
}
