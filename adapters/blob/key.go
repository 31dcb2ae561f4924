package blob

import (
	"fmt"
	"strings"
)

// checkKey refuses a key outside ports.BlobStore's alphabet, so no key can leave a store's
// root (a path traversal) or mean different things to different stores.
func checkKey(key string) error {
	if key == "" || len(key) > 512 {
		return fmt.Errorf("blob: key %q: empty or too long", key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("blob: key %q: empty, . or .. segment", key)
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return fmt.Errorf("blob: key %q: character %q is not allowed", key, r)
			}
		}
	}
	return nil
}
