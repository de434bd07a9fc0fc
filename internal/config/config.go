// Package config reads what genkan serves: genkan YAML files (docs/config.md), and the
// OpenAPI/Swagger exports and SAM templates they reference or that are given directly.
// Decoding is strict and every problem is reported at once as "file:line:col: message",
// because a config that half-loads is worse than one that does not load. The package also
// watches the files it read so that `genkan serve` can reload.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// ImportFunc imports an OpenAPI document; cmd wires it to the importer/openapi package.
// id, stage and protocol are "" when the caller has no opinion.
type ImportFunc func(data []byte, file, id, stage string, protocol apimodel.Protocol) (*apimodel.API, []apimodel.Warning, error)

// Loader loads configurations. Its zero value reads genkan YAML only; set ImportOpenAPI and
// ImportSAM to accept OpenAPI documents and SAM templates.
type Loader struct {
	ImportOpenAPI ImportFunc
	// IsOpenAPI tells OpenAPI/Swagger documents from genkan YAML. Nil means "has a top-level
	// openapi or swagger key".
	IsOpenAPI func([]byte) bool
	// ImportSAM imports a SAM template (its APIs, functions and warnings); cmd wires it to
	// the importer/sam package. stage is DefaultStage.
	ImportSAM func(data []byte, file, stage string) (*apimodel.Config, error)
	// IsSAM tells SAM templates from the rest; it is asked first, before IsOpenAPI. Nil means
	// "has a top-level Transform, AWSTemplateFormatVersion or Resources key".
	IsSAM func([]byte) bool
	// DefaultStage is the stage a bare OpenAPI document (or an openapi entry without stages)
	// is served under; "" leaves it to the importer.
	DefaultStage string
	// LookupEnv resolves ${env:NAME}; nil means os.LookupEnv. Tests inject a map.
	LookupEnv func(string) (string, bool)

	mu    sync.Mutex
	files []string
}

// maxFileBytes keeps a reference to something like /dev/zero from exhausting memory.
const maxFileBytes = 64 << 20

// Load reads each path — a file, or a directory (its genkan.yaml or genkan.yml and SAM
// template, else every YAML/JSON file in it that is a genkan config, an OpenAPI document or
// a SAM template) — merges them into one Config and validates it. A non-nil error is an
// apimodel.Problems listing every problem.
func (l *Loader) Load(paths ...string) (*apimodel.Config, error) {
	ld := l.newLoad()
	for _, p := range paths {
		ld.path(p)
	}
	if len(paths) == 0 {
		ld.problem(apimodel.Position{}, "no configuration file given")
	}
	cfg, err := ld.finish()
	l.mu.Lock()
	l.files = ld.files
	l.mu.Unlock()
	return cfg, err
}

// Files returns every file and directory the last Load read or tried to read, including
// ones that were missing, so that a watcher also notices the fix.
func (l *Loader) Files() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.files)
}

// load is the state of one Load call.
type load struct {
	l        *Loader
	env      func(string) (string, bool)
	readFile func(string) ([]byte, error)
	cfg      apimodel.Config
	decodePs apimodel.Problems // syntax and decoding problems
	otherPs  apimodel.Problems // file access, import and merge problems
	files    []string
	loaded   map[string]bool // absolute paths already merged, so a file given twice counts once
	setAt    map[string]apimodel.Position
	domains  map[string]*apimodel.Domain
	// referenced holds the absolute paths of OpenAPI files that an openapi entry imports.
	referenced map[string]bool
	functions  map[string]*apimodel.Function
	funcRefs   map[*apimodel.Integration]*funcRef
	acc        accessRefs
	// stat checks function code paths; the fuzz test keeps it off the disk.
	stat func(string) (fs.FileInfo, error)
}

func (l *Loader) newLoad() *load {
	env := l.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	return &load{
		l: l, env: env, readFile: readRegular,
		loaded: map[string]bool{}, setAt: map[string]apimodel.Position{}, domains: map[string]*apimodel.Domain{},
		referenced: map[string]bool{}, functions: map[string]*apimodel.Function{},
		funcRefs: map[*apimodel.Integration]*funcRef{}, stat: os.Stat,
	}
}

