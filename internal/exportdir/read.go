package exportdir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/botport/botport/internal/botdef"
)

// Error is a problem with the folder's layout (a missing or stray file, a
// file that is not JSON), phrased for the user with the file's path.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func layoutErr(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// Read assembles the export an unpacked folder holds: botDefinition.json
// (its members in bot.json's order, formatted as the platform writes it),
// config.json, the icon and the bot-functions scripts. Layout problems are
// *Error; other errors come from the file system.
func Read(dir string) (*Export, error) {
	r := &reader{dir: dir, used: map[string]bool{}, org: &origins{dir: dir, members: map[string]*origin{}}}
	return r.read()
}

type reader struct {
	dir  string
	used map[string]bool // files consumed, by slash path
	org  *origins
}

func (r *reader) file(rel string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(rel)))
	if err == nil {
		r.used[rel] = true
	}
	return b, err
}

// json reads a file that must hold one JSON value.
func (r *reader) json(rel string) ([]byte, error) {
	b, err := r.file(rel)
	if err != nil {
		return nil, err
	}
	if !jsontext.Value(b).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) {
		v := jsontext.Value(bytes.Clone(b))
		err := v.Compact()
		return nil, layoutErr("%s: not JSON: %v", rel, err)
	}
	return bytes.TrimSpace(b), nil
}

// list returns the names of the files in a folder of the layout, sorted;
// none when the folder does not exist.
func (r *reader) list(folder string) ([]string, error) {
	es, err := os.ReadDir(filepath.Join(r.dir, folder))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".") { // .DS_Store, an editor's swap file
			continue
		}
		if e.IsDir() {
			return nil, layoutErr("%s/%s: the layout has no nested folders", folder, e.Name())
		}
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out, nil
}

func (r *reader) read() (*Export, error) {
	raw, err := r.file(FileTop)
	if err != nil {
		return nil, err
	}
	var top topFile
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, layoutErr("%s: %v", FileTop, err)
	}
	if top.Format != Format {
		return nil, layoutErr("%s: format %q, want %q", FileTop, top.Format, Format)
	}
	for name := range top.Settings {
		if !slices.Contains(top.Members, name) {
			return nil, layoutErr("%s: setting %q is not in members", FileTop, name)
		}
	}
	def := []byte{'{'}
	for i, m := range top.Members {
		v, err := r.member(m, top.Settings)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			def = append(def, ',')
		}
		def, _ = jsontext.AppendQuote(def, m)
		def = append(def, ':')
		def = append(def, v...)
	}
	def = append(def, '}')
	pretty := jsontext.Value(def)
	if err := pretty.Format(jsontext.AllowDuplicateNames(true), jsontext.Multiline(true), jsontext.WithIndent("    "),
		jsontext.SpaceAfterColon(true), jsontext.EscapeForHTML(false)); err != nil {
		return nil, layoutErr("the assembled %s is not JSON: %v", botdef.FileDefinition, err)
	}
	e := &Export{Definition: pretty, Origin: r.org.Origin}
	if e.Config, err = r.json(FileConfig); err != nil {
		return nil, err
	}
	if b, err := r.file(FileIcon); err == nil {
		e.Icon = b
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	fns, err := r.list(DirFunctions)
	if err != nil {
		return nil, err
	}
	for _, name := range fns {
		b, err := r.file(DirFunctions + "/" + name)
		if err != nil {
			return nil, err
		}
		e.Functions = append(e.Functions, File{Name: name, Data: b})
	}
	return e, r.strays()
}

