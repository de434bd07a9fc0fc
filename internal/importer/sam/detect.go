package sam

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// resourceType finds a resource Type naming an AWS type, in YAML or JSON.
var resourceType = regexp.MustCompile(`(?m)(^\s+Type:\s*['"]?AWS::|"Type"\s*:\s*"AWS::)`)

// IsSAM reports whether data is a SAM or CloudFormation template: it has the SAM transform,
// or a Resources section beside AWSTemplateFormatVersion, or (as CDK writes them) a Resources
// section of AWS resource types. It reads only the top-level keys, so that a caller can sort
// many files cheaply.
func IsSAM(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	keys, ok := jsonTopLevel(data)
	if !ok {
		keys = yamlTopLevel(data)
	}
	if keys["openapi"] || keys["swagger"] {
		return false
	}
	switch {
	case keys["Transform"] && bytes.Contains(data, []byte(samTransform)):
		return true
	case keys["Resources"] && keys["AWSTemplateFormatVersion"]:
		return true
	case keys["Resources"]:
		return resourceType.Match(data)
	}
	return false
}

// jsonTopLevel lists the keys of a JSON object without decoding its values; ok is false when
// data is not a JSON object, which YAML's flow style may still be.
func jsonTopLevel(data []byte) (map[string]bool, bool) {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	keys := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		key, isString := tok.(string)
		if err != nil || !isString {
			return nil, false
		}
		keys[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, false
		}
	}
	return keys, true
}

// yamlTopLevel collects the unindented keys of a block mapping, the only place a template's
// sections can be written.
func yamlTopLevel(data []byte) map[string]bool {
	keys := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' {
			continue
		}
		key, _, found := strings.Cut(line, ":")
		if !found {
			continue
		}
		keys[strings.Trim(strings.TrimSpace(key), `"'`)] = true
	}
	return keys
}
