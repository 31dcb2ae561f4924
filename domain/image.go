package domain

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
)

// ImageSlot is which of an organization's uploaded images is meant: its logo or its icon.
// Its name is also the multipart field, the path segment and the blob key segment.
type ImageSlot string

// The image slots.
const (
	ImageLogo ImageSlot = "logo"
	ImageIcon ImageSlot = "icon"
)

// Valid reports whether s is a known slot.
func (s ImageSlot) Valid() bool { return s == ImageLogo || s == ImageIcon }

// Limits of an uploaded image: 1 MiB as sent, and 4096 pixels a side, read from the header
// before any pixel is decoded (a tiny file may claim a billion pixels: a decompression bomb).
const (
	MaxImageBytes = 1 << 20
	MaxImageSide  = 4096
)

// The media types orgkit accepts for images, detected from the bytes, never from a file
// name or a declared Content-Type. SVG is refused: it is a document that can carry scripts.
const (
	ImagePNG  = "image/png"
	ImageJPEG = "image/jpeg"
	ImageGIF  = "image/gif"
	ImageWebP = "image/webp"
)

// ImageHeader is what an image's header says, read without decoding its pixels.
type ImageHeader struct {
	ContentType   string
	Width, Height int
	pixelBytes    int // what one decoded pixel takes: 8 for 16-bit color, 4 otherwise
}

// Pixels is Width×Height.
func (h ImageHeader) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// DecodedBytes is about what CleanImage allocates to decode the pixels: nothing for the
// formats it keeps as sent.
func (h ImageHeader) DecodedBytes() int64 { return h.Pixels() * int64(h.pixelBytes) }

// Image is an uploaded image as it is stored: PNG and JPEG re-encoded, so no metadata (EXIF,
// GPS, text chunks) of the original survives; WebP without its EXIF and XMP chunks; GIF as sent.
type Image struct {
	Data []byte
	ImageHeader
}

// ReadImageHeader detects the format of data from its first bytes and reads its size from
// its header, for the multipart field named field.
// Errors: payload_too_large (over MaxImageBytes), unsupported_media_type (not PNG, JPEG, GIF
// or WebP, or a malformed header; SVG included), validation_error (over MaxImageSide pixels
// a side). Each names field in its details.
func ReadImageHeader(field string, data []byte) (ImageHeader, error) {
	if len(data) > MaxImageBytes {
		return ImageHeader{}, imageError(CodePayloadTooLarge, field, "%s must be at most %d bytes", field, MaxImageBytes)
	}
	h := ImageHeader{ContentType: sniffImage(data)}
	var err error
	switch h.ContentType {
	case ImagePNG:
		h.Width, h.Height, h.pixelBytes, err = stdConfig(png.DecodeConfig, data)
	case ImageJPEG:
		h.Width, h.Height, h.pixelBytes, err = stdConfig(jpeg.DecodeConfig, data)
	case ImageGIF:
		h.Width, h.Height, _, err = stdConfig(gif.DecodeConfig, data)
	case ImageWebP:
		h.Width, h.Height, err = webpSize(data)
	default:
		return h, unsupportedImage(field, data)
	}
	if err != nil || h.Width <= 0 || h.Height <= 0 {
		return h, imageError(CodeUnsupportedMedia, field, "%s is not a valid %s image", field, h.ContentType)
	}
	if h.Width > MaxImageSide || h.Height > MaxImageSide {
		return h, InvalidField(field, "%s must be at most %d×%d pixels, not %d×%d", field, MaxImageSide, MaxImageSide, h.Width, h.Height)
	}
	return h, nil
}

