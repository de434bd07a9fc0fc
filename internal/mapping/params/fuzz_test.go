package params

import (
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// FuzzCompile feeds arbitrary mapping expressions and keys to the compilers. They must never
// panic, must keep what was written (String), and a compiled expression must evaluate without
// panicking against an environment with every input present.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"'static'", "method.request.path.id", "method.request.body.a.b[0]",
		"integration.response.body.$..x", "context.identity.sourceIp", "stageVariables.v",
	} {
		f.Add(s, "integration.request.header.X")
	}
	env := testEnv()
	f.Fuzz(func(t *testing.T, src, key string) {
		for _, side := range []Side{Request, Response, Gateway} {
			e, err := Compile(src, side)
			if err != nil {
				continue
			}
			if e.String() != src {
				t.Fatalf("String() = %q, want %q", e.String(), src)
			}
			if _, err := e.AppendValues(nil, env); err != nil {
				t.Fatalf("%q: %v", src, err)
			}
		}
		m := map[string]string{key: src}
		if rm, ps := CompileRequest(m, apimodel.Position{}); ps == nil {
			var out RequestValues
			_ = rm.Apply(env, &out)
		}
		if rm, ps := CompileResponse(m, apimodel.Position{}); ps == nil && strings.HasPrefix(key, "method.response.header.") {
			_ = rm.Apply(env, map[string][]string{}, RemapNonProxy)
		}
	})
}
