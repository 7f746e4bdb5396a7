package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// rectification is the 整改 loop that findings open: the unit's principal reports on the
// rectification (60 days, then 30 for each further round), and a checker accepts it or returns
// it for another round.
type rectification struct {
	Findings string // whose findings, for the title: "审计", "三责联检"
	UnitID   string
	UnitName string
	// Role is who rectifies at UnitID; default the unit's principal (the leader of an
	// organization department rectifying its Party committee's selection work: P9).
	Role           schemas.Role
	CheckOrgUnitID string
	CheckRole      schemas.Role
	// ForSubject: the unit's principal rectifying is the case's subject (the inspected leader).
	ForSubject bool
	// Rounds is kept current for the case state.
	Rounds *int
}

// rectify runs rounds until the checker accepts, and returns the accepting check.
func (c *caseRun) rectify(ctx workflow.Context, r rectification) (Completion, error) {
	_, check, err := c.draftAndApprove(ctx, approvalLoop{
		approved: "accept",
		draft: func(round int, _, _ Completion) StepSpec {
			*r.Rounds = round
			period, title := calendar.Period{N: 60, Unit: calendar.Days}, "整改落实"+r.Findings+"发现的问题："+r.UnitName
			if round > 1 {
				period, title = calendar.Period{N: 30, Unit: calendar.Days}, fmt.Sprintf("继续整改（第%d轮）：%s", round, r.UnitName)
			}
			role := r.Role
			if role == "" {
				role = schemas.RoleUnitPrincipal
			}
			return StepSpec{
				Key: fmt.Sprintf("rectify-%d", round), Step: "rectify", Title: title,
				OrgUnitID: r.UnitID, Role: role, ForSubject: r.ForSubject, Period: period, DeadlineSummary: "整改期限：" + r.UnitName,
				Spec: schemas.TaskSpec{
					Decisions: submitDecisions("提交整改报告"),
					Form:      []schemas.FormField{{Name: "report", Label: "整改报告", Type: schemas.FieldTextarea, Required: true, MaxLen: 20000}},
				},
			}
		},
		approve: func(round int) StepSpec {
			return StepSpec{
				Key: fmt.Sprintf("rectify-check-%d", round), Step: "rectify_check", Title: "检查整改结果：" + r.UnitName,
				OrgUnitID: r.CheckOrgUnitID, Role: r.CheckRole,
				Period: calendar.Period{N: 10, Unit: calendar.WorkingDays},
				Spec: schemas.TaskSpec{
					Decisions: []schemas.Decision{{Key: DecisionAccept, Label: "整改到位"}, {Key: DecisionReturn, Label: "整改不到位，退回"}},
					Form:      []schemas.FormField{{Name: "opinion", Label: "检查意见", Type: schemas.FieldTextarea, RequiredFor: []string{DecisionReturn}, MaxLen: 2000}},
				},
			}
		},
	})
	return check, err
}
