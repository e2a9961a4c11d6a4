// The Temporal CLI (dev server) of the test and dev stacks: github.com/temporalio/cli v1.5.1's own
// main (cmd/temporal/main.go), built against a newer SQLite driver than the one that release pins.
//
// Why: v1.5.1 pins modernc.org/sqlite v1.34.1. There, a transaction whose context is cancelled while
// it runs (a task queue unloaded as a worker stops, which the suite does all the time) leaves the
// connection interrupted for good: every later query fails with "interrupted (9)", the dev server
// answers "Namespace not found: 'default'" to everything, and the rest of the run fails (seen
// 2026-11-28 in `npm test`: temporal.log "transaction rollback error" then 16,000 "interrupted (9)").
// Temporal's own server moved to v1.44.3 for these SQLITE_INTERRUPT errors (temporalio/temporal
// #9198, after #8489 dropped the pin once TestSQLiteTransactionContextCancellation passed).
package main

import (
	"context"

	"github.com/temporalio/cli/temporalcli"

	// Keep the driver in go.mod at the version chosen there (as upstream's main does).
	_ "modernc.org/sqlite"
	// Embed time zone database as a fallback if platform database can't be found
	_ "time/tzdata"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	temporalcli.Execute(ctx, temporalcli.CommandOptions{})
}
