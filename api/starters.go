package api

import (
	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// starter is how a request starts one process: its REST route (under /api/v1), its handler
// and, for a process whose start request is a flat object of strings, its web start form.
type starter struct {
	path   string
	handle func(*Server, *gin.Context) error
	form   []startField
}

// starters lists the start of every process a request may start (those schemas.Processes gives
// start roles); starters_test.go fails when one is missing. The handler and the form live in
// the process's file (api/<process>.go).
var starters = map[schemas.CaseKind]starter{
	schemas.KindPublicity:       {"/cases/publicity", (*Server).startPublicity, nil}, // its form has candidate rows: web_pages.go
	schemas.KindDepartureAudit:  {"/cases/departure-audit", (*Server).startDepartureAudit, departureAuditForm},
	schemas.KindJointInspection: {"/cases/joint-inspection", (*Server).startJointInspection, jointInspectionForm},
	schemas.KindAdmonishment:    {"/cases/admonishment", (*Server).startAdmonishment, admonishmentForm},
	schemas.KindInquiry:         {"/cases/inquiry", (*Server).startInquiry, inquiryForm},
	schemas.KindReport:          {"/reports", (*Server).registerReport, nil}, // 12380 intake: its own pages
	schemas.KindMattersCheck:    {"/cases/matters-check", (*Server).startMattersCheck, mattersCheckForm},
	schemas.KindPreAppointment:  {"/cases/pre-appointment", (*Server).startPreAppointment, nil}, // candidate rows: no flat form
	schemas.KindPublicOpinion:   {"/cases/public-opinion", (*Server).startPublicOpinion, publicOpinionForm},
	schemas.KindEvaluation:      {"/cases/evaluation", (*Server).startEvaluation, evaluationForm},
	schemas.KindTalk:            {"/cases/talk", (*Server).startTalk, talkForm},
	schemas.KindAppraisal:       {"/cases/appraisal", (*Server).startAppraisal, appraisalForm},
	schemas.KindMattersCycle:    {"/cases/matters-cycle", (*Server).startMattersCycle, mattersCycleForm},
	schemas.KindSelection:       {"/cases/selection", (*Server).startSelection, nil}, // candidate rows: no flat form
	schemas.KindAnalysis:        {"/cases/analysis", (*Server).startAnalysis, analysisForm},
	schemas.KindSelectionReview: {"/cases/selection-review", (*Server).startSelectionReview, selectionReviewForm},
}

// startRoutes adds every starter's route to g, in the order schemas.Processes registers them.
func (s *Server) startRoutes(g *gin.RouterGroup) {
	for _, p := range schemas.Processes() {
		if st, ok := starters[p.Kind]; ok {
			g.POST(st.path, s.handle(func(c *gin.Context) error { return st.handle(s, c) }))
		}
	}
}

// webKinds are the kinds the web inbox filters by: every registered process.
func webKinds() []schemas.CaseKind {
	var kinds []schemas.CaseKind
	for _, p := range schemas.Processes() {
		kinds = append(kinds, p.Kind)
	}
	return kinds
}
