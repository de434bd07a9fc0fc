package config

import (
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long the watched directories must be quiet before files are compared:
// editors and `kubectl apply` produce bursts of events for one logical change.
const debounce = 100 * time.Millisecond

// Watch calls onChange when the content of any of files changes. Entries that are
// directories (as Loader.Files reports for directory loads) stand for every YAML/JSON file
// in them, including new ones.
//
// It watches the parent directories rather than the files, because editors and
// Kubernetes ConfigMaps replace files by rename, which ends a watch on the file itself.
// Events only prompt a comparison of file contents; onChange runs when a digest differs,
// so a save without changes, a temporary file or an unrelated file in the same directory
// does not reload. onChange runs on the watcher's goroutine, one call at a time; it must
// not call Close.
func Watch(files []string, onChange func(), logger *slog.Logger) (io.Closer, error) {
	return WatchWithCode(files, nil, onChange, logger)
}

// maxCodeFiles bounds how many files of function code one watcher digests, so that a code
// directory holding a whole dependency tree cannot make every change a long scan.
const maxCodeFiles = 2000

// WatchWithCode is Watch plus function code: each entry of code is an executable or a code
// directory, which stands for every file below it except hidden ones and node_modules
// (dependencies change by reinstall, which also touches the entry files users edit).
func WatchWithCode(files, code []string, onChange func(), logger *slog.Logger) (io.Closer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &watcher{
		files:    map[string]bool{},
		dirs:     map[string]bool{},
		codeDirs: map[string]bool{},
		onChange: onChange,
		log:      logger,
		done:     make(chan struct{}),
		exited:   make(chan struct{}),
	}
	watchDirs := map[string]bool{}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(abs); err == nil && st.IsDir() {
			w.dirs[abs] = true
			watchDirs[abs] = true
			continue
		}
		w.files[abs] = true
		watchDirs[filepath.Dir(abs)] = true
		// A symlinked config is edited at its target; watch there too.
		if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
			watchDirs[filepath.Dir(real)] = true
		}
	}
	for _, c := range code {
		abs, err := filepath.Abs(c)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(abs)
		if err != nil {
			continue
		}
		if !st.IsDir() {
			w.files[abs] = true
			watchDirs[filepath.Dir(abs)] = true
			continue
		}
		w.codeDirs[abs] = true
		for _, d := range codeTree(abs) {
			watchDirs[d] = true
		}
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w.fsw = fsw
	added := 0
	for dir := range watchDirs {
		if err := fsw.Add(dir); err != nil {
			logger.Warn("config: cannot watch directory", "dir", dir, "err", err)
			continue
		}
		added++
	}
	if added == 0 && len(watchDirs) > 0 {
		fsw.Close()
		return nil, errors.New("config: none of the configuration directories can be watched")
	}
	w.last = w.snapshot()
	go w.loop()
	return w, nil
}

type watcher struct {
	fsw      *fsnotify.Watcher
	files    map[string]bool // absolute paths of watched files
	dirs     map[string]bool // absolute paths of watched directory loads
	codeDirs map[string]bool // absolute paths of function code directories
	onChange func()
	log      *slog.Logger
	last     map[string][sha256.Size]byte

	once   sync.Once
	done   chan struct{}
	exited chan struct{}
}

func (w *watcher) loop() {
	defer close(w.exited)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.log.Debug("config: file event", "event", ev.String())
			timer.Reset(debounce)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.log.Warn("config: file watch error", "err", err)
			// An overflow loses events; comparing contents recovers from it.
			timer.Reset(debounce)
		case <-timer.C:
			snap := w.snapshot()
			if maps.Equal(snap, w.last) {
				continue
			}
			w.last = snap
			select {
			case <-w.done:
				return
			default:
			}
			w.onChange()
		}
	}
}

// snapshot digests every watched file. A missing or unreadable file is simply absent, so
// its deletion and its reappearance both count as changes.
func (w *watcher) snapshot() map[string][sha256.Size]byte {
	out := map[string][sha256.Size]byte{}
	add := func(path string) {
		if data, err := readRegular(path); err == nil {
			out[path] = sha256.Sum256(data)
		}
	}
	for f := range w.files {
		add(f)
	}
	for dir := range w.dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			ext := strings.ToLower(filepath.Ext(name))
			if !e.IsDir() && !strings.HasPrefix(name, ".") && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				add(filepath.Join(dir, name))
			}
		}
	}
	n := 0
	for dir := range w.codeDirs {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || skipCode(path, dir, d) {
				return skipDirErr(d)
			}
			if d.Type().IsRegular() {
				if n++; n > maxCodeFiles {
					return filepath.SkipAll
				}
				add(path)
			}
			return nil
		})
	}
	return out
}

// codeTree lists a code directory and its subdirectories, as fsnotify watches one level.
func codeTree(root string) []string {
	var dirs []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || skipCode(path, root, d) {
			return skipDirErr(d)
		}
		if d.IsDir() {
			if len(dirs) >= maxCodeFiles {
				return filepath.SkipAll
			}
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs
}

func skipCode(path, root string, d os.DirEntry) bool {
	if d == nil || path == root {
		return false
	}
	name := d.Name()
	return strings.HasPrefix(name, ".") || name == "node_modules" || name == "__pycache__"
}

func skipDirErr(d os.DirEntry) error {
	if d != nil && d.IsDir() {
		return filepath.SkipDir
	}
	return nil
}

// Close stops watching and waits until onChange is no longer running.
func (w *watcher) Close() error {
	var err error
	w.once.Do(func() {
		close(w.done)
		err = w.fsw.Close()
		<-w.exited
	})
	return err
}
