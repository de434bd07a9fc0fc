package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/genkanhq/genkan/internal/auth/jwt/jwttest"
)

const declaredKey = "declared-key-0123456789abcdef"

func authConfig(fnDir, issuer string) string {
	return fmt.Sprintf(`functions:
  authz: { runtime: go, code: '%[1]s/authz' }
  gofn:  { runtime: go, code: '%[1]s/gofn' }
apis:
  - id: secure
    stages: { dev: {} }
    apiKeySource: HEADER
    authorizers:
      tok: { type: token, function: authz, ttl: 300 }
    routes:
      GET /items/{id}: { function: gofn, auth: tok }
      GET /admin/{id}: { function: gofn, auth: tok }
      GET /keyed/{id}: { function: gofn, apiKeyRequired: true }
  - id: web
    protocol: HTTP
    authorizers:
      oidc: { type: jwt, issuer: '%[2]s', audience: [app] }
    routes:
      GET /me/{id}: { function: gofn, auth: { authorizer: oidc, scopes: [pets/read] } }
apiKeys:
  declared: { value: %[3]s, plans: [gold] }
usagePlans:
  gold: { stages: [{ api: secure, stage: dev }], quota: { limit: 100, period: DAY } }
`, fnDir, issuer, declaredKey)
}

// authzInvocations counts the authorizer function's invocations in its log.
func authzInvocations(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".genkan", "logs", "authz.log"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Count(string(b), "START RequestId")
}

