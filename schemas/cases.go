package schemas

import (
	"fmt"
	"strconv"
	"strings"
)

// CaseKind names a process. It is the first part of every workflow id of that process.
type CaseKind string

const (
	KindPublicity       CaseKind = "publicity"        // 任前公示
	KindDepartureAudit  CaseKind = "departure-audit"  // 经济责任审计 + 离任交接
	KindJointInspection CaseKind = "joint-inspection" // 三责联检
	KindAdmonishment    CaseKind = "admonishment"     // 诫勉
	KindInquiry         CaseKind = "inquiry"          // 函询
	KindReport          CaseKind = "report"           // 12380 举报受理查核
	KindTransfer        CaseKind = "transfer"         // 转办/交办
)

var kindTitles = map[CaseKind]string{
	KindPublicity:       "任前公示",
	KindDepartureAudit:  "经济责任审计",
	KindJointInspection: "三责联检",
	KindAdmonishment:    "诫勉谈话",
	KindInquiry:         "函询",
	KindReport:          "12380举报受理查核",
	KindTransfer:        "转办交办",
}

// WorkflowType is the Temporal workflow type that runs cases of kind k.
func (k CaseKind) WorkflowType() string {
	return map[CaseKind]string{
		KindPublicity: "Publicity",

		// P2 and P3.
		KindDepartureAudit:  "DepartureAudit",
		KindJointInspection: "JointInspection",

		// P5 and P4.
		KindInquiry:      "Inquiry",
		KindAdmonishment: "Admonishment",

		// P6 and P7.
		KindReport:   "Report",
		KindTransfer: "Transfer",
	}[k]
}

// Title is the kind's Chinese name.
func (k CaseKind) Title() string { return kindTitles[k] }

// Valid reports whether k is a known process.
func (k CaseKind) Valid() bool { _, ok := kindTitles[k]; return ok }

// CaseID builds the workflow id of a case, which reads as its case number: publicity-2026-0042.
func CaseID(kind CaseKind, year, seq int) string {
	return fmt.Sprintf("%s-%04d-%04d", kind, year, seq)
}

// ParseCaseID is the inverse of CaseID.
func ParseCaseID(id string) (kind CaseKind, year, seq int, err error) {
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return "", 0, 0, fmt.Errorf("case id %q: want <kind>-<year>-<seq>", id)
	}
	j := strings.LastIndexByte(id[:i], '-')
	if j < 0 {
		return "", 0, 0, fmt.Errorf("case id %q: want <kind>-<year>-<seq>", id)
	}
	kind = CaseKind(id[:j])
	if !kind.Valid() {
		return "", 0, 0, fmt.Errorf("case id %q: unknown kind %q", id, kind)
	}
	if year, err = strconv.Atoi(id[j+1 : i]); err != nil || len(id[j+1:i]) != 4 {
		return "", 0, 0, fmt.Errorf("case id %q: bad year", id)
	}
	if seq, err = strconv.Atoi(id[i+1:]); err != nil || seq <= 0 {
		return "", 0, 0, fmt.Errorf("case id %q: bad sequence number", id)
	}
	return kind, year, seq, nil
}
