//! The end-to-end tests: the terminal core against the acquirer simulator over loopback, in
//! one test binary (one link instead of one per file; `cargo test -p pos-e2e --test e2e <filter>`
//! runs part of it, e.g. `offline::` or `crash::kill_restart`).
//!
//! They share a process, so nothing here may rely on being alone in it: each test has its own
//! temp dirs (`pos_testkit::TempDir`), simulators on free loopback ports, and the one tracing
//! subscriber is installed once (`pos_e2e::init_tracing`, `pos_e2e::LogCapture`). The crash
//! harness runs its terminal in child processes (the `crash_child` binary).

mod support;

mod blacklist;
mod ble_link_security;
mod ble_reader;
mod crash;
mod dst;
mod fleet_and_followups;
mod followups;
mod full_disk;
mod mitm;
mod oda;
mod offline;
mod online;
mod params;
mod receipt_reversal;
mod recovery;
mod reports;
mod reversal;
mod risk;
mod scan;
mod settlement;
mod settlement_crash;
mod tamper_lock;
mod tls;
mod tms;
mod traffic_interop;
mod transfer;
