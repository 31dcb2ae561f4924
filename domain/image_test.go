package domain_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/imagetest"
)

func TestParseImage_Formats(t *testing.T) {
	for name, tc := range map[string]struct {
		data      []byte
		typ       string
		w, h      int
		unchanged bool
	}{
		"png":        {imagetest.PNG(30, 20), domain.ImagePNG, 30, 20, true}, // re-encoded by the encoder that made it
		"jpeg":       {imagetest.JPEG(31, 21), domain.ImageJPEG, 31, 21, false},
		"gif":        {imagetest.GIF(12, 34), domain.ImageGIF, 12, 34, true},
		"webp":       {imagetest.WebP(4096, 7), domain.ImageWebP, 4096, 7, true},
		"lossy webp": {imagetest.LossyWebP(640, 480), domain.ImageWebP, 640, 480, true},
		"max side":   {imagetest.PNG(4096, 1), domain.ImagePNG, 4096, 1, true},
	} {
		t.Run(name, func(t *testing.T) {
			img, err := domain.ParseImage("logo", tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if img.ContentType != tc.typ || img.Width != tc.w || img.Height != tc.h {
				t.Fatalf("got %s %d×%d, want %s %d×%d", img.ContentType, img.Width, img.Height, tc.typ, tc.w, tc.h)
			}
			if bytes.Equal(img.Data, tc.data) != tc.unchanged {
				t.Fatalf("stored bytes unchanged=%t, want %t", bytes.Equal(img.Data, tc.data), tc.unchanged)
			}
		})
	}
}

func TestParseImage_Refused(t *testing.T) {
	big := append(imagetest.PNG(2, 2), make([]byte, domain.MaxImageBytes)...)
	for name, tc := range map[string]struct {
		data []byte
		code domain.Code
	}{
		"svg with script":     {[]byte(imagetest.SVG), domain.CodeUnsupportedMedia},
		"bare svg":            {[]byte("  <svg onload=alert(1)>"), domain.CodeUnsupportedMedia},
		"garbage":             {[]byte("hello, world"), domain.CodeUnsupportedMedia},
		"empty":               {nil, domain.CodeUnsupportedMedia},
		"truncated png":       {imagetest.PNG(20, 20)[:40], domain.CodeUnsupportedMedia},
		"png header only":     {[]byte("\x89PNG\r\n\x1a\n"), domain.CodeUnsupportedMedia},
		"truncated webp":      {imagetest.WebP(10, 10)[:20], domain.CodeUnsupportedMedia},
		"bomb png":            {imagetest.BombPNG(100000, 100000), domain.CodeValidation},
		"too wide png":        {imagetest.PNG(4097, 1), domain.CodeValidation},
		"too tall webp":       {imagetest.EXIFWebP(10, 5000), domain.CodeValidation},
		"too large lossy":     {imagetest.LossyWebP(5000, 10), domain.CodeValidation},
		"over 1 MiB":          {big, domain.CodePayloadTooLarge},
		"jpeg that is no jpg": {append([]byte{0xFF, 0xD8, 0xFF}, "not really"...), domain.CodeUnsupportedMedia},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := domain.ParseImage("icon", tc.data)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if len(de.Details) != 1 || de.Details[0].Field != "icon" {
				t.Fatalf("details %v do not name the field icon", de.Details)
			}
		})
	}
	_, err := domain.ParseImage("logo", []byte(imagetest.SVG))
	if !strings.Contains(err.Error(), "SVG") {
		t.Errorf("an SVG's refusal says why: %v", err)
	}
}

// TestParseImage_BombAllocatesNoPixels: a PNG whose header claims 100000×100000 pixels is
// refused from its header: 40 GB of pixels are never allocated, nor anything close.
func TestParseImage_BombAllocatesNoPixels(t *testing.T) {
	bomb := imagetest.BombPNG(100000, 100000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := domain.ParseImage("logo", bomb)
	runtime.ReadMemStats(&after)
	if domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("err = %v", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes", n)
	}
}

func TestCleanImage_DropsMetadata(t *testing.T) {
	for name, data := range map[string][]byte{
		"jpeg with exif": imagetest.EXIFJPEG(40, 30),
		"png with tEXt":  imagetest.TextPNG(40, 30),
		"webp with exif": imagetest.EXIFWebP(40, 30),
	} {
		t.Run(name, func(t *testing.T) {
			if !bytes.Contains(data, []byte(imagetest.Secret)) {
				t.Fatal("the fixture carries no metadata")
			}
			img, err := domain.ParseImage("logo", data)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{imagetest.Secret, "Exif", "tEXt", "EXIF", "XMP "} {
				if bytes.Contains(img.Data, []byte(s)) {
					t.Errorf("stored bytes still contain %q", s)
				}
			}
			if img.Width != 40 || img.Height != 30 {
				t.Errorf("size %d×%d", img.Width, img.Height)
			}
			again, err := domain.ParseImage("logo", img.Data) // what is stored is a valid image of the same type
			if err != nil || again.ContentType != img.ContentType || again.Width != 40 {
				t.Fatalf("stored bytes: %v %+v", err, again.ImageHeader)
			}
		})
	}
}

func TestCleanImage_KeepsPixels(t *testing.T) {
	img, err := domain.ParseImage("logo", imagetest.TextPNG(5, 4))
	if err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := png.Decode(bytes.NewReader(imagetest.PNG(5, 4)))
	for y := range 4 {
		for x := range 5 {
			if got.At(x, y) != want.At(x, y) {
				t.Fatalf("pixel %d,%d: %v, want %v", x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
	j, err := domain.ParseImage("logo", imagetest.EXIFJPEG(16, 8))
	if err != nil {
		t.Fatal(err)
	}
	if m, err := jpeg.Decode(bytes.NewReader(j.Data)); err != nil || m.Bounds() != image.Rect(0, 0, 16, 8) {
		t.Fatalf("re-encoded JPEG: %v", err)
	}
}

func TestPatchExternalURLDropsUploadedImage(t *testing.T) {
	key, url := "organizations/1/logo/abc", "https://orgkit.example/v1/public/organizations/1/logo?v=abc"
	o := domain.Organization{Name: "Acme", Slug: "acme", Status: domain.StatusActive, LogoURL: &url, LogoBlobKey: &key,
		Settings: domain.DefaultSettings()}
	same, cols, err := domain.OrganizationPatch{LogoURL: domain.Some(url)}.Apply(o)
	if err != nil || same.LogoBlobKey == nil || strings.Contains(strings.Join(cols, ","), domain.ColLogoBlobKey) {
		t.Fatalf("echoing the uploaded URL kept nothing: %v %v", cols, err)
	}
	ext, cols, err := domain.OrganizationPatch{LogoURL: domain.Some("https://cdn.example.com/a.png")}.Apply(o)
	if err != nil || ext.LogoBlobKey != nil || !strings.Contains(strings.Join(cols, ","), domain.ColLogoBlobKey) {
		t.Fatalf("an external URL kept the blob: %v %v", cols, err)
	}
	if audited := domain.AuditedColumns(cols); len(audited) != 1 || audited[0] != domain.ColLogoURL {
		t.Fatalf("audited %v", audited)
	}
	cleared, _, err := domain.OrganizationPatch{LogoURL: domain.Optional[string]{Set: true}}.Apply(o)
	if err != nil || cleared.LogoBlobKey != nil || cleared.LogoURL != nil {
		t.Fatalf("null kept the blob: %v", err)
	}
}
