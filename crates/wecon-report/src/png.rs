//! PNG versions of the charts, for slides: each chart's SVG rasterised with resvg at twice
//! its size, its text set in DejaVu Sans (embedded in the binary, permissive licence), so the
//! PNGs look the same on a machine without any system font.

use std::sync::Arc;

use resvg::{tiny_skia, usvg};

use crate::ReportError;

/// The scale of the PNGs against the SVG's size.
pub const SCALE: f32 = 2.0;

fn options() -> usvg::Options<'static> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(dejavu::sans::regular().to_vec());
    db.load_font_data(dejavu::sans::bold().to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    db.set_serif_family("DejaVu Sans");
    let mut opt = usvg::Options {
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    opt.fontdb = Arc::new(db);
    opt
}

/// The PNG of an SVG document, at [`SCALE`] times its size, on white.
pub fn png_of(svg: &str) -> Result<Vec<u8>, ReportError> {
    let err = |e: String| ReportError::Chart(e);
    let tree = usvg::Tree::from_str(svg, &options()).map_err(|e| err(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or_else(|| err("chart too large to rasterise".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| err("empty chart".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dark pixels of a PNG rendered from `svg`.
    fn ink(svg: &str) -> usize {
        let png = png_of(svg).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        pixmap.pixels().iter().filter(|p| p.red() < 128).count()
    }

    #[test]
    fn text_renders_with_the_embedded_font() {
        let text = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="5" y="30" font-family="sans-serif" font-size="20">wecon 123</text></svg>"#;
        let blank = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"></svg>"#;
        assert_eq!(ink(blank), 0);
        assert!(ink(text) > 100, "no text drawn");
        let png = png_of(text).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (400, 80));
    }
}
