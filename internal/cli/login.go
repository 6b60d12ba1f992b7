package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/botport/botport/client"
	"github.com/botport/botport/internal/profile"
)

// forProfile builds the client of a named profile of the config file,
// whatever the connection flags and environment say: a command that names
// two profiles (promote, diff) talks to exactly those. "" is the command's
// own connection (flags, environment, --profile).
func (c *conn) forProfile(env Env, name string) (*client.Client, error) {
	if name == "" {
		return c.client(env)
	}
	fc, path, err := c.file(env)
	if err != nil {
		return nil, err
	}
	p, ok := fc.Profiles[name]
	if !ok {
		return nil, usage("no profile %q in %s (botport profiles list)", name, path)
	}
	return c.build(env, p.Host, p.App, p.Secret, p.Algorithm, "")
}

// readSecret reads a client secret: on a terminal, from a prompt that does
// not echo; else the first line of stdin. Never from an argument, which
// would land in shell histories and process lists.
func readSecret(in io.Reader, prompt io.Writer, what string) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(prompt, "%s: ", what)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func loginCmd(env Env) *cobra.Command {
	c := conn{creates: true}
	var host, app, algorithm string
	var noVerify bool
	cmd := &cobra.Command{
		Use:   "login --profile NAME --host URL --app cs-…",
		Short: "Save a connection profile (the secret is read from a prompt or stdin)",
		Long: `Save a host and an app's credentials in the config file as a profile, which
--profile NAME (or BOTPORT_PROFILE) then selects, and promote and diff name
(PROFILE:BOT). Without --profile, the file's default connection is set.

The client secret is read from a prompt that does not echo on a terminal, or
from the first line of stdin (echo "$SECRET" | botport login ...), never from
an argument. The credentials are checked against the host first (--no-verify
skips that). The file is written with mode 0600.`,
		Example: `  botport login --profile prod --host https://bots.example.com --app cs-…
  printf '%s\n' "$PROD_SECRET" | botport login --profile prod --host https://bots.example.com --app cs-…`,
		Args: NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&c.profile, "profile", "", "profile name (default: the file's default connection)")
	f.StringVar(&host, "host", DefaultHost, "API host")
	f.StringVar(&app, "app", "", "client app id, cs-… (required)")
	f.StringVar(&algorithm, "algorithm", "", "JWT algorithm of the app: HS256 (default) or HS512")
	f.StringVar(&c.config, "config", "", "config file (env BOTPORT_CONFIG; default <user config dir>/botport/config.json)")
	f.BoolVar(&noVerify, "no-verify", false, "save without checking the credentials against the host")
	f.BoolVar(&c.json, "json", false, "print JSON for machines")
	f.DurationVar(&c.timeout, "timeout", 30*time.Second, "how long to wait for the host's answer")
	_ = cmd.MarkFlagRequired("app")
	c.fs = f
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if c.profile != "" {
			if err := profile.CheckName(c.profile); err != nil {
				return Usage(err)
			}
		}
		if algorithm != "" && !strings.EqualFold(algorithm, "HS256") && !strings.EqualFold(algorithm, "HS512") {
			return usage("--algorithm must be HS256 or HS512")
		}
		secret, err := readSecret(cmd.InOrStdin(), env.Stderr, "Client secret for "+app)
		if err != nil {
			return err
		}
		if secret == "" {
			return usage("no client secret: type it at the prompt, or give it on stdin")
		}
		fc, path, err := c.file(env)
		if err != nil {
			return err
		}
		if path == "" {
			return usage("no config file: give --config")
		}
		if !strings.Contains(host, "://") {
			host = "http://" + host // as the connection flags read it
		}
		p := profile.Profile{Host: strings.TrimRight(host, "/"), App: app, Secret: secret, Algorithm: strings.ToUpper(algorithm)}
		if !noVerify {
			cl, err := c.build(env, p.Host, p.App, p.Secret, p.Algorithm, "")
			if err != nil {
				return err
			}
			// A scope refusal comes after the credentials were accepted.
			var ce *client.Error
			if _, err := cl.Bots(cmd.Context(), 0, 1); err != nil && !(errors.As(err, &ce) && strings.Contains(ce.Msg, "Scope is incorrect")) {
				return fmt.Errorf("check the credentials on %s: %w (--no-verify saves them unchecked)", describe(cl), err)
			}
		}
		name := c.profile
		if name == "" {
			fc.Profile = p
		} else {
			fc.Profiles[name] = p
		}
		if err := fc.Save(path); err != nil {
			return err
		}
		if c.json {
			return printJSON(env.Stdout, profileView{Name: name, Host: p.Host, App: p.App, Algorithm: p.Algorithm, Config: path})
		}
		if name == "" {
			name = "default connection"
		} else {
			name = "profile " + name
		}
		fmt.Fprintln(env.Stdout, safe(fmt.Sprintf("saved %s in %s (host %s, app %s)", name, path, p.Host, p.App)))
		return nil
	}
	return cmd
}

// profileView is a profile as listings show it: never its secret.
type profileView struct {
	Name      string `json:"name"`
	Host      string `json:"host"`
	App       string `json:"app"`
	Algorithm string `json:"algorithm,omitempty"`
	Selected  bool   `json:"selected,omitempty"` // BOTPORT_PROFILE names it
	Config    string `json:"config,omitempty"`
}

func profilesCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{Use: "profiles", Short: "The config file's connection profiles"}
	c := conn{}
	list := &cobra.Command{Use: "list", Short: "List the profiles (never their secrets)", Args: NoArgs}
	list.Flags().StringVar(&c.config, "config", "", "config file (env BOTPORT_CONFIG; default <user config dir>/botport/config.json)")
	list.Flags().BoolVar(&c.json, "json", false, "print JSON for machines")
	c.fs = list.Flags()
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		fc, _, err := c.file(env)
		if err != nil {
			return err
		}
		selected := env.Getenv("BOTPORT_PROFILE")
		views := []profileView{}
		if fc.App != "" || fc.Host != "" {
			views = append(views, profileView{Name: "", Host: fc.Host, App: fc.App, Algorithm: fc.Algorithm})
		}
		for _, n := range fc.Names() {
			p := fc.Profiles[n]
			views = append(views, profileView{Name: n, Host: p.Host, App: p.App, Algorithm: p.Algorithm, Selected: n == selected})
		}
		if c.json {
			return printJSON(env.Stdout, views)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROFILE\tHOST\tAPP\tALGORITHM")
		for _, v := range views {
			name := v.Name
			switch {
			case name == "":
				name = "(default)"
			case v.Selected:
				name += " *"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safe(name), safe(v.Host), safe(v.App), safe(v.Algorithm))
		}
		return tw.Flush()
	}
	rc := conn{}
	remove := &cobra.Command{Use: "remove NAME", Short: "Remove a profile from the config file", Args: ExactArgs(1)}
	remove.Flags().StringVar(&rc.config, "config", "", "config file (env BOTPORT_CONFIG; default <user config dir>/botport/config.json)")
	rc.fs = remove.Flags()
	remove.RunE = func(cmd *cobra.Command, args []string) error {
		fc, path, err := rc.file(env)
		if err != nil {
			return err
		}
		if _, ok := fc.Profiles[args[0]]; !ok {
			return usage("no profile %q in %s", args[0], path)
		}
		delete(fc.Profiles, args[0])
		if err := fc.Save(path); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, safe(fmt.Sprintf("removed profile %s from %s", args[0], path)))
		return nil
	}
	cmd.AddCommand(list, remove)
	return cmd
}
