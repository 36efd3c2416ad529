//! Group commit: requests that reach the ledger while another is being decided share its
//! SQLite transaction and its one commit (one fsync under `synchronous=FULL`), each in a
//! savepoint of its own, so a request that fails rolls back alone.
//!
//! Nobody is answered before the commit that holds their rows: a request whose work is done
//! while another waits at the door leaves the commit to the last one of the group and waits
//! for it. A group is at most [`MAX_GROUP`] requests, so a busy host still commits often.
//! With one request at a time this is a plain transaction per request.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use crate::error::LedgerError;

/// Most requests sharing one commit.
pub(crate) const MAX_GROUP: usize = 64;
/// Failed commits remembered for the requests of their group still to wake up.
const FAILED_KEPT: usize = 1_024;

/// The ledger's one connection, with the group being written.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    writer: Mutex<Writer>,
    /// Signalled after every commit (or failed commit).
    committed: Condvar,
    /// Requests waiting for the connection: while there are any, the one writing leaves the
    /// commit to them.
    arriving: AtomicUsize,
}

#[derive(Debug)]
struct Writer {
    conn: Connection,
    /// The group whose transaction is open, if any.
    open: Option<u64>,
    /// Requests in the open group.
    members: usize,
    /// The last group number given.
    last_group: u64,
    /// Groups up to this one are committed or failed.
    done: u64,
    /// Groups whose commit failed, with SQLite's reason.
    failed: BTreeMap<u64, String>,
    /// Commits made (for the tests and the figures).
    commits: u64,
}

/// The connection, for reads (it sees the open group's writes, which commit or fail together).
pub(crate) struct ConnGuard<'a>(MutexGuard<'a, Writer>);

impl Deref for ConnGuard<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0.conn
    }
}

impl GroupCommit {
    /// Wraps the ledger's connection.
    pub(crate) fn new(conn: Connection) -> GroupCommit {
        let writer =
            Writer { conn, open: None, members: 0, last_group: 0, done: 0, failed: BTreeMap::new(), commits: 0 };
        GroupCommit { writer: Mutex::new(writer), committed: Condvar::new(), arriving: AtomicUsize::new(0) }
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        // A panic inside a request is caught in `transact` and its savepoint rolled back, so
        // the connection is consistent even if the mutex was poisoned elsewhere.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection for reading.
    pub(crate) fn lock(&self) -> ConnGuard<'_> {
        ConnGuard(self.writer())
    }

