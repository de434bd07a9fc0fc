package functions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/suggest"
)

// Lambda's limits on a function's configuration.
var (
	functionNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	envKeyRE       = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
)

const (
	minMemoryMB = 128
	maxMemoryMB = 10240
)

// Sync makes the manager serve exactly fns. New functions are added; a function whose
// definition or code changed gets a new version: new invocations go to new instances while
// in-flight ones finish on the old, which then stop; removed functions drain and stop.
//
// A configuration Lambda would reject (bad name, unknown runtime, out-of-range limits,
// reserved environment variables) makes Sync return an error and change nothing, so that a
// bad reload keeps the previous functions. Problems of the code or the host (a runtime genkan
// cannot run here, a missing bootstrap, a failed Go build) are warnings: the function is
// served and its invocations fail with an error naming the problem.
func (m *Manager) Sync(fns []*apimodel.Function) ([]apimodel.Warning, error) {
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	if m.isClosed() {
		return nil, ErrClosed
	}
	var errs []error
	var warns []apimodel.Warning
	seen := map[string]bool{}
	specs := make([]*apimodel.Function, 0, len(fns))
	for _, fn := range fns {
		if fn == nil {
			continue
		}
		if seen[fn.Name] {
			errs = append(errs, specError(fn, "defined more than once"))
			continue
		}
		seen[fn.Name] = true
		w, err := validateSpec(fn)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		warns = append(warns, w...)
		specs = append(specs, fn)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	prepared := make([]*prepared, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Go(func() { prepared[i] = m.prepare(spec) })
	}
	wg.Wait()

	sinks := make([]*logSink, len(prepared))
	for i, p := range prepared {
		sinks[i] = m.sinkFor(p.spec.Name)
		for _, w := range p.warns {
			warns = append(warns, apimodel.Warning{Pos: p.spec.Pos, Message: "function " + p.spec.Name + ": " + w})
		}
	}

	m.mu.RLock()
	old := m.fns
	m.mu.RUnlock()
	next := make(map[string]*function, len(prepared))
	for i, p := range prepared {
		f := old[p.spec.Name]
		if f == nil {
			f = &function{m: m, name: p.spec.Name, sink: sinks[i],
				arn: "arn:aws:lambda:" + m.opts.Region + ":" + m.opts.AccountID + ":function:" + p.spec.Name}
		}
		var v *version
		if f.cur == nil || f.cur.hash != p.hash {
			v = p.version(f)
		}
		f.update(v, p.spec, m.opts.DefaultConcurrency)
		next[p.spec.Name] = f
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		for _, f := range next {
			f.retireAll()
		}
		return nil, ErrClosed
	}
	m.fns = next
	m.mu.Unlock()
	for name, f := range old {
		if next[name] != f {
			f.retireAll()
		}
	}
	return warns, nil
}

func specError(fn *apimodel.Function, format string, args ...any) error {
	pos := ""
	if fn.Pos.File != "" {
		pos = fmt.Sprintf("%s:%d:%d: ", fn.Pos.File, fn.Pos.Line, fn.Pos.Column)
	}
	return fmt.Errorf("%sfunction %q: %s", pos, fn.Name, fmt.Sprintf(format, args...))
}

// validateSpec checks what Lambda itself would refuse.
func validateSpec(fn *apimodel.Function) ([]apimodel.Warning, error) {
	var warns []apimodel.Warning
	if !functionNameRE.MatchString(fn.Name) {
		return nil, specError(fn, "name must be 1 to 64 letters, digits, hyphens or underscores")
	}
	fam, ok := runtimeFamilies[fn.Runtime]
	if !ok {
		msg := fmt.Sprintf("unknown runtime %q", fn.Runtime)
		if s := closestRuntime(fn.Runtime); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, specError(fn, "%s; known runtimes: %s", msg, knownRuntimes())
	}
	if fn.Code == "" {
		return nil, specError(fn, "code path is required")
	}
	if fn.Timeout < 0 || fn.Timeout > apimodel.MaxFunctionTimeout {
		return nil, specError(fn, "timeout %s is outside Lambda's range (1 s to 900 s)", fn.Timeout)
	}
	if fn.MemoryMB != 0 && (fn.MemoryMB < minMemoryMB || fn.MemoryMB > maxMemoryMB) {
		return nil, specError(fn, "memory %d MB is outside Lambda's range (%d to %d MB)", fn.MemoryMB, minMemoryMB, maxMemoryMB)
	}
	if fn.ReservedConcurrency < 0 || fn.MinWarm < 0 {
		return nil, specError(fn, "reserved concurrency and minWarm cannot be negative")
	}
	if (fam == famNode || fam == famPython || fam == famGo1x) && fn.Handler == "" {
		return nil, specError(fn, "runtime %s needs a handler", fn.Runtime)
	}
	var reserved []string
	for k, v := range fn.Environment {
		switch {
		case reservedEnv[k]:
			reserved = append(reserved, k)
		case !envKeyRE.MatchString(k):
			return nil, specError(fn, "environment variable name %q is invalid", k)
		case strings.IndexByte(v, 0) >= 0:
			return nil, specError(fn, "environment variable %s contains a NUL byte", k)
		}
		for _, c := range credentialEnv {
			if k == c {
				warns = append(warns, apimodel.Warning{Pos: fn.Pos, Message: fmt.Sprintf(
					"function %s: %s is reserved by Lambda (it comes from the execution role); genkan passes it, a deployment would be refused", fn.Name, k)})
			}
		}
	}
	if len(reserved) > 0 {
		sort.Strings(reserved)
		return nil, specError(fn, "environment contains keys reserved by Lambda: %s", strings.Join(reserved, ", "))
	}
	return warns, nil
}

// closestRuntime suggests a known identifier within two edits of a typo.
func closestRuntime(name string) string {
	best, bestD := "", 3
	for k := range runtimeFamilies {
		if d := suggest.EditDistance(name, k); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	return best
}

// prepared is a function resolved against the host: how to launch it and its content hash.
type prepared struct {
	spec     *apimodel.Function
	hash     string
	launch   launch
	problem  error
	entryErr *outcome
	warns    []string
}

func (p *prepared) version(f *function) *version {
	return &version{fn: f, spec: *p.spec, hash: p.hash, launch: p.launch, problem: p.problem,
		entryErr: p.entryErr, all: map[*instance]struct{}{}}
}

// prepare resolves the runtime, builds Go sources and hashes the code.
func (m *Manager) prepare(spec *apimodel.Function) *prepared {
	p := &prepared{spec: spec}
	fam := runtimeFamilies[spec.Runtime]
	code, err := filepath.Abs(spec.Code)
	if err != nil {
		code = spec.Code
	}
	h := sha256.New()
	def, _ := json.Marshal(struct {
		Runtime, Handler, Code string
		Timeout                time.Duration
		MemoryMB               int
		Environment            map[string]string
	}{spec.Runtime, spec.Handler, code, spec.Timeout, spec.MemoryMB, spec.Environment})
	h.Write(def)

	taskRoot, runtimeDir := code, code
	var entries []string
	fpDir := code
	missing := func(path string) {
		p.entryErr = runtimeError("Runtime.InvalidEntrypoint", "Couldn't find valid bootstrap(s): ["+path+"]")
		p.warns = append(p.warns, "no executable at "+path+"; invocations fail with Runtime.InvalidEntrypoint until it exists and genkan reloads")
	}
	switch fam {
	case famUnsupported:
		p.problem = fmt.Errorf("functions: %s: %w: genkan cannot run runtime %s (it runs provided*, go, go1.x, nodejs* and python*)",
			spec.Name, ErrUnsupportedRuntime, spec.Runtime)
		p.warns = append(p.warns, fmt.Sprintf("runtime %s is not supported by genkan; invocations will fail", spec.Runtime))
	case famProvided, famGo1x:
		if fam == famGo1x {
			p.warns = append(p.warns, "runtime go1.x is deprecated by AWS; genkan runs the handler binary through the Runtime API (prefer provided.al2023)")
		}
		st, err := os.Stat(code)
		switch {
		case err == nil && st.Mode().IsRegular() && fam == famProvided:
			taskRoot, fpDir = filepath.Dir(code), ""
			p.launch.path = code
		case err == nil && st.IsDir():
			name := "bootstrap"
			if fam == famGo1x {
				name = spec.Handler
			}
			p.launch.path = filepath.Join(code, name)
		default:
			p.launch.path = filepath.Join(code, "bootstrap")
		}
		if st, err := os.Stat(p.launch.path); err != nil || !st.Mode().IsRegular() {
			missing(p.launch.path)
		} else {
			entries = append(entries, p.launch.path)
		}
		runtimeDir = taskRoot
	case famGoSource:
		if st, err := os.Stat(code); err == nil && st.Mode().IsRegular() {
			taskRoot = filepath.Dir(code)
		}
		runtimeDir, fpDir = taskRoot, ""
		bin, key, err := m.builder.build(m.ctx, taskRoot)
		if err != nil {
			p.problem = fmt.Errorf("functions: %s: %w: %v", spec.Name, ErrBuildFailed, err)
			p.warns = append(p.warns, "build failed; invocations fail until it builds and genkan reloads:\n"+err.Error())
			h.Write([]byte("build failed " + err.Error()))
		} else {
			p.launch.path = bin
			h.Write([]byte("build " + key))
		}
	case famNode, famPython:
		runtimeDir = filepath.Join(m.bootDir, "node")
		script := "bootstrap.js"
		if fam == famPython {
			runtimeDir, script = filepath.Join(m.bootDir, "python"), "bootstrap.py"
		}
		hi, warns := m.interpreter(fam, spec.Runtime)
		p.warns = append(p.warns, warns...)
		if hi.err != nil {
			p.problem = fmt.Errorf("functions: %s: %w: runtime %s needs an interpreter: %v", spec.Name, ErrUnsupportedRuntime, spec.Runtime, hi.err)
			p.warns = append(p.warns, fmt.Sprintf("runtime %s cannot run here: %v", spec.Runtime, hi.err))
			break
		}
		p.launch.path = hi.path
		if fam == famNode {
			// Keep V8's heap inside the memory size, as Lambda's node bootstrap does.
			p.launch.args = []string{fmt.Sprintf("--max-old-space-size=%d", memoryOf(spec)*9/10), filepath.Join(runtimeDir, script)}
		} else {
			p.launch.args = []string{"-u", filepath.Join(runtimeDir, script)}
		}
		entries = handlerFiles(taskRoot, spec.Handler, fam)
		h.Write([]byte(hi.path + " " + hi.version))
	}
	if err := fingerprint(h, fpDir, entries); err != nil && p.problem == nil && p.entryErr == nil {
		p.warns = append(p.warns, "code: "+err.Error())
	}
	p.launch.dir = taskRoot
	p.launch.env = m.environment(spec, fam, taskRoot, runtimeDir)
	p.hash = hex.EncodeToString(h.Sum(nil))
	return p
}

func memoryOf(spec *apimodel.Function) int {
	if spec.MemoryMB > 0 {
		return spec.MemoryMB
	}
	return apimodel.DefaultFunctionMemory
}
