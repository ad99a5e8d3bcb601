//! `modelswap prices [--model TEXT]`: the built-in price table, each entry with its source.

use std::io::Write;

use modelswap::cost;
use modelswap::error::Result;

use crate::cli::PricesFormat;

pub fn run(model: Option<&str>, format: PricesFormat) -> Result<()> {
    let entries = cost::find(model.unwrap_or_default())?;
    let text = match format {
        PricesFormat::Table => cost::render(&entries),
        PricesFormat::Json => {
            serde_json::to_string_pretty(&entries).map_err(anyhow::Error::from)? + "\n"
        }
    };
    // `modelswap prices | head` closes the pipe early; that is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(anyhow::Error::from(e).into()),
        _ => Ok(()),
    }
}