    /// Runs `f` in a savepoint of the open group (opening one if none is), kept when `f`
    /// succeeds, and returns once the group's commit is durable; a failed commit fails
    /// every request of the group.
    pub(crate) fn transact<T, E: From<LedgerError>>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut w = self.writer();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        let group = match w.open {
            Some(g) => g,
            None => {
                w.conn.execute_batch("BEGIN IMMEDIATE").map_err(LedgerError::from)?;
                w.last_group += 1;
                w.members = 0;
                w.open = Some(w.last_group);
                w.last_group
            }
        };
        w.members += 1;
        let out = match w.conn.execute_batch("SAVEPOINT request") {
            Ok(()) => {
                let ran = catch_unwind(AssertUnwindSafe(|| f(&w.conn)));
                let kept = matches!(ran, Ok(Ok(_)));
                let end = if kept { "RELEASE request" } else { "ROLLBACK TO request; RELEASE request" };
                let ended = w.conn.execute_batch(end);
                match ran {
                    Err(panic) => {
                        // Rolled back above; the group still commits for the others.
                        self.commit(&mut w, group);
                        drop(w);
                        resume_unwind(panic);
                    }
                    Ok(out) => match ended {
                        Ok(()) => out,
                        // The savepoint could not end: nothing of this group can be trusted.
                        Err(e) => {
                            let _ = w.conn.execute_batch("ROLLBACK");
                            w.open = None;
                            self.fail(&mut w, group, e.to_string());
                            Err(LedgerError::from(e).into())
                        }
                    },
                }
            }
            Err(e) => Err(LedgerError::from(e).into()),
        };
        if w.open == Some(group) {
            if self.arriving.load(Ordering::SeqCst) > 0 && w.members < MAX_GROUP {
                // Another request is at the door: it joins this transaction, and the last one commits.
                while w.done < group {
                    w = self.committed.wait(w).unwrap_or_else(PoisonError::into_inner);
                }
            } else {
                self.commit(&mut w, group);
            }
        }
        match w.failed.get(&group) {
            Some(reason) => Err(LedgerError::CommitFailed(reason.clone()).into()),
            None => out,
        }
    }

    /// Commits the open group and wakes its members.
    fn commit(&self, w: &mut Writer, group: u64) {
        w.open = None;
        if let Err(e) = w.conn.execute_batch("COMMIT") {
            let _ = w.conn.execute_batch("ROLLBACK");
            self.fail(w, group, e.to_string());
            return;
        }
        w.done = group;
        w.commits += 1;
        self.committed.notify_all();
    }

    /// Commits made so far.
    pub(crate) fn commits(&self) -> u64 {
        self.writer().commits
    }

    fn fail(&self, w: &mut Writer, group: u64, reason: String) {
        w.failed.insert(group, reason);
        while w.failed.len() > FAILED_KEPT {
            w.failed.pop_first();
        }
        w.done = group;
        self.committed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ledger() -> Arc<GroupCommit> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER NOT NULL)").unwrap();
        Arc::new(GroupCommit::new(conn))
    }

    fn count(g: &GroupCommit, sql: &str) -> i64 {
        g.lock().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Eight writers at once: every write lands, in fewer commits than writes, and a write
    /// that fails rolls back alone.
    #[test]
    fn writers_at_once_share_commits_and_a_failure_stays_alone() {
        let g = ledger();
        let threads: Vec<_> = (0..8)
            .map(|who| {
                let g = g.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let r = g.transact(|c| -> Result<(), LedgerError> {
                            c.execute("INSERT INTO t (who) VALUES (?1)", [who])?;
                            // Long enough for the others to queue at the door.
                            std::thread::sleep(std::time::Duration::from_micros(200));
                            if who == 7 && i % 10 == 0 {
                                return Err(LedgerError::Corrupt("refused".into()));
                            }
                            Ok(())
                        });
                        assert_eq!(r.is_err(), who == 7 && i % 10 == 0);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(count(&g, "SELECT COUNT(*) FROM t WHERE who < 7"), 7 * 50);
        assert_eq!(count(&g, "SELECT COUNT(*) FROM t WHERE who = 7"), 45, "the 5 refused rolled back alone");
        let commits = g.commits();
        assert!(commits < 395, "{commits} commits for 395 writes: nothing was grouped");
        assert!(g.writer().open.is_none(), "no group left open");
    }

    /// A panic inside a request rolls back its savepoint and the group still commits.
    #[test]
    fn a_panicking_request_rolls_back_alone() {
        let g = ledger();
        g.transact(|c| c.execute("INSERT INTO t (who) VALUES (1)", []).map_err(LedgerError::from)).unwrap();
        let g2 = g.clone();
        let panicked = std::thread::spawn(move || {
            g2.transact(|c| -> Result<(), LedgerError> {
                c.execute("INSERT INTO t (who) VALUES (2)", [])?;
                panic!("a bug in a rule");
            })
        })
        .join();
        assert!(panicked.is_err());
        g.transact(|c| c.execute("INSERT INTO t (who) VALUES (3)", []).map_err(LedgerError::from)).unwrap();
        assert_eq!(count(&g, "SELECT COUNT(*) FROM t WHERE who = 2"), 0);
        assert_eq!(count(&g, "SELECT COUNT(*) FROM t"), 2);
    }
}
