//! Judging, decoding and re-encoding uploaded images (chat images and avatars). The type comes
//! from the magic bytes, never from a name or declared type; the size is read from the header
//! and refused before any pixel is decoded; decoding runs under memory limits; re-encoding drops
//! metadata (a photo's GPS position, say) and anything smuggled after the image data.
//!
//! Everything here is CPU-heavy and synchronous: call it from `tokio::task::spawn_blocking`.

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
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
        ImageFormat::from_mime_type(self.content_type()).expect("image knows its own types")
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
    #[error("The animation is too long: at most {max_frames} frames.")]
    TooManyFrames { max_frames: usize },
}

pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Refused from the header, before decoding: 40 megapixels is a large phone photo.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Chat images are scaled down to fit this square; nobody needs more on a chat screen.
pub const MAX_EDGE: u32 = 2048;
pub const AVATAR_EDGE: u32 = 256;
/// A 1 x 40,000,000 strip is within MAX_PIXELS but is no photo, and costs decoders dearly.
const MAX_SIDE: u32 = 16_384;
/// What a decoder may allocate, whatever the header claims.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// Tiny frames are cheap to store but not to re-encode, so their number is bounded too.
const MAX_GIF_FRAMES: usize = 1000;

const TOO_LARGE: ImageError = ImageError::TooManyPixels {
    max_pixels: MAX_PIXELS,
};

/// A chat image. JPEG and PNG keep their format; WebP becomes PNG (`image` only writes lossless
/// WebP, which would be larger); GIF stays GIF with its animation. Larger than `MAX_EDGE` on a
/// side, it is scaled down with its aspect kept. Call it from `spawn_blocking`.
pub fn process_upload(bytes: &[u8]) -> Result<Processed, ImageError> {
    let (kind, width, height) = judge(bytes)?;
    if kind == ImageKind::Gif {
        return reencode_gif(bytes, width, height);
    }
    let image = fit(decode(bytes, kind)?);
    let out = match kind {
        ImageKind::Jpeg => ImageKind::Jpeg,
        _ => ImageKind::Png,
    };
    encode(&image, out)
}

/// An avatar: the centre square, scaled to `AVATAR_EDGE`; PNG when the source has an alpha
/// channel, otherwise JPEG. A GIF gives its first frame. Call it from `spawn_blocking`.
pub fn process_avatar(bytes: &[u8]) -> Result<Processed, ImageError> {
    let (kind, _, _) = judge(bytes)?;
    let image = decode(bytes, kind)?;
    let (w, h) = (image.width(), image.height());
    let side = w.min(h);
    let square = image.crop_imm((w - side) / 2, (h - side) / 2, side, side);
    let avatar = square.resize_exact(AVATAR_EDGE, AVATAR_EDGE, FilterType::Lanczos3);
    let out = if image.color().has_alpha() {
        ImageKind::Png
    } else {
        ImageKind::Jpeg
    };
    encode(&avatar, out)
}

/// The kind the magic bytes say, and the header's dimensions once they pass the limits.
fn judge(bytes: &[u8]) -> Result<(ImageKind, u32, u32), ImageError> {
    let kind = match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => ImageKind::Png,
        Ok(ImageFormat::Jpeg) => ImageKind::Jpeg,
        Ok(ImageFormat::Gif) => ImageKind::Gif,
        Ok(ImageFormat::WebP) => ImageKind::Webp,
        _ => return Err(ImageError::Unsupported),
    };
    let (width, height) = reader(bytes, kind).into_dimensions().map_err(read_error)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width > MAX_SIDE || height > MAX_SIDE {
        return Err(TOO_LARGE);
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt);
    }
    Ok((kind, width, height))
}

fn reader(bytes: &[u8], kind: ImageKind) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits(MAX_ALLOC));
    reader
}

fn limits(max_alloc: u64) -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(max_alloc);
    limits
}

/// Decodes under the limits and turns the picture upright, since the EXIF orientation that
/// phones rely on is dropped with the rest of the metadata.
fn decode(bytes: &[u8], kind: ImageKind) -> Result<DynamicImage, ImageError> {
    let mut decoder = reader(bytes, kind).into_decoder().map_err(read_error)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(read_error)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// A limit the decoder hit means too big; anything else, unreadable.
fn read_error(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Limits(_) => TOO_LARGE,
        _ => ImageError::Corrupt,
    }
}

