//! Opens an HTML report in headless Chromium and checks that the screenshot really shows it:
//! text and tables drawn, the SVG chart's bars there, and the receipt images loaded.
//!
//! The browser is `$POS_CHROMIUM`, else `chromium` on `PATH`, else `chromium-browser`.
//! Without one the check fails (install Debian's `chromium`), unless `POS_SKIP_CHROMIUM=1`.

#![allow(dead_code)] // each test binary uses part of the support module

use std::collections::HashSet;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The browser window, and so the screenshot, in pixels.
pub const WINDOW: (u32, u32) = (1280, 2400);
/// A screenshot taking longer than this is a hung browser: it is killed and the check fails.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// The chart's bar colour (`pos_demo::html::BAR_FILL`, #c0392b) as RGB.
pub const BAR_RGB: [u8; 3] = [0xc0, 0x39, 0x2b];

/// At least this share of the pixels, in per mille, is not white (a blank page has none).
pub const MIN_INK_PERMILLE: u64 = 60;
/// At least this many distinct colours (anti-aliased text, badges, the chart, images).
pub const MIN_COLOURS: usize = 300;
/// At least this many pixels of the bar colour: the chart's bars were drawn.
pub const MIN_BAR_PIXELS: u64 = 400;
/// At least this many pixels differ between the page with and without its receipt PNGs.
pub const MIN_IMAGE_PIXELS: u64 = 2_000;

/// A decoded screenshot, 8-bit RGB.
pub struct Shot {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Row-major RGB triples.
    pub rgb: Vec<[u8; 3]>,
}

/// What a screenshot measured.
#[derive(Debug)]
pub struct Measures {
    /// Pixels not white, per mille of all pixels.
    pub ink_permille: u64,
    /// Distinct colours.
    pub colours: usize,
    /// Pixels within a small distance of the bar colour.
    pub bar_pixels: u64,
}

impl Shot {
    /// The measures of this screenshot.
    pub fn measures(&self) -> Measures {
        let total = self.rgb.len().max(1) as u64;
        let ink = self.rgb.iter().filter(|p| p.iter().any(|c| *c < 0xF8)).count() as u64;
        let colours: HashSet<[u8; 3]> = self.rgb.iter().copied().collect();
        // A small tolerance: colour management may move a channel by a step or two.
        let bar_pixels =
            self.rgb.iter().filter(|p| p.iter().zip(BAR_RGB).all(|(a, b)| a.abs_diff(b) <= 4)).count() as u64;
        Measures { ink_permille: ink * 1000 / total, colours: colours.len(), bar_pixels }
    }

    /// Pixels that differ from `other` (of the same size).
    pub fn differing_pixels(&self, other: &Shot) -> u64 {
        self.rgb.iter().zip(&other.rgb).filter(|(a, b)| a != b).count() as u64
    }
}

/// The browser to use, if any.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("POS_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// The browser, or `None` when the check is to be skipped (`POS_SKIP_CHROMIUM=1`); panics
/// with the way to install it otherwise, so a machine without a browser does not pass quietly.
pub fn chromium_or_skip() -> Option<PathBuf> {
    if let Some(b) = chromium() {
        return Some(b);
    }
    if std::env::var("POS_SKIP_CHROMIUM").as_deref() == Ok("1") {
        eprintln!("SKIPPED: no Chromium found (POS_SKIP_CHROMIUM=1); the HTML report was not rendered");
        return None;
    }
    panic!(
        "no Chromium to render the HTML report: install Debian's chromium \
         (apt-get install chromium), or set POS_CHROMIUM=/path/to/chromium; \
         POS_SKIP_CHROMIUM=1 skips this check"
    );
}

/// At most this many shots of one page to get two alike in a row.
const SHOTS: usize = 4;

/// Screenshots `html` (absolute) into `png` (absolute) with `browser`, again until two shots in a
/// row are the same (at most [`SHOTS`]); returns how long the last one took. On a loaded machine
/// Chromium can capture a page half painted (seen: its bottom rows missing), and two shots of one
/// page would then differ as if its images had rendered.
pub fn screenshot(browser: &Path, html: &Path, png: &Path, workdir: &Path) -> Duration {
    let mut took = screenshot_once(browser, html, png, workdir);
    let mut last = decode(png);
    for _ in 1..SHOTS {
        took = screenshot_once(browser, html, png, workdir);
        let shot = decode(png);
        if shot.differing_pixels(&last) == 0 {
            break;
        }
        last = shot;
    }
    took
}

