package admin

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/auth/apikey"
)

func TestHTTP(t *testing.T) {
	f := newFixture(t, false)
	open := newFixture(t, true)
	gold := apikey.DerivedPlanID("gold")
	bearer := "Bearer " + testToken
	tests := []struct {
		name, method, path, auth, body string
		noAuth                         bool
		status                         int
		errType, contains              string
	}{
		{name: "no credentials", method: "GET", path: "/apikeys", status: 403,
			errType: "MissingAuthenticationTokenException", contains: `{"message":"Missing Authentication Token"}`},
		{name: "wrong bearer", method: "GET", path: "/apikeys", auth: "Bearer nope", status: 403,
			errType: "UnrecognizedClientException", contains: "The security token included in the request is invalid."},
		{name: "other scheme", method: "GET", path: "/apikeys", auth: "Basic Zm9vOmJhcg==", status: 403,
			errType: "IncompleteSignatureException"},
		{name: "bearer scheme is case-insensitive", method: "GET", path: "/apikeys", auth: "bearer " + testToken, status: 200,
			contains: `"item":[`},
		{name: "list keys", method: "GET", path: "/apikeys?includeValues=true", auth: bearer, status: 200,
			contains: `"value":"`},
		{name: "create key", method: "POST", path: "/apikeys", auth: bearer, status: 201,
			body:     `{"name":"curl","enabled":true,"value":"0123456789abcdefghij","stageKeys":[{"restApiId":"api1","stageName":"prod"}]}`,
			contains: `"stageKeys":["api1/prod"]`},
		{name: "malformed JSON", method: "POST", path: "/apikeys", auth: bearer, body: `{"name":`, status: 400,
			errType: "BadRequestException"},
		{name: "bad limit", method: "GET", path: "/apikeys?limit=0", auth: bearer, status: 400, errType: "BadRequestException"},
		{name: "usage without dates", method: "GET", path: "/usageplans/" + gold + "/usage", auth: bearer, status: 400,
			errType: "BadRequestException", contains: "startDate must be specified"},
		{name: "usage bad date", method: "GET", path: "/usageplans/" + gold + "/usage?startDate=2026-13-01&endDate=2026-12-01",
			auth: bearer, status: 400, errType: "BadRequestException"},
		{name: "usage", method: "GET", path: "/usageplans/" + gold + "/usage?startDate=2026-11-01&endDate=2026-11-02", auth: bearer,
			status: 200, contains: `"values":{"` + apikey.DerivedKeyID("declared") + `":[[0,100],[0,100]]}`},
		{name: "plan key of wrong type", method: "POST", path: "/usageplans/" + gold + "/keys", auth: bearer,
			body: `{"keyId":"x","keyType":"JWT"}`, status: 400, errType: "BadRequestException"},
		{name: "unknown plan", method: "GET", path: "/usageplans/nope", auth: bearer, status: 404,
			errType: "NotFoundException", contains: "Invalid Usage Plan ID specified"},
		{name: "declared plan is read-only", method: "DELETE", path: "/usageplans/" + gold, auth: bearer, status: 400,
			errType: "BadRequestException", contains: "edit the file"},
		{name: "HTTP API authorizer cache", method: "DELETE", path: "/v2/apis/api1/stages/prod/cache/authorizers", auth: bearer, status: 204},
		{name: "HTTP API authorizer cache, unknown stage", method: "DELETE", path: "/v2/apis/api1/stages/dev/cache/authorizers",
			auth: bearer, status: 404, errType: "NotFoundException"},
		{name: "REST authorizer cache", method: "DELETE", path: "/restapis/api1/stages/prod/cache/authorizers", auth: bearer, status: 202},
		{name: "auth disabled", method: "GET", path: "/usageplans", noAuth: true, status: 200, contains: `"name":"gold"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := f.srv.URL
			if tt.noAuth {
				base = open.srv.URL
			}
			req, err := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.errType || !strings.Contains(string(body), tt.contains) {
				t.Fatalf("%d %q %s; want %d %q containing %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body, tt.status, tt.errType, tt.contains)
			}
			if tt.errType != "" {
				var msg struct{ Message string }
				if err := json.Unmarshal(body, &msg); err != nil || msg.Message == "" {
					t.Fatalf("error body %s is not {\"message\": ...}", body)
				}
			}
			if resp.Header.Get("X-Amzn-RequestId") == "" {
				t.Fatal("no X-Amzn-RequestId")
			}
		})
	}
}

func TestLoadOrCreateToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	token, created, err := LoadOrCreateToken(dir)
	if err != nil || !created || len(token) < 40 {
		t.Fatalf("first call: %q %v %v", token, created, err)
	}
	again, created, err := LoadOrCreateToken(dir)
	if err != nil || created || again != token {
		t.Fatalf("second call: %q %v %v", again, created, err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, TokenFile): 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %o", path, fi.Mode(), err, want)
		}
	}
	// A readable token file is tightened; an empty one is an error, not an empty token.
	path := filepath.Join(dir, TokenFile)
	os.Chmod(path, 0o644)
	if _, _, err := LoadOrCreateToken(dir); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("token file left at %o", fi.Mode().Perm())
	}
	os.WriteFile(path, []byte("\n"), 0o600)
	if _, _, err := LoadOrCreateToken(dir); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty token file: %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:3001": true,
		"127.9.9.9:3001": true,
		"[::1]:3001":     true,
		"localhost:3001": true,
		"LOCALHOST:1":    true,
		":3001":          false,
		"0.0.0.0:3001":   false,
		"[::]:3001":      false,
		"10.0.0.5:3001":  false,
		"example.com:80": false,
		"127.0.0.1":      true,
	}
	for addr, want := range tests {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:3001", "http://127.0.0.1:3001"},
		{"0.0.0.0:3001", "http://127.0.0.1:3001"},
		{"[::]:3001", "http://[::1]:3001"},
		{":3001", "http://127.0.0.1:3001"},
		{"localhost:3001", "http://localhost:3001"},
		{"http://admin.internal:9000/", "http://admin.internal:9000"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if err := WriteEndpoint(dir, tt.addr); err != nil {
			t.Fatal(err)
		}
		got, err := ReadEndpoint(dir)
		if err != nil || got != tt.want {
			t.Errorf("%s: %q %v, want %q", tt.addr, got, err, tt.want)
		}
	}
	if _, err := ReadEndpoint(t.TempDir()); err == nil || !strings.Contains(err.Error(), "genkan serve running") {
		t.Fatalf("missing endpoint: %v", err)
	}
}

// TestRegisterBesideServerRoutes mounts the API on a mux that already serves the admin
// listener's other routes, as the server does; conflicting patterns would panic here.
func TestRegisterBesideServerRoutes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, _ *http.Request) {})
	f := newFixture(t, false)
	Register(mux, Options{Keys: f.store, Token: testToken})
	tests := []struct {
		path   string
		status int
	}{
		{"/healthz", 200},
		{"/apikeys", 200},
		{"/usageplans/" + apikey.DerivedPlanID("gold") + "/keys", 200},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, rec.Code, tt.status)
		}
	}
}
