package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// instruction is one Dockerfile instruction, its continuation lines joined.
type instruction struct {
	line int    // where it starts
	cmd  string // upper case: FROM, RUN, …
	args string
}

// stage is a FROM and the instructions up to the next FROM.
type stage struct {
	from         string // the base, as written (${GO_IMAGE}, scratch)
	name         string // AS name, or ""
	instructions []instruction
}

// dockerfile is the parsed file: the ARGs before the first FROM, then the stages.
type dockerfile struct {
	globalArgs []instruction
	stages     []stage
}

// parseDockerfile reads the subset of the Dockerfile syntax orgkit's file uses: comments,
// backslash continuations and one instruction per logical line (no heredocs, no parser
// directives beyond the syntax comment).
func parseDockerfile(path string) (dockerfile, error) {
	f, err := os.Open(path)
	if err != nil {
		return dockerfile{}, err
	}
	defer f.Close()
	var df dockerfile
	var cur strings.Builder
	start, n := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if body, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(line)
		if err := df.add(start, cur.String()); err != nil {
			return df, fmt.Errorf("%s:%d: %w", path, start, err)
		}
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		return df, err
	}
	if cur.Len() > 0 {
		return df, fmt.Errorf("%s:%d: the file ends in a continuation", path, start)
	}
	if len(df.stages) == 0 {
		return df, fmt.Errorf("%s: no FROM", path)
	}
	return df, nil
}

func (df *dockerfile) add(line int, text string) error {
	cmd, args, _ := strings.Cut(text, " ")
	in := instruction{line: line, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
	switch {
	case in.cmd == "FROM":
		f := strings.Fields(in.args)
		s := stage{from: f[0]}
		if len(f) == 3 && strings.EqualFold(f[1], "AS") {
			s.name = f[2]
		} else if len(f) != 1 {
			return fmt.Errorf("FROM %q: want IMAGE [AS NAME]", in.args)
		}
		df.stages = append(df.stages, s)
	case len(df.stages) == 0 && in.cmd == "ARG":
		df.globalArgs = append(df.globalArgs, in)
	case len(df.stages) == 0:
		return fmt.Errorf("%s before the first FROM", in.cmd)
	default:
		s := &df.stages[len(df.stages)-1]
		s.instructions = append(s.instructions, in)
	}
	return nil
}

// all returns the stage's instructions of one kind.
func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.instructions {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// final is the stage the image is made of.
func (df dockerfile) final() stage { return df.stages[len(df.stages)-1] }

// goBuild is the RUN of the build stage that runs `go build`, split into its leading
// variable assignments and the command's words, with ${NAME} and $NAME replaced from vars.
func (df dockerfile) goBuild(vars map[string]string) (env, argv []string, err error) {
	for _, s := range df.stages[:len(df.stages)-1] {
		for _, in := range s.all("RUN") {
			if !strings.Contains(in.args, "go build") {
				continue
			}
			words, err := shellWords(os.Expand(in.args, func(k string) string { return vars[k] }))
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %w", in.line, err)
			}
			for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
				env, words = append(env, words[0]), words[1:]
			}
			return env, words, nil
		}
	}
	return nil, nil, fmt.Errorf("no RUN … go build in a build stage")
}

// shellWords splits a simple shell command into words: blanks separate, single and double
// quotes group. Anything the shell would treat specially beyond that (;, &&, |, redirections,
// backslashes) is refused, so the words are exactly what sh would run.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case strings.ContainsRune(";&|<>`\\", r):
			return nil, fmt.Errorf("%q: not a simple command (%q)", s, r)
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("%q: unterminated quote", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
