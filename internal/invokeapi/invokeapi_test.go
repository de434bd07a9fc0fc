package invokeapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/functions"
)

// startAPI runs the Invoke API over a real functions manager serving testdata/echo (a Go
// function built with aws-lambda-go) and returns an AWS SDK Lambda client pointed at it.
func startAPI(t *testing.T, qopts QueueOptions) *lambda.Client {
	t.Helper()
	code, err := filepath.Abs("testdata/echo")
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := functions.NewManager(functions.Options{BuildCache: filepath.Join(os.TempDir(), "genkan-test-build"), LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	if _, err := mgr.Sync([]*apimodel.Function{{Name: "echo", Runtime: "go", Code: code, Timeout: 30 * time.Second, MemoryMB: 128, ReservedConcurrency: 2}}); err != nil {
		t.Fatal(err)
	}
	q := NewQueue(mgr, qopts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Close(ctx)
	})
	mux := http.NewServeMux()
	mux.Handle(Path, New(mgr, q, "us-east-1", "123456789012", nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return lambda.New(lambda.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + ln.Addr().String()),
		Credentials:  aws.AnonymousCredentials{},
	})
}

func TestInvokeWithTheAWSSDK(t *testing.T) {
	client := startAPI(t, QueueOptions{RetryDelays: []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	t.Run("RequestResponse with log tail", func(t *testing.T) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{
			FunctionName: aws.String("echo"),
			Payload:      []byte(`{"hello":"world"}`),
			LogType:      types.LogTypeTail,
		})
		if err != nil {
			t.Fatal(err)
		}
		if string(out.Payload) != `{"hello":"world"}` || out.FunctionError != nil || out.StatusCode != 200 {
			t.Fatalf("got %d %q error=%v", out.StatusCode, out.Payload, aws.ToString(out.FunctionError))
		}
		logs, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: ", "Billed Duration: "} {
			if !strings.Contains(string(logs), want) {
				t.Errorf("log tail lacks %q:\n%s", want, logs)
			}
		}
		if aws.ToString(out.ExecutedVersion) != "$LATEST" {
			t.Errorf("executed version %q", aws.ToString(out.ExecutedVersion))
		}
	})
	t.Run("function error", func(t *testing.T) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:echo"), Payload: []byte(`{"fail":"boom"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorMessage":"boom"`) {
			t.Fatalf("got %q %q", aws.ToString(out.FunctionError), out.Payload)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("nope"), Payload: []byte(`{}`)})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "function:nope") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unknown qualifier", func(t *testing.T) {
		_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Qualifier: aws.String("live"), Payload: []byte(`{}`)})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("invalid JSON payload", func(t *testing.T) {
		_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(`{not json`)})
		var bad *types.InvalidRequestContentException
		if !errors.As(err, &bad) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("DryRun", func(t *testing.T) {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeDryRun})
		if err != nil || out.StatusCode != 204 {
			t.Fatalf("got %v %v", out, err)
		}
	})
	t.Run("Event runs in the background", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "ran")
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent,
			Payload: []byte(`{"touch":"` + marker + `"}`)})
		if err != nil || out.StatusCode != 202 {
			t.Fatalf("got %v %v", out, err)
		}
		waitLines(t, marker, 1)
	})
	t.Run("Event with a function error is retried twice", func(t *testing.T) {
		marker := filepath.Join(t.TempDir(), "attempts")
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("echo"), InvocationType: types.InvocationTypeEvent,
			Payload: []byte(`{"touch":"` + marker + `","fail":"again"}`)})
		if err != nil || out.StatusCode != 202 {
			t.Fatalf("got %v %v", out, err)
		}
		waitLines(t, marker, 3)
		time.Sleep(300 * time.Millisecond)
		if n := countLines(marker); n != 3 {
			t.Fatalf("%d attempts, want 3 (one try and two retries)", n)
		}
	})
}

func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "\n")
}

func waitLines(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if countLines(path) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s has %d lines, want %d", path, countLines(path), n)
}

func TestFunctionName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"echo", "echo"},
		{"echo:$LATEST", "echo"},
		{"echo:live", "echo:live"},
		{"arn:aws:lambda:us-east-1:123456789012:function:echo", "echo"},
		{"arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aecho", "echo"},
		{"123456789012:function:echo", "echo"},
	} {
		got, err := functionName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("functionName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "arn:aws:s3:::bucket", "%zz"} {
		if _, err := functionName(bad); err == nil {
			t.Errorf("functionName(%q) accepted", bad)
		}
	}
}
