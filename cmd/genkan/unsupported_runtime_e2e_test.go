package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A runtime genkan cannot run here does not fail the configuration: start-up warns, its route
// answers AWS's 502 for a failed function, the log names the runtime, and the rest serves.
func TestUnsupportedRuntimeServesTheRest(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "java"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "genkan.yaml"), `
functions:
  legacy:
    runtime: java21
    handler: example.Handler::handleRequest
    code: ./java
apis:
  - id: mixed
    stages: { dev: {} }
    routes:
      GET /legacy: { function: legacy }
      GET /ok: { mock: { statusCode: 200, body: fine } }
`)
	g := startGenkan(t, dir)
	waitFor(t, "start-up warning naming the runtime", 5*time.Second, func() bool {
		return strings.Contains(g.stdout()+g.stderr(), "java21")
	})
	r := do(t, "GET", g.url("/dev/legacy"), nil)
	if r.status != 502 || r.body != `{"message": "Internal server error"}` {
		t.Fatalf("unsupported runtime route: %d %q", r.status, r.body)
	}
	waitFor(t, "log line naming the runtime", 5*time.Second, func() bool {
		return strings.Contains(g.stderr(), "function cannot run here") && strings.Contains(g.stderr(), "java21")
	})
	if r := do(t, "GET", g.url("/dev/ok"), nil); r.status != 200 || r.body != "fine" {
		t.Fatalf("the rest of the API: %d %q", r.status, r.body)
	}
}