func (ld *load) problem(pos apimodel.Position, format string, args ...any) {
	ld.otherPs = append(ld.otherPs, apimodel.Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

func readRegular(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err == nil && len(data) > maxFileBytes {
		err = fmt.Errorf("larger than %d MiB", maxFileBytes>>20)
	}
	return data, err
}

// firstTime reports whether path has not been merged yet in this Load.
func (ld *load) firstTime(path string) bool {
	abs := absPath(path)
	if ld.loaded[abs] {
		return false
	}
	ld.loaded[abs] = true
	return true
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func (ld *load) track(path string) {
	if !slices.Contains(ld.files, path) {
		ld.files = append(ld.files, path)
	}
}

func (ld *load) path(p string) {
	p = filepath.Clean(p)
	st, err := os.Stat(p)
	if err != nil {
		ld.track(p)
		ld.problem(apimodel.Position{File: p}, "%v", unwrapPath(err))
		return
	}
	if st.IsDir() {
		ld.dir(p)
		return
	}
	ld.track(p)
	data, err := ld.readFile(p)
	if err != nil {
		ld.problem(apimodel.Position{File: p}, "%v", unwrapPath(err))
		return
	}
	if !ld.firstTime(p) {
		return
	}
	switch {
	case ld.isSAM(data):
		ld.importSAM(apimodel.Position{File: p}, "", p, data)
	case ld.isOpenAPI(data):
		ld.importBare(p, data)
	default:
		ld.genkan(p, data)
	}
}

// unwrapPath drops the "open x:" prefix that would repeat the file name the position shows.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot read: %w", pe.Err)
	}
	return err
}

// dir loads genkan.yaml from a directory with the SAM template beside it, or else every
// config, OpenAPI document and SAM template in it. OpenAPI files that a config in the
// directory references are left to that reference, so that they are not served twice.
func (ld *load) dir(dir string) {
	ld.track(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		ld.problem(apimodel.Position{File: dir}, "%v", unwrapPath(err))
		return
	}
	var main []string
	for _, name := range []string{"genkan.yaml", "genkan.yml"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && !st.IsDir() {
			main = append(main, filepath.Join(dir, name))
		}
	}
	switch len(main) {
	case 2:
		ld.problem(apimodel.Position{File: dir}, "both genkan.yaml and genkan.yml exist; keep one")
		return
	case 1:
		ld.path(main[0])
		ld.samBeside(dir)
		return
	}
	type candidate struct {
		path string
		data []byte
	}
	var configs, sams, docs []candidate
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		p := filepath.Join(dir, name)
		ld.track(p)
		data, err := ld.readFile(p)
		if err != nil {
			ld.problem(apimodel.Position{File: p}, "%v", unwrapPath(err))
			continue
		}
		switch {
		case ld.isSAM(data):
			sams = append(sams, candidate{p, data})
		case ld.isOpenAPI(data):
			docs = append(docs, candidate{p, data})
		case looksLikeGenkan(data):
			configs = append(configs, candidate{p, data})
		default:
			ld.cfg.Warnings = append(ld.cfg.Warnings, apimodel.Warning{Pos: apimodel.Position{File: p},
				Message: "skipped: not a genkan config (no apis, functions, settings, domains, apiKeys, usagePlans or accessKeys key), an OpenAPI document or a SAM template"})
		}
	}
	if len(configs)+len(sams)+len(docs) == 0 {
		ld.problem(apimodel.Position{File: dir}, "no genkan.yaml, genkan config, OpenAPI document or SAM template in this directory")
		return
	}
	for _, c := range configs {
		if ld.firstTime(c.path) {
			ld.genkan(c.path, c.data)
		}
	}
	// After the configs, so that a template one of them references is imported once.
	for _, c := range sams {
		if ld.firstTime(c.path) {
			ld.importSAM(apimodel.Position{File: c.path}, "", c.path, c.data)
		}
	}
	for _, c := range docs {
		if !ld.referenced[absPath(c.path)] && ld.firstTime(c.path) {
			ld.importBare(c.path, c.data)
		}
	}
}

// topKeys lists a YAML/JSON document's top-level keys, or nil if it is not a mapping.
func topKeys(data []byte) (keys []string) {
	defer func() {
		if recover() != nil {
			keys = nil
		}
	}()
	f, err := parser.ParseBytes(withoutBOM(data), 0, parser.AllowDuplicateMapKey())
	if err != nil || len(f.Docs) == 0 || f.Docs[0] == nil {
		return nil
	}
	m, ok := f.Docs[0].Body.(*ast.MappingNode)
	if !ok {
		return nil
	}
	for _, v := range m.Values {
		if v != nil && v.Key != nil && v.Key.GetToken() != nil {
			keys = append(keys, v.Key.GetToken().Value)
		}
	}
	return keys
}

func looksLikeGenkan(data []byte) bool {
	for _, k := range topKeys(data) {
		switch k {
		case "apis", "functions", "settings", "domains", "apiKeys", "usagePlans", "accessKeys":
			return true
		}
	}
	return false
}

func (ld *load) isOpenAPI(data []byte) bool {
	if ld.l.IsOpenAPI != nil {
		return ld.l.IsOpenAPI(data)
	}
	for _, k := range topKeys(data) {
		if k == "openapi" || k == "swagger" {
			return true
		}
	}
	return false
}

