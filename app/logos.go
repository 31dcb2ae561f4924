package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// DefaultPublicURL is the base of public URLs when none is configured: the binary's default
// listen address.
const DefaultPublicURL = "http://127.0.0.1:8080"

// OrphanBlobAge is how old a blob no organization names must be before CollectOrphanBlobs
// deletes it: far longer than an upload takes between writing its blob and committing the
// row that names it.
const OrphanBlobAge = time.Hour

// blobPrefix starts every key of an uploaded image: organizations/<id>/<slot>/<sha256 hex>.
const blobPrefix = "organizations/"

// decodingBytes bounds the memory of the pixels being decoded at once across uploads (two
// 8-bit images of the largest size: 128 MiB), so concurrent uploads cannot exhaust memory.
const decodingBytes = 2 * 4 * domain.MaxImageSide * domain.MaxImageSide

// images is the Service's share of uploaded logos and icons.
type images struct {
	blobs     ports.BlobStore // nil: uploads answer service_unavailable
	publicURL string          // without a trailing slash
	decoding  *semaphore.Weighted
}

func newImages(blobs ports.BlobStore, publicURL string) images {
	if publicURL == "" {
		publicURL = DefaultPublicURL
	}
	return images{blobs: blobs, publicURL: strings.TrimRight(publicURL, "/"), decoding: semaphore.NewWeighted(decodingBytes)}
}

var errBadSlot = domain.InvalidField("slot", "slot must be logo or icon")

var errNoBlobStore = domain.Unavailable("no blob store is configured for logos and icons", nil)

// WithBlobs returns the same use cases keeping images in b: a database store bound to the
// caller's own transaction (see WithStore), whose uploads then commit or roll back with it.
func (s *Service) WithBlobs(b ports.BlobStore) *Service {
	c := *s
	c.images.blobs = b
	return &c
}

// imageKey is where one upload's bytes are kept: their hash (the ETag and ?v=) and a
// token of the upload's own. No two uploads share a key, so no key is ever written twice: a
// delete after commit, or the orphan collector, can never take the bytes a racing upload of
// the same image is about to name.
func imageKey(orgID int64, slot domain.ImageSlot, hash, upload string) string {
	return blobPrefix + strconv.FormatInt(orgID, 10) + "/" + string(slot) + "/" + hash + "." + upload
}

// keyHash is the hex SHA-256 an image key starts its last segment with.
func keyHash(key string) string {
	h, _, _ := strings.Cut(key[strings.LastIndexByte(key, '/')+1:], ".")
	return h
}

// imageURL is the public URL of an uploaded image; ?v= changes with its bytes, so browsers
// and CDNs may keep each URL forever.
func (im images) imageURL(orgID int64, slot domain.ImageSlot, hash string) string {
	return fmt.Sprintf("%s/v1/public/organizations/%d/%s?v=%s", im.publicURL, orgID, slot, hash[:16])
}

// OrganizationIDBySlug is the id of the organization with slug, for routes addressed by slug.
// Errors: validation_error (not a slug's text), organization_not_found.
func (s *Service) OrganizationIDBySlug(ctx context.Context, slug string) (int64, error) {
	slug, err := domain.NormalizeSlug(slug)
	if err != nil {
		return 0, err
	}
	org, err := s.uow.Organizations().GetBySlug(ctx, slug)
	return org.ID, wrap("organization by slug", err)
}

// SetOrganizationImage makes data (the bytes of an uploaded file) the organization's logo or
// icon, as organization.update allows (owners, admins, superadmins). The format is read from
// the bytes; PNG and JPEG are re-encoded so none of the file's metadata is kept. The blob is
// written before the transaction that names it; the one it replaces is deleted after commit.
// Errors: organization_not_found, forbidden, payload_too_large, unsupported_media_type,
// validation_error (too many pixels, a slot that is not one), service_unavailable (no blob
// store, or it failed).
func (s *Service) SetOrganizationImage(ctx context.Context, p domain.Principal, orgID int64, slot domain.ImageSlot, data []byte) (domain.Organization, error) {
	if s.images.blobs == nil {
		return domain.Organization{}, errNoBlobStore
	}
	// Authorized before anything is decoded or written: an outsider stores nothing.
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionOrgUpdate); err != nil {
		return domain.Organization{}, wrap("set image", err)
	}
	img, err := s.cleanImage(ctx, slot, data)
	if err != nil {
		return domain.Organization{}, err
	}
	sum := sha256.Sum256(img.Data)
	hash := hex.EncodeToString(sum[:])
	key, url := imageKey(orgID, slot, hash, s.newToken()), s.images.imageURL(orgID, slot, hash)
	if err := s.images.blobs.Put(ctx, key, img.Data, img.ContentType); err != nil {
		return domain.Organization{}, domain.Unavailable("the blob store failed", err)
	}
	action := domain.AuditOrganizationLogoUpdated
	if slot == domain.ImageIcon {
		action = domain.AuditOrganizationIconUpdated
	}
	org, err := s.replaceImage(ctx, p, orgID, slot, &url, &key, action)
	if now := org.ImageKey(slot); err != nil || now == nil || *now != key {
		// Nothing names this upload's own key (it failed, or the organization had these
		// bytes already): it goes now rather than waiting for the collector.
		s.deleteBlobs(ctx, key)
	}
	return org, err
}

