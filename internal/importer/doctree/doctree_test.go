package doctree

import (
	"fmt"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func TestJSONAndYAMLAgree(t *testing.T) {
	doc := "{\"a\": [1, 2.5, \"x\"],\n  \"b\": {\"c\": null, \"d\": true}}"
	o := &Options{MaxDepth: 10}
	j, _, err := ParseJSON([]byte(doc), "f.json", o)
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := ParseYAML([]byte(doc), "f.json", o)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := dump(j), dump(y); a != b {
		t.Fatalf("JSON and YAML trees differ:\n%s\n%s", a, b)
	}
	d, _ := j.Get("b")
	if c, _ := d.Val.Get("c"); !c.Val.IsNull() || c.KeyPos.Line != 2 {
		t.Errorf("b.c = %+v", c)
	}
}

func dump(n *Node) string {
	var sb strings.Builder
	var walk func(*Node)
	walk = func(n *Node) {
		fmt.Fprintf(&sb, "(%d %d %q %s", n.Kind, n.Type, n.Text, n.Pos)
		for _, p := range n.Pairs {
			fmt.Fprintf(&sb, " %q@%s:", p.Key, p.KeyPos)
			walk(p.Val)
		}
		for _, it := range n.Items {
			walk(it)
		}
		sb.WriteString(")")
	}
	walk(n)
	return sb.String()
}

func TestDuplicateKeys(t *testing.T) {
	strict := &Options{MaxDepth: 10}
	if _, _, err := ParseJSON([]byte("{\"a\": 1, \"a\": 2}"), "d.json", strict); err == nil || !strings.Contains(err.Error(), `key "a" is already defined at d.json:1:2`) {
		t.Errorf("strict JSON: %v", err)
	}
	lenient := &Options{MaxDepth: 10, DuplicateKey: func(key string, at, prev apimodel.Position) apimodel.Warning {
		return apimodel.Warning{Pos: at, Message: key + " again"}
	}}
	for _, parse := range []func([]byte, string, *Options) (*Node, []apimodel.Warning, error){ParseJSON, ParseYAML} {
		root, ws, err := parse([]byte("{\"a\": 1, \"a\": 2}"), "d.json", lenient)
		if err != nil || len(ws) != 1 || len(root.Pairs) != 1 || root.Pairs[0].Val.Text != "2" {
			t.Errorf("lenient: %v %v %+v", err, ws, root)
		}
	}
}

func TestAliasesAndMergeKeys(t *testing.T) {
	doc := "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n"
	root, _, err := ParseYAML([]byte(doc), "m.yaml", &Options{MaxDepth: 10})
	if err != nil {
		t.Fatal(err)
	}
	use, _ := root.Get("use")
	if x, _ := use.Val.Get("x"); x.Val.Text != "1" {
		t.Errorf("use.x = %+v", x.Val)
	}
	if y, _ := use.Val.Get("y"); y.Val.Text != "3" {
		t.Errorf("use.y = %+v", y.Val)
	}
	_, _, err = ParseYAML([]byte(doc), "m.yaml", &Options{MaxDepth: 10, NoAliases: "no aliases", NoMerge: "no merge"})
	if err == nil || !strings.Contains(err.Error(), "no merge") {
		t.Errorf("NoMerge: %v", err)
	}
}

func TestJSON(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{`{b: 1, a: [1.50, "x<y>&z", null, true, yes]}`, `{"b":1,"a":[1.50,"x<y>&z",null,true,"yes"]}`},
		{`[0x1F, .5, "2012-10-17", -3]`, `["0x1F",".5","2012-10-17",-3]`},
		{`{"aws:SourceIp": ["192.0.2.0/24"]}`, `{"aws:SourceIp":["192.0.2.0/24"]}`},
	}
	for _, tt := range tests {
		n, _, err := ParseYAML([]byte(tt.yaml), "f.yaml", &Options{MaxDepth: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := JSON(n); got != tt.want {
			t.Errorf("JSON(%s) = %s, want %s", tt.yaml, got, tt.want)
		}
	}
}
