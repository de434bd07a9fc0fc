package openapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
)

// IsOpenAPI reports whether data (JSON or YAML) is an OpenAPI 3.x or Swagger 2.0 document,
// that is has a top-level "openapi" or "swagger" key. It does not parse the whole document,
// so that callers can sort many files cheaply (an OpenAPI file from a SAM template, say).
func IsOpenAPI(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		if ok, decided := jsonTopLevelKey(trimmed); decided {
			return ok
		}
	}
	return yamlTopLevelKey(data)
}

// jsonTopLevelKey scans the keys of a JSON object without building its values. decided is
// false when the data is not valid JSON, which YAML's flow style may still read.
func jsonTopLevelKey(data []byte) (found, decided bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return false, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, false
		}
		if key, _ := tok.(string); key == "openapi" || key == "swagger" {
			return true, true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false, false
		}
	}
	return false, true
}

// yamlTopLevelKey looks for an unindented openapi: or swagger: key, the only place a
// top-level key of a block mapping can be written (or the first key of a top-level flow
// mapping written on one line).
func yamlTopLevelKey(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "{")
		for _, key := range []string{"openapi", "swagger"} {
			for _, q := range []string{"", `"`, `'`} {
				rest, ok := strings.CutPrefix(line, q+key+q)
				if !ok {
					continue
				}
				rest = strings.TrimLeft(rest, " \t")
				if strings.HasPrefix(rest, ":") {
					return true
				}
			}
		}
	}
	return false
}
