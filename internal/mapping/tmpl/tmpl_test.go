package tmpl

import (
	"errors"
	"testing"

	"github.com/genkanhq/genkan/internal/apierr"
)

func TestCompile(t *testing.T) {
	for src, static := range map[string]bool{
		`{"statusCode": 200}`:            true,
		"{\n  \"statusCode\" : 200\n}\n": true,
		`{statusCode: 200}`:              true,
		`<xml>plain</xml>`:               true,
		``:                               true,
		`{"id": $input.params('id')}`:    false,
		`#set($a = 1)`:                   false,
		`costs $5`:                       false, // VTL would render it verbatim, but only VTL can say so
	} {
		tpl, err := Compile(src)
		if static {
			b, ok := AsStatic(tpl)
			if err != nil || !ok || string(b) != src {
				t.Errorf("Compile(%q) = %v, %v; want static", src, tpl, err)
			}
			continue
		}
		if !errors.Is(err, ErrNeedsVTL) {
			t.Errorf("Compile(%q) err = %v, want ErrNeedsVTL", src, err)
		}
	}
}

// The passthrough table of AWS's "Method request behavior for payloads without mapping
// templates" page, plus the case it leaves out (NEVER with no template at all).
func TestForRequest(t *testing.T) {
	jsonOnly, _ := NewSet(map[string]string{"application/json": "{}"}, nil)
	none, _ := NewSet(nil, nil)
	tests := []struct {
		set  *Set
		ct   string
		p    Passthrough
		want int // template index, -1 passthrough, -2 for 415
	}{
		{jsonOnly, "", WhenNoMatch, 0},
		{jsonOnly, "", WhenNoTemplates, 0},
		{jsonOnly, "", Never, 0},
		{jsonOnly, "application/json", Never, 0},
		{jsonOnly, "Application/JSON; charset=UTF-8", Never, 0},
		{jsonOnly, "application/xml", WhenNoMatch, -1},
		{jsonOnly, "application/xml", WhenNoTemplates, -2},
		{jsonOnly, "application/xml", Never, -2},
		{none, "application/xml", WhenNoMatch, -1},
		{none, "application/xml", WhenNoTemplates, -1},
		{none, "application/xml", Never, -2},
		{none, "", Never, -2},
	}
	for _, tt := range tests {
		got, err := tt.set.ForRequest(tt.ct, tt.p)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Type != apierr.UnsupportedMediaType {
				t.Errorf("%q %d: %v", tt.ct, tt.p, err)
			}
			got = -2
		}
		if got != tt.want {
			t.Errorf("ForRequest(%q, %d) = %d, want %d", tt.ct, tt.p, got, tt.want)
		}
	}
}

func TestForResponse(t *testing.T) {
	set, _ := NewSet(map[string]string{"text/html": "h", "application/json": "j", "application/xml": "x"}, nil)
	noJSON, _ := NewSet(map[string]string{"text/plain": "p", "text/html": "h"}, nil)
	empty, _ := NewSet(nil, nil)
	tests := []struct {
		set    *Set
		accept string
		want   string
	}{
		{set, "", "j"},
		{set, "application/xml", "x"},
		{set, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "h"},
		{set, "image/png", "j"},
		{noJSON, "image/png", "h"}, // first in sorted order
		{noJSON, "text/plain; charset=utf-8", "p"},
	}
	for _, tt := range tests {
		i := tt.set.ForResponse(tt.accept)
		b, _ := AsStatic(tt.set.At(i))
		if string(b) != tt.want {
			t.Errorf("ForResponse(%q) = %q, want %q", tt.accept, b, tt.want)
		}
	}
	if i := empty.ForResponse("application/json"); i != -1 {
		t.Errorf("no templates: %d, want -1", i)
	}
}

func TestParsePassthrough(t *testing.T) {
	for s, want := range map[string]Passthrough{"": WhenNoMatch, "WHEN_NO_MATCH": WhenNoMatch,
		"when_no_templates": WhenNoTemplates, "NEVER": Never} {
		if got, err := ParsePassthrough(s); err != nil || got != want {
			t.Errorf("ParsePassthrough(%q) = %d, %v", s, got, err)
		}
	}
	if _, err := ParsePassthrough("SOMETIMES"); err == nil {
		t.Error("SOMETIMES accepted")
	}
}
