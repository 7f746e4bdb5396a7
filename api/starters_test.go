package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
	"github.com/jiandu/jiandu/schemas"
)

// Every process that a request may start has its starter and its route; none that may not
// (a transfer is made by a report) has one; the web forms name their REST route.
func TestEveryStartableProcessHasItsStarter(t *testing.T) {
	routes := map[string]bool{}
	for _, r := range New(Deps{Registry: metrics.NewRegistry(), Logger: testenv.Logger(t)}).engine().Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	for _, p := range schemas.Processes() {
		st, ok := starters[p.Kind]
		switch {
		case len(p.Start) > 0 && !ok:
			t.Errorf("%s may be started by %v but has no starter in api/starters.go", p.Kind, p.Start)
		case len(p.Start) == 0 && ok:
			t.Errorf("%s has a starter but no role may start it", p.Kind)
		case ok && !routes[http.MethodPost+" /api/v1"+st.path]:
			t.Errorf("%s: POST /api/v1%s is not routed", p.Kind, st.path)
		}
	}
	for kind := range starters {
		if !kind.Valid() {
			t.Errorf("starter for unregistered kind %q", kind)
		}
	}
	forms := startForms()
	if len(forms) < 4 {
		t.Errorf("%d web start forms, want the four flat ones at least", len(forms))
	}
	for slug, f := range forms {
		if string(f.Kind) != slug || !strings.HasPrefix(f.Route, "/api/v1/") || !routes["POST "+f.Route] || f.Who == "" {
			t.Errorf("web start form %s: kind %s, route %s, who %q", slug, f.Kind, f.Route, f.Who)
		}
	}
	if len(webKinds()) != len(schemas.Processes()) {
		t.Errorf("the inbox filters %d kinds of %d", len(webKinds()), len(schemas.Processes()))
	}
}
