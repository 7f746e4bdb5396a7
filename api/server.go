// Package api is Jiandu's REST API: gin routes, token authentication, problem+json errors and
// the OpenAPI document that describes every route.
package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/cycles"
)

//go:embed openapi.yaml
var openapiSpec []byte

// Deps are what the API needs from the process that runs it.
type Deps struct {
	DB           *gorm.DB
	Temporal     client.Client
	Keys         auth.Keys
	Logger       *slog.Logger
	Registry     *prometheus.Registry
	MaxBodyBytes int64
	TaskQueue    string // where case workflows are started
	// Reports configures 12380 intake, the public channel and the codec endpoint.
	Reports ReportDeps
	// Web configures the web inbox, its sessions and the Temporal UI proxy (api/web*.go).
	Web WebDeps
	// Files configures documents: the blob store and the upload limits (api/files.go).
	Files FilesDeps
	// Cycles are the periodic processes whose schedules the admin routes show and steer; nil:
	// every registered cycle (cycles.Registered). Tests add a cycle of their own.
	Cycles []cycles.Cycle
	// MetricsElsewhere leaves /metrics off the API's routes: the process serves
	// MetricsHandler on an address of its own (JIANDU_API_METRICS_ADDR).
	MetricsElsewhere bool
}

// MetricsHandler serves the registry's metrics in the Prometheus text format.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// Server holds the API's dependencies; its methods are the handlers.
type Server struct {
	db        *gorm.DB
	temporal  client.Client
	keys      auth.Keys
	log       *slog.Logger
	registry  *prometheus.Registry
	maxBody   int64
	taskQueue string
	metrics   httpMetrics
	reports   *reportsConfig
	web       *webConfig
	oidc      *oidcClient
	inner     innerEngine // the engine that web pages send their API requests to
	files     FilesDeps
	cycles    []cycles.Cycle

	metricsElsewhere bool
}

// New builds a Server. It registers its HTTP metrics with deps.Registry.
func New(deps Deps) *Server {
	if deps.MaxBodyBytes <= 0 {
		deps.MaxBodyBytes = 1 << 20
	}
	if deps.Registry != nil && deps.DB != nil {
		deps.Registry.MustRegister(newAttentionCollector(deps.DB))
	}
	return &Server{
		db:        deps.DB,
		temporal:  deps.Temporal,
		keys:      deps.Keys,
		log:       deps.Logger,
		registry:  deps.Registry,
		maxBody:   deps.MaxBodyBytes,
		taskQueue: deps.TaskQueue,
		metrics:   newHTTPMetrics(deps.Registry),
		reports:   newReports(deps.Reports),
		web:       newWebConfig(deps.Web),
		oidc:      newOIDC(deps.Web.OIDC),
		files:     newFilesConfig(deps.Files),
		cycles:    deps.Cycles,

		metricsElsewhere: deps.MetricsElsewhere,
	}
}

// Handler is the API's http.Handler.
func (s *Server) Handler() http.Handler { return s.engine() }

