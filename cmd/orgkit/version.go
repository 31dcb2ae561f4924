package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// buildVersion is set with -ldflags "-X main.buildVersion=…" by `make build`.
var buildVersion = ""

func versionString() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func version(_ context.Context, e env, args []string) error {
	fs := newFlags(e, "version", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "orgkit", versionString())
	return nil
}