func TestAccessControlEndToEnd(t *testing.T) {
	warmGoBuild(t)
	idp := jwttest.New(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "genkan.yaml"), authConfig(functionsDir(t), idp.Issuer()))
	g := startGenkan(t, dir, "genkan.yaml")
	secure := func(path string, headers ...string) response {
		return do(t, "GET", g.url("/dev"+path), nil, append([]string{"Host", apiHost("secure")}, headers...)...)
	}

	t.Run("Lambda authorizer: allowed, cached, re-evaluated per method ARN", func(t *testing.T) {
		res := secure("/items/1", "Authorization", "allow-items")
		rep := decodeReply(t, res)
		var ev map[string]any
		json.Unmarshal(rep.Event, &ev)
		az, _ := ev["requestContext"].(map[string]any)["authorizer"].(map[string]any)
		if az["principalId"] != "user-1" || az["tier"] != "gold" || az["n"] != "7" || az["ok"] != "true" {
			t.Errorf("requestContext.authorizer = %v", az)
		}
		secure("/items/2", "Authorization", "allow-items")
		if n := authzInvocations(t, dir); n != 1 {
			t.Errorf("authorizer invoked %d times for two requests within the TTL, want 1", n)
		}
		// The cached policy allows GET /items/* only: /admin is refused from the cache.
		res = secure("/admin/1", "Authorization", "allow-items")
		if res.status != 403 || res.body != `{"Message":"User is not authorized to access this resource"}` {
			t.Errorf("route outside the cached policy: %d %s", res.status, res.body)
		}
		if n := authzInvocations(t, dir); n != 1 {
			t.Errorf("authorizer invoked %d times, want the cached policy reused", n)
		}
	})
	t.Run("Lambda authorizer: AWS's refusals", func(t *testing.T) {
		before := authzInvocations(t, dir)
		for _, tc := range []struct {
			token  string
			status int
			body   string
		}{
			{"", 401, `{"message":"Unauthorized"}`},
			{"deny", 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`},
			{"unauthorized", 401, `{"message":"Unauthorized"}`},
			{"boom", 500, `{"message": null}`},
		} {
			var hdr []string
			if tc.token != "" {
				hdr = []string{"Authorization", tc.token}
			}
			if res := secure("/items/1", hdr...); res.status != tc.status || res.body != tc.body {
				t.Errorf("token %q: %d %s, want %d %s", tc.token, res.status, res.body, tc.status, tc.body)
			}
		}
		if n := authzInvocations(t, dir) - before; n != 3 {
			t.Errorf("authorizer invoked %d times, want 3 (never without a token)", n)
		}
	})

	raw, err := os.ReadFile(filepath.Join(dir, ".genkan", "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(raw))
	t.Run("admin API flushes the authorizer cache", func(t *testing.T) {
		before := authzInvocations(t, dir)
		res := do(t, "DELETE", "http://"+g.admin+"/restapis/secure/stages/dev/cache/authorizers", nil)
		if res.status != 403 {
			t.Errorf("flush without the token: %d %s", res.status, res.body)
		}
		res = do(t, "DELETE", "http://"+g.admin+"/restapis/secure/stages/dev/cache/authorizers", nil, "Authorization", "Bearer "+token)
		if res.status != 202 {
			t.Fatalf("flush: %d %s", res.status, res.body)
		}
		secure("/items/1", "Authorization", "allow-items")
		if n := authzInvocations(t, dir) - before; n != 1 {
			t.Errorf("after the flush the authorizer ran %d times, want 1", n)
		}
	})

	t.Run("API keys", func(t *testing.T) {
		if res := secure("/keyed/1"); res.status != 403 || res.body != `{"message":"Forbidden"}` {
			t.Errorf("no key: %d %s", res.status, res.body)
		}
		if res := secure("/keyed/1?x-api-key=" + declaredKey); res.status != 403 {
			t.Errorf("key in the query string accepted: %d", res.status)
		}
		rep := decodeReply(t, secure("/keyed/1", "x-api-key", declaredKey))
		var ev map[string]any
		json.Unmarshal(rep.Event, &ev)
		id := ev["requestContext"].(map[string]any)["identity"].(map[string]any)
		if id["apiKey"] != declaredKey || id["apiKeyId"] == nil {
			t.Errorf("identity = %v", id)
		}
		// A key created with the CLI works at once, and stops working when disabled.
		out, err := exec.Command(genkanBin, "keys", "create", "--state-dir", filepath.Join(dir, ".genkan"),
			"--name", "cli", "--value", "cli-key-0123456789abcdef", "--plan", "gold").CombinedOutput()
		if err != nil {
			t.Fatalf("genkan keys create: %v\n%s", err, out)
		}
		if res := secure("/keyed/1", "x-api-key", "cli-key-0123456789abcdef"); res.status != 201 {
			t.Errorf("CLI-created key: %d %s", res.status, res.body)
		}
		if out, err := exec.Command(genkanBin, "keys", "disable", "cli", "--state-dir", filepath.Join(dir, ".genkan")).CombinedOutput(); err != nil {
			t.Fatalf("genkan keys disable: %v\n%s", err, out)
		}
		if res := secure("/keyed/1", "x-api-key", "cli-key-0123456789abcdef"); res.status != 403 {
			t.Errorf("disabled key: %d %s", res.status, res.body)
		}
	})

	t.Run("admin API through the AWS SDK", func(t *testing.T) {
		client := apigateway.New(apigateway.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String("http://" + g.admin),
			Credentials:  credentials.NewStaticCredentialsProvider("genkan-admin", token, ""),
		})
		ctx := context.Background()
		keys, err := client.GetApiKeys(ctx, &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		values := map[string]bool{}
		for _, k := range keys.Items {
			values[aws.ToString(k.Value)] = k.Enabled
		}
		if enabled, ok := values[declaredKey]; !ok || !enabled {
			t.Errorf("declared key missing or disabled: %v", values)
		}
		if enabled, ok := values["cli-key-0123456789abcdef"]; !ok || enabled {
			t.Errorf("CLI key missing or still enabled: %v", values)
		}
		plans, err := client.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{})
		if err != nil || len(plans.Items) != 1 {
			t.Fatalf("usage plans: %v %v", plans, err)
		}
		today := time.Now().UTC().Format(time.DateOnly)
		usage, err := client.GetUsage(ctx, &apigateway.GetUsageInput{UsagePlanId: plans.Items[0].Id, StartDate: aws.String(today), EndDate: aws.String(today)})
		if err != nil {
			t.Fatal(err)
		}
		var used int64
		for _, days := range usage.Items {
			for _, d := range days {
				if len(d) > 0 {
					used += d[0]
				}
			}
		}
		if used != 2 {
			t.Errorf("usage today = %d requests, want 2 (the declared and the CLI key, once each): %v", used, usage.Items)
		}
	})

	t.Run("JWT authorizer on an HTTP API", func(t *testing.T) {
		web := func(tok string) response {
			return do(t, "GET", g.url("/me/1"), nil, "Host", apiHost("web"), "Authorization", "Bearer "+tok)
		}
		rep := decodeReply(t, web(idp.Token(t, idp.Claims())))
		var ev map[string]any
		json.Unmarshal(rep.Event, &ev)
		jwt, _ := ev["requestContext"].(map[string]any)["authorizer"].(map[string]any)["jwt"].(map[string]any)
		if jwt["claims"].(map[string]any)["sub"] != "user-1" || fmt.Sprint(jwt["scopes"]) != "[pets/read]" {
			t.Errorf("requestContext.authorizer.jwt = %v", jwt)
		}
		if res := web(jwttest.Sign(t, idp.Attacker, "RS256", jwttest.RSAKid, idp.Claims(), nil)); res.status != 401 || res.header.Get("Www-Authenticate") == "" {
			t.Errorf("forged token: %d %s %v", res.status, res.body, res.header)
		}
	})

	t.Run("keys, their state and usage survive a restart", func(t *testing.T) {
		if out, err := exec.Command(genkanBin, "keys", "enable", "cli", "--state-dir", filepath.Join(dir, ".genkan")).CombinedOutput(); err != nil {
			t.Fatalf("genkan keys enable: %v\n%s", err, out)
		}
		if err := g.stop(syscall.SIGTERM, 20*time.Second); err != nil {
			t.Fatalf("stop: %v", err)
		}
		g2 := startGenkan(t, dir, "genkan.yaml")
		res := do(t, "GET", g2.url("/dev/keyed/1"), nil, "Host", apiHost("secure"), "x-api-key", "cli-key-0123456789abcdef")
		if res.status != 201 {
			t.Fatalf("CLI-created key after a restart: %d %s", res.status, res.body)
		}
		out, err := exec.Command(genkanBin, "keys", "usage", "--plan", "gold", "--state-dir", filepath.Join(dir, ".genkan")).CombinedOutput()
		if err != nil {
			t.Fatalf("genkan keys usage: %v\n%s", err, out)
		}
		// declared: 1 request before the restart; cli: 1 before and 1 after.
		if !strings.Contains(string(out), "declared") || !regexp.MustCompile(`cli\s+2\s`).Match(out) {
			t.Errorf("usage after a restart:\n%s", out)
		}
		if strings.Contains(string(out), declaredKey) {
			t.Errorf("usage output shows a key value:\n%s", out)
		}
	})
}
