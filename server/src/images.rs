//! Judging, decoding and re-encoding uploaded images. The type comes from the bytes, never from
//! a name or a declared type; the size in pixels is read from the header and refused before any
//! pixel is decoded; decoding runs under memory limits; and re-encoding drops metadata (such as
//! a photo's GPS position) and anything smuggled after the image data.
//!
//! These functions are CPU-bound and synchronous: call them from `spawn_blocking`.

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{AnimationDecoder, DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageKind {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            ImageKind::Png => ImageFormat::Png,
            ImageKind::Jpeg => ImageFormat::Jpeg,
            ImageKind::Gif => ImageFormat::Gif,
            ImageKind::Webp => ImageFormat::WebP,
        }
    }
}

pub struct Processed {
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("Only PNG, JPEG, GIF and WebP images are accepted.")]
    Unsupported,
    #[error("The image could not be read; it may be damaged or truncated.")]
    Corrupt,
    #[error("The image is too large: at most {max_pixels} pixels.")]
    TooManyPixels { max_pixels: u64 },
}

pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Refused from the header, before decoding: 40 megapixels is a large phone photo.
pub const MAX_PIXELS: u64 = 40_000_000;
const MAX_SIDE: u32 = 16_384;
/// What a decoder may allocate, whatever the header claims.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// Chat images are scaled down to fit this square; nobody needs more on a chat screen.
pub const MAX_EDGE: u32 = 2048;
pub const AVATAR_EDGE: u32 = 256;
/// All frames of an animated GIF together.
const MAX_GIF_PIXELS: u64 = 100_000_000;

/// A chat image: same format out as in, except WebP, which becomes PNG (the encoder we have
/// writes only lossless WebP, which would be larger). Animated GIFs keep their animation.
pub fn process_upload(bytes: &[u8]) -> Result<Processed, ImageError> {
    let kind = judge(bytes)?;
    if kind == ImageKind::Gif {
        return reencode_gif(bytes);
    }
    let image = decode(bytes, kind)?;
    let image = if image.width() > MAX_EDGE || image.height() > MAX_EDGE {
        image.resize(MAX_EDGE, MAX_EDGE, FilterType::Triangle)
    } else {
        image
    };
    let out = match kind {
        ImageKind::Jpeg => ImageKind::Jpeg,
        _ => ImageKind::Png,
    };
    encode(&image, out)
}

/// An avatar: the centre square, scaled to `AVATAR_EDGE`; PNG when it has transparency,
/// otherwise JPEG.
pub fn process_avatar(bytes: &[u8]) -> Result<Processed, ImageError> {
    let kind = judge(bytes)?;
    let image = decode(bytes, kind)?;
    let side = image.width().min(image.height());
    let square = image.crop_imm(
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    let avatar = square.resize_exact(AVATAR_EDGE, AVATAR_EDGE, FilterType::Lanczos3);
    let out = if avatar.color().has_alpha() {
        ImageKind::Png
    } else {
        ImageKind::Jpeg
    };
    encode(&avatar, out)
}

/// The kind the magic bytes say, and a header that reads and is within the pixel limit.
fn judge(bytes: &[u8]) -> Result<ImageKind, ImageError> {
    let kind = match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => ImageKind::Png,
        Ok(ImageFormat::Jpeg) => ImageKind::Jpeg,
        Ok(ImageFormat::Gif) => ImageKind::Gif,
        Ok(ImageFormat::WebP) => ImageKind::Webp,
        _ => return Err(ImageError::Unsupported),
    };
    let (width, height) = reader(bytes, kind).into_dimensions().map_err(read_error)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooManyPixels {
            max_pixels: MAX_PIXELS,
        });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt);
    }
    Ok(kind)
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

fn reader(bytes: &[u8], kind: ImageKind) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits());
    reader
}

fn decode(bytes: &[u8], kind: ImageKind) -> Result<DynamicImage, ImageError> {
    reader(bytes, kind).decode().map_err(read_error)
}

/// A limit the decoder hit means too big; anything else, unreadable.
fn read_error(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Limits(_) => ImageError::TooManyPixels {
            max_pixels: MAX_PIXELS,
        },
        _ => ImageError::Corrupt,
    }
}

fn encode(image: &DynamicImage, kind: ImageKind) -> Result<Processed, ImageError> {
    let mut out = Cursor::new(Vec::new());
    let written = match kind {
        // JPEG has no alpha: flatten onto white rather than black.
        ImageKind::Jpeg => {
            let rgb = flatten(image);
            JpegEncoder::new_with_quality(&mut out, 85).encode_image(&rgb)
        }
        _ => image.write_to(&mut out, kind.format()),
    };
    written.map_err(|_| ImageError::Corrupt)?;
    Ok(Processed {
        bytes: out.into_inner(),
        kind,
        width: image.width(),
        height: image.height(),
    })
}

fn flatten(image: &DynamicImage) -> DynamicImage {
    if !image.color().has_alpha() {
        return DynamicImage::ImageRgb8(image.to_rgb8());
    }
    let rgba = image.to_rgba8();
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white =
            |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    });
    DynamicImage::ImageRgb8(rgb)
}