fn fit(image: DynamicImage) -> DynamicImage {
    if image.width() > MAX_EDGE || image.height() > MAX_EDGE {
        image.resize(MAX_EDGE, MAX_EDGE, FilterType::Triangle)
    } else {
        image
    }
}

fn encode(image: &DynamicImage, kind: ImageKind) -> Result<Processed, ImageError> {
    let mut out = Cursor::new(Vec::new());
    let written = match kind {
        // Only sources without alpha get here, so dropping it loses nothing.
        ImageKind::Jpeg => {
            JpegEncoder::new_with_quality(&mut out, 85).encode_image(&image.to_rgb8())
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

/// Every frame is decoded under limits, scaled like a still image, and written to a fresh GIF
/// that loops forever. The decoder holds two canvases and a frame, so the allocation limit
/// allows that (with slack for frames that spill over the canvas) rather than a flat 256 MiB:
/// the work a frame costs is then bounded by the canvas the budget counts.
fn reencode_gif(bytes: &[u8], width: u32, height: u32) -> Result<Processed, ImageError> {
    let canvas = u64::from(width) * u64::from(height);
    let mut decoder = GifDecoder::new(Cursor::new(bytes)).map_err(read_error)?;
    let max_alloc = (canvas * 4 * 4).clamp(1 << 20, MAX_ALLOC);
    decoder.set_limits(limits(max_alloc)).map_err(read_error)?;
    let mut frames = Vec::new();
    for (i, frame) in decoder.into_frames().enumerate() {
        // At most one frame past the budget gets decoded, and the limits bound that one.
        if i >= MAX_GIF_FRAMES {
            return Err(ImageError::TooManyFrames {
                max_frames: MAX_GIF_FRAMES,
            });
        }
        if canvas * (i as u64 + 1) > MAX_PIXELS {
            return Err(TOO_LARGE);
        }
        let frame = frame.map_err(read_error)?;
        let delay = frame.delay();
        let scaled = fit(DynamicImage::ImageRgba8(frame.into_buffer())).into_rgba8();
        frames.push(image::Frame::from_parts(scaled, 0, 0, delay));
    }
    let (width, height) = frames
        .first()
        .ok_or(ImageError::Corrupt)?
        .buffer()
        .dimensions();
    let mut out = Vec::new();
    let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
    encoder
        .set_repeat(Repeat::Infinite)
        .and_then(|()| encoder.encode_frames(frames))
        .map_err(|_| ImageError::Corrupt)?;
    drop(encoder);
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
    use image::{ColorType::Rgb8, Delay, Frame, ImageEncoder, Rgba, RgbaImage};
    use ImageError::{Corrupt, Unsupported};
    use ImageFormat::{Jpeg, Png};

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

    fn gif(width: u32, height: u32, frames: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let frames = (0..frames).map(|i| {
            let pixels = RgbaImage::from_pixel(width, height, Rgba([(i * 60) as u8, 0, 0, 255]));
            Frame::from_parts(pixels, 0, 0, Delay::from_numer_denom_ms(100, 1))
        });
        GifEncoder::new(&mut out).encode_frames(frames).unwrap();
        out
    }

    /// Kind and size, once the output is seen to sniff as that kind and decode to that size.
    fn outcome(processed: Result<Processed, ImageError>) -> (ImageKind, u32, u32) {
        let p = processed.unwrap();
        assert_eq!(image::guess_format(&p.bytes).unwrap(), p.kind.format());
        let back = image::load_from_memory(&p.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (p.width, p.height));
        (p.kind, p.width, p.height)
    }

    fn refused(bytes: &[u8], error: ImageError) {
        assert_eq!(process_upload(bytes).err().as_ref(), Some(&error));
        assert_eq!(process_avatar(bytes).err(), Some(error));
    }

    #[test]
    fn the_four_formats_are_accepted() {
        let (png, jpeg) = (
            encoded(&picture(30, 20), Png),
            encoded(&picture(30, 20), Jpeg),
        );
        let webp = encoded(&picture(30, 20).to_rgba8().into(), ImageFormat::WebP);
        let cases = [
            (png, ImageKind::Png, "image/png"),
            (jpeg, ImageKind::Jpeg, "image/jpeg"),
            (webp, ImageKind::Png, "image/png"), // lossless WebP in, PNG out
            (gif(30, 20, 3), ImageKind::Gif, "image/gif"),
        ];
        for (bytes, kind, content_type) in cases {
            assert_eq!(outcome(process_upload(&bytes)), (kind, 30, 20));
            assert_eq!(kind.content_type(), content_type);
        }
        assert_eq!(ImageKind::Webp.content_type(), "image/webp");
        assert_eq!(ImageKind::Jpeg.extension(), "jpg");
    }

    #[test]
    fn animated_gifs_keep_their_frames_and_are_scaled() {
        let processed = process_upload(&gif(3000, 10, 3)).unwrap();
        assert_eq!((processed.width, processed.height), (2048, 7));
        let decoder = GifDecoder::new(Cursor::new(&processed.bytes)).unwrap();
        assert_eq!(decoder.dimensions(), (2048, 7));
        let frames = decoder.into_frames().collect_frames().unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[1].buffer().get_pixel(5, 5)[0], 60);
        let endless = process_upload(&gif(1, 1, 1001));
        assert_eq!(
            endless.err(),
            Some(ImageError::TooManyFrames { max_frames: 1000 })
        );
        let huge = process_upload(&gif(2000, 2000, 11));
        assert_eq!(
            huge.err(),
            Some(TOO_LARGE),
            "more pixels than one big photo"
        );
    }

    #[test]
    fn what_is_not_an_image_is_unsupported() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        refused(svg, Unsupported);
        // Whatever name or type the client gave it ("cat.png"), HTML is HTML.
        refused(b"<!doctype html><script>alert(1)</script>", Unsupported);
        refused(b"", Unsupported);
        refused(&[b"BM".as_slice(), &[0; 60]].concat(), Unsupported); // BMP is not accepted
    }

    #[test]
    fn a_truncated_image_is_corrupt() {
        let png = encoded(&picture(64, 64), Png);
        refused(&png[..png.len() / 2], Corrupt);
        refused(&png[..12], Corrupt);
    }

    /// A real 8x8 PNG whose IHDR is rewritten (CRC fixed) to claim another size.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut png = encoded(&picture(8, 8), Png);
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        png
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        let started = std::time::Instant::now();
        refused(&png_claiming(30_000, 30_000), TOO_LARGE);
        refused(&png_claiming(20_000, 10), TOO_LARGE); // few pixels, but too wide
        assert!(started.elapsed().as_millis() < 1000);
        // The patched header is otherwise valid: a sane size gets as far as the pixel data.
        refused(&png_claiming(9, 8), Corrupt);
    }

    #[test]
    fn large_images_are_scaled_down_and_avatars_squared() {
        let wide = process_upload(&encoded(&picture(4000, 1000), Jpeg));
        assert_eq!(outcome(wide), (ImageKind::Jpeg, 2048, 512));
        let avatar = process_avatar(&encoded(&picture(300, 200), Png));
        assert_eq!(outcome(avatar), (ImageKind::Jpeg, 256, 256));
        let clear = RgbaImage::from_pixel(10, 30, Rgba([0, 0, 0, 0]));
        let avatar = process_avatar(&encoded(&clear.into(), Png));
        assert_eq!(outcome(avatar), (ImageKind::Png, 256, 256));
    }

    #[test]
    fn exif_is_dropped_after_its_orientation_is_applied() {
        // Big-endian TIFF, one IFD entry: Orientation (0x0112), SHORT, 6 = rotate 90.
        let exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
        let mut jpeg = Vec::new();
        let mut encoder = JpegEncoder::new(&mut jpeg);
        encoder.set_exif_metadata(exif.to_vec()).unwrap();
        let rgb = picture(40, 20).to_rgb8();
        encoder.write_image(&rgb, 40, 20, Rgb8.into()).unwrap();
        assert!(jpeg.windows(4).any(|w| w == b"Exif"));
        let processed = process_upload(&jpeg).unwrap();
        assert_eq!((processed.width, processed.height), (20, 40));
        assert!(!processed.bytes.windows(4).any(|w| w == b"Exif"));
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }
}
