package functions

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestLogLines(t *testing.T) {
	out := &syncBuffer{}
	dir := t.TempDir()
	m := newManager(t, Options{LogDir: dir, LogOutput: out})
	fn := goFunction("logger", goFnV1)
	fn.Environment["GOFN_INIT_LOG"] = "1"
	mustSync(t, m, fn)
	res := invoke(t, m, "logger", `{"action":"log"}`)
	id := regexp.QuoteMeta(res.RequestID)
	report := regexp.MustCompile(`REPORT RequestId: ` + id + `\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\tMemory Size: 128 MB\tMax Memory Used: (\d+) MB\tInit Duration: (\d+\.\d\d) ms\n`)
	order := []string{"START RequestId: " + res.RequestID + " Version: $LATEST", "hello from go", "to stderr", "END RequestId: " + res.RequestID, "REPORT RequestId: " + res.RequestID}

	tail := string(res.LogTail)
	if !report.MatchString(tail) {
		t.Errorf("no REPORT line in tail:\n%s", tail)
	}
	if strings.Contains(tail, "init log line") {
		// Init output comes before START, outside the first invocation's lines.
		if strings.Index(tail, "init log line") > strings.Index(tail, "START") {
			t.Errorf("init output after START:\n%s", tail)
		}
	}
	checkOrder(t, "tail", tail, order)
	// A Go runtime's resident set is several MB before the handler allocates anything; a
	// figure below that means only part of the process was counted.
	if res.MaxMemoryMB < 3 || res.MaxMemoryMB > 128 {
		t.Errorf("Max Memory Used %d MB", res.MaxMemoryMB)
	}
	if res.BilledDuration < res.Duration+res.InitDuration || res.BilledDuration > res.Duration+res.InitDuration+2*time.Millisecond {
		t.Errorf("billed %v for %v + init %v", res.BilledDuration, res.Duration, res.InitDuration)
	}

	b, err := os.ReadFile(filepath.Join(dir, "logger.log"))
	if err != nil {
		t.Fatal(err)
	}
	file := string(b)
	checkOrder(t, "file", file, append([]string{"init log line"}, order...))
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z START RequestId`).MatchString(file) {
		t.Errorf("file lines lack timestamps:\n%s", file)
	}
	if !strings.Contains(out.String(), "[logger] hello from go\n") || !strings.Contains(out.String(), "[logger] END RequestId: "+res.RequestID+"\n") {
		t.Errorf("log output:\n%s", out.String())
	}

	// A warm invocation has no Init Duration.
	res = invoke(t, m, "logger", `{"action":"echo"}`)
	if strings.Contains(string(res.LogTail), "Init Duration") || !strings.Contains(string(res.LogTail), "REPORT RequestId: "+res.RequestID) {
		t.Errorf("warm tail:\n%s", res.LogTail)
	}
}

func checkOrder(t *testing.T, what, s string, parts []string) {
	t.Helper()
	at := 0
	for _, p := range parts {
		i := strings.Index(s[at:], p)
		if i < 0 {
			t.Errorf("%s: %q missing or out of order in:\n%s", what, p, s)
			return
		}
		at += i + len(p)
	}
}

func TestTailFollowAndRotation(t *testing.T) {
	dir := t.TempDir()
	m := newManager(t, Options{LogDir: dir, MaxLogFileBytes: 4 << 10})
	mustSync(t, m, goFunction("tailed", goFnV1))
	first := invoke(t, m, "tailed", `{"action":"log"}`)

	var got syncBuffer
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- Tail(dir, "tailed", true, &got, stop) }()
	waitFor(t, "existing lines", func() bool { return strings.Contains(got.String(), "REPORT RequestId: "+first.RequestID) })

	// Enough invocations to rotate the 4 KB file a few times.
	var last *Result
	for range 30 {
		last = invoke(t, m, "tailed", `{"action":"log"}`)
	}
	waitFor(t, "lines after rotation", func() bool { return strings.Contains(got.String(), "REPORT RequestId: "+last.RequestID) })
	if _, err := os.Stat(filepath.Join(dir, "tailed.log.1")); err != nil {
		t.Errorf("no rotated file: %v", err)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	var all bytes.Buffer
	if err := Tail(dir, "tailed", false, &all, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(all.String(), "END RequestId: "+last.RequestID) {
		t.Errorf("non-follow tail lacks the last invocation")
	}
	if err := Tail(dir, "../etc", false, &all, nil); err == nil {
		t.Error("Tail accepted a path as a name")
	}
	if err := Tail(dir, "never", false, &all, nil); err == nil {
		t.Error("Tail of a function without log: no error")
	}
}

func TestPipeReaderSplitsAndDrains(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	sink := &logSink{out: out, prefix: []byte("> ")}
	inv := newInvocation("id", nil, "", "")
	r := newPipeReader(pr, sink)
	r.attach(inv, false)
	go r.run()

	pw.Write([]byte("one\r\ntwo\npart"))
	r.drain()
	if got := out.String(); got != "> one\n> two\n> part\n" {
		t.Errorf("after drain: %q", got)
	}
	long := bytes.Repeat([]byte("x"), maxLineBytes+10)
	pw.Write(append(long, '\n'))
	r.drain()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 || len(lines[3]) != maxLineBytes+2 || len(lines[4]) != 12 {
		t.Errorf("long line split into %d lines", len(lines))
	}
	if tail := inv.tail.bytes(); len(tail) != tailSize || !bytes.HasSuffix(tail, []byte("xxxxxxxxxx\n")) {
		t.Errorf("tail is %d bytes", len(tail))
	}
	pw.Close()
	<-r.done
	r.drain() // after the reader ended: returns at once
}

func TestTailBuffer(t *testing.T) {
	var tb tailBuffer
	for i := range 1000 {
		tb.add([]byte(strings.Repeat("a", i%50)))
	}
	if b := tb.bytes(); len(b) != tailSize || b[len(b)-1] != '\n' {
		t.Errorf("tail %d bytes", len(b))
	}
}
