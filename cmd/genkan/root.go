package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/functions"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/server"
)

// exitError carries an exit code through cobra without printing usage.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func run(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "genkan",
		Short:         "API gateway and Lambda-compatible runtime that speaks API Gateway's formats",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(serveCmd(stdout, stderr), validateCmd(stdout, stderr), routesCmd(stdout, stderr), logsCmd(stdout, stderr))
	root.AddCommand(keysCmd(stdout))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintln(stderr, "genkan:", err)
		return 1
	}
}

// defaultPaths is what serve, validate and routes read when given no file.
func defaultPaths(args []string) []string {
	if len(args) > 0 {
		return args
	}
	return []string{"genkan.yaml"}
}

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func serveCmd(stdout, stderr io.Writer) *cobra.Command {
	var opts server.Options
	var accessLog, logFormat, stateDir string
	var noWatch bool
	cmd := &cobra.Command{
		Use:   "serve [FILE|DIR]...",
		Short: "Serve the APIs described by genkan YAML or OpenAPI files",
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := newLogger(stderr, logFormat)
			if err != nil {
				return err
			}
			opts.Logger = logger
			opts.Paths = defaultPaths(args)
			opts.StateDir = stateDir
			opts.FunctionOutput = stderr
			opts.Listing = stdout
			opts.Watch = !noWatch
			if err := os.MkdirAll(stateDir, 0o700); err != nil {
				return fmt.Errorf("--state-dir: %w", err)
			}
			switch accessLog {
			case "":
			case "-":
				opts.AccessLog = stdout
			default:
				f, err := os.OpenFile(accessLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
				if err != nil {
					return fmt.Errorf("--access-log: %w", err)
				}
				defer f.Close()
				opts.AccessLog = f
			}
			srv, err := server.New(opts)
			if err != nil {
				printProblems(stderr, err)
				return exitError{1}
			}
			fmt.Fprintf(stdout, "genkan serving on http://%s (admin http://%s)\n", srv.Addr(), srv.AdminAddr())
			server.PrintRoutes(stdout, srv.Table(), srv.Addr())
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for range hup {
					if err := srv.Reload(); err != nil {
						logger.Error("reload failed; still serving the previous configuration", "error", err.Error())
						continue
					}
					logger.Info("configuration reloaded (SIGHUP)")
				}
			}()
			if err := srv.Run(ctx); err != nil {
				return err
			}
			logger.Info("stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:3000", "data-plane address")
	f.StringVar(&opts.AdminListen, "admin-listen", "127.0.0.1:3001", "admin address (health, API keys, usage plans, Invoke API); never the data port")
	f.BoolVar(&opts.AdminNoAuth, "admin-no-auth", false, "serve the admin API without its token (loopback --admin-listen only)")
	f.StringVar(&opts.Stage, "stage", "", "stage a bare OpenAPI document is served under (default: its base path, else dev; HTTP APIs: $default)")
	f.StringVar(&stateDir, "state-dir", ".genkan", "directory for persistent state")
	f.StringVar(&accessLog, "access-log", "", "access log destination: - for stdout, or a file")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.DurationVar(&opts.DrainTimeout, "drain-timeout", 30*time.Second, "how long shutdown waits for in-flight requests")
	f.BoolVar(&noWatch, "no-watch", false, "do not reload when configuration files change (SIGHUP still reloads)")
	f.StringVar(&opts.LambdaEndpoint, "lambda-endpoint", "", "invoke functions not declared locally on this Lambda endpoint (AWS or compatible)")
	f.StringVar(&opts.Region, "region", "", "region for --lambda-endpoint (default us-east-1)")
	// Hidden from --help because Lambda's idle lifetime is not a setting users should need; it
	// is documented (docs/config.md) for tests and for trying scale-to-zero without waiting.
	f.DurationVar(&opts.FunctionIdleTimeout, "function-idle-timeout", functions.DefaultIdleTimeout, "stop function instances idle for this long")
	f.MarkHidden("function-idle-timeout")
	f.DurationVar(&opts.FunctionQueue, "function-queue", 0, "let invocations beyond a function's reserved concurrency wait up to this long for an instance (default 0: throttle at once, as Lambda does)")
	return cmd
}

func logsCmd(stdout, stderr io.Writer) *cobra.Command {
	var stateDir string
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs FUNCTION",
		Short: "Print a function's log (START/END/REPORT and its output); -f follows it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return functions.Tail(filepath.Join(stateDir, "logs"), args[0], follow, stdout, ctx.Done())
		},
	}
	cmd.Flags().StringVar(&stateDir, "state-dir", ".genkan", "the state directory of the genkan serve to read")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines")
	return cmd
}

func validateCmd(stdout, stderr io.Writer) *cobra.Command {
	var stage string
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check configuration files without serving; print each problem as file:line:col",
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := buildOnly(defaultPaths(args), stage)
			if err != nil {
				printProblems(stderr, err)
				return exitError{1}
			}
			for _, w := range t.Warnings {
				fmt.Fprintf(stderr, "warning: %s: %s\n", w.Pos, w.Message)
			}
			fmt.Fprintf(stdout, "ok: %d APIs\n", len(t.APIs))
			return nil
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "stage a bare OpenAPI document is served under")
	return cmd
}

func routesCmd(stdout, stderr io.Writer) *cobra.Command {
	var stage, listen string
	cmd := &cobra.Command{
		Use:   "routes FILE...",
		Short: "Print the compiled route table",
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := buildOnly(defaultPaths(args), stage)
			if err != nil {
				printProblems(stderr, err)
				return exitError{1}
			}
			server.PrintRoutes(stdout, t, listen)
			return nil
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "stage a bare OpenAPI document is served under")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:3000", "address the URLs are printed for")
	return cmd
}

// buildOnly compiles without any network resources beyond idle transports.
func buildOnly(paths []string, stage string) (*gateway.Table, error) {
	return server.Check(paths, stage)
}

// printProblems prints each problem on its own line, file:line:col first.
func printProblems(w io.Writer, err error) {
	var ps apimodel.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(w, relative(p.Error()))
		}
		return
	}
	fmt.Fprintln(w, "genkan:", err)
}

// relative shortens absolute file names under the working directory.
func relative(s string) string {
	wd, err := os.Getwd()
	if err != nil {
		return s
	}
	return strings.ReplaceAll(s, wd+string(filepath.Separator), "")
}
