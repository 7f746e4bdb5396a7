package workflows_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jiandu/jiandu/internal/notify"
	"github.com/jiandu/jiandu/schemas"
	"github.com/jiandu/jiandu/workflows"
)

// recipientsOf lists, sorted, who got a notification of kind about the run's task step.
func (r *run) recipientsOf(kind, step string) []string {
	r.t.Helper()
	var ids []string
	if err := r.db.Model(&schemas.Notification{}).Where("kind = ? AND task_id = ?", kind, r.caseID+"."+step).
		Order("official_id").Distinct().Pluck("official_id", &ids).Error; err != nil {
		r.t.Fatal(err)
	}
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// TestRecipientRule puts one step of the default ladder at each kind of body, at league
// (city) and county level, and checks whom every rung reaches (the rule of
// activities/recipients.go): the holders are reminded and get every rung; the overdue notice
// goes to the supervisors of the holder's organization department (its leader when the holders
// are those supervisors); the 催办 to the head of the holder's body (the leader of an
// organization department, the principal of any other body; the leader of its department when
// the head holds the step or is the case's subject); the 督办 to the supervision office one
// level above the office that got the overdue notice, where the 督办 task opens.
func TestRecipientRule(t *testing.T) {
	type want struct{ overdue, urge, escalate []string }
	cases := []struct {
		name      string
		unit      string
		role      schemas.Role
		assignee  string
		subjects  []string
		holders   []string
		want      want
		dubanUnit string
	}{
		// 呼和浩特 (league level): its supervisors 包音, leader 陈静; above them the region's 王建.
		{"city org department (cadre section)", "150100", schemas.RoleCadreSection, "", nil, []string{"wu.gang"},
			want{[]string{"bao.yin"}, []string{"chen.jing"}, []string{"wang.jian"}}, "150000"},
		{"city org department (its supervisors)", "150100", schemas.RoleSupervisor, "", nil, []string{"bao.yin"},
			want{[]string{"chen.jing"}, []string{"chen.jing"}, []string{"wang.jian"}}, "150000"},
		{"city unit (its principal holds it)", "150100-jyj", schemas.RoleUnitPrincipal, "", nil, []string{"zheng.yi"},
			want{[]string{"bao.yin"}, []string{"chen.jing"}, []string{"wang.jian"}}, "150000"},
		{"city unit (a cadre, the principal is the subject)", "150100-jyj", "", "na.ren", []string{"zheng.yi"}, []string{"na.ren"},
			want{[]string{"bao.yin"}, []string{"chen.jing"}, []string{"wang.jian"}}, "150000"},
		{"city unit (a cadre)", "150100-jyj", "", "na.ren", nil, []string{"na.ren"},
			want{[]string{"bao.yin"}, []string{"zheng.yi"}, []string{"wang.jian"}}, "150000"},
		{"city HR", "150100-rs", schemas.RoleHR, "", nil, []string{"liu.yang"},
			want{[]string{"bao.yin"}, []string{"xu.bin"}, []string{"wang.jian"}}, "150000"},
		{"city establishment office", "150100-bb", schemas.RoleEstablishment, "", nil, []string{"tian.yu"},
			want{[]string{"bao.yin"}, []string{"ye.qing"}, []string{"wang.jian"}}, "150000"},
		{"city audit", "150100-sj", schemas.RoleAuditor, "", nil, []string{"su.he"},
			want{[]string{"bao.yin"}, []string{"qiao.lan"}, []string{"wang.jian"}}, "150000"},
		{"city discipline commission", "150100-jw", schemas.RoleDiscipline, "", nil, []string{"gao.feng"},
			want{[]string{"bao.yin"}, []string{"ren.jie"}, []string{"wang.jian"}}, "150000"},
		// 土默特左旗 (county level): supervisor 胡军, leader 郭红; above them 包音 at the league.
		{"county org department (cadre section)", "150121", schemas.RoleCadreSection, "", nil, []string{"wang.hai"},
			want{[]string{"hu.jun"}, []string{"guo.hong"}, []string{"bao.yin"}}, "150100"},
		{"county org department (its supervisors)", "150121", schemas.RoleSupervisor, "", nil, []string{"hu.jun"},
			want{[]string{"guo.hong"}, []string{"guo.hong"}, []string{"bao.yin"}}, "150100"},
		{"county unit (its principal holds it)", "150121-slj", schemas.RoleUnitPrincipal, "", nil, []string{"han.bo"},
			want{[]string{"hu.jun"}, []string{"guo.hong"}, []string{"bao.yin"}}, "150100"},
		{"county unit (a cadre)", "150121-slj", "", "wuyun", nil, []string{"wuyun"},
			want{[]string{"hu.jun"}, []string{"han.bo"}, []string{"bao.yin"}}, "150100"},
		{"county HR", "150121-rs", schemas.RoleHR, "", nil, []string{"tang.li"},
			want{[]string{"hu.jun"}, []string{"xie.hui"}, []string{"bao.yin"}}, "150100"},
		{"county establishment office", "150121-bb", schemas.RoleEstablishment, "", nil, []string{"feng.yu"},
			want{[]string{"hu.jun"}, []string{"pan.yun"}, []string{"bao.yin"}}, "150100"},
		{"county audit", "150121-sj", schemas.RoleAuditor, "", nil, []string{"zhu.yan"},
			want{[]string{"hu.jun"}, []string{"song.wei"}, []string{"bao.yin"}}, "150100"},
		{"county discipline commission", "150121-jw", schemas.RoleDiscipline, "", nil, []string{"sarula"},
			want{[]string{"hu.jun"}, []string{"lin.feng"}, []string{"bao.yin"}}, "150100"},
		// The region's own supervisors: nobody above, so the 督办 tells the region's leader and
		// opens no task for the very office that is late.
		{"region org department (its supervisors)", "150000", schemas.RoleSupervisor, "", nil, []string{"wang.jian"},
			want{[]string{"zhao.min"}, []string{"zhao.min"}, []string{"zhao.min"}}, ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRun(t, fmt.Sprintf("inquiry-2026-%04d", 100+i), mustTime(t, "2026-11-02 09:00:00"))
			r.env.RegisterWorkflow(workflows.StepProbe)
			r.at("2026-11-30 10:00", func() {
				r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "测试结束"})
			})
			r.env.ExecuteWorkflow(workflows.StepProbe, workflows.ProbeInput{
				CaseID: r.caseID, OrgUnitID: tc.unit, Role: tc.role, AssigneeID: tc.assignee, Subjects: tc.subjects,
			})
			r.state()
			check := func(kind string, others []string) {
				t.Helper()
				if got, want := r.recipientsOf(kind, "probe"), sorted(append(slices.Clone(tc.holders), others...)...); !slices.Equal(got, want) {
					t.Errorf("%s reached %v, want %v", kind, got, want)
				}
			}
			check(notify.KindReminder, nil)
			check(notify.KindOverdue, tc.want.overdue)
			check(notify.KindUrge, tc.want.urge)
			check(notify.KindEscalation, tc.want.escalate)
			var duban schemas.Task
			err := r.db.First(&duban, "id = ?", r.caseID+".probe-duban").Error
			switch {
			case tc.dubanUnit == "" && err == nil:
				t.Errorf("a 督办 task opened at %s", duban.OrgUnitID)
			case tc.dubanUnit != "" && (err != nil || duban.OrgUnitID != tc.dubanUnit):
				t.Errorf("督办 task %+v (%v), want it at %s", duban, err, tc.dubanUnit)
			}
			for _, s := range tc.subjects {
				var n int64
				r.db.Model(&schemas.Notification{}).Where("official_id = ? AND case_id = ?", s, r.caseID).Count(&n)
				if n > 0 {
					t.Errorf("the subject %s was told %d times", s, n)
				}
			}
			var gaps int64
			r.db.Model(&schemas.Notification{}).Where("dedup_key LIKE ?", "config-gap/%").Count(&gaps)
			if gaps > 0 {
				t.Errorf("%d configuration gaps reported in a fully staffed tree", gaps)
			}
		})
	}
}

