//! A model's chat template, rendered as transformers renders it (`apply_chat_template`): the
//! same Jinja settings (trim_blocks, lstrip_blocks), the same helpers (`raise_exception`,
//! `strftime_now`, a `tojson` that writes JSON as Python's `json.dumps` does), and the same
//! variables (`messages` with their tool calls, `tools` in OpenAI's function format,
//! `add_generation_prompt`, `bos_token`, `eos_token`). A prompt that differs from the one the
//! model was trained on by one space is a different prompt, so each template the tests carry is
//! rendered and compared with transformers' own output, byte for byte.

use std::sync::Arc;

use minijinja::value::{Enumerator, Kwargs, Object, ObjectRepr, Value};
use minijinja::{Environment, Error, ErrorKind};
use serde::Serialize;
use serde_json::json;

use crate::chat::{Message, Tool};

pub struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

impl ChatTemplate {
    /// The template compiled; an error says where it does not parse.
    pub fn new(source: String, bos_token: String, eos_token: String) -> Result<Self, Error> {
        let mut env = Environment::new();
        env.set_fuel(Some(crate::input::TEMPLATE_FUEL));
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", |msg: String| -> Result<Value, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, msg))
        });
        env.add_function("strftime_now", |format: String| -> String {
            chrono::Local::now().format(&format).to_string()
        });
        env.add_filter("tojson", tojson);
        env.add_template_owned("chat", source)?;
        Ok(Self {
            env,
            bos_token,
            eos_token,
        })
    }

    /// The conversation as the model expects it, ready for generation. `extra` adds variables
    /// (tests pin `date_string`, which Llama 3 templates otherwise take from today's date).
    pub fn render(
        &self,
        messages: &[Message],
        tools: &[Tool],
        extra: Option<Value>,
    ) -> Result<String, Error> {
        let messages: Vec<serde_json::Value> = messages.iter().map(message_json).collect();
        let tools: Option<Vec<serde_json::Value>> =
            (!tools.is_empty()).then(|| tools.iter().map(tool_json).collect());
        let base = minijinja::context! {
            messages => Value::from(messages.iter().map(ordered).collect::<Vec<_>>()),
            tools => tools.as_ref().map(|t| Value::from(t.iter().map(ordered).collect::<Vec<_>>())),
            add_generation_prompt => true,
            bos_token => &self.bos_token,
            eos_token => &self.eos_token,
        };
        let ctx = match extra {
            Some(extra) => minijinja::context! { ..extra, ..base },
            None => base,
        };
        self.env.get_template("chat")?.render(ctx)
    }
}

/// JSON as a template value whose objects keep their keys' order: minijinja's own maps sort
/// their keys, and `tojson` must write a tool's schema in the order it was given, as Python does.
fn ordered(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Object(map) => Value::from_object(OrderedMap(
            map.iter().map(|(k, v)| (k.clone(), ordered(v))).collect(),
        )),
        serde_json::Value::Array(items) => {
            Value::from(items.iter().map(ordered).collect::<Vec<_>>())
        }
        other => Value::from_serialize(other),
    }
}

#[derive(Debug)]
struct OrderedMap(Vec<(String, Value)>);

impl Object for OrderedMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .iter()
                .map(|(k, _)| Value::from(k.as_str()))
                .collect(),
        )
    }
}

/// A message as transformers' chat templates read it: `role`, `content`, and an assistant's
/// `tool_calls` in OpenAI's shape with the arguments as an object.
fn message_json(m: &Message) -> serde_json::Value {
    let mut v = json!({ "role": m.role.as_str(), "content": m.content });
    if !m.tool_calls.is_empty() {
        let calls: Vec<_> = (m.tool_calls.iter())
            .map(|c| {
                let arguments = serde_json::from_str::<serde_json::Value>(&c.arguments)
                    .unwrap_or_else(|_| serde_json::Value::String(c.arguments.clone()));
                json!({ "id": c.id, "type": "function", "function": { "name": c.name, "arguments": arguments } })
            })
            .collect();
        v["tool_calls"] = serde_json::Value::Array(calls);
    }
    if let Some(id) = &m.tool_call_id {
        v["tool_call_id"] = json!(id);
    }
    v
}

fn tool_json(t: &Tool) -> serde_json::Value {
    let mut function = json!({ "name": t.name });
    if let Some(d) = &t.description {
        function["description"] = json!(d);
    }
    function["parameters"] = t.parameters.clone();
    json!({ "type": "function", "function": function })
}

/// `tojson` as transformers defines it: `json.dumps(x, ensure_ascii=False, indent=indent)`, so
/// `", "` and `": "` between items (not minijinja's compact, HTML-escaped form).
fn tojson(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    let mut json = serde_json::to_value(&value)
        .map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    if sort_keys == Some(true) {
        json = sorted(json);
    }
    let mut out = Vec::new();
    let result = match indent {
        Some(n) => {
            let spaces = " ".repeat(n);
            let formatter = serde_json::ser::PrettyFormatter::with_indent(spaces.as_bytes());
            json.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out, formatter,
            ))
        }
        None => json.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            PythonFormatter,
        )),
    };
    result.map_err(|e| Error::new(ErrorKind::BadSerialization, e.to_string()))?;
    Ok(Value::from_safe_string(
        String::from_utf8(out).unwrap_or_default(),
    ))
}

fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

/// Python's `json.dumps` separators without indent: `", "` and `": "`.
struct PythonFormatter;

/// `", "` before every item but the first, in arrays and objects alike.
fn item_separator<W: ?Sized + std::io::Write>(writer: &mut W, first: bool) -> std::io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        item_separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        item_separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

#[cfg(test)]
mod tests;
