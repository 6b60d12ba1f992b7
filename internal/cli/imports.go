package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

func importsCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "imports",
		Short: "The account's imports: list them (botport only)",
		Long: `The account's imports, newest first, whatever started them (this CLI, a script,
another app of the account). These commands use botport's own API
(/api/botport), which a Kore.ai host does not have.`,
	}
	cmd.AddCommand(importsListCmd(env))
	return cmd
}

// importsList is what imports list was asked for.
type importsList struct {
	opts      client.ListOptions
	cancelled bool // only cancelled imports: status failure, and Cancelled
	limit     int  // at most this many (0: all)
}

// maxPageSize is the most items the server sends in a page.
const maxPageSize = 500

func importsListCmd(env Env) *cobra.Command {
	var c conn
	var format, status, since, until string
	var l importsList
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the account's imports, newest first",
		Long: `List the account's imports, newest first, page after page until the last
(or --limit). An import started while the list is read comes before its first
row, never inside it: no import is shown twice or skipped.

--since and --until take an RFC 3339 time (2026-12-05T10:00:00Z), a date
(2026-12-05, midnight UTC) or a duration back from now (90m, 2h, 7d).`,
		Example: `  botport imports list
  botport imports list --bot st-… --status failure --since 24h
  botport imports list --status cancelled -o json
  botport imports list --limit 10`,
		Args: NoArgs,
	}
	bindConn(cmd, &c)
	f := cmd.Flags()
	f.StringVar(&l.opts.BotID, "bot", "", "only the imports of this bot (st-…)")
	f.StringVar(&status, "status", "", "only imports in this state: pending, success, failure (cancelled ones included) or cancelled")
	f.StringVar(&since, "since", "", "only imports created at or after this time")
	f.StringVar(&until, "until", "", "only imports created before this time")
	f.IntVar(&l.limit, "limit", 0, "show at most this many imports (default: all)")
	f.IntVar(&l.opts.PageSize, "page-size", 100, fmt.Sprintf("imports per request (at most %d)", maxPageSize))
	f.StringVarP(&format, "output", "o", "table", "table or json (--json is -o json)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		asJSON, err := outputFormat(format, c.json)
		if err != nil {
			return err
		}
		if err := l.parse(status, since, until, time.Now()); err != nil {
			return err
		}
		cl, err := c.client(env)
		if err != nil {
			return err
		}
		if asJSON {
			items := []client.ImportItem{}
			err := l.each(cmd.Context(), env, cl, func(it client.ImportItem) error {
				items = append(items, it)
				return nil
			})
			if err != nil {
				return err
			}
			return printJSON(env.Stdout, items)
		}
		// Rows are written as pages come, in columns of fixed widths (ids
		// and times have one length), so that a long list shows at once
		// and the same imports print the same whatever the page size.
		header := false
		err = l.each(cmd.Context(), env, cl, func(it client.ImportItem) error {
			if !header {
				header = true
				if _, err := io.WriteString(env.Stdout, importRow("IMPORT", "STATUS", "CREATED", "TOOK", "BOT", "NAME")); err != nil {
					return err
				}
			}
			_, err := io.WriteString(env.Stdout, itemRow(it))
			return err
		})
		if err == nil && !header {
			fmt.Fprintln(env.Stderr, "botport: no imports match")
		}
		return err
	}
	return cmd
}

// parse checks the flags and fills the list's options.
func (l *importsList) parse(status, since, until string, now time.Time) error {
	switch status {
	case "", "pending", "success", "failure":
		l.opts.Status = status
	case "cancelled":
		l.opts.Status, l.cancelled = "failure", true
	default:
		return usage("--status %q: use pending, success, failure or cancelled", status)
	}
	var err error
	if l.opts.Since, err = parseWhen(since, now); err != nil {
		return usage("--since: %v", err)
	}
	if l.opts.Until, err = parseWhen(until, now); err != nil {
		return usage("--until: %v", err)
	}
	if !l.opts.Since.IsZero() && !l.opts.Until.IsZero() && !l.opts.Since.Before(l.opts.Until) {
		return usage("--since %s is not before --until %s", since, until)
	}
	if l.limit < 0 {
		return usage("--limit %d: want 0 (all) or more", l.limit)
	}
	if l.opts.PageSize < 1 || l.opts.PageSize > maxPageSize {
		return usage("--page-size %d: want 1 to %d", l.opts.PageSize, maxPageSize)
	}
	return nil
}

