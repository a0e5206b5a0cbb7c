package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/client"
)

func newExtractDeliveriesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "deliveries JOB_ID",
		Short: "Show a job's webhook deliveries and every attempt made at each",
		Long: `Show a job's webhook deliveries, oldest first: the event, where it went, whether the
receiver has accepted it (delivered), attempts go on (pending) or it was given up on
(failed), and for each attempt its time, the receiver's status code, the error and how
long it took.`,
		Example:           "  quarry extract deliveries ext-0193…\n  quarry extract deliveries ext-0193… --format json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			ds, err := c.Extract.Deliveries(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printList(cmd.OutOrStdout(), format, listDoc[client.WebhookDelivery]{Items: ds}, deliveryTable)
		},
	}
}

var deliveryTable = table[client.WebhookDelivery]{
	header: "EVENT\tSTATE\tATTEMPTS\tLAST CODE\tLAST ERROR\tLAST ATTEMPT\tURL",
	row: func(d client.WebhookDelivery) string {
		code, errText, at := "-", "-", "-"
		if n := len(d.Attempts); n > 0 {
			last := d.Attempts[n-1]
			if last.StatusCode != nil {
				code = strconv.Itoa(*last.StatusCode)
			}
			if last.Error != nil {
				errText = truncate(*last.Error, 60)
			}
			at = formatTime(last.At)
		}
		return fmt.Sprintf("%s\t%s\t%d\t%s\t%s\t%s\t%s", d.EventType, d.State, len(d.Attempts), code, errText, at, d.WebhookURL)
	},
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
