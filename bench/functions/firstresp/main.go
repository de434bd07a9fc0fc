// Command firstresp measures how long a server takes from launch to its first answer: it starts
// a command, polls a URL until the answer has the wanted status, records the time since the
// start, stops the command's process group (SIGTERM, then SIGKILL after -grace), waits for the
// port to be free again, and repeats. bench/functions.sh uses it for `genkan serve
// template.yaml` and serverless-offline.
//
//	firstresp -url http://127.0.0.1:9026/Prod/hello -n 5 [-status 200] [-dir DIR] -- CMD ARGS...
//
// Each sample is printed as "sample N: X ms" on stderr; stdout gets the samples in
// milliseconds on one line, then the median.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	target := flag.String("url", "", "URL to poll")
	n := flag.Int("n", 5, "samples")
	status := flag.Int("status", 200, "status that counts as the first answer (0: any)")
	interval := flag.Duration("interval", 2*time.Millisecond, "poll interval")
	timeout := flag.Duration("timeout", 60*time.Second, "give up on a sample after this long")
	grace := flag.Duration("grace", 5*time.Second, "time between SIGTERM and SIGKILL")
	dir := flag.String("dir", "", "working directory of the command")
	logPath := flag.String("log", "", "append the command's output here (default: discarded)")
	flag.Parse()
	if *target == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: firstresp -url URL [-n N] [-status S] [-dir DIR] -- CMD ARGS...")
		os.Exit(2)
	}
	u, err := url.Parse(*target)
	if err != nil {
		fatal(err)
	}
	var out io.Writer = io.Discard
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		out = f
	}
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		Timeout:   2 * time.Second,
	}
	var samples []float64
	for i := 1; i <= *n; i++ {
		if err := waitFree(u.Host, 10*time.Second); err != nil {
			fatal(err)
		}
		fmt.Fprintf(out, "==== sample %d\n", i)
		cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
		cmd.Dir = *dir
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		d, err := poll(client, *target, *status, *interval, start, *timeout, exited)
		stop(cmd, exited, *grace)
		if err != nil {
			fatal(fmt.Errorf("sample %d: %w", i, err))
		}
		ms := float64(d.Microseconds()) / 1000
		fmt.Fprintf(os.Stderr, "   sample %d: %.1f ms\n", i, ms)
		samples = append(samples, ms)
	}
	strs := make([]string, len(samples))
	for i, s := range samples {
		strs[i] = fmt.Sprintf("%.1f", s)
	}
	fmt.Println(strings.Join(strs, " "))
	slices.Sort(samples)
	med := samples[len(samples)/2]
	if len(samples)%2 == 0 {
		med = (samples[len(samples)/2-1] + samples[len(samples)/2]) / 2
	}
	fmt.Printf("%.1f\n", med)
}

// poll requests target until it answers with status (any status when 0), returning the time
// since start.
func poll(c *http.Client, target string, status int, interval time.Duration, start time.Time, limit time.Duration, exited <-chan error) (time.Duration, error) {
	for {
		select {
		case err := <-exited:
			return 0, fmt.Errorf("the command exited before answering: %v", err)
		default:
		}
		resp, err := c.Get(target)
		elapsed := time.Since(start)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if status == 0 || resp.StatusCode == status {
				return elapsed, nil
			}
		}
		if elapsed > limit {
			return 0, errors.New("no answer before the timeout")
		}
		time.Sleep(interval)
	}
}

// stop ends the command's process group: SIGTERM, then SIGKILL after grace.
func stop(cmd *exec.Cmd, exited <-chan error, grace time.Duration) {
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
	// Children that outlived the leader.
	syscall.Kill(-pgid, syscall.SIGKILL)
}

// waitFree waits until nothing accepts connections on hostport.
func waitFree(hostport string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", hostport, 200*time.Millisecond)
		if err != nil {
			return nil
		}
		c.Close()
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is still in use", hostport)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "firstresp:", err)
	os.Exit(1)
}
