package openapi

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

// errNotJSON sends a document that encoding/json rejects to the YAML parser, which reads
// YAML's flow style and gives positioned errors.
var errNotJSON = errors.New("not JSON")

// jsonBuilder reads JSON documents, which most API Gateway exports are, with encoding/json:
// it is linear where the YAML parser slows down quadratically on large documents, and it reads
// JSON exactly as JSON. Positions match what the YAML parser reports for the same text.
type jsonBuilder struct {
	data       []byte
	file       string
	dec        *json.Decoder
	lineStarts []int
	nodes      int
}

func parseJSONTree(data []byte, file string) (*node, error) {
	b := &jsonBuilder{data: data, file: file, dec: json.NewDecoder(bytes.NewReader(data)), lineStarts: []int{0}}
	b.dec.UseNumber()
	for i, c := range data {
		if c == '\n' {
			b.lineStarts = append(b.lineStarts, i+1)
		}
	}
	root, err := b.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := b.dec.Token(); err != io.EOF {
		return nil, errNotJSON
	}
	return root, nil
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
		if t == '{' {
			return b.object(pos, depth)
		}
		if t == '[' {
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
	var seen map[string]apimodel.Position
	for b.dec.More() {
		keyPos := b.pos(int(b.dec.InputOffset()))
		tok, err := b.dec.Token()
		key, isString := tok.(string)
		if err != nil || !isString {
			return nil, errNotJSON
		}
		if len(m.pairs) == 0 {
			m.pos = keyPos // as the YAML parser places a mapping: at its first key
		}
		if prev, dup := seen[key]; dup {
			return nil, apimodel.Problem{Pos: keyPos, Message: fmt.Sprintf("key %q is already defined at %s", key, prev)}
		}
		if seen == nil {
			seen = map[string]apimodel.Position{}
		}
		seen[key] = keyPos
		val, err := b.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m.pairs = append(m.pairs, pair{key: key, keyPos: keyPos, val: val})
	}
	if _, err := b.dec.Token(); err != nil { // }
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
	if _, err := b.dec.Token(); err != nil { // ]
		return nil, errNotJSON
	}
	return s, nil
}
