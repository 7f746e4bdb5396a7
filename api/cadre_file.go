package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/restrictions"
	"github.com/jiandu/jiandu/schemas"
)

// The cadre's supervision file (干部监督档案): one read listing every case a cadre is a subject
// of, across processes, with what came of it, and the restrictions in force on them.
//
// Who reads it is the rule of GET /officials/{id}/restrictions (cadreInScope): the cadre
// themself, and the supervisors, leaders, cadre section and admins of the cadre's org subtree;
// anyone else gets 404, as for an unknown official. What they read is the case rule
// (visibleCases) and recusal: a case appears only when the reader may read it, and never when
// the reader is a subject of it. So the cadre's own file shows them none of their cases (they
// are a subject of each) but the restrictions on them, which they may already read. Reports
// appear with their finding and handling; the reporter's identity stays sealed in its column
// and is never read here.

// maxFileEntries bounds one file: a cadre is the subject of a handful of cases; past this the
// file says it is truncated (the newest are shown).
const maxFileEntries = 200

// CadreFile is GET /api/v1/officials/{id}/file.
type CadreFile struct {
	Official  FileOfficial          `json:"official"`
	At        time.Time             `json:"at"`
	Entries   []FileEntry           `json:"entries"`
	Truncated bool                  `json:"truncated"`
	InForce   []schemas.Restriction `json:"restrictions"`
}

// FileOfficial is the cadre the file is about.
type FileOfficial struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	OrgUnitID   string `json:"org_unit_id"`
	OrgUnitName string `json:"org_unit_name"`
}

// FileEntry is one case about the cadre.
type FileEntry struct {
	CaseID     string             `json:"case_id"`
	Kind       schemas.CaseKind   `json:"kind"`
	KindTitle  string             `json:"kind_title"`
	Title      string             `json:"title"`
	OrgUnitID  string             `json:"org_unit_id"`
	Role       string             `json:"role"` // the cadre's part in the case, in Chinese
	Status     schemas.CaseStatus `json:"status"`
	Stage      string             `json:"stage"`
	StageTitle string             `json:"stage_title"`
	Outcome    string             `json:"outcome,omitempty"`
	// Finding and Handling are what the process found about the cadre and what followed, as
	// the case recorded them (empty while nothing is found yet).
	Finding  string     `json:"finding,omitempty"`
	Handling string     `json:"handling,omitempty"`
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// Restrictions are the periods the case recorded on the cadre, in force, ended or lifted.
	Restrictions []schemas.Restriction `json:"restrictions"`
}

// fileRoles names the cadre's part in a case of each kind; a kind without an entry (a process
// added later) reads 当事人.
var fileRoles = map[schemas.CaseKind]string{
	schemas.KindReport:          "被反映人",
	schemas.KindTransfer:        "被反映人",
	schemas.KindInquiry:         "函询对象",
	schemas.KindAdmonishment:    "诫勉对象",
	schemas.KindDepartureAudit:  "离任审计对象",
	schemas.KindJointInspection: "被检查领导",
	schemas.KindPublicity:       "公示人选",
	schemas.KindMattersCheck:    "个人有关事项查核对象",
	schemas.KindTalk:            "约谈对象",
	schemas.KindAppraisalCadre:  "述职述廉干部",
	schemas.KindSelection:       "推荐人选",
	schemas.KindEvaluation:      "新选拔干部（评议对象）",
	schemas.KindPublicOpinion:   "舆情涉及干部",
	schemas.KindMattersCycle:    "报告人",
}