/// One screenshot of `html` into `png`; returns how long it took.
fn screenshot_once(browser: &Path, html: &Path, png: &Path, workdir: &Path) -> Duration {
    let _ = fs::remove_file(png);
    // Its own profile directory: concurrent runs do not fight over a profile lock.
    let profile = workdir.join(format!("profile-{}", png.file_stem().and_then(|s| s.to_str()).unwrap_or("shot")));
    fs::create_dir_all(&profile).expect("profile directory");
    let log = fs::File::create(workdir.join("chromium.log")).expect("chromium log");
    let started = Instant::now();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            // Root in a container cannot use the sandbox.
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            // The container's /dev/shm is small.
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--force-device-scale-factor=1",
            // Draw a frame only once every compositor stage is done: on a loaded machine the
            // screenshot could otherwise catch a page half painted (seen: the bottom rows
            // missing), and two shots of the same page would differ.
            "--run-all-compositor-stages-before-draw",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone().expect("chromium log")))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", browser.display()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {TIMEOUT:?}; its log: {}", workdir.join("chromium.log").display());
        }
        sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    assert!(
        status.success() && png.is_file(),
        "chromium failed ({status}) to screenshot {}; its log: {}",
        html.display(),
        workdir.join("chromium.log").display()
    );
    took
}

/// Decodes a PNG file to RGB.
pub fn decode(png: &Path) -> Shot {
    let bytes = fs::read(png).expect("screenshot file");
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("screenshot header");
    let mut buf = vec![0; reader.output_buffer_size().expect("screenshot size")];
    let info = reader.next_frame(&mut buf).expect("screenshot pixels");
    let data = buf.get(..info.buffer_size()).expect("frame within buffer");
    let rgb = match info.color_type {
        png::ColorType::Rgb => data.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Rgba => data.chunks_exact(4).map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => data.iter().map(|g| [*g; 3]).collect(),
        png::ColorType::GrayscaleAlpha => data.chunks_exact(2).map(|p| [p[0]; 3]).collect(),
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    Shot { width: info.width, height: info.height, rgb }
}

/// Renders `html_path` in headless Chromium (screenshots go to `workdir`) and asserts the page
/// really rendered: the window's size, enough ink and colours, the chart's bar colour, and the
/// receipt images (the page is shot again from a directory without them, and must differ).
pub fn assert_renders_in_chromium(html_path: &Path, workdir: &Path) {
    let Some(browser) = chromium_or_skip() else { return };
    let html_path = html_path.canonicalize().expect("the report exists");
    fs::create_dir_all(workdir).expect("work directory");
    let workdir = workdir.canonicalize().expect("work directory");

    let with_png = workdir.join("report.png");
    let took = screenshot(&browser, &html_path, &with_png, &workdir);
    let shot = decode(&with_png);
    assert_eq!((shot.width, shot.height), WINDOW, "screenshot size");
    let m = shot.measures();
    eprintln!(
        "chromium: {} in {} ms; ink {}‰ (min {MIN_INK_PERMILLE}), {} colours (min {MIN_COLOURS}), \
         {} bar pixels (min {MIN_BAR_PIXELS})",
        with_png.display(),
        took.as_millis(),
        m.ink_permille,
        m.colours,
        m.bar_pixels
    );
    assert!(m.ink_permille >= MIN_INK_PERMILLE, "page mostly blank: {m:?}");
    assert!(m.colours >= MIN_COLOURS, "too few colours, the page did not render: {m:?}");
    assert!(m.bar_pixels >= MIN_BAR_PIXELS, "the chart's bars are not on the page: {m:?}");

    // The same page where its relative receipt paths lead nowhere: only images can differ.
    let bare_dir = workdir.join("without-images");
    fs::create_dir_all(&bare_dir).expect("bare directory");
    let bare_html = bare_dir.join(html_path.file_name().expect("html file name"));
    fs::copy(&html_path, &bare_html).expect("copy of the report");
    let bare_png = workdir.join("report-without-images.png");
    let took_bare = screenshot(&browser, &bare_html, &bare_png, &workdir);
    let bare = decode(&bare_png);
    assert_eq!((bare.width, bare.height), WINDOW, "screenshot size without images");
    let diff = shot.differing_pixels(&bare);
    eprintln!(
        "chromium: without receipt images in {} ms; {diff} pixels differ (min {MIN_IMAGE_PIXELS})",
        took_bare.as_millis()
    );
    assert!(diff >= MIN_IMAGE_PIXELS, "the receipt images did not render: only {diff} pixels differ without them");
}
