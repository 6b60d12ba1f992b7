package main

import (
	"fmt"
	"time"

	"github.com/botport/botport/internal/keyring"
	"github.com/botport/botport/internal/ratelimit"
)

// bindLimitFlags binds what bounds a server's clients: connections and
// requests in flight, slow transfers, rate limits; and where the secret key
// comes from.
func bindLimitFlags(s *settings, c *serveConfig) {
	keyFileFlag(s, &c.keyFile)
	c.secretKey = s.getenv(keyring.EnvVar)
	s.integer(&c.maxConns, "max-connections", 2048, "open connections at most; over it a new one is answered 503 (0: no cap)")
	s.integer(&c.maxRequests, "max-requests", 512, "requests handled at once at most; over it 503 with Retry-After (0: no cap)")
	s.duration(&c.ioGrace, "io-grace", 10*time.Second, "how long a client may stall a body or an answer before --min-rate applies")
	s.integer(&c.minRate, "min-rate", 32<<10, "slowest average transfer of a body or an answer, bytes a second, after --io-grace")
	s.str(&c.rateLimit, "rate-limit", "auto", "rate limits (contract section 6): on, off, or auto (off on SQLite, on with PostgreSQL)")
	for i, level := range ratelimit.Levels {
		s.str(&c.rateRules[i], "rate-"+rateFlag(level), ratelimit.Platform.String(),
			fmt.Sprintf("%s-level limit: PER_MINUTE,PER_HOUR (0 lifts a window) or off", level))
	}
}

func rateFlag(l ratelimit.Level) string {
	if l == ratelimit.RequestID {
		return "request-id"
	}
	return string(l)
}

// checkLimits reads the rate rules and refuses values serve cannot honour.
func (c *serveConfig) checkLimits() error {
	switch c.rateLimit {
	case "on", "off", "auto":
	default:
		return fmt.Errorf("--rate-limit %q: use on, off or auto", c.rateLimit)
	}
	c.rules = map[ratelimit.Level]ratelimit.Rule{}
	for i, level := range ratelimit.Levels {
		r, err := ratelimit.ParseRule(c.rateRules[i])
		if err != nil {
			return fmt.Errorf("--rate-%s: %w", rateFlag(level), err)
		}
		c.rules[level] = r
	}
	if c.maxConns < 0 || c.maxRequests < 0 || c.minRate < 0 || c.ioGrace < 0 {
		return fmt.Errorf("--max-connections, --max-requests, --min-rate and --io-grace must not be negative")
	}
	return nil
}

// rateLimitOn decides --rate-limit auto: off on the embedded single-server
// setup (SQLite, exclusive), so local test suites are not throttled; on
// with a shared database, where replicas serve many clients (contract 6).
func (c *serveConfig) rateLimitOn(exclusive bool) bool {
	switch c.rateLimit {
	case "on":
		return true
	case "off":
		return false
	}
	return !exclusive
}
