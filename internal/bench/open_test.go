package bench

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Lateness counts from each timer's own due time; a rung activity is measured against the timer
// that led to it, other activities are not; cancelled timers are not pending, unfired ones are.
func TestTimersIn(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	ev := func(id int64, at time.Duration, typ enumspb.EventType) *historypb.HistoryEvent {
		return &historypb.HistoryEvent{EventId: id, EventTime: timestamppb.New(t0.Add(at)), EventType: typ}
	}
	timer := func(id int64, at, timeout time.Duration) *historypb.HistoryEvent {
		e := ev(id, at, enumspb.EVENT_TYPE_TIMER_STARTED)
		e.Attributes = &historypb.HistoryEvent_TimerStartedEventAttributes{TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{StartToFireTimeout: durationpb.New(timeout)}}
		return e
	}
	fired := func(id int64, at time.Duration, started int64) *historypb.HistoryEvent {
		e := ev(id, at, enumspb.EVENT_TYPE_TIMER_FIRED)
		e.Attributes = &historypb.HistoryEvent_TimerFiredEventAttributes{TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{StartedEventId: started}}
		return e
	}
	cancelled := func(id int64, at time.Duration, started int64) *historypb.HistoryEvent {
		e := ev(id, at, enumspb.EVENT_TYPE_TIMER_CANCELED)
		e.Attributes = &historypb.HistoryEvent_TimerCanceledEventAttributes{TimerCanceledEventAttributes: &historypb.TimerCanceledEventAttributes{StartedEventId: started}}
		return e
	}
	scheduled := func(id int64, at time.Duration, name string) *historypb.HistoryEvent {
		e := ev(id, at, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
		e.Attributes = &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{ActivityType: &commonpb.ActivityType{Name: name}}}
		return e
	}
	completed := func(id int64, at time.Duration, sched int64) *historypb.HistoryEvent {
		e := ev(id, at, enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
		e.Attributes = &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{ScheduledEventId: sched}}
		return e
	}
	started := func(id int64, at time.Duration, sched int64) *historypb.HistoryEvent {
		e := ev(id, at, enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED)
		e.Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{ScheduledEventId: sched}}
		return e
	}
	ms := time.Millisecond
	history := []*historypb.HistoryEvent{
		scheduled(1, 0, "OpenTask"), completed(2, 10*ms, 1),
		timer(3, 100*ms, 10*time.Second),   // due at 10.1 s
		fired(4, 10*time.Second+400*ms, 3), // 300 ms late
		scheduled(5, 10*time.Second+450*ms, "FireRung"), started(50, 10*time.Second+500*ms, 5),
		completed(6, 10*time.Second+700*ms, 5),  // reminder written 600 ms after due
		timer(7, 11*time.Second, 5*time.Second), // due at 16 s
		fired(8, 16*time.Second+20*ms, 7),       // 20 ms late
		scheduled(9, 16*time.Second+30*ms, "FireRung"), started(90, 16*time.Second+100*ms, 9),
		completed(10, 17*time.Second, 9), // 1 s after due
		scheduled(11, 17*time.Second, "RecordCase"), completed(12, 18*time.Second, 11),
		timer(13, 18*time.Second, time.Hour), cancelled(14, 19*time.Second, 13),
		timer(15, 19*time.Second, time.Hour),
	}
	lt := timersIn(history)
	for _, c := range []struct {
		name      string
		got, want []time.Duration
	}{
		{"fired", lt.fired, []time.Duration{300 * ms, 20 * ms}},
		{"reminded", lt.reminded, []time.Duration{600 * ms, time.Second}},
		{"scheduled after due", lt.react, []time.Duration{350 * ms, 30 * ms}},
		{"queued", lt.queued, []time.Duration{50 * ms, 70 * ms}},
		{"run", lt.run, []time.Duration{200 * ms, 900 * ms}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if lt.pending != 1 {
		t.Errorf("pending %d, want 1", lt.pending)
	}
}

// The bench finds its own children and reads their resident memory.
func TestChildAndRSS(t *testing.T) {
	if rss(os.Getpid()) <= 0 {
		t.Fatal("no RSS for this process")
	}
	if rss(1<<30) != 0 {
		t.Error("RSS of a process that does not exist")
	}
	before := childPIDs()
	if before[os.Getpid()] {
		t.Error("this process listed as its own child")
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if got := newChild(before); got != cmd.Process.Pid {
		t.Errorf("new child %d, want %d", got, cmd.Process.Pid)
	}
	if rss(cmd.Process.Pid) <= 0 {
		t.Error("no RSS for the child")
	}
}
