package ui

import (
	"fmt"
	"html/template"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// pageNames are the page templates; each defines "content" (and may define
// "head") inside the layout. "fragments" holds the parts the live stream
// renders alone.
var pageNames = []string{"login", "error", "imports", "import", "bots", "bot", "diff", "restore"}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"dur":   duration,
	"pct":   func(f float64) string { return strconv.FormatFloat(max(f, 0.5), 'f', 1, 64) + "%" },
	"lower": strings.ToLower,
}

// parsePages parses every page with the layout and the fragments.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/fragments.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{"fragments": base}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(assets, "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		if _, err := t.New(name).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}
