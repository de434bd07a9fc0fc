package functions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// keyIndex remembers the build key of each "go" function's source directory together with
// the stat (size, modification time, mode, or absence) of everything the key was computed
// from: the go command, go.mod, go.sum, go.work files from the directory up to the root, every
// source and embedded file of the local packages, and their directories (whose stat changes
// when a file is added, removed or renamed). While all of those stat the same, the key is the
// same, and `genkan serve` starts a cached function without running `go version` and
// `go list -deps` (0.1-0.3 s on a loaded machine) at every start and reload.
//
// A file changed during the computation could leave a key that does not match the stat
// recorded for it, so, as git does for its index, a record is not written when any of its
// entries changed less than indexSlack before the computation began: the next start computes
// again. Other modules are identified by path@version, which go.mod and go.sum pin.
type keyIndex struct {
	dir string
}

const indexSlack = 2 * time.Second

type keyRecord struct {
	Key  string
	Deps []depStat
}

type depStat struct {
	Path    string
	Size    int64  `json:",omitempty"`
	MTime   int64  `json:",omitempty"`
	Mode    uint32 `json:",omitempty"`
	Missing bool   `json:",omitempty"`
}

// keyDeps collects the paths a key depends on.
type keyDeps map[string]struct{}

func (d keyDeps) add(path string) keyDeps {
	d[path] = struct{}{}
	return d
}

func statDep(path string) depStat {
	st, err := os.Stat(path)
	if err != nil {
		return depStat{Path: path, Missing: true}
	}
	return depStat{Path: path, Size: st.Size(), MTime: st.ModTime().UnixNano(), Mode: uint32(st.Mode())}
}

// recordPath names the record of srcDir under the go command and environment in use.
func (x keyIndex) recordPath(goBin, srcDir string) string {
	h := sha256.New()
	io.WriteString(h, "genkan go build index v1\x00"+goBin+"\x00"+srcDir+"\x00")
	for _, k := range keyEnv {
		io.WriteString(h, k+"="+os.Getenv(k)+"\x00")
	}
	// These change which toolchain runs and which modules make the workspace.
	io.WriteString(h, "GOROOT="+os.Getenv("GOROOT")+"\x00GOWORK="+os.Getenv("GOWORK")+"\x00")
	return filepath.Join(x.dir, hex.EncodeToString(h.Sum(nil))[:32]+".json")
}

// lookup returns the recorded key when nothing it depends on changed.
func (x keyIndex) lookup(goBin, srcDir string) (string, bool) {
	b, err := os.ReadFile(x.recordPath(goBin, srcDir))
	if err != nil {
		return "", false
	}
	var r keyRecord
	if json.Unmarshal(b, &r) != nil || r.Key == "" || len(r.Deps) == 0 {
		return "", false
	}
	for _, d := range r.Deps {
		if statDep(d.Path) != d {
			return "", false
		}
	}
	return r.Key, true
}

// baseDeps are the paths every key depends on besides the packages: the go command, and the
// files that decide the module or workspace srcDir belongs to.
func (x keyIndex) baseDeps(goBin, srcDir string) keyDeps {
	d := keyDeps{goBin: {}}
	if w := os.Getenv("GOWORK"); w != "" && w != "off" {
		d.add(w)
	}
	for dir := srcDir; ; dir = filepath.Dir(dir) {
		for _, f := range []string{"go.mod", "go.work", "go.work.sum"} {
			d.add(filepath.Join(dir, f))
		}
		if filepath.Dir(dir) == dir {
			return d
		}
	}
}

// store records key unless an entry changed too close to since, when the computation began.
func (x keyIndex) store(goBin, srcDir, key string, deps keyDeps, since time.Time) {
	r := keyRecord{Key: key, Deps: make([]depStat, 0, len(deps))}
	for p := range deps {
		d := statDep(p)
		if !d.Missing && d.MTime > since.Add(-indexSlack).UnixNano() {
			return
		}
		r.Deps = append(r.Deps, d)
	}
	sort.Slice(r.Deps, func(i, j int) bool { return r.Deps[i].Path < r.Deps[j].Path })
	b, err := json.Marshal(r)
	if err != nil || os.MkdirAll(x.dir, 0o755) != nil {
		return
	}
	path := x.recordPath(goBin, srcDir)
	tmp := path + ".tmp-" + randomHex(8)
	if os.WriteFile(tmp, b, 0o644) != nil || os.Rename(tmp, path) != nil {
		os.Remove(tmp)
	}
}
