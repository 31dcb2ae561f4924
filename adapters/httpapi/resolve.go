package httpapi

import (
	"context"
	"encoding/binary"
	"math/bits"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// resolveParams are resolve's query parameters, exactly one of which is given.
var resolveParams = [...]string{"slug", "domain", "host"}

// Header values resolve writes, allocated once. Each slice's capacity is its length, so an
// Add to the header copies it instead of writing into the shared array.
var (
	// cacheFor60s lets browsers and CDNs keep an answer for a minute: the service's own cache
	// is invalidated on every change, theirs ages out.
	cacheFor60s  = []string{"public, max-age=60"}[:1:1]
	cacheNoStore = []string{"no-store"}[:1:1]
	jsonUTF8     = []string{"application/json; charset=utf-8"}[:1:1]
)

// resolveBufs are the buffers resolve encodes its answers into.
var resolveBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// resolve answers GET /v1/public/organizations/resolve without authentication: the public
// face of the active organization named by ?slug=, ?domain= (a verified custom domain) or
// ?host= (a Host header value: a platform subdomain's slug, or a custom domain). Whatever
// the reason nothing is found (unknown, unverified, suspended, archived), the 404 is the same.
func (h *handlers) resolve(c *gin.Context) {
	header := c.Writer.Header()
	// Keys in canonical form (textproto.CanonicalMIMEHeaderKey), set without Header.Set's
	// canonicalization on this hot path.
	header["Cache-Control"] = cacheNoStore // errors are never cached; an answer overrides it
	in := newInput(c)
	param, value := resolveQuery(in)
	if !h.checked(in, 0, "") {
		return
	}
	org, err := h.resolveBy(c.Request.Context(), param, value)
	if err != nil {
		if domain.CodeOf(err) == domain.CodeOrganizationNotFound {
			err = domain.ErrOrganizationNotFound // one body whatever the reason
		}
		writeError(c, err)
		return
	}
	bp := resolveBufs.Get().(*[]byte)
	defer resolveBufs.Put(bp)
	body := appendResolveBody((*bp)[:0], org)
	*bp = body
	tag := etag(body)
	header["Cache-Control"] = cacheFor60s
	header["Etag"] = []string{tag}
	if etagMatches(c.Request.Header["If-None-Match"], tag) {
		c.Status(http.StatusNotModified)
		return
	}
	header["Content-Type"] = jsonUTF8
	c.Status(http.StatusOK)
	if _, err := c.Writer.Write(body); err != nil {
		c.Abort() // the client went away; nothing more can be said to it
	}
}

func (h *handlers) resolveBy(ctx context.Context, param, value string) (domain.PublicOrganization, error) {
	switch param {
	case "slug":
		return h.svc.ResolveSlug(ctx, value)
	case "domain":
		return h.svc.ResolveDomain(ctx, value)
	default:
		return h.svc.ResolveHost(ctx, value)
	}
}

// resolveQuery reads which one of slug, domain and host was given, and its value. None or
// more than one of them, or one given twice or empty, is reported on the fields named.
func resolveQuery(in *input) (param, value string) {
	var count [len(resolveParams)]int
	var values [len(resolveParams)]string
	eachQuery(in.c.Request.URL.RawQuery, func(key, val string) {
		for i, p := range resolveParams {
			if key == p {
				count[i]++
				values[i] = val
			}
		}
	})
	given := 0
	for i := range resolveParams {
		if count[i] > 0 {
			given++
			param, value = resolveParams[i], values[i]
		}
	}
	for i, p := range resolveParams {
		switch {
		case given != 1 && (given == 0 || count[i] > 0):
			in.v.Add(p, "give exactly one of slug, domain and host")
		case count[i] > 1:
			in.v.Add(p, "%s must be given once", p)
		case count[i] == 1 && values[i] == "":
			in.v.Add(p, "%s must not be empty", p)
		}
	}
	return param, value
}

// etag is a strong entity tag of body: the quoted hex of its hash64, the same on every
// replica and release that writes the same bytes.
func etag(body []byte) string {
	sum := hash64(body)
	var b [18]byte
	b[0], b[17] = '"', '"'
	for i := 16; i > 0; i-- {
		b[i] = hexDigits[sum&0xF]
		sum >>= 4
	}
	return string(b[:])
}

// hash64 is a fast unseeded 64-bit hash (wyhash's multiply-fold over 8-byte words, then
// murmur3's finalizer), for telling bodies apart in ETags: not for anything adversarial.
// FNV-1a, one multiply per byte, costs several times more on resolve's hot path.
func hash64(b []byte) uint64 {
	const p0, p1 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db
	h := uint64(len(b)) ^ p0
	for ; len(b) >= 8; b = b[8:] {
		h = mix(binary.LittleEndian.Uint64(b)^p1, h^p0)
	}
	var tail uint64
	for i := len(b) - 1; i >= 0; i-- {
		tail = tail<<8 | uint64(b[i])
	}
	h = mix(tail^p1, h^p0)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// mix folds the 128-bit product of a and b into 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// etagMatches reports whether If-None-Match (all its header lines) names tag: "*", or tag
// in a comma-separated list, compared weakly (a W/ prefix is ignored) as RFC 9110 asks of
// If-None-Match.
func etagMatches(headers []string, tag string) bool {
	for _, h := range headers {
		for h != "" {
			var t string
			t, h, _ = strings.Cut(h, ",")
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == tag {
				return true
			}
		}
	}
	return false
}
