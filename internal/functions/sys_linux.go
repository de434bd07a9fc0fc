package functions

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid: true,
		// If genkan dies without Close, its functions die with it.
		Pdeathsig: syscall.SIGKILL,
	}
}

// treeMaxRSSKB sums the peak resident set (VmHWM) of pid and its descendants. It is the
// fallback for Max Memory Used where no cgroup measures the instance; peaks of different
// processes need not coincide, so it can overstate.
func treeMaxRSSKB(pid int) int64 {
	var total int64
	queue := []int{pid}
	for seen := 0; len(queue) > 0 && seen < 256; seen++ {
		p := queue[0]
		queue = queue[1:]
		total += vmHWM(p)
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/task/" + strconv.Itoa(p) + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				queue = append(queue, c)
			}
		}
	}
	return total
}

func vmHWM(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			fields := strings.Fields(string(rest))
			if len(fields) > 0 {
				n, _ := strconv.ParseInt(fields[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
