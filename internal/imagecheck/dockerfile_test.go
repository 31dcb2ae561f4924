package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

const dockerfilePath = "../../Dockerfile"

func parsed(t *testing.T) dockerfile {
	t.Helper()
	df, err := parseDockerfile(dockerfilePath)
	if err != nil {
		t.Fatal(err)
	}
	return df
}

// TestDockerfile_Contract: multi-stage, the builder an ARG (a CI without a registry passes a
// local base) defaulting to the go.mod's Go, the final stage FROM scratch with no RUN (no
// shell there), a numeric non-root USER that the build stage writes to /etc/passwd, no
// HEALTHCHECK anywhere, EXPOSE 8080, the data volume, and exec-form ENTRYPOINT and CMD.
func TestDockerfile_Contract(t *testing.T) {
	df := parsed(t)
	if len(df.stages) < 2 {
		t.Fatalf("%d stage(s), want a build stage and the final one", len(df.stages))
	}
	goImage := ""
	for _, a := range df.globalArgs {
		if v, ok := strings.CutPrefix(a.args, "GO_IMAGE="); ok {
			goImage = v
		}
	}
	if df.stages[0].from != "${GO_IMAGE}" || !strings.HasPrefix(goImage, "golang:"+goModGo(t)+"-") {
		t.Errorf("builder FROM %q with ARG GO_IMAGE=%q, want FROM ${GO_IMAGE} defaulting to golang:%s-…", df.stages[0].from, goImage, goModGo(t))
	}
	final := df.final()
	if final.from != "scratch" {
		t.Errorf("final stage FROM %q, want scratch", final.from)
	}
	if runs := final.all("RUN"); len(runs) > 0 {
		t.Errorf("final stage RUNs %q: scratch has no shell", runs[0].args)
	}
	for _, s := range df.stages {
		if hc := s.all("HEALTHCHECK"); len(hc) > 0 {
			t.Errorf("line %d: HEALTHCHECK: orchestrators probe /healthz and /readyz", hc[0].line)
		}
	}
	one := func(cmd string) string {
		t.Helper()
		ins := final.all(cmd)
		if len(ins) != 1 {
			t.Fatalf("final stage has %d %s, want 1", len(ins), cmd)
		}
		return ins[0].args
	}
	user := one("USER")
	m := regexp.MustCompile(`^(\d+):(\d+)$`).FindStringSubmatch(user)
	if m == nil || m[1] == "0" || m[2] == "0" {
		t.Fatalf("USER %q, want numeric uid:gid, not root (runAsNonRoot needs numbers)", user)
	}
	if m[1] != strconv.Itoa(uid) || m[2] != strconv.Itoa(gid) {
		t.Errorf("USER %s, want %d:%d (the uid image-check and the docs name)", user, uid, gid)
	}
	passwd := false
	for _, in := range df.stages[0].all("RUN") {
		passwd = passwd || strings.Contains(in.args, ":x:"+m[1]+":"+m[2]+":") && strings.Contains(in.args, "/etc/passwd")
	}
	if !passwd {
		t.Errorf("the build stage writes no /etc/passwd line for %s", user)
	}
	if got := one("EXPOSE"); got != "8080" {
		t.Errorf("EXPOSE %q, want 8080", got)
	}
	if got := one("VOLUME"); got != "/data" {
		t.Errorf("VOLUME %q, want /data", got)
	}
	for cmd, want := range map[string][]string{"ENTRYPOINT": {"/orgkit"}, "CMD": {"serve"}} {
		var got []string
		if err := json.Unmarshal([]byte(one(cmd)), &got); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s %s, want the exec form %q (no shell to run the other)", cmd, one(cmd), want)
		}
	}
	env := finalEnv(t, df)
	for k, v := range map[string]string{"ORGKIT_HTTP_ADDR": "0.0.0.0:8080", "ORGKIT_DATA_DIR": "/data",
		"ORGKIT_DATABASE_URL": "sqlite:/data/orgkit.db", "TMPDIR": "/data"} {
		if env[k] != v {
			t.Errorf("ENV %s=%q, want %q", k, env[k], v)
		}
	}
}

// TestDockerfile_BinaryRunsAsNonRoot builds the binary with the build stage's own `go build`
// line (read from the Dockerfile, so the two cannot drift), checks that it is static, and runs
// it as uid 65532 with the final stage's environment, its /data a fresh directory owned by
// that user (the only place it may write): version, then serve answering /healthz and /readyz.
func TestDockerfile_BinaryRunsAsNonRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but the tests do not run as root: running as uid 65532 needs it")
		}
		t.Skip("not root: cannot run the binary as uid 65532 (CI runs as root)")
	}
	df := parsed(t)
	const version = "dockerfile-test"
	env, argv, err := df.goBuild(map[string]string{"VERSION": version})
	if err != nil {
		t.Fatal(err)
	}
	dir := worldReadableDir(t)
	bin := filepath.Join(dir, "orgkit")
	out := slices.Index(argv, "-o")
	if argv[0] != "go" || argv[1] != "build" || out < 0 || out+1 >= len(argv) || argv[out+1] != "/out/orgkit" {
		t.Fatalf("the build line %q is not `go build … -o /out/orgkit …`", argv)
	}
	argv[out+1] = bin
	build := exec.Command(argv[0], argv[1:]...)
	build.Dir = "../.."
	build.Env = append(os.Environ(), env...)
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", argv, err, b)
	}
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("the build line sets %q, not CGO_ENABLED=0", env)
	}
	if err := checkStatic(bin); err != nil {
		t.Fatal(err)
	}

	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, uid, gid); err != nil {
		t.Fatal(err)
	}
	var vars []string
	for k, v := range finalEnv(t, df) { // the image's /data is this test's data directory
		vars = append(vars, k+"="+strings.ReplaceAll(v, "/data", data))
	}
	orgkit := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Dir = data
		cmd.Env = slices.Concat(vars, []string{"PATH=/usr/bin:/bin"})
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		return cmd
	}
	if b, err := orgkit("version").Output(); err != nil || string(b) != "orgkit "+version+"\n" {
		t.Fatalf("version: %q %v", b, err)
	}
	serve := orgkit("serve")
	serve.Env = append(serve.Env, "ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_SHUTDOWN_DELAY=100ms", "ORGKIT_AUTH_HS256_SECRET="+randomSecret())
	if err := probeServe(serve); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(data, "orgkit.db"))
	if err != nil {
		t.Fatalf("serve kept no database in the data directory: %v", err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid {
		t.Errorf("the database belongs to uid %d, want %d", st.Uid, uid)
	}
}

// finalEnv is the final stage's ENV, KEY=VALUE pairs (one or several per instruction).
func finalEnv(t *testing.T, df dockerfile) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, in := range df.final().all("ENV") {
		words, err := shellWords(in.args)
		if err != nil {
			t.Fatalf("line %d: %v", in.line, err)
		}
		for _, w := range words {
			k, v, ok := strings.Cut(w, "=")
			if !ok {
				t.Fatalf("line %d: ENV %q: want KEY=VALUE", in.line, w)
			}
			env[k] = v
		}
	}
	return env
}

// goModGo is the go.mod's language version, major.minor.
func goModGo(t *testing.T) string {
	t.Helper()
	f, err := os.Open("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go "); ok {
			parts := strings.Split(v, ".")
			return parts[0] + "." + parts[1]
		}
	}
	t.Fatal("go.mod has no go line")
	return ""
}

// worldReadableDir is a temporary directory uid 65532 can enter (t.TempDir's are 0700).
func worldReadableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "orgkit-dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
