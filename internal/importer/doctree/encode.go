package doctree

import (
	"bytes"
	"encoding/json"
	"strings"
)

// JSON renders a value as compact JSON. Importers hand some values on as documents of their
// own (an IAM resource policy), which must read the same as the JSON or YAML they came from:
// keys keep their order, numbers keep their spelling when JSON can say it, and what only YAML
// can say (0x1F, .5, yes) becomes a string, as CloudFormation turns it into one. A tag is not
// rendered; callers decide beforehand what tagged values (intrinsics) mean.
func JSON(n *Node) string {
	var b bytes.Buffer
	encode(&b, n)
	return b.String()
}

func encode(b *bytes.Buffer, n *Node) {
	switch {
	case n == nil:
		b.WriteString("null")
	case n.Kind == Map:
		b.WriteByte('{')
		for i, p := range n.Pairs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(p.Key))
			b.WriteByte(':')
			encode(b, p.Val)
		}
		b.WriteByte('}')
	case n.Kind == Seq:
		b.WriteByte('[')
		for i, item := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, item)
		}
		b.WriteByte(']')
	default:
		b.WriteString(scalar(n))
	}
}

func scalar(n *Node) string {
	switch n.Type {
	case Null:
		return "null"
	case Bool:
		if t := strings.ToLower(n.Text); t == "true" || t == "false" {
			return t
		}
	case Int, Float:
		var f json.Number
		if err := json.Unmarshal([]byte(n.Text), &f); err == nil && f.String() == n.Text {
			return n.Text
		}
	}
	return quote(n.Text)
}

// quote writes a JSON string without escaping <, > and &, which policies hold in conditions.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
