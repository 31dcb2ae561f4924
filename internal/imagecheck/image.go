package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// The image's user: the Dockerfile's USER, owner of /data.
const (
	uid = 65532
	gid = 65532
)

// imageConfig is the part of `buildah inspect --type image` the check reads.
type imageConfig struct {
	OCIv1 struct {
		Config struct {
			User         string
			Env          []string
			Entrypoint   []string
			Cmd          []string
			ExposedPorts map[string]struct{}
			Volumes      map[string]struct{}
			WorkingDir   string
			Labels       map[string]string
		} `json:"config"`
	}
	Docker struct {
		Config struct {
			Healthcheck *json.RawMessage
		} `json:"config"`
	}
}

// checkImage checks the image's configuration, its files, and runs it.
func checkImage(image, version string) error {
	out, err := buildah("inspect", "--type", "image", image)
	if err != nil {
		return err
	}
	var cfg imageConfig
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		return fmt.Errorf("buildah inspect: %w", err)
	}
	if err := checkConfig(cfg, version); err != nil {
		return err
	}
	ctr, err := buildah("from", "--pull-never", "--quiet", image)
	if err != nil {
		return err
	}
	ctr = strings.TrimSpace(ctr)
	defer func() { _, _ = buildah("rm", ctr) }()
	root, err := buildah("mount", ctr)
	if err != nil {
		return err
	}
	root = strings.TrimSpace(root)
	if err := checkFiles(root); err != nil {
		return err
	}
	if err := checkStatic(filepath.Join(root, "orgkit")); err != nil {
		return err
	}
	return runImage(root, cfg, version)
}

func checkConfig(cfg imageConfig, version string) error {
	c := cfg.OCIv1.Config
	var errs []error
	want := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	want(c.User == fmt.Sprintf("%d:%d", uid, gid), "user %q, want %d:%d", c.User, uid, gid)
	want(slices.Equal(c.Entrypoint, []string{"/orgkit"}), "entrypoint %q, want [/orgkit]", c.Entrypoint)
	want(slices.Equal(c.Cmd, []string{"serve"}), "cmd %q, want [serve]", c.Cmd)
	_, exposed := c.ExposedPorts["8080/tcp"]
	want(exposed && len(c.ExposedPorts) == 1, "exposed ports %v, want 8080/tcp", c.ExposedPorts)
	_, volume := c.Volumes["/data"]
	want(volume && len(c.Volumes) == 1, "volumes %v, want /data", c.Volumes)
	want(c.WorkingDir == "/data", "working dir %q, want /data", c.WorkingDir)
	want(cfg.Docker.Config.Healthcheck == nil, "the image has a HEALTHCHECK: orchestrators probe /healthz and /readyz")
	want(c.Labels["org.opencontainers.image.version"] == version, "label org.opencontainers.image.version %q, want %q", c.Labels["org.opencontainers.image.version"], version)
	for _, kv := range []string{"ORGKIT_HTTP_ADDR=0.0.0.0:8080", "ORGKIT_DATA_DIR=/data", "ORGKIT_DATABASE_URL=sqlite:/data/orgkit.db", "TMPDIR=/data"} {
		want(slices.Contains(c.Env, kv), "env %q lacks %s", c.Env, kv)
	}
	return errors.Join(errs...)
}

// imageFiles is everything the image's root filesystem holds; anything else (a shell, a
// package manager, a leftover of the build) is an error.
var imageFiles = []string{"data/", "etc/", "etc/group", "etc/passwd", "etc/ssl/", "etc/ssl/certs/",
	"etc/ssl/certs/ca-certificates.crt", "orgkit"}