// RemoveOrganizationImage clears the organization's logo or icon, uploaded or external
// (logo_url becomes null); an uploaded one's blob is deleted after commit. Removing none
// changes nothing and is not audited.
// Errors: organization_not_found, forbidden, validation_error (a slot that is not one).
func (s *Service) RemoveOrganizationImage(ctx context.Context, p domain.Principal, orgID int64, slot domain.ImageSlot) (domain.Organization, error) {
	if !slot.Valid() {
		return domain.Organization{}, errBadSlot
	}
	action := domain.AuditOrganizationLogoRemoved
	if slot == domain.ImageIcon {
		action = domain.AuditOrganizationIconRemoved
	}
	return s.replaceImage(ctx, p, orgID, slot, nil, nil, action)
}

// cleanImage checks data and re-encodes it, decoding at most decodingBytes at once.
func (s *Service) cleanImage(ctx context.Context, slot domain.ImageSlot, data []byte) (domain.Image, error) {
	if !slot.Valid() {
		return domain.Image{}, errBadSlot
	}
	h, err := domain.ReadImageHeader(string(slot), data)
	if err != nil {
		return domain.Image{}, err
	}
	weight := min(max(1, h.DecodedBytes()), decodingBytes) // a 16-bit image of the largest size waits for all
	if err := s.images.decoding.Acquire(ctx, weight); err != nil {
		return domain.Image{}, err
	}
	defer s.images.decoding.Release(weight)
	return domain.CleanImage(string(slot), data, h)
}

// replaceImage sets slot's URL and blob key in one transaction, audited as action, then
// drops the resolve answers and deletes the blob it replaced.
func (s *Service) replaceImage(ctx context.Context, p domain.Principal, orgID int64, slot domain.ImageSlot, url, key *string, action string) (domain.Organization, error) {
	var out domain.Organization
	var stale []string
	var replaced *string
	err := s.do(ctx, func(tx ports.Repos) error {
		org, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionOrgUpdate, true)
		if err != nil {
			return err
		}
		if cur := org.ImageKey(slot); cur != nil && key != nil && keyHash(*cur) == keyHash(*key) {
			key = cur // the same bytes again: the organization keeps its blob
		}
		next, cols, err := org.WithImage(slot, url, key)
		if err != nil || len(cols) == 0 {
			out = org // the same image again, or none to remove: nothing changes
			return err
		}
		replaced = org.ImageKey(slot)
		next.UpdatedAt = s.clock.Now()
		if out, err = tx.Organizations().Update(ctx, next, cols); err != nil {
			return err
		}
		if stale, err = resolveKeys(ctx, tx, org); err != nil {
			return err
		}
		field := domain.ColLogoURL
		if slot == domain.ImageIcon {
			field = domain.ColIconURL
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: action, targetType: "organization", targetID: orgID, changes: []string{field}})
	})
	if err != nil {
		return out, wrap("set image", err)
	}
	s.invalidate(ctx, stale...)
	s.dropBlobs(ctx, droppedKeys(replaced, out.ImageKey(slot))...)
	return out, nil
}

// droppedKeys are the keys of before that after no longer names.
func droppedKeys(before, after *string) []string {
	if before == nil || after != nil && *after == *before {
		return nil
	}
	return []string{*before}
}

// dropBlobs deletes blobs a committed change let go. A failure is logged: CollectOrphanBlobs
// deletes them later.
//
// Inside a caller's transaction (WithStore) nothing is deleted: the caller may still roll
// back to the row naming the blob; CollectOrphanBlobs deletes it once nothing names it.
func (s *Service) dropBlobs(ctx context.Context, keys ...string) {
	if !s.outerTx {
		s.deleteBlobs(ctx, keys...)
	}
}

// deleteBlobs deletes keys nothing names any more, logging a failure: CollectOrphanBlobs
// deletes them later.
func (s *Service) deleteBlobs(ctx context.Context, keys ...string) {
	if s.images.blobs == nil || len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, k := range keys {
		if err := s.images.blobs.Delete(ctx, k); err != nil {
			s.log.WarnContext(ctx, "blob not deleted; orphan collection retries", slog.String("key", k), slog.Any("error", err))
		}
	}
}

