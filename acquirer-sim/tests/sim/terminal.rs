//! A minimal test terminal over pos-core's typed builders: signs in, builds PIN blocks and
//! encrypted tracks like the reader would, signs requests and checks answers' MACs.

use std::time::Duration;

use pos_acquirer_sim::SimHandle;
use pos_core::crypto::{
    encrypt_track, parse_working_keys, pin_block_format0, tdes, KeyMode, MacAlgorithm, SecretKey, WorkingKeys,
};
use pos_core::deck::{self, Presentation, TestCard};
use pos_core::iso8583::{
    check_mac, encode_signed, reversal_of, unionpay, AdminKind, AdminRequest, AdminResponse, BatchNo, CardFields,
    EntryMethod, EntryMode, FinancialRequest, FinancialResponse, Frame, Header, MacCheck, MerchantId, Message, NetCode,
    OriginalData, SecurityControl, Stan, TerminalId, Tpdu, TxnType,
};
use pos_core::provision;
use pos_core::Amount;
use pos_core::ResponseCode;

use super::client::{Client, Recv};

pub struct Term {
    pub tid: TerminalId,
    pub mid: MerchantId,
    pub tmk: SecretKey,
    pub mac: MacAlgorithm,
    pub keys: Option<WorkingKeys>,
    pub batch: BatchNo,
    pub stan: u32,
    pub client: Client,
}

impl Term {
    pub async fn new(sim: &SimHandle, tid: &str, mid: &str, tmk_hex: &str) -> Term {
        Term::with_client(Client::to(sim).await, tid, mid, tmk_hex)
    }

    /// Over TLS pinned to `ca_pem` (the standalone binary's `ca.pem`).
    pub async fn new_at(addr: std::net::SocketAddr, ca_pem: &str, tid: &str, mid: &str, tmk_hex: &str) -> Term {
        Term::with_client(Client::connect_tls(addr, ca_pem).await, tid, mid, tmk_hex)
    }

    fn with_client(client: Client, tid: &str, mid: &str, tmk_hex: &str) -> Term {
        Term {
            tid: TerminalId::new(tid).unwrap(),
            mid: MerchantId::new(mid).unwrap(),
            tmk: SecretKey::from_hex(tmk_hex).unwrap(),
            // What the simulator's terminals use unless configured otherwise.
            mac: MacAlgorithm::X919,
            keys: None,
            batch: BatchNo::new(1).unwrap(),
            stan: 0,
            client,
        }
    }

    /// The demo terminal, not signed in.
    pub async fn demo(sim: &SimHandle) -> Term {
        Term::new(sim, provision::DEMO_TID, provision::DEMO_MID, provision::DEMO_TMK_HEX).await
    }

    /// The demo terminal signed in with mode 004.
    pub async fn signed_in(sim: &SimHandle) -> Term {
        let mut t = Term::demo(sim).await;
        let r = t.sign_in(KeyMode::DoubleWithTrack004).await;
        assert_eq!(r.response_code.as_str(), "00");
        t
    }

    pub fn next_stan(&mut self) -> Stan {
        self.stan += 1;
        Stan::new(self.stan).unwrap()
    }

    /// Frames a message; signs it when it carries field 64 and the terminal has a MAK.
    pub fn encode(&self, msg: Message) -> Vec<u8> {
        let signed = msg.has(64);
        let frame = Frame::new(Tpdu::DEFAULT, Header::IC, msg);
        match (&self.keys, signed) {
            (Some(k), true) => encode_signed(&frame, unionpay(), self.mac, &k.mak).unwrap(),
            _ => frame.encode(unionpay()).unwrap(),
        }
    }

    /// Decodes an answer and reports its MAC check.
    pub fn decode(&self, bytes: &[u8]) -> (Frame, MacCheck) {
        let (frame, layout) = Frame::decode_with_layout(unionpay(), bytes).expect("answer decodes");
        let check = match &self.keys {
            Some(k) => check_mac(bytes, &layout, self.mac, &k.mak),
            None => {
                if layout.mac(bytes).is_some() {
                    MacCheck::Invalid
                } else {
                    MacCheck::Absent
                }
            }
        };
        (frame, check)
    }

