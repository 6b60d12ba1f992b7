package botdef

import "testing"

func TestGetString(t *testing.T) {
	f, err := Fields([]byte(`{"a":"x\u00e9","n":3,"o":{"a":"y"},"e":"","bad":"\ud800"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{
		{"a", "xé"},  // unquoted
		{"n", ""},    // not a string
		{"o", ""},    // an object
		{"e", ""},    // empty string
		{"gone", ""}, // absent
	} {
		if got := GetString(f, tc.name); got != tc.want {
			t.Errorf("GetString(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
