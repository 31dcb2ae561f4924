package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/imagetest"
	"github.com/orgkit/orgkit/ports"
)

// lgURL is what an uploaded image's URL looks like: absolute, under the public URL, with the
// first 16 hex digits of its hash.
var lgURL = regexp.MustCompile(`^` + regexp.QuoteMeta(publicURL) + `/v1/public/organizations/(\d+)/(logo|icon)\?v=([0-9a-f]{16})$`)

// lgForm is a multipart/form-data body with one file part.
func lgForm(t testing.TB, field, filename, declared string, data []byte) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	hdr.Set("Content-Type", declared)
	w, err := mw.CreatePart(hdr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), mw.FormDataContentType()
}

// lgUpload posts data in the multipart field named like the slot of path (…/logo, …/icon).
func (h *harness) lgUpload(path, email string, data []byte) response {
	h.t.Helper()
	field := path[strings.LastIndexByte(path, '/')+1:]
	body, ct := lgForm(h.t, field, "image.png", "image/png", data)
	return h.do("POST", path, email, body, "Content-Type", ct)
}

// lgPublic fetches an image URL the API answered (or a path) without a token.
func (h *harness) lgPublic(url string, headers ...string) response {
	h.t.Helper()
	return h.do("GET", strings.TrimPrefix(url, publicURL), "", nil, headers...)
}

