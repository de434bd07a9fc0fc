package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// Shapes of AWS's identifiers and generated values: API key ids are 10 lower-case
// alphanumerics ("58v93i1885"), usage plan ids 6 ("cqdia0"), generated key values 40
// mixed-case alphanumerics.
const (
	KeyIDLength  = 10
	PlanIDLength = 6
	ValueLength  = 40
	// MinValueLength and MaxValueLength are CreateApiKey's limits ("API Key value should be
	// at least 20 characters", "API Key value exceeds maximum size of 128 characters").
	MinValueLength = 20
	MaxValueLength = 128
)

const (
	idAlphabet    = "abcdefghijklmnopqrstuvwxyz0123456789"
	valueAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// randomString draws n characters uniformly from alphabet. Bytes at or above the largest
// multiple of len(alphabet) are rejected so that no character is more likely than another.
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		rand.Read(buf) // never fails since Go 1.24
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// NewValue returns a fresh 40-character key value.
func NewValue() string { return randomString(valueAlphabet, ValueLength) }

func newKeyID() string  { return randomString(idAlphabet, KeyIDLength) }
func newPlanID() string { return randomString(idAlphabet, PlanIDLength) }

// derivedID gives a declared key or plan without an id one that depends only on its name, so
// that it survives restarts and reloads without being stored anywhere.
func derivedID(kind, name string, n int) string {
	sum := sha256.Sum256([]byte("genkan/" + kind + "\x00" + name))
	out := make([]byte, n)
	for i := range out {
		out[i] = idAlphabet[int(sum[i])%len(idAlphabet)]
	}
	return string(out)
}

// DerivedKeyID is the id of a declared key named name that has no id of its own.
func DerivedKeyID(name string) string { return derivedID("apikey", name, KeyIDLength) }

// DerivedPlanID is the id of a declared usage plan named name that has no id of its own.
func DerivedPlanID(name string) string { return derivedID("usageplan", name, PlanIDLength) }

// Mask hides all of a key value but its last four characters, for logs and tables. The
// number of stars is fixed so that the mask does not reveal the value's length.
func Mask(value string) string {
	const stars = "********"
	if len(value) <= 8 {
		return stars
	}
	return stars + value[len(value)-4:]
}

func checkValue(v string) error {
	switch {
	case len(v) < MinValueLength:
		return invalid(fmt.Sprintf("API Key value should be at least %d characters", MinValueLength))
	case len(v) > MaxValueLength:
		return invalid(fmt.Sprintf("API Key value exceeds maximum size of %d characters", MaxValueLength))
	}
	return nil
}
