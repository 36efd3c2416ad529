//! The demo's integration tests in one binary (one link instead of one per file;
//! `cargo test -p pos-demo --test demo <filter>` runs part of it). Each day plays against its
//! own simulator on a free loopback port and writes to a temp dir of its own; each Chromium
//! run gets its own profile directory.

mod support;

mod day;
mod report_renders;
