package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/calendar"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// The reporter of the seeded report: their name and contact must appear nowhere in the file.
var fileReporter = schemas.ReporterIdentity{Name: "乌兰其其格", Phone: "13904710042", Address: "新城区海拉尔东路88号"}

// fileSeed is what seedCadreFile wrote: two ended cases about batu, as their workflows leave
// them (the row, the final state, the subjects, the restriction).
type fileSeed struct {
	admonishment, report string
}

// seedCadreFile writes a closed admonishment of batu whose influence period is running (its
// restriction in force) and a closed 12380 report about batu, found substantiated, with a
// sealed reporter identity; chen.jing is a second subject of the report (回避).
func seedCadreFile(t *testing.T, gdb *gorm.DB) fileSeed {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	year := now.In(calendar.Location()).Year()
	seed := fileSeed{admonishment: schemas.CaseID(schemas.KindAdmonishment, year, 901), report: schemas.CaseID(schemas.KindReport, year, 901)}
	closed := func(id string, kind schemas.CaseKind, title, outcome string, opened, ended time.Time, st schemas.CaseState) schemas.Case {
		st.ID, st.Kind, st.Title, st.OrgUnitID, st.Status, st.Stage, st.StageTitle, st.Outcome = id, kind, title, "150100", schemas.CaseClosed, "closed", "已办结", outcome
		st.Subjects, st.Tasks = []string{"batu"}, []schemas.TaskView{}
		raw, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		return schemas.Case{ID: id, Kind: kind, Year: year, Seq: 901, Title: title, OrgUnitID: "150100", Status: schemas.CaseClosed,
			Stage: "closed", Outcome: outcome, CreatedBy: "bao.yin", CreatedAt: opened, UpdatedAt: ended, ClosedAt: &ended, FinalState: string(raw)}
	}
	start, end := now.AddDate(0, 0, -30), now.AddDate(0, 5, 0)
	rows := []any{
		closed(seed.admonishment, schemas.KindAdmonishment, "关于对巴图同志诫勉", "已诫勉", now.AddDate(0, 0, -40), now.AddDate(0, 0, -20),
			schemas.CaseState{Admonishment: &schemas.AdmonishmentState{CadreID: "batu", CadreName: "巴图", CadreUnitID: "150100-jyj",
				Source: schemas.AdmSourceReport, SourceCaseID: seed.report, Grounds: "违规插手工程招标", InfluenceStart: &start, InfluenceEnd: &end}}),
		closed(seed.report, schemas.KindReport, "反映巴图问题的举报", "属实；诫勉", now.AddDate(0, 0, -50), now.AddDate(0, 0, -41),
			schemas.CaseState{Report: &schemas.ReportState{Channel: "phone", Signed: true, Followable: true,
				Finding: schemas.FindingSubstantiated, Handling: schemas.HandleAdmonish, LinkedCases: []string{seed.admonishment}}}),
		&schemas.CaseSubject{CaseID: seed.admonishment, OfficialID: "batu", AddedBy: "bao.yin", Reason: "诫勉对象", CreatedAt: now},
		&schemas.CaseSubject{CaseID: seed.report, OfficialID: "batu", AddedBy: "he.ping", Reason: "被反映人", CreatedAt: now},
		&schemas.CaseSubject{CaseID: seed.report, OfficialID: "chen.jing", AddedBy: "bao.yin", Reason: "举报一并反映", CreatedAt: now},
		&schemas.Restriction{ID: seed.admonishment + "/" + schemas.RestrictionNoPromotion, OfficialID: "batu", Kind: schemas.RestrictionNoPromotion,
			CaseID: seed.admonishment, Reason: "诫勉影响期", StartsAt: start, EndsAt: end, CreatedAt: start},
	}
	ring, err := secrets.Parse(e2eReporterKey)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(fileReporter)
	kid, sealed, err := ring.Seal(plain, []byte(seed.report))
	if err != nil {
		t.Fatal(err)
	}
	rows = append(rows, &schemas.Report{ID: seed.report, OrgUnitID: "150100", Channel: "phone", Signed: true, KeyID: kid,
		IdentitySealed: base64.StdEncoding.EncodeToString(sealed), SubjectID: "batu", SubjectName: "巴图", SubjectUnit: "呼和浩特市教育局",
		Content: "反映巴图在学校基建项目中违规插手工程招标。", Status: schemas.ReportConcluded, CreatedBy: "he.ping", CreatedAt: now.AddDate(0, 0, -50), UpdatedAt: now})
	for _, r := range rows {
		if c, ok := r.(schemas.Case); ok {
			r = &c
		}
		if err := gdb.Create(r).Error; err != nil {
			t.Fatalf("seed %T: %v", r, err)
		}
	}
	return seed
}

