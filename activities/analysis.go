package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/analysis"
	"github.com/jiandu/jiandu/schemas"
)

// AnalysisRequest compiles and stores the analysis report of an office for a period.
type AnalysisRequest struct {
	CaseID    string    `json:"case_id"`
	OrgUnitID string    `json:"org_unit_id"`
	Period    string    `json:"period"` // 2026-10, 2026-Q3, 2026
	At        time.Time `json:"at"`
}

// AnalysisCompiled is what the workflow learns of a stored report: its id and how many
// warnings it holds, never its figures (they stay in the table).
type AnalysisCompiled struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Warnings int    `json:"warnings"`
}

// CompileAnalysis compiles the report of every case of the office's subtree and stores it as
// of now. Compiling it again (a retry) returns the stored report unchanged.
func (a *Activities) CompileAnalysis(ctx context.Context, req AnalysisRequest) (AnalysisCompiled, error) {
	id := req.CaseID + "." + req.Period
	var stored schemas.AnalysisSnapshot
	err := a.DB.WithContext(ctx).Take(&stored, "id = ?", id).Error
	if err == nil {
		return compiled(stored)
	}
	if err != gorm.ErrRecordNotFound {
		return AnalysisCompiled{}, fmt.Errorf("load analysis %s: %w", id, err)
	}
	period, err := analysis.ParseName(req.Period)
	if err != nil {
		return AnalysisCompiled{}, temporal.NewNonRetryableApplicationError(err.Error(), "BadPeriod", err)
	}
	rep, err := analysis.Compile(ctx, a.DB, analysis.Params{OrgUnitID: req.OrgUnitID, Period: period, AsOf: time.Now()})
	if err != nil {
		return AnalysisCompiled{}, fmt.Errorf("compile analysis %s: %w", id, err)
	}
	figures, err := json.Marshal(rep)
	if err != nil {
		return AnalysisCompiled{}, err
	}
	row := schemas.AnalysisSnapshot{
		ID: id, CaseID: req.CaseID, OrgUnitID: req.OrgUnitID, Period: req.Period, PeriodFrom: period.From, PeriodTo: period.To,
		Title: rep.Title, Figures: string(figures), Status: schemas.AnalysisDraft, CompiledAt: rep.AsOf,
	}
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if ins.Error != nil {
			return fmt.Errorf("store analysis %s: %w", id, ins.Error)
		}
		if ins.RowsAffected == 0 {
			return tx.Take(&row, "id = ?", id).Error
		}
		return appendAudit(ctx, tx, req.CaseID, req.At, "system", "analysis.compiled", "",
			map[string]any{"snapshot": id, "period": req.Period, "warnings": len(rep.Warnings)})
	})
	if err != nil {
		return AnalysisCompiled{}, err
	}
	return compiled(row)
}

func compiled(row schemas.AnalysisSnapshot) (AnalysisCompiled, error) {
	var rep analysis.Report
	if err := json.Unmarshal([]byte(row.Figures), &rep); err != nil {
		return AnalysisCompiled{}, fmt.Errorf("stored analysis %s: %w", row.ID, err)
	}
	return AnalysisCompiled{ID: row.ID, Title: row.Title, Warnings: len(rep.Warnings)}, nil
}

// AnalysisApproval records the approved narrative on a round's stored reports.
type AnalysisApproval struct {
	CaseID     string    `json:"case_id"`
	Snapshots  []string  `json:"snapshots"`
	Narrative  string    `json:"narrative"`
	ApprovedBy string    `json:"approved_by"`
	At         time.Time `json:"at"`
}

// ApproveAnalysis writes the narrative and the approval onto the stored reports; their figures
// stay as compiled.
func (a *Activities) ApproveAnalysis(ctx context.Context, req AnalysisApproval) error {
	at := req.At.UTC()
	return a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&schemas.AnalysisSnapshot{}).Where("id IN ? AND case_id = ?", req.Snapshots, req.CaseID).
			Updates(map[string]any{"narrative": req.Narrative, "status": schemas.AnalysisApproved, "approved_by": req.ApprovedBy, "approved_at": &at})
		if res.Error != nil {
			return fmt.Errorf("approve analysis: %w", res.Error)
		}
		return appendAudit(ctx, tx, req.CaseID, req.At, req.ApprovedBy, "analysis.approved", "", map[string]any{"snapshots": req.Snapshots})
	})
}
