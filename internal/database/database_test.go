package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/store/postgres/pgtest"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://bob:S3cret@db:5432/botport?sslmode=require", "postgres://bob:xxxxx@db:5432/botport?sslmode=require"},
		{"postgres://bob@db/botport?password=S3cret&sslmode=disable", "postgres://bob@db/botport?password=xxxxx&sslmode=disable"},
		{"postgres://db/botport?sslpassword=S3cret", "postgres://db/botport?sslpassword=xxxxx"},
		{"host=db user=bob password=S3cret dbname=botport", "(not a URL)"},
		{"postgres://db/botport", "postgres://db/botport"},
	}
	for _, tt := range tests {
		if got := database.Redact(tt.in); got != tt.want || strings.Contains(got, "S3cret") {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestOpenRefusesOtherURLs: only PostgreSQL URLs are taken, and the refusal
// does not show the password.
func TestOpenRefusesOtherURLs(t *testing.T) {
	_, err := database.Open(context.Background(), t.TempDir(), "mysql://bob:S3cret@db/botport")
	if err == nil || !strings.Contains(err.Error(), "only postgres:// URLs") || strings.Contains(err.Error(), "S3cret") {
		t.Fatalf("err %v", err)
	}
}

// TestSQLite: the embedded database is exclusive (a second Lock fails while
// the first holds it, and works once released), polls often, turns River's
// reindexer off, settles, and its driver reaches River's tables.
func TestSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := database.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !db.Exclusive || db.Queue.PollInterval != database.SQLitePollInterval || !db.Queue.SQLite || db.Name != "sqlite "+database.SQLitePath(dir) {
		t.Errorf("sqlite: exclusive %v, queue %+v, name %q", db.Exclusive, db.Queue, db.Name)
	}
	unlock, err := db.Lock()
	if err != nil {
		t.Fatal(err)
	}
	other, err := database.Open(ctx, dir, "") // an admin command beside the server
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Lock(); err == nil || err.Error() != "another botport serve is using "+dir {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	if unlock2, err := other.Lock(); err != nil {
		t.Errorf("lock after release: %v", err)
	} else {
		unlock2()
	}
	if err := db.Settle(ctx); err != nil {
		t.Errorf("settle: %v", err)
	}
	driverWorks(t, db)
}

// TestPostgres: a shared database takes no lock, polls as a fallback only,
// keeps River's reindexer, and names itself without the password.
func TestPostgres(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db, err := database.Open(ctx, t.TempDir(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Exclusive || db.Queue.PollInterval != database.PostgresPollInterval || db.Queue.SQLite || db.Name != database.Redact(u) {
		t.Errorf("postgres: exclusive %v, queue %+v, name %q", db.Exclusive, db.Queue, db.Name)
	}
	for range 2 { // no lock: a second replica goes ahead
		unlock, err := db.Lock()
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
	}
	if err := db.Settle(ctx); err != nil {
		t.Errorf("settle: %v", err)
	}
	driverWorks(t, db)
}

// driverWorks lists River's jobs through the database's driver: the
// migrations ran and the driver speaks to the same database.
func driverWorks(t *testing.T, db *database.DB) {
	t.Helper()
	rc, err := river.NewClient(db.Driver, &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.JobList(context.Background(), river.NewJobListParams()); err != nil {
		t.Errorf("River job list: %v", err)
	}
}