// lgKeys lists the stored blobs under prefix.
func (h *harness) lgKeys(prefix string) []string {
	h.t.Helper()
	infos, err := h.blobs.List(context.Background(), prefix)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

func lgOrg(id int64) string { return fmt.Sprintf("/v1/organizations/%d", id) }

func lgCleaned(t testing.TB, data []byte) domain.Image {
	t.Helper()
	img, err := domain.ParseImage("logo", data)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestLogos_UploadServeReplaceRemove(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("acme")
		org := lgOrg(r.orgID)
		expect(t, h.resolve("slug", "acme"), 200, "")       // warm resolve's cache: the upload must drop it
		expect(t, h.do("GET", org, r.member, nil), 200, "") // and the access cache's entry of the organization

		up := h.lgUpload(org+"/logo", r.admin, imagetest.TextPNG(64, 32))
		expect(t, up, 200, "")
		got := h.do("GET", org, r.owner, nil)
		if !maps.EqualFunc(up.data(), got.data(), func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Fatalf("upload answered\n%s\nGET answers\n%s", up.Raw, got.Raw)
		}
		logo, _ := up.data()["logo_url"].(string)
		m := lgURL.FindStringSubmatch(logo)
		if m == nil || m[1] != fmt.Sprint(r.orgID) || m[2] != "logo" || up.data()["icon_url"] != nil {
			t.Fatalf("logo_url %q", logo)
		}
		if seen := h.do("GET", org, r.member, nil); seen.data()["logo_url"] != logo {
			t.Fatalf("a member still reads %s", seen.Raw)
		}
		if res := h.resolve("slug", "acme"); res.data()["logo_url"] != logo {
			t.Fatalf("resolve still answers %s", res.Raw)
		}
		audit := h.mtAudit(r.orgID, domain.AuditOrganizationLogoUpdated)
		if len(audit) != 1 || fmt.Sprint(audit[0]["changes"]) != "[logo_url]" {
			t.Fatalf("audit %v", audit)
		}

		// The public bytes: re-encoded (no tEXt), cacheable forever under this URL.
		want := lgCleaned(t, imagetest.TextPNG(64, 32))
		pub := h.lgPublic(logo)
		expect(t, pub, 200, "")
		if !bytes.Equal(pub.Raw, want.Data) || bytes.Contains(pub.Raw, []byte(imagetest.Secret)) {
			t.Fatal("public bytes are not the cleaned image")
		}
		etag := pub.Header.Get("ETag")
		for k, v := range map[string]string{"Content-Type": "image/png", "Cache-Control": "public, max-age=31536000, immutable",
			"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"} {
			if pub.Header.Get(k) != v {
				t.Errorf("%s: %q, want %q", k, pub.Header.Get(k), v)
			}
		}
		if !regexp.MustCompile(`^"[0-9a-f]{64}"$`).MatchString(etag) || !strings.HasPrefix(etag, `"`+m[3]) {
			t.Fatalf("ETag %q", etag)
		}
		for _, path := range []string{"/v1/public/organizations/slug/acme/logo", fmt.Sprintf("/v1/public/organizations/%d/logo?v=0123456789abcdef", r.orgID)} {
			other := h.lgPublic(path)
			if other.Status != 200 || !bytes.Equal(other.Raw, want.Data) || other.Header.Get("Cache-Control") != "public, max-age=60" || other.Header.Get("ETag") != etag {
				t.Fatalf("%s: %d %v", path, other.Status, other.Header)
			}
		}
		nm := h.lgPublic(logo, "If-None-Match", etag)
		if nm.Status != 304 || len(nm.Raw) != 0 || nm.Header.Get("ETag") != etag {
			t.Fatalf("If-None-Match: %d %q", nm.Status, nm.Raw)
		}
		if keys := h.lgKeys(fmt.Sprintf("organizations/%d/", r.orgID)); len(keys) != 1 {
			t.Fatalf("stored %v", keys)
		}

		// Replaced by slug with a JPEG: a new URL, the old blob gone after commit.
		rep := h.lgUpload("/v1/organizations/slug/acme/logo", r.owner, imagetest.EXIFJPEG(40, 40))
		expect(t, rep, 200, "")
		logo2, _ := rep.data()["logo_url"].(string)
		if !lgURL.MatchString(logo2) || logo2 == logo {
			t.Fatalf("replaced logo_url %q (was %q)", logo2, logo)
		}
		keys := h.lgKeys(fmt.Sprintf("organizations/%d/logo/", r.orgID))
		if len(keys) != 1 || !strings.HasPrefix(keys[0][strings.LastIndexByte(keys[0], '/')+1:], lgURL.FindStringSubmatch(logo2)[3]) {
			t.Fatalf("after replace the store holds %v", keys)
		}
		jpg := h.lgPublic(logo2)
		if jpg.Status != 200 || jpg.Header.Get("Content-Type") != "image/jpeg" || bytes.Contains(jpg.Raw, []byte(imagetest.Secret)) || bytes.Contains(jpg.Raw, []byte("Exif")) {
			t.Fatalf("replaced image: %d %v", jpg.Status, jpg.Header)
		}
		if res := h.resolve("slug", "acme"); res.data()["logo_url"] != logo2 {
			t.Fatalf("resolve after replace: %s", res.Raw)
		}
		if n := len(h.mtAudit(r.orgID, domain.AuditOrganizationLogoUpdated)); n != 2 {
			t.Fatalf("%d logo_updated records", n)
		}

		// Removed: logo_url null, 404 after, no blob left.
		del := h.do("DELETE", org+"/logo", r.admin, nil)
		expect(t, del, 200, "")
		if v, ok := del.data()["logo_url"]; !ok || v != nil {
			t.Fatalf("after delete: %s", del.Raw)
		}
		expect(t, h.lgPublic(logo2), 404, "not_found")
		if keys := h.lgKeys(fmt.Sprintf("organizations/%d/", r.orgID)); len(keys) != 0 {
			t.Fatalf("after delete the store holds %v", keys)
		}
		if res := h.resolve("slug", "acme"); res.data()["logo_url"] != nil {
			t.Fatalf("resolve after delete: %s", res.Raw)
		}
		removed := h.mtAudit(r.orgID, domain.AuditOrganizationLogoRemoved)
		if len(removed) != 1 || fmt.Sprint(removed[0]["changes"]) != "[logo_url]" {
			t.Fatalf("removed records %v", removed)
		}
		// Removing none again changes nothing and is not audited.
		expect(t, h.do("DELETE", "/v1/organizations/slug/acme/logo", r.owner, nil), 200, "")
		if n := len(h.mtAudit(r.orgID, domain.AuditOrganizationLogoRemoved)); n != 1 {
			t.Fatalf("%d logo_removed records after a second delete", n)
		}
	})
}

