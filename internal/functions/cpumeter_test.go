package functions

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc's utime and stime.
const clockTicks = 100

// cpuMeter measures the CPU time of the test process (the manager, its Runtime API servers
// and the callers) and of the function processes, from /proc: the per-invocation cost on both
// sides, which is steadier on a shared machine than the time per operation.
type cpuMeter struct {
	m         *Manager
	self      time.Duration
	instances map[int]time.Duration
}

func startCPUMeter(m *Manager) *cpuMeter {
	c := &cpuMeter{m: m, self: procCPU("self"), instances: map[int]time.Duration{}}
	for _, pid := range m.instancePIDs() {
		c.instances[pid] = procCPU(strconv.Itoa(pid))
	}
	return c
}

// report adds genkan-us/op and fn-us/op; instances started during the run count from zero,
// instances that exited during it are lost (a warm benchmark has none).
func (c *cpuMeter) report(b *testing.B) {
	self := procCPU("self") - c.self
	var fn time.Duration
	for _, pid := range c.m.instancePIDs() {
		fn += procCPU(strconv.Itoa(pid)) - c.instances[pid]
	}
	if self <= 0 || b.N == 0 {
		return // no /proc
	}
	b.ReportMetric(float64(self.Microseconds())/float64(b.N), "genkan-us/op")
	b.ReportMetric(float64(fn.Microseconds())/float64(b.N), "fn-us/op")
}

// procCPU is user + system time of /proc/<pid>; 0 when unreadable.
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces: fields count from after its closing parenthesis.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * time.Second / clockTicks
}

// instancePIDs lists the process ids of the running instances.
func (m *Manager) instancePIDs() []int {
	m.mu.RLock()
	insts := make([]*instance, 0, len(m.instances))
	for inst := range m.instances {
		insts = append(insts, inst)
	}
	m.mu.RUnlock()
	var pids []int
	for _, inst := range insts {
		inst.mu.Lock()
		if inst.cmd != nil && inst.cmd.Process != nil && inst.state != stDead {
			pids = append(pids, inst.cmd.Process.Pid)
		}
		inst.mu.Unlock()
	}
	return pids
}
