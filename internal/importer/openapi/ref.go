package openapi

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// maxRefHops bounds a chain of $refs that point at further $refs.
const maxRefHops = 32

// deref follows n's $ref, if it has one, to the node it names: within the document, or in a
// file next to Options.File. Only the parts the importer maps (parameters, path items,
// integrations) are dereferenced, never schemas, so circular models cannot loop here. ok is
// false after a problem was recorded.
func (im *importer) deref(n *node) (target *node, ok bool) {
	seen := map[*node]bool{}
	for hop := 0; ; hop++ {
		ref, has := n.Get("$ref")
		if !has {
			return n, true
		}
		s, isStr := scalarString(ref.Val)
		if !isStr {
			im.fail(ref.KeyPos, "$ref must be a string, got %s", ref.Val.Describe())
			return nil, false
		}
		if seen[n] || hop >= maxRefHops {
			im.fail(ref.KeyPos, "circular $ref %q", s)
			return nil, false
		}
		seen[n] = true
		next, ok := im.lookupRef(s, ref)
		if !ok {
			return nil, false
		}
		n = next
	}
}

func (im *importer) lookupRef(ref string, at pair) (*node, bool) {
	file, fragment, _ := strings.Cut(ref, "#")
	doc := im.rootOf(at.KeyPos.File)
	if file != "" {
		u, err := url.Parse(file)
		if err != nil || u.Scheme != "" || u.Host != "" {
			im.fail(at.KeyPos, "$ref %q: only local files can be referenced", ref)
			return nil, false
		}
		if doc = im.loadRefFile(file, at); doc == nil {
			return nil, false
		}
	}
	target, err := pointer(doc, fragment)
	if err != "" {
		im.fail(at.KeyPos, "$ref %q: %s", ref, err)
		return nil, false
	}
	if file != "" {
		im.external = append(im.external, target)
	}
	return target, true
}

// rootOf returns the document a position belongs to, so that a "#/…" $ref inside a referenced
// file resolves within that file.
func (im *importer) rootOf(file string) *node {
	if doc, ok := im.docs[file]; ok {
		return doc
	}
	return im.root
}

func (im *importer) loadRefFile(file string, at pair) *node {
	if im.opt.File == "" {
		im.fail(at.KeyPos, "$ref %q: cannot resolve a file reference without Options.File", file)
		return nil
	}
	base := filepath.Dir(im.opt.File)
	if at.KeyPos.File != "" {
		base = filepath.Dir(at.KeyPos.File)
	}
	path := filepath.FromSlash(file)
	if !filepath.IsAbs(path) {
		path = filepath.Join(base, path)
	}
	if doc, ok := im.docs[path]; ok {
		return doc
	}
	data, err := os.ReadFile(path)
	if err != nil {
		im.fail(at.KeyPos, "$ref %q: %v", file, err)
		return nil
	}
	doc, err := parseTree(data, path)
	if err != nil {
		im.addError(err)
		return nil
	}
	im.docs[path] = doc
	return doc
}

// pointer resolves a JSON pointer fragment ("/components/parameters/id") against doc.
func pointer(doc *node, fragment string) (*node, string) {
	if fragment == "" {
		return doc, ""
	}
	if !strings.HasPrefix(fragment, "/") {
		return nil, "only JSON pointers (#/…) are supported"
	}
	n := doc
	for _, raw := range strings.Split(fragment[1:], "/") {
		seg, err := url.PathUnescape(raw)
		if err != nil {
			seg = raw
		}
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch n.Kind {
		case doctree.Map:
			p, ok := n.Get(seg)
			if !ok {
				return nil, "no " + strconv.Quote(seg) + " in the referenced document"
			}
			n = p.Val
		case doctree.Seq:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Items) {
				return nil, "no item " + strconv.Quote(seg) + " in the referenced list"
			}
			n = n.Items[i]
		default:
			return nil, "cannot descend into " + n.Describe()
		}
	}
	return n, ""
}