func TestLogos_Icon(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("iconic")
		up := h.lgUpload("/v1/organizations/slug/iconic/icon", r.owner, imagetest.WebP(32, 32))
		expect(t, up, 200, "")
		icon, _ := up.data()["icon_url"].(string)
		if m := lgURL.FindStringSubmatch(icon); m == nil || m[2] != "icon" || up.data()["logo_url"] != nil {
			t.Fatalf("icon_url %q, logo_url %v", icon, up.data()["logo_url"])
		}
		pub := h.lgPublic("/v1/public/organizations/slug/iconic/icon")
		if pub.Status != 200 || pub.Header.Get("Content-Type") != "image/webp" || !bytes.Equal(pub.Raw, imagetest.WebP(32, 32)) {
			t.Fatalf("icon: %d %v", pub.Status, pub.Header)
		}
		expect(t, h.lgPublic(fmt.Sprintf("/v1/public/organizations/%d/logo", r.orgID)), 404, "not_found")
		if a := h.mtAudit(r.orgID, domain.AuditOrganizationIconUpdated); len(a) != 1 || fmt.Sprint(a[0]["changes"]) != "[icon_url]" {
			t.Fatalf("icon audit %v", a)
		}
		expect(t, h.do("DELETE", lgOrg(r.orgID)+"/icon", r.admin, nil), 200, "")
		if a := h.mtAudit(r.orgID, domain.AuditOrganizationIconRemoved); len(a) != 1 {
			t.Fatalf("icon removed audit %v", a)
		}
		expect(t, h.lgPublic(icon), 404, "not_found")
	})
}

// TestLogos_ExternalURLDropsUpload: PATCH keeps working for external URLs, and one replaces
// an uploaded image (its blob deleted after commit); sending the uploaded URL back keeps it.
func TestLogos_ExternalURLDropsUpload(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("patchy")
		org := lgOrg(r.orgID)
		logo, _ := h.lgUpload(org+"/logo", r.admin, imagetest.PNG(8, 8)).data()["logo_url"].(string)
		icon, _ := h.lgUpload(org+"/icon", r.admin, imagetest.GIF(8, 8)).data()["icon_url"].(string)
		if logo == "" || icon == "" {
			t.Fatal("uploads failed")
		}
		echo := h.do("PATCH", org, r.admin, map[string]any{"name": "Patchy", "logo_url": logo, "icon_url": icon})
		expect(t, echo, 200, "")
		expect(t, h.lgPublic(logo), 200, "")
		if n := len(h.lgKeys(fmt.Sprintf("organizations/%d/", r.orgID))); n != 2 {
			t.Fatalf("echoing the URLs dropped blobs: %d left", n)
		}
		ext := "https://cdn.example.com/acme.png"
		res := h.do("PATCH", org, r.admin, map[string]any{"logo_url": ext, "icon_url": nil})
		expect(t, res, 200, "")
		if res.data()["logo_url"] != ext || res.data()["icon_url"] != nil {
			t.Fatalf("patched %s", res.Raw)
		}
		if keys := h.lgKeys(fmt.Sprintf("organizations/%d/", r.orgID)); len(keys) != 0 {
			t.Fatalf("blobs left after external URLs: %v", keys)
		}
		expect(t, h.lgPublic(logo), 404, "not_found")
		expect(t, h.lgPublic(icon), 404, "not_found")
		if res := h.resolve("slug", "patchy"); res.data()["logo_url"] != ext {
			t.Fatalf("resolve %s", res.Raw)
		}
		upd := h.mtAudit(r.orgID, domain.AuditOrganizationUpdated)
		if len(upd) == 0 || strings.Contains(fmt.Sprint(upd[0]["changes"]), "blob") {
			t.Fatalf("update audit names internal columns: %v", upd)
		}
	})
}

