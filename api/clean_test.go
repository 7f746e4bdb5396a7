package api

import "testing"

// The embedded openapi.yaml parses (else checkBodyText refuses every body), and a broken
// document is reported, not panicked on.
func TestAPIDocParses(t *testing.T) {
	if apiDocErr != nil || apiDoc["paths"] == nil {
		t.Fatalf("embedded openapi.yaml: %v", apiDocErr)
	}
	if _, err := parseAPIDoc([]byte("paths: [unclosed")); err == nil {
		t.Fatal("a broken document parsed")
	}
}
