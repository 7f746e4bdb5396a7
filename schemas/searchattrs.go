package schemas

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// The custom search attributes every case keeps current, so that a supervisor can write
// CaseKind='publicity' AND Overdue=true in the Temporal UI.
var (
	SACaseKind = temporal.NewSearchAttributeKeyKeyword("CaseKind")
	SACaseNo   = temporal.NewSearchAttributeKeyKeyword("CaseNo")
	SAOrgUnit  = temporal.NewSearchAttributeKeyKeyword("OrgUnit")
	SAStage    = temporal.NewSearchAttributeKeyKeyword("Stage")
	SAAssignee = temporal.NewSearchAttributeKeyKeywordList("Assignee")
	SADueAt    = temporal.NewSearchAttributeKeyTime("DueAt")
	SAOverdue  = temporal.NewSearchAttributeKeyBool("Overdue")
)

// SearchAttributes maps each custom search attribute to its type, for registration.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SACaseKind.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SACaseNo.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAOrgUnit.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAStage.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAAssignee.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SADueAt.GetName():    enumspb.INDEXED_VALUE_TYPE_DATETIME,
		SAOverdue.GetName():  enumspb.INDEXED_VALUE_TYPE_BOOL,
	}
}
