package apimodel

import (
	"errors"
	"fmt"
	"testing"
)

func TestAsProblems(t *testing.T) {
	at := Position{File: "a.yaml", Line: 3, Column: 5}
	fallback := Position{File: "b.yaml"}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"nil", nil, nil},
		{"problems keep their positions", Problems{{at, "x"}, {at, "y"}}, []string{"a.yaml:3:5: x", "a.yaml:3:5: y"}},
		{"a wrapped problem keeps its position", fmt.Errorf("ctx: %w", Problem{at, "z"}), []string{"a.yaml:3:5: z"}},
		{"anything else lands at the fallback", errors.New("boom"), []string{"b.yaml: boom"}},
	}
	for _, tc := range tests {
		got := AsProblems(tc.err, fallback)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: got %v", tc.name, got)
		}
		for i, p := range got {
			if p.Error() != tc.want[i] {
				t.Errorf("%s: problem %d = %q, want %q", tc.name, i, p.Error(), tc.want[i])
			}
		}
	}
}
