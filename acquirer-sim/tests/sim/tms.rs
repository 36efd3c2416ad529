//! Terminal management at the simulator (`docs/terminal-management.md`): the CA public key and
//! IC parameter queries and downloads, and the blacklist pages, as a terminal of the profile
//! asks for them; a listed card is declined online.

use pos_core::iso8583::{AdminKind, Management};
use pos_core::tms::aid::{self, IcParams};
use pos_core::tms::blacklist::{self, IndexWidth, PageFlag};
use pos_core::tms::capk::{self, CaPublicKey};

use super::terminal::Term;

fn mgmt(m: Management) -> AdminKind {
    AdminKind::Management(m)
}

#[tokio::test]
async fn keys_and_chip_parameters_download_one_by_one_and_verify() {
    let sim = super::start(super::demo()).await;
    let mut t = Term::demo(&sim).await;
    let list = t.call_unsigned(mgmt(Management::CapkQuery { held: 0 })).await;
    assert_eq!((list.mti.as_str(), list.net.code(), list.response_code.as_str()), ("0830", 372, "00"));
    let f62 = list.key_block.expect("the key list");
    assert_eq!(f62[0], b'1', "the whole list in one answer");
    let entries = capk::parse_key_list(&f62[1..]).unwrap();
    assert_eq!(entries.len(), 5, "the published test keys and the project's test CA");
    for e in &entries {
        let one = t.call_unsigned(mgmt(Management::CapkDownload(capk::key_request(&e.id)))).await;
        assert_eq!((one.mti.as_str(), one.net.code()), ("0810", 370));
        let f62 = one.key_block.expect("the key");
        assert_eq!(f62[0], b'1');
        let key = CaPublicKey::from_tlv(&f62[1..]).unwrap_or_else(|err| panic!("{}: {err}", e.id.label()));
        assert_eq!((key.id, key.expiry), (e.id, e.expiry));
    }
    let unknown = capk::CapkId { rid: [0xA0, 0, 0, 3, 0x33], index: 0x99 };
    let none = t.call_unsigned(mgmt(Management::CapkDownload(capk::key_request(&unknown)))).await;
    assert_eq!(none.key_block.as_deref(), Some(&b"0"[..]), "no such key");
    let end = t.call_unsigned(mgmt(Management::CapkEnd)).await;
    assert_eq!((end.mti.as_str(), end.net.code(), end.response_code.as_str()), ("0810", 371, "00"));
    // Asked again past what it holds: nothing left.
    let rest = t.call_unsigned(mgmt(Management::CapkQuery { held: 5 })).await;
    assert_eq!(rest.key_block.as_deref(), Some(&b"0"[..]));

    let aids = t.call_unsigned(mgmt(Management::AidQuery { held: 0 })).await;
    let f62 = aids.key_block.expect("the AID list");
    let listed = aid::parse_aid_list(&f62[1..]).unwrap();
    assert_eq!(listed.len(), 3);
    for a in &listed {
        let one = t.call_unsigned(mgmt(Management::AidDownload(aid::encode_aid_list(std::slice::from_ref(a))))).await;
        let f62 = one.key_block.expect("the parameters");
        let p = IcParams::from_tlv(&f62[1..]).unwrap();
        assert_eq!(&p.aid, a);
        assert_eq!(p.cl_cvm_limit, Some(30_000));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_damaged_key_is_served_as_configured_and_the_terminal_refuses_it() {
    let mut config = super::demo();
    let mut damaged = hex::decode(&config.tms.capks[0]).unwrap();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x01; // the check sum's last byte
    config.tms.capks = vec![hex::encode_upper(damaged)];
    let sim = super::start(config).await;
    let mut t = Term::demo(&sim).await;
    let f62 = t.call_unsigned(mgmt(Management::CapkQuery { held: 0 })).await.key_block.unwrap();
    let id = capk::parse_key_list(&f62[1..]).unwrap()[0].id;
    let f62 = t.call_unsigned(mgmt(Management::CapkDownload(capk::key_request(&id)))).await.key_block.unwrap();
    assert!(matches!(CaPublicKey::from_tlv(&f62[1..]), Err(pos_core::tms::TmsError::ChecksumMismatch { .. })));
    sim.shutdown().await;
}

#[tokio::test]
async fn the_blacklist_comes_in_pages_of_either_width_and_a_listed_card_is_declined_online() {
    let mut config = super::demo();
    let debit = pos_core::deck::find("debit").unwrap().pan.to_string();
    let mut list: Vec<String> = (0..150).map(|i| format!("62170000{i:011}")).collect();
    list.push(debit[..10].to_string());
    config.tms.blacklist = list.clone();
    let sim = super::start(config).await;
    let mut t = Term::signed_in(&sim).await;
    for width in [IndexWidth::Profile, IndexWidth::Wide] {
        let mut got = Vec::new();
        let mut start = 0;
        for _ in 0..20 {
            let a = t.call_unsigned(mgmt(Management::BlacklistPage(blacklist::page_request(start, width)))).await;
            assert_eq!((a.mti.as_str(), a.net.code()), ("0810", 390));
            let page = blacklist::parse_page(&a.key_block.unwrap(), width).unwrap();
            assert_eq!(page.last_index as usize, got.len() + page.entries.len() - 1);
            got.extend(page.entries);
            start = page.last_index + 1;
            if page.flag == PageFlag::Last {
                break;
            }
            assert_eq!(page.flag, PageFlag::More);
        }
        assert_eq!(got, list, "every entry once, in order, over several pages");
    }
    let end = t.call_unsigned(mgmt(Management::BlacklistEnd)).await;
    assert_eq!((end.net.code(), end.response_code.as_str()), (391, "00"));
    let (_, resp) = t.sale("debit", 1_000).await;
    assert_eq!(resp.response_code.as_str(), "62", "a listed card is declined online");
    let (_, resp) = t.sale("credit", 1_000).await;
    assert!(resp.response_code.is_approved());
    super::invariants(&sim);
    sim.shutdown().await;
}
