package httpcustom

import (
	"strings"

	"github.com/genkanhq/genkan/internal/mapping/params"
)

// uriTemplate is an integration URI split at its placeholders: {name} takes the mapped
// integration.request.path.name, ${stageVariables.name} the stage variable.
type uriTemplate struct {
	parts []uriPart
	// static is the URI when it has no placeholders.
	static string
}

type uriPart struct {
	text     string // literal text, or the name of the placeholder
	param    bool   // {name}
	stageVar bool   // ${stageVariables.name}
}

func parseURI(uri string) uriTemplate {
	var t uriTemplate
	lit := 0
	flush := func(end int) {
		if end > lit {
			t.parts = append(t.parts, uriPart{text: uri[lit:end]})
		}
	}
	for i := 0; i < len(uri); i++ {
		switch {
		case strings.HasPrefix(uri[i:], "${stageVariables."):
			end := strings.IndexByte(uri[i:], '}')
			if end < 0 {
				continue
			}
			flush(i)
			t.parts = append(t.parts, uriPart{text: uri[i+len("${stageVariables.") : i+end], stageVar: true})
			i += end
			lit = i + 1
		case uri[i] == '{':
			end := strings.IndexByte(uri[i:], '}')
			if end < 0 {
				continue
			}
			flush(i)
			t.parts = append(t.parts, uriPart{text: uri[i+1 : i+end], param: true})
			i += end
			lit = i + 1
		}
	}
	flush(len(uri))
	if len(t.parts) == 1 && !t.parts[0].param && !t.parts[0].stageVar {
		t.static = t.parts[0].text
	}
	if len(t.parts) == 0 {
		t.static = uri
	}
	return t
}

// render substitutes the placeholders. As in AWS, a {name} no mapping fills stays as written,
// and a stage variable the stage does not define renders empty. Values are inserted as they
// are, except for the bytes that cannot appear in a URL, so a greedy path parameter keeps its
// slashes and a raw path parameter keeps its escapes.
func (t *uriTemplate) render(vals *params.RequestValues, stage map[string]string) string {
	if t.static != "" {
		return t.static
	}
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.param:
			v, ok := vals.PathValue(p.text)
			if !ok {
				b.WriteByte('{')
				b.WriteString(p.text)
				b.WriteByte('}')
				continue
			}
			writeEscaped(&b, v)
		case p.stageVar:
			b.WriteString(stage[p.text])
		default:
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// writeEscaped percent-encodes what would end or corrupt a URL path or query value: controls,
// spaces, '#', '?', and non-ASCII bytes.
func writeEscaped(b *strings.Builder, v string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || c == '#' || c == '?' || c == '"' || c == '<' || c == '>' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
}
