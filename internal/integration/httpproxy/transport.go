package httpproxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// TransportOptions tune the shared backend connection pool. Zero values take the defaults.
type TransportOptions struct {
	// MaxIdleConnsPerHost bounds the keep-alive connections kept per backend (default 512).
	// It should be at least the expected concurrency per backend: a connection that cannot
	// be parked is closed, and the next request pays for a new one.
	MaxIdleConnsPerHost int
	// IdleConnTimeout closes connections idle this long (default 90 s).
	IdleConnTimeout time.Duration
	// DialTimeout bounds connection set-up, TLS included (default 10 s); the request's own
	// deadline applies as well.
	DialTimeout time.Duration
	// KeepAlive is the TCP keep-alive probe interval (default 30 s; negative disables).
	KeepAlive time.Duration
	// MaxResponseHeaderBytes bounds a backend's status line and headers (default 64 KiB);
	// each single line must also fit in the read buffer.
	MaxResponseHeaderBytes int
	// ReadBufferSize and WriteBufferSize size each connection's buffers (default 16 KiB and
	// 8 KiB). A whole small response is parsed and relayed from the read buffer.
	ReadBufferSize  int
	WriteBufferSize int
	// TLSClientConfig is the base TLS configuration for https backends (e.g. RootCAs for a
	// private CA); ServerName and InsecureSkipVerify are set per integration.
	TLSClientConfig *tls.Config
	// DialContext replaces the default dialer (tests, Unix sockets).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (o TransportOptions) withDefaults() TransportOptions {
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 512
	}
	if o.IdleConnTimeout <= 0 {
		o.IdleConnTimeout = 90 * time.Second
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = 30 * time.Second
	}
	if o.MaxResponseHeaderBytes <= 0 {
		o.MaxResponseHeaderBytes = 64 << 10
	}
	if o.ReadBufferSize <= 0 {
		o.ReadBufferSize = 16 << 10
	}
	if o.WriteBufferSize <= 0 {
		o.WriteBufferSize = 8 << 10
	}
	return o
}

// Transport is the keep-alive HTTP/1.1 client every proxy of a gateway process shares. It
// is a small purpose-built client rather than net/http.Transport, which hands each request
// between the caller's goroutine and a connection's readLoop and writeLoop over channels and
// allocates about 40 times per request: measured with the same proxy logic on top, it costs
// twice the time per proxied request of this client, which allocates twice (the response
// header strings and their slice). See bench/README.md.
type Transport struct {
	opts   TransportOptions
	dialer net.Dialer

	mu     sync.Mutex
	pools  map[poolKey]*hostPool
	closed atomic.Bool
	stop   chan struct{}
	done   chan struct{}

	states  sync.Pool // *reqState
	buffers sync.Pool // *[]byte of copyBufSize, for bodies larger than a connection buffer
}

// copyBufSize is the unit in which large bodies are streamed: memory stays flat whatever
// the body size.
const copyBufSize = 64 << 10

type poolKey struct {
	scheme, authority string
	insecure          bool
}

// NewTransport returns a Transport; Close it when the gateway stops.
func NewTransport(opts TransportOptions) *Transport {
	t := &Transport{
		opts:  opts.withDefaults(),
		pools: map[poolKey]*hostPool{},
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	t.dialer = net.Dialer{Timeout: t.opts.DialTimeout, KeepAlive: t.opts.KeepAlive}
	t.states.New = func() any { return new(reqState) }
	t.buffers.New = func() any { b := make([]byte, copyBufSize); return &b }
	go t.janitor()
	return t
}

// Close closes idle connections and stops the idle-connection janitor. Connections in use
// are closed when their request ends.
func (t *Transport) Close() error {
	if !t.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(t.stop)
	<-t.done
	for _, hp := range t.allPools() {
		hp.closeIdle(time.Time{})
	}
	return nil
}

// pool returns the connection pool of one backend origin.
func (t *Transport) pool(scheme, authority string, insecure bool) *hostPool {
	k := poolKey{scheme, authority, insecure}
	t.mu.Lock()
	defer t.mu.Unlock()
	if hp := t.pools[k]; hp != nil {
		return hp
	}
	hp := &hostPool{t: t, addr: authority, https: scheme == "https"}
	host := authority
	if h, _, err := net.SplitHostPort(authority); err == nil {
		host = h
	} else if scheme == "https" {
		hp.addr = net.JoinHostPort(authority, "443")
	} else {
		hp.addr = net.JoinHostPort(authority, "80")
	}
	if hp.https {
		cfg := &tls.Config{}
		if t.opts.TLSClientConfig != nil {
			cfg = t.opts.TLSClientConfig.Clone()
		}
		cfg.ServerName = host
		cfg.InsecureSkipVerify = insecure
		// The client speaks HTTP/1.1 only; offering h2 would let a server pick it.
		cfg.NextProtos = []string{"http/1.1"}
		if cfg.ClientSessionCache == nil {
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(64)
		}
		hp.tls = cfg
	}
	t.pools[k] = hp
	return hp
}

func (t *Transport) janitor() {
	defer close(t.done)
	every := t.opts.IdleConnTimeout / 2
	if every > 30*time.Second {
		every = 30 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case now := <-tick.C:
			for _, hp := range t.allPools() {
				hp.closeIdle(now.Add(-t.opts.IdleConnTimeout))
			}
		}
	}
}

