package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU is the processor time a phase of a run used: the bench process (the API, the worker and
// the clients that drive the cases) and the Temporal dev server. Unlike throughput it hardly
// depends on what else the machine runs, so two runs on a busy machine still compare.
type CPU struct {
	BenchMS    float64 `json:"bench_ms"`
	TemporalMS float64 `json:"temporal_ms"` // 0 with an external Temporal (-temporal)
	// PerTaskMS is (bench + Temporal) ÷ human tasks completed (Jiandu) or updates (minimal).
	PerTaskMS float64 `json:"per_task_ms"`
}

// cpuMeter reads the processor time used so far by this process and by the dev server.
type cpuMeter struct{ devPID int }

type cpuReading struct{ self, dev time.Duration }

func (m cpuMeter) read() cpuReading {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpuReading{self: self, dev: procCPU(m.devPID)}
}

// since is the processor time used from r to now, per task over tasks.
func (m cpuMeter) since(r cpuReading, tasks int) CPU {
	now := m.read()
	c := CPU{BenchMS: ms(now.self - r.self), TemporalMS: ms(now.dev - r.dev)}
	if tasks > 0 {
		c.PerTaskMS = (c.BenchMS + c.TemporalMS) / float64(tasks)
	}
	return c
}

// procCPU is the user + system time of process pid from /proc (0 when pid is 0 or gone). The
// kernel reports it in USER_HZ ticks, 100 per second on Linux.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	s := string(raw)
	// After "pid (comm)": state is field 3, utime field 14 and stime field 15.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
