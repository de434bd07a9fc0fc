package functions

import (
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"
)

const hexDigits = "0123456789abcdef"

// newRequestID returns a random UUID v4, the form Lambda uses for request ids. math/rand/v2's
// per-thread ChaCha8 source is fast and unpredictable enough for an id that is not a secret.
func newRequestID() string {
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

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return hex.EncodeToString(b)[:n]
}

// newTraceID returns an X-Ray trace header. Lambda hands one to every invocation, sampled or
// not, and SDKs that propagate it expect the Root=1-<epoch hex>-<24 hex> shape.
func newTraceID(now time.Time) string {
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + randomHex(24) +
		";Parent=" + randomHex(16) + ";Sampled=0"
}

// newLogStreamName mimics Lambda's per-environment stream name: 2024/01/31/[$LATEST]<32 hex>.
func newLogStreamName(now time.Time) string {
	return now.UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(32)
}
