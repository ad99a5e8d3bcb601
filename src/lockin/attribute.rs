//! Whose API a file's findings belong to. `tool_calls`, `json_object` or `logprobs` are OpenAI's
//! words, and also those of every API shaped like it (DeepSeek, Groq, xAI) and of some that are
//! not (an Anthropic `tool_choice`); and a vendor's SDK often talks to another service (OpenAI's
//! to Azure, Anthropic's to Bedrock or Vertex AI, Gemini's to Vertex AI). Labelling by the words
//! put the wrong vendor on most tool calls of a codebase that talks to several. A shared
//! pattern's finding goes to the one vendor the rest of the file talks to, and an SDK's findings
//! to the service the file points it at (`SERVES`).
//!
//! This reads the file as a whole, not the receiver of each call: a file that talks to two
//! vendors, and names no service one SDK is pointed at, keeps the patterns' vendors
//! (`receivers` refines that for some languages).

use std::collections::BTreeSet;

use super::matcher::Hit;
use super::rules::{portability, Feature, Portability, Sharing, Vendor};

/// How a service takes another vendor's SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// A cloud that hosts the vendor's models behind the vendor's SDK (Azure for OpenAI's, Bedrock
    /// and Vertex AI for Anthropic's, Vertex AI for Gemini's): whatever the SDK says in a file that
    /// targets the platform, the platform serves. `same_api`: the platform's own SDK speaks the
    /// vendor's API too (Azure's OpenAI clients, Vertex AI's Gemini SDK), so importing it targets
    /// the platform; Bedrock's and Vertex AI's own SDKs beside Anthropic's are another API, and
    /// only a client of Anthropic's SDK made for them, or their URL or key, does.
    Platform { same_api: bool },
    /// An API shaped like the SDK vendor's, with an SDK of its own (DeepSeek, Groq, xAI through
    /// OpenAI's): the vocabulary the two share goes to the API, whose rows are written for that
    /// shape. The import and the calls stay the SDK vendor's: the OpenAI SDK is as portable there
    /// as anywhere. (Gemini's and Bedrock's OpenAI-compatible endpoints are not here: their rows
    /// describe their own APIs, which such a file does not use.)
    Compatible,
}

/// (the SDK's vendor, the service, how).
const SERVES: &[(Vendor, Vendor, Relation)] = &[
    (
        Vendor::OpenAi,
        Vendor::AzureOpenAi,
        Relation::Platform { same_api: true },
    ),
    (
        Vendor::Anthropic,
        Vendor::AwsBedrock,
        Relation::Platform { same_api: false },
    ),
    (
        Vendor::Anthropic,
        Vendor::VertexAi,
        Relation::Platform { same_api: false },
    ),
    (
        Vendor::Google,
        Vendor::VertexAi,
        Relation::Platform { same_api: true },
    ),
    (Vendor::OpenAi, Vendor::DeepSeek, Relation::Compatible),
    (Vendor::OpenAi, Vendor::Groq, Relation::Compatible),
    (Vendor::OpenAi, Vendor::XAi, Relation::Compatible),
    (Vendor::OpenAi, Vendor::SelfHosted, Relation::Compatible),
];

/// Whether `platform` hosts `sdk`'s models behind `sdk`'s SDK.
pub(crate) fn hosts(platform: Vendor, sdk: Vendor) -> bool {
    matches!(relation(sdk, platform), Some(Relation::Platform { .. }))
}

/// Whether `service` takes `sdk`'s SDK's requests, as a platform or a compatible API.
pub(crate) fn serves(sdk: Vendor, service: Vendor) -> bool {
    relation(sdk, service).is_some()
}

fn relation(sdk: Vendor, service: Vendor) -> Option<Relation> {
    (SERVES.iter())
        .find(|(v, s, _)| (*v, *s) == (sdk, service))
        .map(|(_, _, r)| *r)
}

/// Gives hits the vendor the file talks to, where there is exactly one: its SDK's findings when it
/// hosts that SDK's models (a platform of `SERVES`), and shared vocabulary it has the feature
/// for. Other hits keep the pattern's vendor. Returns the file's one vendor, if it has one (if
/// not, `receivers` may tell calls apart).
/// Hits are only relabelled, never removed (a notebook's hits keep their cells by position);
/// the caller then keeps one per line and feature (`one_per_feature`).
pub(crate) fn attribute(hits: &mut [Hit]) -> Option<Vendor> {
    platform_clients(hits);
    let vendor = file_vendor(hits)?;
    for hit in hits.iter_mut() {
        let moves = belongs_to(hit.pattern.shared, hit.pattern.vendor, vendor);
        if moves && hit.portability.vendor != vendor {
            if let Some(row) = portability(vendor, hit.pattern.feature) {
                hit.portability = row;
            }
        }
    }
    Some(vendor)
}

