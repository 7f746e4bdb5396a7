package schemas

import "slices"

// CaseRights says who may start and who may cancel a case of one kind: officials of the office
// that runs the case (its organization department; for a transfer, the superior office that
// made it) holding one of the roles.
type CaseRights struct {
	// Start are the roles that may start the case by a request; none when only another process
	// starts it (a transfer is made by a report's verification).
	Start []Role
	// Cancel are the roles that may cancel an open case.
	Cancel []Role
}

// caseRights is the one table of who may start and cancel each kind of case. The API's start
// handlers and the workflows' cancel validators both read it.
var caseRights = map[CaseKind]CaseRights{
	KindPublicity:       {Start: []Role{RoleCadreSection, RoleSupervisor}, Cancel: []Role{RoleLeader, RoleCadreSection}},
	KindDepartureAudit:  {Start: []Role{RoleSupervisor, RoleCadreSection}, Cancel: []Role{RoleLeader, RoleSupervisor}},
	KindJointInspection: {Start: []Role{RoleSupervisor}, Cancel: []Role{RoleLeader, RoleSupervisor}},
	KindAdmonishment:    {Start: []Role{RoleSupervisor}, Cancel: []Role{RoleLeader, RoleSupervisor}},
	KindInquiry:         {Start: []Role{RoleSupervisor}, Cancel: []Role{RoleLeader, RoleSupervisor}},
	KindReport:          {Start: []Role{RoleIntakeClerk, RoleSupervisor}, Cancel: []Role{RoleSupervisor, RoleLeader}},
	KindTransfer:        {Cancel: []Role{RoleSupervisor}},
}

// Rights are who may start and cancel a case of kind k.
func (k CaseKind) Rights() CaseRights { return caseRights[k] }

// MayStart reports whether a may start a case of kind k run by the office officeID.
func (k CaseKind) MayStart(a Actor, officeID string) bool {
	return a.OrgUnitID == officeID && a.Roles.HasAny(k.Rights().Start)
}

// MayCancel reports whether a may cancel a case of kind k run by the office officeID.
func (k CaseKind) MayCancel(a Actor, officeID string) bool {
	return a.OrgUnitID == officeID && a.Roles.HasAny(k.Rights().Cancel)
}

// HasAny reports whether the set holds one of want.
func (rs Roles) HasAny(want []Role) bool { return slices.ContainsFunc(want, rs.Has) }
