//! The HTML report of the fixture day, written out with real receipt PNGs and opened in
//! headless Chromium: the screenshot must show the page, its chart and its receipt images.

use std::fs;
use std::path::{Path, PathBuf};

use pos_core::devices::printer::preview::render as print;
use pos_core::devices::printer::sim::to_png;
use pos_core::devices::printer::{Align, EscPos};
use pos_demo::fixture::fixture;
use pos_demo::html::render;
use pos_demo::summary::DemoSummary;
use pos_testkit::TempDir;

use crate::support;

/// A fresh directory for one test, removed on drop.
fn fresh_dir(name: &str) -> TempDir {
    TempDir::new(&format!("report-{name}"))
}

/// A small slip as the simulated printer draws it, and its text.
fn slip(s: &DemoSummary, voucher: &str, copy: &str, kind: &str) -> (Vec<u8>, String) {
    let mut job = EscPos::new();
    job.init().align(Align::Center).bold(true).size(2, 2).line("POS").size(1, 1).line(copy).bold(false);
    job.align(Align::Left)
        .line(&format!("MID {}", s.merchant.mid))
        .line(&format!("TID {}", s.merchant.tid))
        .line(&format!("VOUCHER {voucher}"))
        .line(&format!("TYPE {kind}"))
        .line(&format!("DATE {}", s.day))
        .bold(true)
        .size(1, 2)
        .line("AMOUNT CNY 123.45")
        .size(1, 1)
        .bold(false)
        .line("CARD 622848******0018")
        .feed(2)
        .cut();
    let paper = print(&job.into_bytes(), 32);
    (to_png(&paper).expect("slip png"), paper.to_text())
}

/// Writes the report of `s` and every slip it refers to under `dir`; returns the HTML's path.
fn write_report(s: &DemoSummary, dir: &Path) -> PathBuf {
    let mut files: Vec<(String, String, String, String)> =
        s.receipts.iter().map(|r| (r.png.clone(), r.txt.clone(), r.voucher.clone(), r.copy.clone())).collect();
    if let Some(st) = &s.settlement {
        files.push((st.slip_png.clone(), st.slip_txt.clone(), st.batch.clone(), "settlement".into()));
    }
    for (png, txt, voucher, copy) in files {
        let (bytes, text) = slip(s, &voucher, &copy, "sale");
        for (rel, content) in [(png, bytes), (txt, text.into_bytes())] {
            let path = dir.join(rel);
            fs::create_dir_all(path.parent().expect("receipt directory")).expect("receipt directory");
            fs::write(path, content).expect("receipt file");
        }
    }
    fs::create_dir_all(dir).expect("output directory");
    let html = dir.join("report.html");
    fs::write(&html, render(s, None)).expect("report");
    html
}

#[test]
fn fixture_report_renders_in_chromium() {
    let dir = fresh_dir("fixture");
    let html = write_report(&fixture(), &dir.join("out"));
    support::assert_renders_in_chromium(&html, &dir.join("shots"));
}

#[test]
fn a_blank_page_fails_the_check() {
    // The check must be able to fail: an empty page has no ink, no chart and no images.
    let Some(browser) = support::chromium_or_skip() else { return };
    let dir = fresh_dir("blank");
    let html = dir.join("blank.html");
    fs::write(&html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>").expect("page");
    let png = dir.join("blank.png");
    support::screenshot(&browser, &html, &png, &dir);
    let m = support::decode(&png).measures();
    assert!(m.ink_permille < support::MIN_INK_PERMILLE, "{m:?}");
    assert!(m.colours < support::MIN_COLOURS, "{m:?}");
    assert!(m.bar_pixels < support::MIN_BAR_PIXELS, "{m:?}");
}

#[test]
fn a_report_without_images_fails_the_image_check() {
    // No slips and no settlement: the page is the same with or without its directory's files.
    if support::chromium_or_skip().is_none() {
        return;
    }
    let mut s = fixture();
    s.receipts.clear();
    s.settlement = None;
    let dir = fresh_dir("no-images");
    let html = write_report(&s, &dir.join("out"));
    let failed = std::panic::catch_unwind(|| support::assert_renders_in_chromium(&html, &dir.join("shots")));
    let message = match failed {
        Ok(()) => String::from("the check passed"),
        Err(e) => e.downcast_ref::<String>().cloned().unwrap_or_default(),
    };
    assert!(message.contains("the receipt images did not render"), "{message}");
}
