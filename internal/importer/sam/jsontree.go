package sam

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

// errNotJSON hands a document that encoding/json rejects to the YAML parser, which also reads
// YAML's flow style and reports positioned errors.
var errNotJSON = errors.New("not JSON")

// jsonBuilder reads JSON templates with encoding/json, which reads JSON exactly as JSON (the
// YAML parser is looser with tabs and escapes) and stays linear on large documents. Positions
// match what the YAML parser reports for the same text.
type jsonBuilder struct {
	data       []byte
	file       string
	dec        *json.Decoder
	lineStarts []int
	nodes      int
	warnings   []apimodel.Warning
}

func parseJSON(data []byte, file string) (*node, []apimodel.Warning, error) {
	b := &jsonBuilder{data: data, file: file, dec: json.NewDecoder(bytes.NewReader(data)), lineStarts: []int{0}}
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
		return nil, nil, errNotJSON
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

func (b *jsonBuilder) value(depth int) (*node, error) {
	pos := b.pos(int(b.dec.InputOffset()))
	if depth > maxDepth {
		return nil, apimodel.Problem{Pos: pos, Message: fmt.Sprintf("the document nests deeper than %d levels", maxDepth)}
	}
	if b.nodes++; b.nodes > maxNodes {
		return nil, apimodel.Problem{Pos: pos, Message: fmt.Sprintf("the document has more than %d values", maxNodes)}
	}
	tok, err := b.dec.Token()
	if err != nil {
		return nil, errNotJSON
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return b.object(pos, depth)
		case '[':
			return b.array(pos, depth)
		}
		return nil, errNotJSON
	case string:
		return &node{kind: scalarNode, typ: strScalar, text: t, pos: pos}, nil
	case json.Number:
		typ := intScalar
		if strings.ContainsAny(string(t), ".eE") {
			typ = floatScalar
		}
		return &node{kind: scalarNode, typ: typ, text: string(t), pos: pos}, nil
	case bool:
		return &node{kind: scalarNode, typ: boolScalar, text: fmt.Sprint(t), pos: pos}, nil
	case nil:
		return &node{kind: scalarNode, typ: nullScalar, pos: pos}, nil
	}
	return nil, errNotJSON
}

func (b *jsonBuilder) object(pos apimodel.Position, depth int) (*node, error) {
	m := &node{kind: mapNode, pos: pos}
	idx := map[string]int{}
	for b.dec.More() {
		keyPos := b.pos(int(b.dec.InputOffset()))
		tok, err := b.dec.Token()
		key, isString := tok.(string)
		if err != nil || !isString {
			return nil, errNotJSON
		}
		if len(m.pairs) == 0 {
			m.pos = keyPos // where the YAML parser places a mapping: at its first key
		}
		val, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p := pair{key: key, keyPos: keyPos, val: val}
		if i, dup := idx[key]; dup {
			b.warnings = append(b.warnings, duplicateKey(key, keyPos, m.pairs[i].keyPos))
			m.pairs[i] = p
			continue
		}
		idx[key] = len(m.pairs)
		m.pairs = append(m.pairs, p)
	}
	if _, err := b.dec.Token(); err != nil {
		return nil, errNotJSON
	}
	return m, nil
}

func (b *jsonBuilder) array(pos apimodel.Position, depth int) (*node, error) {
	s := &node{kind: seqNode, pos: pos}
	for b.dec.More() {
		item, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		s.items = append(s.items, item)
	}
	if _, err := b.dec.Token(); err != nil {
		return nil, errNotJSON
	}
	return s, nil
}
