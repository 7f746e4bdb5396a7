package schemas

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jiandu/jiandu/internal/calendar"
)

// KindEvaluation is 一报告两评议 (P9): the standing committee's annual report on its selection
// work to the plenary, and the plenary's evaluation of the work and of the year's new cadres.
const KindEvaluation CaseKind = "evaluation"

// MaxEvaluationCadres is the most new cadres one round evaluates.
const MaxEvaluationCadres = 50

// MaxEvaluationForms is the most evaluation forms one meeting issues.
const MaxEvaluationForms = 100000

// EvaluationInput starts one round (DOMAIN.md P9). CycleStart.OrgUnitID is the organization
// department of the Party committee whose selection work is evaluated; the superior
// organization department (the nearest one above) schedules, reviews, tallies and feeds back.
// CycleStart.Period is the year evaluated ("2026").
type EvaluationInput struct {
	CycleStart
	Title    string   `json:"title"`
	Priority Priority `json:"priority"`
	// Cadres are the year's newly promoted cadres evaluated one by one (entered at the start;
	// a later P13 feeds them).
	Cadres []EvaluationCadre `json:"cadres,omitempty"`
	// Thresholds are the [policy] thresholds of this round; zero fields take the defaults.
	Thresholds EvaluationThresholds `json:"thresholds"`
}

// EvaluationCadre is one newly promoted cadre evaluated in the round.
type EvaluationCadre struct {
	ID         string `json:"id"` // c1, c2, … within the case
	OfficialID string `json:"official_id"`
	Name       string `json:"name"`
	UnitID     string `json:"unit_id"`
	UnitName   string `json:"unit_name"`
	Post       string `json:"post"` // the post they were promoted to
}

// Ratio is an exact fraction Num/Den, for thresholds.
type Ratio struct {
	Num int `json:"num"`
	Den int `json:"den"`
}

// String shows the ratio as a percentage ("33.3%").
func (r Ratio) String() string {
	if r.Den == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(r.Num)*100/float64(r.Den), 'f', 1, 64) + "%"
}

// EvaluationThresholds are the [policy] thresholds of DOMAIN.md P9, configurable per round.
type EvaluationThresholds struct {
	// CadreUnsatisfied: a cadre whose 不满意 share of the valid forms (不了解 excluded) is above
	// it is verified (了解核实). Default 1/3.
	CadreUnsatisfied Ratio `json:"cadre_unsatisfied"`
	// WorkSatisfied: the work's 满意+基本满意 share below it opens a rectification. Default 80%.
	WorkSatisfied Ratio `json:"work_satisfied"`
	// DropPoints: a fall of the work's share by more than this many percentage points against
	// last year's round of the same org unit opens a rectification. Default 10.
	DropPoints int `json:"drop_points"`
}

// DefaultEvaluationThresholds are DOMAIN.md P9's: 1/3, 80%, 10 points.
func DefaultEvaluationThresholds() EvaluationThresholds {
	return EvaluationThresholds{CadreUnsatisfied: Ratio{1, 3}, WorkSatisfied: Ratio{80, 100}, DropPoints: 10}
}

// WithDefaults fills the zero thresholds with the defaults.
func (t EvaluationThresholds) WithDefaults() EvaluationThresholds {
	d := DefaultEvaluationThresholds()
	if t.CadreUnsatisfied.Den == 0 {
		t.CadreUnsatisfied = d.CadreUnsatisfied
	}
	if t.WorkSatisfied.Den == 0 {
		t.WorkSatisfied = d.WorkSatisfied
	}
	if t.DropPoints == 0 {
		t.DropPoints = d.DropPoints
	}
	return t
}

// Check names each threshold that is out of range (a field error of the start body).
func (t EvaluationThresholds) Check() []FieldIssue {
	var out []FieldIssue
	for _, r := range []struct {
		field string
		r     Ratio
	}{{"thresholds.cadre_unsatisfied", t.CadreUnsatisfied}, {"thresholds.work_satisfied", t.WorkSatisfied}} {
		if r.r.Den <= 0 || r.r.Num <= 0 || r.r.Num > r.r.Den || r.r.Den > 1000 {
			out = append(out, FieldIssue{Field: r.field, Message: "须为0至1之间的比例（num/den，0 < num ≤ den ≤ 1000）"})
		}
	}
	if t.DropPoints < 1 || t.DropPoints > 100 {
		out = append(out, FieldIssue{Field: "thresholds.drop_points", Message: "须为1至100的百分点"})
	}
	return out
}

// EvaluationPeriod is the year a round opening at t evaluates: the previous year (the round
// opens in January).
func EvaluationPeriod(t time.Time) string {
	return strconv.Itoa(t.In(calendar.Location()).Year() - 1)
}

// The options of an evaluation form, for the work and for each cadre.
const (
	OptSatisfied   = "satisfied"   // 满意
	OptBasic       = "basic"       // 基本满意
	OptUnsatisfied = "unsatisfied" // 不满意
	OptUnknown     = "unknown"     // 不了解
)

