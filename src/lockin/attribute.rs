//! Whose API a file's shared vocabulary belongs to. `tool_calls`, `json_object` or `logprobs`
//! are OpenAI's words, and also those of every API shaped like it (DeepSeek, Groq, xAI) and of
//! some that are not (an Anthropic `tool_choice`): labelling them all OpenAI put the wrong
//! vendor on most tool calls of a codebase that talks to several. A shared pattern's finding
//! goes to the one vendor the rest of the file talks to.
//!
//! This reads the file as a whole, not the receiver of each call: a file that talks to two
//! vendors keeps the pattern's default vendor.

use std::collections::BTreeSet;

use super::matcher::Hit;
use super::rules::{portability, Feature, Portability, Sharing, Vendor};

/// APIs that take OpenAI's requests as they are: a file that calls one of them through the OpenAI
/// SDK talks to that vendor, not to OpenAI.
const OPENAI_SHAPED: &[Vendor] = &[Vendor::DeepSeek, Vendor::Groq, Vendor::XAi];

/// Gives each shared hit the vendor the file talks to, where there is exactly one and it has the
/// feature (else the hit keeps the pattern's vendor).
/// Hits are only relabelled, never removed (a notebook's hits keep their cells by position);
/// the caller then keeps one per line and feature (`one_per_feature`).
pub(crate) fn attribute(hits: &mut [Hit]) {
    azure_from_the_openai_package(hits);
    let Some(vendor) = file_vendor(hits) else {
        return;
    };
    for hit in hits.iter_mut() {
        // Azure serves OpenAI's models: in a file that talks to Azure they name its deployments.
        let azure_model = vendor == Vendor::AzureOpenAi
            && hit.pattern.vendor == Vendor::OpenAi
            && hit.pattern.feature == Feature::ModelId;
        let moves = may_move(hit.pattern.shared, vendor) || azure_model;
        if moves && hit.portability.vendor != vendor {
            if let Some(row) = portability(vendor, hit.pattern.feature) {
                hit.portability = row;
            }
        }
    }
}

/// Whether a hit shared as `sharing` may go to `vendor` (here, and in `receivers`).
pub(crate) fn may_move(sharing: Sharing, vendor: Vendor) -> bool {
    match sharing {
        Sharing::Any => true,
        Sharing::OpenAiShaped => {
            matches!(vendor, Vendor::OpenAi | Vendor::AzureOpenAi)
                || OPENAI_SHAPED.contains(&vendor)
        }
        Sharing::No => false,
    }
}

/// `from openai import AzureOpenAI` imports Azure's client, not OpenAI's: the line's OpenAI
/// SDK hit becomes Azure's (and then one with the line's Azure hit).
fn azure_from_the_openai_package(hits: &mut [Hit]) {
    let sdk = |h: &Hit, v: Vendor| h.pattern.feature == Feature::Sdk && h.pattern.vendor == v;
    let azure: Vec<(u32, &'static Portability)> = (hits.iter())
        .filter(|h| sdk(h, Vendor::AzureOpenAi))
        .map(|h| (h.line, h.portability))
        .collect();
    for hit in hits.iter_mut().filter(|h| sdk(h, Vendor::OpenAi)) {
        if let Some((_, row)) = azure.iter().find(|(line, _)| *line == hit.line) {
            hit.portability = row;
        }
    }
}

/// The one vendor a file talks to: by its SDKs, endpoints, keys and vendor-only calls; by the
/// model ids it names only when it has none of those (a list of every vendor's models says
/// nothing about which API is called).
fn file_vendor(hits: &[Hit]) -> Option<Vendor> {
    let mut talks = BTreeSet::new();
    let mut names = BTreeSet::new();
    for hit in hits.iter().filter(|h| h.pattern.shared == Sharing::No) {
        // The row's vendor: `azure_from_the_openai_package` may have moved it.
        let vendor = hit.portability.vendor;
        match hit.pattern.feature {
            // A tokenizer counts tokens for whatever model; it calls no API.
            Feature::Tokenizer => {}
            Feature::ModelId => {
                names.insert(vendor);
            }
            _ => {
                talks.insert(vendor);
            }
        }
    }
    let evidence = if talks.is_empty() { names } else { talks };
    let mut vendors = evidence.into_iter();
    match (vendors.next(), vendors.next(), vendors.next()) {
        (Some(one), None, _) => Some(one),
        // The OpenAI SDK pointed at an OpenAI-shaped API: the API is the vendor.
        (Some(a), Some(b), None) if a == Vendor::OpenAi && OPENAI_SHAPED.contains(&b) => Some(b),
        (Some(a), Some(b), None) if b == Vendor::OpenAi && OPENAI_SHAPED.contains(&a) => Some(a),
        _ => None,
    }
}