/// For each hit, whether it is a call shaped like one vendor's API (`.messages.create`,
/// `.chat.completions.create`) in a file that talks to one vendor (by its SDK, endpoint, key or
/// calls, not model ids alone) which does not serve that API, and that names the API's vendor
/// nowhere else: then it is a call of another SDK (Twilio's `client.messages.create` beside
/// OpenAI) or of a wrapper (instructor's over Cohere's client), not one to that vendor, and gives
/// no finding.
pub(crate) fn foreign(hits: &[Hit], vendor: Option<Vendor>) -> Vec<bool> {
    let own = |h: &&Hit| h.pattern.shared == Sharing::No;
    let named: BTreeSet<Vendor> = hits
        .iter()
        .filter(own)
        .map(|h| h.portability.vendor)
        .collect();
    let talks = |v: Vendor| {
        (hits.iter().filter(own))
            .any(|h| h.portability.vendor == v && h.pattern.feature != Feature::ModelId)
    };
    let Some(vendor) = vendor.filter(|&v| talks(v)) else {
        return vec![false; hits.len()];
    };
    (hits.iter())
        .map(|h| {
            let shaped = matches!(
                h.pattern.shared,
                Sharing::OpenAiShaped | Sharing::AnthropicShaped
            );
            shaped && !may_move(h.pattern.shared, vendor) && !named.contains(&h.portability.vendor)
        })
        .collect()
}

/// Whether the hits name a vendor, or at least the shape of one's API: a pattern of one vendor's
/// own, or a call shaped like its API (`client.chat.completions.create(...)` on a client passed
/// in). Vocabulary many APIs share, alone (`ToolCalls []ToolCall` in a project's own types, a
/// `tool_choice` in a request dict), is no vendor's, unless it goes through a client another
/// module makes (`clients`).
pub(crate) fn names_a_vendor(hits: &[Hit]) -> bool {
    hits.iter().any(|h| h.pattern.shared != Sharing::Any)
}

/// Whether a finding of a pattern of `from` shared as `sharing` belongs to `to` where the code
/// talks to `to` (the file's one vendor here, its receiver's in `receivers`, an imported
/// client's in `clients`): shared vocabulary `to` has, or an SDK's use on a platform hosting it.
pub(crate) fn belongs_to(sharing: Sharing, from: Vendor, to: Vendor) -> bool {
    may_move(sharing, to) || hosts(to, from)
}

/// Whether a hit shared as `sharing` may go to `vendor`.
fn may_move(sharing: Sharing, vendor: Vendor) -> bool {
    match sharing {
        Sharing::Any => true,
        Sharing::OpenAiShaped => vendor == Vendor::OpenAi || serves(Vendor::OpenAi, vendor),
        Sharing::AnthropicShaped => {
            vendor == Vendor::Anthropic || serves(Vendor::Anthropic, vendor)
        }
        Sharing::No => false,
    }
}

/// `from openai import AzureOpenAI` imports Azure's client, not OpenAI's, and
/// `@anthropic-ai/bedrock-sdk` Bedrock's: a line's SDK hit of the vendor becomes the client's
/// service's (and then one with the line's client hit).
fn platform_clients(hits: &mut [Hit]) {
    let clients: Vec<(u32, Vendor, &'static Portability)> = (hits.iter())
        .filter_map(|h| h.pattern.client_of.map(|sdk| (h.line, sdk, h.portability)))
        .collect();
    for hit in hits
        .iter_mut()
        .filter(|h| h.pattern.feature == Feature::Sdk)
    {
        let of =
            |&&(line, sdk, _): &&(u32, Vendor, _)| line == hit.line && sdk == hit.pattern.vendor;
        if let Some((_, _, row)) = clients.iter().find(of) {
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
    // Vendors the file reaches by their URL, key or wire protocol, or through a client of another
    // vendor's SDK: how an SDK is pointed at another service.
    let mut reached = BTreeSet::new();
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
                match feature {
                    // A service's own SDK, not a client of another vendor's.
                    Feature::Sdk if hit.pattern.client_of.is_none() => {
                        sdks.insert(vendor);
                    }
                    Feature::Sdk | Feature::Endpoint | Feature::ApiKey | Feature::RestProtocol => {
                        reached.insert(vendor);
                    }
                    _ => {}
                }
            }
        }
    }
    // A vendor's SDK pointed at a service that serves its API (by the service's URL, key or
    // protocol, or a client of the SDK made for it): the service is the vendor. Not where the
    // file also reaches the SDK's own vendor, nor a compatible API whose own SDK the file imports
    // too: it talks to both.
    let pointed = |sdk: Vendor, service: Vendor| {
        let direct = [Feature::Endpoint, Feature::ApiKey, Feature::RestProtocol];
        let reaches_sdk_vendor = hits
            .iter()
            .any(|h| h.portability.vendor == sdk && direct.contains(&h.pattern.feature));
        !reaches_sdk_vendor
            && match relation(sdk, service) {
                Some(Relation::Platform { same_api }) => {
                    reached.contains(&service) || (same_api && sdks.contains(&service))
                }
                Some(Relation::Compatible) => {
                    reached.contains(&service) && !sdks.contains(&service)
                }
                None => false,
            }
    };
    // One service's SDK, and other vendors named only by feature words (a `thinking` field in a
    // file converting Ollama's messages): the file talks to that service.
    let mut only = sdks.iter();
    if let (Some(&sdk), None) = (only.next(), only.next()) {
        if reached.iter().all(|v| *v == sdk) {
            return Some(sdk);
        }
    }
    let evidence = if talks.is_empty() { names } else { talks };
    let mut vendors = evidence.into_iter();
    match (vendors.next(), vendors.next(), vendors.next()) {
        (Some(one), None, _) => Some(one),
        (Some(a), Some(b), None) if pointed(a, b) => Some(b),
        (Some(a), Some(b), None) if pointed(b, a) => Some(a),
        _ => None,
    }
}