func (s *Server) engine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	h := s.handle
	r.Use(s.requestID, s.recover, s.accessLog, s.handle(s.limitBody))
	r.NoRoute(h(func(c *gin.Context) error {
		if webPage(c.Request.URL.Path) {
			s.errorPage(c, http.StatusNotFound, "页面不存在。") // a Chinese page for browsers (api/web.go)
			return nil
		}
		return problem(probNotFound, "没有此地址："+c.Request.URL.Path)
	}))
	r.NoMethod(h(func(c *gin.Context) error {
		return problem(probMethod, c.Request.URL.Path+"不支持"+c.Request.Method+"请求")
	}))

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", h(s.readyz))
	if !s.metricsElsewhere {
		r.GET("/metrics", gin.WrapH(MetricsHandler(s.registry)))
	}
	r.GET("/problems/:slug", s.problemPage)
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", openapiSpec) })

	v1 := r.Group("/api/v1", h(s.authenticate), h(s.cleanParams), h(s.idempotency))
	v1.GET("/me", h(s.me))
	v1.GET("/org-units", h(s.listOrgUnits))
	v1.POST("/org-units", h(s.createOrgUnit))
	v1.GET("/officials", h(s.listOfficials))
	v1.POST("/officials", h(s.createOfficial))
	v1.PATCH("/officials/:id", h(s.updateOfficial))
	v1.GET("/officials/:id/restrictions", h(s.officialRestrictions))
	v1.GET("/officials/:id/file", h(s.cadreFile))
	v1.POST("/officials/:id/password", h(s.setOfficialPassword))
	v1.GET("/notifications", h(s.listNotifications))
	v1.POST("/notifications/:id/read", h(s.markNotificationRead))
	v1.GET("/tasks", h(s.listTasks))
	v1.GET("/tasks/:id", h(s.getTask))
	v1.POST("/tasks/:id/claim", h(s.claimTask))
	v1.POST("/tasks/:id/unclaim", h(s.unclaimTask))
	v1.POST("/tasks/:id/complete", h(s.completeTask))
	v1.POST("/tasks/:id/reassign", h(s.reassignTask))
	v1.POST("/tasks/:id/extend", h(s.extendTask))
	v1.GET("/cases", h(s.listCases))
	s.startRoutes(v1) // POST /cases/<kind> and /reports: api/starters.go
	v1.GET("/cases/:id", h(s.getCase))
	v1.POST("/cases/:id/cancel", h(s.cancelCase))
	v1.POST("/cases/:id/subjects", h(s.addSubject))
	v1.POST("/cases/:id/objections", h(s.fileObjection))
	v1.POST("/cases/:id/irregularities", h(s.flagIrregularity))
	v1.GET("/cases/:id/audit", h(s.caseAudit))
	v1.GET("/cases/:id/matters-draw", h(s.mattersDraw))
	v1.GET("/cases/:id/files", h(s.caseFiles))
	v1.POST("/files", h(s.uploadFile))
	v1.GET("/files/:id", h(s.getFile))
	v1.GET("/files/:id/content", h(s.downloadFile))
	v1.GET("/reports/:id", h(s.getReport))
	v1.GET("/calendar/:year", h(s.getCalendar))
	v1.PUT("/calendar/:year", h(s.putCalendar))
	v1.GET("/admin/audit", h(s.adminAudit))
	v1.GET("/admin/schedules", h(s.listSchedules))
	v1.POST("/admin/schedules/:id/pause", h(s.pauseSchedule))
	v1.POST("/admin/schedules/:id/unpause", h(s.unpauseSchedule))
	v1.POST("/admin/schedules/:id/trigger", h(s.triggerSchedule))
	v1.GET("/analysis", h(s.getAnalysis)) // the analysis report (api/analysis.go)
	v1.GET("/analysis/workbook", h(s.getAnalysisWorkbook))
	v1.GET("/analysis/reports", h(s.listAnalysisReports))
	v1.GET("/analysis/reports/:id", h(s.getAnalysisReport))
	v1.GET("/analysis/reports/:id/workbook", h(s.getAnalysisReportWorkbook))

	// The 12380 web channel: no token, rate-limited per client address (api/public.go).
	public := r.Group("/public/v1", h(s.cleanParams))
	public.POST("/reports", s.publicLimit(s.reports.submits), h(s.publicReport))
	public.GET("/reports/:code", s.publicLimit(s.reports.lookups), h(s.publicReportStatus))
	public.POST("/reports/:code/material", s.publicLimit(s.reports.lookups), h(s.publicReportMaterial))
	public.POST("/reports/:code/files", s.publicLimit(s.reports.submits), h(s.publicReportFile))

	// Temporal's remote codec for the UI and CLI (api/codec.go).
	codec := r.Group("/codec", s.codecCORS)
	codec.OPTIONS("/encode", s.codecCORS)
	codec.OPTIONS("/decode", s.codecCORS)
	codec.POST("/encode", h(s.authenticate), h(s.codec))
	codec.POST("/decode", h(s.authenticate), h(s.codec))

	// The web inbox, the 12380 public page and the Temporal UI behind the same login (api/web*.go).
	s.webRoutes(r)
	return r
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only when both the database and Temporal answer, so a load balancer takes
// an instance out of rotation while either is down.
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := gin.H{"database": "ok", "temporal": "ok"}
	// The causes go to the log only: /readyz answers anyone, and error text names hosts,
	// users and schemas.
	var failed []FieldError
	if err := s.pingDB(ctx); err != nil {
		checks["database"] = "unavailable"
		failed = append(failed, FieldError{Field: "database", Message: "数据库暂不可用"})
		s.log.WarnContext(ctx, "not ready: database", "err", err)
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"] = "unavailable"
		failed = append(failed, FieldError{Field: "temporal", Message: "工作流引擎暂不可用"})
		s.log.WarnContext(ctx, "not ready: temporal", "err", err)
	}
	if len(failed) > 0 {
		return problem(probUnavailable, "数据库或工作流引擎暂不可用", failed...)
	}
	return reply(c, http.StatusOK, gin.H{"status": "ready", "checks": checks})
}

func (s *Server) pingDB(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return err
	}
	// A ping can succeed on a pooled connection to a file that is gone; a query cannot.
	return s.db.WithContext(ctx).Exec("SELECT 1 FROM schema_migrations LIMIT 1").Error
}
