#![no_main]
//! Hostile configuration: the provisioning file (JSON, imported on first run) and the terminal
//! parameters document downloaded from the host (field 62): parsed or refused, never a panic.
use libfuzzer_sys::fuzz_target;
use pos_core::tms::params::TerminalParams;
use pos_core::Provisioning;

fuzz_target!(|data: &[u8]| {
    let Some((&which, doc)) = data.split_first() else { return };
    if which & 1 == 0 {
        if let Ok(p) = Provisioning::from_json(doc) {
            let written = p.to_json();
            let again = Provisioning::from_json(&written).expect("written provisioning parses");
            assert_eq!(*again.to_json(), *written);
        }
    } else {
        let _ = TerminalParams::parse(doc);
    }
});