    /// Sends a message and returns the decoded answer and its MAC check.
    pub async fn exchange(&mut self, msg: Message) -> (Message, MacCheck) {
        let bytes = self.encode(msg);
        let answer = self.client.exchange(&bytes).await;
        let (frame, check) = self.decode(&answer);
        assert_eq!(frame.tpdu, Tpdu::DEFAULT.swapped(), "TPDU swapped");
        assert_eq!(frame.header, Header::IC, "header echoed");
        (frame.message, check)
    }

    pub fn admin(&mut self, kind: AdminKind) -> AdminRequest {
        AdminRequest {
            kind,
            stan: self.next_stan(),
            tid: self.tid.clone(),
            mid: self.mid.clone(),
            batch: self.batch,
            operator: Some("01".into()),
        }
    }

    /// Signs in and keeps the working keys (check values verified by parse_working_keys).
    pub async fn sign_in(&mut self, mode: KeyMode) -> AdminResponse {
        let code = match mode {
            KeyMode::Single001 => NetCode::SignInSingle,
            KeyMode::Double003 => NetCode::SignInDouble,
            KeyMode::DoubleWithTrack004 => NetCode::SignInDoubleTdk,
        };
        let req = self.admin(AdminKind::SignIn(code));
        let (msg, check) = self.exchange(req.to_message(false).unwrap()).await;
        assert_eq!(check, MacCheck::Absent, "sign-in answers are unsigned");
        let resp = AdminResponse::from_message(&msg).unwrap();
        if resp.response_code.is_approved() {
            let block = resp.key_block.as_ref().expect("field 62");
            self.keys = Some(parse_working_keys(mode, block, &self.tmk).expect("working keys with valid check values"));
            self.batch = resp.batch;
        }
        resp
    }

    /// Sends an administrative request, signed when it is a settlement or upload.
    pub async fn send_admin(&mut self, req: &AdminRequest) -> AdminResponse {
        let (msg, check) = self.exchange(req.to_message(true).unwrap()).await;
        let resp = AdminResponse::from_message(&msg).unwrap();
        if matches!(msg.mti().as_str(), "0510" | "0330") && resp.response_code.as_str() != "A0" {
            assert_eq!(check, MacCheck::Valid, "answer MAC");
        }
        resp
    }

    /// Builds and sends an administrative request.
    pub async fn call(&mut self, kind: AdminKind) -> AdminResponse {
        let req = self.admin(kind);
        self.send_admin(&req).await
    }

    /// Sends an unsigned network management request (echo, sign-off).
    pub async fn call_unsigned(&mut self, kind: AdminKind) -> AdminResponse {
        let req = self.admin(kind);
        let (msg, check) = self.exchange(req.to_message(false).unwrap()).await;
        assert_eq!(check, MacCheck::Absent);
        AdminResponse::from_message(&msg).unwrap()
    }

    /// Card fields as the reader sends them for a deck card: tracks encrypted under the TDK
    /// when there is one, the PIN block encrypted under the PIK.
    pub fn card(&self, c: &TestCard, pin: Option<&str>) -> CardFields {
        let keys = self.keys.as_ref().expect("signed in");
        let method = match c.presentation {
            Presentation::Chip | Presentation::ChipOffline => EntryMethod::Chip,
            Presentation::Contactless => EntryMethod::Contactless,
            Presentation::ChipFailFallback => EntryMethod::Fallback,
            _ => EntryMethod::Swipe,
        };
        let chip = method.is_chip();
        let track = |t: String| {
            let digits = t.replace('=', "D");
            match &keys.tdk {
                Some(tdk) => encrypt_track(tdk, &digits).unwrap(),
                None => digits,
            }
        };
        let (_, _, t3) = c.tracks_read();
        let pin_block = pin.map(|p| tdes::encrypt_block(&keys.pik, &pin_block_format0(p, c.pan).unwrap()));
        CardFields {
            pan: chip.then(|| c.pan.to_owned()),
            expiry: None,
            entry_mode: Some(EntryMode { method, pin_entered: pin.is_some() }),
            card_seq: chip.then_some(1),
            track2: Some(track(c.track2())),
            track3: (t3 && !chip).then(|| track(c.track3())),
            pin_block,
            security: Some(SecurityControl {
                pin_with_pan: true,
                double_length: keys.pik.len() == 16,
                track_encrypted: keys.tdk.is_some(),
                // This test terminal uses the UnionPay TDB method; the product's reader encrypts whole tracks.
                whole_track: false,
            }),
            icc: chip.then(|| vec![0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x9F, 0x27, 0x01, 0x80]),
        }
    }

