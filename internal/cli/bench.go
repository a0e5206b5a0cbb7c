package cli

import "github.com/spf13/cobra"

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a Quarry server on this machine",
		Example: `  quarry bench load --duration 60s --clients 200
  quarry bench load --addr 127.0.0.1:8080 --requests 20000`,
	}
	cmd.AddCommand(newBenchLoadCmd())
	return cmd
}
