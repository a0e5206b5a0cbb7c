// Command quarry is Quarry's server and command-line client.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/quarrylabs/quarry/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
