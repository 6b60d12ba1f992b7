package upload

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestExtensionOf(t *testing.T) {
	for name, want := range map[string]string{
		"botDefinition.json": "json", "CONFIG.JSON": "json", "BotFunctions.js": "js", "icon.png": "png", "Icon.PNG": "png",
		"Demobot1_user@example.com_3.zip": "zip", "archive.tar.gz": "", "file": "", "": "", "notes.txt": "", "json": "", ".zip": "zip",
		"dir.json/botDefinition": "",
	} {
		if got := ExtensionOf(name); got != want {
			t.Errorf("ExtensionOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestIsJSON(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{`{"dialogs": []}`, true},
		{"  [1, 2, {\"a\": null}]\n", true},
		{"\xef\xbb\xbf{\"name\":\"x\"}", true},
		{`"a string"`, true},
		{`42`, true},
		{`{"a":1,"a":2}`, true},
		{"{\"bad\":\"\xff\"}", true},
		{``, false},
		{"   \n", false},
		{`{"dialogs": [`, false},
		{`{} {}`, false},
		{`{}x`, false},
		{`function hello() { return 1; }`, false},
		{`var x = {"a": 1};`, false},
		{`// comment` + "\n" + `{}`, false},
		{`[1, 2,]`, false},
	} {
		got, err := IsJSON(strings.NewReader(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("IsJSON(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	boom := errors.New("disk gone")
	if _, err := IsJSON(io.MultiReader(strings.NewReader(`{"a":`), iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Errorf("a failing reader: %v, want %v", err, boom)
	}
}

func TestExtensionByContent(t *testing.T) {
	jsonIs := func(ok bool) func() (bool, error) { return func() (bool, error) { return ok, nil } }
	for _, tt := range []struct {
		name   string
		head   string
		isJSON bool
		want   string
	}{
		{"zip", "PK\x03\x04\x14\x00\x00\x00", false, "zip"},
		{"empty zip", "PK\x05\x06\x00\x00\x00\x00", false, "zip"},
		{"png", "\x89PNG\r\n\x1a\n", false, "png"},
		{"png that is JSON (never asked)", "\x89PNG\r\n\x1a\n", true, "png"},
		{"not quite png (a damaged icon)", "\xef\xbf\xbdPNG\r\n", false, "js"},
		{"json", `{"dialo`, true, "json"},
		{"script", "function", false, "js"},
		{"short file", "{}", true, "json"},
	} {
		got, err := ExtensionByContent([]byte(tt.head), jsonIs(tt.isJSON))
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	boom := errors.New("blob gone")
	if _, err := ExtensionByContent([]byte("{"), func() (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("a failing read: %v", err)
	}
}
