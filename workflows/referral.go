package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/activities"
	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/schemas"
)

// Referral is a matter a case hands to the discipline commission (移送纪委).
type Referral struct {
	Key     string // unique in the case: the receipt task is "<case id>.referral-<key>"
	Subject string // whom it concerns, for titles ("巴图")
	What    string // what is referred, shown to the liaison
	Actor   string // who decided the referral
	Action  string // the audit action of the decision ("publicity.referred_to_discipline")
	Detail  any    // its audit detail
}

// referToDiscipline records a referral and, from this version on, has the discipline liaison of
// the nearest discipline body (the one beside the case's organization department, or above it)
// confirm receipt within 5 working days under the default ladder. The case records the receipt.
// Before the version, a referral was an audit event only; those histories replay unchanged.
func (c *caseRun) referToDiscipline(ctx workflow.Context, r Referral) error {
	if err := c.audit(ctx, "移送纪委："+r.Subject, activities.AuditRequest{
		Actor: r.Actor, Action: r.Action, Detail: r.Detail,
	}); err != nil {
		return err
	}
	if workflow.GetVersion(ctx, "discipline-referral-receipt", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	var office string
	if err := c.exec(ctx, "查找纪检监察机关", acts.DisciplineOffice, c.state.OrgUnitID, &office); err != nil {
		return err
	}
	done, err := c.humanStep(ctx, StepSpec{
		Key: "referral-" + r.Key, Step: "receive_referral", Title: "接收移送：" + r.Subject,
		OrgUnitID: office, Role: schemas.RoleDiscipline,
		Period: calendar.Period{N: 5, Unit: calendar.WorkingDays},
		Spec: schemas.TaskSpec{
			Decisions: []schemas.Decision{{Key: DecisionReceived, Label: "已接收"}},
			Form: []schemas.FormField{
				{Name: "receipt_no", Label: "受理编号", Type: schemas.FieldText, Required: true, MaxLen: 100},
				{Name: "note", Label: "备注", Type: schemas.FieldTextarea, MaxLen: 2000},
			},
			Notes: []string{c.state.ID + "《" + c.state.Title + "》移送：" + r.What},
		},
	})
	if err != nil {
		return err
	}
	c.state.Referrals = append(c.state.Referrals, schemas.ReferralReceipt{
		Key: r.Key, Subject: r.Subject, Office: office, ReceiptNo: done.Text("receipt_no"), ReceivedBy: done.Actor.ID, At: done.At,
	})
	return c.audit(ctx, "纪委已接收："+r.Subject, activities.AuditRequest{
		At: done.At, Actor: done.Actor.ID, Action: "referral.received",
		Detail: map[string]string{"key": r.Key, "office": office, "receipt_no": done.Text("receipt_no")},
	})
}