func checkFiles(root string) error {
	var got []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			rel += "/"
		}
		got = append(got, rel)
		return nil
	})
	if err != nil {
		return err
	}
	if !slices.Equal(got, imageFiles) {
		return fmt.Errorf("the image holds %q, want exactly %q", got, imageFiles)
	}
	for _, sh := range []string{"bin/sh", "bin/busybox", "bin/bash"} {
		if _, err := os.Lstat(filepath.Join(root, sh)); err == nil {
			return fmt.Errorf("the image has a shell: /%s", sh)
		}
	}
	var errs []error
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		errs = append(errs, err)
		return string(b)
	}
	if p := read("etc/passwd"); !strings.Contains(p, fmt.Sprintf(":x:%d:%d:", uid, gid)) {
		errs = append(errs, fmt.Errorf("/etc/passwd has no user %d: %q", uid, p))
	}
	if g := read("etc/group"); !strings.Contains(g, fmt.Sprintf(":x:%d:", gid)) {
		errs = append(errs, fmt.Errorf("/etc/group has no group %d: %q", gid, g))
	}
	if c := read("etc/ssl/certs/ca-certificates.crt"); strings.Count(c, "BEGIN CERTIFICATE") < 10 {
		errs = append(errs, fmt.Errorf("the CA bundle holds %d certificates", strings.Count(c, "BEGIN CERTIFICATE")))
	}
	if fi, err := os.Stat(filepath.Join(root, "data")); err != nil {
		errs = append(errs, err)
	} else if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid || fi.Mode().Perm()&0o700 != 0o700 {
		errs = append(errs, fmt.Errorf("/data is %d:%d %v, want %d:%d and writable by its owner", st.Uid, st.Gid, fi.Mode(), uid, gid))
	}
	return errors.Join(errs...)
}

// runImage does what a container engine would with the image, without one: the binary runs
// chrooted into a read-only bind mount of the root filesystem, as the image's user, with a
// fresh directory (owned by that user) mounted on /data and the host's /etc/resolv.conf
// (which engines and Kubernetes always provide). The network is the host's, so serve
// listens on a free loopback port instead of 0.0.0.0:8080.
func runImage(root string, cfg imageConfig, version string) (err error) {
	ro, err := os.MkdirTemp("", "orgkit-image-ro")
	if err != nil {
		return err
	}
	defer os.Remove(ro)
	data, err := os.MkdirTemp("", "orgkit-image-data")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	if err := os.Chown(data, uid, gid); err != nil {
		return err
	}
	// The mount point of resolv.conf goes into the container's own layer, as engines do.
	if err := os.WriteFile(filepath.Join(root, "etc/resolv.conf"), nil, 0o644); err != nil {
		return err
	}
	unmount, err := mountReadOnly(root, ro, data)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, unmount()) }()

	c := cfg.OCIv1.Config
	orgkit := func(args ...string) *exec.Cmd {
		cmd := exec.Command(c.Entrypoint[0], append(c.Entrypoint[1:], args...)...)
		cmd.Dir = c.WorkingDir
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: ro, Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		cmd.Env = c.Env
		return cmd
	}
	var stderr bytes.Buffer
	v := orgkit("version")
	v.Stderr = &stderr
	out, err := v.Output()
	if err != nil || string(out) != "orgkit "+version+"\n" {
		return fmt.Errorf("orgkit version: %q (%v), want \"orgkit %s\"\n%s", out, err, version, stderr.String())
	}
	serve := orgkit(c.Cmd...)
	serve.Env = append(slices.Clone(c.Env), "ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_SHUTDOWN_DELAY=100ms",
		"ORGKIT_AUTH_HS256_SECRET="+randomSecret())
	if err := probeServe(serve); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if _, err := os.Stat(filepath.Join(data, "orgkit.db")); err != nil {
		return fmt.Errorf("serve kept no database in /data: %w", err)
	}
	return nil
}

// mountReadOnly bind-mounts root read-only on ro, data on ro/data and the host's
// resolv.conf on ro/etc/resolv.conf; unmount undoes it.
func mountReadOnly(root, ro, data string) (unmount func() error, err error) {
	var mounted []string
	unmount = func() error {
		var errs []error
		for _, m := range slices.Backward(mounted) {
			errs = append(errs, syscall.Unmount(m, syscall.MNT_DETACH))
		}
		return errors.Join(errs...)
	}
	for _, m := range []struct {
		src, dst string
		ro       bool
	}{
		{root, ro, true},
		{data, filepath.Join(ro, "data"), false},
		{"/etc/resolv.conf", filepath.Join(ro, "etc/resolv.conf"), true},
	} {
		if err := syscall.Mount(m.src, m.dst, "", syscall.MS_BIND, ""); err != nil {
			return nil, errors.Join(fmt.Errorf("bind %s on %s: %w", m.src, m.dst, err), unmount())
		}
		mounted = append(mounted, m.dst)
		if m.ro {
			if err := syscall.Mount("", m.dst, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
				return nil, errors.Join(fmt.Errorf("read-only %s: %w", m.dst, err), unmount())
			}
		}
	}
	return unmount, nil
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// buildah runs buildah and returns its standard output; errors carry its standard error.
func buildah(args ...string) (string, error) {
	cmd := exec.Command("buildah", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("buildah %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
