// Package server runs genkan: it loads and compiles the configuration, serves the data and
// admin listeners, reloads on change without dropping a request, and drains on shutdown.
package server

import (
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/config"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/importer/openapi"
	"github.com/genkanhq/genkan/internal/importer/sam"
	"github.com/genkanhq/genkan/internal/integration/httpproxy"
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

// Build loads paths and compiles them into a table. It returns the files read, so a watcher
// can follow them even when compiling failed.
func Build(l *config.Loader, deps compile.Deps, paths []string) (*gateway.Table, []string, error) {
	cfg, err := l.Load(paths...)
	files := l.Files()
	if err != nil {
		return nil, files, err
	}
	t, err := compile.Compile(cfg, deps)
	return t, files, err
}

// Check loads and compiles paths without serving, for `genkan validate` and `genkan routes`.
func Check(paths []string, stage string) (*gateway.Table, error) {
	deps := compile.Deps{Proxy: httpproxy.NewTransport(httpproxy.TransportOptions{}), HTTP: newHTTPTransport()}
	defer deps.Proxy.Close()
	t, _, err := Build(Loader(stage), deps, paths)
	return t, err
}
