package observe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/reqctx"
)

// Many goroutines, one file: every line must arrive whole and exactly once.
func TestAccessLogConcurrentFile(t *testing.T) {
	const writers, perWriter = 16, 2000
	path := filepath.Join(t.TempDir(), "access.log")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFormat("")
	if err != nil {
		t.Fatal(err)
	}
	l := NewAccessLog(file)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			c := filled()
			for i := range perWriter {
				c.RequestID = fmt.Sprintf("w%02d-%05d", g, i)
				// Values of varying length, some needing escapes, so lines differ in size.
				c.Identity.UserAgent = strings.Repeat("ua\"", i%40)
				l.Write(f, c)
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Fatal("file does not end with a complete line")
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ RequestID string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d is not a whole JSON object: %v\n%s", len(seen)+1, err, sc.Bytes())
		}
		if seen[rec.RequestID] {
			t.Fatalf("line for %s written twice", rec.RequestID)
		}
		seen[rec.RequestID] = true
	}
	if len(seen) != writers*perWriter {
		t.Fatalf("%d lines, want %d", len(seen), writers*perWriter)
	}
}

// syncBuffer lets the test read what the writer goroutine has written so far.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A quiet log must not keep its last line in a buffer until the next one comes.
func TestAccessLogFlushesWhenIdle(t *testing.T) {
	var out syncBuffer
	l := NewAccessLog(&out)
	defer l.Close()
	f, _ := ParseFormat("$context.requestId")
	l.Write(f, &reqctx.Context{RequestID: "only-line"})
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "only-line\n" {
		if time.Now().After(deadline) {
			t.Fatalf("line not flushed while idle; have %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAccessLogAfterClose(t *testing.T) {
	var out syncBuffer
	l := NewAccessLog(&out)
	f, _ := ParseFormat("$context.requestId")
	l.Write(f, &reqctx.Context{RequestID: "before"})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l.Write(f, &reqctx.Context{RequestID: "after"})
	if err := l.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if out.String() != "before\n" || l.Dropped() != 1 {
		t.Errorf("got %q, dropped %d", out.String(), l.Dropped())
	}
}

type failingWriter struct{ fails int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.fails > 0 {
		w.fails--
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestAccessLogReportsWriteErrors(t *testing.T) {
	w := &failingWriter{fails: 1}
	l := NewAccessLog(w)
	f, _ := ParseFormat("$context.requestId")
	l.Write(f, &reqctx.Context{RequestID: "x"})
	if err := l.Close(); err == nil || err.Error() != "disk full" {
		t.Errorf("Close = %v, want the write error", err)
	}
}

func BenchmarkAccessLogWrite(b *testing.B) {
	f, err := ParseFormat("")
	if err != nil {
		b.Fatal(err)
	}
	l := NewAccessLog(io.Discard)
	defer l.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c := filled()
		for pb.Next() {
			l.Write(f, c)
		}
	})
}
