package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// runVersion prints what this binary was built from: the commit (and whether the tree had
// uncommitted changes), its time, the Go toolchain and the Temporal SDK.
func runVersion(stdout io.Writer) error {
	_, err := fmt.Fprintln(stdout, versionText())
	return err
}

// commit is set by `make build` (-ldflags "-X main.commit=..."), for builds without VCS stamping.
var commit string

func versionText() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "jiandu (no build information)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	commit := commit
	if rev := settings["vcs.revision"]; rev != "" {
		commit = rev
	}
	commit, modified := strings.CutSuffix(commit, "+modified")
	if commit == "" {
		commit = "unknown"
	} else if len(commit) > 12 {
		commit = commit[:12]
	}
	if modified || settings["vcs.modified"] == "true" {
		commit += "+modified"
	}
	parts := []string{"jiandu " + info.Main.Version, "commit " + commit}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, "built from "+t)
	}
	parts = append(parts, info.GoVersion)
	for _, dep := range info.Deps {
		if dep.Path == "go.temporal.io/sdk" {
			parts = append(parts, "temporal-sdk "+dep.Version)
		}
	}
	return strings.Join(parts, ", ")
}
