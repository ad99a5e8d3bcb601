//! Reference answers: what a scorer with `reference:` compares the output with — another
//! provider's answer to the same case and repeat, or the response logged with a replayed
//! request — and, for each record, which of them were found.

use std::collections::HashMap;
use std::sync::Arc;

use crate::chat::ToolCall;
pub use crate::suite::Reference;

/// An answer, as a scorer compares it: its text and its tool calls.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
}

impl Answer {
    /// The text, then each tool call as `name(arguments)`: what a judge or a reader sees.
    pub fn shown(&self) -> String {
        let calls: Vec<String> = self
            .tool_calls
            .iter()
            .map(|c| super::tool_call::written(&c.name, &c.arguments))
            .collect();
        match (self.text.trim().is_empty(), calls.is_empty()) {
            (_, true) => self.text.clone(),
            (true, false) => format!("[tool calls: {}]", calls.join(", ")),
            (false, false) => format!("{}\n[tool calls: {}]", self.text, calls.join(", ")),
        }
    }
}

/// A reference answer, or why there is none.
pub type Lookup = Result<Arc<Answer>, String>;

/// The reference answers of one record: each the answer, or why there is none.
pub type Found = HashMap<Reference, Lookup>;

impl Answer {
    /// A provider's record as a reference answer, or why it is none (its call failed).
    pub fn of(record: &crate::record::Record) -> Lookup {
        match (&record.output, &record.error) {
            (Some(text), _) => Ok(Arc::new(Answer {
                text: text.clone(),
                tool_calls: record.tool_calls.clone(),
            })),
            (None, Some(e)) => Err(format!(
                "`{}`'s call failed: {}",
                record.provider, e.message
            )),
            (None, None) => Err(format!("`{}` gave no answer", record.provider)),
        }
    }
}