// noReporter fails when the reporter's name or any of their contact appears in body.
func noReporter(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range []string{fileReporter.Name, fileReporter.Phone, fileReporter.Address} {
		if strings.Contains(body, s) {
			t.Fatalf("%s shows the reporter's %q:\n%s", what, s, body)
		}
	}
}

// TestCadreFileEndToEnd reads batu's supervision file over real HTTP against a real dev server:
// an ended admonishment (its influence period in force), an ended report about them, and an
// inquiry started here and running (its state from the workflow). The department's supervisor
// sees all three and the restriction; another org's supervisor and a colleague who oversees
// nobody get 404; a leader recused from the report sees the rest but not it; batu sees none of
// their own cases but the restriction on them; the reporter is nowhere, in JSON or on the page.
func TestCadreFileEndToEnd(t *testing.T) {
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		h, _ := startStack(t, gdb)
		seed := seedCadreFile(t, gdb)
		inquiry := h.start("bao.yin", "/api/v1/cases/inquiry", map[string]any{"cadre_id": "batu", "grounds": "12380来信反映其在外兼职取酬"})
		h.waitTask("bao.yin", inquiry+".draft-1")

		// A case whose row says open but whose workflow Temporal no longer has: the row is shown.
		lost := schemas.Case{ID: schemas.CaseID(schemas.KindInquiry, time.Now().In(calendar.Location()).Year(), 902), Kind: schemas.KindInquiry,
			Title: "关于巴图同志的函询（流程已删除）", OrgUnitID: "150100", Status: schemas.CaseOpen, Stage: "answer", CreatedBy: "bao.yin",
			CreatedAt: time.Now().UTC().AddDate(0, 0, -45), UpdatedAt: time.Now().UTC()}
		if err := gdb.Create(&lost).Error; err != nil {
			t.Fatal(err)
		}
		if err := gdb.Create(&schemas.CaseSubject{CaseID: lost.ID, OfficialID: "batu", AddedBy: "bao.yin", CreatedAt: time.Now()}).Error; err != nil {
			t.Fatal(err)
		}

		read := func(official, as string) (response, CadreFile) {
			var f CadreFile
			r := h.do("GET", "/api/v1/officials/"+official+"/file", h.token(as), nil)
			if r.status == http.StatusOK {
				r.json(t, &f)
				noReporter(t, "the file read by "+as, string(r.body))
			}
			return r, f
		}
		ids := func(f CadreFile) []string {
			out := []string{}
			for _, e := range f.Entries {
				out = append(out, e.CaseID)
			}
			return out
		}

		// The department's supervisor: every case, newest first, and the restriction in force.
		r, f := read("batu", "bao.yin")
		if r.status != http.StatusOK || f.Official.ID != "batu" || f.Official.Name != "巴图" || f.Truncated {
			t.Fatalf("supervisor: %d %s", r.status, r.body)
		}
		if got, want := ids(f), []string{inquiry, seed.admonishment, lost.ID, seed.report}; !slices.Equal(got, want) {
			t.Fatalf("entries %v, want %v", got, want)
		}
		inq, adm, rep := f.Entries[0], f.Entries[1], f.Entries[3]
		if e := f.Entries[2]; e.Status != schemas.CaseOpen || e.Stage != "answer" || e.Role != "函询对象" {
			t.Fatalf("entry of a case without its workflow %+v", e)
		}
		if inq.Kind != schemas.KindInquiry || inq.Role != "函询对象" || inq.Status != schemas.CaseOpen || inq.StageTitle == "" || inq.ClosedAt != nil || len(inq.Restrictions) != 0 {
			t.Fatalf("inquiry entry %+v", inq)
		}
		if adm.Role != "诫勉对象" || adm.Status != schemas.CaseClosed || adm.ClosedAt == nil || len(adm.Restrictions) != 1 ||
			adm.Restrictions[0].CaseID != seed.admonishment || !adm.Restrictions[0].Active(time.Now()) {
			t.Fatalf("admonishment entry %+v", adm)
		}
		if rep.Role != "被反映人" || rep.Finding != schemas.FindingSubstantiated || rep.Handling != schemas.HandleAdmonish || rep.Outcome != "属实；诫勉" {
			t.Fatalf("report entry %+v", rep)
		}
		if len(f.InForce) != 1 || f.InForce[0].CaseID != seed.admonishment {
			t.Fatalf("restrictions in force %+v", f.InForce)
		}

		// Another org's supervisor, the unit principal (no overseer), an unknown official: 404.
		for _, as := range []string{"hu.jun", "zheng.yi"} {
			if r, _ := read("batu", as); r.status != http.StatusNotFound {
				t.Fatalf("%s reads batu's file: %d %s", as, r.status, r.body)
			}
		}
		if r, _ := read("nobody", "bao.yin"); r.status != http.StatusNotFound {
			t.Fatalf("unknown official: %d %s", r.status, r.body)
		}

		// The leader is a subject of the report: everything but it.
		r, f = read("batu", "chen.jing")
		if got, want := ids(f), []string{inquiry, seed.admonishment, lost.ID}; r.status != http.StatusOK || !slices.Equal(got, want) || len(f.InForce) != 1 {
			t.Fatalf("recused leader: %d %v %+v", r.status, got, f.InForce)
		}
		// Recused from the admonishment too (a subject added later): its restriction goes as well.
		h.db.Create(&schemas.CaseSubject{CaseID: seed.admonishment, OfficialID: "chen.jing", AddedBy: "bao.yin", Reason: "x"})
		if r, f = read("batu", "chen.jing"); !slices.Equal(ids(f), []string{inquiry, lost.ID}) || len(f.InForce) != 0 {
			t.Fatalf("leader recused from both: %d %s", r.status, r.body)
		}

		// The cadre: none of their own cases, the restriction on them.
		r, f = read("batu", "batu")
		if r.status != http.StatusOK || len(f.Entries) != 0 || len(f.InForce) != 1 || !strings.Contains(string(r.body), `"entries":[]`) {
			t.Fatalf("own file: %d %s", r.status, r.body)
		}

		// The page: the entries in Chinese, and the case page links the cadre's file.
		setPassword(t, gdb, "bao.yin", "file-bao.yin", false)
		w := newWebClient(t, h.url)
		w.login("bao.yin", "file-bao.yin")
		res, page := w.get("/web/officials/batu/file")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("file page: %d\n%s", res.StatusCode, page)
		}
		for _, want := range []string{"干部监督档案：巴图", "诫勉对象", "被反映人", "函询对象", "认定：属实", "处理：诫勉", "诫勉影响期", seed.report, inquiry} {
			if !strings.Contains(page, want) {
				t.Fatalf("file page lacks %q:\n%s", want, page)
			}
		}
		noReporter(t, "the file page", page)
		if _, casePage := w.get("/web/cases/" + inquiry); !strings.Contains(casePage, `href="/web/officials/batu/file"`) {
			t.Fatalf("case page has no link to the file:\n%s", casePage)
		}
		w = newWebClient(t, h.url)
		setPassword(t, gdb, "hu.jun", "file-hu.jun", false)
		w.login("hu.jun", "file-hu.jun")
		if res, page := w.get("/web/officials/batu/file"); res.StatusCode != http.StatusNotFound || strings.Contains(page, "巴图") {
			t.Fatalf("county supervisor's file page: %d\n%s", res.StatusCode, page)
		}
	})
}
