package api

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/jiandu/jiandu/internal/metrics"
	"github.com/jiandu/jiandu/internal/testenv"
)

// TestOpenAPIMatchesRoutes keeps openapi.yaml true: every route is documented, and every
// documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapiSpec, &spec); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range spec.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	param := regexp.MustCompile(`[:*]([A-Za-z_]+)`)
	served := map[string]bool{}
	srv := New(Deps{Registry: metrics.NewRegistry(), Logger: testenv.Logger(t)})
	for _, r := range srv.engine().Routes() {
		if webPage(r.Path) {
			continue // HTML pages of the web inbox (api/web*.go), not part of the REST API
		}
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("openapi.yaml documents operations that are not served:\n  %s", strings.Join(extra, "\n  "))
	}
	if len(served) < 8 {
		t.Fatalf("only %d routes found", len(served))
	}
}
