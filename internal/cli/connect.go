package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
)

// DefaultHost is the host commands talk to when none is configured.
const DefaultHost = "http://127.0.0.1:8080"

// conn holds the flags that say where and who: --host, --app, --secret,
// --token, --config. Each also comes from BOTPORT_HOST, BOTPORT_APP,
// BOTPORT_SECRET, BOTPORT_TOKEN and BOTPORT_CONFIG, then from the config
// file; a flag wins over the environment, which wins over the file.
type conn struct {
	host, app, secret, token, config string
	json                             bool
	timeout                          time.Duration
	fs                               interface{ Changed(string) bool }
}

// fileConfig is the config file: {"host", "app", "secret", "algorithm"}.
type fileConfig struct {
	Host      string `json:"host"`
	App       string `json:"app"`
	Secret    string `json:"secret"`
	Algorithm string `json:"algorithm"`
}

func bindConn(cmd *cobra.Command, c *conn) {
	f := cmd.Flags()
	f.StringVar(&c.host, "host", "", "API host, e.g. https://bots.kore.ai (env BOTPORT_HOST; default "+DefaultHost+")")
	f.StringVar(&c.app, "app", "", "client app id, cs-… (env BOTPORT_APP)")
	f.StringVar(&c.secret, "secret", "", "client secret (env BOTPORT_SECRET)")
	f.StringVar(&c.token, "token", "", "a ready JWT to send instead of signing one (env BOTPORT_TOKEN)")
	f.StringVar(&c.config, "config", "", "config file (env BOTPORT_CONFIG; default <user config dir>/botport/config.json)")
	f.BoolVar(&c.json, "json", false, "print JSON for machines")
	f.DurationVar(&c.timeout, "timeout", 30*time.Second, "how long to wait for the server's answer once a request is sent (requests that may be repeated are retried)")
	c.fs = f
}

// client builds the API client from flags, environment and config file.
func (c *conn) client(env Env) (*client.Client, error) {
	pick := func(flag, val, envName, fromFile string) string {
		if c.fs.Changed(flag) {
			return val
		}
		if v := env.Getenv(envName); v != "" {
			return v
		}
		return fromFile
	}
	path := pick("config", c.config, "BOTPORT_CONFIG", "")
	explicit := path != ""
	if path == "" {
		if dir, err := os.UserConfigDir(); err == nil {
			path = filepath.Join(dir, "botport", "config.json")
		}
	}
	var fc fileConfig
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &fc); err != nil {
				return nil, usage("config file %s: %v", path, err)
			}
		case explicit || !errors.Is(err, os.ErrNotExist):
			return nil, usage("config file: %v", err)
		}
	}
	host := pick("host", c.host, "BOTPORT_HOST", fc.Host)
	if host == "" {
		host = DefaultHost
	}
	if !strings.Contains(host, "://") {
		host = "http://" + host
	}
	cl := client.New(host, pick("app", c.app, "BOTPORT_APP", fc.App), pick("secret", c.secret, "BOTPORT_SECRET", fc.Secret))
	cl.Algorithm = fc.Algorithm
	cl.Token = pick("token", c.token, "BOTPORT_TOKEN", "")
	cl.UserAgent = "botport-cli"
	// Each retry is announced, so that no pause goes unexplained; commands
	// with a progress display route it there.
	cl.OnRetry = func(r client.Retry) { fmt.Fprintln(env.Stderr, "botport: "+retryLine(r)) }
	if c.timeout <= 0 {
		return nil, usage("--timeout must be positive")
	}
	// A server that accepts and never answers costs --timeout per attempt;
	// the whole request (a large upload) may take up to 30 minutes.
	cl.HTTP = &http.Client{Timeout: 30 * time.Minute, Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: c.timeout,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}}
	if cl.Token == "" && (cl.AppID == "" || cl.Secret == "") {
		return nil, usage("no credentials: give --app and --secret (or BOTPORT_APP and BOTPORT_SECRET, or a config file), or --token")
	}
	return cl, nil
}

// describe names the host for messages.
func describe(cl *client.Client) string { return fmt.Sprintf("%s (app %s)", cl.BaseURL, cl.AppID) }