// cadreInScope loads the official of the path and checks the reader may read about them (the
// official themself, or an overseer of their org subtree); anything else is 404.
func (s *Server) cadreInScope(c *gin.Context) (*schemas.Official, *schemas.OrgUnit, error) {
	db := s.db.WithContext(c.Request.Context())
	p := principal(c)
	id := c.Param("id")
	var o schemas.Official
	var unit schemas.OrgUnit
	err := db.First(&o, "id = ?", id).Error
	if err == nil {
		err = db.First(&unit, "id = ?", o.OrgUnitID).Error
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, nil, problem(probNotFound, "人员 "+id+" 不存在")
	case err != nil:
		return nil, nil, unavailable("load official", err)
	}
	overseer := p.Roles.HasAny([]schemas.Role{schemas.RoleSupervisor, schemas.RoleLeader, schemas.RoleCadreSection, schemas.RoleAdmin})
	if p.ID != o.ID && !(overseer && p.InSubtree(unit.Path)) {
		return nil, nil, problem(probNotFound, "人员 "+id+" 不存在")
	}
	return &o, &unit, nil
}

func (s *Server) cadreFile(c *gin.Context) error {
	o, unit, err := s.cadreInScope(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	db := s.db.WithContext(ctx)
	p := principal(c)
	recused, err := s.subjectCases(c, p.ID)
	if err != nil {
		return err
	}
	about := db.Model(&schemas.CaseSubject{}).Select("case_id").Where("official_id = ?", o.ID)
	q := s.visibleCases(db.Model(&schemas.Case{}).Select("cases.*"), p).Where("cases.id IN (?)", about)
	if len(recused) > 0 {
		q = q.Where("cases.id NOT IN ?", recused) // 回避: never a case the reader is a subject of
	}
	var rows []schemas.Case
	if err := q.Order("cases.created_at DESC, cases.id DESC").Limit(maxFileEntries + 1).Find(&rows).Error; err != nil {
		return unavailable("list the cadre's cases", err)
	}
	file := CadreFile{
		Official: FileOfficial{ID: o.ID, Name: o.Name, OrgUnitID: unit.ID, OrgUnitName: unit.Name},
		At:       time.Now().UTC(), Entries: []FileEntry{}, InForce: []schemas.Restriction{},
	}
	if len(rows) > maxFileEntries {
		file.Truncated, rows = true, rows[:maxFileEntries]
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var recorded []schemas.Restriction
	if len(ids) > 0 {
		if err := db.Where("official_id = ? AND case_id IN ?", o.ID, ids).Order("starts_at, id").Find(&recorded).Error; err != nil {
			return unavailable("load the cadre's restrictions", err)
		}
	}
	for i := range rows {
		e, err := s.fileEntry(c, &rows[i], o.ID)
		if err != nil {
			return err
		}
		for _, r := range recorded {
			if r.CaseID == e.CaseID {
				e.Restrictions = append(e.Restrictions, r)
			}
		}
		file.Entries = append(file.Entries, e)
	}
	inForce, err := restrictions.Active(ctx, s.db, o.ID, file.At)
	if err != nil {
		return unavailable("load restrictions", err)
	}
	for _, r := range inForce {
		// The cadre reads every restriction on them (as GET .../restrictions shows them); anyone
		// else none from a case they are recused from.
		if p.ID == o.ID || !slices.Contains(recused, r.CaseID) {
			file.InForce = append(file.InForce, r)
		}
	}
	schemas.InAPIForm(&file)
	return reply(c, http.StatusOK, file)
}

// fileEntry reads one case about the cadre: its state (the stored final state of an ended case,
// else the running workflow's) and what the state says about the cadre.
func (s *Server) fileEntry(c *gin.Context, row *schemas.Case, cadreID string) (FileEntry, error) {
	e := FileEntry{
		CaseID: row.ID, Kind: row.Kind, KindTitle: row.Kind.Title(), Title: row.Title, OrgUnitID: row.OrgUnitID,
		Role: fileRoles[row.Kind], Status: row.Status, Stage: row.Stage, Outcome: row.Outcome,
		OpenedAt: row.CreatedAt, ClosedAt: row.ClosedAt, Restrictions: []schemas.Restriction{},
	}
	if e.Role == "" {
		e.Role = "当事人"
	}
	if row.Status != schemas.CaseOpen && row.FinalState == "" {
		return e, nil // ended without a stored state (terminated): the row says what is known
	}
	var st schemas.CaseState
	if err := s.caseState(c, row, &st); err != nil {
		var pe *problemError
		if errors.As(err, &pe) && (pe.kind.slug == probNotFound.slug || pe.kind.slug == probConflict.slug) {
			// Temporal no longer has the workflow (deleted, or its end not yet recorded): the
			// row says what is known, and the rest of the file is still read.
			return e, nil
		}
		return e, err
	}
	e.Stage, e.StageTitle = st.Stage, st.StageTitle
	if st.Outcome != "" {
		e.Outcome = st.Outcome
	}
	e.Finding, e.Handling = stateFinding(&st, cadreID)
	return e, nil
}

// stateFinding is what a case's state recorded about the cadre: the finding and what was done
// about it, for each process that finds something (an admonishment's influence period is in
// the entry's restrictions).
func stateFinding(st *schemas.CaseState, cadreID string) (finding, handling string) {
	switch {
	case st.Report != nil:
		return st.Report.Finding, st.Report.Handling
	case st.Inquiry != nil:
		return st.Inquiry.AnswerFinding, st.Inquiry.Decision
	case st.DepartureAudit != nil:
		return joinNonEmpty(st.DepartureAudit.Finding, st.DepartureAudit.Findings), ""
	case st.JointInspection != nil:
		return joinNonEmpty(st.JointInspection.Finding, st.JointInspection.Findings), st.JointInspection.Accountability
	case st.MattersCheck != nil:
		return string(st.MattersCheck.Finding), st.MattersCheck.Handling
	case st.Talk != nil:
		return talkFinding(st.Talk)
	case st.AppraisalCadre != nil:
		a := st.AppraisalCadre
		if a.Grade != "" {
			finding = a.Period + "年度考核等次：" + schemas.GradeTitle(a.Grade)
		}
		return finding, schemas.AppraisalHandlingTitle(a.Handling)
	case st.Publicity != nil:
		for _, cand := range st.Publicity.Candidates {
			if cand.OfficialID == cadreID {
				return cand.Reason, cand.Decision
			}
		}
	case st.Selection != nil:
		for _, cand := range st.Selection.Candidates {
			if cand.OfficialID == cadreID {
				return selectionFinding(cand)
			}
		}
	case st.Evaluation != nil:
		for _, ec := range st.Evaluation.Cadres {
			if ec.OfficialID == cadreID {
				return evaluationFinding(st.Evaluation.Period, ec)
			}
		}
	case st.PublicOpinion != nil:
		// The cadre is the item's subject (the only official a public-opinion case names).
		po := st.PublicOpinion
		if po.Finding != "" {
			finding = joinNonEmpty("舆情反映"+fileLabel(po.Finding), po.Facts)
		}
		if po.Clarified {
			handling = "已公开澄清"
		}
		return finding, joinNonEmpty(handling, po.Handling)
	case st.MattersCycle != nil:
		for _, r := range st.MattersCycle.Reports {
			if r.ID == cadreID {
				return mattersReportFinding(st.MattersCycle.Year, r)
			}
		}
	}
	return "", ""
}

// selectionFinding is what a selection (P13) recorded about one candidate: how far they came
// (考察对象, the meeting's conclusion, or why they were blocked) and their appointment.
func selectionFinding(c *schemas.SelectionCandidateState) (finding, handling string) {
	switch {
	case c.Blocked != "":
		finding = "未能提名：" + c.Blocked
	case c.Decision != "":
		finding = "讨论决定：" + fileLabel(c.Decision)
	case c.Inspected:
		finding = "确定为考察对象"
	default:
		finding = "推荐人选"
	}
	if c.Appointed {
		handling = "已任职：" + c.ProposedPost
		if c.Probation {
			handling += "，试用期至" + c.ProbationEnds
		}
	}
	return finding, handling
}

// evaluationFinding is what a P9 evaluation recorded about a newly selected cadre: the
// 不满意 share, whether it flagged them for 了解核实, and that verification's outcome.
func evaluationFinding(period string, c *schemas.EvaluationCadreState) (finding, handling string) {
	if c.Disapproval != "" {
		finding = period + "年度民主评议不满意率" + c.Disapproval
	}
	if c.Flagged {
		finding = joinNonEmpty(finding, "列为了解核实对象")
	}
	if c.Outcome != "" {
		handling = joinNonEmpty(fileLabel(c.Outcome), c.Findings)
	}
	return finding, handling
}

// mattersReportFinding is what an annual personal-matters round (P8) recorded about one
// reporter: late or incomplete reports, the late-report finding and its handling, and a draw
// for a check (the check itself is a matters-check case of its own in the file).
func mattersReportFinding(year int, r schemas.MattersReport) (finding, handling string) {
	var parts []string
	if r.Late {
		parts = append(parts, "逾期报告")
	}
	if r.Returned > 0 {
		parts = append(parts, "报告不完整，退回补充"+strconv.Itoa(r.Returned)+"次")
	}
	if r.Finding != "" {
		parts = append(parts, fileLabel(r.Finding))
	}
	if r.CheckCaseID != "" {
		parts = append(parts, "被抽中查核（"+r.CheckCaseID+"）")
	}
	if len(parts) == 0 && r.Status == schemas.ReportComplete {
		parts = append(parts, "按时报告，审核完整")
	}
	if len(parts) > 0 {
		finding = strconv.Itoa(year) + "年度个人有关事项报告：" + strings.Join(parts, "，")
	}
	return finding, r.Handling
}

// talkFinding is what a talk shows in the file: why it was held and how it ended, never the
// record's content (confidential: read in the case by the department's officials).
func talkFinding(t *schemas.TalkState) (finding, handling string) {
	if t.InitiatedBy == schemas.TalkByCadre {
		finding = "本人申请约谈"
		return finding, joinNonEmpty(schemas.TalkSettlementTitle(t.Settlement), schemas.TalkSatisfactionTitle(t.Satisfaction))
	}
	finding = "组织约谈：" + schemas.TalkReasonTitle(t.Reason)
	if t.Confirmed {
		handling = "谈话记录已本人确认"
	}
	return finding, handling
}

func joinNonEmpty(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "：")
}

// fileLabels are the Chinese words of the finding and decision codes processes record.
var fileLabels = map[string]string{
	schemas.AnswerTruthful: "如实说明", schemas.AnswerVague: "说明不清", schemas.AnswerUntrue: "不如实说明",
	schemas.InqClarified: "了结澄清", schemas.InqReminderTalk: "谈话提醒", schemas.InqAdmonish: "诫勉",
	schemas.InqSecondLetter: "再次函询", schemas.InqVerify: "进一步核实", schemas.InqRefer: "移送纪委",
	string(schemas.FindingConsistent): "一致", string(schemas.FindingOmitted): "漏报", string(schemas.FindingConcealed): "瞒报",
	schemas.FindingSubstantiated: "属实", schemas.FindingPartly: "部分属实", schemas.FindingUnfounded: "不属实",
	schemas.FindingUnverifiable: "无法查实", schemas.HandleNone: "不作处理", schemas.HandleInquiry: "函询",
	schemas.HandleOrg: "组织处理", schemas.HandleDiscipline: "移送纪委", schemas.PubProceed: "不影响任职",
	schemas.PubProceedWithReminder: "提醒后任职", schemas.PubRefuse: "不予任职", schemas.PubSuspend: "暂缓任职",
	schemas.SelectionPassed: "通过", schemas.SelectionNotPassed: "未通过", schemas.SelectionDeferred: "缓议",
	schemas.EvalRemindTalk: "谈话提醒", // EvalNoAction and EvalAdmonish share HandleNone and InqAdmonish's codes
	schemas.EvalAdjust:     "组织调整", schemas.LateWithoutCause: "无正当理由不按时报告",
}

// fileLabel shows a recorded code in Chinese (free text as it is).
func fileLabel(code string) string {
	if l, ok := fileLabels[code]; ok {
		return l
	}
	return code
}
