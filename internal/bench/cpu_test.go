package bench

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// spinFor keeps this process busy until it has used d of processor time by getrusage.
func spinFor(d time.Duration) {
	used := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for end := used() + d; used() < end; {
	}
}

// With JIANDU_BENCH_SPIN set, the test binary is the busy child of TestCPUMeter.
func init() {
	if os.Getenv("JIANDU_BENCH_SPIN") == "" {
		return
	}
	spinFor(500 * time.Millisecond)
	time.Sleep(60 * time.Second)
	os.Exit(0)
}

// The meter reads the child's processor time from /proc, as the child itself counted it, and
// this process's from getrusage, as /proc counts it.
func TestCPUMeter(t *testing.T) {
	spin := exec.Command(os.Args[0], "-test.run=^$")
	spin.Env = append(os.Environ(), "JIANDU_BENCH_SPIN=1")
	m := cpuMeter{}
	r := m.read()
	if err := spin.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = spin.Process.Kill(); _ = spin.Wait() }()
	m.devPID = spin.Process.Pid
	var c CPU
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c = m.since(r, 2); c.TemporalMS >= 500 {
			break
		}
	}
	if c.TemporalMS < 500 || c.TemporalMS > 5000 {
		t.Fatalf("the child used 500 ms of CPU, measured %.0f ms", c.TemporalMS)
	}
	if c.PerTaskMS < c.TemporalMS/2 {
		t.Errorf("per task %.1f ms for %.1f ms over 2 tasks", c.PerTaskMS, c.TemporalMS)
	}
	if procCPU(0) != 0 || procCPU(1<<30) != 0 {
		t.Error("CPU of no process")
	}

	self := procCPU(os.Getpid())
	r = m.read()
	for procCPU(os.Getpid()) < self+300*time.Millisecond {
	}
	if got := m.since(r, 0); got.BenchMS < 250 || got.PerTaskMS != 0 {
		t.Errorf("this process used 300 ms by /proc, measured %.0f ms (per task %.1f)", got.BenchMS, got.PerTaskMS)
	}
}
