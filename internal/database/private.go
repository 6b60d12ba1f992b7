package database

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// MakePrivate clears the group and other permission bits of the data
// directory and of every directory and regular file under it, so that only
// the service user reads the database, its WAL and the blobs (earlier
// releases created some of them readable by all). Symbolic links are
// neither followed nor changed. It returns how many entries it changed; a
// directory that does not exist is not an error. Errors: the first entry
// that could not be read or changed.
func MakePrivate(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if mode := info.Mode().Perm(); mode&0o077 != 0 {
			if err := os.Chmod(path, mode&^0o077); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
