package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func operationsDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOperationsDoc_ListsEveryVariable: every ORGKIT_* variable the binary reads (the
// configuration's settings, from the code) has its row in docs/operations.md's table, with
// its flag.
func TestOperationsDoc_ListsEveryVariable(t *testing.T) {
	doc := operationsDoc(t)
	var c config
	type row struct{ env, flag string }
	var rows []row
	for _, s := range c.settings() {
		rows = append(rows, row{s.env, s.flag})
	}
	for _, s := range typedSettings {
		rows = append(rows, row{s.env, s.flag})
	}
	if len(rows) < 30 {
		t.Fatalf("%d settings read from the configuration, want every one", len(rows))
	}
	for _, r := range rows {
		if want := "| `" + r.env + "` | `--" + r.flag + "` |"; !strings.Contains(doc, want) {
			t.Errorf("docs/operations.md has no row %q", want)
		}
	}
}

// orgkitCommand is an orgkit invocation in the doc: `orgkit CMD …`, `/orgkit CMD …` (inside a
// container) or `IMAGE:TAG CMD …` after docker run.
var orgkitCommand = regexp.MustCompile(`(?:^|[\s/])orgkit(?::[\w.-]+)?[ \t]+([a-z]+)((?:[ \t]+[^\s#` + "`" + `]+)*)`)

// TestOperationsDoc_CommandsExist: every orgkit command the doc shows, in its shell blocks and
// inline code, is one of the binary's commands, its first word one its usage names and each
// --flag one it accepts (read from `orgkit CMD --help`).
func TestOperationsDoc_CommandsExist(t *testing.T) {
	doc := operationsDoc(t)
	var shown []string
	inShell := false
	for _, line := range strings.Split(doc, "\n") {
		switch fence := strings.TrimSpace(line); {
		case strings.HasPrefix(fence, "```"):
			inShell = fence == "```sh"
		case inShell:
			code, _, _ := strings.Cut(line, " #") // a comment
			shown = append(shown, code)
		}
	}
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(doc, -1) {
		shown = append(shown, m[1])
	}
	n := 0
	for _, code := range shown {
		for _, m := range orgkitCommand.FindAllStringSubmatch(code, -1) {
			n++
			checkCommand(t, m[0], m[1], strings.Fields(m[2]))
		}
	}
	if n < 15 {
		t.Fatalf("found %d orgkit commands in the doc, want the ones it shows", n)
	}
}

func checkCommand(t *testing.T, shown, name string, args []string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{name, "--help"}, func(string) string { return "" }, &out, &errb)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("%q: orgkit %s --help: %v, want the command's help", shown, name, err)
		return
	}
	help := errb.String()
	synopsis, _, _ := strings.Cut(help, "\n")
	for i, a := range args {
		if f, ok := strings.CutPrefix(a, "--"); ok {
			f, _, _ = strings.Cut(f, "=")
			if !strings.Contains(help, "  -"+f+" ") && !strings.Contains(help, "  -"+f+"\n") {
				t.Errorf("%q: orgkit %s has no flag --%s", shown, name, f)
			}
			continue
		}
		if i == 0 && regexp.MustCompile(`^[a-z]+$`).MatchString(a) && !slices.Contains(regexp.MustCompile(`[a-z]+`).FindAllString(synopsis, -1), a) {
			t.Errorf("%q: %q is not in orgkit %s's usage %q", shown, a, name, synopsis)
		}
	}
}
