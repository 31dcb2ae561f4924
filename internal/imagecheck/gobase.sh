#!/usr/bin/env bash
# Usage: gobase.sh NAME
# Makes the Dockerfile's builder base (GO_IMAGE) NAME in buildah's local storage, when it is
# missing, from what this machine already has: the Go toolchain of `go env GOROOT`, a static
# busybox for the shell steps and the CA bundle. No registry is contacted.
set -euo pipefail
name=$1
if buildah inspect --type image "$name" >/dev/null 2>&1; then exit 0; fi
busybox=/bin/busybox # busybox-static's: no shared libraries to bring along
goroot=$(go env GOROOT)
ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" >/dev/null' EXIT
root=$(buildah mount "$ctr")
mkdir -p "$root"/bin "$root"/usr/local/go "$root"/etc/ssl/certs "$root"/tmp "$root"/go "$root"/root
chmod 1777 "$root"/tmp
cp "$busybox" "$root"/bin/busybox
chroot "$root" /bin/busybox --install -s /bin
# What builds Go programs; api/, doc/, misc/ and test/ are not needed for that.
for d in VERSION go.env bin lib pkg src; do cp -a "$goroot/$d" "$root/usr/local/go/"; done
cp /etc/ssl/certs/ca-certificates.crt "$root"/etc/ssl/certs/
# root's home is /root, as in golang:*: GOCACHE is /root/.cache/go-build, where make image
# mounts the host's build cache.
echo 'root:x:0:0:root:/root:/bin/sh' > "$root"/etc/passwd
echo 'root:x:0:' > "$root"/etc/group
buildah config --env PATH=/usr/local/go/bin:/go/bin:/bin --env GOPATH=/go --env GOTOOLCHAIN=local \
  --workingdir /go --cmd /bin/sh "$ctr"
buildah commit --quiet "$ctr" "$name" >/dev/null
echo "made $name from $goroot ($(go env GOVERSION))"
