package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/exportdir"
)

// unpackedFiles lists what to upload for a folder holding an unpacked
// export: the files it assembles into (exportdir.Read), from memory.
func unpackedFiles(path string) (def, cfg, icon *localFile, scripts []*localFile, err error) {
	e, err := exportdir.Read(path)
	if err != nil {
		if _, ok := err.(*exportdir.Error); ok {
			return nil, nil, nil, nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("%s: %w", path, err)}
		}
		return nil, nil, nil, nil, err
	}
	mem := func(name, ext string, data []byte) *localFile {
		return &localFile{name: name, ext: ext, size: int64(len(data)), open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}}
	}
	def, cfg = mem("botDefinition.json", "json", e.Definition), mem("config.json", "json", e.Config)
	if e.Icon != nil {
		icon = mem("icon.png", "png", e.Icon)
	}
	for _, f := range e.Functions {
		scripts = append(scripts, mem(f.Name, "js", f.Data))
	}
	return def, cfg, icon, scripts, nil
}

// writeUnpacked writes a downloaded export zip unpacked into dir and
// reports it as the export command does.
func writeUnpacked(env Env, asJSON bool, botID, zipPath, dir string, st *client.ExportStatus) error {
	data, err := os.ReadFile(zipPath)
	if err != nil {
		return err
	}
	e, err := unzip(data)
	if err != nil {
		return err
	}
	t, err := exportdir.Build(e)
	if err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	if err := t.Sync(dir); err != nil {
		return err
	}
	if asJSON {
		return printJSON(env.Stdout, struct {
			Dir    string               `json:"dir"`
			Files  int                  `json:"files"`
			Export *client.ExportStatus `json:"export"`
		}{dir, len(t), st})
	}
	fmt.Fprintln(env.Stdout, safe(fmt.Sprintf("exported bot %s unpacked to %s (%s)", botID, dir, plural(len(t), "file", "files"))))
	return nil
}
