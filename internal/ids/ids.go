// Package ids generates random identifiers shaped like AWS's.
package ids

import "math/rand/v2"

const hexDigits = "0123456789abcdef"

// UUID returns a random UUID v4, the form AWS uses for request ids, with one allocation.
// math/rand/v2's per-thread ChaCha8 source is fast and unpredictable enough for an id that is
// not a secret.
func UUID() string {
	var b [16]byte
	hi, lo := rand.Uint64(), rand.Uint64()
	for i := range 8 {
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
