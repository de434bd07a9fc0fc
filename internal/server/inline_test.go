package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func TestMaterializeInline(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		runtime, src, wantFile, wantErr string
	}{
		{"nodejs20.x", "exports.handler = async () => ({statusCode: 200})", "index.js", ""},
		{"nodejs20.x", "export const handler = async () => 1;", "index.mjs", ""},
		{"nodejs18.x", "import fs from 'fs';\nexport async function handler() {}", "index.mjs", ""},
		{"python3.12", "def handler(event, context):\n    return 1\n", "index.py", ""},
		{"java21", "class X {}", "", "inline code is only supported for Node.js and Python"},
	}
	for _, tc := range tests {
		fn := &apimodel.Function{Name: "f", Runtime: tc.runtime, InlineCode: tc.src}
		err := materializeInline([]*apimodel.Function{fn}, dir)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.runtime, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.runtime, err)
		}
		got, err := os.ReadFile(filepath.Join(fn.Code, tc.wantFile))
		if err != nil || string(got) != tc.src {
			t.Errorf("%s: %s holds %q (%v)", tc.runtime, tc.wantFile, got, err)
		}
		// The same source maps to the same directory, so a reload keeps warm instances.
		again := &apimodel.Function{Name: "f", Runtime: tc.runtime, InlineCode: tc.src}
		if err := materializeInline([]*apimodel.Function{again}, dir); err != nil || again.Code != fn.Code {
			t.Errorf("%s: second write went to %q, first to %q (%v)", tc.runtime, again.Code, fn.Code, err)
		}
	}
	// A function with a code directory is left alone.
	own := &apimodel.Function{Name: "g", Runtime: "nodejs20.x", Code: "/srv/g", InlineCode: "x"}
	if err := materializeInline([]*apimodel.Function{own}, dir); err != nil || own.Code != "/srv/g" {
		t.Errorf("code dir changed to %q (%v)", own.Code, err)
	}
}
