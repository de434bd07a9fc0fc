package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genkanhq/genkan/internal/access"
	"github.com/genkanhq/genkan/internal/admin"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/apikey"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/config"
	"github.com/genkanhq/genkan/internal/functions"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/integration/httpproxy"
	"github.com/genkanhq/genkan/internal/integration/lambda"
	"github.com/genkanhq/genkan/internal/invokeapi"
	"github.com/genkanhq/genkan/internal/observe"
)

// Options configure a Server.
type Options struct {
	Paths       []string
	Listen      string // data listener, e.g. 127.0.0.1:3000
	AdminListen string // admin listener; "" disables it
	Stage       string // stage for bare OpenAPI documents
	// AccessLog receives access-log lines; nil disables the access log.
	AccessLog io.Writer
	Logger    *slog.Logger
	// Listing receives the start-up route listing; nil prints nothing.
	Listing io.Writer
	// DrainTimeout bounds how long shutdown waits for in-flight requests.
	DrainTimeout time.Duration
	// Watch reloads when a configuration file changes.
	Watch bool
	// StateDir holds function logs and built function binaries (default .genkan).
	StateDir string
	// FunctionOutput receives function log lines (START/END/REPORT and the functions' own
	// output); nil means the logger's destination is not used and only the log files get them.
	FunctionOutput io.Writer
	// LambdaEndpoint, when set, invokes functions that are not declared locally on this
	// Lambda-compatible endpoint (real AWS with "https://lambda.{region}.amazonaws.com").
	LambdaEndpoint string
	// Region is used for the remote Lambda endpoint.
	Region string
	// FunctionIdleTimeout stops function instances that served nothing for this long
	// (functions.Options.IdleTimeout; 0 means its default, 5 minutes).
	FunctionIdleTimeout time.Duration
	// FunctionQueue lets invocations beyond a function's reserved concurrency wait this long
	// for a free instance (functions.Options.Queue); 0 throttles at once, as Lambda does.
	FunctionQueue time.Duration
	// AdminNoAuth serves the admin API without its token; refused unless AdminListen is a
	// loopback address, since the admin API reveals every API key.
	AdminNoAuth bool
}

// Server is a running genkan.
type Server struct {
	opts    Options
	log     *slog.Logger
	loader  *config.Loader
	deps    compile.Deps
	tables  *gateway.Holder
	handler *gateway.Handler
	access  *observe.AccessLog

	mu      sync.Mutex // serialises reloads
	files   []string
	watcher io.Closer
	ready   atomic.Bool
	stopped atomic.Bool // no watcher may start once shutdown began

	functions *functions.Manager
	events    *invokeapi.Queue
	keys      *apikey.Store
	adminTok  string

	data, admin       *http.Server
	dataLn, adminLn   net.Listener
	reloads, failures atomic.Int64
}

// New loads and compiles the configuration and binds the listeners, so that configuration and
// address errors surface before anything is served.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = 30 * time.Second
	}
	if opts.StateDir == "" {
		opts.StateDir = ".genkan"
	}
	s := &Server{opts: opts, log: opts.Logger, loader: Loader(opts.Stage)}
	mgr, err := functions.NewManager(functions.Options{
		Logger:      opts.Logger,
		LogDir:      filepath.Join(opts.StateDir, "logs"),
		LogOutput:   opts.FunctionOutput,
		BuildCache:  filepath.Join(opts.StateDir, "build"),
		Region:      opts.Region,
		IdleTimeout: opts.FunctionIdleTimeout,
		Queue:       functions.QueueOptions{Timeout: opts.FunctionQueue},
	})
	if err != nil {
		return nil, err
	}
	s.functions = mgr
	var remote lambda.Invoker
	if opts.LambdaEndpoint != "" {
		region := opts.Region
		if region == "" {
			region = apimodel.DefaultRegion
		}
		if remote, err = lambda.NewRemoteInvoker(context.Background(), opts.LambdaEndpoint, region); err != nil {
			mgr.Close()
			return nil, fmt.Errorf("--lambda-endpoint: %w", err)
		}
	}
	keys, err := apikey.Open(opts.StateDir, apikey.Options{Logger: opts.Logger})
	if err != nil {
		mgr.Close()
		return nil, fmt.Errorf("API keys: %w", err)
	}
	s.keys = keys
	s.deps = compile.Deps{
		Proxy:        httpproxy.NewTransport(httpproxy.TransportOptions{}),
		HTTP:         newHTTPTransport(),
		Lambda:       functionInvoker(mgr, remote, opts.Logger),
		RemoteLambda: remote != nil,
		Keys:         keyStore{keys},
		Verifiers:    &access.Verifiers{},
	}
	t, files, err := s.build()
	s.files = files
	if err != nil {
		s.closeDeps()
		return nil, err
	}
	s.tables = gateway.NewHolder(t)
	logFormat, err := observe.ParseFormat("")
	if err != nil {
		s.closeDeps()
		return nil, err
	}
	if opts.AccessLog != nil {
		s.access = observe.NewAccessLog(opts.AccessLog)
	}
	s.handler = &gateway.Handler{Tables: s.tables, AccessLog: s.access, LogFormat: logFormat, Logger: s.log}
	if err := s.listen(t); err != nil {
		s.closeDeps()
		return nil, err
	}
	return s, nil
}

