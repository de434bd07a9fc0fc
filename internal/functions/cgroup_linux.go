package functions

import (
	"bufio"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	cgroup2Magic = 0x63677270
	cgroupRoot   = "/sys/fs/cgroup"
)

// memCgroup enforces the memory size with a cgroup per instance under a genkan-owned parent:
// memory.max (cgroup v2) or memory.limit_in_bytes (v1), with swap off where the kernel lets
// us. An address-space rlimit would be wrong: Go and V8 reserve far more address space than
// they use. Where no cgroup is writable (an unprivileged user without a delegated subtree),
// the limit is not enforced and Max Memory Used comes from /proc VmHWM.
type memCgroup struct {
	base string
	v2   bool
}

// instCgroup is one instance's cgroup; a nil *instCgroup means none, and its methods no-op.
type instCgroup struct {
	dir string
	v2  bool
	// peak stays open: opening a cgroupfs file costs ~25 µs, a pread ~2 µs, and it is read
	// after every invocation.
	peak *os.File
}

func newMemCgroup(log *slog.Logger) *memCgroup {
	name := "genkan-" + strconv.Itoa(os.Getpid()) + "-" + randomHex(6)
	if c := tryCgroupV2(name); c != nil {
		log.Debug("functions: memory limits through cgroup v2", "dir", c.base)
		return c
	}
	if c := tryCgroupV1(name); c != nil {
		log.Debug("functions: memory limits through cgroup v1", "dir", c.base)
		return c
	}
	log.Debug("functions: no writable memory cgroup; memory size is reported, not enforced")
	return nil
}

// ownCgroup returns this process's cgroup path for the v2 hierarchy (controller "") or for
// the v1 hierarchy holding controller.
func ownCgroup(controller string) string {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if controller == "" && parts[0] == "0" && parts[1] == "" {
			return parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if controller != "" && c == controller {
				return parts[2]
			}
		}
	}
	return ""
}

func tryCgroupV2(name string) *memCgroup {
	var st syscall.Statfs_t
	if syscall.Statfs(cgroupRoot, &st) != nil || st.Type != cgroup2Magic {
		return nil
	}
	own := ownCgroup("")
	if own == "" {
		return nil
	}
	base := filepath.Join(cgroupRoot, own, name)
	if os.Mkdir(base, 0o755) != nil {
		return nil
	}
	// The parent must delegate the memory controller to us, and we must pass it on to the
	// instance cgroups (base holds no process, so that is allowed).
	if !exists(filepath.Join(base, "memory.max")) ||
		os.WriteFile(filepath.Join(base, "cgroup.subtree_control"), []byte("+memory"), 0o644) != nil {
		os.Remove(base)
		return nil
	}
	return &memCgroup{base: base, v2: true}
}

func tryCgroupV1(name string) *memCgroup {
	mount := filepath.Join(cgroupRoot, "memory")
	if !exists(filepath.Join(mount, "memory.limit_in_bytes")) {
		return nil
	}
	var candidates []string
	if own := ownCgroup("memory"); own != "" && own != "/" {
		candidates = append(candidates, filepath.Join(mount, own))
	}
	candidates = append(candidates, mount)
	for _, parent := range candidates {
		base := filepath.Join(parent, name)
		if os.Mkdir(base, 0o755) != nil {
			continue
		}
		if exists(filepath.Join(base, "memory.limit_in_bytes")) {
			return &memCgroup{base: base}
		}
		os.Remove(base)
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// create makes an instance cgroup limited to limit bytes; nil when that fails.
func (c *memCgroup) create(limit int64) *instCgroup {
	if c == nil {
		return nil
	}
	dir := filepath.Join(c.base, randomHex(12))
	if os.Mkdir(dir, 0o755) != nil {
		return nil
	}
	g := &instCgroup{dir: dir, v2: c.v2}
	lim := []byte(strconv.FormatInt(limit, 10))
	var err error
	if c.v2 {
		err = os.WriteFile(filepath.Join(dir, "memory.max"), lim, 0o644)
		os.WriteFile(filepath.Join(dir, "memory.swap.max"), []byte("0"), 0o644)
	} else {
		err = os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), lim, 0o644)
		// memsw is memory+swap: equal to the limit means no swap. Absent without swap accounting.
		os.WriteFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), lim, 0o644)
	}
	if err != nil {
		os.Remove(dir)
		return nil
	}
	file := "memory.max_usage_in_bytes"
	if c.v2 {
		file = "memory.peak"
	}
	g.peak, _ = os.Open(filepath.Join(dir, file))
	return g
}

func (c *memCgroup) close() {
	if c != nil {
		os.Remove(c.base)
	}
}

// attach moves the freshly started process into the cgroup. Its children inherit it; what the
// process allocates before the move (microseconds after exec) is not counted.
func (g *instCgroup) attach(pid int) {
	if g == nil {
		return
	}
	os.WriteFile(filepath.Join(g.dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
}

func (g *instCgroup) peakMB() int64 {
	if g == nil || g.peak == nil {
		return 0
	}
	var buf [32]byte
	n, _ := g.peak.ReadAt(buf[:], 0)
	var v int64
	for _, c := range buf[:n] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
	}
	return (v + 1<<20 - 1) >> 20
}

// oomKilled reports whether the kernel's OOM killer acted in the cgroup.
func (g *instCgroup) oomKilled() bool {
	if g == nil {
		return false
	}
	file := "memory.oom_control"
	if g.v2 {
		file = "memory.events"
	}
	b, err := os.ReadFile(filepath.Join(g.dir, file))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if n, ok := strings.CutPrefix(line, "oom_kill "); ok {
			v, _ := strconv.Atoi(strings.TrimSpace(n))
			return v > 0
		}
	}
	return false
}

// remove kills what is left in the cgroup and deletes it.
func (g *instCgroup) remove() {
	if g == nil {
		return
	}
	if g.peak != nil {
		g.peak.Close()
	}
	for range 20 {
		if b, err := os.ReadFile(filepath.Join(g.dir, "cgroup.procs")); err == nil {
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		err := os.Remove(g.dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
