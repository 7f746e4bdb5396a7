// Package demo seeds the org units and officials of an Inner Mongolia demo deployment, so that
// `jiandu dev` has someone to act on every step of every process.
package demo

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/schemas"
)

type unit struct {
	id, parent, name string
	level            schemas.OrgLevel
	kind             schemas.OrgKind
}

// Org units use the administrative division code where one exists, with a suffix for the other
// bodies of the same place.
var units = []unit{
	{"150000", "", "内蒙古自治区党委组织部", schemas.LevelRegion, schemas.OrgKindOrganization},
	{"150000-jw", "150000", "内蒙古自治区纪委监委", schemas.LevelRegion, schemas.OrgKindDiscipline},
	{"150000-sj", "150000", "内蒙古自治区审计厅", schemas.LevelRegion, schemas.OrgKindAudit},
	{"150000-rs", "150000", "内蒙古自治区人力资源和社会保障厅", schemas.LevelRegion, schemas.OrgKindHR},
	{"150000-bb", "150000", "内蒙古自治区党委机构编制委员会办公室", schemas.LevelRegion, schemas.OrgKindEstablishment},
	{"150000-jyt", "150000", "内蒙古自治区教育厅", schemas.LevelRegion, schemas.OrgKindUnit},
	{"150100", "150000", "呼和浩特市委组织部", schemas.LevelLeague, schemas.OrgKindOrganization},
	{"150100-jw", "150100", "呼和浩特市纪委监委", schemas.LevelLeague, schemas.OrgKindDiscipline},
	{"150100-sj", "150100", "呼和浩特市审计局", schemas.LevelLeague, schemas.OrgKindAudit},
	{"150100-rs", "150100", "呼和浩特市人力资源和社会保障局", schemas.LevelLeague, schemas.OrgKindHR},
	{"150100-bb", "150100", "呼和浩特市委编办", schemas.LevelLeague, schemas.OrgKindEstablishment},
	{"150100-jyj", "150100", "呼和浩特市教育局", schemas.LevelLeague, schemas.OrgKindUnit},
	{"150102", "150100", "新城区委组织部", schemas.LevelCounty, schemas.OrgKindOrganization},
	{"150121", "150100", "土默特左旗委组织部", schemas.LevelCounty, schemas.OrgKindOrganization},
	{"150121-slj", "150121", "土默特左旗水利局", schemas.LevelCounty, schemas.OrgKindUnit},
	{"150121-jw", "150121", "土默特左旗纪委监委", schemas.LevelCounty, schemas.OrgKindDiscipline},
	{"150121-sj", "150121", "土默特左旗审计局", schemas.LevelCounty, schemas.OrgKindAudit},
	{"150121-rs", "150121", "土默特左旗人力资源和社会保障局", schemas.LevelCounty, schemas.OrgKindHR},
	{"150121-bb", "150121", "土默特左旗委编办", schemas.LevelCounty, schemas.OrgKindEstablishment},
	{"150121100", "150121", "察素齐镇党委", schemas.LevelTownship, schemas.OrgKindOrganization},
	{"150200", "150000", "包头市委组织部", schemas.LevelLeague, schemas.OrgKindOrganization},
	{"150400", "150000", "赤峰市委组织部", schemas.LevelLeague, schemas.OrgKindOrganization},
	{"150600", "150000", "鄂尔多斯市委组织部", schemas.LevelLeague, schemas.OrgKindOrganization},
	{"150621", "150600", "达拉特旗委组织部", schemas.LevelCounty, schemas.OrgKindOrganization},
	{"150621101", "150621", "树林召镇党委", schemas.LevelTownship, schemas.OrgKindOrganization},
	{"152500", "150000", "锡林郭勒盟委组织部", schemas.LevelLeague, schemas.OrgKindOrganization},
}

