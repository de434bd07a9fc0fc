package gateway

import (
	"encoding/base64"
	"math/rand/v2"

	"github.com/genkanhq/genkan/internal/ids"
)

// newRequestID returns a random UUID v4, the form AWS uses for $context.requestId, in one
// allocation (it is on the hot path).
func newRequestID() string {
	return ids.UUID()
}

// newExtendedID returns an id shaped like AWS's $context.extendedRequestId (16 base64 chars).
func newExtendedID() string {
	var b [11]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i] = byte(hi >> (8 * i))
	}
	for i := 0; i < 3; i++ {
		b[8+i] = byte(lo >> (8 * i))
	}
	var s [16]byte
	base64.StdEncoding.Encode(s[:], b[:11])
	s[15] = '='
	return string(s[:])
}
