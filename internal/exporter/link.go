package exporter

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/botport/botport/internal/blob"
	"github.com/botport/botport/internal/kore"
	"github.com/botport/botport/internal/store"
)

// keySetting names the link-signing key in the store's settings. It lives in
// the shared store, not in the process, so links survive restarts and work
// on every replica.
const keySetting = "export_download_key"

// signingKey returns the link-signing key, creating it on first use. The
// first value written wins (PutSettingIfAbsent), so processes racing to
// create it agree; it is then kept in memory.
func (s *Service) signingKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	key, err := s.cfg.Store.PutSettingIfAbsent(ctx, keySetting, fresh)
	if err != nil {
		return nil, fmt.Errorf("download link key: %w", err)
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("download link key: stored key has %d bytes, want 32", len(key))
	}
	s.key = key
	return key, nil
}

// Sign returns the signature of a link to ber valid until expires (Unix
// seconds): lowercase hex HMAC-SHA256 over "{ber}.{expires}".
func Sign(key []byte, ber string, expires int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ber + "." + strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// sign signs a link to ber that expires at until.
func (s *Service) sign(ctx context.Context, ber string, until time.Time) (*Link, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	exp := until.Unix()
	return &Link{Expires: exp, Sig: Sign(key, ber, exp)}, nil
}

// Download opens the zip a signed link names. A link that does not verify,
// or names no finished export, is kore.ErrNotFound; a genuine link past its
// expiry is kore.ErrGone. The signature is checked before anything is looked
// up, so an unsigned probe learns nothing about which BERs exist.
func (s *Service) Download(ctx context.Context, ber, expires, sig string) (rc io.ReadCloser, size int64, fileName string, err error) {
	exp, ok := parseExpires(expires)
	if !kore.IsExportID(ber) || !ok {
		return nil, 0, "", kore.ErrNotFound
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return nil, 0, "", kore.ErrNotFound
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, 0, "", err
	}
	want, _ := hex.DecodeString(Sign(key, ber, exp))
	if !hmac.Equal(got, want) { // constant time
		return nil, 0, "", kore.ErrNotFound
	}
	if !s.cfg.Now().Before(time.Unix(exp, 0)) {
		return nil, 0, "", kore.ErrGone
	}
	e, err := s.cfg.Store.ExportByID(ctx, ber)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (e.Status != store.StatusSuccess || e.BlobKey == "")) {
		return nil, 0, "", kore.ErrNotFound // deleted after retention
	}
	if err != nil {
		return nil, 0, "", err
	}
	name := "bot"
	if bot, err := s.cfg.Store.Bot(ctx, e.AccountID, e.BotID); err == nil && bot.Name != "" {
		name = bot.Name
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, 0, "", err
	}
	rc, err = s.cfg.Blobs.Open(ctx, e.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, 0, "", kore.ErrNotFound
	}
	if err != nil {
		return nil, 0, "", err
	}
	return rc, e.FileSize, name + ".zip", nil
}

// parseExpires reads a decimal Unix time without sign or spaces: a link is
// compared as signed, so "+17…" or " 17…" must not verify as "17…".
func parseExpires(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && strconv.FormatInt(n, 10) == s
}
