package functions

import (
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/genkanhq/genkan/internal/ids"
)

// newRequestID returns a random UUID v4, the form Lambda uses for request ids.
func newRequestID() string {
	return ids.UUID()
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return hex.EncodeToString(b)[:n]
}

// newTraceID returns an X-Ray trace header. Lambda hands one to every invocation, sampled or
// not, and SDKs that propagate it expect the Root=1-<epoch hex>-<24 hex> shape. One
// allocation: it is made for every invocation that comes without one.
func newTraceID(now time.Time) string {
	var b [80]byte
	t := append(b[:0], "Root=1-"...)
	t = strconv.AppendInt(t, now.Unix(), 16)
	t = append(t, '-')
	t = appendRandomHex(t, 24)
	t = append(t, ";Parent="...)
	t = appendRandomHex(t, 16)
	t = append(t, ";Sampled=0"...)
	return string(t)
}

func appendRandomHex(b []byte, n int) []byte {
	const digits = "0123456789abcdef"
	for i := 0; i < n; i += 16 {
		v := rand.Uint64()
		for j := 0; j < 16 && i+j < n; j++ {
			b = append(b, digits[v&0xf])
			v >>= 4
		}
	}
	return b
}

// newLogStreamName mimics Lambda's per-environment stream name: 2024/01/31/[$LATEST]<32 hex>.
func newLogStreamName(now time.Time) string {
	return now.UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(32)
}
