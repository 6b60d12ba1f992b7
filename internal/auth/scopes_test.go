package auth_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/botport/botport/internal/auth"
)

func TestNormalizeScope(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"bot_import", auth.ScopeImport, true},
		{"bot_export", auth.ScopeExport, true},
		{"bot_publish", auth.ScopePublish, true},
		{"bot_variables", auth.ScopeVariables, true},
		{" bot_import ", auth.ScopeImport, true},
		{"bot_definition:bot_import", auth.ScopeImport, true},
		{"bot_definition:bot_export", auth.ScopeExport, true},
		{"bot_publish:publish_request", auth.ScopePublish, true},
		{"bot_publish:publish_status", auth.ScopePublish, true},
		// Other names are kept as given and grant nothing.
		{"", "", false},
		{"bot_delete", "bot_delete", false},
		{"BOT_IMPORT", "BOT_IMPORT", false},
		{"bot_definition:", "bot_definition:", false},
		{"bot_definition:bot_delete", "bot_definition:bot_delete", false},
		{"other:bot_import", "other:bot_import", false},
		{"bot_publish:publish_everything", "bot_publish:publish_everything", false},
		{"bot_definition:bot_definition:bot_import", "bot_definition:bot_definition:bot_import", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := auth.NormalizeScope(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("NormalizeScope(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestAppScopes(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string // nil: refused
	}{
		{"none", nil, []string{}},
		{"botport names", []string{"bot_import", "bot_export", "bot_publish", "bot_variables"}, []string{"bot_import", "bot_export", "bot_publish", "bot_variables"}},
		{"platform ids, one scope twice", []string{"bot_publish:publish_request", "bot_publish:publish_status", "bot_definition:bot_export"}, []string{"bot_publish", "bot_export"}},
		{"any other name kept", []string{"admin_console:users", "bot_import", " bot_import"}, []string{"admin_console:users", "bot_import"}},
		{"empty name", []string{"bot_import", " "}, nil},
		{"space inside", []string{"bot import"}, nil},
		{"comma inside", []string{"bot_import,bot_export"}, nil},
		{"control character", []string{"bot\x00import"}, nil},
		{"not UTF-8", []string{"bot\xffimport"}, nil},
		{"too long", []string{strings.Repeat("s", auth.MaxScopeName+1)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := auth.AppScopes(tc.in)
			switch {
			case tc.want == nil && err == nil:
				t.Errorf("AppScopes(%q) = %q, want an error", tc.in, got)
			case tc.want != nil && (err != nil || !slices.Equal(got, tc.want)):
				t.Errorf("AppScopes(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestScopesGrant: an app holding a name that grants nothing has none of
// botport's scopes; the platform's ids grant theirs.
func TestScopesGrant(t *testing.T) {
	admin, _ := openAdmin(t)
	app, _, err := admin.Create(t.Context(), "team", "wrong scope", "HS256", []string{"bot_definition:bot_delete"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range auth.Scopes {
		if app.HasScope(s) {
			t.Errorf("an app with scope %q has %s", app.Scopes, s)
		}
	}
	stored, err := admin.App(t.Context(), app.ID)
	if err != nil || !slices.Equal(stored.Scopes, []string{"bot_definition:bot_delete"}) {
		t.Errorf("stored scopes %q: %v", stored.Scopes, err)
	}
	none, _, err := admin.Create(t.Context(), "team", "no scope", "HS256", nil)
	if err != nil || len(none.Scopes) != 0 {
		t.Errorf("app without scopes: %+v %v", none, err)
	}
	pub, _, err := admin.Create(t.Context(), "team", "publisher", "HS256", []string{"bot_publish:publish_request"})
	if err != nil || !pub.HasScope(auth.ScopePublish) || pub.HasScope(auth.ScopeImport) {
		t.Errorf("publisher scopes %q: %v", pub.Scopes, err)
	}
	if _, _, err := admin.Create(t.Context(), "team", "bad", "HS256", []string{"a b"}); err == nil {
		t.Errorf("a scope with a space was accepted")
	}
}