// CleanImage returns data, whose header h is (ReadImageHeader), as it is stored: PNG and JPEG
// decoded and encoded again, WebP without metadata chunks. It decodes up to h.Pixels() pixels.
// Errors: unsupported_media_type naming field (pixels that do not decode).
func CleanImage(field string, data []byte, h ImageHeader) (Image, error) {
	out := Image{ImageHeader: h}
	var err error
	switch h.ContentType {
	case ImagePNG:
		out.Data, err = reencode(data, png.Decode, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	case ImageJPEG:
		out.Data, err = reencode(data, jpeg.Decode, func(b *bytes.Buffer, m image.Image) error {
			return jpeg.Encode(b, m, &jpeg.Options{Quality: 90})
		})
	case ImageWebP:
		out.Data, err = stripWebP(data)
	case ImageGIF:
		out.Data = bytes.Clone(data)
	default:
		err = fmt.Errorf("unknown type %q", h.ContentType)
	}
	if err != nil {
		return Image{}, imageError(CodeUnsupportedMedia, field, "%s is not a valid %s image", field, h.ContentType)
	}
	return out, nil
}

// ParseImage is ReadImageHeader then CleanImage.
func ParseImage(field string, data []byte) (Image, error) {
	h, err := ReadImageHeader(field, data)
	if err != nil {
		return Image{}, err
	}
	return CleanImage(field, data, h)
}

func imageError(code Code, field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: code, Message: msg, Details: []FieldError{{Field: field, Message: msg}}}
}

func unsupportedImage(field string, data []byte) error {
	if looksLikeSVG(data) {
		return imageError(CodeUnsupportedMedia, field, "%s must be PNG, JPEG, GIF or WebP: SVG is refused (it can carry scripts)", field)
	}
	return imageError(CodeUnsupportedMedia, field, "%s must be a PNG, JPEG, GIF or WebP image", field)
}

// sniffImage names the format by its magic number, "" for any other.
func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return ImagePNG
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return ImageJPEG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return ImageGIF
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return ImageWebP
	}
	return ""
}

// looksLikeSVG reports an SVG or other XML document, only to say why it is refused.
func looksLikeSVG(b []byte) bool {
	head := bytes.ToLower(bytes.TrimLeft(b[:min(len(b), 1024)], "\xef\xbb\xbf \t\r\n"))
	return bytes.HasPrefix(head, []byte("<?xml")) || bytes.HasPrefix(head, []byte("<svg")) || bytes.Contains(head, []byte("<svg"))
}

// stdConfig reads a header with a standard library decoder: the size and the bytes a
// decoded pixel takes.
func stdConfig(decode func(r io.Reader) (image.Config, error), data []byte) (int, int, int, error) {
	c, err := decode(bytes.NewReader(data))
	switch c.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model:
		return c.Width, c.Height, 8, err
	}
	return c.Width, c.Height, 4, err
}

