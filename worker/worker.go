// Package worker builds the Temporal worker that runs every Jiandu workflow and activity.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/cycles"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// Workflow is a workflow function and the type name it is registered under.
type Workflow struct {
	Func any
	Name string
}

// Workflows lists every workflow Jiandu runs: one row per process registered in
// schemas.Processes (worker_test.go fails when one is missing), plus the parts processes run as
// child workflows and the launcher the cycle schedules start (internal/cycles).
func Workflows() []Workflow {
	return []Workflow{
		{workflows.Publicity, schemas.KindPublicity.WorkflowType()},
		{workflows.Inquiry, schemas.KindInquiry.WorkflowType()},
		{workflows.Admonishment, schemas.KindAdmonishment.WorkflowType()},
		{workflows.DepartureAudit, schemas.KindDepartureAudit.WorkflowType()},
		{workflows.JointInspection, schemas.KindJointInspection.WorkflowType()},
		{workflows.JointInspectionCheck, schemas.JointInspectionCheckWorkflow},
		{workflows.Report, schemas.KindReport.WorkflowType()},
		{workflows.Transfer, schemas.KindTransfer.WorkflowType()},
		{workflows.MattersCheck, schemas.KindMattersCheck.WorkflowType()},
		{workflows.PreAppointment, schemas.KindPreAppointment.WorkflowType()},
		{workflows.PublicOpinion, schemas.KindPublicOpinion.WorkflowType()},
		{workflows.Evaluation, schemas.KindEvaluation.WorkflowType()},
		{workflows.Talk, schemas.KindTalk.WorkflowType()},
		{workflows.Appraisal, schemas.KindAppraisal.WorkflowType()},
		{workflows.AppraisalCadre, schemas.KindAppraisalCadre.WorkflowType()},
		{workflows.MattersCycle, schemas.KindMattersCycle.WorkflowType()},
		{workflows.MattersCycleReport, schemas.MattersCycleReportWorkflow},
		{workflows.Selection, schemas.KindSelection.WorkflowType()},
		{workflows.SelectionReview, schemas.KindSelectionReview.WorkflowType()},
		{workflows.CycleLauncher, cycles.LauncherWorkflow},
		{workflows.AnalysisReport, schemas.KindAnalysis.WorkflowType()},
	}
}

// WorkflowRegistry is what registers workflows: a worker, a test environment, a replayer.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// RegisterWorkflows registers every workflow with r.
func RegisterWorkflows(r WorkflowRegistry) {
	for _, w := range Workflows() {
		r.RegisterWorkflowWithOptions(w.Func, workflow.RegisterOptions{Name: w.Name})
	}
}

// Register adds every workflow and activity to r (a worker, or a test environment).
func Register(r sdkworker.Registry, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(acts)
}

// New builds a worker on taskQueue with everything registered. Run it with Start/Stop or Run.
//
// It runs at most ActivitySlots(pool) activities at once, pool being the size of acts.DB's
// connection pool: enough to keep every connection busy while the next activities wait their
// turn, few enough that none waits longer than the pool's connection wait (db.Options.ConnWait);
// one that does fails as busy and Temporal retries it.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	return NewTuned(c, taskQueue, acts, Tuning{})
}

// Tuning overrides the SDK's poller counts (zero keeps its default, 2 each); `jiandu bench`
// compares settings with it.
type Tuning struct {
	WorkflowTaskPollers int
	ActivityTaskPollers int
}

// NewTuned is New with t applied.
func NewTuned(c client.Client, taskQueue string, acts *activities.Activities, t Tuning) sdkworker.Worker {
	pool := 1
	if sqlDB, err := acts.DB.DB(); err == nil {
		pool = sqlDB.Stats().MaxOpenConnections
	}
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize: ActivitySlots(pool), Interceptors: Interceptors(),
		MaxConcurrentWorkflowTaskPollers: t.WorkflowTaskPollers, MaxConcurrentActivityTaskPollers: t.ActivityTaskPollers,
	})
	Register(w, acts)
	return w
}

// ActivitySlots is how many activities a worker runs at once on a pool of poolSize connections:
// twice the pool (an activity spends part of its time outside the database: encoding, the
// round trip to Temporal), and at least 8.
func ActivitySlots(poolSize int) int {
	return max(2*poolSize, 8)
}
