package gateway_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
)

// swapTable is a one-stage REST API whose /fast route answers name and whose /slow route
// answers name+"-slow"; gate, when set, holds /slow until the test lets it go.
func swapTable(t *testing.T, name string, gate gateway.Integration) *gateway.Table {
	tbl := mustCompile(t, &apimodel.Config{APIs: []*apimodel.API{{
		ID: "swap", Protocol: apimodel.ProtocolREST, Stages: stages("s"),
		Routes: []*apimodel.Route{mockRoute("GET", "/fast", name), mockRoute("GET", "/slow", name+"-slow")},
	}}})
	if gate != nil {
		setRoute(t, tbl, "swap", "/slow", gate)
	}
	return tbl
}

// TestHolderSwapUnderLoad: a reload swaps the table while requests are in flight. Requests
// that started on the old table finish on it; every request that starts after Swap returned
// sees the new one; and no client ever sees the new table and then the old one. Run with
// -race: the tables, the pools and the holder are shared by every goroutine here.
func TestHolderSwapUnderLoad(t *testing.T) {
	const inflight, loaders = 8, 4
	var entered sync.WaitGroup
	entered.Add(inflight)
	release := make(chan struct{})
	gate := integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
		entered.Done()
		<-release
		_, err := w.Write([]byte("A-slow"))
		return err
	})
	a, b := swapTable(t, "A", gate), swapTable(t, "B", nil)
	h := &gateway.Handler{Tables: gateway.NewHolder(a), Logger: quietLogger()}

	slow := make(chan string, inflight)
	for i := 0; i < inflight; i++ {
		go func() { slow <- serve(h, "GET", "localhost", "/s/slow", nil).Body.String() }()
	}
	entered.Wait() // every slow request holds table A now

	var (
		stop     = make(chan struct{})
		loadWG   sync.WaitGroup
		before   atomic.Int64 // requests completed before the swap
		sawB     atomic.Int64 // loaders that have seen table B
		failures = make(chan string, loaders)
	)
	for g := 0; g < loaders; g++ {
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			seenB := false
			for {
				select {
				case <-stop:
					return
				default:
				}
				body := serve(h, "GET", "localhost", "/s/fast", nil).Body.String()
				switch {
				case body == "A" && !seenB:
					before.Add(1)
				case body == "B" && !seenB:
					seenB = true
					sawB.Add(1)
				case body == "B":
				default:
					failures <- fmt.Sprintf("got %q after having seen B", body)
					return
				}
			}
		}()
	}
	waitFor(t, "load on table A", func() bool { return before.Load() >= 50 })

	if old := h.Tables.Swap(b); old != a {
		t.Fatalf("Swap returned %p, want the previous table %p", old, a)
	}
	if h.Tables.Load() != b {
		t.Fatal("Load after Swap does not return the new table")
	}
	// Sequenced after Swap: must see B, and the slow route of B is not gated.
	if got := serve(h, "GET", "localhost", "/s/fast", nil).Body.String(); got != "B" {
		t.Errorf("request after Swap got %q, want B", got)
	}
	if got := serve(h, "GET", "localhost", "/s/slow", nil).Body.String(); got != "B-slow" {
		t.Errorf("slow route after Swap got %q, want B-slow", got)
	}
	waitFor(t, "every loader to see table B", func() bool { return sawB.Load() == loaders })

	close(release)
	for i := 0; i < inflight; i++ {
		select {
		case got := <-slow:
			if got != "A-slow" {
				t.Errorf("in-flight request finished with %q, want A-slow (the table it started on)", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("in-flight requests did not finish")
		}
	}
	close(stop)
	loadWG.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