// TestLogos_ClosedOrDeletedOrganization: nothing is served for a suspended or archived
// organization (the same 404 as an unknown one), and deleting one deletes its blobs.
func TestLogos_ClosedOrDeletedOrganization(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("closing")
		org := lgOrg(r.orgID)
		logo, _ := h.lgUpload(org+"/logo", r.owner, imagetest.PNG(8, 8)).data()["logo_url"].(string)
		expect(t, h.lgUpload(org+"/icon", r.owner, imagetest.PNG(9, 9)), 200, "")
		unknown := h.lgPublic("/v1/public/organizations/999999/logo")
		expect(t, unknown, 404, "not_found")
		for _, status := range []string{"suspended", "archived"} {
			expect(t, h.do("PATCH", org, rootEmail, map[string]any{"status": status}), 200, "")
			for _, path := range []string{logo, "/v1/public/organizations/slug/closing/logo", "/v1/public/organizations/slug/closing/icon"} {
				res := h.lgPublic(path)
				if res.Status != 404 || string(res.Raw) != string(unknown.Raw) || res.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("%s %s: %d %s", status, path, res.Status, res.Raw)
				}
			}
		}
		expect(t, h.do("PATCH", org, rootEmail, map[string]any{"status": "active"}), 200, "")
		expect(t, h.lgPublic(logo), 200, "")
		expect(t, h.do("DELETE", org, rootEmail, nil), 204, "")
		if keys := h.lgKeys(fmt.Sprintf("organizations/%d/", r.orgID)); len(keys) != 0 {
			t.Fatalf("blobs left after the organization's delete: %v", keys)
		}
		expect(t, h.lgPublic(logo), 404, "not_found")
	})
}

// TestLogos_EveryRole: owners, admins and superadmins upload and remove, by id and by slug;
// members, viewers, users of no organization and another organization's admin are refused
// and store nothing.
func TestLogos_EveryRole(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("roles")
		nobody := "nobody@example.com"
		expect(t, h.do("GET", "/v1/me", nobody, nil), 200, "")
		paths := []string{lgOrg(r.orgID), "/v1/organizations/slug/roles"}
		for _, who := range []string{r.owner, r.admin, rootEmail} {
			for _, base := range paths {
				for _, slot := range []string{"logo", "icon"} {
					expect(t, h.lgUpload(base+"/"+slot, who, imagetest.PNG(3, 3)), 200, "")
					expect(t, h.do("DELETE", base+"/"+slot, who, nil), 200, "")
				}
			}
		}
		expect(t, h.lgUpload(paths[0]+"/logo", r.owner, imagetest.PNG(4, 4)), 200, "")
		for _, who := range []string{r.member, r.viewer, r.outsider, nobody} {
			for _, base := range paths {
				for _, slot := range []string{"logo", "icon"} {
					expect(t, h.lgUpload(base+"/"+slot, who, imagetest.PNG(5, 5)), 403, "forbidden")
					expect(t, h.do("DELETE", base+"/"+slot, who, nil), 403, "forbidden")
					// Bad input from them is still forbidden: they learn nothing about it.
					expect(t, h.do("POST", base+"/"+slot, who, map[string]any{}), 403, "forbidden")
				}
			}
		}
		expect(t, h.lgUpload(paths[0]+"/logo", "", imagetest.PNG(5, 5)), 401, "unauthorized")
		expect(t, h.do("DELETE", paths[1]+"/logo", "", nil), 401, "unauthorized")
		if keys := h.lgKeys("organizations/"); len(keys) != 1 {
			t.Fatalf("refused callers stored blobs: %v", keys)
		}
		expect(t, h.lgPublic(lgOrg(r.orgID)+"/logo"), 405, "method_not_allowed") // only the public path serves bytes
	})
}

