package schemas

import (
	"fmt"
	"strconv"
	"strings"
)

// CaseKind names a process (schemas/processes.go registers each). It is the first part of every
// workflow id of that process.
type CaseKind string

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
