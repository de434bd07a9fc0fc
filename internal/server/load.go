// Package server runs genkan: it loads and compiles the configuration, serves the data and
// admin listeners, reloads on change without dropping a request, and drains on shutdown.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/config"
	"github.com/genkanhq/genkan/internal/functions"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/importer/openapi"
	"github.com/genkanhq/genkan/internal/importer/sam"
	"github.com/genkanhq/genkan/internal/integration/httpproxy"
	"github.com/genkanhq/genkan/internal/integration/lambda"
)

// Loader returns the config loader wired to the OpenAPI importer.
func Loader(stage string) *config.Loader {
	return &config.Loader{
		ImportOpenAPI: func(data []byte, file, id, stage string, p apimodel.Protocol) (*apimodel.API, []apimodel.Warning, error) {
			return openapi.Import(data, openapi.Options{File: file, ID: id, Stage: stage, Protocol: p})
		},
		IsOpenAPI: openapi.IsOpenAPI,
		IsSAM:     sam.IsSAM,
		ImportSAM: func(data []byte, file, stage string) (*apimodel.Config, error) {
			return sam.Import(data, sam.Options{File: file, Stage: stage})
		},
		DefaultStage: stage,
	}
}

// Build loads paths and compiles them into a table. It returns the configuration (whose
// functions the caller hands to the runtime) and the files read, so a watcher can follow them
// even when compiling failed.
func Build(l *config.Loader, deps compile.Deps, paths []string) (*gateway.Table, *apimodel.Config, []string, error) {
	cfg, err := l.Load(paths...)
	files := l.Files()
	if err != nil {
		return nil, nil, files, err
	}
	t, err := compile.Compile(cfg, deps)
	return t, cfg, files, err
}

// Check loads and compiles paths without serving, for `genkan validate` and `genkan routes`.
func Check(paths []string, stage string) (*gateway.Table, error) {
	deps := compile.Deps{
		Proxy: httpproxy.NewTransport(httpproxy.TransportOptions{}),
		HTTP:  newHTTPTransport(),
		Lambda: lambda.InvokerFunc(func(context.Context, string, []byte) ([]byte, string, error) {
			return nil, "", errors.New("not serving")
		}),
		Keys: acceptAnyKey{},
	}
	defer deps.Proxy.Close()
	t, _, _, err := Build(Loader(stage), deps, paths)
	return t, err
}

// functionInvoker adapts the local functions runtime, and a remote Lambda endpoint for
// functions not declared locally, to the Lambda proxy integration. A function that cannot run
// here (a runtime without a host interpreter, a Go build that failed) answers as a function
// error, so its routes give AWS's 502 while the rest of the template serves, and the log line
// names the reason.
func functionInvoker(local *functions.Manager, remote lambda.Invoker, log *slog.Logger) lambda.Invoker {
	return lambda.InvokerFunc(func(ctx context.Context, fn string, payload []byte) ([]byte, string, error) {
		name, err := lambda.FunctionName(fn)
		if err != nil {
			return nil, "", err
		}
		if !local.Has(name) && remote != nil {
			return remote.Invoke(ctx, fn, payload)
		}
		inv, _ := lambda.InvocationFrom(ctx)
		res, err := local.Invoke(ctx, name, payload, functions.InvokeOptions{TraceID: inv.TraceID})
		if errors.Is(err, functions.ErrThrottled) {
			return nil, "", fmt.Errorf("%w: %w", lambda.ErrThrottled, err)
		}
		if errors.Is(err, functions.ErrUnsupportedRuntime) || errors.Is(err, functions.ErrBuildFailed) {
			log.Error("function cannot run here", "function", name, "error", err.Error())
			body, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": "Runtime.Unavailable"})
			return body, "Unhandled", nil
		}
		if err != nil {
			return nil, "", err
		}
		return res.Payload, res.FunctionError, nil
	})
}
