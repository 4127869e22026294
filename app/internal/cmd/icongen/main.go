// Command icongen draws the PWA's PNG icons into web/: icon-192.png,
// icon-512.png and icon-maskable-512.png. They are committed, so it only needs
// to run again when the artwork changes:
//
//	go run ./app/internal/cmd/icongen -out web
//
// The artwork (a white speech bubble with three dots on an indigo-to-violet
// gradient) is drawn with plain geometry and 4×4 supersampling so that the
// repository needs no image tooling; web/icon.svg is the same drawing by hand.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// The gradient runs from the top-left to the bottom-right corner.
var (
	gradientStart = rgb{0x63, 0x66, 0xf1} // indigo
	gradientEnd   = rgb{0x8b, 0x5c, 0xf6} // violet
)

// samplesPerAxis is the supersampling factor: 4×4 samples per pixel give
// smooth edges without a rasterizer library.
const samplesPerAxis = 4

func main() {
	out := flag.String("out", "web", "directory to write the icons into")
	flag.Parse()

	icons := []struct {
		name     string
		size     int
		maskable bool
	}{
		{"icon-192.png", 192, false},
		{"icon-512.png", 512, false},
		{"icon-maskable-512.png", 512, true},
	}
	for _, icon := range icons {
		path := filepath.Join(*out, icon.name)
		if err := writePNG(path, draw(icon.size, icon.maskable)); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", path)
	}
}

type rgb struct{ r, g, b float64 }

func (c rgb) lerp(d rgb, t float64) rgb {
	return rgb{c.r + (d.r-c.r)*t, c.g + (d.g-c.g)*t, c.b + (d.b-c.b)*t}
}

var white = rgb{255, 255, 255}

// draw renders the icon at size×size. A maskable icon fills the whole square
// (the platform cuts its own shape) and keeps the artwork inside the central
// safe circle of 80% diameter; a regular icon has rounded, transparent corners.
func draw(size int, maskable bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var sum rgb
			var alpha float64
			for sy := 0; sy < samplesPerAxis; sy++ {
				for sx := 0; sx < samplesPerAxis; sx++ {
					// u, v in [0,1): the sample's position in the icon.
					u := (float64(px) + (float64(sx)+0.5)/samplesPerAxis) / float64(size)
					v := (float64(py) + (float64(sy)+0.5)/samplesPerAxis) / float64(size)
					c, a := shade(u, v, maskable)
					sum.r += c.r * a
					sum.g += c.g * a
					sum.b += c.b * a
					alpha += a
				}
			}
			n := float64(samplesPerAxis * samplesPerAxis)
			if alpha == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(sum.r / alpha)),
				G: uint8(math.Round(sum.g / alpha)),
				B: uint8(math.Round(sum.b / alpha)),
				A: uint8(math.Round(alpha / n * 255)),
			})
		}
	}
	return img
}

// shade returns the colour and coverage of one sample.
func shade(u, v float64, maskable bool) (rgb, float64) {
	background := gradientStart.lerp(gradientEnd, (u+v)/2)
	if !maskable && !inRoundedRect(u, v, 0, 0, 1, 1, 0.22) {
		return rgb{}, 0
	}
	// Map the sample into artwork space: the artwork is designed in the unit
	// square; the maskable variant shrinks it into the safe zone.
	scale := 1.0
	if maskable {
		scale = 0.78
	}
	x := (u-0.5)/scale + 0.5
	y := (v-0.5)/scale + 0.5

	if inBubble(x, y) {
		for _, dotX := range []float64{0.355, 0.5, 0.645} {
			if math.Hypot(x-dotX, y-0.455) <= 0.05 {
				return gradientStart.lerp(gradientEnd, (x+y)/2), 1
			}
		}
		return white, 1
	}
	return background, 1
}

// inBubble reports whether (x, y) is inside the speech bubble: a rounded
// rectangle with a tail at its bottom-left.
func inBubble(x, y float64) bool {
	if inRoundedRect(x, y, 0.2, 0.25, 0.8, 0.66, 0.12) {
		return true
	}
	return inTriangle(x, y, 0.3, 0.6, 0.46, 0.64, 0.27, 0.79)
}

func inRoundedRect(x, y, x0, y0, x1, y1, radius float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Min(math.Max(x, x0+radius), x1-radius)
	cy := math.Min(math.Max(y, y0+radius), y1-radius)
	return math.Hypot(x-cx, y-cy) <= radius
}

func inTriangle(x, y, ax, ay, bx, by, cx, cy float64) bool {
	side := func(px, py, qx, qy float64) float64 { return (qx-px)*(y-py) - (qy-py)*(x-px) }
	d1, d2, d3 := side(ax, ay, bx, by), side(bx, by, cx, cy), side(cx, cy, ax, ay)
	hasNeg := d1 < 0 || d2 < 0 || d3 < 0
	hasPos := d1 > 0 || d2 > 0 || d3 > 0
	return !(hasNeg && hasPos)
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create icon: %w", err)
	}
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return f.Close()
}