// PublicImage names an active organization's uploaded image for anyone to fetch.
type PublicImage struct {
	Key  string
	Hash string // hex SHA-256 of the bytes: the strong ETag, and (its first 16 digits) the URL's ?v=
}

// Current reports whether v (a URL's ?v=) names these bytes: a cache may then keep them forever.
func (i PublicImage) Current(v string) bool { return len(v) == 16 && strings.HasPrefix(i.Hash, v) }

// PublicImage returns the uploaded logo or icon of the active organization orgID.
// Errors: not_found (ErrImageNotFound), one answer whatever the reason.
func (s *Service) PublicImage(ctx context.Context, orgID int64, slot domain.ImageSlot) (PublicImage, error) {
	org, err := s.uow.Organizations().Get(ctx, orgID)
	return publicImage(org, slot, err)
}

// PublicImageBySlug is PublicImage by slug. Errors: not_found (ErrImageNotFound).
func (s *Service) PublicImageBySlug(ctx context.Context, slug string, slot domain.ImageSlot) (PublicImage, error) {
	slug, err := domain.NormalizeSlug(slug)
	if err != nil {
		return PublicImage{}, domain.ErrImageNotFound
	}
	org, err := s.uow.Organizations().GetBySlug(ctx, slug)
	return publicImage(org, slot, err)
}

func publicImage(org domain.Organization, slot domain.ImageSlot, err error) (PublicImage, error) {
	if errors.Is(err, domain.ErrOrganizationNotFound) || !slot.Valid() {
		return PublicImage{}, domain.ErrImageNotFound
	}
	if err != nil {
		return PublicImage{}, wrap("public image", err)
	}
	key := org.ImageKey(slot)
	if org.Status != domain.StatusActive || key == nil {
		return PublicImage{}, domain.ErrImageNotFound
	}
	hash := keyHash(*key)
	if len(hash) != sha256.Size*2 {
		return PublicImage{}, fmt.Errorf("public image: malformed blob key %q", *key)
	}
	return PublicImage{Key: *key, Hash: hash}, nil
}

// ImageBlob reads the bytes of img. Errors: not_found (ErrImageNotFound: replaced meanwhile),
// service_unavailable (no blob store, or it failed).
func (s *Service) ImageBlob(ctx context.Context, img PublicImage) (ports.Blob, error) {
	if s.images.blobs == nil {
		return ports.Blob{}, errNoBlobStore
	}
	b, err := s.images.blobs.Get(ctx, img.Key)
	switch {
	case errors.Is(err, domain.ErrBlobNotFound):
		return b, domain.ErrImageNotFound
	case err != nil:
		return b, domain.Unavailable("the blob store failed", err)
	}
	return b, nil
}

// orphanBatch is how many blobs' organizations one query reads.
const orphanBatch = 500

// CollectOrphanBlobs deletes the uploaded images, older than OrphanBlobAge, that no
// organization names: written by an upload whose transaction failed or whose process died,
// or left by a delete that failed after commit. Kit.Run calls it periodically. It returns
// how many it deleted.
func (s *Service) CollectOrphanBlobs(ctx context.Context) (int, error) {
	if s.images.blobs == nil {
		return 0, nil
	}
	all, err := s.images.blobs.List(ctx, blobPrefix)
	if err != nil {
		return 0, fmt.Errorf("collect orphan blobs: %w", err)
	}
	cutoff := s.clock.Now().Add(-OrphanBlobAge)
	var old []string
	for _, b := range all {
		if b.ModTime.Before(cutoff) {
			old = append(old, b.Key)
		}
	}
	deleted := 0
	for len(old) > 0 {
		batch := old[:min(len(old), orphanBatch)]
		old = old[len(batch):]
		n, err := s.collectBatch(ctx, batch)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("collect orphan blobs: %w", err)
		}
	}
	return deleted, nil
}

// collectBatch deletes the keys of batch no organization names.
func (s *Service) collectBatch(ctx context.Context, batch []string) (int, error) {
	var ids []int64
	for _, k := range batch {
		if id, ok := imageKeyOrg(k); ok {
			ids = append(ids, id)
		}
	}
	named, err := s.uow.Organizations().BlobKeys(ctx, ids)
	if err != nil {
		return 0, err
	}
	keep := make(map[string]bool, len(named))
	for _, k := range named {
		keep[k] = true
	}
	n := 0
	for _, k := range batch {
		if keep[k] {
			continue
		}
		if err := s.images.blobs.Delete(ctx, k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// imageKeyOrg reads the organization id of an image key.
func imageKeyOrg(key string) (int64, bool) {
	rest, ok := strings.CutPrefix(key, blobPrefix)
	if !ok {
		return 0, false
	}
	id, _, _ := strings.Cut(rest, "/")
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil && n > 0
}