// genkan decodes one genkan YAML file and merges it.
func (ld *load) genkan(file string, data []byte) {
	d := newDecoder(file, ld.env)
	doc := d.document(d.parse(data))
	ld.decodePs = append(ld.decodePs, d.ps...)
	ld.mergeSettings(doc)
	for _, f := range doc.functions {
		ld.checkCode(file, f)
		ld.addFunction(f.fn)
	}
	maps.Copy(ld.funcRefs, d.funcRefs)
	ld.acc.merge(&d.acc)
	ld.cfg.APIKeys = append(ld.cfg.APIKeys, doc.apiKeys...)
	ld.cfg.UsagePlans = append(ld.cfg.UsagePlans, doc.usagePlans...)
	ld.cfg.AccessKeys = append(ld.cfg.AccessKeys, doc.accessKeys...)
	for _, a := range doc.apis {
		if _, ok := a.has["sam"]; ok {
			ld.importSAMRef(file, a)
			continue
		}
		if a.openapi == "" {
			if _, ref := a.has["openapi"]; !ref {
				ld.cfg.APIs = append(ld.cfg.APIs, a.api)
			}
			continue
		}
		ld.importReferenced(file, a)
	}
	for _, dom := range doc.domains {
		ld.addDomain(dom)
	}
}

func (ld *load) addDomain(dom *apimodel.Domain) {
	if prev, dup := ld.domains[dom.Name]; dup && dom.Name != "" {
		ld.problem(dom.Pos, "domain %s is already declared at %s", dom.Name, prev.Pos)
		return
	}
	ld.domains[dom.Name] = dom
	ld.cfg.Domains = append(ld.cfg.Domains, dom)
}

func (ld *load) mergeSettings(doc *document) {
	for name, pos := range doc.setAt {
		if prev, dup := ld.setAt[name]; dup {
			ld.problem(pos, "settings.%s is already set at %s", name, prev)
			continue
		}
		ld.setAt[name] = pos
	}
	s, t := &ld.cfg.Settings, doc.settings
	set := func(name string, apply func()) {
		if ld.setAt[name] == doc.setAt[name] && doc.setAt[name].Line > 0 {
			apply()
		}
	}
	set("accountId", func() { s.AccountID = t.AccountID })
	set("region", func() { s.Region = t.Region })
	set("maxIntegrationTimeout", func() { s.MaxIntegrationTimeout = t.MaxIntegrationTimeout })
	set("limits.maxBodyBytes", func() { s.MaxBodyBytes = t.MaxBodyBytes })
	set("limits.maxHeaderBytes", func() { s.MaxHeaderBytes = t.MaxHeaderBytes })
	set("limits.maxUrlBytes", func() { s.MaxURLBytes = t.MaxURLBytes })
	set("iam.maxSkew", func() { s.IAM.MaxSkew = t.IAM.MaxSkew })
	set("iam.allowUnsignedPayload", func() { s.IAM.AllowUnsignedPayload = t.IAM.AllowUnsignedPayload })
}

// finish validates the merged config. Problems apimodel finds on a line that already has a
// decoding problem, or at a declaration the decoder found broken (accessRefs.quiet), are
// dropped: they are nearly always the same mistake seen from the model (an unreadable id is
// also an invalid id), and one message per mistake is clearer.
func (ld *load) finish() (*apimodel.Config, error) {
	cfg := &ld.cfg
	ld.resolveFunctionRefs()
	ld.resolveAccess()
	ps := slices.Concat(ld.decodePs, ld.otherPs)
	// Functions alone are worth serving: Lambda's Invoke API reaches them without an API.
	if len(cfg.APIs)+len(cfg.Functions) == 0 && len(ps) == 0 {
		ps = append(ps, apimodel.Problem{Pos: apimodel.Position{File: ld.firstFile(), Line: 1, Column: 1}, Message: "no apis or functions declared: nothing to serve"})
	}
	type line struct {
		file string
		line int
	}
	bad := map[line]bool{}
	for _, p := range ld.decodePs {
		bad[line{p.Pos.File, p.Pos.Line}] = true
	}
	for _, p := range ld.acc.quiet {
		bad[line{p.File, p.Line}] = true
	}
	if err := cfg.Validate(); err != nil {
		var vps apimodel.Problems
		if errors.As(err, &vps) {
			for _, p := range vps {
				if !bad[line{p.Pos.File, p.Pos.Line}] {
					ps = append(ps, p)
				}
			}
		} else {
			ps = append(ps, apimodel.Problem{Message: err.Error()})
		}
	}
	ps = dedupe(ps)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	cfg.Warnings = append(cfg.Warnings, cfg.Lint()...)
	return cfg, nil
}

func (ld *load) firstFile() string {
	if len(ld.files) > 0 {
		return ld.files[0]
	}
	return ""
}

// dedupe drops repeated problems, which aliases produce by decoding one node many times.
func dedupe(ps apimodel.Problems) apimodel.Problems {
	seen := map[apimodel.Problem]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
