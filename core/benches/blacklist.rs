//! The card blacklist before an offline approval: lookups in a 1,000,000-entry list kept as
//! keyed fingerprints, and the memory the list takes.
//!
//! The list mixes what a national hot-card list holds: 6-digit BINs (1%), and the first 15 or 18
//! digits of 16- and 19-digit cards. A lookup computes one HMAC-SHA-256 per entry length present
//! (3 here; the reader's part) and binary-searches the sorted fingerprints (the phone's part);
//! listed and unlisted cards cost the same bound. Printed: the memory of the entries, and lookups per second.
//!
//! `cargo bench -p pos-core --bench blacklist`. Under `cargo test --benches` it runs once.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use pos_core::card::{DeviceSecret, Pan};
use pos_core::tms::blacklist::Blacklist;

const ENTRIES: u32 = 1_000_000;

/// Whether this is a real `cargo bench` run: criterion's test mode (`cargo test --benches`)
/// builds a 20,000-entry list and looks up 2,000 cards, the same code once.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A Luhn-valid number: `body` and its check digit.
fn pan(body: &str) -> Pan {
    (0..10).find_map(|c| Pan::parse(&format!("{body}{c}")).ok()).expect("a check digit fits")
}

fn entry(i: u32) -> String {
    match i % 100 {
        0 => format!("62{:04}", i / 100),
        1..=49 => format!("622848{:09}", i),
        _ => format!("621700{:012}", i),
    }
}

fn bench(c: &mut Criterion) {
    let secret = DeviceSecret::from_bytes([7; 32]);
    let built = Instant::now();
    let size = if benchmarking() { ENTRIES } else { 20_000 };
    let entries: Vec<String> = (0..size).map(entry).collect();
    let list = Blacklist::build(&secret, entries.iter().map(String::as_str)).expect("entries");
    println!(
        "blacklist: {} entries built in {:.2?}, {:.1} MB of fingerprints ({:.1} bytes an entry)",
        list.len(),
        built.elapsed(),
        list.memory_bytes() as f64 / 1e6,
        list.memory_bytes() as f64 / list.len().max(1) as f64,
    );
    // Entries of 15 and 18 digits list the 16- and 19-digit cards they begin.
    let listed = pan(&format!("622848{:09}", 2));
    assert!(list.contains(&secret, &listed));
    let clear = pan(&format!("955880{:09}", 2));
    assert!(!list.contains(&secret, &clear));
    let mut g = c.benchmark_group("blacklist");
    g.bench_function("lookup, card not listed", |b| b.iter(|| black_box(list.contains(&secret, black_box(&clear)))));
    g.bench_function("lookup, card listed", |b| b.iter(|| black_box(list.contains(&secret, black_box(&listed)))));
    g.bench_function("lookup, BIN listed", |b| {
        let bin = pan("620001000000000");
        assert!(list.contains(&secret, &bin));
        b.iter(|| black_box(list.contains(&secret, black_box(&bin))))
    });
    // The phone's part alone: the reader sent the card's prefix fingerprints with the read.
    let prefixes = pos_core::tms::blacklist::prefix_fingerprints(&secret, &clear, list.lengths());
    g.bench_function("phone side: prefix fingerprints looked up", |b| {
        b.iter(|| black_box(list.contains_any(black_box(&prefixes))))
    });
    g.finish();
    let n = if benchmarking() { 200_000 } else { 2_000 };
    let cards: Vec<Pan> = (0..n).map(|i| pan(&format!("9558{:011}", i))).collect();
    let started = Instant::now();
    let hits = cards.iter().filter(|p| list.contains(&secret, p)).count();
    let secs = started.elapsed().as_secs_f64();
    println!("blacklist: {:.0} lookups/s over {n} cards ({hits} listed)", n as f64 / secs);
}

criterion_group!(benches, bench);
criterion_main!(benches);
