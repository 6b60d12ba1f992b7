package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/botdef"
	"github.com/botport/botport/internal/diff"
	"github.com/botport/botport/internal/exportdir"
	"github.com/botport/botport/internal/exportzip"
	"github.com/botport/botport/internal/varfile"
)

// stepKey is the Idempotency-Key of one step: derived from the step and
// its content only, so a run after a failure sends the same key for the
// same request and botport replays its first answer instead of acting
// twice.
func stepKey(step string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "botport-promote:" + step + ":" + hex.EncodeToString(sum[:20])
}

// keyed sends a request under an Idempotency-Key. While botport still
// handles the first request with that key (409), it waits and asks again.
// It reports whether the answer was a replay.
func (p *promotion) keyed(ctx context.Context, key string, call func(context.Context) error) (bool, error) {
	for tries := 0; ; tries++ {
		kctx, k := client.KeyedContext(ctx, key)
		err := call(kctx)
		if client.IsStatus(err, 409) && tries < 120 {
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(max(p.o.interval, time.Second)):
			}
			continue
		}
		return k.Replayed(), err
	}
}

// importStep uploads the source's zip and imports it into the target
// (a new bot when targetID is ""), and follows the import to its end. An
// import an earlier run started is replayed (same key, same body) and
// followed; when the replayed one had failed, one fresh attempt is made.
func (p *promotion) importStep(ctx context.Context, zip []byte, name, targetID, targetState string) (botID, bir string, err error) {
	sum := sha256.Sum256(zip)
	into := targetID
	if into == "" {
		into = "new:" + name
	}
	for attempt := 1; attempt <= 2; attempt++ {
		var up *client.Upload
		suffix := fmt.Sprint(attempt)
		_, err := p.keyed(ctx, stepKey("upload", hex.EncodeToString(sum[:]), suffix), func(ctx context.Context) (err error) {
			up, err = p.dst.Upload(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(zip)), nil },
				client.UploadOptions{FileName: "export.zip", Extension: "zip"})
			return err
		})
		if err != nil {
			return "", "", fmt.Errorf("upload the export to %s: %w", p.o.to, err)
		}
		req := client.ImportRequest{UploadMode: "ZIP", ZipInfo: up.FileID, ImportOptions: p.options}
		if targetID == "" {
			req.Name = name
		}
		body, _ := json.Marshal(req)
		var start *client.Status
		replayed, err := p.keyed(ctx, stepKey("import", into, targetState, string(body)), func(ctx context.Context) (err error) {
			if targetID == "" {
				start, err = p.dst.ImportNew(ctx, req)
			} else {
				start, err = p.dst.ImportInto(ctx, targetID, req)
			}
			return err
		})
		if err != nil {
			var ce *client.Error
			if errors.As(err, &ce) && ce.Msg == "Invalid file id" && attempt == 1 {
				continue // a replayed upload whose file has expired since: upload afresh
			}
			return "", "", fmt.Errorf("start the import on %s: %w", p.o.to, err)
		}
		st, err := p.dst.Wait(ctx, start.ID, p.o.interval, nil)
		if err != nil {
			return "", "", fmt.Errorf("follow import %s on %s: %w", start.ID, p.o.to, err)
		}
		if st.Status == "success" {
			return st.StreamID, st.ID, nil
		}
		if replayed && attempt == 1 {
			p.say("import %s of an earlier run failed (%s); importing again", st.ID, st.Message)
			continue
		}
		finalDiagnostics(p.env.Stderr, st)
		p.step(step{Step: "import", Status: "failed", ID: st.ID, Detail: st.Message})
		return "", "", &ExitError{Code: ExitFailed, Err: fmt.Errorf("import %s on %s failed: %s", st.ID, p.o.to, st.Message)}
	}
	return "", "", &ExitError{Code: ExitFailed, Err: errors.New("the import failed twice")}
}

