package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/jiandu/jiandu/internal/audit"
	"github.com/jiandu/jiandu/internal/caseno"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/schemas"
)

// ReportDeps configure 12380 intake and whistleblower confidentiality.
type ReportDeps struct {
	// ReporterKeys seal reporter identity at rest (JIANDU_REPORTER_KEYS). Without them the
	// API refuses reports that carry an identity.
	ReporterKeys *secrets.KeyRing
	// PayloadCodec is what /codec/encode and /codec/decode serve (JIANDU_PAYLOAD_KEYS).
	PayloadCodec converter.PayloadCodec
	// CodecCORSOrigin is the Temporal UI origin allowed to call /codec.
	CodecCORSOrigin string
	// EngineViewRoles are the roles that, held at the root org unit, give the workflow
	// engine's view: /codec and the Temporal UI (JIANDU_ENGINE_VIEW_ROLES; default supervisor).
	EngineViewRoles []schemas.Role
	// ClientIPHeader names the header a trusted proxy sets to the client address; empty uses
	// the connection's address (JIANDU_PUBLIC_CLIENT_IP_HEADER).
	ClientIPHeader string
	// Limits of the public channel per client address; zero values take the defaults.
	SubmitLimit, LookupLimit RateLimit
}

type reportsConfig struct {
	ReportDeps
	submits, lookups *limiter
}

func newReports(d ReportDeps) *reportsConfig {
	if d.CodecCORSOrigin == "" {
		d.CodecCORSOrigin = "http://localhost:8233"
	}
	if len(d.EngineViewRoles) == 0 {
		d.EngineViewRoles = []schemas.Role{schemas.RoleSupervisor}
	}
	if d.SubmitLimit.Burst == 0 {
		d.SubmitLimit = RateLimit{Burst: 5, Per: time.Hour} // 5 reports, then one per 12 minutes
	}
	if d.LookupLimit.Burst == 0 {
		d.LookupLimit = RateLimit{Burst: 30, Per: time.Hour}
	}
	return &reportsConfig{ReportDeps: d, submits: newLimiter(d.SubmitLimit), lookups: newLimiter(d.LookupLimit)}
}

// ReporterInput is who reported; all optional (anonymous reports are allowed).
type ReporterInput struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
	IDNo    string `json:"id_no"`
	Unit    string `json:"unit"`
}

func (r ReporterInput) identity() schemas.ReporterIdentity {
	t := strings.TrimSpace
	return schemas.ReporterIdentity{Name: t(r.Name), Phone: t(r.Phone), Address: t(r.Address), IDNo: t(r.IDNo), Unit: t(r.Unit)}
}

// ReportInput is the body of POST /api/v1/reports: a report a clerk registers.
type ReportInput struct {
	Channel     string        `json:"channel"`
	Reporter    ReporterInput `json:"reporter"`
	SubjectID   string        `json:"subject_id"`
	SubjectName string        `json:"subject_name"`
	SubjectUnit string        `json:"subject_unit"`
	SubjectPost string        `json:"subject_post"`
	Content     string        `json:"content"`
	Priority    string        `json:"priority"`
}

// reportIssues validates the fields every channel shares. Messages never echo the values.
func reportIssues(errs []FieldError, rep ReporterInput, subjectName, subjectUnit, subjectPost, content string) []FieldError {
	errs = textIssue(errs, "reporter.name", rep.Name, 0, 50)
	errs = textIssue(errs, "reporter.phone", rep.Phone, 0, 30)
	errs = textIssue(errs, "reporter.address", rep.Address, 0, 200)
	errs = textIssue(errs, "reporter.id_no", rep.IDNo, 0, 30)
	errs = textIssue(errs, "reporter.unit", rep.Unit, 0, 200)
	errs = textIssue(errs, "subject_unit", subjectUnit, 0, 200)
	errs = textIssue(errs, "subject_post", subjectPost, 0, 200)
	errs = textIssue(errs, "content", content, 10, 5000)
	return textIssue(errs, "subject_name", subjectName, 1, 50)
}

