package functions

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func needInterpreter(t *testing.T, name string) {
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must provide %s on PATH (.ci/run installs it)", name)
		}
		t.Skipf("%s not on PATH", name)
	}
}

func nodeFunction(t *testing.T, name, runtime, dir, handler string) *apimodel.Function {
	code, _ := filepath.Abs(filepath.Join("testdata", dir))
	return &apimodel.Function{Name: name, Runtime: runtime, Handler: handler, Code: code, Timeout: 10 * time.Second}
}

func hostMajor(t *testing.T, m *Manager, name string) string {
	v := m.hosts.find(name).version
	if name == "node" {
		v, _, _ = strings.Cut(v, ".")
		return v
	}
	parts := strings.SplitN(v, ".", 3)
	return parts[0] + "." + parts[1]
}

func TestNodeRuntime(t *testing.T) {
	needInterpreter(t, "node")
	m := newManager(t, Options{})
	rt := "nodejs" + hostMajor(t, m, "node") + ".x"
	warns := mustSync(t, m,
		nodeFunction(t, "echo", rt, "node", "index.echo"),
		nodeFunction(t, "cb", rt, "node", "index.callback"),
		nodeFunction(t, "cberr", rt, "node", "index.callbackError"),
		nodeFunction(t, "throws", rt, "node", "index.throws"),
		nodeFunction(t, "log", rt, "node", "index.log"),
		nodeFunction(t, "nested", rt, "node", "index.nested.handler"),
		nodeFunction(t, "esm", rt, "node", "esm.handler"),
		nodeFunction(t, "missing", rt, "node", "index.nope"),
		nodeFunction(t, "bad", rt, "nodebad", "index.handler"),
	)
	if len(warns) != 0 {
		t.Errorf("warnings for the host's own node version: %v", warns)
	}

	res := invoke(t, m, "echo", `{"a":1}`)
	out := okPayload(t, res)
	if out["requestId"] != res.RequestID || out["functionName"] != "echo" || out["memory"] != "128" ||
		out["execEnv"] != "AWS_Lambda_"+rt || out["arn"] != "arn:aws:lambda:us-east-1:123456789012:function:echo" {
		t.Errorf("echo: %s", res.Payload)
	}
	if r, _ := out["remaining"].(float64); r < 9000 || r > 10000 {
		t.Errorf("getRemainingTimeInMillis = %v", r)
	}
	if pid := pidOf(t, invoke(t, m, "echo", `{}`)); pid != int(out["pid"].(float64)) {
		t.Error("node instance not reused")
	}
	if res := invoke(t, m, "cb", `{"b":2}`); string(res.Payload) != `{"callback":true,"event":{"b":2}}` {
		t.Errorf("callback: %s", res.Payload)
	}
	res = invoke(t, m, "cberr", `{}`)
	if typ := errorType(t, res); typ != "Error" || decode(t, res)["errorMessage"] != "callback failed" {
		t.Errorf("callback error: %s", res.Payload)
	}
	res = invoke(t, m, "throws", `{}`)
	out = decode(t, res)
	if typ := errorType(t, res); typ != "TypeError" || out["errorMessage"] != "bad thing" {
		t.Errorf("throw: %s", res.Payload)
	}
	if trace, ok := out["trace"].([]any); !ok || len(trace) < 2 || !strings.Contains(trace[0].(string), "TypeError: bad thing") {
		t.Errorf("trace: %v", out["trace"])
	}
	if !strings.Contains(string(res.LogTail), "\tERROR\tInvoke Error {") {
		t.Errorf("no Invoke Error line:\n%s", res.LogTail)
	}
	res = invoke(t, m, "log", `{}`)
	if string(res.Payload) != `"ok"` || !regexp.MustCompile(`\d{4}-\d\d-\d\dT[\d:.]+Z\t`+res.RequestID+`\tINFO\thello from node { a: 1 }`).Match(res.LogTail) {
		t.Errorf("log: %s\n%s", res.Payload, res.LogTail)
	}
	if res := invoke(t, m, "nested", `{}`); string(res.Payload) != `"nested ok"` {
		t.Errorf("nested: %s", res.Payload)
	}
	if res := invoke(t, m, "esm", `{"x":1}`); string(res.Payload) != `{"esm":true,"event":{"x":1}}` {
		t.Errorf("esm: %s", res.Payload)
	}
	res = invoke(t, m, "missing", `{}`)
	if typ := errorType(t, res); typ != "Runtime.HandlerNotFound" || decode(t, res)["errorMessage"] != "index.nope is undefined or not exported" {
		t.Errorf("missing handler: %s", res.Payload)
	}
	res = invoke(t, m, "bad", `{}`)
	if typ := errorType(t, res); typ != "Runtime.ImportModuleError" || !strings.Contains(string(res.Payload), "Cannot find module './does-not-exist'") {
		t.Errorf("import error: %s", res.Payload)
	}
	starts := m.processStarts()
	if typ := errorType(t, invoke(t, m, "bad", `{}`)); typ != "Runtime.ImportModuleError" || m.processStarts() != starts {
		t.Errorf("init failure retried at once (%d → %d starts)", starts, m.processStarts())
	}

	// Another major version than the host's runs with a warning.
	other := "nodejs18.x"
	if rt == other {
		other = "nodejs22.x"
	}
	warns = mustSync(t, m, nodeFunction(t, "other", other, "node", "index.echo"))
	if len(warns) != 1 || !strings.Contains(warns[0].Message, other) {
		t.Errorf("version warning: %v", warns)
	}
}

