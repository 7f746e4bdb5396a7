package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// seedConfidentialTalk stores a closed 双向约谈 of 呼和浩特市委组织部 about 巴图 (its final state
// in the workflow's own types), with its audit trail, a document, a routing step held by a
// second cadre-section official 齐乐 (added here) and the cadre's own confirmation step.
func seedConfidentialTalk(t *testing.T, gdb *gorm.DB, h *harness) (caseID, fileID, routeTask, confirmTask string) {
	t.Helper()
	caseID, routeTask, confirmTask = "talk-2026-0001", "talk-2026-0001.route", "talk-2026-0001.confirm"
	now := time.Now().UTC().Truncate(time.Second)
	if err := gdb.Create(&schemas.Official{ID: "qi.le", Name: "齐乐", OrgUnitID: "150100", Roles: schemas.Roles{schemas.RoleCadreSection}}).Error; err != nil {
		t.Fatal(err)
	}
	st := schemas.CaseState{ID: caseID, Kind: schemas.KindTalk, Title: "巴图同志申请约谈", OrgUnitID: "150100", Status: schemas.CaseClosed,
		Stage: "closed", StageTitle: "已完成", Subjects: []string{"batu"},
		Talk: &schemas.TalkState{InitiatedBy: schemas.TalkByCadre, CadreID: "batu", CadreName: "巴图", CadreUnitID: "150100-jyj",
			Grounds: "个人工作安排", Route: "section", Confirmed: true, Settlement: schemas.TalkSettleOnSpot, Answer: "当场答复"}}
	final, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	row := schemas.Case{ID: caseID, Kind: schemas.KindTalk, Year: 2026, Seq: 1, Title: st.Title, OrgUnitID: "150100",
		Status: schemas.CaseClosed, Stage: "closed", CreatedBy: "batu", CreatedAt: now.Add(-time.Hour), UpdatedAt: now, ClosedAt: &now,
		FinalState: string(final)}
	holder, cadre := "qi.le", "batu"
	rows := []any{&row,
		&schemas.CaseSubject{CaseID: caseID, OfficialID: "batu", AddedBy: "system", Reason: "约谈对象", CreatedAt: now},
		&schemas.Task{ID: routeTask, CaseID: caseID, WorkflowID: caseID, CaseKind: schemas.KindTalk, StepKey: "route", Step: "route",
			Title: "安排约谈", OrgUnitID: "150100", AssigneeRole: schemas.RoleCadreSection, ClaimedBy: &holder,
			Status: schemas.TaskCompleted, CompletedBy: &holder, CreatedAt: now.Add(-time.Hour)},
		&schemas.Task{ID: confirmTask, CaseID: caseID, WorkflowID: caseID, CaseKind: schemas.KindTalk, StepKey: "confirm", Step: "confirm",
			Title: "确认谈话记录", OrgUnitID: "150100-jyj", AssigneeRole: schemas.RoleSupervisedCadre, AssigneeID: &cadre, ForSubject: true,
			Status: schemas.TaskCompleted, CompletedBy: &cadre, CreatedAt: now.Add(-time.Minute)},
	}
	for _, r := range rows {
		if err := gdb.Create(r).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := audit.Append(gdb, &schemas.AuditEvent{CaseID: caseID, At: now, Actor: "qi.le", Action: "task.completed", TaskID: routeTask, DedupKey: routeTask + "/completed"}); err != nil {
		t.Fatal(err)
	}
	data := []byte("谈话记录（保密）")
	b, err := h.srv.files.Store.Put(t.Context(), data, false)
	if err != nil {
		t.Fatal(err)
	}
	fileID = "f-talk-record"
	if err := gdb.Create(&schemas.File{ID: fileID, SHA256: b.SHA256, Size: int64(len(data)), ContentType: "text/plain; charset=utf-8",
		Name: "谈话记录.txt", CaseID: &caseID, TaskID: &routeTask, Field: "record", AddedBy: "qi.le", AddedAt: now}).Error; err != nil {
		t.Fatal(err)
	}
	return caseID, fileID, routeTask, confirmTask
}

// TestConfidentialReadScope: the cases of a kind with a read scope (双向约谈, DOMAIN.md P12
// "Records confidential") are read by office only by the scope's roles, over every read path —
// the case, the case list, the audit trail, the files list, a file and its content, the cadre's
// file and the web case page; the other officials of the same office (12380 clerk,
// investigator, cadre section) and the administrator get 404 or do not see it, while the holder
// of one of its steps still reads it and the cadre reads only their own step.
func TestConfidentialReadScope(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h := newHarness(t, gdb, nil)
		caseID, fileID, routeTask, confirmTask := seedConfidentialTalk(t, gdb, h)
		type reader struct {
			id       string
			reads    bool // the case by any path
			file     int  // GET /officials/batu/file: 404 out of scope, else 200 listing the case when reads
			routeRes int  // GET /tasks/{route}
		}
		for _, r := range []reader{
			{"bao.yin", true, 200, 200},   // supervisor of the office
			{"chen.jing", true, 200, 200}, // leader of the office
			{"wang.jian", true, 200, 200}, // supervisor of the office above
			{"zhao.min", true, 200, 404},  // leader of the office above (tasks: own office only, as before)
			{"qi.le", true, 200, 200},     // cadre section, held the routing step
			{"he.ping", false, 404, 404},  // 12380 clerk of the office
			{"ma.lin", false, 404, 404},   // investigator of the office
			{"wu.gang", false, 200, 404},  // cadre section of the office, no step
			{"li.hua", false, 200, 404},   // cadre section above
			{"admin", false, 200, 404},    // system administrator above
			{"hu.jun", false, 404, 404},   // supervisor of a lower office (never read upwards)
			{"batu", false, 200, 404},     // the cadre: recused (403) from the case, own file without it
		} {
			t.Run(r.id, func(t *testing.T) {
				tok := h.token(r.id)
				want := http.StatusNotFound
				if r.reads {
					want = http.StatusOK
				}
				for _, path := range []string{
					"/api/v1/cases/" + caseID, "/api/v1/cases/" + caseID + "/audit", "/api/v1/cases/" + caseID + "/files",
					"/api/v1/files/" + fileID, "/api/v1/files/" + fileID + "/content",
				} {
					w := want
					if r.id == "batu" && !strings.HasPrefix(path, "/api/v1/files/") {
						w = http.StatusForbidden // 回避, as for any case the cadre is the subject of
					}
					if res := h.do("GET", path, tok, nil); res.status != w {
						t.Errorf("GET %s: %d, want %d: %s", path, res.status, w, res.body)
					}
				}
				var list struct {
					Items []schemas.Case `json:"items"`
				}
				h.do("GET", "/api/v1/cases?kind=talk", tok, nil).json(t, &list)
				listed := slices.ContainsFunc(list.Items, func(c schemas.Case) bool { return c.ID == caseID })
				if listed != r.reads {
					t.Errorf("case list shows the talk: %v, want %v", listed, r.reads)
				}
				res := h.do("GET", "/api/v1/officials/batu/file", tok, nil)
				if res.status != r.file {
					t.Fatalf("cadre file: %d, want %d: %s", res.status, r.file, res.body)
				}
				if res.status == http.StatusOK {
					var f CadreFile
					res.json(t, &f)
					inFile := slices.ContainsFunc(f.Entries, func(e FileEntry) bool { return e.CaseID == caseID })
					if inFile != r.reads {
						t.Errorf("cadre file lists the talk: %v, want %v", inFile, r.reads)
					}
				}
				if res := h.do("GET", "/api/v1/tasks/"+routeTask, tok, nil); res.status != r.routeRes {
					t.Errorf("routing step: %d, want %d: %s", res.status, r.routeRes, res.body)
				}
			})
		}
		// The cadre reads the step addressed to them, and only that.
		if res := h.do("GET", "/api/v1/tasks/"+confirmTask, h.token("batu"), nil); res.status != http.StatusOK {
			t.Fatalf("the cadre's own step: %d %s", res.status, res.body)
		}
		// The office-wide inbox (scope=org) leaves out the talk's steps for an administrator,
		// and keeps them for a supervisor.
		for id, want := range map[string]bool{"admin": false, "wang.jian": true} {
			var tasks struct {
				Items []TaskResponse `json:"items"`
			}
			h.do("GET", "/api/v1/tasks?scope=org&status=all", h.token(id), nil).json(t, &tasks)
			has := slices.ContainsFunc(tasks.Items, func(x TaskResponse) bool { return x.CaseID == caseID })
			if has != want {
				t.Errorf("%s: scope=org lists the talk's steps: %v, want %v", id, has, want)
			}
		}
		// The web case page asks the API as the signed-in official, so it obeys the same rule.
		base := newWebServer(t, gdb, WebDeps{})
		for id, want := range map[string]int{"bao.yin": http.StatusOK, "qi.le": http.StatusOK, "wu.gang": http.StatusNotFound, "ma.lin": http.StatusNotFound} {
			setPassword(t, gdb, id, "confidential-pass-1", false)
			w := newWebClient(t, base)
			if res, _ := w.login(id, "confidential-pass-1"); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login %s: %d", id, res.StatusCode)
			}
			if res, body := w.get("/web/cases/" + url.PathEscape(caseID)); res.StatusCode != want {
				t.Errorf("%s: web case page %d, want %d: %.300s", id, res.StatusCode, want, body)
			}
		}
	})
}

// TestReadScopes: the registered read scopes (schemas.CaseKind.Readers) as DOMAIN.md sets them.
func TestReadScopes(t *testing.T) {
	for _, tc := range []struct {
		roles schemas.Roles
		kinds []schemas.CaseKind
	}{
		{schemas.Roles{schemas.RoleSupervisor}, nil},
		{schemas.Roles{schemas.RoleLeader}, nil},
		{schemas.Roles{schemas.RoleCadreSection}, []schemas.CaseKind{schemas.KindTalk}},
		{schemas.Roles{schemas.RoleIntakeClerk}, []schemas.CaseKind{schemas.KindMattersCheck, schemas.KindTalk}},
		{schemas.Roles{schemas.RoleAdmin}, []schemas.CaseKind{schemas.KindMattersCheck, schemas.KindTalk}},
		{schemas.Roles{schemas.RoleAdmin, schemas.RoleSupervisor}, nil},
	} {
		got := schemas.Unreadable(tc.roles)
		slices.Sort(got)
		if !slices.Equal(got, tc.kinds) {
			t.Errorf("%v: unreadable %v, want %v", tc.roles, got, tc.kinds)
		}
	}
}
