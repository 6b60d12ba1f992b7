package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/bundle"
	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/exportdir"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/kore"
)

// side is one side of a comparison, as the command line names it: a local
// export (a folder, unpacked or not, a zip, a botDefinition.json) or a
// bot on a host, PROFILE:BOT[@VERSION], where BOT is a name or an st- id,
// VERSION a committed version number (botport), "published" or "latest"
// (the default), and an empty PROFILE the command's own connection.
type side struct {
	spec    string
	path    string // local
	profile string
	bot     string
	version int    // > 0: that committed version
	typ     string // export type: latest or published
}

// parseSide reads a side. An existing path is local, whatever it looks
// like; anything else must be PROFILE:BOT.
func parseSide(spec string) (side, error) {
	if _, err := os.Stat(spec); err == nil {
		return side{spec: spec, path: spec}, nil
	}
	prof, bot, ok := strings.Cut(spec, ":")
	if !ok || bot == "" {
		return side{}, usage("%s: no such file or folder, and not PROFILE:BOT", spec)
	}
	s := side{spec: spec, profile: prof, bot: bot, typ: "latest"}
	if i := strings.LastIndexByte(bot, '@'); i > 0 {
		switch v := bot[i+1:]; v {
		case "latest", "published":
			s.bot, s.typ = bot[:i], v
		default:
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				s.bot, s.version = bot[:i], n
			}
		}
	}
	return s, nil
}

// loaded is a side's export, in memory.
type loaded struct {
	spec   string
	zip    []byte // the export zip, for a bot on a host or a zip file
	export *exportdir.Export
	bot    *diff.Bot
	// For a bot on a host: its client, id and name.
	client *client.Client
	botID  string
	name   string
}

// load reads a side. interval paces the export's status polls.
func (c *conn) load(ctx context.Context, env Env, s side, interval time.Duration) (*loaded, error) {
	if s.path != "" {
		e, zip, err := readLocal(s.path)
		if err != nil {
			return nil, err
		}
		return withBot(&loaded{spec: s.spec, zip: zip, export: e})
	}
	cl, err := c.forProfile(env, s.profile)
	if err != nil {
		return nil, err
	}
	id, name, err := findBot(ctx, cl, s.bot)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if s.version > 0 {
		if _, err := cl.ExportVersion(ctx, id, s.version, &buf); err != nil {
			return nil, fmt.Errorf("export version %d of %s on %s: %w", s.version, s.bot, describe(cl), err)
		}
	} else if err := exportZip(ctx, cl, id, s.typ, interval, &buf); err != nil {
		return nil, fmt.Errorf("export %s from %s: %w", s.bot, describe(cl), err)
	}
	e, err := unzip(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return withBot(&loaded{spec: s.spec, zip: buf.Bytes(), export: e, client: cl, botID: id, name: name})
}

func withBot(l *loaded) (*loaded, error) {
	fns := map[string][]byte{}
	for _, f := range l.export.Functions {
		fns[f.Name] = f.Data
	}
	var cfg io.Reader
	if l.export.Config != nil {
		cfg = bytes.NewReader(l.export.Config)
	}
	b, err := diff.Parse(bytes.NewReader(l.export.Definition), cfg, l.export.Icon, fns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.spec, err)
	}
	l.bot = b
	return l, nil
}

// findBot resolves a bot named by id or by exact name on a host, across
// every page of Get Bots. Several bots of that name are refused, named.
func findBot(ctx context.Context, cl *client.Client, bot string) (id, name string, err error) {
	all, err := cl.AllBots(ctx)
	if err != nil {
		return "", "", fmt.Errorf("list the bots on %s: %w", describe(cl), err)
	}
	var match []client.Bot
	for _, b := range all {
		if b.Name == bot || kore.IsBotID(bot) && b.ID == bot {
			match = append(match, b)
		}
	}
	switch len(match) {
	case 0:
		return "", "", &ExitError{Code: ExitFailed, Err: fmt.Errorf("no bot %q on %s", bot, describe(cl))}
	case 1:
		return match[0].ID, match[0].Name, nil
	}
	ids := make([]string, len(match))
	for i, b := range match {
		ids[i] = b.ID
	}
	return "", "", &ExitError{Code: ExitFailed, Err: fmt.Errorf("%d bots are named %q on %s (%s): name one by its id",
		len(match), bot, describe(cl), strings.Join(ids, ", "))}
}

// exportZip exports a bot (exportType typ) and downloads the zip into w.
func exportZip(ctx context.Context, cl *client.Client, botID, typ string, interval time.Duration, w io.Writer) error {
	start, err := cl.Export(ctx, botID, client.ExportRequest{ExportType: typ})
	if err != nil {
		return err
	}
	st, err := cl.WaitExport(ctx, botID, start.ID, interval)
	if err != nil {
		return err
	}
	if st.ID != start.ID {
		return fmt.Errorf("another export of the bot (%s) started meanwhile; try again", st.ID)
	}
	if st.Status != "success" {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("export %s %s: %s", st.ID, st.Status, st.Message)}
	}
	_, err = cl.Download(ctx, st.DownloadURL, w)
	return err
}

// readLocal reads a local export into memory: its files, and the zip's
// bytes when it is one.
func readLocal(path string) (*exportdir.Export, []byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, usage("%v", err)
	}
	b, err := bundle.FromPath(path, exportzip.Limits{})
	if err != nil {
		if be, ok := bundle.AsError(err); ok {
			return nil, nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("%s: %s", path, be.Msg)}
		}
		return nil, nil, err
	}
	defer b.Close()
	e, err := exportOf(b)
	if err != nil {
		return nil, nil, err
	}
	var zip []byte
	if !fi.IsDir() {
		if data, err := os.ReadFile(path); err == nil && bytes.HasPrefix(data, []byte("PK")) {
			zip = data
		}
	}
	return e, zip, nil
}

// unzip reads an export zip held in memory.
func unzip(data []byte) (*exportdir.Export, error) {
	b, err := bundle.FromZip(bytes.NewReader(data), int64(len(data)), exportzip.Limits{})
	if err != nil {
		if be, ok := bundle.AsError(err); ok {
			return nil, errors.New("the export zip: " + be.Msg)
		}
		return nil, err
	}
	defer b.Close()
	return exportOf(b)
}

// exportOf reads a bundle's files into memory.
func exportOf(b *bundle.Bundle) (*exportdir.Export, error) {
	read := func(s bundle.Source) ([]byte, error) {
		rc, err := s.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	e := &exportdir.Export{}
	var err error
	if e.Definition, err = read(b.Definition); err != nil {
		return nil, err
	}
	if b.Config.Open != nil {
		if e.Config, err = read(b.Config); err != nil {
			return nil, err
		}
	}
	if b.Icon != nil {
		if e.Icon, err = read(*b.Icon); err != nil {
			return nil, err
		}
	}
	for _, f := range b.Functions {
		data, err := read(f)
		if err != nil {
			return nil, err
		}
		e.Functions = append(e.Functions, exportdir.File{Name: f.Name, Data: data})
	}
	return e, nil
}
