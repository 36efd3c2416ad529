//! A small scripted acquirer for the terminal's unit tests: signs in with fresh keys under the
//! demo TMK, checks MACs, decrypts tracks and PIN blocks, and answers from the deck.
//! (The end-to-end tests in `pos-e2e` run against the real simulator instead.)

use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::acquirer::framing::read_frame;
use crate::card::Track2;
use crate::crypto::{
    build_working_keys, decrypt_track, decrypt_whole_track, generate_working_keys, pin_from_format0, tdes, KeyMode,
    MacAlgorithm, SecretKey, WorkingKeys,
};
use crate::deck::{self, CardStatus};
use crate::iso8583::{
    check_mac, encode_signed, unionpay, AdminRequest, AdminResponse, BatchNo, FinancialRequest, FinancialResponse,
    Frame, MacCheck, Message, NetCode, TxnType,
};
use crate::provision::DEMO_TMK_HEX;
use crate::response_code::ResponseCode;

/// How the host misbehaves for the next financial request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Answers correctly.
    Normal,
    /// Answers with a MAC under the wrong key.
    BadMac,
    /// Never answers.
    Silent,
    /// Echoes a different amount.
    WrongAmount,
    /// Answers with this response code.
    Code(&'static str),
}

/// What the host saw of the last financial request.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub txn: Option<TxnType>,
    pub clear_pin: Option<String>,
    pub track2_clear: Option<String>,
    pub had_field55: bool,
    pub mac: Option<MacCheck>,
    pub original_rrn: Option<String>,
    pub original_auth: Option<String>,
    pub field61: Option<String>,
}

#[derive(Default)]
struct State {
    keys: Option<WorkingKeys>,
    script: Option<Script>,
    seen: Seen,
    rrn: u32,
    /// STANs of the reversals received, in order (repeats included).
    reversals: Vec<u32>,
    /// When set, reversals go unanswered.
    ignore_reversals: bool,
}

/// The running host.
#[derive(Clone)]
pub(crate) struct FakeHost {
    pub addr: String,
    state: Arc<Mutex<State>>,
}

pub(crate) const HOST_BATCH: u32 = 5;