func (t *Transport) allPools() []*hostPool {
	t.mu.Lock()
	defer t.mu.Unlock()
	pools := make([]*hostPool, 0, len(t.pools))
	for _, hp := range t.pools {
		pools = append(pools, hp)
	}
	return pools
}

func (t *Transport) getState() *reqState { return t.states.Get().(*reqState) }

func (t *Transport) putState(st *reqState) {
	if st.big != nil {
		t.buffers.Put(st.big)
		st.big = nil
	}
	// Oversized scratch from an unusual request is dropped rather than pinned in the pool.
	if cap(st.hdr) > 64<<10 || cap(st.target) > 64<<10 || cap(st.body) > smallBody {
		*st = reqState{}
	}
	st.ents = st.ents[:0]
	t.states.Put(st)
}

func (t *Transport) getBuffer() *[]byte  { return t.buffers.Get().(*[]byte) }
func (t *Transport) putBuffer(b *[]byte) { t.buffers.Put(b) }

// hostPool holds the idle connections to one origin, most recently used first: a hot
// connection is warm in every cache, and the ones left at the bottom age out.
type hostPool struct {
	t     *Transport
	addr  string // host:port to dial
	https bool
	tls   *tls.Config

	mu   sync.Mutex
	idle []*pconn
}

// pconn is one backend connection with its buffers.
type pconn struct {
	hp     *hostPool
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
	reused bool
}

// staleCheckAfter is how long a connection may sit idle before it is probed for a close by
// the server; a busy pool never pays for the probe.
const staleCheckAfter = time.Second

// get returns an idle connection, or dials one. fresh skips the idle ones (a retry after a
// stale connection: its siblings are likely stale too).
func (hp *hostPool) get(ctx context.Context, now time.Time, fresh bool) (*pconn, error) {
	if !fresh {
		hp.mu.Lock()
		for n := len(hp.idle); n > 0; n = len(hp.idle) {
			pc := hp.idle[n-1]
			hp.idle[n-1] = nil
			hp.idle = hp.idle[:n-1]
			idle := now.Sub(pc.idleAt)
			if idle > hp.t.opts.IdleConnTimeout || idle > staleCheckAfter && !connAlive(pc.conn) {
				hp.mu.Unlock()
				pc.conn.Close()
				hp.mu.Lock()
				continue
			}
			hp.mu.Unlock()
			pc.reused = true
			return pc, nil
		}
		hp.mu.Unlock()
	}
	return hp.dial(ctx)
}

func (hp *hostPool) dial(ctx context.Context) (*pconn, error) {
	t := hp.t
	var conn net.Conn
	var err error
	if t.opts.DialContext != nil {
		conn, err = t.opts.DialContext(ctx, "tcp", hp.addr)
	} else {
		conn, err = t.dialer.DialContext(ctx, "tcp", hp.addr)
	}
	if err != nil {
		return nil, err
	}
	if hp.https {
		tc := tls.Client(conn, hp.tls)
		hctx, cancel := context.WithTimeout(ctx, t.opts.DialTimeout)
		err = tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	return &pconn{
		hp:   hp,
		conn: conn,
		br:   bufio.NewReaderSize(conn, t.opts.ReadBufferSize),
		bw:   bufio.NewWriterSize(conn, t.opts.WriteBufferSize),
	}, nil
}

// put parks a connection for reuse, or closes it.
func (hp *hostPool) put(pc *pconn, reusable bool, now time.Time) {
	if reusable {
		pc.idleAt = now
		hp.mu.Lock()
		// closed is read under hp.mu so that Close, which sets it before emptying the pools,
		// cannot miss a connection parked concurrently.
		if len(hp.idle) < hp.t.opts.MaxIdleConnsPerHost && !hp.t.closed.Load() {
			hp.idle = append(hp.idle, pc)
			hp.mu.Unlock()
			return
		}
		hp.mu.Unlock()
	}
	pc.conn.Close()
}

// closeIdle closes the connections idle since before cutoff (all of them for a zero cutoff).
func (hp *hostPool) closeIdle(cutoff time.Time) {
	hp.mu.Lock()
	var stale []*pconn
	keep := hp.idle[:0]
	for _, pc := range hp.idle {
		if cutoff.IsZero() || pc.idleAt.Before(cutoff) {
			stale = append(stale, pc)
		} else {
			keep = append(keep, pc)
		}
	}
	for i := len(keep); i < len(hp.idle); i++ {
		hp.idle[i] = nil
	}
	hp.idle = keep
	hp.mu.Unlock()
	for _, pc := range stale {
		pc.conn.Close()
	}
}
