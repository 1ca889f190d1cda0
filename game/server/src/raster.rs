//! CPU drawing for observation images (aliased, integer, deterministic) and the tiled PNG of
//! `/visual_observations`.

use crate::spec::ImageSpec;

/// An RGB colour; grayscale images use its luma.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// ITU-R 601 luma, truncated (as the seed dodge game did).
    pub fn luma(self) -> u8 {
        (0.299 * f32::from(self.0) + 0.587 * f32::from(self.1) + 0.114 * f32::from(self.2)) as u8
    }
}

/// A mutable view of one agent's H×W×C image (C = 1 or 3).
pub struct Canvas<'a> {
    pixels: &'a mut [u8],
    spec: ImageSpec,
}

impl<'a> Canvas<'a> {
    /// Wraps `pixels`, which must hold exactly `spec.bytes()` bytes.
    pub fn new(pixels: &'a mut [u8], spec: ImageSpec) -> Self {
        debug_assert_eq!(pixels.len(), spec.bytes());
        Self { pixels, spec }
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (usize, usize) {
        (self.spec.width, self.spec.height)
    }

    /// Fills the whole image.
    pub fn fill(&mut self, colour: Rgb) {
        if self.spec.channels == 1 {
            self.pixels.fill(colour.luma());
        } else {
            for px in self.pixels.chunks_exact_mut(3) {
                px.copy_from_slice(&[colour.0, colour.1, colour.2]);
            }
        }
    }

    /// Sets one pixel; points outside the image are ignored.
    pub fn put(&mut self, x: i64, y: i64, colour: Rgb) {
        let (w, h) = self.size();
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            return;
        }
        let c = self.spec.channels;
        let i = (y as usize * w + x as usize) * c;
        if c == 1 {
            self.pixels[i] = colour.luma();
        } else {
            self.pixels[i..i + 3].copy_from_slice(&[colour.0, colour.1, colour.2]);
        }
    }

    /// A filled disc of `radius` pixels (at least the centre pixel), clipped to the image.
    pub fn disc(&mut self, cx: i64, cy: i64, radius: i64, colour: Rgb) {
        let r = radius.max(0);
        for dy in -r..=r {
            for dx in -r..=r {
                if dx * dx + dy * dy <= r * r {
                    self.put(cx + dx, cy + dy, colour);
                }
            }
        }
    }

    /// The outline of an axis-aligned rectangle between two corners (inclusive).
    pub fn rect_outline(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgb) {
        let (xa, xb) = (x0.min(x1), x0.max(x1));
        let (ya, yb) = (y0.min(y1), y0.max(y1));
        for x in xa..=xb {
            self.put(x, ya, colour);
            self.put(x, yb, colour);
        }
        for y in ya..=yb {
            self.put(xa, y, colour);
            self.put(xb, y, colour);
        }
    }
}

/// Encodes `n` agent images (agent-major H×W×C) as one RGBA8 PNG, tiled left to right.
pub fn encode_tiled_png(pixels: &[u8], image: ImageSpec, n: usize) -> Result<Vec<u8>, String> {
    let (w, h, c) = (image.width, image.height, image.channels);
    let total_w = w * n;
    if total_w == 0 || h == 0 {
        return Err("image has zero size".into());
    }
    let mut rgba = vec![0u8; total_w * h * 4];
    for agent in 0..n {
        let src = &pixels[agent * image.bytes()..(agent + 1) * image.bytes()];
        for y in 0..h {
            for x in 0..w {
                let s = (y * w + x) * c;
                let d = (y * total_w + agent * w + x) * 4;
                let (r, g, b) = if c == 1 {
                    (src[s], src[s], src[s])
                } else {
                    (src[s], src[s + 1], src[s + 2])
                };
                rgba[d..d + 4].copy_from_slice(&[r, g, b, 255]);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, total_w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disc_and_outline_draw_inside_bounds() {
        let spec = ImageSpec {
            channels: 3,
            height: 8,
            width: 8,
        };
        let mut buf = vec![0u8; spec.bytes()];
        let mut canvas = Canvas::new(&mut buf, spec);
        canvas.fill(Rgb(1, 2, 3));
        canvas.disc(0, 0, 2, Rgb(255, 0, 0));
        canvas.rect_outline(-5, 3, 20, 3, Rgb(0, 255, 0));
        assert_eq!(&buf[0..3], &[255, 0, 0]);
        assert_eq!(&buf[(3 * 8 + 5) * 3..(3 * 8 + 5) * 3 + 3], &[0, 255, 0]);
        assert_eq!(&buf[(7 * 8 + 7) * 3..], &[1, 2, 3]);
    }

    #[test]
    fn grayscale_uses_luma() {
        assert_eq!(Rgb(30, 30, 40).luma(), 31);
        assert_eq!(Rgb(255, 50, 50).luma(), 111);
    }

    #[test]
    fn tiled_png_is_rgba_and_wide() {
        let spec = ImageSpec {
            channels: 1,
            height: 4,
            width: 3,
        };
        let png_bytes = encode_tiled_png(&[7u8; 24], spec, 2).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (6, 4));
        assert_eq!(info.color_type, png::ColorType::Rgba);
    }
}