impl FakeHost {
    pub async fn start() -> FakeHost {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let host = FakeHost { addr, state: Arc::new(Mutex::new(State::default())) };
        let h = host.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let h = h.clone();
                tokio::spawn(async move {
                    while let Ok(Some(req)) = read_frame(&mut s, 4096, std::time::Duration::from_secs(5)).await {
                        if let Some(resp) = h.answer(&req) {
                            if s.write_all(&resp).await.is_err() {
                                break;
                            }
                        }
                    }
                });
            }
        });
        host
    }

    pub fn script(&self, s: Script) {
        self.state.lock().unwrap().script = Some(s);
    }

    pub fn seen(&self) -> Seen {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn keys(&self) -> Option<WorkingKeys> {
        self.state.lock().unwrap().keys.clone()
    }

    /// STANs of the reversals received so far.
    pub fn reversals(&self) -> Vec<u32> {
        self.state.lock().unwrap().reversals.clone()
    }

    /// Stops (or resumes) answering reversals.
    pub(crate) fn ignore_reversals(&self, ignore: bool) {
        self.state.lock().unwrap().ignore_reversals = ignore;
    }

    fn answer(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let (frame, layout) = Frame::decode_with_layout(unionpay(), bytes).ok()?;
        let m = &frame.message;
        let reply = |msg: Message, mak: Option<&SecretKey>| {
            let f = Frame::new(frame.tpdu.swapped(), frame.header, msg);
            match mak {
                Some(k) => encode_signed(&f, unionpay(), MacAlgorithm::UnionPayEcb, k).ok(),
                None => f.encode(unionpay()).ok(),
            }
        };
        match m.mti().as_str() {
            "0800" | "0820" => {
                let req = AdminRequest::from_message(m).ok()?;
                let mut key_block = None;
                if let crate::iso8583::AdminKind::SignIn(code) = req.kind {
                    let mode = KeyMode::from_code(&format!("{:03}", code.code())).ok()?;
                    let keys = generate_working_keys(mode).ok()?;
                    let tmk = SecretKey::from_hex(DEMO_TMK_HEX).ok()?;
                    key_block = Some(build_working_keys(mode, &keys, &tmk).ok()?);
                    self.state.lock().unwrap().keys = Some(keys);
                }
                let net = match &req.kind {
                    crate::iso8583::AdminKind::SignIn(c) => *c,
                    crate::iso8583::AdminKind::SignOff => NetCode::SignOff,
                    _ => NetCode::Echo,
                };
                let resp = AdminResponse {
                    mti: m.mti().response(),
                    net,
                    response_code: ResponseCode::APPROVED,
                    stan: req.stan,
                    tid: req.tid,
                    mid: req.mid,
                    batch: BatchNo::new(HOST_BATCH)?,
                    time: Some("101010".into()),
                    date: Some("0301".into()),
                    rrn: None,
                    totals: None,
                    key_block,
                };
                reply(resp.to_message(false).ok()?, None)
            }
            "0400" => {
                let mut st = self.state.lock().unwrap();
                let keys = st.keys.clone()?;
                let req = FinancialRequest::from_message(m).ok()?;
                st.reversals.push(req.stan.value());
                if st.ignore_reversals {
                    return None;
                }
                drop(st);
                let resp = FinancialResponse {
                    txn: req.txn,
                    response_code: ResponseCode::APPROVED,
                    stan: req.stan,
                    tid: req.tid,
                    mid: req.mid,
                    amount: req.amount,
                    batch: req.batch,
                    time: Some("101012".into()),
                    date: Some("0301".into()),
                    settlement_date: None,
                    rrn: None,
                    auth_code: None,
                    institutions: None,
                    balance: None,
                    icc: None,
                };
                let mut msg = resp.to_message(true).ok()?;
                msg.set_mti(crate::iso8583::Mti::new("0410").ok()?);
                reply(msg, Some(&keys.mak))
            }
            _ => {
                let mut st = self.state.lock().unwrap();
                let script = st.script.take().unwrap_or(Script::Normal);
                if script == Script::Silent {
                    return None;
                }
                let keys = st.keys.clone()?;
                let req = FinancialRequest::from_message(m).ok()?;
                let mac = check_mac(bytes, &layout, MacAlgorithm::UnionPayEcb, &keys.mak);
                let track2 = req.card.track2.as_deref().and_then(|t| match &keys.tdk {
                    Some(tdk) if req.card.security.is_some_and(|s| s.whole_track) => decrypt_whole_track(tdk, t).ok(),
                    Some(tdk) => decrypt_track(tdk, t).ok(),
                    None => Some(t.to_string()),
                });
                let parsed = track2.as_deref().and_then(|t| Track2::parse(t).ok());
                let card = parsed.as_ref().and_then(|t| deck::DECK.iter().find(|c| c.pan == t.pan().as_digits()));
                let clear_pin = match (req.card.pin_block, card) {
                    (Some(pb), Some(c)) => {
                        let block = tdes::decrypt_block(&keys.pik, &pb);
                        pin_from_format0(&block, c.pan).ok().map(|p| p.as_str().to_string())
                    }
                    _ => None,
                };
                st.seen = Seen {
                    txn: Some(req.txn),
                    clear_pin: clear_pin.clone(),
                    track2_clear: track2.clone(),
                    had_field55: req.card.icc.is_some(),
                    mac: Some(mac),
                    original_rrn: req.original_rrn.clone(),
                    original_auth: req.original_auth.clone(),
                    field61: m.get_str(61).map(str::to_string),
                };
                st.rrn += 1;
                let rrn = format!("{:012}", st.rrn);
                drop(st);
                let code = match (script, card) {
                    (Script::Code(c), _) => c,
                    (_, None) => "14",
                    _ if mac != MacCheck::Valid => "A0",
                    (_, Some(c)) if c.status == CardStatus::Lost => "41",
                    (_, Some(c)) if clear_pin.as_deref().is_some_and(|p| p != c.pin) => "55",
                    (_, Some(c)) if req.amount.is_some_and(|a| a.minor() > c.funds) => "51",
                    _ => "00",
                };
                let mut amount = req.amount;
                if script == Script::WrongAmount {
                    amount = amount.and_then(|a| crate::money::Amount::cny(a.minor() + 1).ok());
                }
                let resp = FinancialResponse {
                    txn: req.txn,
                    response_code: ResponseCode::parse(code)?,
                    stan: req.stan,
                    tid: req.tid,
                    mid: req.mid,
                    amount,
                    batch: req.batch,
                    time: Some("101011".into()),
                    date: Some("0301".into()),
                    settlement_date: None,
                    rrn: Some(rrn),
                    auth_code: (code == "00").then(|| "AB1234".to_string()),
                    institutions: None,
                    balance: (req.txn == TxnType::BalanceInquiry && code == "00")
                        .then(|| format!("1002156C{:012}", card.map(|c| c.funds).unwrap_or(0))),
                    icc: None,
                };
                let msg = resp.to_message(code == "00").ok()?;
                let wrong = SecretKey::from_hex("0123456789ABCDEF").ok()?;
                let mak = if script == Script::BadMac { &wrong } else { &keys.mak };
                reply(msg, (code == "00").then_some(mak))
            }
        }
    }
}