// EvaluationOptions lists the options in form order.
var EvaluationOptions = []string{OptSatisfied, OptBasic, OptUnsatisfied, OptUnknown}

// EvaluationOptionTitle is an option's Chinese name.
func EvaluationOptionTitle(opt string) string {
	return map[string]string{OptSatisfied: "满意", OptBasic: "基本满意", OptUnsatisfied: "不满意", OptUnknown: "不了解"}[opt]
}

// Tally is the count of forms per option for the work or for one cadre; never a ballot.
type Tally struct {
	Satisfied   int `json:"satisfied"`
	Basic       int `json:"basic"`
	Unsatisfied int `json:"unsatisfied"`
	Unknown     int `json:"unknown"`
}

// Total is every form counted.
func (t Tally) Total() int { return t.Satisfied + t.Basic + t.Unsatisfied + t.Unknown }

// Valid is the forms that count for the shares: 不了解 excluded.
func (t Tally) Valid() int { return t.Satisfied + t.Basic + t.Unsatisfied }

// Approval is the 满意+基本满意 share of the valid forms.
func (t Tally) Approval() Ratio { return Ratio{t.Satisfied + t.Basic, t.Valid()} }

// Disapproval is the 不满意 share of the valid forms.
func (t Tally) Disapproval() Ratio { return Ratio{t.Unsatisfied, t.Valid()} }

// Above reports whether r > limit, exactly; a ratio with no denominator is not above.
func (r Ratio) Above(limit Ratio) bool {
	return r.Den > 0 && limit.Den > 0 && int64(r.Num)*int64(limit.Den) > int64(limit.Num)*int64(r.Den)
}

// Below reports whether r < limit, exactly; a ratio with no denominator is not below.
func (r Ratio) Below(limit Ratio) bool {
	return r.Den > 0 && limit.Den > 0 && int64(r.Num)*int64(limit.Den) < int64(limit.Num)*int64(r.Den)
}

// DroppedBy reports whether now fell against before by more than points percentage points.
func (now Ratio) DroppedBy(before Ratio, points int) bool {
	if now.Den <= 0 || before.Den <= 0 {
		return false
	}
	// before − now > points/100  ⇔  100·(b.N·n.D − n.N·b.D) > points·b.D·n.D
	diff := int64(before.Num)*int64(now.Den) - int64(now.Num)*int64(before.Den)
	return 100*diff > int64(points)*int64(before.Den)*int64(now.Den)
}

// EvaluationTallies are the supervisor's tallies of one meeting.
type EvaluationTallies struct {
	Issued   int              `json:"issued"`   // forms issued
	Returned int              `json:"returned"` // forms returned
	Work     Tally            `json:"work"`
	Cadres   map[string]Tally `json:"cadres,omitempty"` // by cadre id (c1, …)
}

// Tally form fields: forms_issued, forms_returned, work_<option>, <cadre id>_<option>.
const (
	TallyIssuedField   = "forms_issued"
	TallyReturnedField = "forms_returned"
)

// TallyField is the form field of an option for the work ("work") or a cadre ("c1").
func TallyField(who, opt string) string { return who + "_" + opt }

// ParseTallies reads the tally step's form (counts as decimal text: a web form sends text) for
// the cadres, checking every count and the sums: counts are whole numbers from 0, the forms
// returned are at most those issued, and the options of the work and of each cadre sum to at
// most the forms returned. Issues name the form field in Chinese.
func ParseTallies(form map[string]any, cadres []EvaluationCadre) (EvaluationTallies, []FieldIssue) {
	var issues []FieldIssue
	count := func(name, label string) int {
		raw, present := form[name]
		s, _ := raw.(string)
		s = strings.TrimSpace(s)
		if !present || s == "" {
			issues = append(issues, FieldIssue{Field: "form." + name, Message: label + "：必填"})
			return 0
		}
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || strings.HasPrefix(s, "+"):
			issues = append(issues, FieldIssue{Field: "form." + name, Message: label + "：须为非负整数"})
		case n < 0:
			issues = append(issues, FieldIssue{Field: "form." + name, Message: label + "：不得为负数"})
		case n > MaxEvaluationForms:
			issues = append(issues, FieldIssue{Field: "form." + name, Message: fmt.Sprintf("%s：不得超过%d", label, MaxEvaluationForms)})
		default:
			return n
		}
		return 0
	}
	tally := func(who, title string) Tally {
		c := map[string]int{}
		for _, opt := range EvaluationOptions {
			c[opt] = count(TallyField(who, opt), title+EvaluationOptionTitle(opt)+"票数")
		}
		return Tally{Satisfied: c[OptSatisfied], Basic: c[OptBasic], Unsatisfied: c[OptUnsatisfied], Unknown: c[OptUnknown]}
	}
	var t EvaluationTallies
	t.Issued = count(TallyIssuedField, "发出评议表数")
	t.Returned = count(TallyReturnedField, "收回评议表数")
	if t.Returned > t.Issued {
		issues = append(issues, FieldIssue{Field: "form." + TallyReturnedField,
			Message: fmt.Sprintf("收回评议表数（%d）不得多于发出数（%d）", t.Returned, t.Issued)})
	}
	sums := func(who, title string, x Tally) {
		if x.Total() > t.Returned {
			issues = append(issues, FieldIssue{Field: "form." + TallyField(who, OptSatisfied),
				Message: fmt.Sprintf("%s各项票数之和（%d）不得多于收回评议表数（%d）", title, x.Total(), t.Returned)})
		}
	}
	t.Work = tally("work", "工作评议")
	sums("work", "工作评议", t.Work)
	if t.Work.Valid() == 0 && len(issues) == 0 {
		issues = append(issues, FieldIssue{Field: "form." + TallyField("work", OptSatisfied),
			Message: "工作评议有效票（满意、基本满意、不满意）合计须大于0"})
	}
	for _, c := range cadres {
		if t.Cadres == nil {
			t.Cadres = map[string]Tally{}
		}
		x := tally(c.ID, c.Name)
		sums(c.ID, c.Name, x)
		t.Cadres[c.ID] = x
	}
	return t, issues
}

