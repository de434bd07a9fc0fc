// Command backend is the load-test backend of bench/run.sh: it answers every request, on any
// path and method, with the same 100-byte JSON body. It is deliberately plain net/http, so
// that every proxy under test sits in front of the same ordinary Go service.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"time"
)

// body is exactly 100 bytes, newline included.
const body = `{"message":"hello from the genkan bench backend, a fixed body of one hundred bytes..............."}` + "\n"

func main() {
	listen := flag.String("listen", "127.0.0.1:9001", "address to listen on")
	flag.Parse()
	if len(body) != 100 {
		log.Fatalf("body is %d bytes, want 100", len(body))
	}
	payload := []byte(body)
	contentType := []string{"application/json"}
	contentLength := []string{"100"}
	srv := &http.Server{
		Addr: *listen,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// A request body is read so that uploads keep the connection reusable.
			if r.ContentLength != 0 {
				io.Copy(io.Discard, r.Body)
			}
			h := w.Header()
			h["Content-Type"] = contentType
			h["Content-Length"] = contentLength
			w.Write(payload)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
	}
	log.Printf("backend listening on %s", *listen)
	log.Fatal(srv.ListenAndServe())
}
