package functions

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// tailPoll is how often Tail looks for new lines; polling works the same on every OS and
// filesystem, and a log line a tenth of a second late is fine.
const tailPoll = 100 * time.Millisecond

// Tail copies the log of function name (logDir/<name>.log) to w. Without follow it copies the
// file and returns. With follow it then keeps copying new lines, waiting for the file to
// appear, and reopening it after rotation or truncation, until stop is closed.
func Tail(logDir, name string, follow bool, w io.Writer, stop <-chan struct{}) error {
	if !functionNameRE.MatchString(name) {
		return fmt.Errorf("functions: invalid function name %q", name)
	}
	path := filepath.Join(logDir, name+".log")
	t := time.NewTicker(tailPoll)
	defer t.Stop()
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	var off int64
	for {
		if f == nil {
			var err error
			f, err = os.Open(path)
			if err != nil {
				f = nil
				if !follow {
					if errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("functions: no log for %s in %s", name, logDir)
					}
					return err
				}
				if !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
			off = 0
		}
		if f != nil {
			n, err := io.Copy(w, f)
			off += n
			if err != nil {
				return err
			}
			if !follow {
				return nil
			}
			if reopen, err := rotated(f, path, off); err != nil {
				return err
			} else if reopen {
				// Whatever was appended to the old file before the rename is read first.
				if _, err := io.Copy(w, f); err != nil {
					return err
				}
				f.Close()
				f = nil
				continue
			}
		}
		select {
		case <-stop:
			return nil
		case <-t.C:
		}
	}
}

// rotated reports whether path now names another file than f, or f was truncated below off.
func rotated(f *os.File, path string, off int64) (bool, error) {
	cur, err := f.Stat()
	if err != nil {
		return false, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist), nil
	}
	return !os.SameFile(cur, st) || st.Size() < off, nil
}
