// Command openapilint checks api/openapi.yaml with a real OpenAPI 3 validator (kin-openapi),
// and Jiandu's own rules: every operation has a unique operationId and at least one tag.
//
//	go run ./tools/openapilint api/openapi.yaml
package main

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: openapilint <openapi.yaml>")
		os.Exit(2)
	}
	problems, err := lint(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapilint:", err)
		os.Exit(1)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "openapilint: %d problems in %s\n", len(problems), os.Args[1])
		os.Exit(1)
	}
	fmt.Printf("openapilint: %s is valid\n", os.Args[1])
}

// lint returns the problems of the document at path: the validator's, then missing or
// repeated operationIds and missing tags.
func lint(path string) ([]string, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	var problems []string
	if err := doc.Validate(context.Background()); err != nil {
		problems = append(problems, "invalid: "+err.Error())
	}
	seen := map[string]string{}
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		for method, op := range doc.Paths.Value(p).Operations() {
			where := method + " " + p
			switch {
			case op.OperationID == "":
				problems = append(problems, where+": no operationId")
			case seen[op.OperationID] != "":
				problems = append(problems, fmt.Sprintf("%s: operationId %q also used by %s", where, op.OperationID, seen[op.OperationID]))
			default:
				seen[op.OperationID] = where
			}
			if len(op.Tags) == 0 {
				problems = append(problems, where+": no tags")
			}
		}
	}
	sort.Strings(problems)
	return problems, nil
}