func reencode(data []byte, decode func(r io.Reader) (image.Image, error), encode func(*bytes.Buffer, image.Image) error) ([]byte, error) {
	m, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := encode(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// webpChunk is one chunk of a WebP file's RIFF container.
type webpChunk struct {
	fourCC  string
	payload []byte
}

// webpChunks splits the RIFF container after "RIFF", its size and "WEBP". Errors: a size
// that runs past the data.
func webpChunks(data []byte) ([]webpChunk, error) {
	if len(data) < 12 || int64(binary.LittleEndian.Uint32(data[4:8])) > int64(len(data)-8) {
		return nil, fmt.Errorf("webp: truncated RIFF")
	}
	end := 8 + int(binary.LittleEndian.Uint32(data[4:8]))
	var out []webpChunk
	for off := 12; off < end; {
		if end-off < 8 {
			return nil, fmt.Errorf("webp: truncated chunk header")
		}
		size := int64(binary.LittleEndian.Uint32(data[off+4 : off+8]))
		if size > int64(end-off-8) {
			return nil, fmt.Errorf("webp: chunk past the end")
		}
		out = append(out, webpChunk{fourCC: string(data[off : off+4]), payload: data[off+8 : off+8+int(size)]})
		off += 8 + int(size) + int(size&1) // chunks are padded to an even size
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("webp: no chunks")
	}
	return out, nil
}

// webpSize reads the canvas size from the first chunk: VP8X (extended), VP8L (lossless) or
// "VP8 " (lossy), as the WebP container specification lays them out.
func webpSize(data []byte) (int, int, error) {
	chunks, err := webpChunks(data)
	if err != nil {
		return 0, 0, err
	}
	p := chunks[0].payload
	switch chunks[0].fourCC {
	case "VP8X":
		if len(p) < 10 {
			return 0, 0, fmt.Errorf("webp: short VP8X")
		}
		return 1 + int(uint24(p[4:7])), 1 + int(uint24(p[7:10])), nil
	case "VP8L":
		if len(p) < 5 || p[0] != 0x2f {
			return 0, 0, fmt.Errorf("webp: bad VP8L signature")
		}
		bits := binary.LittleEndian.Uint32(p[1:5])
		return 1 + int(bits&0x3fff), 1 + int(bits>>14&0x3fff), nil
	case "VP8 ":
		if len(p) < 10 || p[0]&1 != 0 || p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a {
			return 0, 0, fmt.Errorf("webp: bad VP8 key frame")
		}
		return int(binary.LittleEndian.Uint16(p[6:8]) & 0x3fff), int(binary.LittleEndian.Uint16(p[8:10]) & 0x3fff), nil
	}
	return 0, 0, fmt.Errorf("webp: unknown first chunk %q", chunks[0].fourCC)
}

func uint24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

// VP8X flags announcing EXIF and XMP chunks.
const (
	webpFlagEXIF = 0x08
	webpFlagXMP  = 0x04
)

// stripWebP rewrites the container without its EXIF and XMP chunks (and their flags), so an
// uploaded WebP keeps no camera or location metadata; the image chunks are kept as sent.
func stripWebP(data []byte) ([]byte, error) {
	chunks, err := webpChunks(data)
	if err != nil {
		return nil, err
	}
	out := append([]byte("RIFF"), 0, 0, 0, 0)
	out = append(out, "WEBP"...)
	for _, c := range chunks {
		if c.fourCC == "EXIF" || c.fourCC == "XMP " {
			continue
		}
		payload := c.payload
		if c.fourCC == "VP8X" && len(payload) > 0 {
			payload = bytes.Clone(payload)
			payload[0] &^= webpFlagEXIF | webpFlagXMP
		}
		out = append(out, c.fourCC...)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
		out = append(out, payload...)
		if len(payload)&1 == 1 {
			out = append(out, 0)
		}
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}

// ImageKey is the blob key of o's uploaded image in slot, nil when it has none.
func (o Organization) ImageKey(s ImageSlot) *string {
	if s == ImageIcon {
		return o.IconBlobKey
	}
	return o.LogoBlobKey
}

// ImageURL is o's URL of slot (logo_url or icon_url), uploaded or external.
func (o Organization) ImageURL(s ImageSlot) *string {
	if s == ImageIcon {
		return o.IconURL
	}
	return o.LogoURL
}

// WithImage returns o with slot's public URL and blob key replaced (both nil: removed), and
// the columns that changed. Errors: validation_error (a URL that is not one).
func (o Organization) WithImage(s ImageSlot, url, key *string) (Organization, []string, error) {
	urlCol, keyCol, dstURL, dstKey := ColLogoURL, ColLogoBlobKey, &o.LogoURL, &o.LogoBlobKey
	if s == ImageIcon {
		urlCol, keyCol, dstURL, dstKey = ColIconURL, ColIconBlobKey, &o.IconURL, &o.IconBlobKey
	}
	var cols []string
	if !sameString(*dstURL, url) {
		*dstURL, cols = url, append(cols, urlCol)
	}
	if !sameString(*dstKey, key) {
		*dstKey, cols = key, append(cols, keyCol)
	}
	return o, cols, o.Validate()
}

func sameString(a, b *string) bool { return a == b || a != nil && b != nil && *a == *b }

// Audit actions of uploaded images. Their records name the URL field that changed
// (logo_url or icon_url).
const (
	AuditOrganizationLogoUpdated = "organization.logo_updated"
	AuditOrganizationLogoRemoved = "organization.logo_removed"
	AuditOrganizationIconUpdated = "organization.icon_updated"
	AuditOrganizationIconRemoved = "organization.icon_removed"
)

// ErrImageNotFound is the one answer of a public image read whatever the reason: no such
// organization, one that is not active, no uploaded image (or an external URL), or a blob gone.
var ErrImageNotFound = &Error{Code: CodeNotFound, Message: "image not found"}
