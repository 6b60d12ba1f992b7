package killpoint

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		value   string
		point   string
		from    int64
		wantErr string
	}{
		{value: ""},
		{value: "stages", point: Stages, from: 1},
		{value: "commit:3", point: Commit, from: 3},
		{value: "committed:1", point: Committed, from: 1},
		{value: "stage", wantErr: "unknown point"},
		{value: "parsed:0", wantErr: "positive integer"},
		{value: "parsed:two", wantErr: "positive integer"},
	} {
		a := parse(tt.value)
		switch {
		case tt.value == "":
			if a != nil {
				t.Errorf("parse(%q) = %+v, want nil (inert)", tt.value, a)
			}
		case tt.wantErr != "":
			if a == nil || a.err == nil || !strings.Contains(a.err.Error(), tt.wantErr) {
				t.Errorf("parse(%q) error = %v, want one saying %q", tt.value, a.err, tt.wantErr)
			}
		case a.err != nil || a.point != tt.point || a.from != tt.from:
			t.Errorf("parse(%q) = %s from %d (%v), want %s from %d", tt.value, a.point, a.from, a.err, tt.point, tt.from)
		}
	}
}

// arm makes the package read value as its environment, for one test.
func arm(t *testing.T, value string) *bytes.Buffer {
	a := parse(value)
	oldLoad, oldOut := load, out
	var buf bytes.Buffer
	load, out = func() *armed { return a }, &buf
	t.Cleanup(func() { load, out = oldLoad, oldOut })
	return &buf
}

func TestReach(t *testing.T) {
	t.Run("Inert", func(t *testing.T) {
		buf := arm(t, "")
		if err := Reach(t.Context(), Stages, "import x", func() error { t.Error("prepare ran"); return nil }); err != nil {
			t.Errorf("Reach with nothing armed = %v", err)
		}
		if err := Check(); err != nil {
			t.Errorf("Check with nothing armed = %v", err)
		}
		if buf.Len() != 0 {
			t.Errorf("wrote %q", buf)
		}
	})

	t.Run("StopsFromTheNthReach", func(t *testing.T) {
		buf := arm(t, "stages:2")
		if err := Reach(t.Context(), Parsed, "import x", nil); err != nil {
			t.Errorf("Reach of another point = %v", err)
		}
		prepared := 0
		prepare := func() error { prepared++; return nil }
		if err := Reach(t.Context(), Stages, "import a", prepare); err != nil || prepared != 0 || buf.Len() != 0 {
			t.Fatalf("first reach: %v, prepared %d times, wrote %q; want it to pass", err, prepared, buf)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- Reach(ctx, Stages, "import b", prepare) }()
		select {
		case err := <-done:
			t.Fatalf("the second reach returned %v; want it to block until its context ends", err)
		case <-time.After(50 * time.Millisecond):
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the stopped reach returned %v once its context ended, want context.Canceled", err)
		}
		if prepared != 1 || buf.String() != "botport: kill point stages reached (import b)\n" {
			t.Errorf("prepared %d times, wrote %q", prepared, buf)
		}
	})

	t.Run("PrepareError", func(t *testing.T) {
		arm(t, "validated")
		bad := errors.New("save failed")
		if err := Reach(t.Context(), Validated, "import a", func() error { return bad }); !errors.Is(err, bad) {
			t.Errorf("Reach = %v, want the prepare error", err)
		}
	})

	t.Run("UnknownPoint", func(t *testing.T) {
		arm(t, "bogus")
		if err := Check(); err == nil {
			t.Errorf("Check accepted an unknown point")
		}
		if err := Reach(t.Context(), Stages, "import a", nil); err != nil {
			t.Errorf("Reach with an unknown point armed = %v, want inert", err)
		}
	})
}
