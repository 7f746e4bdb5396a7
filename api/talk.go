package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/jiandu/jiandu/schemas"
)

// TalkStartInput is the body of POST /api/v1/cases/talk (双向约谈, DOMAIN.md P12).
type TalkStartInput struct {
	CadreCaseInput
	InitiatedBy string `json:"initiated_by"`
	Reason      string `json:"reason"`
}

// startTalk starts a talk. A supervisor of the organization department proposes an
// organization-initiated talk about a cadre of its subtree; a supervised cadre asks for a talk
// about themself (initiated_by cadre), at the organization department that manages their unit
// (schemas.CaseKind.MayStartAboutSelf). Either way the cadre is the case's subject.
func (s *Server) startTalk(c *gin.Context) error {
	p := principal(c)
	var in TalkStartInput
	self := !p.Roles.HasAny(schemas.KindTalk.Process().Start) && schemas.KindTalk.MayStartAboutSelf(actor(c))
	var errs []FieldError
	// variant is what the caller may start: a cadre their own request, a supervisor the
	// organization's talk; initiated_by must say the same.
	variant := schemas.TalkByOrganization
	if self {
		variant = schemas.TalkByCadre
	}
	if self {
		if err := bindJSON(c, &in); err != nil {
			return err
		}
		if in.InitiatedBy != schemas.TalkByCadre {
			errs = append(errs, FieldError{"initiated_by", "干部本人只能申请约谈组织（initiated_by须为cadre）"})
		}
		if in.CadreID == "" {
			in.CadreID = p.ID
		} else if in.CadreID != p.ID {
			errs = append(errs, FieldError{"cadre_id", "只能为本人申请约谈"})
		}
		office, err := s.managingOffice(c, p.OrgUnit)
		if err != nil {
			return err
		}
		switch {
		case office == "":
			errs = append(errs, FieldError{"org_unit_id", "找不到管理您所在单位的组织部门"})
		case in.OrgUnitID != "" && in.OrgUnitID != office:
			errs = append(errs, FieldError{"org_unit_id", "只能向管理您所在单位的组织部门申请约谈"})
		}
		in.OrgUnitID = office
	} else {
		if err := bindStart(c, schemas.KindTalk, &in, &in.OrgUnitID); err != nil {
			return err
		}
		if in.InitiatedBy != "" && in.InitiatedBy != schemas.TalkByOrganization {
			errs = append(errs, FieldError{"initiated_by", "干部主动约谈由干部本人申请；组织部门发起的约谈initiated_by须为organization"})
		}
	}
	cc, err := s.checkCadreCase(c, schemas.KindTalk, &in.CadreCaseInput, func(fe []FieldError) []FieldError {
		fe = append(fe, errs...)
		if in.Source != "" {
			fe = append(fe, FieldError{"source", "约谈不接受此字段，请用reason说明约谈事由"})
		}
		switch {
		case variant == schemas.TalkByCadre && in.Reason != "":
			fe = append(fe, FieldError{"reason", "干部申请的约谈不填事由类别，请在grounds中写明约谈事项"})
		case variant == schemas.TalkByCadre && in.SourceCaseID != "":
			fe = append(fe, FieldError{"source_case_id", "干部申请的约谈不关联来源案件"})
		case variant == schemas.TalkByOrganization && !slices.Contains(schemas.TalkReasons, in.Reason):
			fe = append(fe, FieldError{"reason", "约谈事由须为appointment（任职）、transfer（交流调整）、assessment_feedback（考核反馈）或warning_sign（苗头性问题）"})
		}
		return fe
	})
	if err != nil {
		return err
	}
	in.InitiatedBy = variant
	if cc.title == "" {
		cc.title = "约谈：" + cc.cadre.Name
		if variant == schemas.TalkByCadre {
			cc.title = cc.cadre.Name + "申请约谈"
		}
	}
	return s.startCase(c, caseStart{
		Kind: schemas.KindTalk, Title: cc.title, OrgUnit: cc.unit,
		Details: fmt.Sprintf("**约谈对象**：%s（%s，%s）｜**发起方**：%s", cc.cadre.Name, cc.cadre.ID, cc.cadreUnit.Name,
			map[string]string{schemas.TalkByOrganization: "组织", schemas.TalkByCadre: "干部本人"}[in.InitiatedBy]),
		Input: func(id string) any {
			return schemas.TalkInput{
				CaseID: id, Title: cc.title, OrgUnitID: cc.unit.ID, CreatedBy: p.ID, Priority: cc.priority,
				InitiatedBy: in.InitiatedBy, CadreID: cc.cadre.ID, CadreName: cc.cadre.Name, CadreUnitID: cc.cadre.OrgUnitID,
				Reason: in.Reason, Grounds: cc.grounds, SourceCaseID: strings.TrimSpace(in.SourceCaseID),
			}
		},
	})
}

// managingOffice is the organization department that manages unit: the unit itself when it is
// one, else the nearest above it; "" when there is none.
func (s *Server) managingOffice(c *gin.Context, unit schemas.OrgUnit) (string, error) {
	ids := strings.FieldsFunc(unit.Path, func(r rune) bool { return r == '/' })
	var offices []schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).Where("id IN ? AND kind = ?", ids, schemas.OrgKindOrganization).Find(&offices).Error; err != nil {
		return "", unavailable("find the managing office", err)
	}
	best := ""
	for _, o := range offices {
		if best == "" || len(o.Path) > len(best) {
			best = o.Path
		}
	}
	for _, o := range offices {
		if o.Path == best {
			return o.ID, nil
		}
	}
	return "", nil
}

// talkForm is the process's start form in the web inbox (api/web_start.go): a supervisor
// proposes a talk; a cadre asks for one about themself (发起方 干部本人, 约谈对象 left empty).
var talkForm = []startField{
	{Name: "initiated_by", Label: "发起方", Type: "select", Required: true, Options: [][2]string{{"organization", "组织约谈干部"}, {"cadre", "干部本人申请约谈"}}},
	{Name: "cadre_id", Label: "约谈对象（账号）", Type: "official", Role: schemas.RoleSupervisedCadre, Hint: "干部本人申请时不填"},
	{Name: "reason", Label: "约谈事由类别", Type: "select", Options: [][2]string{{"appointment", "任职"}, {"transfer", "交流调整"}, {"assessment_feedback", "考核反馈"}, {"warning_sign", "苗头性问题"}}, Hint: "组织约谈时填写"},
	{Name: "grounds", Label: "约谈事由或约谈事项", Type: "textarea", Required: true},
	{Name: "source_case_id", Label: "来源案件编号", Type: "text", Hint: "苗头性问题来自举报、个人事项核查等案件时填写"},
	{Name: "title", Label: "标题", Type: "text"},
	priorityField,
}
