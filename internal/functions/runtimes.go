package functions

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// family is how genkan runs a runtime identifier.
type family int

const (
	famProvided    family = iota // executable bootstrap speaking the Runtime API
	famGoSource                  // "go": genkan builds the source directory
	famGo1x                      // go1.x: Handler names the binary
	famNode                      // host node + embedded bootstrap
	famPython                    // host python3 + embedded bootstrap
	famUnsupported               // a Lambda runtime genkan has no runner for
)

// runtimeFamilies lists every identifier Lambda has used, current and deprecated
// (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), plus genkan's "go". Anything
// else is a typo and an error.
var runtimeFamilies = func() map[string]family {
	m := map[string]family{
		"provided": famProvided, "provided.al2": famProvided, "provided.al2023": famProvided,
		"go": famGoSource, "go1.x": famGo1x,
		"nodejs": famNode, "nodejs4.3": famNode, "nodejs4.3-edge": famNode, "nodejs6.10": famNode,
		"nodejs8.10": famNode,
	}
	for _, v := range []string{"10", "12", "14", "16", "18", "20", "22", "24"} {
		m["nodejs"+v+".x"] = famNode
	}
	m["python2.7"] = famPython
	for v := 6; v <= 14; v++ {
		m[fmt.Sprintf("python3.%d", v)] = famPython
	}
	for _, r := range []string{
		"java8", "java8.al2", "java11", "java17", "java21", "java25",
		"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10",
		"ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4",
	} {
		m[r] = famUnsupported
	}
	return m
}()