func TestPythonRuntime(t *testing.T) {
	needInterpreter(t, "python3")
	m := newManager(t, Options{})
	rt := "python" + hostMajor(t, m, "python3")
	warns := mustSync(t, m,
		nodeFunction(t, "ok", rt, "python", "app.handler"),
		nodeFunction(t, "fail", rt, "python", "app.fail"),
		nodeFunction(t, "log", rt, "python", "app.log"),
		nodeFunction(t, "nomod", rt, "python", "nope.handler"),
		nodeFunction(t, "nofn", rt, "python", "app.nope"),
	)
	if len(warns) != 0 {
		t.Errorf("warnings for the host's own python version: %v", warns)
	}
	res := invoke(t, m, "ok", `{"a":1}`)
	out := okPayload(t, res)
	if out["requestId"] != res.RequestID || out["functionName"] != "ok" || out["execEnv"] != "AWS_Lambda_"+rt {
		t.Errorf("handler: %s", res.Payload)
	}
	if r, _ := out["remaining"].(float64); r < 9000 || r > 10000 {
		t.Errorf("get_remaining_time_in_millis = %v", r)
	}
	if pid := pidOf(t, invoke(t, m, "ok", `{}`)); pid != int(out["pid"].(float64)) {
		t.Error("python instance not reused")
	}
	res = invoke(t, m, "fail", `{}`)
	out = decode(t, res)
	if typ := errorType(t, res); typ != "ValueError" || out["errorMessage"] != "bad value" || out["requestId"] != res.RequestID {
		t.Errorf("raise: %s", res.Payload)
	}
	if st, ok := out["stackTrace"].([]any); !ok || len(st) == 0 || !strings.Contains(st[len(st)-1].(string), `raise ValueError("bad value")`) {
		t.Errorf("stackTrace: %v", out["stackTrace"])
	}
	if !strings.Contains(string(res.LogTail), "[ERROR] ValueError: bad value") {
		t.Errorf("error log:\n%s", res.LogTail)
	}
	res = invoke(t, m, "log", `{}`)
	if string(res.Payload) != "null" || !strings.Contains(string(res.LogTail), "hello from python") ||
		!regexp.MustCompile(`\[INFO\]\t\d{4}-\d\d-\d\dT[\d:.]+Z\t`+res.RequestID+`\tinfo line`).Match(res.LogTail) {
		t.Errorf("log: %s\n%s", res.Payload, res.LogTail)
	}
	res = invoke(t, m, "nomod", `{}`)
	if typ := errorType(t, res); typ != "Runtime.ImportModuleError" || decode(t, res)["errorMessage"] != "Unable to import module 'nope': No module named 'nope'" {
		t.Errorf("missing module: %s", res.Payload)
	}
	res = invoke(t, m, "nofn", `{}`)
	if typ := errorType(t, res); typ != "Runtime.HandlerNotFound" || decode(t, res)["errorMessage"] != "Handler 'nope' missing on module 'app'" {
		t.Errorf("missing handler: %s", res.Payload)
	}

	// A python3.X the host lacks runs on its python3, with a warning naming the runtime.
	for v := 6; v <= 14; v++ {
		other := "python3." + strconv.Itoa(v)
		if _, err := exec.LookPath(other); err == nil || other == rt {
			continue
		}
		warns := mustSync(t, m, nodeFunction(t, "other", other, "python", "app.handler"))
		if len(warns) != 1 || !strings.Contains(warns[0].Message, other) {
			t.Errorf("version warning: %v", warns)
		}
		if res := invoke(t, m, "other", `{}`); res.FunctionError != "" {
			t.Errorf("%s on the host python: %s", other, res.Payload)
		}
		break
	}
}
