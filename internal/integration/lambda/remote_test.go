package lambda

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A stand-in for Lambda's Invoke API (POST /2015-03-31/functions/{name}/invocations), answering
// as Lambda does: the output with X-Amz-Function-Error for a failed function, and 429
// TooManyRequestsException when throttled.
func lambdaAPI(t *testing.T, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		name, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
		name, ok2 := strings.CutSuffix(name, "/invocations")
		if !ok || !ok2 || r.Method != http.MethodPost || r.Header.Get("X-Amz-Invocation-Type") != "RequestResponse" {
			http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		payload, _ := io.ReadAll(r.Body)
		switch name {
		case "echo":
			w.Write(payload)
		case "fails":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Write([]byte(`{"errorMessage":"boom"}`))
		case "busy":
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`))
		default:
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"Type":"User","message":"Function not found: ` + name + `"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRemoteInvoker(t *testing.T) {
	// Keep the SDK's default chain away from this machine's configuration.
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	var calls atomic.Int32
	api := lambdaAPI(t, &calls)
	ctx := context.Background()
	inv, err := NewRemoteInvoker(ctx, api.URL, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}

	out, fnErr, err := inv.Invoke(ctx, "echo", []byte(`{"a":1}`))
	if err != nil || fnErr != "" || string(out) != `{"a":1}` {
		t.Errorf("echo: %q %q %v", out, fnErr, err)
	}
	out, fnErr, err = inv.Invoke(ctx, "fails", []byte(`{}`))
	if err != nil || fnErr != "Unhandled" || string(out) != `{"errorMessage":"boom"}` {
		t.Errorf("fails: %q %q %v", out, fnErr, err)
	}
	calls.Store(0)
	if _, _, err = inv.Invoke(ctx, "busy", []byte(`{}`)); !errors.Is(err, ErrThrottled) {
		t.Errorf("busy: %v, want ErrThrottled", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("a throttled call was made %d times; API Gateway does not retry", n)
	}
	if _, _, err = inv.Invoke(ctx, "arn:aws:lambda:eu-west-1:123456789012:function:nope", []byte(`{}`)); err == nil || errors.Is(err, ErrThrottled) {
		t.Errorf("nope: %v", err)
	}
}
