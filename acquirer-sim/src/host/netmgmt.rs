//! Network management: sign-in (fresh working keys), sign-off, echo test.
//!
//! These messages are never MAC-checked and their answers are unsigned: sign-in is
//! exactly what a terminal does when its keys are out of step.

use pos_core::crypto::{build_working_keys, generate_working_keys, KeyMode};
use pos_core::iso8583::{AdminKind, AdminRequest, AdminResponse, BatchNo, NetCode};
use pos_core::ResponseCode;
use tracing::{info, warn};

use super::reply::{self, bare, Reply};
use super::{Host, HostError, Inbound, Session};
use crate::config::TerminalProfile;
use crate::ledger::{batches, sessions, txns};

/// Answers a 0800 or 0820.
pub(crate) fn handle(host: &Host, inbound: &Inbound, term: &TerminalProfile) -> Option<Reply> {
    let msg = inbound.message();
    let req = match AdminRequest::from_message(msg) {
        Ok(r) => r,
        Err(e) => {
            warn!(tid = term.tid.as_str(), error = %e, "malformed network management request");
            return reply::encode(inbound, bare(msg, "30"), None);
        }
    };
    if req.mid != term.mid {
        warn!(tid = term.tid.as_str(), "merchant ID does not match the terminal's");
        return reply::encode(inbound, bare(msg, "03"), None);
    }
    let answer = match &req.kind {
        AdminKind::SignIn(code) => sign_in(host, term, &req, *code),
        AdminKind::SignOff => sign_off(host, term, &req),
        AdminKind::Echo => answer(host, &req, NetCode::Echo, "00", None),
        AdminKind::Management(m) => {
            if let pos_core::iso8583::Management::BlacklistPage(f62) = m {
                if pos_core::tms::blacklist::parse_page_request(f62).is_ok_and(|(start, _)| start == 0) {
                    host.blacklist_started(term.tid.as_str());
                }
            }
            let current = host.blacklist_current(term.tid.as_str());
            let (rc, f62) = super::tms::answer(&host.tms(), m, current);
            match m {
                pos_core::iso8583::Management::CapkEnd => host.tms_done(term.tid.as_str(), super::PENDING_KEYS),
                pos_core::iso8583::Management::AidEnd => host.tms_done(term.tid.as_str(), super::PENDING_AIDS),
                pos_core::iso8583::Management::BlacklistEnd => host.blacklist_synced(term.tid.as_str()),
                // The last page of the parameters: this terminal has them.
                pos_core::iso8583::Management::ParameterDownload { .. }
                    if f62.as_ref().is_some_and(|p| p.first() == Some(&b'1')) =>
                {
                    host.tms_done(term.tid.as_str(), super::PENDING_PARAMS)
                }
                _ => {}
            }
            answer(host, &req, m.route().1, rc, f62)
        }
        _ => return reply::encode(inbound, bare(msg, "12"), None),
    };
    match answer {
        Ok(resp) => reply::encode(inbound, resp, None),
        Err(e) => {
            warn!(tid = term.tid.as_str(), error = %e, "network management failed; answering 96");
            reply::encode(inbound, bare(msg, "96"), None)
        }
    }
}

fn key_mode(code: NetCode) -> Option<KeyMode> {
    match code {
        NetCode::SignInSingle => Some(KeyMode::Single001),
        NetCode::SignInDouble => Some(KeyMode::Double003),
        NetCode::SignInDoubleTdk => Some(KeyMode::DoubleWithTrack004),
        _ => None,
    }
}

fn sign_in(
    host: &Host,
    term: &TerminalProfile,
    req: &AdminRequest,
    code: NetCode,
) -> Result<pos_core::iso8583::Message, HostError> {
    let Some(mode) = key_mode(code).filter(|m| term.key_mode.is_none_or(|only| only == *m)) else {
        warn!(tid = term.tid.as_str(), code = code.code(), "sign-in mode not allowed for this terminal");
        return answer(host, req, code, "40", None);
    };
    let keys = generate_working_keys(mode)?;
    let field62 = build_working_keys(mode, &keys, &term.tmk)?;
    let now = host.clock.now_ms();
    host.ledger.transact(|db| sessions::save(db, term.tid.as_str(), mode.code(), &field62, now))?;
    host.sessions.put(term.tid.as_str(), Session { keys, previous_tdk: None });
    info!(tid = term.tid.as_str(), mode = mode.code(), "signed in");
    answer(host, req, code, "00", Some(field62))
}

fn sign_off(host: &Host, term: &TerminalProfile, req: &AdminRequest) -> Result<pos_core::iso8583::Message, HostError> {
    host.ledger.transact(|db| sessions::delete(db, term.tid.as_str()))?;
    host.sessions.remove(term.tid.as_str());
    info!(tid = term.tid.as_str(), "signed off");
    answer(host, req, NetCode::SignOff, "00", None)
}

/// The 0810/0830: host time, an RRN and, in 60.2, the host's current batch for the terminal.
fn answer(
    host: &Host,
    req: &AdminRequest,
    net: NetCode,
    rc: &str,
    key_block: Option<Vec<u8>>,
) -> Result<pos_core::iso8583::Message, HostError> {
    let (batch, rrn) = host.ledger.transact(|db| -> Result<_, HostError> {
        let batch = batches::state(db, req.tid.as_str())?.map(|b| b.current).unwrap_or(req.batch.value());
        Ok((batch, txns::next_counter(db, "rrn")?))
    })?;
    let local = host.clock.local_now();
    // The answer's MTI: 0800 → 0810, 0820 → 0830.
    let mti = match &req.kind {
        AdminKind::SignIn(_) => "0810",
        AdminKind::Management(m) if m.route().0.as_str() == "0800" => "0810",
        _ => "0830",
    };
    let resp = AdminResponse {
        mti: pos_core::iso8583::Mti::new(mti)?,
        net,
        response_code: ResponseCode::parse(rc).unwrap_or(ResponseCode::APPROVED),
        stan: req.stan,
        tid: req.tid.clone(),
        mid: req.mid.clone(),
        batch: BatchNo::new(batch).unwrap_or(req.batch),
        time: Some(local.hhmmss()),
        date: Some(local.mmdd()),
        rrn: Some(format!("{:012}", rrn % 1_000_000_000_000)),
        totals: None,
        key_block,
    };
    Ok(resp.to_message(false)?)
}