// registerReport is POST /api/v1/reports: a 12380 clerk (or supervisor) registers a phone,
// letter, visit or SMS report for their own organization department.
func (s *Server) registerReport(c *gin.Context) error {
	p := principal(c)
	if err := startRefused(c, schemas.KindReport); err != nil {
		return err
	}
	if p.OrgUnit.Kind != schemas.OrgKindOrganization {
		return problem(probForbidden, "举报由组织部门受理，您所在的单位不受理举报")
	}
	var in ReportInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	var errs []FieldError
	if !contains(schemas.ReportChannels[:4], in.Channel) {
		errs = append(errs, FieldError{"channel", "渠道须为phone、letter、visit或sms（网络举报由举报人自行提交）"})
	}
	subjectUnitID := ""
	if in.SubjectID != "" {
		var o schemas.Official
		err := s.db.WithContext(c.Request.Context()).First(&o, "id = ?", in.SubjectID).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			errs = append(errs, FieldError{"subject_id", "被举报人不存在"})
		case err != nil:
			return unavailable("load the subject", err)
		default:
			subjectUnitID = o.OrgUnitID
			if strings.TrimSpace(in.SubjectName) == "" {
				in.SubjectName = o.Name
			}
		}
	}
	errs = reportIssues(errs, in.Reporter, in.SubjectName, in.SubjectUnit, in.SubjectPost, in.Content)
	priority, errs := parsePriority(errs, in.Priority)
	if len(errs) > 0 {
		return invalid("举报内容未通过校验", errs...)
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	if key != "" {
		key = p.ID + "/report/" + key
	}
	id, err := s.fileReport(c, newReport{
		key: key, createdBy: p.ID, unit: p.OrgUnit, channel: in.Channel, identity: in.Reporter.identity(),
		subjectID: in.SubjectID, subjectUnitID: subjectUnitID, subjectName: in.SubjectName, subjectUnit: in.SubjectUnit,
		subjectPost: in.SubjectPost, content: in.Content, priority: priority,
	})
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/reports/"+id)
	return reply(c, http.StatusCreated, gin.H{"id": id, "case_id": id})
}

type newReport struct {
	key, createdBy                                 string
	unit                                           schemas.OrgUnit
	channel                                        string
	identity                                       schemas.ReporterIdentity
	subjectID, subjectUnitID                       string
	subjectName, subjectUnit, subjectPost, content string
	priority                                       schemas.Priority
	queryCode, secretSalt, secretHash              string
}

// fileReport numbers the report, stores its row with the identity sealed, and starts its case.
// The workflow learns the report id and whether it is signed, nothing of the reporter.
func (s *Server) fileReport(c *gin.Context, nr newReport) (string, error) {
	ctx := c.Request.Context()
	signed := nr.identity.Name != ""
	if !nr.identity.Empty() && s.reports.ReporterKeys == nil {
		return "", problem(probUnavailable, "未配置举报人信息加密密钥（JIANDU_REPORTER_KEYS），暂不能受理署名举报")
	}
	id, err := caseno.Next(ctx, s.db, schemas.KindReport, nr.key, nr.createdBy)
	if err != nil {
		return "", unavailable("number the report", err)
	}
	now := time.Now().UTC()
	row := schemas.Report{
		ID: id, OrgUnitID: nr.unit.ID, Channel: nr.channel, Signed: signed,
		SubjectID: nr.subjectID, SubjectName: strings.TrimSpace(nr.subjectName), SubjectUnit: strings.TrimSpace(nr.subjectUnit),
		SubjectPost: strings.TrimSpace(nr.subjectPost), Content: strings.TrimSpace(nr.content),
		Status: schemas.ReportReceived, CreatedBy: nr.createdBy, CreatedAt: now, UpdatedAt: now,
		SecretSalt: nr.secretSalt, SecretHash: nr.secretHash,
	}
	if nr.queryCode != "" {
		row.QueryCode = &nr.queryCode
	}
	if !nr.identity.Empty() {
		plain, _ := json.Marshal(nr.identity)
		kid, sealed, err := s.reports.ReporterKeys.Seal(plain, []byte(id))
		if err != nil {
			return "", unavailable("seal reporter identity", err)
		}
		row.KeyID, row.IdentitySealed = kid, base64.StdEncoding.EncodeToString(sealed)
	}
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", unavailable("store the report", err)
	}
	lower, err := s.lowerOffices(c, nr.unit)
	if err != nil {
		return "", err
	}
	subject := row.SubjectName
	in := schemas.ReportInput{
		CaseID: id, Title: "关于" + subject + "的举报", OrgUnitID: nr.unit.ID, CreatedBy: nr.createdBy, Priority: nr.priority,
		Channel: nr.channel, Signed: signed, Followable: nr.queryCode != "",
		SubjectID: nr.subjectID, SubjectName: subject, SubjectUnitID: nr.subjectUnitID, LowerOffices: lower,
	}
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            fmt.Sprintf("%s｜%s｜%s", schemas.KindReport.Title(), in.Title, nr.unit.Name),
		StaticDetails:            fmt.Sprintf("**渠道**：%s\n**署名**：%v\n举报人信息仅受理机关12380受理、干部监督人员可见", nr.channel, signed),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			schemas.SACaseKind.ValueSet(string(schemas.KindReport)),
			schemas.SACaseNo.ValueSet(id),
			schemas.SAOrgUnit.ValueSet(nr.unit.ID),
		),
	}, schemas.KindReport.WorkflowType(), in)
	if err != nil {
		return "", s.workflowError(c, id, err)
	}
	return id, nil
}