func TestLogos_BadInput(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("inputs")
		logo := lgOrg(r.orgID) + "/logo"
		big := append(imagetest.PNG(2, 2), make([]byte, domain.MaxImageBytes+1-len(imagetest.PNG(2, 2)))...)
		res := h.lgUpload(logo, r.admin, big)
		expect(t, res, 413, "payload_too_large")
		mtFields(t, response{Status: 400, Body: map[string]any{"error": map[string]any{"code": "validation_error", "details": res.Body["error"].(map[string]any)["details"]}}}, "logo")
		// Exactly 1 MiB passes: the upload routes allow the image and its multipart framing.
		limit := append(imagetest.GIF(2, 2), make([]byte, domain.MaxImageBytes-len(imagetest.GIF(2, 2)))...)
		expect(t, h.lgUpload(logo, r.admin, limit), 200, "")
		expect(t, h.do("DELETE", logo, r.admin, nil), 200, "")
		huge := h.lgUpload(logo, r.admin, make([]byte, 3<<20))
		expect(t, huge, 413, "payload_too_large")
		mtFields(t, h.lgUpload(logo, r.admin, imagetest.PNG(4097, 2)), "logo")
		mtFields(t, h.lgUpload(logo, r.admin, imagetest.BombPNG(100000, 100000)), "logo")
		for name, data := range map[string][]byte{"svg": []byte(imagetest.SVG), "garbage": []byte("GIF86a, nearly"), "empty": nil} {
			res := h.lgUpload(logo, r.admin, data)
			if res.Status != 415 || res.errCode() != "unsupported_media_type" || !slices.Equal(res.fields(), []string{"logo"}) {
				t.Errorf("%s: %d %s", name, res.Status, res.Raw)
			}
		}
		body, ct := lgForm(t, "file", "a.png", "image/png", imagetest.PNG(2, 2))
		mtFields(t, h.do("POST", logo, r.admin, body, "Content-Type", ct), "logo")
		mtFields(t, h.do("POST", logo, r.admin, map[string]any{"logo": "x"}), "logo")
		mtFields(t, h.do("POST", logo, r.admin, string(imagetest.PNG(2, 2)), "Content-Type", "image/png"), "logo")
		mtFields(t, h.do("POST", logo, r.admin, "--x\r\nbroken", "Content-Type", "multipart/form-data; boundary=x"), "logo")
		body, ct = lgForm(t, "logo", "a.png", "image/png", imagetest.PNG(2, 2))
		mtFields(t, h.do("POST", lgOrg(r.orgID)+"/icon", r.admin, body, "Content-Type", ct), "icon")
		mtFields(t, h.do("POST", "/v1/organizations/0/logo", r.admin, body, "Content-Type", ct), "id")
		expect(t, h.do("POST", "/v1/organizations/999999/logo", rootEmail, body, "Content-Type", ct), 404, "organization_not_found")
		expect(t, h.do("POST", "/v1/organizations/slug/missing-org/logo", rootEmail, body, "Content-Type", ct), 404, "organization_not_found")
		expect(t, h.do("DELETE", "/v1/organizations/999999/icon", rootEmail, nil), 404, "organization_not_found")
		mtFields(t, h.do("GET", "/v1/public/organizations/x1/logo", "", nil), "id")
		expect(t, h.do("GET", "/v1/public/organizations/slug/no-such-org/icon", "", nil), 404, "not_found")
		if keys := h.lgKeys("organizations/"); len(keys) != 0 {
			t.Fatalf("refused uploads stored blobs: %v", keys)
		}

		// The bytes decide, not the name or the declared type.
		body, ct = lgForm(t, "logo", "photo.jpg", "image/jpeg", imagetest.PNG(6, 6))
		expect(t, h.do("POST", logo, r.admin, body, "Content-Type", ct), 200, "")
		if pub := h.lgPublic("/v1/public/organizations/slug/inputs/logo"); pub.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("a PNG named .jpg is served as %q", pub.Header.Get("Content-Type"))
		}
		// Other routes keep the 1 MiB body limit.
		expect(t, h.do("PATCH", lgOrg(r.orgID), r.admin, `{"name":"`+strings.Repeat("a", 1<<20)+`"}`), 413, "payload_too_large")
	})
}

