package cli

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/profile"
)

// DefaultHost is the host commands talk to when none is configured.
const DefaultHost = "http://127.0.0.1:8080"

// conn holds the flags that say where and who: --host, --app, --secret,
// --token, --config, --profile. Each also comes from BOTPORT_HOST,
// BOTPORT_APP, BOTPORT_SECRET, BOTPORT_TOKEN, BOTPORT_CONFIG and
// BOTPORT_PROFILE, then from the config file (the selected profile, else
// its flat fields); a flag wins over the environment, which wins over the
// file.
type conn struct {
	host, app, secret, token, config, profile string
	json                                      bool
	timeout                                   time.Duration
	creates                                   bool // the command writes the config file: it may not exist yet
	fs                                        interface{ Changed(string) bool }
}

func bindConn(cmd *cobra.Command, c *conn) {
	f := cmd.Flags()
	f.StringVar(&c.host, "host", "", "API host, e.g. https://bots.kore.ai (env BOTPORT_HOST; default "+DefaultHost+")")
	f.StringVar(&c.app, "app", "", "client app id, cs-… (env BOTPORT_APP)")
	f.StringVar(&c.secret, "secret", "", "client secret (env BOTPORT_SECRET)")
	f.StringVar(&c.token, "token", "", "a ready JWT to send instead of signing one (env BOTPORT_TOKEN)")
	f.StringVar(&c.config, "config", "", "config file (env BOTPORT_CONFIG; default <user config dir>/botport/config.json)")
	f.StringVar(&c.profile, "profile", "", "the config file's profile to connect with (env BOTPORT_PROFILE; see botport login)")
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
	fc, path, err := c.file(env)
	if err != nil {
		return nil, err
	}
	base := fc.Profile
	if name := pick("profile", c.profile, "BOTPORT_PROFILE", ""); name != "" {
		p, ok := fc.Profiles[name]
		if !ok {
			return nil, usage("no profile %q in %s (botport profiles list)", name, path)
		}
		base = p
	}
	host := pick("host", c.host, "BOTPORT_HOST", base.Host)
	return c.build(env, host, pick("app", c.app, "BOTPORT_APP", base.App), pick("secret", c.secret, "BOTPORT_SECRET", base.Secret),
		base.Algorithm, pick("token", c.token, "BOTPORT_TOKEN", ""))
}

// file reads the config file --config, BOTPORT_CONFIG or the default path
// names; the default file may be missing.
func (c *conn) file(env Env) (*profile.File, string, error) {
	path := c.config
	if !c.fs.Changed("config") {
		path = env.Getenv("BOTPORT_CONFIG")
	}
	explicit := path != ""
	if path == "" {
		p, err := profile.DefaultPath()
		if err != nil {
			return &profile.File{Profiles: map[string]profile.Profile{}}, "", nil
		}
		path = p
	}
	fc, err := profile.Load(path)
	switch {
	case err == nil:
	case (explicit && !c.creates) || !profile.Missing(err):
		return nil, path, usage("config file: %v", err)
	}
	return fc, path, nil
}

// build returns a client of host with those credentials and the
// command's timeout.
func (c *conn) build(env Env, host, app, secret, algorithm, token string) (*client.Client, error) {
	if host == "" {
		host = DefaultHost
	}
	if !strings.Contains(host, "://") {
		host = "http://" + host
	}
	cl := client.New(host, app, secret)
	cl.Algorithm = algorithm
	cl.Token = token
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
		return nil, usage("no credentials: give --app and --secret (or BOTPORT_APP and BOTPORT_SECRET, a profile, or a config file), or --token")
	}
	return cl, nil
}

// describe names the host for messages.
func describe(cl *client.Client) string { return fmt.Sprintf("%s (app %s)", cl.BaseURL, cl.AppID) }
