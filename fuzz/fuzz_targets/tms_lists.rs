#![no_main]
//! Hostile terminal-management answers: AID lists, CA key lists and requests, blacklist pages
//! and page requests. Parsed or refused, never a panic.
use libfuzzer_sys::fuzz_target;
use pos_core::tms::{aid, blacklist, capk};

fuzz_target!(|data: &[u8]| {
    let Some((&which, doc)) = data.split_first() else { return };
    match which % 6 {
        0 => drop(aid::parse_aid_list(doc)),
        1 => drop(capk::parse_key_list(doc)),
        2 => drop(capk::parse_key_request(doc)),
        3 => drop(blacklist::parse_page_request(doc)),
        4 => drop(blacklist::parse_page(doc, blacklist::IndexWidth::Profile)),
        _ => drop(blacklist::parse_page(doc, blacklist::IndexWidth::Wide)),
    }
});
