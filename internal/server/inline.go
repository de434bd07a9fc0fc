package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// esmSyntax spots ECMAScript-module source, which Node runs only from an .mjs file.
var esmSyntax = regexp.MustCompile(`(?m)^\s*(export\s+(const|let|var|function|async|default|\{)|import\s+[\w{*])`)

// materializeInline writes inline function source (SAM InlineCode, CloudFormation
// Code.ZipFile) where Lambda would put it, index.js / index.mjs or index.py, in a directory
// named by the content so that an unchanged function keeps its warm instances across
// reloads. Lambda accepts inline code only for Node.js and Python, and so does genkan.
func materializeInline(fns []*apimodel.Function, dir string) error {
	var ps apimodel.Problems
	for _, f := range fns {
		if f.InlineCode == "" || f.Code != "" {
			continue
		}
		var file string
		switch {
		case strings.HasPrefix(f.Runtime, "nodejs"):
			file = "index.js"
			if esmSyntax.MatchString(f.InlineCode) && !strings.Contains(f.InlineCode, "module.exports") && !strings.Contains(f.InlineCode, "exports.") {
				file = "index.mjs"
			}
		case strings.HasPrefix(f.Runtime, "python"):
			file = "index.py"
		default:
			ps = append(ps, apimodel.Problem{Pos: f.Pos, Message: fmt.Sprintf(
				"function %s: inline code is only supported for Node.js and Python runtimes, not %q", f.Name, f.Runtime)})
			continue
		}
		sum := sha256.Sum256([]byte(f.Runtime + "\x00" + f.InlineCode))
		codeDir := filepath.Join(dir, f.Name+"-"+hex.EncodeToString(sum[:6]))
		path := filepath.Join(codeDir, file)
		if _, err := os.Stat(path); err != nil {
			if err := os.MkdirAll(codeDir, 0o700); err != nil {
				return err
			}
			tmp := path + ".tmp"
			if err := os.WriteFile(tmp, []byte(f.InlineCode), 0o600); err != nil {
				return err
			}
			if err := os.Rename(tmp, path); err != nil {
				return err
			}
		}
		f.Code = codeDir
	}
	return ps.Err()
}
