package functions

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// goBuildFlags are fixed so that the cache key needs only the sources: a static binary for the
// Runtime API client of aws-lambda-go (lambda.norpc drops the go1.x RPC server). No -trimpath:
// it would make the Go build cache recompile the standard library apart from the user's own
// builds.
var goBuildFlags = []string{"-buildvcs=false", "-tags", "lambda.norpc"}

const goBuildTimeout = 5 * time.Minute

// builder builds "go" functions into a content-addressed cache: BuildCache/<key>/bootstrap,
// where key hashes the toolchain, the build settings, go.mod/go.sum and the files of every
// package of the main module (or a local replacement) that the function imports. Other
// modules are identified by path@version, which go.sum pins.
type builder struct {
	dir string
	sem chan struct{} // builds at a time: they are CPU-heavy

	mu       sync.Mutex
	inflight map[string]*buildCall

	index keyIndex

	builds atomic.Int64 // `go build` runs, for tests
	lists  atomic.Int64 // build keys computed with `go list`, for tests
}

type buildCall struct {
	done chan struct{}
	err  error
}

func newBuilder(dir string) *builder {
	return &builder{dir: dir, sem: make(chan struct{}, 2), inflight: map[string]*buildCall{}, index: keyIndex{dir: filepath.Join(dir, "index")}}
}

// build returns the binary for the Go main package in srcDir, building it when the cache has
// none for the current sources.
func (b *builder) build(ctx context.Context, srcDir string) (bin, key string, err error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", "", fmt.Errorf("the go runtime needs the Go toolchain on PATH: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, goBuildTimeout)
	defer cancel()
	key, err = b.key(ctx, goBin, srcDir)
	if err != nil {
		return "", "", err
	}
	bin = filepath.Join(b.dir, key, "bootstrap")
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		return bin, key, nil
	}

	b.mu.Lock()
	if c, ok := b.inflight[key]; ok {
		b.mu.Unlock()
		<-c.done
		return bin, key, c.err
	}
	c := &buildCall{done: make(chan struct{})}
	b.inflight[key] = c
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.inflight, key)
		b.mu.Unlock()
		close(c.done)
	}()

	select {
	case b.sem <- struct{}{}:
		defer func() { <-b.sem }()
	case <-ctx.Done():
		c.err = ctx.Err()
		return "", "", c.err
	}
	c.err = b.run(ctx, goBin, srcDir, bin)
	if c.err != nil {
		return "", "", c.err
	}
	return bin, key, nil
}

func (b *builder) run(ctx context.Context, goBin, srcDir, bin string) error {
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return err
	}
	// Build beside the final name and rename: another genkan may build the same key.
	tmp := bin + ".tmp-" + randomHex(8)
	args := append([]string{"build"}, goBuildFlags...)
	args = append(args, "-o", tmp, ".")
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out := &limitedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	b.builds.Add(1)
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("go build in %s: %v\n%s", srcDir, err, strings.TrimSpace(out.String()))
	}
	if err := os.Rename(tmp, bin); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// listedPackage is the part of `go list -json` the key needs.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	EmbedFiles []string
	Module     *struct {
		Path    string
		Version string
		Main    bool
		GoMod   string
		Replace *struct {
			Path    string
			Version string
		}
	}
}

// keyEnv are the variables that change what `go list` and `go build` make of the sources.
var keyEnv = []string{"GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOFLAGS", "GOEXPERIMENT", "GOTOOLCHAIN"}

// key returns the build key of srcDir: from the index when nothing it was computed from
// changed (keyindex.go), else from `go version` and `go list`, which then takes 0.1-0.3 s.
func (b *builder) key(ctx context.Context, goBin, srcDir string) (string, error) {
	if key, ok := b.index.lookup(goBin, srcDir); ok {
		return key, nil
	}
	since := time.Now()
	deps := b.index.baseDeps(goBin, srcDir)
	b.lists.Add(1)
	h := sha256.New()
	io.WriteString(h, "genkan go build v1\x00")
	for _, k := range keyEnv {
		io.WriteString(h, k+"="+os.Getenv(k)+"\x00")
	}
	io.WriteString(h, strings.Join(goBuildFlags, " ")+"\x00")

	ver, err := commandOutput(ctx, srcDir, goBin, "version")
	if err != nil {
		return "", err
	}
	h.Write(ver)
	out, err := commandOutput(ctx, srcDir, goBin, "list", "-deps", "-tags", "lambda.norpc",
		"-json=ImportPath,Dir,Standard,GoFiles,CgoFiles,EmbedFiles,Module", ".")
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	hashedMods := map[string]bool{}
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", fmt.Errorf("go list: %w", err)
		}
		if p.Standard {
			continue
		}
		local := p.Module == nil || p.Module.Main || (p.Module.Replace != nil && p.Module.Replace.Version == "")
		if !local {
			id := p.Module.Path + "@" + p.Module.Version
			if p.Module.Replace != nil {
				id += "=>" + p.Module.Replace.Path + "@" + p.Module.Replace.Version
			}
			if !hashedMods[id] {
				hashedMods[id] = true
				io.WriteString(h, "mod "+id+"\x00")
			}
			continue
		}
		if p.Module != nil && p.Module.GoMod != "" && !hashedMods[p.Module.GoMod] {
			hashedMods[p.Module.GoMod] = true
			for _, f := range []string{p.Module.GoMod, strings.TrimSuffix(p.Module.GoMod, ".mod") + ".sum"} {
				deps = deps.add(f)
				hashFile(h, f)
			}
		}
		io.WriteString(h, "pkg "+p.ImportPath+"\x00")
		// The directory's stat changes when a file is added, removed or renamed in it.
		deps = deps.add(p.Dir)
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.EmbedFiles} {
			for _, f := range list {
				deps = deps.add(filepath.Join(p.Dir, f))
				hashFile(h, filepath.Join(p.Dir, f))
			}
		}
		for _, f := range p.EmbedFiles {
			for d := filepath.Dir(filepath.Join(p.Dir, f)); len(d) > len(p.Dir); d = filepath.Dir(d) {
				deps = deps.add(d)
			}
		}
	}
	key := hex.EncodeToString(h.Sum(nil))[:32]
	b.index.store(goBin, srcDir, key, deps, since)
	return key, nil
}

// hashFile adds a file's name and content; a missing file counts as such.
func hashFile(h hash.Hash, path string) {
	io.WriteString(h, "file "+path+"\x00")
	f, err := os.Open(path)
	if err != nil {
		io.WriteString(h, "missing\x00")
		return
	}
	defer f.Close()
	io.Copy(h, f)
	h.Write([]byte{0})
}

func commandOutput(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr limitedBuffer
	stderr.max = 64 << 10
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || stderr.Len() > 0 {
			return nil, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return nil, err
	}
	return out, nil
}

// limitedBuffer keeps the first max bytes of a command's output.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.Len(); room > 0 {
		l.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