func TestLogos_NoBlobStore(t *testing.T) {
	h := newHarness(t, "sqlite", withBlobs(nil))
	r := h.orgWithRoles("storeless")
	expect(t, h.lgUpload(lgOrg(r.orgID)+"/logo", r.owner, imagetest.PNG(2, 2)), 503, "service_unavailable")
	expect(t, h.lgPublic(fmt.Sprintf("/v1/public/organizations/%d/logo", r.orgID)), 404, "not_found")
	if n, err := h.svc.CollectOrphanBlobs(context.Background()); err != nil || n != 0 {
		t.Fatalf("collect without a store: %d %v", n, err)
	}
}

// TestLogos_RacingUploads: concurrent uploads all succeed one after the other; the last to
// commit wins, and every replaced blob is deleted, so exactly one is left.
func TestLogos_RacingUploads(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("racing")
		token := h.token(r.admin)
		type form struct{ body, ct string }
		forms := make([]form, 6)
		for i := range forms {
			forms[i].body, forms[i].ct = lgForm(t, "logo", "a.png", "image/png", imagetest.PNG(10+i, 10))
		}
		var wg sync.WaitGroup
		statuses, urls, errs := make([]int, len(forms)), make([]string, len(forms)), make([]error, len(forms))
		for i, f := range forms {
			wg.Go(func() { statuses[i], urls[i], errs[i] = h.lgSend(lgOrg(r.orgID)+"/logo", token, f.body, f.ct) })
		}
		wg.Wait()
		for i, s := range statuses {
			if errs[i] != nil || s != 200 || !lgURL.MatchString(urls[i]) {
				t.Fatalf("upload %d: %d %q %v", i, s, urls[i], errs[i])
			}
		}
		final, _ := h.do("GET", lgOrg(r.orgID), r.admin, nil).data()["logo_url"].(string)
		if !slices.Contains(urls, final) {
			t.Fatalf("final logo_url %q is none of %v", final, urls)
		}
		keys := h.lgKeys(fmt.Sprintf("organizations/%d/logo/", r.orgID))
		if len(keys) != 1 || !strings.HasPrefix(filepath.Base(keys[0]), lgURL.FindStringSubmatch(final)[3]) {
			t.Fatalf("after racing uploads the store holds %v (final %s)", keys, final)
		}
	})
}

// TestLogos_CollectOrphans: blobs older than an hour that no organization names (a failed
// upload's, a deleted organization's) are deleted; named and recent ones are kept.
func TestLogos_CollectOrphans(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		r := h.orgWithRoles("orphans")
		logo, _ := h.lgUpload(lgOrg(r.orgID)+"/logo", r.owner, imagetest.PNG(7, 7)).data()["logo_url"].(string)
		named := h.lgKeys(fmt.Sprintf("organizations/%d/logo/", r.orgID))
		if len(named) != 1 {
			t.Fatalf("stored %v", named)
		}
		hash := strings.Repeat("ab", 32)
		orphans := []string{fmt.Sprintf("organizations/%d/logo/%s", r.orgID, hash), fmt.Sprintf("organizations/%d/icon/%s", r.orgID, hash),
			"organizations/999999/logo/" + hash, "organizations/junk"}
		recent := fmt.Sprintf("organizations/%d/icon/%s", r.orgID, strings.Repeat("cd", 32))
		for _, k := range append(slices.Clone(orphans), recent) {
			if err := h.blobs.Put(ctx, k, []byte("x"), "image/png"); err != nil {
				t.Fatal(err)
			}
		}
		old := time.Now().Add(-2 * time.Hour)
		for _, k := range append(slices.Clone(orphans), named[0]) {
			if err := os.Chtimes(filepath.Join(h.blobDir, filepath.FromSlash(k)+"~blob"), old, old); err != nil {
				t.Fatal(err)
			}
		}
		n, err := h.svc.CollectOrphanBlobs(ctx)
		if err != nil || n != len(orphans) {
			t.Fatalf("collected %d (%v), want %d", n, err, len(orphans))
		}
		left := h.lgKeys("organizations/")
		want := []string{named[0], recent}
		slices.Sort(want)
		if !slices.Equal(left, want) {
			t.Fatalf("left %v, want %v", left, want)
		}
		expect(t, h.lgPublic(logo), 200, "")
		if n, err := h.svc.CollectOrphanBlobs(ctx); err != nil || n != 0 {
			t.Fatalf("second pass collected %d (%v)", n, err)
		}
	})
}

