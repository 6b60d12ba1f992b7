package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/cli"
	"github.com/botport/botport/internal/database"
	"github.com/botport/botport/internal/keyring"
)

// keyFileFlag binds --key-file (BOTPORT_KEY_FILE).
func keyFileFlag(s *settings, p *string) {
	s.str(p, "key-file", "", "file of the key that seals the secrets in the database (default: DATA/"+keyring.FileName+"; "+keyring.EnvVar+" wins)")
}

// keySource is where a command takes its keys: the variable when set, else
// the key file.
func keySource(data, keyFile string) string {
	if keyFile == "" {
		return filepath.Join(data, keyring.FileName)
	}
	return keyFile
}

// openDatabase opens the database a command works on and gives it the keys
// that seal its secrets: BOTPORT_SECRET_KEY when set (every replica on a
// shared database needs the same), else the key file, created with a new
// key on first use. A database whose secrets another key sealed is refused
// here, before anything is served. log, when set, hears of secrets an
// earlier release stored in clear and that are sealed now.
func openDatabase(ctx context.Context, data, dbURL, keyFile, secretKey string, log *slog.Logger) (*database.DB, error) {
	keys, from, err := keyring.Load(secretKey, keySource(data, keyFile))
	if err != nil {
		return nil, err
	}
	db, err := database.Open(ctx, data, dbURL)
	if err != nil {
		return nil, err
	}
	n, err := db.UseKeys(ctx, keys)
	if err != nil {
		db.Close()
		if errors.Is(err, keyring.ErrUnknownKey) {
			return nil, fmt.Errorf("%w\nthe secrets in this database were sealed with another key than the one in %s: give every command "+
				"and replica the key that sealed them (%s, or --key-file)", err, from, keyring.EnvVar)
		}
		return nil, err
	}
	if n > 0 && log != nil {
		log.Info("secrets stored in clear by an earlier release are sealed now", "values", n, "keys", from)
	}
	return db, nil
}

func keysCmd(getenv env, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the key that seals secrets in the database (client secrets, the download-link key)"}
	cmd.AddCommand(keysGenerateCmd(stdout), keysRotateCmd(getenv, stdout))
	return cmd
}

func keysGenerateCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "generate",
		Short: "Print a new random key, for " + keyring.EnvVar,
		Args:  cli.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(stdout, keyring.Encode(keyring.Generate()))
			return err
		},
	}
}

func keysRotateCmd(getenv env, stdout io.Writer) *cobra.Command {
	var data, dbURL, keyFile string
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Seal every secret in the database with a new key",
		Long: `Seal every secret in the database with a new key.

With a key file (the embedded setup): stop the server, run rotate; it adds a
new key to the file, seals every secret with it, and leaves the new key alone
in the file.

With ` + keyring.EnvVar + ` (replicas on PostgreSQL): give every replica and
command the new key first and the old one second (NEW,OLD), then run rotate
with the same value: it seals every secret with the first key. Then drop the
old key everywhere. See the README's Security section.`,
		Args: cli.NoArgs,
	}
	s := &settings{fs: cmd.Flags(), getenv: getenv}
	dataFlag(s, &data)
	databaseFlag(s, &dbURL)
	keyFileFlag(s, &keyFile)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := s.err(); err != nil {
			return err
		}
		ctx := cmd.Context()
		if env := getenv(keyring.EnvVar); strings.TrimSpace(env) != "" {
			return rotateWithEnv(ctx, data, dbURL, env, stdout)
		}
		return rotateKeyFile(ctx, data, dbURL, keySource(data, keyFile), stdout)
	}
	return cmd
}

// rotateWithEnv seals every secret with the first key of the variable.
func rotateWithEnv(ctx context.Context, data, dbURL, env string, stdout io.Writer) error {
	db, err := openDatabase(ctx, data, dbURL, "", env, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, _ := keyring.Parse(env)
	n, err := db.ResealSecrets(ctx, true)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "sealed %d values with key %s; once every replica and command has %s first, drop the others from %s\n",
		n, keys.IDs()[0], keys.IDs()[0], keyring.EnvVar)
	return err
}

// rotateKeyFile puts a new key in front of the key file, seals every
// secret with it, and leaves it alone in the file. Each step leaves a file
// that opens every secret: after a crash, run it again. The data
// directory's lock keeps a server from starting meanwhile.
func rotateKeyFile(ctx context.Context, data, dbURL, path string, stdout io.Writer) error {
	db, err := database.Open(ctx, data, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if !db.Exclusive {
		return cli.Usage(fmt.Errorf("on a shared database, rotate with %s given to every replica (see `botport keys rotate --help`)", keyring.EnvVar))
	}
	unlock, err := db.Lock()
	if err != nil {
		return fmt.Errorf("%w: stop it before rotating the key", err)
	}
	defer unlock()
	old, err := keyring.ReadKeys(path)
	if err != nil {
		return err
	}
	fresh := keyring.Generate()
	if err := keyring.WriteFile(path, append([][]byte{fresh}, old...)...); err != nil {
		return err
	}
	both, err := keyring.New(append([][]byte{fresh}, old...)...)
	if err != nil {
		return err
	}
	if _, err := db.UseKeys(ctx, both); err != nil {
		return err
	}
	n, err := db.ResealSecrets(ctx, true)
	if err != nil {
		return err
	}
	if err := keyring.WriteFile(path, fresh); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "sealed %d values with key %s (in %s); the old key is gone\n", n, keyring.KeyID(fresh), path)
	return err
}
