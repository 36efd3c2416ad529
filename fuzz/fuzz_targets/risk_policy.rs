#![no_main]
//! A hostile risk policy file: parsed or refused with the field named, never a panic; a policy
//! that parses writes out and parses back the same.
use libfuzzer_sys::fuzz_target;
use pos_core::RiskPolicy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(policy) = RiskPolicy::from_json(text) {
        assert_eq!(RiskPolicy::from_json(&policy.to_json()).expect("written policy parses"), policy);
    }
});
