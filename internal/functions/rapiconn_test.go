package functions

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawClient speaks HTTP/1.1 by hand, for what net/http's client would not send.
type rawClient struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (fr *fakeRuntime) dial() *rawClient {
	c, err := net.Dial("tcp", fr.addr)
	if err != nil {
		fr.t.Fatal(err)
	}
	fr.t.Cleanup(func() { c.Close() })
	return &rawClient{t: fr.t, c: c, br: bufio.NewReader(c)}
}

func (rc *rawClient) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatal(err)
	}
}

type rawResponse struct {
	status int
	header map[string]string // lower-case names
	body   string
}

// read reads one response framed by Content-Length.
func (rc *rawClient) read() rawResponse {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := rc.br.ReadString('\n')
	if err != nil {
		rc.t.Fatalf("reading a response: %v", err)
	}
	var r rawResponse
	r.status, _ = strconv.Atoi(strings.Fields(line)[1])
	r.header = map[string]string{}
	for {
		line, err := rc.br.ReadString('\n')
		if err != nil {
			rc.t.Fatal(err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ":")
		r.header[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	n, _ := strconv.Atoi(r.header["content-length"])
	b := make([]byte, n)
	if _, err := io.ReadFull(rc.br, b); err != nil {
		rc.t.Fatal(err)
	}
	r.body = string(b)
	return r
}

// closed reports whether the server closed the connection.
func (rc *rawClient) closed() bool {
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := rc.br.ReadByte()
	return err == io.EOF
}

const nextReq = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"

// waiters counts the connections long-polling /next on the function's instances.
func (m *Manager) waiters(name string) int {
	f := m.lookup(name)
	f.mu.Lock()
	insts := make([]*instance, 0, len(f.cur.all))
	for inst := range f.cur.all {
		insts = append(insts, inst)
	}
	f.mu.Unlock()
	n := 0
	for _, inst := range insts {
		inst.mu.Lock()
		n += len(inst.waiters)
		inst.mu.Unlock()
	}
	return n
}

func TestRuntimeAPIChunkedExpectAndHTTP10(t *testing.T) {
	m := newManager(t, Options{})
	fr := newFakeRuntime(t, m, "raw")
	ch := fr.invokeAsync(`{"n":1}`, InvokeOptions{RequestID: "id-1"})
	fr.waitAddr()
	c := fr.dial()

	// A chunked response in two chunks, with an extension and a trailer that is not an error.
	c.send(nextReq)
	if r := c.read(); r.status != 200 || r.body != `{"n":1}` || r.header["lambda-runtime-aws-request-id"] != "id-1" {
		t.Fatalf("next: %+v", r)
	}
	c.send("POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" +
		"Trailer: X-Other\r\n\r\n4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Other: y\r\n\r\n")
	if r := c.read(); r.status != 202 || r.body != `{"status":"OK"}`+"\n" {
		t.Errorf("chunked response: %+v", r)
	}
	if res := <-ch; string(res.Payload) != `{"a":1}` || res.FunctionError != "" {
		t.Errorf("result %s %q", res.Payload, res.FunctionError)
	}

	// aws-lambda-go's error trailers, on the same connection.
	ch = fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-2"})
	c.send(nextReq)
	c.read()
	eb := base64.StdEncoding.EncodeToString([]byte(`{"errorMessage":"mid-stream","errorType":"Stream.Error"}`))
	c.send("POST /2018-06-01/runtime/invocation/id-2/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"2\r\n{}\r\n0\r\nLambda-Runtime-Function-Error-Type: Stream.Error\r\nLambda-Runtime-Function-Error-Body: " + eb + "\r\n\r\n")
	if r := c.read(); r.status != 202 {
		t.Errorf("response with error trailers: %+v", r)
	}
	if res := <-ch; res.FunctionError != "Unhandled" || string(res.Payload) != `{"errorMessage":"mid-stream","errorType":"Stream.Error"}` {
		t.Errorf("trailer error: %s %q", res.Payload, res.FunctionError)
	}

	// Expect: 100-continue gets its interim answer before the body is sent.
	ch = fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-3"})
	c.send(nextReq)
	c.read()
	c.send("POST /2018-06-01/runtime/invocation/id-3/response HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, _ := c.br.ReadString('\n'); line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim answer %q", line)
	}
	c.br.ReadString('\n')
	c.send("true")
	if r := c.read(); r.status != 202 {
		t.Errorf("after 100-continue: %+v", r)
	}
	if res := <-ch; string(res.Payload) != "true" {
		t.Errorf("result %s", res.Payload)
	}

	// HTTP/1.0 without keep-alive: answered, then closed.
	ch = fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-4"})
	c10 := fr.dial()
	c10.send("GET /2018-06-01/runtime/invocation/next HTTP/1.0\r\n\r\n")
	if r := c10.read(); r.status != 200 || r.header["connection"] != "close" || !c10.closed() {
		t.Errorf("HTTP/1.0 next: %+v", r)
	}
	c.send("POST /2018-06-01/runtime/invocation/id-4/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
	if r := c.read(); r.status != 202 || !c.closed() {
		t.Errorf("Connection: close: %+v", r)
	}
	<-ch
}

func TestRuntimeAPIHangUpDuringNext(t *testing.T) {
	m := newManager(t, Options{})
	fr := newFakeRuntime(t, m, "hangup")
	ch := fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-1"})
	fr.waitAddr()
	c := fr.dial()
	c.send(nextReq)
	c.read()
	c.send("POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	c.read()
	<-ch

	// A long poll whose runtime hangs up takes no event: the next connection's /next gets it.
	c.send(nextReq)
	waitFor(t, "the long poll", func() bool { return m.waiters("hangup") == 1 })
	c.c.Close()
	waitFor(t, "the hang-up to be seen", func() bool { return m.waiters("hangup") == 0 })
	ch = fr.invokeAsync(`{"again":true}`, InvokeOptions{RequestID: "id-2"})
	c2 := fr.dial()
	c2.send(nextReq)
	if r := c2.read(); r.status != 200 || r.body != `{"again":true}` {
		t.Fatalf("next on a new connection: %+v", r)
	}
	// A second long poll while the first waits: one takes the event, the other waits on.
	c2.send("POST /2018-06-01/runtime/invocation/id-2/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	c2.read()
	<-ch
	c3 := fr.dial()
	c2.send(nextReq)
	c3.send(nextReq)
	waitFor(t, "two long polls", func() bool { return m.waiters("hangup") == 2 })
	ch = fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-3"})
	waitFor(t, "one long poll left", func() bool { return m.waiters("hangup") == 1 })
	for _, cl := range []*rawClient{c2, c3} {
		cl.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := cl.br.Peek(1); err == nil {
			if r := cl.read(); r.status != 200 {
				t.Fatalf("next: %+v", r)
			}
			cl.send("POST /2018-06-01/runtime/invocation/id-3/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
			cl.read()
		}
	}
	if res := <-ch; string(res.Payload) != "{}" {
		t.Errorf("result %s", res.Payload)
	}
}

func TestRuntimeAPIMalformed(t *testing.T) {
	m := newManager(t, Options{})
	fr := newFakeRuntime(t, m, "malformed")
	ch := fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-1"})
	fr.waitAddr()

	for _, bad := range []string{
		"garbage\r\n\r\n",
		"GET /x HTTP/2.0\r\n\r\n",
		"GET /x HTTP/1.1\r\n folded: header\r\n\r\n",
		"GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n",
		"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	} {
		c := fr.dial()
		c.send(bad)
		if r := c.read(); r.status != 400 || !c.closed() {
			t.Errorf("%q: %+v", bad, r)
		}
	}
	c := fr.dial()
	c.send("GET /x HTTP/1.1\r\nX-Big: " + strings.Repeat("a", maxHeaderBytes) + "\r\n\r\n")
	if r := c.read(); r.status != 431 {
		t.Errorf("oversized header: %+v", r)
	}
	c = fr.dial()
	c.send("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")
	if r := c.read(); r.status != 501 {
		t.Errorf("unknown transfer encoding: %+v", r)
	}
	// Unknown paths and methods keep the connection, bodies and all.
	c = fr.dial()
	c.send("POST /nope HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
	if r := c.read(); r.status != 404 {
		t.Errorf("unknown path: %+v", r)
	}
	c.send("PUT /2018-06-01/runtime/invocation/next HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n")
	if r := c.read(); r.status != 405 || r.header["allow"] != "GET" {
		t.Errorf("wrong method: %+v", r)
	}
	// The event is still there for a well-formed /next, with a query string and in absolute form.
	c.send("GET http://x/2018-06-01/runtime/invocation/next?a=b HTTP/1.1\r\n\r\n")
	if r := c.read(); r.status != 200 {
		t.Fatalf("next: %+v", r)
	}
	c.send("POST /2018-06-01/runtime/invocation/id%2D1/error HTTP/1.1\r\nContent-Length: 2\r\nLambda-Runtime-Function-Error-Type: E.T\r\n\r\n{}")
	if r := c.read(); r.status != 202 {
		t.Errorf("escaped id: %+v", r)
	}
	if res := <-ch; res.FunctionError != "Unhandled" {
		t.Errorf("result %s", res.Payload)
	}
}

// TestRuntimeAPIPipelinedNext is genkan's Node bootstrap's way: a response and the next /next
// in one write. With an invocation waiting, the 202 and the event come back together; without
// one, the 202 still comes before the long poll.
func TestRuntimeAPIPipelinedNext(t *testing.T) {
	m := newManager(t, Options{Queue: QueueOptions{Timeout: 10 * time.Second}})
	fr := newFakeRuntime(t, m, "pipelined")
	spec := m.lookup("pipelined").cur.spec
	spec.ReservedConcurrency = 1 // the second invocation queues for this instance
	mustSync(t, m, &spec)
	ch1 := fr.invokeAsync(`{"n":1}`, InvokeOptions{RequestID: "id-1"})
	fr.waitAddr()
	c := fr.dial()
	c.send(nextReq)
	if r := c.read(); r.status != 200 || r.body != `{"n":1}` {
		t.Fatalf("next: %+v", r)
	}
	ch2 := fr.invokeAsync(`{"n":2}`, InvokeOptions{RequestID: "id-2"})
	waitFor(t, "the second invocation to queue", func() bool {
		f := m.lookup("pipelined")
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.queue) == 1
	})
	post := func(id, body string) string {
		return "POST /2018-06-01/runtime/invocation/" + id + "/response HTTP/1.1\r\nHost: x\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
	c.send(post("id-1", `"one"`) + nextReq)
	if r := c.read(); r.status != 202 || r.body != `{"status":"OK"}`+"\n" {
		t.Fatalf("response: %+v", r)
	}
	if r := c.read(); r.status != 200 || r.body != `{"n":2}` || r.header["lambda-runtime-aws-request-id"] != "id-2" {
		t.Fatalf("pipelined next: %+v", r)
	}
	if res := <-ch1; string(res.Payload) != `"one"` {
		t.Errorf("result 1: %s", res.Payload)
	}

	// Nothing waiting: the 202 is not held for the long poll.
	c.send(post("id-2", `"two"`) + nextReq)
	if r := c.read(); r.status != 202 {
		t.Fatalf("response: %+v", r)
	}
	if res := <-ch2; string(res.Payload) != `"two"` {
		t.Errorf("result 2: %s", res.Payload)
	}
	waitFor(t, "the long poll", func() bool { return m.waiters("pipelined") == 1 })
	ch3 := fr.invokeAsync(`{"n":3}`, InvokeOptions{RequestID: "id-3"})
	if r := c.read(); r.status != 200 || r.body != `{"n":3}` {
		t.Fatalf("next after the long poll: %+v", r)
	}
	// A pipelined /next behind a refused post gets the refusal and then its own answer.
	c.send(post("id-9", `"nine"`) + post("id-3", `"three"`) + nextReq)
	if r := c.read(); r.status != 400 {
		t.Errorf("wrong id: %+v", r)
	}
	if r := c.read(); r.status != 202 {
		t.Errorf("response: %+v", r)
	}
	if res := <-ch3; string(res.Payload) != `"three"` {
		t.Errorf("result 3: %s", res.Payload)
	}
	waitFor(t, "the long poll", func() bool { return m.waiters("pipelined") == 1 })
}