// TestRecipientRuleGap: a step at a county office with nobody in it (新城区委组织部). Its
// rungs reach the next people up (the league's supervisors and leader, the region's office for
// the 督办), and the root office's admin is told once of each missing role.
func TestRecipientRuleGap(t *testing.T) {
	r := newRun(t, "inquiry-2026-0200", mustTime(t, "2026-11-02 09:00:00"))
	r.env.RegisterWorkflow(workflows.StepProbe)
	r.at("2026-11-30 10:00", func() {
		r.update("cancel", schemas.UpdateCancelCase, schemas.CancelCaseRequest{Actor: r.actor("bao.yin"), Reason: "测试结束"})
	})
	r.env.ExecuteWorkflow(workflows.StepProbe, workflows.ProbeInput{CaseID: r.caseID, OrgUnitID: "150102", Role: schemas.RoleCadreSection})
	r.state()
	for kind, want := range map[string][]string{
		notify.KindOverdue: {"bao.yin"}, notify.KindUrge: {"chen.jing"}, notify.KindEscalation: {"wang.jian"},
	} {
		if got := r.recipientsOf(kind, "probe"); !slices.Equal(got, want) {
			t.Errorf("%s reached %v, want %v", kind, got, want)
		}
	}
	var keys []string
	r.db.Model(&schemas.Notification{}).Where("official_id = ? AND dedup_key LIKE ?", "admin", "config-gap/%").Order("dedup_key").Pluck("dedup_key", &keys)
	want := []string{"config-gap/150102/cadre_section/admin", "config-gap/150102/leader/admin", "config-gap/150102/supervisor/admin"}
	if !slices.Equal(keys, want) {
		t.Fatalf("gaps reported %v, want %v", keys, want)
	}
	var title string
	r.db.Model(&schemas.Notification{}).Where("dedup_key = ?", want[0]).Pluck("title", &title)
	if !strings.Contains(title, "新城区委组织部") {
		t.Errorf("gap title %q", title)
	}
}
