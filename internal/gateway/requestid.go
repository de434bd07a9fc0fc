package gateway

import (
	"encoding/base64"
	"math/rand/v2"
)

const hexDigits = "0123456789abcdef"

// newRequestID returns a random UUID v4, the form AWS uses for $context.requestId. The
// runtime's per-thread generator is fast and unpredictable enough for an identifier that is
// not a secret.
func newRequestID() string {
	var b [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i] = byte(hi >> (8 * i))
		b[8+i] = byte(lo >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	j := 0
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j] = hexDigits[v>>4]
		s[j+1] = hexDigits[v&0x0f]
		j += 2
	}
	return string(s[:])
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
