//go:build !unix

package functions

import "os"

// readAvailable has no non-blocking read here: a drain then only flushes the partial line.
func readAvailable(*os.File, []byte, func([]byte)) {}
