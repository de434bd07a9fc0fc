package config

import (
	"os"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// TestAuthExample keeps examples/auth loading, with the fallbacks its ${env:} references
// document, and in agreement with the editor schema.
func TestAuthExample(t *testing.T) {
	const dir = "../../examples/auth"
	l := &Loader{LookupEnv: func(string) (string, bool) { return "", false }}
	cfg, err := l.Load(dir)
	if err != nil {
		t.Fatalf("examples/auth does not load:\n%v", err)
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("warnings: %v", cfg.Warnings)
	}
	type auth struct {
		typ        apimodel.AuthorizationType
		authorizer string
		key        bool
	}
	want := map[string]auth{
		"shop GET /catalog":        {},
		"shop GET /partner/orders": {apimodel.AuthNone, "", true},
		"shop GET /orders":         {apimodel.AuthCustom, "bearer", false},
		"shop POST /admin/reindex": {apimodel.AuthIAM, "", false},
		"web GET /me":              {apimodel.AuthJWT, "users", false},
		"web GET /flags":           {apimodel.AuthCustom, "gate", false},
		"web GET /health":          {apimodel.AuthNone, "", false},
	}
	for _, api := range cfg.APIs {
		for _, r := range api.Routes {
			name := api.ID + " " + r.Key()
			w, ok := want[name]
			if !ok {
				t.Errorf("unexpected route %s", name)
				continue
			}
			delete(want, name)
			var got auth
			if r.Auth != nil {
				got = auth{r.Auth.Type, r.Auth.Authorizer, r.Auth.APIKeyRequired}
			}
			if got != w {
				t.Errorf("%s: auth %+v, want %+v", name, got, w)
			}
		}
	}
	for name := range want {
		t.Errorf("route %s is missing", name)
	}

	data, err := os.ReadFile(dir + "/genkan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, ok := jsonValue(data)
	if !ok {
		t.Fatal("cannot convert the example to JSON")
	}
	if err := compileSchema(t).Validate(doc); err != nil {
		t.Errorf("the schema rejects the example:\n%v", err)
	}
}
