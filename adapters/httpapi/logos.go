package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// MaxUploadBodyBytes bounds the body of an image upload: the image (domain.MaxImageBytes)
// and the multipart framing around it. Only the upload routes allow more than MaxBodyBytes.
const MaxUploadBodyBytes = domain.MaxImageBytes + 64<<10

// Headers of public images: cached forever under a URL naming their bytes (?v=), for a
// minute under any other, and never run as a document (an image URL opened directly).
var (
	cacheForever  = []string{"public, max-age=31536000, immutable"}[:1:1]
	nosniff       = []string{"nosniff"}[:1:1]
	cspNone       = []string{"default-src 'none'"}[:1:1]
	cacheImageFor = cacheFor60s
)

// uploadImage answers POST …/{id|slug/{slug}}/logo and …/icon: the multipart field named
// after the slot is the new image; the answer is the organization.
func (h *handlers) uploadImage(slot domain.ImageSlot) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := h.imageOrganization(c)
		if !ok {
			return
		}
		ctx, p := c.Request.Context(), principal(c)
		// Authorized before the body is read: an outsider learns only that it may not.
		if _, _, err := h.svc.Authorize(ctx, p, id, domain.ActionOrgUpdate); err != nil {
			writeError(c, err)
			return
		}
		data, err := readFilePart(c.Request, string(slot))
		if err != nil {
			writeError(c, err)
			return
		}
		org, err := h.svc.SetOrganizationImage(ctx, p, id, slot, data)
		respond(c, http.StatusOK, org, err)
	}
}

// removeImage answers DELETE …/logo and …/icon: the organization without it.
func (h *handlers) removeImage(slot domain.ImageSlot) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := h.imageOrganization(c)
		if !ok {
			return
		}
		org, err := h.svc.RemoveOrganizationImage(c.Request.Context(), principal(c), id, slot)
		respond(c, http.StatusOK, org, err)
	}
}

// imageOrganization reads the organization of an upload route, by :id or by :slug; it
// answers and reports false when there is none.
func (h *handlers) imageOrganization(c *gin.Context) (int64, bool) {
	in := newInput(c)
	if slug := c.Param("slug"); slug != "" {
		if !h.checked(in, 0, "") {
			return 0, false
		}
		id, err := h.svc.OrganizationIDBySlug(c.Request.Context(), slug)
		if err != nil {
			writeError(c, err)
			return 0, false
		}
		return id, true
	}
	id := in.orgID()
	return id, h.checked(in, id, domain.ActionOrgUpdate)
}

// readFilePart reads the multipart/form-data part named field, streaming: at most
// domain.MaxImageBytes+1 bytes of it are ever held, and other parts are skipped.
// Errors: validation_error naming field (not multipart, malformed, no such part),
// payload_too_large.
func readFilePart(r *http.Request, field string) ([]byte, error) {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, domain.InvalidField(field, "send multipart/form-data with the image in a file field named %s", field)
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		switch {
		case errors.Is(err, io.EOF):
			return nil, domain.InvalidField(field, "the multipart body has no field named %s", field)
		case err != nil:
			return nil, uploadReadError(field, err)
		}
		if part.FormName() != field {
			continue // NextPart skips the rest of it, within the body limit
		}
		data, err := io.ReadAll(io.LimitReader(part, domain.MaxImageBytes+1))
		if err != nil {
			return nil, uploadReadError(field, err)
		}
		if len(data) > domain.MaxImageBytes {
			return nil, tooLargeImage(field)
		}
		return data, nil
	}
}

func uploadReadError(field string, err error) error {
	if isTooLarge(err) {
		return tooLargeImage(field)
	}
	return domain.InvalidField(field, "the multipart body is malformed")
}

func tooLargeImage(field string) error {
	msg := fmt.Sprintf("%s must be at most %d bytes", field, domain.MaxImageBytes)
	return &domain.Error{Code: domain.CodePayloadTooLarge, Message: msg, Details: []domain.FieldError{{Field: field, Message: msg}}}
}

// publicImage answers GET /v1/public/organizations/{id|slug/{slug}}/logo and …/icon without
// authentication: the bytes of an active organization's uploaded image. Whatever the reason
// there is none (unknown, suspended or archived organization, none uploaded, an external
// URL), the 404 is the same.
func (h *handlers) publicImage(slot domain.ImageSlot) gin.HandlerFunc {
	return func(c *gin.Context) {
		header := c.Writer.Header()
		header["Cache-Control"] = cacheNoStore // errors are never cached
		header["X-Content-Type-Options"] = nosniff
		header["Content-Security-Policy"] = cspNone
		in := newInput(c)
		var id int64
		slug := c.Param("slug")
		if slug == "" {
			id = in.orgID()
		}
		if !h.checked(in, 0, "") {
			return
		}
		ctx := c.Request.Context()
		img, err := h.publicImageOf(ctx, id, slug, slot)
		if err != nil {
			writeError(c, err)
			return
		}
		tag := `"` + img.Hash + `"`
		header["Etag"] = []string{tag}
		header["Cache-Control"] = cacheImageFor
		if img.Current(c.Query("v")) {
			header["Cache-Control"] = cacheForever
		}
		if etagMatches(c.Request.Header["If-None-Match"], tag) {
			c.Status(http.StatusNotModified)
			return
		}
		blob, err := h.svc.ImageBlob(ctx, img)
		if err != nil {
			header["Cache-Control"] = cacheNoStore
			header.Del("Etag")
			writeError(c, err)
			return
		}
		c.Data(http.StatusOK, blob.ContentType, blob.Data)
	}
}

func (h *handlers) publicImageOf(ctx context.Context, id int64, slug string, slot domain.ImageSlot) (app.PublicImage, error) {
	if slug != "" {
		return h.svc.PublicImageBySlug(ctx, slug, slot)
	}
	return h.svc.PublicImage(ctx, id, slot)
}
