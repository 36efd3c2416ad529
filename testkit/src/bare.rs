//! The yardstick of the durable-commit benchmarks: a bare one-row commit into a table of its
//! own, in a file opened the way the terminal's store opens its own (WAL, `synchronous=FULL`,
//! `secure_delete`). One definition, so the journal bench and `scripts/bench.sh`'s baseline
//! measure the same thing.

use std::path::Path;

use rusqlite::Connection;

/// Opens (or creates) `bare.db` in `dir` with the store's settings and its one table.
pub fn bare_db(dir: &Path) -> Connection {
    let c = Connection::open(dir.join("bare.db")).expect("bare db");
    c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).expect("wal");
    c.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;
         CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload BLOB NOT NULL) STRICT;",
    )
    .expect("bare schema");
    c
}

/// One durable commit of one row holding `payload`.
pub fn bare_commit(c: &mut Connection, payload: &[u8]) {
    let tx = c.transaction().expect("tx");
    tx.execute("INSERT INTO t (payload) VALUES (?1)", [payload]).expect("insert");
    tx.commit().expect("commit");
}
