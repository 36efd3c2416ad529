//! `pos settle`: settlement (结算) with a progress bar during the batch upload, the
//! reconciliation verdict and the settlement slip.

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use pos_core::iso8583::Reconciliation;
use pos_core::Bilingual;
use pos_core::RESUME_NOTICE;
use serde_json::json;

use crate::terminal_cmd::open_terminal;
use crate::{say, say_pair, CliError, Global};

/// `pos settle`.
pub fn settle(g: &Global) -> Result<ExitCode, CliError> {
    crate::runtime()?.block_on(async move {
        let st = open_terminal(g, None).await?;
        let t = &st.terminal;
        if t.upload_unfinished()? && !g.json {
            println!("{}", say_pair(g, RESUME_NOTICE.0, RESUME_NOTICE.1));
        }
        let bar = if g.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let label = say_pair(g, "批上送", "batch upload");
        let result = t
            .settle_with(|p| {
                bar.set_length(u64::from(p.total));
                bar.set_position(u64::from(p.acked));
                bar.set_message(label.clone());
            })
            .await;
        bar.finish_and_clear();
        let o = result?;
        if g.json {
            println!(
                "{}",
                json!({
                    "batch": o.batch.to_string(),
                    "next_batch": o.next_batch.to_string(),
                    "balanced": o.reconciliation == Reconciliation::Balanced,
                    "uploaded_messages": o.uploaded,
                    "uploaded_transactions": o.upload_count,
                    "resumed": o.resumed,
                    "signed_in_again": o.signed_in_again,
                    "totals": o.totals,
                    "message": { "zh": o.zh(), "en": o.en() },
                })
            );
        } else {
            println!("{}", say(g, &o));
            for (zh, en, t) in [("内卡", "domestic", Some(o.slip.domestic)), ("外卡", "foreign", o.slip.foreign)] {
                let Some(t) = t else { continue };
                println!(
                    "{}: {} {} {}  {} {} {}",
                    say_pair(g, zh, en),
                    say_pair(g, "借记", "debit"),
                    t.debit_count,
                    t.debit_amount,
                    say_pair(g, "贷记", "credit"),
                    t.credit_count,
                    t.credit_amount
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
