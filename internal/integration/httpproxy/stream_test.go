package httpproxy

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
)

// pattern is a deterministic, non-repeating-looking byte stream of a given length.
type pattern struct{ n, off int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	k := int64(len(b))
	if rem := p.n - p.off; k > rem {
		k = rem
	}
	for i := int64(0); i < k; i++ {
		x := uint64(p.off + i)
		b[i] = byte(x ^ x>>8 ^ x>>17)
	}
	p.off += k
	return int(k), nil
}

func patternSum(n int64) string {
	h := sha256.New()
	io.Copy(h, &pattern{n: n})
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestStreamsLargeBodiesWithFlatMemory(t *testing.T) {
	// Sizes far beyond every buffer: 64 MB up, 100 MB down (a quarter under -race).
	var up, down int64 = 64 << 20, 100 << 20
	if raceEnabled {
		up, down = up/4, down/4
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.New()
		n, _ := io.Copy(sum, r.Body)
		w.Header().Set("X-Upload-Sum", fmt.Sprintf("%x", sum.Sum(nil)))
		w.Header().Set("X-Upload-Len", fmt.Sprint(n))
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", fmt.Sprint(down))
		}
		io.Copy(w, &pattern{n: down})
	})
	url, f, _ := setup(t, h, "http://%s/{proxy}", TransportOptions{})
	f.timeout = time.Minute
	want := patternSum(down)
	for _, q := range []string{"", "?chunked=1"} {
		for _, unknownLen := range []bool{false, true} {
			name := fmt.Sprintf("query=%q unknownRequestLength=%v", q, unknownLen)
			var body io.Reader = &pattern{n: up}
			if unknownLen {
				body = io.MultiReader(body) // hides the length: the client sends it chunked
			}
			req := mustReq("PUT", url+"/s/big"+q, body)
			if !unknownLen {
				req.ContentLength = up
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(name, err)
			}
			sum := sha256.New()
			n, err := io.Copy(sum, resp.Body)
			resp.Body.Close()
			runtime.ReadMemStats(&after)
			if err != nil || n != down || fmt.Sprintf("%x", sum.Sum(nil)) != want {
				t.Errorf("%s: download %d bytes, err %v", name, n, err)
			}
			if resp.Header.Get("X-Upload-Len") != fmt.Sprint(up) || resp.Header.Get("X-Upload-Sum") != patternSum(up) {
				t.Errorf("%s: upload arrived as %s bytes", name, resp.Header.Get("X-Upload-Len"))
			}
			// Every byte went through client, proxy and backend in this process; buffering
			// any body would show here.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("%s: allocated %d MB while streaming", name, alloc>>20)
			}
		}
	}
}

func TestEarlyResponseToUpload(t *testing.T) {
	url, _, _ := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("no"))
	}), "http://%s/", TransportOptions{})
	req := mustReq("POST", url+"/s", &pattern{n: 32 << 20})
	req.ContentLength = 32 << 20
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(b) != "no" {
		t.Errorf("got %d %q", resp.StatusCode, b)
	}
}

func TestSmallUnknownLengthBodyIsSentWithLength(t *testing.T) {
	url, _, _ := setup(t, http.HandlerFunc(echoHandler), "http://%s/", TransportOptions{})
	// io.MultiReader hides the length, so the client sends the body chunked.
	req := mustReq("POST", url+"/s", io.MultiReader(strings.NewReader("small body")))
	e, _ := getEcho(t, req)
	if e.Body != "small body" || e.Length != 10 || e.Chunked {
		t.Errorf("backend saw %+v", e)
	}
}

func TestBodyOverLimitIsRequestTooLarge(t *testing.T) {
	url, f, _ := setup(t, http.HandlerFunc(echoHandler), "http://%s/", TransportOptions{})
	inner := f.p
	limited := &front{p: inner, timeout: 20 * time.Second}
	fs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1000) // what the edge does for unknown lengths
		limited.ServeHTTP(w, r)
	}))
	defer fs.Close()
	_ = url
	for _, n := range []int64{2000, 100 << 10} {
		resp, err := http.Post(fs.URL+"/s", "text/plain", io.MultiReader(&pattern{n: n}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Test-Error-Type") != string(apierr.RequestTooLarge) {
			t.Errorf("%d bytes: status %d type %q (%v)", n, resp.StatusCode, resp.Header.Get("X-Test-Error-Type"), limited.err())
		}
	}
}
