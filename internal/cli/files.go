package cli

import (
	"github.com/botport/botport/internal/exportdir"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// defaultIcon is a 1x1 PNG, uploaded when a folder has no icon.png: the API
// requires an icon for a new bot.
var defaultIcon = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

// localFile is one file to upload.
type localFile struct {
	name, ext string
	size      int64
	open      func() (io.ReadCloser, error)
}

// exportFiles lists what to upload for PATH: a folder's botDefinition.json,
// config.json, icon.png and *.js, or one export zip.
func exportFiles(path string) (zip *localFile, def, cfg, icon *localFile, scripts []*localFile, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, nil, nil, nil, usage("%v", err)
	}
	local := func(p, ext string, size int64) *localFile {
		return &localFile{name: filepath.Base(p), ext: ext, size: size, open: func() (io.ReadCloser, error) { return os.Open(p) }}
	}
	if fi.IsDir() && exportdir.Is(path) {
		def, cfg, icon, scripts, err := unpackedFiles(path)
		return nil, def, cfg, icon, scripts, err
	}
	if !fi.IsDir() {
		if !strings.EqualFold(filepath.Ext(path), ".zip") {
			return nil, nil, nil, nil, nil, usage("%s is neither a folder nor a .zip export", path)
		}
		return local(path, "zip", fi.Size()), nil, nil, nil, nil, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() {
			continue
		}
		p := filepath.Join(path, e.Name())
		switch lower := strings.ToLower(e.Name()); {
		case lower == "botdefinition.json":
			def = local(p, "json", info.Size())
		case lower == "config.json":
			cfg = local(p, "json", info.Size())
		case lower == "icon.png":
			icon = local(p, "png", info.Size())
		case strings.HasSuffix(lower, ".js"):
			scripts = append(scripts, local(p, "js", info.Size()))
		}
	}
	if def == nil || cfg == nil {
		return nil, nil, nil, nil, nil, usage("%s must hold botDefinition.json and config.json (or be an export zip)", path)
	}
	sort.Slice(scripts, func(i, j int) bool { return scripts[i].name < scripts[j].name })
	return nil, def, cfg, icon, scripts, nil
}