// parseWhen reads a time flag: RFC 3339, a date (midnight UTC), or a
// duration back from now (Go's units, and d for days). "" is no time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok && err != nil {
		var n int
		if n, err = strconv.Atoi(days); err == nil {
			d = time.Duration(n) * 24 * time.Hour
		}
	}
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time (2026-12-05T10:00:00Z), a date (2026-12-05) or a duration back from now (90m, 2h, 7d)", s)
	}
	return now.Add(-d), nil
}

// each calls fn with every import the list selects, page after page, up
// to its limit; a spinner says what it waits for when a page is slow.
func (l *importsList) each(ctx context.Context, env Env, cl *client.Client, fn func(client.ImportItem) error) error {
	opts := l.opts
	shown := 0
	for {
		if l.limit > 0 && !l.cancelled {
			opts.PageSize = min(l.opts.PageSize, l.limit-shown) // no more than is shown
		}
		stop := waitingOn(ctx, env, cl, "listing the account's imports")
		page, err := cl.ListImports(ctx, opts)
		stop()
		if err != nil {
			return botportOnly(err, cl)
		}
		for _, it := range page.Imports {
			if l.cancelled && !it.Cancelled {
				continue
			}
			if err := fn(it); err != nil {
				return err
			}
			if shown++; shown == l.limit {
				return nil
			}
		}
		if page.NextPageToken == "" {
			return nil
		}
		opts.PageToken = page.NextPageToken
	}
}

// The columns' widths: an import's id, the longest state, a time as the
// server writes it, a duration as took writes it, a bot's id.
const (
	widthImport  = len("bir-") + 36
	widthStatus  = len("cancelled")
	widthCreated = len("2006-01-02T15:04:05.000Z")
	widthTook    = len("23h59m")
	widthBot     = len("st-") + 36
)

// importRow is one line of the table: columns two spaces apart.
func importRow(id, status, created, took, bot, name string) string {
	return fmt.Sprintf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", widthImport, id, widthStatus, status, widthCreated, created,
		widthTook, took, widthBot, bot, name)
}

// itemRow is an import as the table shows it, escaped.
func itemRow(it client.ImportItem) string {
	status := it.Status
	if it.Cancelled {
		status = "cancelled"
	}
	bot, name := it.StreamID, it.BotName
	if bot == "" {
		bot = "-" // a new bot that does not exist (yet)
	}
	if name == "" {
		name = "-"
	}
	if it.DryRun {
		name += " (dry run)"
	}
	return importRow(safe(it.ID), safe(status), safe(it.CreatedOn), took(it.CreatedOn, it.EndedOn), safe(bot), safe(name))
}

// took is how long an import ran, from its times as the server writes
// them: "-" while it runs, "?" when a time does not read.
func took(created, ended string) string {
	if ended == "" {
		return "-"
	}
	c, err1 := time.Parse(time.RFC3339Nano, created)
	e, err2 := time.Parse(time.RFC3339Nano, ended)
	if err1 != nil || err2 != nil || e.Before(c) {
		return "?"
	}
	return shortDuration(e.Sub(c))
}

// shortDuration writes d in at most six characters: 0.3s, 12.3s, 4m05s,
// 2h03m, 3d04h.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Truncate(100*time.Millisecond).Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// botportOnly adds to a 404 or 405 answer of a botport route that the host
// has none (a Kore.ai host); the error stays the server's (exit 3).
func botportOnly(err error, cl *client.Client) error {
	var e *client.Error
	if errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusMethodNotAllowed) {
		return fmt.Errorf("%w (%s has no botport API: is it a Kore.ai host?)", err, cl.BaseURL)
	}
	return err
}