// knownRuntimes is the sorted list for error messages.
func knownRuntimes() string {
	names := make([]string, 0, len(runtimeFamilies))
	for n, f := range runtimeFamilies {
		if f != famUnsupported {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

//go:embed bootstrap
var bootstrapFS embed.FS

// writeBootstraps writes the embedded node and python bootstraps to a fresh temp dir, which
// becomes LAMBDA_RUNTIME_DIR for those runtimes.
func writeBootstraps() (string, error) {
	dir, err := os.MkdirTemp("", "genkan-runtime-")
	if err != nil {
		return "", err
	}
	err = fs.WalkDir(bootstrapFS, "bootstrap", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := bootstrapFS.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, strings.TrimPrefix(p, "bootstrap/"))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// hostInterp is an interpreter found on PATH.
type hostInterp struct {
	path    string
	version string // "20.20.2", "3.11.7"
	err     error
}

// hostRuntimes finds interpreters once per name.
type hostRuntimes struct {
	mu    sync.Mutex
	cache map[string]hostInterp
}

func newHostRuntimes() *hostRuntimes { return &hostRuntimes{cache: map[string]hostInterp{}} }

func (h *hostRuntimes) find(name string) hostInterp {
	h.mu.Lock()
	defer h.mu.Unlock()
	if hi, ok := h.cache[name]; ok {
		return hi
	}
	var hi hostInterp
	path, err := exec.LookPath(name)
	if err != nil {
		hi.err = err
		h.cache[name] = hi
		return hi
	}
	// Ask the interpreter for its version and its real executable: version managers (pyenv,
	// nvm, asdf) put shims on PATH that would add their own start-up time to every cold start.
	probe := []string{"-c", "import sys, platform; print(platform.python_version()); print(sys.executable)"}
	if strings.HasPrefix(name, "node") {
		probe = []string{"-p", "process.versions.node + '\\n' + process.execPath"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	out, err := exec.CommandContext(ctx, path, probe...).Output()
	cancel()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	switch {
	case err != nil:
		hi.err = fmt.Errorf("%s: %w", path, err)
	case len(lines) != 2 || lines[0] == "":
		hi.err = fmt.Errorf("%s: unexpected version output %q", path, out)
	default:
		hi.version, hi.path = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
		if hi.path == "" {
			hi.path = path
		}
	}
	h.cache[name] = hi
	return hi
}

// wantVersion is the language version a runtime identifier stands for: "20" for nodejs20.x,
// "3.12" for python3.12; "" when it names none.
func wantVersion(rt string) string {
	switch {
	case strings.HasPrefix(rt, "nodejs"):
		v := strings.TrimSuffix(strings.TrimPrefix(rt, "nodejs"), ".x")
		if v == "" || strings.Contains(v, "-") {
			return ""
		}
		v, _, _ = strings.Cut(v, ".")
		return v
	case strings.HasPrefix(rt, "python"):
		return strings.TrimPrefix(rt, "python")
	}
	return ""
}

// sameVersion compares the host version with the wanted one at the wanted precision.
func sameVersion(host, want string) bool {
	return host == want || strings.HasPrefix(host, want+".")
}

// interpreter picks the host interpreter for a node or python runtime: an exact python3.X
// when there is one, else python3 / node.
func (m *Manager) interpreter(fam family, rt string) (hostInterp, []string) {
	want := wantVersion(rt)
	var names []string
	if fam == famNode {
		names = []string{"node"}
	} else {
		names = []string{"python" + want, "python3"}
		if strings.HasPrefix(want, "2") {
			names = []string{"python" + want, "python2"}
		}
	}
	var warns []string
	var best hostInterp
	for _, n := range names {
		hi := m.hosts.find(n)
		if hi.err != nil {
			continue
		}
		if sameVersion(hi.version, want) || want == "" {
			return hi, nil
		}
		if best.path == "" {
			best = hi
		}
	}
	if best.path == "" {
		return hostInterp{err: fmt.Errorf("no %s on PATH", names[len(names)-1])}, nil
	}
	warns = append(warns, fmt.Sprintf("runtime %s runs on the host's %s %s (genkan uses the host interpreter; behaviour may differ)",
		rt, filepath.Base(best.path), best.version))
	return best, warns
}

// reservedEnv are the variables Lambda refuses in a function's configuration
// (docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true,
	"AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true, "TZ": true,
}

// credentialEnv are reserved too, but with no execution role locally they are the way to hand
// a function credentials, so genkan passes the host's and accepts them with a warning.
var credentialEnv = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}

// environment builds a version's static environment: Lambda's defined variables, then the
// user's (last, so they win over the unreserved defaults such as LANG or PATH).
func (m *Manager) environment(spec *apimodel.Function, fam family, taskRoot, runtimeDir string) []string {
	mem := spec.MemoryMB
	if mem <= 0 {
		mem = apimodel.DefaultFunctionMemory
	}
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + spec.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + fmt.Sprint(mem),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + spec.Name,
		"AWS_REGION=" + m.opts.Region,
		"AWS_DEFAULT_REGION=" + m.opts.Region,
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"LAMBDA_RUNTIME_DIR=" + runtimeDir,
		"_HANDLER=" + spec.Handler,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		// The host's PATH: genkan runs host interpreters and tools, not /var/lang/bin.
		"PATH=" + os.Getenv("PATH"),
		"LD_LIBRARY_PATH=" + joinNonEmpty(taskRoot, filepath.Join(taskRoot, "lib"), os.Getenv("LD_LIBRARY_PATH")),
		"GOMAXPROCS=" + strconv.Itoa(lambdaVCPUs(mem)),
	}
	switch fam {
	case famNode:
		env = append(env, "AWS_EXECUTION_ENV=AWS_Lambda_"+spec.Runtime, "NODE_PATH="+taskRoot)
	case famPython:
		// /var/task is read-only in Lambda: no __pycache__ in the user's code directory.
		env = append(env, "AWS_EXECUTION_ENV=AWS_Lambda_"+spec.Runtime, "PYTHONPATH="+runtimeDir, "PYTHONDONTWRITEBYTECODE=1")
	case famGo1x:
		env = append(env, "AWS_EXECUTION_ENV=AWS_Lambda_go1.x")
	}
	for _, k := range credentialEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	keys := make([]string, 0, len(spec.Environment))
	for k := range spec.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+spec.Environment[k])
	}
	return env
}

// lambdaVCPUs is the CPU Lambda gives a function of mem MB: "in proportion to the amount of
// memory configured", one vCPU at 1,769 MB, up to six (Lambda developer guide, "Configure
// Lambda function memory"). Go functions get it as GOMAXPROCS (a function's environment may
// override it): a process that serves one event at a time gains nothing from more Ps, and
// with the host's count every idle P spins on each wake-up, which cost a third of an
// aws-lambda-go function's CPU per invocation (internal/functions BenchmarkInvokeWide).
func lambdaVCPUs(mem int) int {
	n := (mem + 1768) / 1769
	return max(1, min(n, 6, runtime.NumCPU()))
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, string(os.PathListSeparator))
}
