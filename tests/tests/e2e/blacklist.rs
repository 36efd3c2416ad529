//! The card blacklist against the simulator (`docs/terminal-management.md`): downloaded in full
//! and then incrementally, fingerprinted by the reader page by page (the journal holds no card
//! number), resumed after a cut, a damaged page refused, a rebuilt list downloaded again in full;
//! a listed card is never approved offline: it goes to the host, which declines it (62).

use crate::support::{sim_config, Lane};
use pos_acquirer_sim::{FaultMode, FaultPlan, RequestClass, TmsConfig, TxnStatus as HostStatus};
use pos_core::iso8583::TxnType;
use pos_core::provision::DEMO_TID;
use pos_core::terminal::TmsKind;
use pos_core::{Error, ErrorCode, OfflinePreference};
use pos_e2e::{cny, pan};

const FORCE: OfflinePreference = OfflinePreference::ForceOffline;

/// `n` made-up card numbers of 16 digits (none in the deck).
fn numbers(n: usize, seed: usize) -> Vec<String> {
    (0..n).map(|i| format!("99{:02}{:012}", seed % 100, i)).collect()
}

fn listing(entries: Vec<String>) -> TmsConfig {
    TmsConfig { blacklist: entries, ..Default::default() }
}

fn blacklist_state(lane: &Lane) -> pos_core::terminal::TmsState {
    lane.terminal.downloads().unwrap().into_iter().find(|(k, _)| *k == TmsKind::Blacklist).unwrap().1
}

#[tokio::test(start_paused = true)]
async fn the_blacklist_downloads_in_full_then_incrementally_and_again_in_full_when_rebuilt() {
    let mut sim = sim_config();
    // The offline card's BIN and 60 numbers: three pages of field 62.
    let mut first = vec![pan("offline")[..6].to_string()];
    first.extend(numbers(60, 1));
    sim.tms = listing(first.clone());
    let lane = Lane::start_with(sim, |_| {}).await;
    let report = lane.terminal.download_blacklist(false).await.unwrap();
    assert_eq!((report.kind, report.entries, report.from, report.resumed_at), (TmsKind::Blacklist, 61, 0, 0));
    let state = blacklist_state(&lane);
    assert_eq!((state.entries, state.host_next, state.lengths), (61, 61, (1 << 6) | (1 << 16)));

    // The acquirer adds entries at the end: its next answer asks for the list (requirement 7),
    // and the terminal continues from its last index, adding.
    let mut grown = first.clone();
    grown.extend(numbers(5, 2));
    lane.sim.set_tms(listing(grown.clone())).unwrap();
    lane.terminal.echo().await.unwrap();
    assert_eq!(lane.terminal.downloads_due().unwrap(), vec![TmsKind::Blacklist]);
    let done = lane.terminal.run_due_downloads().await.unwrap();
    assert_eq!((done[0].entries, done[0].from), (66, 61), "incremental, from index 61");
    assert!(lane.terminal.downloads_due().unwrap().is_empty());

    // The acquirer rebuilds its list (the BIN is taken off): the terminal's index means nothing
    // there, the host says so (25) and the terminal downloads it in full, replacing its list.
    let rebuilt = numbers(10, 3);
    lane.sim.set_tms(listing(rebuilt)).unwrap();
    let again = lane.terminal.download_blacklist(false).await.unwrap();
    assert_eq!((again.entries, again.from), (10, 0), "in full");
    assert_eq!(blacklist_state(&lane).lengths, 1 << 16, "the 6-digit entry went with the old list");

    // The journal keeps fingerprints only: no entry's digits are in the database file.
    let db = std::fs::read(lane.dir.path().join("pos.db")).unwrap_or_default();
    let text = String::from_utf8_lossy(&db);
    assert!(!db.is_empty());
    assert!(!first.iter().chain(&grown).any(|e| text.contains(e.as_str())), "no listed number in clear");
}

#[tokio::test(start_paused = true)]
async fn a_blacklist_download_cut_mid_way_resumes_and_a_damaged_page_is_refused() {
    let mut sim = sim_config();
    sim.tms = listing(numbers(100, 4));
    let lane = Lane::start_with(sim, |_| {}).await;
    // The answer to the third page is lost: two pages are staged, nothing applied.
    lane.sim.faults().set(DEMO_TID, FaultPlan::once(FaultMode::DropResponse).on(RequestClass::Network).after(2));
    let e = lane.terminal.download_blacklist(false).await.unwrap_err();
    assert!(e.is_network(), "{e:?}");
    let state = blacklist_state(&lane);
    assert_eq!(state.entries, 0, "nothing applied before the end message");
    let staged_at = state.staging_next.expect("an unfinished download");
    assert!(staged_at > 0 && staged_at < 100, "{staged_at}");
    assert_eq!(lane.terminal.downloads_due().unwrap(), vec![TmsKind::Blacklist], "an unfinished download is due");

    // The page from there comes back damaged: refused, the staged pages stay.
    lane.sim.set_tms(TmsConfig { corrupt_blacklist_page_at: Some(staged_at), ..listing(numbers(100, 4)) }).unwrap();
    let e = lane.terminal.download_blacklist(false).await.unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    assert_eq!(blacklist_state(&lane).staging_next, Some(staged_at));

    lane.sim.set_tms(listing(numbers(100, 4))).unwrap();
    let report = lane.terminal.download_blacklist(false).await.unwrap();
    assert_eq!((report.entries, report.resumed_at, report.from), (100, staged_at, 0));
}

