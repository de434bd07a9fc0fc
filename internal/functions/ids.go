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
// not, and SDKs that propagate it expect the Root=1-<epoch hex>-<24 hex> shape.
func newTraceID(now time.Time) string {
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + randomHex(24) +
		";Parent=" + randomHex(16) + ";Sampled=0"
}

// newLogStreamName mimics Lambda's per-environment stream name: 2024/01/31/[$LATEST]<32 hex>.
func newLogStreamName(now time.Time) string {
	return now.UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(32)
}