/// Decodes every frame under the limits (and a budget for all frames together) and writes a
/// fresh GIF that loops like the usual animated GIF does.
fn reencode_gif(bytes: &[u8]) -> Result<Processed, ImageError> {
    let mut decoder = GifDecoder::new(Cursor::new(bytes)).map_err(|_| ImageError::Corrupt)?;
    image::ImageDecoder::set_limits(&mut decoder, limits()).map_err(|_| {
        ImageError::TooManyPixels {
            max_pixels: MAX_PIXELS,
        }
    })?;
    let (width, height) = image::ImageDecoder::dimensions(&decoder);
    let per_frame = u64::from(width) * u64::from(height);
    let mut frames = Vec::new();
    for frame in decoder.into_frames() {
        let frame = frame.map_err(|_| ImageError::Corrupt)?;
        if per_frame * (frames.len() as u64 + 1) > MAX_GIF_PIXELS {
            return Err(ImageError::TooManyPixels {
                max_pixels: MAX_GIF_PIXELS,
            });
        }
        frames.push(frame);
    }
    if frames.is_empty() {
        return Err(ImageError::Corrupt);
    }
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
        encoder
            .set_repeat(Repeat::Infinite)
            .map_err(|_| ImageError::Corrupt)?;
        encoder
            .encode_frames(frames)
            .map_err(|_| ImageError::Corrupt)?;
    }
    Ok(Processed {
        bytes: out,
        kind: ImageKind::Gif,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Delay, Frame, Rgba, RgbaImage};

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn picture(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([x as u8, y as u8, 99])
        }))
    }

    fn gif(frames: u32) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut out);
            let frames = (0..frames).map(|i| {
                let pixels = RgbaImage::from_pixel(20, 10, Rgba([(i * 60) as u8, 0, 0, 255]));
                Frame::from_parts(pixels, 0, 0, Delay::from_numer_denom_ms(100, 1))
            });
            encoder.encode_frames(frames).unwrap();
        }
        out
    }

    #[test]
    fn the_four_formats_are_accepted() {
        let cases = [
            (encoded(&picture(30, 20), ImageFormat::Png), ImageKind::Png),
            (
                encoded(&picture(30, 20), ImageFormat::Jpeg),
                ImageKind::Jpeg,
            ),
            (
                encoded(
                    &DynamicImage::ImageRgba8(picture(30, 20).to_rgba8()),
                    ImageFormat::WebP,
                ),
                ImageKind::Png,
            ),
            (gif(3), ImageKind::Gif),
        ];
        for (bytes, out_kind) in cases {
            let processed = process_upload(&bytes).unwrap();
            assert_eq!(processed.kind, out_kind);
            let back = image::load_from_memory(&processed.bytes).unwrap();
            assert_eq!(
                (back.width(), back.height()),
                (processed.width, processed.height)
            );
            assert_eq!(
                image::guess_format(&processed.bytes).unwrap(),
                out_kind.format()
            );
        }
    }

    #[test]
    fn animated_gifs_keep_their_frames() {
        let processed = process_upload(&gif(3)).unwrap();
        let frames = GifDecoder::new(Cursor::new(&processed.bytes))
            .unwrap()
            .into_frames()
            .count();
        assert_eq!(frames, 3);
        assert_eq!((processed.width, processed.height), (20, 10));
    }

    #[test]
    fn what_is_not_an_image_is_unsupported() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        assert_eq!(process_upload(svg).err(), Some(ImageError::Unsupported));
        assert_eq!(
            process_upload(b"<!doctype html><p>hi").err(),
            Some(ImageError::Unsupported)
        );
        assert_eq!(process_upload(b"").err(), Some(ImageError::Unsupported));
        let bmp = [b"BM".as_slice(), &[0u8; 60]].concat();
        assert_eq!(process_avatar(&bmp).err(), Some(ImageError::Unsupported));
    }

    #[test]
    fn a_truncated_image_is_corrupt() {
        let mut png = encoded(&picture(64, 64), ImageFormat::Png);
        png.truncate(png.len() / 2);
        assert_eq!(process_upload(&png).err(), Some(ImageError::Corrupt));
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // A real 8x8 PNG whose header is rewritten to claim 30,000 x 30,000.
        let mut png = encoded(&picture(8, 8), ImageFormat::Png);
        png[16..20].copy_from_slice(&30_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&30_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            process_upload(&png).err(),
            Some(ImageError::TooManyPixels {
                max_pixels: MAX_PIXELS
            })
        );
        assert_eq!(
            process_avatar(&png).err(),
            Some(ImageError::TooManyPixels {
                max_pixels: MAX_PIXELS
            })
        );
    }

    #[test]
    fn large_images_are_scaled_down_and_avatars_squared() {
        let wide = process_upload(&encoded(&picture(4000, 1000), ImageFormat::Jpeg)).unwrap();
        assert_eq!(
            (wide.width, wide.height, wide.kind),
            (2048, 512, ImageKind::Jpeg)
        );
        let avatar = process_avatar(&encoded(&picture(300, 200), ImageFormat::Png)).unwrap();
        assert_eq!(
            (avatar.width, avatar.height, avatar.kind),
            (256, 256, ImageKind::Jpeg)
        );
        let transparent =
            DynamicImage::ImageRgba8(RgbaImage::from_pixel(10, 10, Rgba([0, 0, 0, 0])));
        let avatar = process_avatar(&encoded(&transparent, ImageFormat::Png)).unwrap();
        assert_eq!(avatar.kind, ImageKind::Png, "transparency kept");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    0xedb8_8320 ^ (crc >> 1)
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
