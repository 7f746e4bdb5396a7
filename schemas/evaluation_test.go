package schemas

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

var testCadres = []EvaluationCadre{{ID: "c1", Name: "韩博", Post: "局长"}}

// tallyOf is a complete form: issued, returned, the work's four counts and c1's.
func tallyOf(issued, returned int, work, c1 [4]int) map[string]any {
	f := map[string]any{TallyIssuedField: strconv.Itoa(issued), TallyReturnedField: strconv.Itoa(returned)}
	for i, opt := range EvaluationOptions {
		f[TallyField("work", opt)] = strconv.Itoa(work[i])
		f[TallyField("c1", opt)] = strconv.Itoa(c1[i])
	}
	return f
}

func TestParseTallies(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		got, issues := ParseTallies(tallyOf(100, 98, [4]int{60, 20, 10, 8}, [4]int{50, 20, 20, 8}), testCadres)
		if len(issues) > 0 {
			t.Fatal(issues)
		}
		if got.Issued != 100 || got.Returned != 98 || got.Work != (Tally{60, 20, 10, 8}) || got.Cadres["c1"] != (Tally{50, 20, 20, 8}) {
			t.Fatalf("%+v", got)
		}
	})
	for _, tt := range []struct {
		name        string
		form        map[string]any
		field, want string
	}{
		{"returned over issued", tallyOf(90, 91, [4]int{1, 0, 0, 0}, [4]int{}), "form.forms_returned", "不得多于发出数"},
		{"returned equal to issued is fine, sum one over", tallyOf(90, 90, [4]int{90, 0, 0, 1}, [4]int{}), "form.work_satisfied", "不得多于收回评议表数"},
		{"cadre sum over returned", tallyOf(90, 90, [4]int{1, 0, 0, 0}, [4]int{45, 45, 1, 0}), "form.c1_satisfied", "韩博各项票数之和（91）"},
		{"negative", func() map[string]any {
			f := tallyOf(90, 90, [4]int{1, 0, 0, 0}, [4]int{})
			f["c1_unknown"] = "-1"
			return f
		}(), "form.c1_unknown", "不得为负数"},
		{"not a number", func() map[string]any {
			f := tallyOf(90, 90, [4]int{1, 0, 0, 0}, [4]int{})
			f["work_basic"] = "十"
			return f
		}(), "form.work_basic", "工作评议基本满意票数：须为非负整数"},
		{"missing", func() map[string]any {
			f := tallyOf(90, 90, [4]int{1, 0, 0, 0}, [4]int{})
			delete(f, "forms_issued")
			return f
		}(), "form.forms_issued", "发出评议表数：必填"},
		{"no valid forms on the work", tallyOf(90, 90, [4]int{0, 0, 0, 5}, [4]int{}), "form.work_satisfied", "有效票"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, issues := ParseTallies(tt.form, testCadres)
			for _, is := range issues {
				if is.Field == tt.field && strings.Contains(is.Message, tt.want) {
					return
				}
			}
			t.Fatalf("want %s: …%s…, got %v", tt.field, tt.want, issues)
		})
	}
}

// TestEvaluationThresholds: the boundaries of DOMAIN.md P9 — 不满意 exactly 1/3 of the valid
// forms is not flagged, one more is; exactly 80% is not low, just below is; a drop of exactly
// 10 points is not a drop, just over is. 不了解 never counts.
func TestEvaluationThresholds(t *testing.T) {
	th := DefaultEvaluationThresholds()
	for _, tt := range []struct {
		tally Tally
		want  bool
	}{
		{Tally{Satisfied: 40, Basic: 20, Unsatisfied: 30, Unknown: 50}, false}, // 30/90 = 1/3
		{Tally{Satisfied: 40, Basic: 19, Unsatisfied: 30, Unknown: 50}, true},  // 30/89
		{Tally{Unsatisfied: 1}, true},
		{Tally{Unknown: 10}, false}, // no valid forms
	} {
		if got := tt.tally.Disapproval().Above(th.CadreUnsatisfied); got != tt.want {
			t.Errorf("%+v flagged %v", tt.tally, got)
		}
	}
	for _, tt := range []struct {
		tally Tally
		want  bool
	}{
		{Tally{Satisfied: 50, Basic: 30, Unsatisfied: 20, Unknown: 7}, false}, // 80/100 = 80%
		{Tally{Satisfied: 50, Basic: 29, Unsatisfied: 21}, true},              // 79%
		{Tally{Satisfied: 399, Basic: 0, Unsatisfied: 100}, true},             // 79.96%: shown as 80.0%, still below
	} {
		low := tt.tally.Approval().Below(th.WorkSatisfied)
		if low != tt.want {
			t.Errorf("%+v low %v", tt.tally, low)
		}
	}
	last := Ratio{95, 100}
	if (Ratio{85, 100}).DroppedBy(last, th.DropPoints) {
		t.Error("exactly 10 points is a drop")
	}
	if !(Ratio{84, 100}).DroppedBy(last, th.DropPoints) {
		t.Error("11 points is not a drop")
	}
	if !(Ratio{169, 200}).DroppedBy(last, th.DropPoints) { // 84.5%: 10.5 points
		t.Error("10.5 points is not a drop")
	}
	if (Ratio{99, 100}).DroppedBy(Ratio{}, th.DropPoints) {
		t.Error("a drop against no previous round")
	}
}

func TestEvaluationThresholdsCheck(t *testing.T) {
	if issues := DefaultEvaluationThresholds().Check(); len(issues) > 0 {
		t.Fatal(issues)
	}
	if got := (EvaluationThresholds{}).WithDefaults(); got != DefaultEvaluationThresholds() {
		t.Fatalf("defaults %+v", got)
	}
	bad := EvaluationThresholds{CadreUnsatisfied: Ratio{2, 1}, WorkSatisfied: Ratio{0, 100}, DropPoints: 101}
	if issues := bad.Check(); len(issues) != 3 {
		t.Fatalf("issues %v", issues)
	}
}

func TestEvaluationCycle(t *testing.T) {
	var found bool
	for _, c := range Cycles() {
		if c.Kind != KindEvaluation {
			continue
		}
		found = true
		jan := time.Date(2027, 1, 1, 0, 30, 0, 0, time.FixedZone("CST", 8*3600))
		if c.Day != 1 || len(c.Months) != 1 || c.Months[0] != 1 || c.Period(jan) != "2026" {
			t.Fatalf("cycle %+v period %s", c, c.Period(jan))
		}
		in, ok := c.Input(CycleStart{CaseID: "evaluation-2027-0001", OrgUnitID: "150121", Period: "2026", CreatedBy: "system"}).(EvaluationInput)
		if !ok || in.Period != "2026" || in.OrgUnitID != "150121" || in.Thresholds != DefaultEvaluationThresholds() {
			t.Fatalf("input %+v", in)
		}
	}
	if !found || !KindEvaluation.Valid() {
		t.Fatal("P9 is not registered as a cycle and a process")
	}
}
