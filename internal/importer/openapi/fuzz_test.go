package openapi

import (
	"errors"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// FuzzImport checks that no input makes Import or IsOpenAPI panic or hang, that an import that
// succeeds yields a valid API, and that every warning carries a position. The committed corpus
// is under testdata/fuzz/FuzzImport.
func FuzzImport(f *testing.F) {
	f.Add([]byte(`{"swagger":"2.0","paths":{"/a":{"get":{"x-amazon-apigateway-integration":{"type":"mock"}}}}}`))
	f.Add([]byte("openapi: 3.0.1\nx-amazon-apigateway-importexport-version: '1.0'\npaths:\n  $default:\n    x-amazon-apigateway-any-method:\n      x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://e.com'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		IsOpenAPI(data)
		// No File: the fuzzer must not reach the file system through $refs.
		api, warnings, err := Import(data, Options{})
		for _, w := range warnings {
			if w.Pos.Line <= 0 || w.Message == "" {
				t.Fatalf("warning without a position or message: %+v", w)
			}
		}
		if err != nil {
			var ps apimodel.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("error is not apimodel.Problems: %T %v", err, err)
			}
			if api != nil {
				t.Fatal("an API returned along with an error")
			}
			return
		}
		cfg := &apimodel.Config{APIs: []*apimodel.API{api}, Settings: apimodel.Settings{MaxIntegrationTimeout: 1 << 62}}
		if verr := cfg.Validate(); verr != nil {
			t.Fatalf("Import succeeded with an invalid API: %v", verr)
		}
	})
}
