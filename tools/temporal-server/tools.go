//go:build tools

// Package tools pins the Temporal server and its SQL schema tool, so that
//
//	go build -o BIN/temporal-server go.temporal.io/server/cmd/server
//	go build -o BIN/temporal-sql-tool go.temporal.io/server/cmd/tools/sql
//
// from this folder build them through the Go module proxy (scripts/cluster/build-server.sh does it).
// The server's own go.mod is used as a dependency here, not installed with `go install`, so that
// the versions of every module are pinned by this folder's go.sum.
package tools

import (
	_ "go.temporal.io/server/cmd/server"
	_ "go.temporal.io/server/cmd/tools/sql"
)