// member returns a member's value from wherever the layout put it.
func (r *reader) member(m string, settings map[string]json.RawMessage) ([]byte, error) {
	if v, ok := settings[m]; ok {
		r.org.members[m] = &origin{file: FileTop, prefix: "/settings/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(m)}
		return v, nil
	}
	own := DirDefinition + "/" + m + ".json"
	if _, err := os.Stat(filepath.Join(r.dir, filepath.FromSlash(own))); err == nil {
		r.org.members[m] = &origin{file: own}
		return r.json(own)
	}
	switch {
	case m == "sentences":
		return r.utterances()
	case split[m] != "":
		return r.elements(m)
	}
	return nil, layoutErr("%s lists member %q, but %s does not exist", FileTop, m, own)
}

// elements reads a split collection: its folder's files in name order.
func (r *reader) elements(member string) ([]byte, error) {
	folder := split[member]
	names, err := r.list(folder)
	if err != nil {
		return nil, err
	}
	out := []byte{'['}
	n := 0
	org := &origin{}
	r.org.members[member] = org
	for _, name := range names {
		if !strings.HasSuffix(name, ".json") {
			return nil, layoutErr("%s/%s: only .json files belong there", folder, name)
		}
		rel := folder + "/" + name
		v, err := r.json(rel)
		if err != nil {
			return nil, err
		}
		if len(v) == 0 || v[0] != '{' {
			return nil, layoutErr("%s: an element must be a JSON object", rel)
		}
		if member == "dialogComponents" {
			if v, err = r.script(rel, v); err != nil {
				return nil, err
			}
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, v...)
		org.elems = append(org.elems, elemOrigin{file: rel, index: -1})
	}
	return append(out, ']'), nil
}

// script puts a script file's code back into its component.
func (r *reader) script(rel string, comp []byte) ([]byte, error) {
	f, err := botdef.Fields(comp)
	if err != nil {
		return nil, layoutErr("%s: %v", rel, err)
	}
	v := botdef.Get(f, "script")
	if v.Kind() != '{' {
		return comp, nil
	}
	var ref scriptRef
	if err := json.Unmarshal(v, &ref); err != nil || ref.File == "" {
		return comp, nil
	}
	if !strings.HasPrefix(ref.File, DirScripts+"/") || strings.Count(ref.File, "/") != 1 || !strings.HasSuffix(ref.File, ".js") {
		return nil, layoutErr("%s: script file %q is not scripts/<name>.js", rel, ref.File)
	}
	if r.used[ref.File] {
		return nil, layoutErr("%s: script file %s is named by two components", rel, ref.File)
	}
	code, err := r.file(ref.File)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, layoutErr("%s: script file %s does not exist", rel, ref.File)
	}
	if err != nil {
		return nil, err
	}
	text := string(code)
	if !ref.Raw {
		text = encodeURIComponent(text)
	}
	q, err := jsontext.AppendQuote(nil, text)
	if err != nil {
		return nil, layoutErr("%s: %v", ref.File, err)
	}
	return botdef.Object(botdef.Set(f, "script", q)), nil
}

// utterances concatenates the utterance files, in name order.
func (r *reader) utterances() ([]byte, error) {
	names, err := r.list(DirUtterances)
	if err != nil {
		return nil, err
	}
	out := []byte{'['}
	n := 0
	org := &origin{}
	r.org.members["sentences"] = org
	for _, name := range names {
		rel := DirUtterances + "/" + name
		if !strings.HasSuffix(name, ".json") {
			return nil, layoutErr("%s: only .json files belong there", rel)
		}
		v, err := r.json(rel)
		if err != nil {
			return nil, err
		}
		var els []jsontext.Value
		if err := json.Unmarshal(v, &els); err != nil {
			return nil, layoutErr("%s: must be an array of utterances", rel)
		}
		for i, el := range els {
			if n > 0 {
				out = append(out, ',')
			}
			n++
			out = append(out, el...)
			org.elems = append(org.elems, elemOrigin{file: rel, index: i})
		}
	}
	return append(out, ']'), nil
}

// strays refuses files in the layout's folders that the folder's bot.json
// does not account for: a script no component names, the file of a member
// bot.json does not list. Such a file would be ignored without a word.
func (r *reader) strays() error {
	for _, name := range managed() {
		if name == FileIcon || name == FileTop || name == FileConfig {
			continue
		}
		files, err := r.list(name)
		if err != nil {
			return err
		}
		for _, f := range files {
			rel := name + "/" + f
			if !r.used[rel] {
				return layoutErr("%s is not part of the export %s describes (remove it, or add its member)", rel, FileTop)
			}
		}
	}
	return nil
}
