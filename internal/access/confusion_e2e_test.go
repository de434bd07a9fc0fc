package access_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/compile"
)

// Requests whose path might be read as /admin by someone — a normalizing proxy, a decoding
// router, the backend — must either be routed to /admin (and meet its authorizer) or to an
// open route, never reach the protected integration without credentials.
func TestPathConfusionNeverReachesProtectedIntegration(t *testing.T) {
	cfg := iamAPI("")
	cfg.APIs[0].Routes = append(cfg.APIs[0].Routes, mockRoute("ANY", "/{proxy+}", "catch-all", nil))
	base := serve(t, cfg, compile.Deps{})
	addr := strings.TrimPrefix(base, "http://")
	paths := []string{
		"/dev/admin", "//dev/admin", "/dev//admin", "/dev/%61dmin", "/dev/ADMIN", "/dev/admin/",
		"/dev/public/..%2fadmin", "/dev/public/%2e%2e/admin", "/dev/public/../admin", "/dev/./admin",
		"/dev/admin;x", "/dev/admin%00", "/dev/admin%2f", "/dev/admin?x=1", "/dev/admin#x",
		"/dev/%2561dmin", "/dev/admin%20", "/dev/public/..\\admin", "/dev/public/..%5cadmin",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			// A raw request line: Go's client would clean or re-escape some of these.
			status, body := rawGet(t, addr, p)
			if strings.Contains(body, "admin-secret") {
				t.Fatalf("%s reached the protected integration without credentials: %d %s", p, status, body)
			}
			if status == 200 && body != "catch-all" && body != "public" {
				t.Fatalf("%s: unexpected 200 %s", p, body)
			}
		})
	}
}

func rawGet(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