#[tokio::test(start_paused = true)]
async fn a_listed_card_is_never_approved_offline_and_the_host_declines_it() {
    let mut sim = sim_config();
    sim.tms = listing(vec![pan("offline").to_string()]);
    let lane = Lane::start_with(sim, |_| {}).await;
    // Before the list is downloaded the card pays offline like any other.
    lane.present("offline");
    let o = lane.terminal.sale_with(cny(1_000), FORCE).await.unwrap();
    assert!(o.approved && o.txn == TxnType::OfflineSale, "{o:?}");
    lane.terminal.download_blacklist(false).await.unwrap();

    // Forced offline, the listed card goes to the host on the same read, which declines it.
    lane.present("offline");
    let o = lane.terminal.sale_with(cny(1_000), FORCE).await.unwrap();
    assert!(!o.approved && o.txn == TxnType::Sale, "{o:?}");
    assert_eq!(o.response_code.as_str(), "62");
    let row = lane.host_row(o.stan.value()).expect("the host saw it");
    assert_eq!(row.status, HostStatus::Declined);
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 1, "only the first payment is stored");

    // With no network at all it is refused, and nothing is stored.
    lane.terminal.set_connectivity(false);
    lane.fault(FaultMode::Close, 10, RequestClass::Financial);
    lane.present("offline");
    let e = lane.terminal.sale_with(cny(1_000), OfflinePreference::PreferOnline).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::OfflineBlacklisted, "{e:?}");
    assert!(pos_core::Bilingual::zh(&e).contains("黑名单"), "{}", pos_core::Bilingual::zh(&e));
    assert_eq!(lane.terminal.queue_stats().unwrap().count, 1);

    // Another card still pays offline.
    lane.present("contactless");
    let o = lane.terminal.sale_with(cny(1_000), FORCE).await.unwrap();
    assert!(o.approved && o.txn == TxnType::OfflineSale, "{o:?}");
}

/// A reader that leaves out the prefix fingerprints it was asked for: a card it reads could not
/// be looked up, so the read is refused before anything uses it.
struct ForgetsPrefixes(std::sync::Arc<pos_core::SoftwareReader>);

#[async_trait::async_trait]
impl pos_core::CardReader for ForgetsPrefixes {
    fn device_info(&self) -> pos_core::DeviceInfo {
        self.0.device_info()
    }
    async fn load_working_keys(
        &self,
        keys: &pos_core::crypto::EncryptedWorkingKeys,
    ) -> Result<pos_core::ReaderKeyAck, pos_core::ReaderError> {
        self.0.load_working_keys(keys).await
    }
    async fn read_card(&self, request: pos_core::CardRequest) -> Result<pos_core::CardRead, pos_core::ReaderError> {
        let mut read = self.0.read_card(request).await?;
        read.prefix_fingerprints.clear();
        Ok(read)
    }
    async fn fingerprint_entries(
        &self,
        entries: &[String],
    ) -> Result<Vec<pos_core::tms::blacklist::EntryFingerprint>, pos_core::ReaderError> {
        self.0.fingerprint_entries(entries).await
    }
    async fn load_chip_parameters(
        &self,
        keys: &[pos_core::tms::capk::CaPublicKey],
        aids: &[pos_core::tms::aid::IcParams],
    ) -> Result<pos_core::ChipParamsHeld, pos_core::ReaderError> {
        self.0.load_chip_parameters(keys, aids).await
    }
    async fn cancel(&self) -> Result<(), pos_core::ReaderError> {
        self.0.cancel().await
    }
    async fn unlock_challenge(&self) -> Result<String, pos_core::ReaderError> {
        self.0.unlock_challenge().await
    }
    async fn unlock(&self, code: &str) -> Result<(), pos_core::ReaderError> {
        self.0.unlock(code).await
    }
    async fn help_desk_reset(&self, code: &str) -> Result<(), pos_core::ReaderError> {
        self.0.help_desk_reset(code).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_read_without_the_prefix_fingerprints_asked_for_is_refused() {
    let mut sim = sim_config();
    sim.tms = listing(vec![pan("offline").to_string()]);
    let lane = Lane::start_with(sim, |_| {}).await;
    lane.terminal.download_blacklist(false).await.unwrap();
    // The same directory and reader, opened behind the forgetful wrapper.
    let vault = std::sync::Arc::new(pos_core::crypto::FileVault::open_or_create(lane.dir.join("vault.key")).unwrap());
    let config = lane.config.clone();
    let (dir, reader, clock) = (lane.dir.path().to_path_buf(), lane.reader.clone(), lane.clock.clone());
    drop(lane.terminal);
    let terminal = pos_e2e::open_retrying(|| {
        pos_core::terminal::Terminal::open(
            &dir,
            config.clone(),
            vault.clone(),
            std::sync::Arc::new(ForgetsPrefixes(reader.clone())),
            clock.clone(),
        )
    })
    .unwrap();
    reader.present("offline").unwrap();
    let rows = lane.sim.ledger().transactions_for(DEMO_TID).unwrap().len();
    let e = terminal.sale_with(cny(1_000), FORCE).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::ReaderProtocol, "{e:?}");
    assert_eq!(terminal.queue_stats().unwrap().count, 0, "nothing approved offline");
    assert_eq!(lane.sim.ledger().transactions_for(DEMO_TID).unwrap().len(), rows, "nothing sent");
}
