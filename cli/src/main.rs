//! `pos`: the desktop operator and integrator CLI.

mod frame_cmd;
mod hex_input;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pos_core::i18n::{Bilingual, Lang};

/// Mobile POS command line: debug host traffic today, run the terminal as issues land.
#[derive(Parser)]
#[command(name = "pos", version, about, long_about = None)]
struct Cli {
    /// Operator language for messages: zh or en (both are shown when unset).
    #[arg(long, global = true, value_parser = parse_lang)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode frames and compute MACs (integrators debugging host traffic).
    #[command(subcommand)]
    Frame(frame_cmd::FrameCmd),
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        _ => Err("expected zh or en".into()),
    }
}

/// An error as the operator sees it: bilingual, with the exit code.
pub struct CliError(Box<dyn Bilingual>);

impl<E: Bilingual + 'static> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(Box::new(e))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Frame(cmd) => frame_cmd::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(CliError(e)) => {
            let text = match cli.lang {
                Some(l) => l.pick(e.as_ref()),
                None => e.both(),
            };
            eprintln!("错误 / error: {text}");
            ExitCode::from(2)
        }
    }
}
