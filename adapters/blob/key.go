package blob

import (
	"fmt"
	"strings"
)

// maxKeyLen bounds a key: S3 allows 1024 bytes, and a store's own prefix comes on top.
const maxKeyLen = 512

// checkKey refuses a key outside ports.BlobStore's alphabet, so no key can leave a store's
// root (a path traversal) or mean different things to different stores.
func checkKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("blob: key %q: empty or longer than %d bytes", key, maxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("blob: key %q: empty, . or .. segment", key)
		}
		for _, r := range seg {
			if !keyRune(r) {
				return fmt.Errorf("blob: key %q: character %q is not allowed", key, r)
			}
		}
	}
	return nil
}

func keyRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// prefixCanMatch reports whether some valid key could start with prefix. List answers an
// impossible prefix (uppercase, a NUL byte Postgres refuses, anything non-ASCII) with no
// blobs instead of asking the store, and every prefix it does ask about is plain ASCII.
func prefixCanMatch(prefix string) bool {
	for _, r := range prefix {
		if !keyRune(r) && r != '/' {
			return false
		}
	}
	return len(prefix) <= maxKeyLen
}

// prefixEnd is the least string above every key that starts with prefix, for a range scan
// (prefix <= key < prefixEnd): keys hold only bytes below '~', and stores compare bytewise.
func prefixEnd(prefix string) string { return prefix + "~" }

// mediaType is the type a blob is stored with: S3 gives an object without one
// application/octet-stream, so every store does.
func mediaType(contentType string) string {
	if contentType == "" {
		return "application/octet-stream"
	}
	return contentType
}
