//! The CLI's integration tests in one binary (one link instead of one per file;
//! `cargo test -p pos-cli --test cli <filter>` runs part of it, e.g. `sim_cli::`). Each test
//! runs the built `pos` as child processes, in temp dirs of its own, against `pos sim` on free
//! loopback ports, so the tests share nothing but the simulators' TLS folder (`common::sim_tls_dir`,
//! whose CA the simulators agree on).

mod common;

mod blacklist_cli;
mod conventions_cli;
mod demo_cli;
mod frame_cli;
mod operator_cli;
mod owner_cli;
mod params_cli;
mod provision_cli;
mod queue_cli;
mod retention_cli;
mod salvage_cli;
mod sim_cli;
mod terminal_cli;
mod transfer_cli;
