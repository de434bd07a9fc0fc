//go:build race

package httpproxy

// raceEnabled shrinks the large-body tests, which the race detector slows tenfold.
const raceEnabled = true
