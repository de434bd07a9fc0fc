package openapi

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONAndYAMLTreesAgree reads every JSON fixture with both parsers: the JSON fast path
// must give the same values at the same positions as the YAML parser, so that positions do not
// depend on which parser read a document.
func TestJSONAndYAMLTreesAgree(t *testing.T) {
	for _, rel := range fixtureDocuments(t) {
		if filepath.Ext(rel) != ".json" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(fixturesDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		j, err := parseJSONTree(data, rel)
		if err != nil {
			t.Errorf("%s: JSON: %v", rel, err)
			continue
		}
		y, err := parseYAMLTree(data, rel)
		if err != nil {
			t.Errorf("%s: YAML: %v", rel, err)
			continue
		}
		if diff := compareTrees(j, y, "$"); diff != "" {
			t.Errorf("%s: %s", rel, diff)
		}
	}
}

func compareTrees(a, b *node, path string) string {
	if a.kind != b.kind || a.typ != b.typ || a.text != b.text || a.pos != b.pos || len(a.pairs) != len(b.pairs) || len(a.items) != len(b.items) {
		return fmt.Sprintf("%s: JSON %v %q at %s, YAML %v %q at %s", path, a.kind, a.text, a.pos, b.kind, b.text, b.pos)
	}
	for i := range a.pairs {
		pa, pb := a.pairs[i], b.pairs[i]
		if pa.key != pb.key || pa.keyPos != pb.keyPos {
			return fmt.Sprintf("%s: key %q at %s vs %q at %s", path, pa.key, pa.keyPos, pb.key, pb.keyPos)
		}
		if d := compareTrees(pa.val, pb.val, path+"."+pa.key); d != "" {
			return d
		}
	}
	for i := range a.items {
		if d := compareTrees(a.items[i], b.items[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
			return d
		}
	}
	return ""
}

func TestJSONTree(t *testing.T) {
	doc := "{\n  \"openapi\": \"3.0.1\",\n  \"info\": {\"title\": \"título\", \"x-amazon-apigateway-x\": 1.0},\n  \"n\": [1, 2.50, true, null]\n}"
	root, err := parseTree([]byte(doc), "a.json")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := root.get("info")
	x, _ := info.val.get("x-amazon-apigateway-x")
	if x.keyPos.String() != "a.json:3:31" || x.val.text != "1.0" || x.val.typ != floatScalar {
		t.Errorf("key at %s (columns count characters), value %q", x.keyPos, x.val.text)
	}
	if y, err := parseYAMLTree([]byte(doc), "a.json"); err != nil || compareTrees(root, y, "$") != "" {
		t.Errorf("the YAML parser reads the document differently: %v %s", err, compareTrees(root, y, "$"))
	}
	n, _ := root.get("n")
	var got []string
	for _, item := range n.val.items {
		got = append(got, fmt.Sprintf("%d:%s", item.typ, item.text))
	}
	if strings.Join(got, " ") != "1:1 2:2.50 3:true 4:" {
		t.Errorf("scalars = %v", got)
	}

	if _, err := parseTree([]byte("{\"a\": 1,\n \"a\": 2}"), "d.json"); err == nil || !strings.Contains(err.Error(), `d.json:2:2: key "a" is already defined at d.json:1:2`) {
		t.Errorf("duplicate key: %v", err)
	}
	// Not JSON, but YAML's flow style: read by the YAML parser.
	root, err = parseTree([]byte("{openapi: '3.0.1', paths: {}}"), "f.yaml")
	if err != nil || root.kind != mapNode || len(root.pairs) != 2 {
		t.Errorf("flow YAML: %v %+v", err, root)
	}
	if _, err := parseTree([]byte("{\"a\": [1, }"), "bad.json"); err == nil || !strings.HasPrefix(err.Error(), "bad.json:1:") {
		t.Errorf("broken JSON: %v", err)
	}
}