    /// The card with the PIN the deck says it needs (none for contactless and offline chip).
    pub fn deck_card(&self, id: &str) -> CardFields {
        let c = deck::find(id).expect("deck card");
        let needs_pin = !matches!(c.presentation, Presentation::Contactless | Presentation::ChipOffline);
        self.card(c, needs_pin.then_some(deck::TEST_PIN))
    }

    pub fn request(&mut self, txn: TxnType, amount: Option<u64>, card: CardFields) -> FinancialRequest {
        FinancialRequest {
            txn,
            amount: amount.map(|a| Amount::cny(a).unwrap()),
            stan: self.next_stan(),
            tid: self.tid.clone(),
            mid: self.mid.clone(),
            batch: self.batch,
            card,
            original_rrn: None,
            original_auth: None,
            original: None,
            read_capability: None,
            ic_condition: None,
            payee_account: (txn == TxnType::Transfer).then(|| "6217000012345678901".to_string()),
        }
    }

    /// A request referring to an earlier one (61 = its batch and STAN, 37 its RRN, 38 its auth code).
    pub fn follow_up(
        &mut self,
        txn: TxnType,
        amount: Option<u64>,
        card: CardFields,
        orig: &FinancialRequest,
        orig_resp: &FinancialResponse,
    ) -> FinancialRequest {
        let mut r = self.request(txn, amount, card);
        r.original = Some(OriginalData {
            batch: orig.batch,
            stan: Some(orig.stan),
            date: orig_resp.date.clone(),
            rest: String::new(),
        });
        r.original_rrn = orig_resp.rrn.clone();
        r.original_auth = orig_resp.auth_code.clone();
        r
    }

    /// Sends a financial request; the answer must carry a valid MAC unless it is `A0`.
    pub async fn send(&mut self, req: &FinancialRequest) -> FinancialResponse {
        let (msg, check) = self.exchange(req.to_message(true).unwrap()).await;
        let resp = FinancialResponse::from_message(&msg).unwrap();
        // Answers the host cannot sign: A0 (MAC failed or no keys) and 97 (unknown terminal).
        if !matches!(resp.response_code.as_str(), "A0" | "97") {
            assert_eq!(check, MacCheck::Valid, "answer MAC for {:?} rc {}", req.txn, resp.response_code);
        } else {
            assert_eq!(check, MacCheck::Absent, "{} answers are unsigned", resp.response_code);
        }
        assert_eq!(resp.stan, req.stan);
        resp
    }

    /// Sends the request and returns it with its answer.
    pub async fn run(
        &mut self,
        txn: TxnType,
        amount: Option<u64>,
        card: CardFields,
    ) -> (FinancialRequest, FinancialResponse) {
        let req = self.request(txn, amount, card);
        let resp = self.send(&req).await;
        (req, resp)
    }

    /// A sale of the deck card `id`.
    pub async fn sale(&mut self, id: &str, amount: u64) -> (FinancialRequest, FinancialResponse) {
        let card = self.deck_card(id);
        self.run(TxnType::Sale, Some(amount), card).await
    }

    /// The 0400 of `req` (same STAN and batch), with reason 98.
    pub async fn reverse(&mut self, req: &FinancialRequest) -> FinancialResponse {
        let msg = reversal_of(&req.to_message(true).unwrap(), ResponseCode::parse("98").unwrap(), true).unwrap();
        let (msg, check) = self.exchange(msg).await;
        assert_eq!(msg.mti().as_str(), "0410");
        assert_eq!(check, MacCheck::Valid);
        FinancialResponse::from_message(&msg).unwrap()
    }

    /// Reads one more answer from the connection.
    pub async fn recv(&mut self, wait: Duration) -> Recv {
        self.client.recv(wait).await
    }
}

pub fn rc(resp: &FinancialResponse) -> &str {
    resp.response_code.as_str()
}
