package functions

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scriptConn is one connection of the Node bootstrap to a scripted Runtime API server.
type scriptConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

type scriptReq struct {
	method, path, body string
	header             map[string]string // lower-case names
}

func acceptScript(t *testing.T, ln net.Listener) *scriptConn {
	t.Helper()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("the bootstrap did not connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &scriptConn{t: t, c: c, br: bufio.NewReader(c)}
}

// read reads one request; the bootstrap frames its bodies with Content-Length.
func (sc *scriptConn) read() scriptReq {
	sc.t.Helper()
	sc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := sc.br.ReadString('\n')
	if err != nil {
		sc.t.Fatalf("reading a request: %v", err)
	}
	f := strings.Fields(line)
	r := scriptReq{method: f[0], path: f[1], header: map[string]string{}}
	for {
		line, err := sc.br.ReadString('\n')
		if err != nil {
			sc.t.Fatal(err)
		}
		if line = strings.TrimRight(line, "\r\n"); line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ":")
		r.header[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	if cl := r.header["content-length"]; cl != "" {
		n, _ := strconv.Atoi(cl)
		b := make([]byte, n)
		if _, err := io.ReadFull(sc.br, b); err != nil {
			sc.t.Fatal(err)
		}
		r.body = string(b)
	}
	return r
}

// write writes each part apart, so that the bootstrap reads them apart.
func (sc *scriptConn) write(parts ...string) {
	sc.t.Helper()
	for i, p := range parts {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := sc.c.Write([]byte(p)); err != nil {
			sc.t.Fatal(err)
		}
	}
}

func (sc *scriptConn) expect(method, path string) scriptReq {
	sc.t.Helper()
	r := sc.read()
	if r.method != method || r.path != "/2018-06-01/runtime/"+path {
		sc.t.Fatalf("got %s %s, want %s %s", r.method, r.path, method, path)
	}
	return r
}

// expectEcho reads the post of index.echo's answer to an event.
func (sc *scriptConn) expectEcho(id, event string) {
	sc.t.Helper()
	r := sc.expect("POST", "invocation/"+id+"/response")
	var out struct {
		Event     json.RawMessage `json:"event"`
		RequestID string          `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil || string(out.Event) != event || out.RequestID != id {
		sc.t.Fatalf("response to %s: %s", id, r.body)
	}
}

const scriptAccepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"

// TestNodeBootstrapClient runs the embedded Node bootstrap against a scripted Runtime API that
// answers in the ways HTTP/1.1 allows and genkan's own server does not: chunked bodies with
// extensions and trailers, heads and bodies split across reads, interim answers, bodies ended
// by the connection, "Connection: close" behind which requests were pipelined, a reused
// connection closed before it answered, HTTP/1.0.
func TestNodeBootstrapClient(t *testing.T) {
	needInterpreter(t, "node")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir, err := writeBootstraps()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	code, _ := filepath.Abs("testdata/node")
	cmd := exec.Command("node", filepath.Join(dir, "node", "bootstrap.js"))
	cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "LAMBDA_TASK_ROOT="+code,
		"_HANDLER=index.echo", "AWS_LAMBDA_FUNCTION_NAME=scripted")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("bootstrap output:\n%s", out.String())
		}
	}()

	// A chunked event, its head and chunks in separate reads; the answer is 202 with
	// Connection: close, so the /next pipelined behind it comes again on a new connection.
	c := acceptScript(t, ln)
	c.expect("GET", "invocation/next")
	c.write("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nTransfer-",
		"Encoding: chunked\r\n\r\n5;ext=1\r\n{\"a\":\r\n", "2\r\n1}\r\n0\r\nX-Trailer: t\r\n\r\n")
	c.expectEcho("r1", `{"a":1}`)
	c.expect("GET", "invocation/next")
	c.write("HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\nConnection: close\r\n\r\n{\"status\":\"OK\"}\n")
	c.c.Close()

	// An interim 100, a head split mid-name and a Content-Length body in two reads; then the
	// 202 and an event ended by closing the connection.
	c = acceptScript(t, ln)
	c.expect("GET", "invocation/next")
	c.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Re", "quest-Id: r2\r\nContent-Length: 7\r\n\r\n{\"b\"", ":2}")
	c.expectEcho("r2", `{"b":2}`)
	c.expect("GET", "invocation/next")
	c.write(scriptAccepted, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r3\r\nConnection: close\r\n\r\n{\"c\":", "3}")
	c.c.Close()

	// A reused connection closed before it answers the /next: sent again on a new one.
	c = acceptScript(t, ln)
	c.expectEcho("r3", `{"c":3}`)
	c.expect("GET", "invocation/next")
	c.write(scriptAccepted)
	time.Sleep(20 * time.Millisecond)
	c.c.Close()

	// An event that is not JSON: an Invoke Error, posted with its type; an HTTP/1.0 answer
	// without keep-alive ends the connection.
	c = acceptScript(t, ln)
	c.expect("GET", "invocation/next")
	c.write("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r4\r\nContent-Length: 4\r\n\r\n{bad")
	r := c.expect("POST", "invocation/r4/error")
	if r.header["lambda-runtime-function-error-type"] != "SyntaxError" || !strings.Contains(r.body, `"errorType":"SyntaxError"`) {
		t.Errorf("error post: %+v", r)
	}
	c.expect("GET", "invocation/next")
	c.write("HTTP/1.0 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n")

	// Anything but 200 on /next ends the runtime.
	c = acceptScript(t, ln)
	c.expect("GET", "invocation/next")
	c.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n{}")
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("exit: %v", err)
		}
		exited <- err
	case <-time.After(10 * time.Second):
		t.Fatal("the bootstrap did not exit after a 403 on /next")
	}
	if !strings.Contains(out.String(), "\tr4\tERROR\tInvoke Error {") {
		t.Errorf("no Invoke Error line for r4:\n%s", out.String())
	}
}
