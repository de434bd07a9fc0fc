package httpproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
)

func TestKeepAliveReuse(t *testing.T) {
	var cc connCounter
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"ok":true}`))
	}))
	be.Config.ConnState = cc.hook
	be.Start()
	defer be.Close()
	url, _, _ := setupWith(t, be, "http://%s/{proxy}", TransportOptions{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for i := 0; i < 50; i++ {
		method, body := "GET", io.Reader(nil)
		if i%2 == 1 {
			method, body = "POST", strings.NewReader(strings.Repeat("x", i*100))
		}
		req, _ := http.NewRequest(method, url+"/s/item", body)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := cc.n.Load(); n != 1 {
		t.Errorf("sequential requests used %d backend connections, want 1", n)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				resp, err := client.Get(url + "/s/item")
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := cc.n.Load(); n > 9 {
		t.Errorf("8 concurrent clients used %d backend connections", n)
	}
}

// rawBackend serves each connection with fn, for responses net/http would not produce.
func rawBackend(t *testing.T, fn func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fn(c, bufio.NewReader(c))
			}()
		}
	}()
	return ln.Addr().String()
}

// readRequest consumes one request head (the tests send no bodies).
func readRequest(br *bufio.Reader) (string, error) {
	first := ""
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return first, err
		}
		if first == "" {
			first = strings.TrimSpace(line)
		}
		if line == "\r\n" {
			return first, nil
		}
	}
}

func TestStaleConnectionRetry(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	// Answers one request per connection, then closes without saying so.
	addr := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		mu.Lock()
		conns++
		mu.Unlock()
		if _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/"})
	f := &front{p: p, timeout: 20 * time.Second}
	fs := httptest.NewServer(f)
	defer fs.Close()
	get := func(method string) int {
		resp, err := http.DefaultClient.Do(mustReq(method, fs.URL+"/s", nil))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := get("GET"); s != 200 {
		t.Fatalf("first GET %d", s)
	}
	time.Sleep(50 * time.Millisecond) // let the server's close arrive
	// The parked connection is dead; an idempotent request is retried on a new one.
	if s := get("GET"); s != 200 {
		t.Errorf("GET on a stale connection: %d (%v)", s, f.err())
	}
	time.Sleep(50 * time.Millisecond)
	// A POST may have reached the server, so it is not retried (unless nothing was written).
	if s := get("POST"); s != 200 && s != 504 {
		t.Errorf("POST on a stale connection: %d", s)
	}
}

func TestInterimResponsesSkipped(t *testing.T) {
	addr := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"+
			"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n")
	})
	p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/"})
	fs := httptest.NewServer(&front{p: p, timeout: 20 * time.Second})
	defer fs.Close()
	resp, err := http.Get(fs.URL + "/s")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 201 || string(b) != "abcde" || resp.Header.Get("X-A") != "1" || resp.Header.Get("Link") != "" {
		t.Errorf("%d %q %v %v", resp.StatusCode, b, resp.Header, err)
	}
}

func TestBackendFailureAfterHeadersAborts(t *testing.T) {
	for name, resp := range map[string]string{
		"content-length": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
		"chunked":        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n",
		"bad-chunk":      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			addr := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
				readRequest(br)
				io.WriteString(c, resp)
			})
			p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/"})
			fs := httptest.NewServer(&front{p: p, timeout: 20 * time.Second})
			defer fs.Close()
			r, err := http.Get(fs.URL + "/s")
			if err == nil {
				// Headers made it out before the failure: the body must end in an error.
				_, err = io.ReadAll(r.Body)
				r.Body.Close()
			}
			if err == nil {
				t.Errorf("client read a complete body; the cut must be visible")
			}
		})
	}
}

func TestMalformedResponse(t *testing.T) {
	addr := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.WriteString(c, "SSH-2.0-OpenSSH\r\n\r\n")
	})
	p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/"})
	fs := httptest.NewServer(&front{p: p, timeout: 20 * time.Second})
	defer fs.Close()
	resp, err := http.Get(fs.URL + "/s")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Test-Error-Type") != string(apierr.IntegrationFailure) {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	url, f, _ := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}), "http://%s/", TransportOptions{})
	f.timeout = 100 * time.Millisecond
	start := time.Now()
	resp, err := http.Get(url + "/s")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if el := time.Since(start); el > 4*time.Second { // generous: the bench machine is shared
		t.Errorf("took %v", el)
	}
	if resp.StatusCode != 504 || resp.Header.Get("X-Test-Error-Type") != string(apierr.IntegrationTimeout) ||
		string(b) != `{"message":"Endpoint request timed out"}` {
		t.Errorf("got %d %s %s", resp.StatusCode, resp.Header.Get("X-Test-Error-Type"), b)
	}
	if e := f.integrationError(); e == "" {
		t.Errorf("no integration error recorded")
	}
	if rc := f.lastCtx.Load(); rc.IntegrationError == "" || rc.IntegrationLatency < 100*time.Millisecond {
		t.Errorf("context: error %q latency %v", rc.IntegrationError, rc.IntegrationLatency)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/x"})
	f := &front{p: p, timeout: 20 * time.Second}
	fs := httptest.NewServer(f)
	defer fs.Close()
	resp, err := http.Get(fs.URL + "/s")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("X-Test-Error-Type") != string(apierr.IntegrationFailure) || resp.StatusCode != 504 {
		t.Errorf("got %d %s %s", resp.StatusCode, resp.Header.Get("X-Test-Error-Type"), b)
	}
	var ae *apierr.Error
	if !errors.As(f.err(), &ae) || ae.Message != "Internal server error" || ae.Cause == nil {
		t.Errorf("error %#v", f.err())
	}
	if e := f.integrationError(); !strings.Contains(e, "refused") {
		t.Errorf("integration error %q", e)
	}
}

func TestTLSBackend(t *testing.T) {
	be := httptest.NewTLSServer(http.HandlerFunc(echoHandler))
	defer be.Close()
	url, _, _ := setupWith(t, be, "http://%s/{proxy}", TransportOptions{})
	e, _ := getEcho(t, mustReq("GET", url+"/s/secure", nil))
	if e.URI != "/secure" {
		t.Errorf("uri %q", e.URI)
	}
	// Without the escape hatch a self-signed certificate is an integration failure.
	p := mustNew(t, &apimodel.Integration{URI: be.URL + "/"})
	f := &front{p: p, timeout: 20 * time.Second}
	fs := httptest.NewServer(f)
	defer fs.Close()
	resp, err := http.Get(fs.URL + "/s")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Test-Error-Type") != string(apierr.IntegrationFailure) {
		t.Errorf("status %d type %q err %v", resp.StatusCode, resp.Header.Get("X-Test-Error-Type"), f.err())
	}
}

func TestExtraBytesAfterResponseAreNotReused(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	addr := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		mu.Lock()
		conns++
		mu.Unlock()
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			// Two bytes more than announced: the connection is out of step.
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokXX")
		}
	})
	p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/"})
	fs := httptest.NewServer(&front{p: p, timeout: 20 * time.Second})
	defer fs.Close()
	for i := 0; i < 3; i++ {
		resp, err := http.Get(fs.URL + "/s")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, b)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 3 {
		t.Errorf("%d connections, want one per request", conns)
	}
}

func TestTimeoutDuringBodyAborts(t *testing.T) {
	stall := make(chan struct{})
	defer close(stall)
	addr := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf.")
		<-stall
	})
	p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/"})
	f := &front{p: p, timeout: 200 * time.Millisecond}
	fs := httptest.NewServer(f)
	defer fs.Close()
	start := time.Now()
	resp, err := http.Get(fs.URL + "/s")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("the client saw a complete response")
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("took %v", el)
	}
	if e := f.integrationError(); !strings.Contains(e, "timeout") {
		t.Errorf("integration error %q", e)
	}
}

func TestTransportCloseClosesIdleConnections(t *testing.T) {
	var open atomic.Int64
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	be.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	be.Start()
	defer be.Close()
	tr := NewTransport(TransportOptions{})
	p, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: be.URL + "/"}, tr)
	if err != nil {
		t.Fatal(err)
	}
	fs := httptest.NewServer(&front{p: p, timeout: 20 * time.Second})
	defer fs.Close()
	resp, err := http.Get(fs.URL + "/s")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := open.Load(); n != 1 {
		t.Fatalf("%d open backend connections before Close", n)
	}
	tr.Close()
	deadline := time.Now().Add(2 * time.Second)
	for open.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := open.Load(); n != 0 {
		t.Errorf("%d backend connections left open after Close", n)
	}
}

// A connection idle for a while is probed before use, so that even a POST, which is never
// retried, does not land on a connection the server has closed meanwhile.
func TestIdleConnectionProbedBeforeReuse(t *testing.T) {
	addr := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") // then closes
	})
	p := mustNew(t, &apimodel.Integration{URI: "http://" + addr + "/"})
	f := &front{p: p, timeout: 20 * time.Second}
	fs := httptest.NewServer(f)
	defer fs.Close()
	post := func() int {
		resp, err := http.Post(fs.URL+"/s", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post(); s != 200 {
		t.Fatalf("first POST %d", s)
	}
	time.Sleep(staleCheckAfter + 200*time.Millisecond)
	if s := post(); s != 200 {
		t.Errorf("POST after idling: %d (%v)", s, f.err())
	}
}
