package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/selection"
)

func exportCmd(env Env) *cobra.Command {
	var c conn
	var output, exportType, dir string
	var tasks, nlp, settings []string
	var interval time.Duration
	var quiet bool
	cmd := &cobra.Command{
		Use:   "export BOTID",
		Short: "Export a bot and download its zip",
		Long: `Start an export of a bot, wait for it, and download the zip (which imports
back as is). --tasks, --nlp and --settings export only those groups. With -o -
the zip goes to stdout, and nothing else does.`,
		Example: `  botport export st-… -o Demobot1.zip
  botport export st-… -o - > Demobot1.zip`,
		Args: ExactArgs(1),
	}
	bindConn(cmd, &c)
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "", `file to write, "-" for stdout (default: "<bot name>.zip", numbered rather than replace a file)`)
	f.StringVar(&exportType, "type", "latest", "latest or published")
	f.StringVar(&dir, "dir", "", "write the export unpacked into this folder for git: one file per dialog, form, widget, FAQ group (see README)")
	f.StringSliceVar(&tasks, "tasks", nil, "only these task groups: "+optionValues(selection.Tasks))
	f.StringSliceVar(&nlp, "nlp", nil, "only these NLP groups: "+optionValues(selection.NLPData))
	f.StringSliceVar(&settings, "settings", nil, "only these settings groups: "+optionValues(selection.Settings))
	f.DurationVar(&interval, "interval", time.Second, "how often the export's status is polled")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the export's id (ber-…) once it is accepted")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		toStdout := output == "-"
		switch {
		case interval <= 0:
			return usage("--interval must be positive")
		case quiet && c.json:
			return usage("-q and --json exclude each other")
		case toStdout && (c.json || quiet):
			return usage("-o - writes the zip to stdout: it takes neither --json nor -q")
		case toStdout && env.IsTerminal != nil && env.IsTerminal(env.Stdout):
			return usage("-o -: stdout is a terminal; redirect it to a file or a pipe, or give -o FILE")
		}
		if dir != "" && output != "" {
			return usage("-o and --dir exclude each other")
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		// The file is made before the export starts, so that a path that
		// cannot be written fails at once (exit 1), before the server works.
		var tmp *os.File
		if !toStdout {
			if tmp, err = os.CreateTemp(dirOf(output), ".botport-export-*"); err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			defer tmp.Close()
		}
		progress := env.Stdout
		if toStdout {
			progress = env.Stderr
		}
		tr := newTracker(ctx, env, progress, c.json || quiet)
		defer tr.close()
		announceRetries(cl, tr)

		req := client.ExportRequest{ExportType: exportType}
		if cmd.Flags().Changed("tasks") || cmd.Flags().Changed("nlp") || cmd.Flags().Changed("settings") {
			req.ExportOptions = &client.ExportOptions{Tasks: nonNil(tasks), NLPData: nonNil(nlp), Settings: nonNil(settings)}
		}
		tr.phase(safe("starting an export of bot " + args[0]))
		start, err := cl.Export(ctx, args[0], req)
		if err != nil {
			return fmt.Errorf("start export on %s: %w", describe(cl), err)
		}
		if quiet {
			fmt.Fprintln(env.Stdout, safe(start.ID))
		}
		tr.phase(safe("exporting bot " + args[0]))
		st, err := cl.WaitExport(ctx, args[0], start.ID, interval)
		if err != nil {
			return err
		}
		if st.Status != "success" {
			tr.close()
			if c.json {
				printJSON(env.Stdout, st)
			} else {
				fmt.Fprintln(env.Stderr, safe(fmt.Sprintf("export %s failed: %s", st.ID, st.Message)))
			}
			return failed()
		}
		dst := &countingWriter{w: env.Stdout, tr: tr}
		if tmp != nil {
			dst.w = tmp
		}
		tr.phase("downloading")
		d, err := cl.Download(ctx, st.DownloadURL, dst)
		if err != nil {
			return downloadError(ctx, dst, err)
		}
		tr.close()
		if toStdout {
			fmt.Fprintln(env.Stderr, safe(fmt.Sprintf("exported bot %s to stdout (%s)", args[0], byteCount(d.Size))))
			return nil
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if dir != "" {
			return writeUnpacked(env, c.json, args[0], tmp.Name(), dir, st)
		}
		path := output
		if path == "" {
			// A name the server chose never replaces a file: "Bot.zip", then "Bot-2.zip", ...
			if path, err = linkNew(tmp.Name(), safeName(d.FileName)); err != nil {
				return err
			}
		} else if err := os.Rename(tmp.Name(), path); err != nil {
			return err
		}
		switch {
		case quiet:
			return nil
		case c.json:
			return printJSON(env.Stdout, struct {
				File   string               `json:"file"`
				Bytes  int64                `json:"bytes"`
				Export *client.ExportStatus `json:"export"`
			}{path, d.Size, st})
		}
		fmt.Fprintln(env.Stdout, safe(fmt.Sprintf("exported bot %s to %s (%s)", args[0], path, byteCount(d.Size))))
		return nil
	}
	return cmd
}

// countingWriter writes a download, shows its progress and keeps its own
// write error: a failed write is a local failure (exit 1), a failed read
// the server's or the network's (exit 4).
type countingWriter struct {
	w   io.Writer
	tr  tracker
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	c.tr.phase("downloading (" + byteCount(c.n) + ")")
	return n, err
}

// downloadError classifies a failed download for its exit code.
func downloadError(ctx context.Context, dst *countingWriter, err error) error {
	var ce *client.Error
	switch {
	case dst.err != nil:
		return fmt.Errorf("write the download: %w", dst.err)
	case ctx.Err() != nil, errors.As(err, &ce):
		return fmt.Errorf("download: %w", err)
	}
	return &ExitError{Code: ExitUnavailable, Err: fmt.Errorf("download: %w", err)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func dirOf(path string) string {
	if path == "" {
		return "."
	}
	return filepath.Dir(path)
}

// safeName keeps a server-given file name inside the current directory.
func safeName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune { // no control characters in a file name
		if unsafeRune(r) {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return "export.zip"
	}
	return name
}

// linkNew gives the file at tmp the name want, or want with -2, -3, ...
// before its extension when that name is taken, without replacing a file.
func linkNew(tmp, want string) (string, error) {
	ext := filepath.Ext(want)
	base := strings.TrimSuffix(want, ext)
	for i := 1; i < 1000; i++ {
		name := want
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		err := os.Link(tmp, name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s and 999 numbered names exist; give -o", want)
}
