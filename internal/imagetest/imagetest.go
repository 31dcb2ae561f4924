// Package imagetest makes the image files orgkit's tests upload: real PNG, JPEG, GIF and
// WebP files, ones carrying metadata, and hostile ones (a decompression bomb, an SVG).
package imagetest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// Secret is the text the metadata of EXIFJPEG and TextPNG carries, which stored images must
// no longer contain.
const Secret = "GPS 48.8584N 2.2945E secret-orgkit-marker"

func picture(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.NRGBA{R: uint8(x * 7), G: uint8(y * 13), B: 200, A: 255})
		}
	}
	return m
}

// PNG is a w×h PNG.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, picture(w, h)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// JPEG is a w×h JPEG.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF is a w×h GIF.
func GIF(w, h int) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, picture(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// EXIFJPEG is a JPEG with an EXIF APP1 segment holding Secret, right after its SOI marker.
func EXIFJPEG(w, h int) []byte {
	j := JPEG(w, h)
	payload := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"), Secret...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	return append(append(append([]byte{}, j[:2]...), seg...), j[2:]...)
}

// chunk is one PNG chunk with its CRC.
func chunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// TextPNG is a PNG with a tEXt chunk holding Secret after its IHDR.
func TextPNG(w, h int) []byte {
	p := PNG(w, h)
	const ihdrEnd = 8 + 8 + 13 + 4 // signature, IHDR header, data, CRC
	text := chunk("tEXt", append([]byte("Comment\x00"), Secret...))
	return append(append(append([]byte{}, p[:ihdrEnd]...), text...), p[ihdrEnd:]...)
}

// BombPNG is a PNG of a few dozen bytes whose IHDR claims w×h pixels (8-bit RGBA): decoding
// it would allocate w×h×4 bytes.
func BombPNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

// SVG is an SVG document carrying a script.
const SVG = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>`

func riffChunk(fourCC string, data []byte) []byte {
	c := append([]byte(fourCC), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func riff(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

// vp8l is a lossless bitstream header of w×h (what orgkit reads; the pixels are not valid).
func vp8l(w, h int) []byte {
	bits := uint32(w-1) | uint32(h-1)<<14
	return binary.LittleEndian.AppendUint32([]byte{0x2f}, bits)
}

// WebP is a lossless WebP header of w×h.
func WebP(w, h int) []byte { return riff(riffChunk("VP8L", vp8l(w, h))) }

// LossyWebP is a lossy ("VP8 ") WebP key frame header of w×h.
func LossyWebP(w, h int) []byte {
	p := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}
	p = binary.LittleEndian.AppendUint16(p, uint16(w))
	p = binary.LittleEndian.AppendUint16(p, uint16(h))
	return riff(riffChunk("VP8 ", append(p, 0, 0, 0, 0)))
}

// EXIFWebP is an extended WebP (VP8X) of w×h with EXIF and XMP chunks holding Secret.
func EXIFWebP(w, h int) []byte {
	x := []byte{0x08 | 0x04, 0, 0, 0}
	x = append(x, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return riff(riffChunk("VP8X", x), riffChunk("VP8L", vp8l(w, h)),
		riffChunk("EXIF", []byte("MM\x00\x2a"+Secret)), riffChunk("XMP ", []byte("<x>"+Secret+"</x>")))
}
