package apierr

import (
	"strings"

	"github.com/genkanhq/genkan/internal/reqctx"
)

// template is a gateway response body. AWS does not run these through VTL: it substitutes
// $context.* and $stageVariables.* and leaves everything else as written, so "$input.body",
// "#if" or a price like "$5" come out verbatim.
type template struct {
	contentType []string // Content-Type header value
	key         string   // the content type as configured, for Accept matching
	parts       []part
	static      []byte // the whole body when it has no variables
}

type partKind uint8

const (
	partText partKind = iota
	partContext
	partStageVar
)

type part struct {
	kind partKind
	text string // literal text, or the variable name
}

func compileTemplate(contentType, src string) *template {
	key, _, _ := strings.Cut(contentType, ";")
	t := &template{contentType: []string{contentType}, key: strings.TrimSpace(key)}
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			t.parts = append(t.parts, part{kind: partText, text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(src); {
		if src[i] != '$' {
			j := strings.IndexByte(src[i:], '$')
			if j < 0 {
				j = len(src) - i
			}
			text.WriteString(src[i : i+j])
			i += j
			continue
		}
		kind, name, n := reference(src[i:])
		if n == 0 {
			text.WriteByte('$')
			i++
			continue
		}
		flush()
		t.parts = append(t.parts, part{kind: kind, text: name})
		i += n
	}
	flush()
	if len(t.parts) == 0 {
		t.static = []byte{}
	} else if len(t.parts) == 1 && t.parts[0].kind == partText {
		t.static = []byte(t.parts[0].text)
	}
	return t
}

// reference parses a variable at the start of s (which starts with '$'): $context.a.b,
// ${context.a.b}, $stageVariables.x or ${stageVariables.x}. n is 0 when s does not start with a
// variable genkan can substitute, in which case the text stays as written.
func reference(s string) (kind partKind, name string, n int) {
	body, braced := s[1:], false
	if strings.HasPrefix(body, "{") {
		body, braced = body[1:], true
	}
	var prefix string
	switch {
	case strings.HasPrefix(body, "context."):
		kind, prefix = partContext, "context."
	case strings.HasPrefix(body, "stageVariables."):
		kind, prefix = partStageVar, "stageVariables."
	default:
		return 0, "", 0
	}
	rest := body[len(prefix):]
	consumed := len(s) - len(rest) // '$', optional '{', prefix
	if braced {
		end := strings.IndexByte(rest, '}')
		if end <= 0 || !known(kind, rest[:end]) {
			return 0, "", 0
		}
		return kind, rest[:end], consumed + end + 1
	}
	// Bare references end at the first character that cannot continue a name; a dotted name is
	// cut back to its longest known prefix so that "$context.stage." keeps its full stop.
	segEnds := []int{}
	for i := 0; ; {
		j := i
		for j < len(rest) && isIdentByte(rest[j]) {
			j++
		}
		if j == i {
			break
		}
		segEnds = append(segEnds, j)
		if kind == partStageVar || j >= len(rest) || rest[j] != '.' {
			break
		}
		i = j + 1
	}
	for k := len(segEnds) - 1; k >= 0; k-- {
		if name := rest[:segEnds[k]]; known(kind, name) {
			return kind, name, consumed + len(name)
		}
	}
	return 0, "", 0
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func known(kind partKind, name string) bool {
	if kind == partStageVar {
		for i := 0; i < len(name); i++ {
			if !isIdentByte(name[i]) {
				return false
			}
		}
		return name != ""
	}
	_, ok := new(reqctx.Context).Lookup(name)
	return ok
}

func (t *template) appendTo(dst []byte, c *reqctx.Context) []byte {
	if t.static != nil {
		return append(dst, t.static...)
	}
	for _, p := range t.parts {
		switch p.kind {
		case partText:
			dst = append(dst, p.text...)
		case partContext:
			dst, _ = c.AppendValue(dst, p.text)
		case partStageVar:
			dst = append(dst, c.StageVariables[p.text]...)
		}
	}
	return dst
}

// pick chooses a template the way AWS chooses integration response templates: the request's
// Accept type, else application/json when there is no Accept header, else the first template.
// Accept is matched type by type in the order given, ignoring parameters and q-values.
func (r *response) pick(accept string) *template {
	ts := r.templates
	if len(ts) == 1 {
		return ts[0]
	}
	if accept == "" {
		accept = "application/json"
	}
	for accept != "" {
		var mt string
		mt, accept, _ = strings.Cut(accept, ",")
		mt, _, _ = strings.Cut(mt, ";")
		mt = strings.TrimSpace(mt)
		for _, t := range ts {
			if strings.EqualFold(t.key, mt) {
				return t
			}
		}
	}
	return ts[0]
}
