package schemas

import "slices"

// Process is what Jiandu knows of one process outside its workflow: its Chinese name, the
// Temporal workflow type that runs it, and who may start and cancel its cases.
type Process struct {
	Kind         CaseKind
	Title        string // Chinese
	WorkflowType string
	// Start are the roles that may start a case by a request, at the office that runs it; none
	// when only another process starts it (a transfer is made by a report's verification).
	Start []Role
	// Cancel are the roles that may cancel an open case, at the office that runs it (for a
	// transfer, the superior office that made it).
	Cancel []Role
}

// processes registers every process: adding one is a row here, its kind constant and input in
// its schema file, its workflow (workflows/, registered in worker.Workflows) and its start
// handler (api/, listed in api's starters). Tests fail when one of those is missing.
var processes = []Process{
	{KindPublicity, "任前公示", "Publicity", []Role{RoleCadreSection, RoleSupervisor}, []Role{RoleLeader, RoleCadreSection}},
	{KindDepartureAudit, "经济责任审计", "DepartureAudit", []Role{RoleSupervisor, RoleCadreSection}, []Role{RoleLeader, RoleSupervisor}},
	{KindJointInspection, "三责联检", "JointInspection", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindAdmonishment, "诫勉谈话", "Admonishment", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindInquiry, "函询", "Inquiry", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindReport, "12380举报受理查核", "Report", []Role{RoleIntakeClerk, RoleSupervisor}, []Role{RoleSupervisor, RoleLeader}},
	{KindTransfer, "转办交办", "Transfer", nil, []Role{RoleSupervisor}},
	{KindMattersCheck, "个人有关事项报告查核", "MattersCheck", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindPreAppointment, "任前征求意见（凡提必核）", "PreAppointment", []Role{RoleCadreSection, RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	// P11: the monitoring is done by the supervision office (or its 12380 clerks); there is no
	// monitor role of its own.
	{KindPublicOpinion, "舆情应对", "PublicOpinion", []Role{RoleSupervisor, RoleIntakeClerk}, []Role{RoleLeader, RoleSupervisor}},
	{KindEvaluation, "一报告两评议", "Evaluation", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindTalk, "双向约谈", "Talk", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindAppraisal, "述职述廉", "Appraisal", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindAppraisalCadre, "述职述廉（干部）", "AppraisalCadre", nil, []Role{RoleLeader, RoleSupervisor}},
	{KindMattersCycle, "个人有关事项年度报告", "MattersCycle", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindSelection, "选拔任用全程记实", "Selection", []Role{RoleCadreSection}, []Role{RoleLeader}},
	{KindAnalysis, "定期分析报告", "AnalysisReport", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
	{KindSelectionReview, "选拔任用倒查", "SelectionReview", []Role{RoleSupervisor}, []Role{RoleLeader, RoleSupervisor}},
}

// readScopes narrows who reads a process's cases (CaseKind.Readers), for processes whose
// records are confidential beyond the case's subjects (a table beside processes, so that the
// registration rows keep their shape):
//   - 双向约谈 (DOMAIN.md P12: "Records confidential"): the supervision office that runs it and
//     the department's leaders who approve and hold talks; the two talkers and the cadre read
//     it through their own steps. Not the system administrator (an account role, not a reader
//     of supervision records), the 12380 clerks, investigators or the cadre section.
//   - 个人有关事项查核 (P8: agencies' answers on the cadre's and family's assets, marriage,
//     trips): the supervision office, which decides the finding "with the cadre section"
//     (查核结果处理办法 art. 2, step 7), and the leaders who approve it.
var readScopes = map[CaseKind][]Role{
	KindTalk:         {RoleSupervisor, RoleLeader},
	KindMattersCheck: {RoleSupervisor, RoleCadreSection, RoleLeader},
}

// Readers are the roles that may read cases of kind k by their office (at the office that runs
// a case and the offices above it); nil lets every official there read them. Whoever holds or
// held a task of a case reads it whatever their role, and recusal of the case's subjects holds
// either way.
func (k CaseKind) Readers() []Role { return slices.Clone(readScopes[k]) }

// MayReadByOffice reports whether roles let an official read cases of kind k of their org
// subtree (Readers).
func (k CaseKind) MayReadByOffice(roles Roles) bool {
	rs, scoped := readScopes[k]
	return !scoped || roles.HasAny(rs)
}

// Unreadable are the kinds whose cases an official holding roles may not read by their office
// (Readers): only as a holder of one of the case's tasks.
func Unreadable(roles Roles) []CaseKind {
	var ks []CaseKind
	for _, p := range processes {
		if !p.Kind.MayReadByOffice(roles) {
			ks = append(ks, p.Kind)
		}
	}
	return ks
}

// Processes lists every process in registration order.
func Processes() []Process { return slices.Clone(processes) }

// Process is the registration of kind k; the zero Process for an unknown kind.
func (k CaseKind) Process() Process {
	for _, p := range processes {
		if p.Kind == k {
			return p
		}
	}
	return Process{}
}

// Title is the kind's Chinese name.
func (k CaseKind) Title() string { return k.Process().Title }

// WorkflowType is the Temporal workflow type that runs cases of kind k.
func (k CaseKind) WorkflowType() string { return k.Process().WorkflowType }

// Valid reports whether k is a registered process.
func (k CaseKind) Valid() bool { return k.Process().Kind != "" }

// MayStart reports whether a may start a case of kind k run by the office officeID.
func (k CaseKind) MayStart(a Actor, officeID string) bool {
	return a.OrgUnitID == officeID && a.Roles.HasAny(k.Process().Start)
}

// MayCancel reports whether a may cancel a case of kind k run by the office officeID.
func (k CaseKind) MayCancel(a Actor, officeID string) bool {
	return a.OrgUnitID == officeID && a.Roles.HasAny(k.Process().Cancel)
}

// HasAny reports whether the set holds one of want.
func (rs Roles) HasAny(want []Role) bool { return slices.ContainsFunc(want, rs.Has) }

// selfStarts are the processes a supervised cadre may start about themself, at the
// organization department that manages them (a talk the cadre asks for: DOMAIN.md P12 step 6).
// The start handler names the cadre the case's subject, so recusal holds from the start.
var selfStarts = []CaseKind{KindTalk}

// MayStartAboutSelf reports whether a may start a case of kind k about themself.
func (k CaseKind) MayStartAboutSelf(a Actor) bool {
	return a.Roles.Has(RoleSupervisedCadre) && slices.Contains(selfStarts, k)
}
