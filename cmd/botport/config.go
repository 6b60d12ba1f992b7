package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/botport/botport/internal/cli"
)

// Defaults of the embedded setup.
const (
	defaultAddr = "127.0.0.1:8080"
	defaultData = "botport-data"
)

// settings binds flags whose defaults come from BOTPORT_* variables.
type settings struct {
	fs     *pflag.FlagSet
	getenv env
	errs   []error
}

func (s *settings) envName(flag string) string {
	b := []byte("BOTPORT_")
	for _, c := range []byte(flag) {
		switch {
		case c == '-':
			b = append(b, '_')
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func (s *settings) str(p *string, flag, def, usage string) {
	if v := s.getenv(s.envName(flag)); v != "" {
		def = v
	}
	s.fs.StringVar(p, flag, def, usage+" (env "+s.envName(flag)+")")
}

func (s *settings) duration(p *time.Duration, flag string, def time.Duration, usage string) {
	if v := s.getenv(s.envName(flag)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s=%q: %v", s.envName(flag), v, err))
		} else {
			def = d
		}
	}
	s.fs.DurationVar(p, flag, def, usage+" (env "+s.envName(flag)+")")
}

func (s *settings) integer(p *int64, flag string, def int64, usage string) {
	if v := s.getenv(s.envName(flag)); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s=%q: %v", s.envName(flag), v, err))
		} else {
			def = n
		}
	}
	s.fs.Int64Var(p, flag, def, usage+" (env "+s.envName(flag)+")")
}

// err is the first bad environment value, as a usage error (exit 2).
func (s *settings) err() error {
	if len(s.errs) > 0 {
		return cli.Usage(s.errs[0])
	}
	return nil
}

// dataFlag binds --data (BOTPORT_DATA).
func dataFlag(s *settings, p *string) {
	s.str(p, "data", defaultData, "data directory of the embedded store")
}

// databaseFlag binds --database (BOTPORT_DATABASE); database.Open reads it.
func databaseFlag(s *settings, p *string) {
	s.str(p, "database", "", "PostgreSQL URL (postgres://…) shared by replicas; default: SQLite in the data directory")
}
