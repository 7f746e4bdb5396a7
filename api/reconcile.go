package api

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/schemas"
)

// endedReasons are the ways Temporal ends a workflow without the case recording its end.
var endedReasons = map[enumspb.WorkflowExecutionStatus]string{
	enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED: "案件工作流已在Temporal中被终止",
	enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:  "案件工作流已超时终止",
	enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:     "案件工作流执行失败而终止",
}

// reconcile makes the projection true for a case row that says open: when Temporal has ended
// its workflow (terminated, timed out, failed; e.g. past its history limit), the row and its
// tasks are closed as terminated (activities.CloseTerminated) and row is updated. It reports
// whether it changed the row. A Temporal that cannot answer leaves the row as it is.
func (s *Server) reconcile(ctx context.Context, row *schemas.Case) bool {
	if row.Status != schemas.CaseOpen {
		return false
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	desc, err := s.temporal.DescribeWorkflow(dctx, row.ID, "")
	if err != nil || desc.RawResponse == nil {
		return false
	}
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	reason, ended := endedReasons[info.GetStatus()]
	if !ended {
		return false
	}
	at := time.Now()
	if ct := info.GetCloseTime(); ct != nil {
		at = ct.AsTime()
	}
	if err := activities.CloseTerminated(ctx, s.db, row.ID, reason, at); err != nil {
		s.log.ErrorContext(ctx, "reconcile an ended case", "case", row.ID, "err", err)
		return false
	}
	s.log.WarnContext(ctx, "case workflow ended by Temporal; case row reconciled", "case", row.ID, "status", info.GetStatus().String())
	if err := s.db.WithContext(ctx).First(row, "id = ?", row.ID).Error; err != nil {
		row.Status, row.Outcome = schemas.CaseTerminated, reason
	}
	return true
}

// SweepEnded reconciles every case row still open whose workflow Temporal ended (terminated,
// timed out, failed) since since (the zero time: ever), so that lists and inboxes do not show
// it open even before anyone reads the case. It returns how many rows it closed.
func SweepEnded(ctx context.Context, db *gorm.DB, tc client.Client, log *slog.Logger, since time.Time) (int, error) {
	s := &Server{db: db, temporal: tc, log: log}
	q := "ExecutionStatus IN ('Terminated', 'TimedOut', 'Failed')"
	if !since.IsZero() {
		q += fmt.Sprintf(" AND CloseTime >= '%s'", since.UTC().Format(time.RFC3339))
	}
	n := 0
	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, NextPageToken: token, PageSize: 200})
		if err != nil {
			return n, err
		}
		for _, ex := range resp.GetExecutions() {
			var row schemas.Case
			if db.WithContext(ctx).Where("id = ? AND status = ?", ex.GetExecution().GetWorkflowId(), schemas.CaseOpen).Take(&row).Error != nil {
				continue // no case row (a part), or already closed
			}
			if s.reconcile(ctx, &row) {
				n++
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return n, nil
		}
	}
}

// RunSweeper runs SweepEnded every interval until ctx ends: first over all of history, then
// over what ended since the last sweep (with a margin for visibility's delay).
func RunSweeper(ctx context.Context, db *gorm.DB, tc client.Client, log *slog.Logger, every time.Duration) {
	var since time.Time
	for {
		started := time.Now()
		if n, err := SweepEnded(ctx, db, tc, log, since); err != nil {
			log.WarnContext(ctx, "sweep ended workflows", "err", err)
		} else {
			if n > 0 {
				log.WarnContext(ctx, "closed case rows of workflows Temporal ended", "cases", n)
			}
			since = started.Add(-every - time.Minute)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// attentionCollector is the jiandu_cases_needing_attention gauge: open cases that wait for a
// person because the database refused one of their writes for good. It is read from the case
// rows at each scrape, so every API instance reports the same number.
type attentionCollector struct {
	db   *gorm.DB
	desc *prometheus.Desc
}

func newAttentionCollector(db *gorm.DB) *attentionCollector {
	return &attentionCollector{db: db, desc: prometheus.NewDesc("jiandu_cases_needing_attention",
		"Open cases that need a person: a write the database refused for good (GET /api/v1/cases/{id} says why).", nil, nil)}
}

func (a *attentionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- a.desc }

func (a *attentionCollector) Collect(ch chan<- prometheus.Metric) {
	if a.db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var n int64
	if err := a.db.WithContext(ctx).Model(&schemas.Case{}).Where("status = ? AND attention <> ''", schemas.CaseOpen).Count(&n).Error; err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(a.desc, prometheus.GaugeValue, float64(n))
}