func (s *Server) listen(t *gateway.Table) error {
	var err error
	s.dataLn, err = net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("data listener: %w", err)
	}
	s.data = &http.Server{
		Handler:           s.handler,
		MaxHeaderBytes:    headerLimit(t.Settings.MaxHeaderBytes),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	if s.opts.AdminListen != "" {
		if s.adminTok, err = s.adminToken(); err != nil {
			s.dataLn.Close()
			return err
		}
		s.adminLn, err = net.Listen("tcp", s.opts.AdminListen)
		if err != nil {
			s.dataLn.Close()
			return fmt.Errorf("admin listener: %w", err)
		}
		s.admin = &http.Server{Handler: s.adminHandler(), ReadHeaderTimeout: 10 * time.Second}
		if err := admin.WriteEndpoint(s.opts.StateDir, s.adminLn.Addr().String()); err != nil {
			s.log.Warn("cannot record the admin address for genkan keys", "error", err)
		}
	}
	return nil
}

// headerLimit turns the limit on request line plus headers into net/http's MaxHeaderBytes,
// to which net/http adds 4,096 bytes of read slack. The listener keeps the limit it started
// with; a reload that changes it takes effect on restart.
func headerLimit(limit int) int {
	return max(limit-4096, 1024)
}

// Addr is the data listener's address (useful with port 0).
func (s *Server) Addr() string { return s.dataLn.Addr().String() }

// AdminAddr is the admin listener's address, or "" when disabled.
func (s *Server) AdminAddr() string {
	if s.adminLn == nil {
		return ""
	}
	return s.adminLn.Addr().String()
}

// Table returns the table being served.
func (s *Server) Table() *gateway.Table { return s.tables.Load() }

// Run serves until ctx is done, then stops accepting, waits for in-flight requests up to the
// drain timeout, and returns nil on a clean drain.
func (s *Server) Run(ctx context.Context) error {
	if s.opts.Watch {
		s.startWatch()
	}
	errc := make(chan error, 2)
	go func() { errc <- serve(s.data, s.dataLn) }()
	if s.admin != nil {
		go func() { errc <- serve(s.admin, s.adminLn) }()
	}
	s.ready.Store(true)
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	s.ready.Store(false)
	s.stopped.Store(true)
	s.mu.Lock()
	if s.watcher != nil {
		s.watcher.Close()
	}
	s.mu.Unlock()
	dctx, cancel := context.WithTimeout(context.Background(), s.opts.DrainTimeout)
	defer cancel()
	s.log.Info("draining in-flight requests", "timeout", s.opts.DrainTimeout)
	if err := s.data.Shutdown(dctx); err != nil && runErr == nil {
		runErr = fmt.Errorf("drain: %w", err)
	}
	if s.admin != nil {
		s.admin.Shutdown(dctx)
		if err := s.events.Close(dctx); err != nil {
			s.log.Warn("queued Event invocations did not finish before the drain timeout", "error", err)
		}
	}
	if s.access != nil {
		s.access.Close()
	}
	if t := s.tables.Load(); t.Close != nil {
		t.Close()
	}
	s.closeDeps()
	return runErr
}