// lgSend is an upload for goroutines: it reports failures instead of stopping the test, and
// answers the status and the logo_url answered.
func (h *harness) lgSend(path, token, body, ct string) (int, string, error) {
	req, err := http.NewRequest("POST", h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			LogoURL string `json:"logo_url"`
		} `json:"data"`
	}
	err = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Data.LogoURL, err
}

// lgFlaky is a blob store that fails while failing is set.
type lgFlaky struct {
	ports.BlobStore
	failing atomic.Bool
}

var errLgDown = errors.New("blob store down")

func (f *lgFlaky) Put(ctx context.Context, key string, data []byte, ct string) error {
	if f.failing.Load() {
		return errLgDown
	}
	return f.BlobStore.Put(ctx, key, data, ct)
}

func (f *lgFlaky) Get(ctx context.Context, key string) (ports.Blob, error) {
	if f.failing.Load() {
		return ports.Blob{}, errLgDown
	}
	return f.BlobStore.Get(ctx, key)
}

func (f *lgFlaky) Delete(ctx context.Context, key string) error {
	if f.failing.Load() {
		return errLgDown
	}
	return f.BlobStore.Delete(ctx, key)
}

// TestLogos_BlobStoreFails: a failing store is a 503 (never a 500) for uploads and public
// reads; a removal still commits, its blob left to the orphan collection.
func TestLogos_BlobStoreFails(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { lgBlobStoreFails(t, d) })
	}
}

func lgBlobStoreFails(t *testing.T, d gormstore.Dialect) {
	files, err := blob.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	flaky := &lgFlaky{BlobStore: files}
	h := newHarness(t, d, withBlobs(flaky))
	r := h.orgWithRoles("flaky")
	logo, _ := h.lgUpload(lgOrg(r.orgID)+"/logo", r.owner, imagetest.PNG(4, 4)).data()["logo_url"].(string)
	expect(t, h.lgPublic(logo), 200, "")
	flaky.failing.Store(true)
	pub := h.lgPublic(logo)
	expect(t, pub, 503, "service_unavailable")
	if pub.Header.Get("Retry-After") == "" || pub.Header.Get("Cache-Control") != "no-store" || pub.Header.Get("ETag") != "" {
		t.Fatalf("503 headers %v", pub.Header)
	}
	expect(t, h.lgUpload(lgOrg(r.orgID)+"/logo", r.owner, imagetest.PNG(5, 5)), 503, "service_unavailable")
	del := h.do("DELETE", lgOrg(r.orgID)+"/logo", r.owner, nil)
	expect(t, del, 200, "")
	if del.data()["logo_url"] != nil {
		t.Fatalf("after delete %s", del.Raw)
	}
	flaky.failing.Store(false)
	if keys := h.lgKeys("organizations/"); len(keys) != 1 {
		t.Fatalf("the blob a failed delete left: %v", keys)
	}
	expect(t, h.lgPublic(logo), 404, "not_found")
	mtFields(t, h.do("DELETE", "/v1/organizations/01/logo", r.owner, nil), "id")
}
