package doctree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// ErrNotJSON hands a document that encoding/json rejects to the YAML parser, which also reads
// YAML's flow style and reports positioned errors.
var ErrNotJSON = errors.New("not JSON")

// jsonBuilder reads JSON documents with encoding/json: it is linear where the YAML parser slows
// down quadratically on large documents, and it reads JSON exactly as JSON (the YAML parser is
// looser with tabs and escapes). Positions match what the YAML parser reports for the same text.
type jsonBuilder struct {
	o          *Options
	data       []byte
	file       string
	dec        *json.Decoder
	lineStarts []int
	nodes      int
	warnings   []apimodel.Warning
}

// ParseJSON reads a JSON document, or returns ErrNotJSON for one encoding/json rejects.
func ParseJSON(data []byte, file string, o *Options) (*Node, []apimodel.Warning, error) {
	b := &jsonBuilder{o: o, data: data, file: file, dec: json.NewDecoder(bytes.NewReader(data)), lineStarts: []int{0}}
	b.dec.UseNumber()
	for i, c := range data {
		if c == '\n' {
			b.lineStarts = append(b.lineStarts, i+1)
		}
	}
	root, err := b.value(0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := b.dec.Token(); err != io.EOF {
		return nil, nil, ErrNotJSON
	}
	return root, b.warnings, nil
}

// pos turns the offset after the previous token into the position of the next one.
func (b *jsonBuilder) pos(off int) apimodel.Position {
	for off < len(b.data) && strings.IndexByte(" \t\r\n,:", b.data[off]) >= 0 {
		off++
	}
	line := sort.Search(len(b.lineStarts), func(i int) bool { return b.lineStarts[i] > off }) - 1
	start := b.lineStarts[line]
	return apimodel.Position{File: b.file, Line: line + 1, Column: utf8.RuneCount(b.data[start:off]) + 1}
}

func (b *jsonBuilder) value(depth int) (*Node, error) {
	pos := b.pos(int(b.dec.InputOffset()))
	if depth > b.o.MaxDepth {
		return nil, apimodel.Problem{Pos: pos, Message: fmt.Sprintf("the document nests deeper than %d levels", b.o.MaxDepth)}
	}
	if b.nodes++; b.nodes > maxNodes {
		return nil, apimodel.Problem{Pos: pos, Message: fmt.Sprintf("the document has more than %d values", maxNodes)}
	}
	tok, err := b.dec.Token()
	if err != nil {
		return nil, ErrNotJSON
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return b.object(pos, depth)
		case '[':
			return b.array(pos, depth)
		}
		return nil, ErrNotJSON
	case string:
		return &Node{Kind: Scalar, Type: Str, Text: t, Pos: pos}, nil
	case json.Number:
		typ := Int
		if strings.ContainsAny(string(t), ".eE") {
			typ = Float
		}
		return &Node{Kind: Scalar, Type: typ, Text: string(t), Pos: pos}, nil
	case bool:
		return &Node{Kind: Scalar, Type: Bool, Text: fmt.Sprint(t), Pos: pos}, nil
	case nil:
		return &Node{Kind: Scalar, Type: Null, Pos: pos}, nil
	}
	return nil, ErrNotJSON
}

func (b *jsonBuilder) object(pos apimodel.Position, depth int) (*Node, error) {
	m := &Node{Kind: Map, Pos: pos}
	var idx map[string]int
	for b.dec.More() {
		keyPos := b.pos(int(b.dec.InputOffset()))
		tok, err := b.dec.Token()
		key, isString := tok.(string)
		if err != nil || !isString {
			return nil, ErrNotJSON
		}
		if len(m.Pairs) == 0 {
			m.Pos = keyPos // as the YAML parser places a mapping: at its first key
		}
		i, dup := idx[key]
		if dup && b.o.DuplicateKey == nil {
			return nil, apimodel.Problem{Pos: keyPos, Message: fmt.Sprintf("key %q is already defined at %s", key, m.Pairs[i].KeyPos)}
		}
		val, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p := Pair{Key: key, KeyPos: keyPos, Val: val}
		if dup {
			b.warnings = append(b.warnings, b.o.DuplicateKey(key, keyPos, m.Pairs[i].KeyPos))
			m.Pairs[i] = p
			continue
		}
		if idx == nil {
			idx = map[string]int{}
		}
		idx[key] = len(m.Pairs)
		m.Pairs = append(m.Pairs, p)
	}
	if _, err := b.dec.Token(); err != nil { // }
		return nil, ErrNotJSON
	}
	return m, nil
}

func (b *jsonBuilder) array(pos apimodel.Position, depth int) (*Node, error) {
	s := &Node{Kind: Seq, Pos: pos}
	for b.dec.More() {
		item, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		s.Items = append(s.Items, item)
	}
	if _, err := b.dec.Token(); err != nil { // ]
		return nil, ErrNotJSON
	}
	return s, nil
}
