package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// reloadCount is the number of successful reloads /readyz reports.
func reloadCount(t *testing.T, g *proc) int {
	t.Helper()
	r := do(t, "GET", "http://"+g.admin+"/readyz", nil)
	var ready struct {
		Reloads int `json:"reloads"`
	}
	if err := json.Unmarshal([]byte(r.body), &ready); err != nil {
		t.Fatalf("/readyz: %v in %q", err, r.body)
	}
	return ready.Reloads
}

// TestFunctionLifecycle follows one Node.js function, on a copy of its code the test may edit,
// through scale to zero and back, and through a code change while an invocation is in flight.
func TestFunctionLifecycle(t *testing.T) {
	skipWithoutProc(t)
	requireInterpreters(t)
	dir := t.TempDir()
	code := filepath.Join(dir, "fn")
	if err := os.Mkdir(code, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(functionsDir(t), "node", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	handler := filepath.Join(code, "index.js")
	writeFile(t, handler, string(src))
	// timeout 10s: the in-flight invocation below waits on the test, not on the clock.
	writeFile(t, filepath.Join(dir, "genkan.yaml"), `
functions:
  hello: { runtime: nodejs20.x, handler: index.handler, code: ./fn, timeout: 10s }
apis:
  - id: life
    stages: { dev: {} }
    routes:
      GET /items/{id}: { function: hello }
      GET /do/{action}: { function: hello }
`)
	const idle = time.Second
	g := startGenkan(t, dir, "--function-idle-timeout", idle.String())
	echo := func() fnReply { t.Helper(); return decodeReply(t, do(t, "GET", g.url("/dev/items/1"), nil)) }

	t.Run("scale to zero and back", func(t *testing.T) {
		first := echo()
		if pidGone(first.PID) {
			t.Fatalf("the instance %d that just answered is gone", first.PID)
		}
		// Nothing calls the function now: the reaper stops its only instance once it has been
		// idle for the idle timeout.
		waitFor(t, "the idle instance to stop", idle+10*time.Second, func() bool { return pidGone(first.PID) })
		second := echo()
		if second.PID == first.PID || pidGone(second.PID) {
			t.Fatalf("after scaling to zero pid %d (before %d)", second.PID, first.PID)
		}
		// Both invocations were cold starts, and their REPORT lines (written as the invocation
		// ends, not necessarily before its response) say so.
		waitFor(t, "two cold-start REPORT lines", 5*time.Second, func() bool {
			return strings.Count(g.stderr(), "\tInit Duration: ") == 2
		})
	})

	t.Run("hot reload keeps in-flight invocations on the old code", func(t *testing.T) {
		release := filepath.Join(t.TempDir(), "release") // outside the watched code directory
		inflight := make(chan response, 1)
		go func() {
			r, err := get(g.url("/dev/do/wait?release="+release), "")
			if err != nil {
				r = response{status: -1, body: err.Error()}
			}
			inflight <- r
		}()
		waitFor(t, "the invocation to be in flight", 10*time.Second, func() bool {
			return strings.Contains(g.stderr(), "waiting for "+release)
		})

		v2 := strings.Replace(string(src), "const VERSION = 'v1';", "const VERSION = 'v2';", 1)
		if v2 == string(src) {
			t.Fatal("testdata/functions/node/index.js no longer declares VERSION 'v1'")
		}
		reloads := reloadCount(t, g)
		replaceFile(t, handler, v2)
		// Wait for the reload, not just for a v2 answer: an instance that starts before the
		// watcher has noticed the change already loads the new file, while the old version's
		// busy instance would still be reused once free.
		waitFor(t, "the code change to be reloaded", 10*time.Second, func() bool { return reloadCount(t, g) > reloads })
		if v := echo().Version; v != "v2" {
			t.Fatalf("after the reload the function answers %s", v)
		}
		select {
		case r := <-inflight:
			t.Fatalf("the in-flight invocation ended before it was released: %d %q", r.status, r.body)
		default:
		}

		writeFile(t, release, "")
		r := <-inflight
		if rep := decodeReply(t, r); rep.Version != "v1" || !rep.Waited {
			t.Fatalf("the in-flight invocation answered %q, want the old code's v1", r.body)
		}
		if v := echo().Version; v != "v2" {
			t.Fatalf("after the old invocation ended the function answers %s", v)
		}
	})
}
