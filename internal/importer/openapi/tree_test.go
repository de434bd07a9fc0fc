package openapi

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/importer/doctree"
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
	if a.Kind != b.Kind || a.Type != b.Type || a.Text != b.Text || a.Pos != b.Pos || len(a.Pairs) != len(b.Pairs) || len(a.Items) != len(b.Items) {
		return fmt.Sprintf("%s: JSON %v %q at %s, YAML %v %q at %s", path, a.Kind, a.Text, a.Pos, b.Kind, b.Text, b.Pos)
	}
	for i := range a.Pairs {
		pa, pb := a.Pairs[i], b.Pairs[i]
		if pa.Key != pb.Key || pa.KeyPos != pb.KeyPos {
			return fmt.Sprintf("%s: key %q at %s vs %q at %s", path, pa.Key, pa.KeyPos, pb.Key, pb.KeyPos)
		}
		if d := compareTrees(pa.Val, pb.Val, path+"."+pa.Key); d != "" {
			return d
		}
	}
	for i := range a.Items {
		if d := compareTrees(a.Items[i], b.Items[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
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
	info, _ := root.Get("info")
	x, _ := info.Val.Get("x-amazon-apigateway-x")
	if x.KeyPos.String() != "a.json:3:31" || x.Val.Text != "1.0" || x.Val.Type != doctree.Float {
		t.Errorf("key at %s (columns count characters), value %q", x.KeyPos, x.Val.Text)
	}
	if y, err := parseYAMLTree([]byte(doc), "a.json"); err != nil || compareTrees(root, y, "$") != "" {
		t.Errorf("the YAML parser reads the document differently: %v %s", err, compareTrees(root, y, "$"))
	}
	n, _ := root.Get("n")
	var got []string
	for _, item := range n.Val.Items {
		got = append(got, fmt.Sprintf("%d:%s", item.Type, item.Text))
	}
	if strings.Join(got, " ") != "1:1 2:2.50 3:true 4:" {
		t.Errorf("scalars = %v", got)
	}

	if _, err := parseTree([]byte("{\"a\": 1,\n \"a\": 2}"), "d.json"); err == nil || !strings.Contains(err.Error(), `d.json:2:2: key "a" is already defined at d.json:1:2`) {
		t.Errorf("duplicate key: %v", err)
	}
	// Not JSON, but YAML's flow style: read by the YAML parser.
	root, err = parseTree([]byte("{openapi: '3.0.1', paths: {}}"), "f.yaml")
	if err != nil || root.Kind != doctree.Map || len(root.Pairs) != 2 {
		t.Errorf("flow YAML: %v %+v", err, root)
	}
	if _, err := parseTree([]byte("{\"a\": [1, }"), "bad.json"); err == nil || !strings.HasPrefix(err.Error(), "bad.json:1:") {
		t.Errorf("broken JSON: %v", err)
	}
}