// lowerOffices are the organization departments below unit that a report it receives may be
// transferred to (P7).
func (s *Server) lowerOffices(c *gin.Context, unit schemas.OrgUnit) ([]schemas.OrgRef, error) {
	var lower []schemas.OrgUnit
	if err := s.db.WithContext(c.Request.Context()).Where("path LIKE ? AND id <> ? AND kind = ?", unit.Path+"%", unit.ID, schemas.OrgKindOrganization).
		Order("path").Limit(200).Find(&lower).Error; err != nil {
		return nil, unavailable("load lower offices", err)
	}
	var refs []schemas.OrgRef
	for _, u := range lower {
		refs = append(refs, schemas.OrgRef{ID: u.ID, Name: u.Name})
	}
	return refs, nil
}

// ReportResponse is GET /api/v1/reports/{id}. Reporter is present only for the intake clerks
// and supervisors of the receiving office.
type ReportResponse struct {
	schemas.Report
	Reporter  *schemas.ReporterIdentity `json:"reporter,omitempty"`
	Materials []schemas.ReportMaterial  `json:"materials"`
}

// getReport reads a report: its content for whoever may see the case, and the reporter's
// identity only for the receiving office's intake clerks and supervisors. Every reading of an
// identity is audited (who read it, never what).
func (s *Server) getReport(c *gin.Context) error {
	row, err := s.loadCaseFor(c)
	if err != nil {
		return err
	}
	if row.Kind != schemas.KindReport {
		return problem(probNotFound, "举报 "+row.ID+" 不存在")
	}
	ctx := c.Request.Context()
	var resp ReportResponse
	if err := s.db.WithContext(ctx).First(&resp.Report, "id = ?", row.ID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return problem(probNotFound, "举报 "+row.ID+" 不存在")
		}
		return unavailable("load report", err)
	}
	if err := s.db.WithContext(ctx).Where("report_id = ?", row.ID).Order("id").Find(&resp.Materials).Error; err != nil {
		return unavailable("load material", err)
	}
	p := principal(c)
	if resp.IdentitySealed != "" && mayReadReporter(p, resp.OrgUnitID) {
		id, err := s.openIdentity(ctx, resp.Report, p.ID)
		if err != nil {
			return unavailable("open reporter identity", err)
		}
		resp.Reporter = &id
	}
	return reply(c, http.StatusOK, resp)
}

// mayReadReporter: only the receiving supervision office's intake clerks and supervisors.
func mayReadReporter(p *Principal, orgUnitID string) bool {
	return p.OrgUnitID == orgUnitID && (p.Roles.Has(schemas.RoleIntakeClerk) || p.Roles.Has(schemas.RoleSupervisor))
}

func (s *Server) openIdentity(ctx context.Context, r schemas.Report, reader string) (schemas.ReporterIdentity, error) {
	var id schemas.ReporterIdentity
	if s.reports.ReporterKeys == nil {
		return id, errors.New("JIANDU_REPORTER_KEYS is not configured")
	}
	sealed, err := base64.StdEncoding.DecodeString(r.IdentitySealed)
	if err != nil {
		return id, err
	}
	plain, err := s.reports.ReporterKeys.Open(r.KeyID, sealed, []byte(r.ID))
	if err != nil {
		return id, err
	}
	if err := json.Unmarshal(plain, &id); err != nil {
		return id, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return appendReadAudit(tx, r.ID, reader)
	})
	return id, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// appendReadAudit records that an official read a reporter's identity, on the report's trail.
func appendReadAudit(tx *gorm.DB, reportID, reader string) error {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return audit.Append(tx, &schemas.AuditEvent{
		CaseID: reportID, At: time.Now().UTC(), Actor: reader, Action: "report.identity_read",
		DedupKey: "identity-read/" + reportID + "/" + hex.EncodeToString(b[:]),
	})
}