// TallyForm is the tally step's form: the forms issued and returned, then the work's options,
// then each cadre's.
func TallyForm(cadres []EvaluationCadre) []FormField {
	field := func(name, label string) FormField {
		return FormField{Name: name, Label: label, Type: FieldText, Required: true, MaxLen: 7}
	}
	form := []FormField{field(TallyIssuedField, "发出评议表数"), field(TallyReturnedField, "收回评议表数")}
	for _, opt := range EvaluationOptions {
		form = append(form, field(TallyField("work", opt), "选人用人工作评议："+EvaluationOptionTitle(opt)))
	}
	for _, c := range cadres {
		for _, opt := range EvaluationOptions {
			form = append(form, field(TallyField(c.ID, opt), c.Name+"（"+c.Post+"）："+EvaluationOptionTitle(opt)))
		}
	}
	return form
}

// Outcomes of the 了解核实 of a flagged cadre (DOMAIN.md P9 step 5).
const (
	EvalNoAction   = "none"        // 无需处理
	EvalRemindTalk = "remind_talk" // 谈话提醒
	EvalAdmonish   = "admonish"    // 诫勉 (a P4 case)
	EvalAdjust     = "adjust"      // 组织调整 (recorded)
)

// EvaluationPrevious is last year's round of the same org unit, read when the tallies are in.
type EvaluationPrevious struct {
	CaseID string `json:"case_id"`
	Period string `json:"period"`
	// Approval is its work's 满意+基本满意 share.
	Approval Ratio `json:"approval"`
}

// EvaluationCadreState is one evaluated cadre in the case state.
type EvaluationCadreState struct {
	EvaluationCadre
	Tally       *Tally `json:"tally,omitempty"`
	Disapproval string `json:"disapproval,omitempty"` // 不满意 share, shown ("40.0%")
	Flagged     bool   `json:"flagged"`
	// The verification of a flagged cadre: its outcome, findings and the linked P4 case.
	Outcome      string `json:"outcome,omitempty"`
	Findings     string `json:"findings,omitempty"`
	LinkedCaseID string `json:"linked_case_id,omitempty"`
}

// EvaluationMeeting is the scheduled plenary meeting.
type EvaluationMeeting struct {
	Date  string `json:"date"` // YYYY-MM-DD
	Place string `json:"place"`
}

// EvaluationState is the evaluation part of CaseState.
type EvaluationState struct {
	Period           string               `json:"period"`
	SuperiorOfficeID string               `json:"superior_office_id"`
	Thresholds       EvaluationThresholds `json:"thresholds"`
	Meeting          *EvaluationMeeting   `json:"meeting,omitempty"`
	ReportApprovedAt *time.Time           `json:"report_approved_at,omitempty"`
	HeldOn           string               `json:"held_on,omitempty"` // the meeting's date as held
	Issued           int                  `json:"issued"`
	Returned         int                  `json:"returned"`
	Work             *Tally               `json:"work,omitempty"`
	// Approval is the work's 满意+基本满意 share of the valid forms.
	Approval *Ratio                  `json:"approval,omitempty"`
	Previous *EvaluationPrevious     `json:"previous,omitempty"`
	Cadres   []*EvaluationCadreState `json:"cadres"`
	// Low: the approval is below the threshold; Dropped: it fell by more than the threshold's
	// points against Previous. Either opens the rectification.
	Low      bool   `json:"low"`
	Dropped  bool   `json:"dropped"`
	Feedback string `json:"feedback,omitempty"`
	// RectificationPlan and RectificationRounds: the rectification, when there is one.
	RectificationPlan   string     `json:"rectification_plan,omitempty"`
	RectificationRounds int        `json:"rectification_rounds,omitempty"`
	Rectified           bool       `json:"rectified,omitempty"`
	ReportedAt          *time.Time `json:"reported_at,omitempty"`
}