// Officials lists the demo officials: at least one of every role, at the region, a league and
// a county, so escalation up the tree has somewhere to go.
var Officials = []schemas.Official{
	{ID: "admin", Name: "系统管理员", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleAdmin}},
	{ID: "wang.jian", Name: "王建", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleSupervisor}},
	{ID: "li.hua", Name: "李华", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleCadreSection}},
	{ID: "zhao.min", Name: "赵敏", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleLeader}},
	{ID: "sun.li", Name: "孙丽", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleIntakeClerk}},
	{ID: "zhou.qiang", Name: "周强", OrgUnitID: "150000", Roles: schemas.Roles{schemas.RoleInvestigator}},
	{ID: "bao.yin", Name: "包音", OrgUnitID: "150100", Roles: schemas.Roles{schemas.RoleSupervisor}},
	{ID: "wu.gang", Name: "吴刚", OrgUnitID: "150100", Roles: schemas.Roles{schemas.RoleCadreSection}},
	{ID: "chen.jing", Name: "陈静", OrgUnitID: "150100", Roles: schemas.Roles{schemas.RoleLeader}},
	{ID: "he.ping", Name: "何平", OrgUnitID: "150100", Roles: schemas.Roles{schemas.RoleIntakeClerk}},
	{ID: "ma.lin", Name: "马林", OrgUnitID: "150100", Roles: schemas.Roles{schemas.RoleInvestigator}},
	{ID: "su.he", Name: "苏和", OrgUnitID: "150100-sj", Roles: schemas.Roles{schemas.RoleAuditor}},
	{ID: "liu.yang", Name: "刘洋", OrgUnitID: "150100-rs", Roles: schemas.Roles{schemas.RoleHR}},
	{ID: "tian.yu", Name: "田宇", OrgUnitID: "150100-bb", Roles: schemas.Roles{schemas.RoleEstablishment}},
	{ID: "gao.feng", Name: "高峰", OrgUnitID: "150100-jw", Roles: schemas.Roles{schemas.RoleDiscipline}},
	{ID: "zheng.yi", Name: "郑毅", OrgUnitID: "150100-jyj", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "batu", Name: "巴图", OrgUnitID: "150100-jyj", Roles: schemas.Roles{schemas.RoleSupervisedCadre}},
	{ID: "hu.jun", Name: "胡军", OrgUnitID: "150121", Roles: schemas.Roles{schemas.RoleSupervisor}},
	{ID: "guo.hong", Name: "郭红", OrgUnitID: "150121", Roles: schemas.Roles{schemas.RoleLeader}},
	{ID: "zhang.li", Name: "张丽", OrgUnitID: "150121", Roles: schemas.Roles{schemas.RoleInvestigator}},
	{ID: "han.bo", Name: "韩博", OrgUnitID: "150121-slj", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "wuyun", Name: "乌云", OrgUnitID: "150121-slj", Roles: schemas.Roles{schemas.RoleSupervisedCadre}},
	// P2: the audit office's head (its unit principal) approves audit plans; 娜仁 succeeds a departing cadre.
	{ID: "qiao.lan", Name: "乔兰", OrgUnitID: "150100-sj", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "na.ren", Name: "娜仁", OrgUnitID: "150100-jyj", Roles: schemas.Roles{schemas.RoleSupervisedCadre}},
	// Every body at every level has an official of its own role and a head (unit principal),
	// so each process can be started from the region, a league and a county, and every rung of
	// a ladder (the 催办 goes to the holder's unit head) reaches someone.
	{ID: "wulan", Name: "乌兰", OrgUnitID: "150000-jw", Roles: schemas.Roles{schemas.RoleDiscipline}},
	{ID: "bai.xue", Name: "白雪", OrgUnitID: "150000-jw", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "lu.shan", Name: "鲁山", OrgUnitID: "150000-sj", Roles: schemas.Roles{schemas.RoleAuditor}},
	{ID: "qin.yue", Name: "秦悦", OrgUnitID: "150000-sj", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "fang.zhi", Name: "方志", OrgUnitID: "150000-rs", Roles: schemas.Roles{schemas.RoleHR}},
	{ID: "yan.kai", Name: "严凯", OrgUnitID: "150000-rs", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "cao.ning", Name: "曹宁", OrgUnitID: "150000-bb", Roles: schemas.Roles{schemas.RoleEstablishment}},
	{ID: "jiang.tao", Name: "江涛", OrgUnitID: "150000-bb", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "dong.ming", Name: "董明", OrgUnitID: "150000-jyt", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "saren", Name: "萨仁", OrgUnitID: "150000-jyt", Roles: schemas.Roles{schemas.RoleSupervisedCadre}},
	{ID: "xu.bin", Name: "徐斌", OrgUnitID: "150100-rs", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "ye.qing", Name: "叶青", OrgUnitID: "150100-bb", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "ren.jie", Name: "任杰", OrgUnitID: "150100-jw", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "wang.hai", Name: "王海", OrgUnitID: "150121", Roles: schemas.Roles{schemas.RoleCadreSection}},
	{ID: "sarula", Name: "萨如拉", OrgUnitID: "150121-jw", Roles: schemas.Roles{schemas.RoleDiscipline}},
	{ID: "lin.feng", Name: "林峰", OrgUnitID: "150121-jw", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "zhu.yan", Name: "朱燕", OrgUnitID: "150121-sj", Roles: schemas.Roles{schemas.RoleAuditor}},
	{ID: "song.wei", Name: "宋伟", OrgUnitID: "150121-sj", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "tang.li", Name: "唐莉", OrgUnitID: "150121-rs", Roles: schemas.Roles{schemas.RoleHR}},
	{ID: "xie.hui", Name: "谢辉", OrgUnitID: "150121-rs", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
	{ID: "feng.yu", Name: "冯雨", OrgUnitID: "150121-bb", Roles: schemas.Roles{schemas.RoleEstablishment}},
	{ID: "pan.yun", Name: "潘云", OrgUnitID: "150121-bb", Roles: schemas.Roles{schemas.RoleUnitPrincipal}},
}

// OrgUnits returns the demo org tree, parents before children, with paths filled in.
func OrgUnits() []schemas.OrgUnit {
	paths := map[string]string{}
	out := make([]schemas.OrgUnit, 0, len(units))
	for _, u := range units {
		ou := schemas.OrgUnit{ID: u.id, Name: u.name, Level: u.level, Kind: u.kind, Path: "/" + u.id + "/"}
		if u.parent != "" {
			p := u.parent
			ou.ParentID = &p
			ou.Path = paths[u.parent] + u.id + "/"
		}
		paths[u.id] = ou.Path
		out = append(out, ou)
	}
	return out
}

// Seed inserts the demo org units and officials that are missing; existing rows are left as
// they are, so it runs on every `jiandu dev` start.
func Seed(db *gorm.DB) error {
	return db.Transaction(func(tx *gorm.DB) error {
		for _, u := range OrgUnits() {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&u).Error; err != nil {
				return fmt.Errorf("seed org unit %s: %w", u.ID, err)
			}
		}
		for _, o := range Officials {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&o).Error; err != nil {
				return fmt.Errorf("seed official %s: %w", o.ID, err)
			}
		}
		return nil
	})
}