func serve(srv *http.Server, ln net.Listener) error {
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// build compiles the configuration and hands its functions to the runtime: changed functions
// get new instances for new invocations while in-flight ones finish on the old.
func (s *Server) build() (*gateway.Table, []string, error) {
	t, cfg, files, err := Build(s.loader, s.deps, s.opts.Paths)
	if err != nil {
		return nil, files, err
	}
	if err := materializeInline(cfg.Functions, filepath.Join(s.opts.StateDir, "inline")); err != nil {
		return nil, files, err
	}
	warnings, err := s.functions.Sync(cfg.Functions)
	if err != nil {
		return nil, files, err
	}
	if err := s.syncKeys(cfg); err != nil {
		return nil, files, err
	}
	t.Warnings = append(t.Warnings, warnings...)
	return t, files, nil
}

// Reload compiles the configuration files again beside the serving table and swaps it in. On
// error the old table keeps serving and the error (with positions) is returned.
func (s *Server) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, files, err := s.build()
	if len(files) > 0 {
		s.files = files
	}
	if err != nil {
		s.failures.Add(1)
		return err
	}
	old := s.tables.Swap(t)
	s.reloads.Add(1)
	if old.Close != nil {
		// Requests that started on the old table hold their own pointer to it; give them the
		// longest integration timeout before releasing what it owns.
		time.AfterFunc(old.Settings.MaxIntegrationTimeout+time.Second, old.Close)
	}
	return nil
}

func (s *Server) startWatch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped.Load() {
		return
	}
	watched := append([]string(nil), s.files...)
	code := s.functions.CodePaths()
	w, err := config.WatchWithCode(watched, code, func() {
		err := s.Reload()
		if err != nil {
			s.log.Error("reload failed; still serving the previous configuration", "error", err.Error())
		} else {
			s.log.Info("configuration reloaded")
		}
		s.mu.Lock()
		changed := !slices.Equal(watched, s.files) || !slices.Equal(code, s.functions.CodePaths())
		s.mu.Unlock()
		if changed {
			// Not from inside the watcher's own callback: closing it there could wait on itself.
			go s.rewatch()
		}
	}, s.log)
	if err != nil {
		s.log.Error("cannot watch configuration files; reload with SIGHUP", "error", err)
		return
	}
	s.watcher = w
}

// rewatch follows the files a reload found referenced.
func (s *Server) rewatch() {
	s.mu.Lock()
	w := s.watcher
	s.watcher = nil
	s.mu.Unlock()
	if w != nil {
		w.Close()
	}
	s.startWatch()
}

func (s *Server) closeDeps() {
	if s.functions != nil {
		s.functions.Close()
	}
	if s.keys != nil {
		if err := s.keys.Close(); err != nil {
			s.log.Error("API key usage could not be saved", "error", err)
		}
	}
	if s.deps.Proxy != nil {
		s.deps.Proxy.Close()
	}
	if t, ok := s.deps.HTTP.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

func newHTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // a gateway reaches its backends directly, whatever the environment says
	// AWS sends no Accept-Encoding unless mapped, and must not decompress what the backend
	// sends; Go's transport would do both.
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = 256
	return t
}

func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	t := s.tables.Load()
	s.events = invokeapi.NewQueue(s.functions, invokeapi.QueueOptions{Logger: s.log})
	mux.Handle(invokeapi.Path, invokeapi.New(s.functions, s.events, t.Settings.Region, t.Settings.AccountID, s.log))
	admin.Register(mux, admin.Options{
		Keys: s.keys, Authorizers: s, Token: s.adminTok, DisableAuth: s.opts.AdminNoAuth, Logger: s.log,
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !s.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"status":"not ready"}`)
			return
		}
		fmt.Fprintf(w, `{"status":"ready","reloads":%d,"failedReloads":%d}`, s.reloads.Load(), s.failures.Load())
	})
	return mux
}
