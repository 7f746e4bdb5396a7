package schemas

import "time"

// KindMattersCheck is a check of one cadre's personal-matters report (个人有关事项报告查核,
// DOMAIN.md P8 steps 5–9): random (drawn by the annual cycle) or targeted (凡提必核 before a
// promotion, reserve listing, a report about the cadre). P10 runs it as a child workflow and
// reads its finding from the result.
const KindMattersCheck CaseKind = "matters-check"

// MattersCheckReason says why a cadre's report is checked.
type MattersCheckReason string

const (
	MattersRandom    MattersCheckReason = "random"    // 随机抽查 (the annual draw)
	MattersPromotion MattersCheckReason = "promotion" // 凡提必核: before a promotion (P10)
	MattersReserve   MattersCheckReason = "reserve"   // 拟列入后备干部
	MattersReported  MattersCheckReason = "reported"  // named by a report or 巡视
)

// MattersCheckInput starts a personal-matters check of one cadre's report for Year.
type MattersCheckInput struct {
	CaseID    string   `json:"case_id"`
	Title     string   `json:"title"`
	OrgUnitID string   `json:"org_unit_id"` // the organization department that checks
	CreatedBy string   `json:"created_by"`
	Priority  Priority `json:"priority"`

	CadreID     string             `json:"cadre_id"`
	CadreName   string             `json:"cadre_name"`
	CadreUnitID string             `json:"cadre_unit_id"`
	Year        int                `json:"year"` // the report year checked
	Reason      MattersCheckReason `json:"reason"`
	// SourceCaseID is the case that asked for the check (the annual cycle, a P10 case).
	SourceCaseID string `json:"source_case_id,omitempty"`
	// Grounds says why this cadre is checked now (a targeted check's 查核缘由).
	Grounds string `json:"grounds,omitempty"`
}

// MattersFinding is the outcome of comparing a report with the agencies' answers
// (《领导干部个人有关事项报告查核结果处理办法》 arts. 3–4).
type MattersFinding string

const (
	FindingConsistent MattersFinding = "consistent" // 一致
	FindingOmitted    MattersFinding = "omitted"    // 漏报
	FindingConcealed  MattersFinding = "concealed"  // 瞒报: records a promotion bar (PromotionAllowed)
)

// MattersCheckState is the personal-matters check part of CaseState.
type MattersCheckState struct {
	CadreID     string             `json:"cadre_id"`
	CadreName   string             `json:"cadre_name"`
	CadreUnitID string             `json:"cadre_unit_id"`
	Year        int                `json:"year"`
	Reason      MattersCheckReason `json:"reason"`
	// Finding is set once the leader has approved it; Handling is what follows from it.
	Finding  MattersFinding `json:"finding,omitempty"`
	Handling string         `json:"handling,omitempty"`
	// BarUntil is the end of the promotion bar a 瞒报 finding records.
	BarUntil *time.Time `json:"bar_until,omitempty"`
	// Agencies are the agencies queried (DOMAIN.md P8 step 5), each with when it answered.
	Agencies []MattersAgencyQuery `json:"agencies,omitempty"`
	// Mismatch: the investigator found the report and the answers apart, so the cadre explained.
	Mismatch bool `json:"mismatch,omitempty"`
	// AdmonishmentCaseID is the P4 admonishment a handling of 诫勉 started (step 8).
	AdmonishmentCaseID string `json:"admonishment_case_id,omitempty"`
	// Referred: a discipline clue was handed to the discipline commission (移送纪委, step 8);
	// its receipt is in CaseState.Referrals.
	Referred bool `json:"referred,omitempty"`
}

// MattersAgency is one agency a check queries (查核联系工作机制, 规定 art. 15).
type MattersAgency struct {
	Key  string `json:"key"`
	Name string `json:"name"` // Chinese
}

// MattersAgencies are the agencies every check queries, in DOMAIN.md P8 step 5's order.
var MattersAgencies = []MattersAgency{
	{"exit-entry", "公安出入境管理部门（因私出入境证件、出入境记录）"},
	{"civil-affairs", "民政部门（婚姻登记）"},
	{"real-estate", "不动产登记机构（房产）"},
	{"market", "市场监管部门（投资办企业）"},
	{"securities", "中国结算、证监部门（股票、基金）"},
	{"financial", "金融监管部门（投资型保险）"},
	{"judicial", "法院、检察院（被追究刑事责任）"},
}

// MattersAgencyQuery is one agency's query in a check.
type MattersAgencyQuery struct {
	MattersAgency
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}
