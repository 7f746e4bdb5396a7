package api

import (
	"net/http"
	"testing"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/internal/codec"
	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/secrets"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// TestEngineViewPermission: /codec (and the engine_view flag that shows the Temporal UI) is for
// officials of the root org unit holding an engine-view role: supervisors by default, or the
// roles JIANDU_ENGINE_VIEW_ROLES names. Supervisors and intake clerks of lower offices are
// refused.
func TestEngineViewPermission(t *testing.T) {
	ring, err := secrets.Parse("t1:wGIaqrYIdxQodFZXXGxHmPQp/mwNAdmOiaxYyXa2TZQ=")
	if err != nil {
		t.Fatal(err)
	}
	testenv.Seeded(t, func(t *testing.T, gdb *gorm.DB, _ string) {
		serve := func(roles ...schemas.Role) *harness {
			h := newHarness(t, gdb, nil)
			h.srv = New(Deps{DB: gdb, Temporal: h.srv.temporal, Keys: testKeys, Logger: testenv.Logger(t), Registry: metrics.NewRegistry(),
				Reports: ReportDeps{PayloadCodec: codec.New(ring), EngineViewRoles: roles}})
			return newServerFor(t, h)
		}
		decode := func(h *harness, who string) int {
			return h.do("POST", "/codec/decode", h.token(who), `{"payloads":[]}`).status
		}
		def := serve()
		for who, want := range map[string]int{
			"wang.jian": http.StatusOK,        // supervisor of the root office
			"bao.yin":   http.StatusForbidden, // supervisor of a city office
			"hu.jun":    http.StatusForbidden, // supervisor of a county office
			"he.ping":   http.StatusForbidden, // intake clerk of a city office
			"sun.li":    http.StatusForbidden, // intake clerk of the root office: not by default
			"zhao.min":  http.StatusForbidden, // leader of the root office
		} {
			if got := decode(def, who); got != want {
				t.Errorf("default: %s decodes: %d, want %d", who, got, want)
			}
		}
		var me MeResponse
		if def.do("GET", "/api/v1/me", def.token("bao.yin"), nil).json(t, &me); me.EngineView {
			t.Error("a city supervisor is offered the engine view")
		}
		custom := serve(schemas.RoleIntakeClerk)
		if got := decode(custom, "sun.li"); got != http.StatusOK {
			t.Errorf("configured intake clerks: the root office's clerk decodes: %d", got)
		}
		if got := decode(custom, "wang.jian"); got != http.StatusForbidden {
			t.Errorf("configured intake clerks: the root supervisor decodes: %d", got)
		}
		if custom.do("GET", "/api/v1/me", custom.token("sun.li"), nil).json(t, &me); !me.EngineView {
			t.Error("the configured role is not offered the engine view")
		}
	})
}
