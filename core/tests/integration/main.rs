//! pos-core's integration tests in one binary (one link instead of one per file;
//! `cargo test -p pos-core --test integration <filter>` runs part of it, e.g. `codec_props::`).
//! The pyiso8583 bridge is shared by the interop and frame corpus tests: one venv, one
//! Python process for the binary.

#[path = "../interop/bridge.rs"]
mod bridge;

mod card;
mod codec_props;
mod crypto_vectors;
mod frames_corpus;
mod interop_pyiso8583;
mod profile_and_signin;
