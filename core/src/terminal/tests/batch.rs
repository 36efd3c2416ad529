//! Nothing goes backwards: a sign-in answer with a batch below the terminal's is refused.

use super::fake_host::HOST_BATCH;
use super::*;

#[tokio::test]
async fn a_host_batch_below_the_terminals_is_refused_and_nothing_changes() {
    let r = signed_in().await;
    // The terminal settled twice since; the host answers its old batch (its books were reset).
    let ours = BatchNo::new(HOST_BATCH + 2).unwrap();
    r.terminal.store().set_batch(ours).unwrap();
    let before = r.terminal.store().session().unwrap().unwrap();

    let e = r.terminal.sign_in().await.unwrap_err();
    assert_eq!(e, TerminalError::HostBatchBehind { ours, host: BatchNo::new(HOST_BATCH).unwrap() }.into());
    assert_eq!(r.terminal.store().batch().unwrap(), ours, "the terminal's batch is unchanged");
    let after = r.terminal.store().session().unwrap().unwrap();
    assert_eq!(after.mak, before.mak, "the keys in force are kept");
    assert_ne!(after.mak, r.host.keys().unwrap().mak, "the host's new keys were not taken");
    let (zh, en) = (e.zh(), e.en());
    assert!(
        zh.contains("000005") && zh.contains("000007") && zh.contains("倒退") && zh.contains("联系收单机构"),
        "{zh}"
    );
    assert!(en.contains("went backwards") && en.contains("nothing was changed") && en.contains("help desk"), "{en}");

    // Level again (the acquirer fixed its books): the sign-in goes through.
    r.terminal.store().set_batch(BatchNo::new(HOST_BATCH).unwrap()).unwrap();
    assert!(r.terminal.sign_in().await.unwrap().approved);
}

#[tokio::test]
async fn a_host_batch_at_or_above_the_terminals_is_adopted() {
    let r = signed_in().await;
    r.terminal.store().set_batch(BatchNo::new(1).unwrap()).unwrap();
    let o = r.terminal.sign_in().await.unwrap();
    assert!(o.approved);
    assert_eq!(o.batch.value(), HOST_BATCH, "a host ahead is followed");
    // Past the wrap (999999 is followed by 000001) the host is ahead, not behind.
    r.terminal.store().set_batch(BatchNo::new(999_999).unwrap()).unwrap();
    assert!(r.terminal.sign_in().await.unwrap().approved);
    assert_eq!(r.terminal.store().batch().unwrap().value(), HOST_BATCH);
}
