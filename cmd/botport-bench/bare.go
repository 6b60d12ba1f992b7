package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/spf13/cobra"

	"github.com/botport/botport/internal/bench"
)

// bareServerCmd is the other side of the status measurement: a bare
// net/http server writing the same bytes, in a process of its own, as
// botport's server is. Hidden: only the bench starts it.
func bareServerCmd(stdout io.Writer) *cobra.Command {
	var body, addr string
	cmd := &cobra.Command{Use: "bare-server", Hidden: true, Args: cobra.NoArgs}
	cmd.Flags().StringVar(&body, "body", "", "file whose bytes every answer carries")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		b, err := os.ReadFile(body)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: bench.BareHandler(b)}
		go func() { <-cmd.Context().Done(); srv.Close() }()
		fmt.Fprintf(stdout, "bare server listening on http://%s\n", ln.Addr())
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			return err
		}
		return nil
	}
	return cmd
}
