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

/// (an SDK's vendor, a service that takes that SDK's requests as they are): a file that calls the
/// service through the SDK talks to the service. Azure, DeepSeek, Groq, xAI and Gemini's
/// OpenAI-compatible endpoint take OpenAI's; Bedrock and Vertex AI take Anthropic's through its
/// `AnthropicBedrock` / `AnthropicVertex` clients.
const SERVES: &[(Vendor, Vendor)] = &[
    (Vendor::OpenAi, Vendor::AzureOpenAi),
    (Vendor::OpenAi, Vendor::DeepSeek),
    (Vendor::OpenAi, Vendor::Groq),
    (Vendor::OpenAi, Vendor::XAi),
    (Vendor::OpenAi, Vendor::Google),
    (Vendor::Anthropic, Vendor::AwsBedrock),
    (Vendor::Anthropic, Vendor::VertexAi),
];

fn serves(sdk: Vendor, service: Vendor) -> bool {
    sdk == service || SERVES.contains(&(sdk, service))
}

/// Gives each shared hit the vendor the file talks to, where there is exactly one and it has the
/// feature (else the hit keeps the pattern's vendor).
/// Hits are only relabelled, never removed (a notebook's hits keep their cells by position);
/// the caller then keeps one per line and feature (`one_per_feature`).
pub(crate) fn attribute(hits: &mut [Hit]) {
    platform_clients(hits);
    let Some(vendor) = file_vendor(hits) else {
        return;
    };
    for hit in hits.iter_mut() {
        // Azure serves OpenAI's models, Bedrock and Vertex Anthropic's: in a file that talks to
        // the service, the ids name the service's deployments.
        let served_model = matches!(
            vendor,
            Vendor::AzureOpenAi | Vendor::AwsBedrock | Vendor::VertexAi
        ) && hit.pattern.feature == Feature::ModelId
            && SERVES.contains(&(hit.pattern.vendor, vendor));
        let moves = may_move(hit.pattern.shared, vendor) || served_model;
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
        Sharing::OpenAiShaped => serves(Vendor::OpenAi, vendor),
        Sharing::AnthropicShaped => serves(Vendor::Anthropic, vendor),
        Sharing::No => false,
    }
}

/// `from openai import AzureOpenAI` imports Azure's client, not OpenAI's, and
/// `@anthropic-ai/bedrock-sdk` Bedrock's: a line's SDK hit of the vendor becomes the service's
/// (and then one with the line's service hit).
fn platform_clients(hits: &mut [Hit]) {
    let sdk = |h: &Hit| h.pattern.feature == Feature::Sdk;
    let platforms: Vec<(u32, Vendor, &'static Portability)> = (hits.iter())
        .filter(|h| sdk(h))
        .map(|h| (h.line, h.pattern.vendor, h.portability))
        .collect();
    for hit in hits.iter_mut().filter(|h| sdk(h)) {
        let served = |&&(line, v, _): &&(u32, Vendor, _)| {
            line == hit.line && SERVES.contains(&(hit.pattern.vendor, v))
        };
        if let Some((_, _, row)) = platforms.iter().find(served) {
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
    let mut sdks = BTreeSet::new();
    for hit in hits.iter().filter(|h| h.pattern.shared == Sharing::No) {
        // The row's vendor: `platform_clients` may have moved it.
        let vendor = hit.portability.vendor;
        match hit.pattern.feature {
            // A tokenizer counts tokens for whatever model; it calls no API.
            Feature::Tokenizer => {}
            Feature::ModelId => {
                names.insert(vendor);
            }
            feature => {
                talks.insert(vendor);
                if feature == Feature::Sdk {
                    sdks.insert(vendor);
                }
            }
        }
    }
    // A vendor's SDK pointed at a service that serves its API (by its URL or key): the service is
    // the vendor. Not where the file imports the service's own SDK too: it talks to both.
    let pointed =
        |sdk: Vendor, service: Vendor| SERVES.contains(&(sdk, service)) && !sdks.contains(&service);
    let evidence = if talks.is_empty() { names } else { talks };
    let mut vendors = evidence.into_iter();
    match (vendors.next(), vendors.next(), vendors.next()) {
        (Some(one), None, _) => Some(one),
        (Some(a), Some(b), None) if pointed(a, b) => Some(b),
        (Some(a), Some(b), None) if pointed(b, a) => Some(a),
        _ => None,
    }
}