// variablesStep applies the variables file to the target as it is after
// the import: only the variables whose value or fields differ are sent.
func (p *promotion) variablesStep(ctx context.Context, botID string) error {
	raw, err := p.dst.ExportVariablesRaw(ctx, botID)
	if err != nil {
		return fmt.Errorf("export the variables of the target: %w", err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return fmt.Errorf("the target's variables export is not an array")
	}
	send, keys := varfile.Plan(p.entries, items)
	p.res.Variables = keys
	counts := map[string]int{}
	for _, k := range keys {
		counts[k.Status]++
	}
	summary := fmt.Sprintf("%d set, %d unchanged, %d missing from the bot", counts[varfile.StatusSet], counts[varfile.StatusUnchanged], counts[varfile.StatusMissing])
	if len(send) == 0 {
		p.step(step{Step: "variables", Status: "skipped", Detail: summary})
		p.printVariables()
		return nil
	}
	body, err := json.Marshal(send)
	if err != nil {
		return err
	}
	// The key names the target's current version (botport's versions; ""
	// on other hosts, which ignore keys): a full import resets the
	// variables, so the same request after it must be applied again, not
	// replayed.
	if _, err := p.keyed(ctx, stepKey("variables", botID, p.currentVersion(ctx, botID), string(body)), func(ctx context.Context) error {
		_, err := p.dst.ImportVariablesRaw(ctx, botID, body)
		return err
	}); err != nil {
		// The answer may quote nothing of the body; say which keys were sent.
		return fmt.Errorf("import the variables on %s: %w", p.o.to, err)
	}
	p.step(step{Step: "variables", Status: "done", Detail: summary})
	p.printVariables()
	return nil
}

// currentVersion names the bot's current version on a botport host (its
// number and content hash), "" elsewhere.
func (p *promotion) currentVersion(ctx context.Context, botID string) string {
	vs, err := p.dst.Versions(ctx, botID)
	if err != nil {
		return ""
	}
	for _, v := range vs {
		if v.Current {
			return fmt.Sprintf("%d:%s", v.Version, v.ContentHash)
		}
	}
	return ""
}

// publishStep publishes the target's current version unless it is the
// published one already (botport's versions say so), and follows the
// publish until it has ended.
func (p *promotion) publishStep(ctx context.Context, botID string, source *diff.Bot) error {
	published, tag := false, ""
	if vs, err := p.dst.Versions(ctx, botID); err == nil {
		for _, v := range vs {
			if v.Current {
				published, tag = v.Published, v.ContentHash
			}
		}
	}
	if tag == "" { // not botport: what is being published is the source plus the variables
		var b strings.Builder
		b.WriteString(source.Fingerprint(diff.Options{}))
		for _, k := range p.res.Variables {
			b.WriteString("\x00" + k.Key + "=" + k.Hash)
		}
		tag = b.String()
	}
	if !published {
		if _, err := p.keyed(ctx, stepKey("publish", botID, tag, p.o.comment), func(ctx context.Context) error {
			_, err := p.dst.Publish(ctx, botID, client.PublishRequest{VersionComment: p.o.comment})
			return err
		}); err != nil {
			return fmt.Errorf("publish on %s: %w", p.o.to, err)
		}
	}
	st, err := p.dst.WaitPublish(ctx, botID, p.o.interval, nil)
	if err != nil {
		return fmt.Errorf("follow the publish on %s: %w", p.o.to, err)
	}
	id := st.ID
	if st.Status != "successful" {
		p.step(step{Step: "publish", Status: st.Status, ID: id, Detail: st.Message})
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("publish %s on %s: %s %s", id, p.o.to, st.Status, st.Message)}
	}
	s := step{Step: "publish", Status: "successful", ID: id}
	if published {
		s.Detail = "published already"
	}
	p.step(s)
	return nil
}

// serverDryRun runs the target import as a dry run when the target host is
// botport (other hosts would ignore dryRun and import for real).
func (p *promotion) serverDryRun(ctx context.Context, source *loaded) error {
	if !isBotport(ctx, p.dst) {
		p.step(step{Step: "dry-run", Status: "skipped", Detail: p.o.to + " is not a botport host: nothing was sent"})
		return nil
	}
	zip, err := repack(source.export)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(zip)
	var up *client.Upload
	if _, err := p.keyed(ctx, stepKey("upload", hex.EncodeToString(sum[:]), "1"), func(ctx context.Context) (err error) {
		up, err = p.dst.Upload(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(zip)), nil },
			client.UploadOptions{FileName: "export.zip", Extension: "zip"})
		return err
	}); err != nil {
		return fmt.Errorf("upload the export to %s: %w", p.o.to, err)
	}
	req := client.ImportRequest{UploadMode: "ZIP", ZipInfo: up.FileID, ImportOptions: p.options, DryRun: true}
	var start *client.Status
	if id := p.res.Target.BotID; id != "" {
		start, err = p.dst.ImportInto(ctx, id, req)
	} else {
		req.Name = p.res.Target.Bot
		start, err = p.dst.ImportNew(ctx, req)
	}
	if err != nil {
		return fmt.Errorf("start the dry run on %s: %w", p.o.to, err)
	}
	st, err := p.dst.Wait(ctx, start.ID, p.o.interval, nil)
	if err != nil {
		return err
	}
	if st.Status != "success" {
		finalDiagnostics(p.env.Stderr, st)
		p.step(step{Step: "dry-run", Status: "failed", ID: st.ID, Detail: st.Message})
		return failed()
	}
	p.step(step{Step: "dry-run", Status: "done", ID: st.ID, Detail: "the import validates on " + p.o.to + "; nothing was committed (" + changeCounts(st) + ")"})
	return nil
}

// isBotport reports whether a host is botport: its versions API answers a
// bot id it does not know with Invalid StreamId, where other hosts have
// no such route.
func isBotport(ctx context.Context, cl *client.Client) bool {
	_, err := cl.Versions(ctx, "st-00000000-0000-4000-8000-000000000000")
	var ce *client.Error
	return errors.As(err, &ce) && ce.StatusCode == 400 && ce.Msg == "Invalid StreamId"
}

// repack writes an export's files as a zip whose bytes depend only on
// them: the platform's layout, entries in a fixed order, all dated at the
// zip epoch. An export zip carries the time of its export request, so two
// exports of the same content differ; the upload's Idempotency-Key and its
// body must not.
func repack(e *exportdir.Export) ([]byte, error) {
	files := []exportzip.File{exportzip.Bytes(botdef.FileDefinition, time.Time{}, e.Definition), exportzip.Bytes(botdef.FileConfig, time.Time{}, e.Config)}
	if e.Icon != nil {
		files = append(files, exportzip.Bytes(botdef.FileIcon, time.Time{}, e.Icon))
	}
	fns := slices.Clone(e.Functions)
	slices.SortFunc(fns, func(a, b exportdir.File) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range fns {
		files = append(files, exportzip.Bytes(f.Name, time.Time{}, f.Data))
	}
	var b bytes.Buffer
	if err := exportzip.Write(&b, files); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
