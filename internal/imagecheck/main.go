// Command imagecheck checks a built orgkit container image (`make image-check`): its
// configuration, that its root filesystem holds nothing but the static binary, the CA bundle,
// the user's passwd and group lines and the data directory (no shell), and that it runs as
// uid 65532 on that root filesystem mounted read-only, with only /data writable: `orgkit
// version` prints the version and `serve` answers /healthz and /readyz, then stops on SIGTERM.
//
// It runs the image without a container engine: buildah mounts the image's root filesystem
// and the binary runs chrooted into a read-only bind mount of it. It needs root.
//
// Its tests (go test ./internal/imagecheck) check the Dockerfile's contract without buildah:
// they parse the Dockerfile and build and run the binary exactly as its build stage does.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	image := flag.String("image", "", "the image to check, in buildah's local storage (orgkit:VERSION)")
	version := flag.String("version", "", "the version `orgkit version` must print")
	flag.Parse()
	if *image == "" || *version == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := checkImage(*image, *version); err != nil {
		fmt.Fprintln(os.Stderr, "image-check:", err)
		os.Exit(1)
	}
	fmt.Printf("image-check: %s ok: no shell, static, runs as 65532 on a read-only root, version %s, /healthz and /readyz 200\n", *image, *version)
}
