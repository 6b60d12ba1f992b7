// Package exportdir writes a bot export unpacked into a folder meant for
// git, and reads such a folder back into the export's files. The layout is
// canonical (every JSON file in canonjson's form: members sorted, two-space
// indentation, a final newline), so two exports of an unchanged bot give
// byte-identical trees and a change to one dialog changes one file:
//
//	bot.json                 format marker, the definition's member order, its plain settings
//	config.json              the export's config.json (name, environment variables: values included)
//	icon.png                 the icon, as exported
//	definition/<member>.json the other collections of the definition, and localeData and botEvents
//	dialogs/<name>.json      one per dialog
//	components/<name>.json   one per dialog component (node bodies, shared between dialogs)
//	scripts/<name>.js        the code of script components, decoded
//	forms/, widgets/, panels/  one file per form, widget, panel
//	faqs/<name>.<lang>.json  one per knowledge graph (FAQ group) and language
//	utterances/<intent>.json the utterances of one intent, sorted
//	functions/<file>.js      bot-functions scripts, as exported
//
// The round trip is lossless in meaning, not in bytes: Read assembles a
// botDefinition.json whose members keep the export's order, whose objects
// have their members sorted and whose split collections are ordered by
// file name. The semantic fingerprint (package diff) of the assembled
// export equals the original's.
package exportdir

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Format is bot.json's format marker. A reader refuses any other.
const Format = "botport-unpacked-export/1"

// File names and folders of the layout.
const (
	FileTop       = "bot.json"
	FileConfig    = "config.json"
	FileIcon      = "icon.png"
	DirDefinition = "definition"
	DirScripts    = "scripts"
	DirUtterances = "utterances"
	DirFunctions  = "functions"
)

// split are the collections written one file per element, by folder. The
// element's file is named after its display name.
var split = map[string]string{
	"dialogs":          "dialogs",
	"dialogComponents": "components",
	"forms":            "forms",
	"widgets":          "widgets",
	"panels":           "panels",
	"knowledgeTasks":   "faqs",
}

// ownFile are members written whole to definition/<member>.json although
// they are not collections: they are large and change on their own.
var ownFile = map[string]bool{"localeData": true, "botEvents": true}

// managed lists the top-level names the layout owns: Write replaces them
// and leaves everything else in the folder (.git, a README) alone.
func managed() []string {
	out := []string{FileTop, FileConfig, FileIcon, DirDefinition, DirScripts, DirUtterances, DirFunctions}
	for _, d := range split {
		out = append(out, d)
	}
	return out
}

// Export is an export's files, in memory.
type Export struct {
	Definition []byte // botDefinition.json
	Config     []byte // config.json
	Icon       []byte // nil when the export has none
	Functions  []File // bot-functions scripts
	// Origin, set by Read, maps a JSON pointer into Definition to the
	// folder's file holding the value there (see origins.Origin).
	Origin func(pointer string) (file, ptr string, line, col int)
}

// File is a named file's content.
type File struct {
	Name string
	Data []byte
}

// Is reports whether dir holds an unpacked export: a bot.json with the
// format marker.
func Is(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, FileTop))
	if err != nil {
		return false
	}
	var top struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(b, &top) == nil && top.Format == Format
}
