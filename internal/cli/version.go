package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// BuildInfo is what the binary knows of its build (runtime/debug's build
// information), as `botport version` prints it.
type BuildInfo struct {
	// Version is the module's version: v1.2.3 for `go install …@v1.2.3`,
	// "(devel)" for a build from a work tree.
	Version string `json:"version"`
	// Revision, Time and Modified are the commit the binary was built from,
	// its time, and whether the work tree had changes; absent when the build
	// did not record them (go run, go test, -buildvcs=false).
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion"`
}

// ReadBuildInfo reads the running binary's build information.
func ReadBuildInfo() BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok { // a binary built without module support
		return BuildInfo{Version: "(unknown)", GoVersion: "unknown"}
	}
	out := BuildInfo{Version: bi.Main.Version, GoVersion: bi.GoVersion}
	if out.Version == "" {
		out.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			out.Revision = s.Value
		case "vcs.time":
			out.Time = s.Value
		case "vcs.modified":
			out.Modified = s.Value == "true"
		}
	}
	return out
}

// String is the build information for people, one fact a line.
func (b BuildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "botport %s\n", b.Version)
	if b.Revision != "" {
		mod := ""
		if b.Modified {
			mod = " (with uncommitted changes)"
		}
		fmt.Fprintf(&s, "  commit: %s%s\n", b.Revision, mod)
	}
	if b.Time != "" {
		fmt.Fprintf(&s, "  time:   %s\n", b.Time)
	}
	fmt.Fprintf(&s, "  go:     %s\n", b.GoVersion)
	return s.String()
}

func versionCmd(env Env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version the binary was built with",
		Args:  NoArgs,
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for machines")
	cmd.RunE = func(*cobra.Command, []string) error {
		if asJSON {
			return printJSON(env.Stdout, ReadBuildInfo())
		}
		_, err := fmt.Fprint(env.Stdout, ReadBuildInfo().String())
		return err
	}
	return cmd
}
