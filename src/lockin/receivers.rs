//! Whose client a call goes through, read from the syntax tree: in a file that talks to several
//! vendors, `attribute` cannot tell whose a `tool_choice` is; the call it sits in can. Imports
//! bind names to a vendor (`imports`), assignments of a call or `new` on a bound name bind their
//! target (`client = Claude()`, `self.oa = openai.OpenAI()`, `const claude = new Anthropic()`,
//! `oa := openai.NewClient()`, `@claude = Anthropic::Client.new`), declarations of a vendor's
//! type bind their names (`private final AnthropicClient claude;`, `client *openai.Client`), and
//! a shared hit inside a call on a bound receiver (`client.messages.create(...,
//! tool_choice=...)`, `s.cl.Messages.New(ctx, anthropic.MessageNewParams{ToolChoice: …})`) goes
//! to that receiver's vendor. A client constructed for a platform (`new GoogleGenAI({vertexai:
//! true})`) is the platform's, and so is everything said through it. Names are bound per
//! function, so two functions may each have their own `client`; a Go or Rust struct's field is
//! bound for any value of any struct (`s.client`), since receivers' types are not followed.
//!
//! Every language with a grammar (`syntax`), in the files `attribute` left ambiguous (no one
//! vendor); for `clients` (Python, JavaScript, TypeScript) the few whose text says a call may go
//! through a client made elsewhere or one of several: most files never get here.

use std::collections::HashMap;

use tree_sitter::Node;

use super::attribute::{belongs_to, hosts, serves};
use super::imports::{csharp_types, import_bindings};
use super::matcher::{Gate, Hit, Matchers};
use super::rules::{portability, Feature, Sharing, Vendor};
use super::syntax::{is_class, is_scope, node_text, parse, Place, Syntax};

/// Moves each hit of a file that talks to several vendors to the vendor of the client its call
/// goes through, where the tree says which and the hit may go there: shared vocabulary, or an
/// SDK's call through a client built for a platform that hosts it. What goes through a client of
/// a self-hosted server (Ollama's, an OpenAI client pointed at one) goes: no vendor's.
pub(crate) fn attribute_by_receiver(
    extension: &str,
    text: &[u8],
    hits: &mut Vec<Hit>,
    matchers: &Matchers,
) {
    // Only shared words, and an SDK's calls where a platform hosting it is named, can move.
    let shared = hits.iter().any(|h| h.pattern.shared != Sharing::No);
    let hosted = || {
        let mut vendors: Vec<Vendor> = hits.iter().map(|h| h.portability.vendor).collect();
        vendors.sort();
        vendors.dedup();
        (vendors.iter()).any(|&p| vendors.iter().any(|&v| hosts(p, v)))
    };
    if talks_to(hits) < 2 || !(shared || hosted()) {
        return;
    }
    let Some((tree, syntax)) = parse(extension, text) else {
        return;
    };
    let root = tree.root_node();
    let bindings = bindings(root, text, syntax, matchers);
    let mut local = Vec::new();
    let mut uses = Uses::new();
    for (i, hit) in hits.iter_mut().enumerate() {
        let found = receiver_vendor(root, hit.start, (text, syntax), (&bindings, &mut uses));
        let Some(vendor) = found else {
            continue;
        };
        if !belongs_to(hit.pattern.shared, hit.pattern.vendor, vendor) {
            continue;
        }
        if vendor == Vendor::SelfHosted {
            local.push(i);
        } else if let Some(row) = portability(vendor, hit.pattern.feature) {
            hit.portability = row;
        }
    }
    let mut i = 0;
    hits.retain(|_| {
        i += 1;
        !local.contains(&(i - 1))
    });
}

/// How many vendors the file's own (unshared) hits name, model ids aside.
fn talks_to(hits: &[Hit]) -> usize {
    let mut vendors: Vec<Vendor> = (hits.iter())
        .filter(|h| h.pattern.shared == Sharing::No && h.pattern.feature != Feature::ModelId)
        .map(|h| h.portability.vendor)
        .collect();
    vendors.sort();
    vendors.dedup();
    vendors.len()
}

/// What binds a name to a vendor: an import of its SDK, a client constructed from one, or a
/// declaration of one of its types.
#[derive(Debug, Clone, Copy)]
pub(super) struct Binding {
    /// Where the binding statement starts (a name may be bound again: `client = OpenAI()`,
    /// later `client = Anthropic()`).
    pub at: usize,
    pub vendor: Vendor,
    /// The 1-based line of the construction of the client bound; None for an import or a
    /// declared type. A client derived from another (`fast = client.with_options(timeout=5)`)
    /// has the other's.
    pub made: Option<u32>,
    /// Bound by a declaration of the vendor's type (`client *openai.Client`): a client made
    /// elsewhere, whose construction is not seen, and whose calls' results are not followed.
    pub declared: bool,
}

/// Names bound to a vendor, with the function they are bound in: (scope, name) → its bindings in
/// the file's order.
pub(super) type Bindings = HashMap<(usize, String), Vec<Binding>>;

fn bind_name(bound: &mut Bindings, (scope, name): (usize, String), binding: Binding) {
    // A struct field's name (`.client`) stands for every struct's: where a file's structs have a
    // `client` of two vendors, it is neither's (marked in a scope no node has).
    if name.starts_with('.') {
        let ambiguous = (usize::MAX, name.clone());
        let other = |l: &Vec<Binding>| l.iter().any(|b| b.vendor != binding.vendor);
        if bound.contains_key(&ambiguous) || bound.get(&(scope, name.clone())).is_some_and(other) {
            bound.remove(&(scope, name));
            bound.insert(ambiguous, Vec::new());
            return;
        }
    }
    bound.entry((scope, name)).or_default().push(binding);
}

/// The binding in force at byte `at`: the last one before it, or else the first (a method may
/// use `self.client` above the method that sets it).
fn binding_at(bindings: &[Binding], at: usize) -> Option<Binding> {
    (bindings.iter().rev())
        .find(|b| b.at <= at)
        .or(bindings.first())
        .copied()
}

/// The scopes around `node`, innermost first, the module (0) last: functions, and classes for
/// the attributes their methods set.
fn scopes(node: Node) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut at = node.parent();
    while let Some(n) = at {
        if is_scope(n.kind()) || is_class(n.kind()) {
            chain.push(n.id());
        }
        at = n.parent();
    }
    chain.push(0);
    chain
}

/// The class around `node` (0 outside one): where `self.client` is bound.
fn class_of(node: Node) -> usize {
    let mut at = node.parent();
    while let Some(n) = at {
        if is_class(n.kind()) {
            return n.id();
        }
        at = n.parent();
    }
    0
}

/// The scope a name bound at `node` in `place` lives in.
fn scope_of(node: Node, place: Place) -> usize {
    match place {
        Place::Local => scopes(node)[0],
        Place::Field => class_of(node),
        Place::Member => 0,
    }
}

/// Names bound to a vendor, in the order the file binds them.
pub(super) fn bindings(root: Node, text: &[u8], syntax: Syntax, matchers: &Matchers) -> Bindings {
    let mut bound = HashMap::new();
    if syntax == Syntax::CSharp {
        csharp_prebind(root, text, matchers, &mut bound);
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if let Some(names) = import_bindings(node, root, text, syntax, matchers) {
            bind_imported(node, names, &mut bound);
            continue;
        }
        if let Some((target, value)) = syntax.assignment(node) {
            bind(node, (target, value), (text, syntax), matchers, &mut bound);
        }
        if let Some((ty, names, place)) = syntax.declared(node) {
            bind_typed(node, (ty, &names, place), (text, syntax), &mut bound);
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        // Reversed, so that the stack pops them in document order.
        stack.extend(children.into_iter().rev());
    }
    bound
}

fn bind_imported(node: Node, names: Vec<(String, Vendor)>, bound: &mut Bindings) {
    let scope = scopes(node)[0];
    for (name, vendor) in names {
        let at = node.start_byte();
        let b = Binding {
            at,
            vendor,
            made: None,
            declared: false,
        };
        bind_name(bound, (scope, name), b);
    }
}

/// C# imports namespaces, not names: before the file is read, the SDK types it names
/// (`csharp_types`) are bound, as an import binds a name elsewhere.
fn csharp_prebind(root: Node, text: &[u8], matchers: &Matchers, bound: &mut Bindings) {
    let mut cursor = root.walk();
    let mut roots = Vec::new();
    for node in root.named_children(&mut cursor) {
        let names = import_bindings(node, root, text, Syntax::CSharp, matchers);
        roots.extend(names.into_iter().flatten());
    }
    for (name, vendor) in csharp_types(root, text, &roots) {
        bind_imported(root, vec![(name, vendor)], bound);
    }
}

/// `target = receiver(...)`, `target = receiver.Client(...)` or `target = new Receiver(...)`
/// (awaited or not), the receiver bound: the target is, in the function it is bound in; to the
/// platform the arguments name, where the receiver's vendor is hosted there.
fn bind(
    node: Node,
    (target, value): (Node, Node),
    (text, syntax): (&[u8], Syntax),
    matchers: &Matchers,
    bound: &mut Bindings,
) {
    let Some((name, place)) = syntax.target(target, text) else {
        return;
    };
    let chain = scopes(node);
    let at = node.start_byte();
    let Some((vendor, derived_from)) =
        made_client(value, &chain, at, (text, syntax), matchers, bound)
    else {
        return;
    };
    // The construction's line is its call's (`const c =` may stand on the line above).
    let line = unawaited(value).start_position().row as u32 + 1;
    let made = Some(derived_from.unwrap_or(line));
    let scope = scope_of(node, place);
    let declared = false;
    bind_name(
        bound,
        (scope, name),
        Binding {
            at,
            vendor,
            made,
            declared,
        },
    );
}

/// `private final AnthropicClient claude;`, `client *openai.Client`, `oa: OpenAI`: names declared
/// with a type whose name starts with a bound name are that name's vendor's (no construction is
/// seen: they stand for a client made elsewhere).
fn bind_typed(
    node: Node,
    (ty, names, place): (Node, &[Node], Place),
    (text, syntax): (&[u8], Syntax),
    bound: &mut Bindings,
) {
    let chain = scopes(node);
    // A parameter outside any function or class is a signature's (a Go function type or
    // interface method, a Rust trait's): it binds nothing.
    if node.kind().contains("parameter") && chain[0] == 0 {
        return;
    }
    let at = node.start_byte();
    let type_name = syntax.type_name(ty, text);
    let Some(typed) = bound_prefix(&type_name, &chain, bound, at) else {
        return;
    };
    for name in names {
        let Some((name, _)) = syntax.target(*name, text) else {
            continue;
        };
        let (name, scope) = match place {
            Place::Member => (format!(".{name}"), 0),
            _ => (name, scope_of(node, place)),
        };
        let binding = Binding {
            at,
            vendor: typed.vendor,
            made: None,
            declared: true,
        };
        bind_name(bound, (scope, name), binding);
    }
}

/// The vendor of the client `value` makes (a call or `new`, awaited or not, on a name bound to a
/// vendor in the scopes of `chain` at byte `at`): a platform's where its arguments point the SDK
/// at one. With it, where the value is derived from a client (`client.with_options(...)`, and a
/// response, whose calls are that client's too), the line that client was made on.
fn made_client(
    value: Node,
    chain: &[usize],
    at: usize,
    (text, syntax): (&[u8], Syntax),
    matchers: &Matchers,
    bound: &Bindings,
) -> Option<(Vendor, Option<u32>)> {
    let value = unawaited(value);
    let callee = syntax.callee(value, text)?;
    let (binding, prefix) = bound_prefix_len(&callee, chain, bound, at)?;
    if binding.made.is_some() {
        return Some((binding.vendor, binding.made));
    }
    if binding.declared || !constructs(syntax, &callee, prefix) {
        return None;
    }
    // A construction of a vendor's client: its arguments are a vendor file's text, gated
    // patterns included (a self-hosted server's URL is one).
    let lang = syntax.lang();
    let arguments = matchers.find_gated(lang, node_text(value, text).as_bytes(), Gate::Part(true));
    // `OpenAI(base_url="https://api.groq.com/openai/v1")`, `GoogleGenAI({vertexai: true})`.
    let platform = (arguments.iter())
        .map(|h| h.portability.vendor)
        .find(|&p| p != binding.vendor && serves(binding.vendor, p));
    Some((platform.unwrap_or(binding.vendor), None))
}

/// Whether a call of `callee`, whose first `prefix` bytes are an SDK's import, constructs a
/// client rather than calling its API or building a request.
/// - Python and JavaScript: an API call on the module (`openai.chat.completions.create(...)`)
///   returns a response: a construction names a class (`anthropic.Anthropic`,
///   `google.genai.Client`) or a factory (`createOpenAI`) at most one name past the import.
/// - Go: a client's constructor (`openai.NewClient`, `bedrockruntime.NewFromConfig`,
///   `api.ClientFromEnvironment`).
/// - Ruby: `.new` of what a `require` brings.
/// - Elsewhere: a client's type, by its name (`AnthropicOkHttpClient.fromEnv()`,
///   `OpenAiChatModel.builder()…build()`, `new VertexAI(…)`, `OpenAI::Client.new`,
///   `bedrock::Client::new()`), not a request's (`MessageCreateParams.builder()`) nor a
///   variable's (`openAI.file(…)`): types' names start with a capital.
pub(super) fn constructs(syntax: Syntax, callee: &str, prefix: usize) -> bool {
    let rest = &callee[prefix..];
    match syntax {
        Syntax::Python | Syntax::JavaScript => {
            let last = rest.rsplit('.').next();
            let class = last.is_some_and(|last| last.starts_with(char::is_uppercase));
            class || rest.matches('.').count() <= 1
        }
        // Not the SDKs' other `New…` helpers (`anthropic.NewUserMessage`, `NewToolResultBlock`).
        Syntax::Go => (rest.rsplit('.').next())
            .is_some_and(|f| ["New", "NewFromConfig"].contains(&f) || f.contains("Client")),
        // Any `.new` of a constant a `require` brings (`Gemini.new`, `OpenAI::Client.new`).
        Syntax::Ruby if callee.ends_with(".new") => true,
        _ => callee.split('.').any(|part| {
            let part = part.split(['(', '<']).next().unwrap_or(part);
            let capital = part.starts_with(char::is_uppercase);
            let client = part.contains("Client")
                || ["Model", "AI", "Api", "API"]
                    .iter()
                    .any(|end| part.ends_with(end));
            capital && client
        }),
    }
}

/// A character of an identifier in the languages read here (`$` is JavaScript's).
pub(super) fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// `await x`, `x.await` and `x?` are `x`, and so is Go's `return x` list of one.
pub(super) fn unawaited(node: Node) -> Node {
    match node.kind() {
        "await_expression" | "await" | "try_expression" => {
            node.named_child(0).map_or(node, unawaited)
        }
        "expression_list" if node.named_child_count() == 1 => {
            node.named_child(0).map_or(node, unawaited)
        }
        _ => node,
    }
}

/// The client the function `function` returns, if it makes one (`def claude(): return
/// Anthropic()`, `() => new OpenAI()`, or a client it binds and then returns): its vendor and
/// the line it is made on. `bound` holds the file's bindings.
pub(super) fn returned_client(
    function: Node,
    text: &[u8],
    (syntax, matchers): (Syntax, &Matchers),
    bound: &Bindings,
) -> Option<(Vendor, u32)> {
    let body = function.child_by_field_name("body")?;
    let mut values = Vec::new();
    if !matches!(body.kind(), "block" | "statement_block") {
        values.push(body); // an arrow function's expression
    }
    // Its own returns, not those of the functions it defines.
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if node.kind() == "return_statement" {
            values.extend(node.named_child(0));
        }
        let mut cursor = node.walk();
        stack.extend((node.named_children(&mut cursor)).filter(|n| !is_scope(n.kind())));
    }
    values.into_iter().find_map(|value| {
        let value = unawaited(value);
        let (chain, at) = (scopes(value), value.start_byte());
        let line = value.start_position().row as u32 + 1;
        let made = made_client(value, &chain, at, (text, syntax), matchers, bound);
        if let Some((vendor, derived_from)) = made {
            return Some((vendor, derived_from.unwrap_or(line)));
        }
        // A client bound before (`return client`, `return self._client`), not something read
        // from one (`return response.content[0].text`).
        let name = node_text(value, text);
        let (named, prefix) = bound_prefix_len(name, &chain, bound, at)?;
        named
            .made
            .filter(|_| prefix == name.len())
            .map(|made| (named.vendor, made))
    })
}

/// The binding of the longest bound prefix of a dotted name (`self.oa.chat.completions.create`
/// has `self.oa`) at byte `at`, looked up from the innermost scope of `chain` out.
fn bound_prefix(dotted: &str, chain: &[usize], bound: &Bindings, at: usize) -> Option<Binding> {
    bound_prefix_len(dotted, chain, bound, at).map(|(b, _)| b)
}

/// `bound_prefix`, with the length of the prefix.
fn bound_prefix_len(
    dotted: &str,
    chain: &[usize],
    bound: &Bindings,
    at: usize,
) -> Option<(Binding, usize)> {
    let in_scope = |scope: usize, dotted: &str| {
        let mut end = dotted.len();
        loop {
            if let Some(bindings) = bound.get(&(scope, dotted[..end].to_string())) {
                return binding_at(bindings, at).map(|b| (b, end));
            }
            end = dotted[..end].rfind('.')?;
        }
    };
    let found = chain.iter().find_map(|&scope| in_scope(scope, dotted));
    // A struct's field, through whatever value (`s.client…` is `.client…`: `Place::Member`).
    found.or_else(|| {
        let first = dotted.find('.')?;
        let (binding, end) = in_scope(0, &dotted[first..])?;
        Some((binding, first + end))
    })
}

/// Each construction's line, with the name it is first bound to and its vendor: a client's name,
/// whatever else is later bound to it (`fast = client.with_options(...)`).
pub(super) fn constructions(bound: &Bindings) -> HashMap<u32, (String, Vendor)> {
    let mut first: HashMap<u32, (usize, String, Vendor)> = HashMap::new();
    for ((_, name), list) in bound {
        for b in list {
            let Some(line) = b.made else { continue };
            let earlier = first.get(&line).is_some_and(|(at, _, _)| *at <= b.at);
            if !earlier {
                first.insert(line, (b.at, name.clone(), b.vendor));
            }
        }
    }
    (first.into_iter())
        .map(|(line, (_, name, vendor))| (line, (name, vendor)))
        .collect()
}

/// The client the innermost call around `at` goes through, where the file makes it, or that the
/// call makes (a construction's arguments are its client's): its line and, from `made`
/// (`constructions`), its name and vendor.
pub(super) fn own_client(
    root: Node,
    at: usize,
    (text, syntax): (&[u8], Syntax),
    (bound, made): (&Bindings, &HashMap<u32, (String, Vendor)>),
) -> Option<(String, u32, Vendor)> {
    let node = root.descendant_for_byte_range(at, at)?;
    let (b, call) = call_binding(node, (text, syntax), bound)?;
    let line = b.made.unwrap_or(call.start_position().row as u32 + 1);
    let (name, vendor) = made.get(&line)?;
    Some((name.clone(), line, *vendor))
}

/// The vendor of the call that hit at `at` is said in: the innermost call around it whose
/// callee starts with a bound name, or else, where the hit builds a request apart (`params =
/// {…}`, `var p = new MessageParameters {…}`), the first such call that request is then passed
/// to in its function (`client.messages.create(**params)`, `GetClaudeMessageAsync(p)`).
/// `uses` keeps each function's identifiers: a function is read once.
fn receiver_vendor(
    root: Node,
    at: usize,
    (text, syntax): (&[u8], Syntax),
    (bound, uses): (&Bindings, &mut Uses),
) -> Option<Vendor> {
    let node = root.descendant_for_byte_range(at, at)?;
    if let Some(vendor) = call_vendor(node, (text, syntax), bound) {
        return Some(vendor);
    }
    let (name, statement) = request_built(node, (text, syntax))?;
    let function = (statement.parent().into_iter())
        .flat_map(|p| std::iter::successors(Some(p), |n| n.parent()))
        .find(|n| is_scope(n.kind()))
        .unwrap_or(root);
    let named = (uses.entry(function.id()))
        .or_insert_with(|| identifiers(function, text))
        .get(&name)?;
    // Its uses after the statement, in order: the first call on a bound receiver it goes to.
    (named.iter())
        .filter(|&&p| p >= statement.end_byte())
        .find_map(|&p| call_vendor(root.descendant_for_byte_range(p, p)?, (text, syntax), bound))
}

/// A function's identifiers by name, with where each use starts: function id → name → offsets.
type Uses = HashMap<usize, HashMap<String, Vec<usize>>>;

fn identifiers(function: Node, text: &[u8]) -> HashMap<String, Vec<usize>> {
    let mut out: HashMap<String, Vec<usize>> = HashMap::new();
    let mut stack = vec![function];
    while let Some(n) = stack.pop() {
        if n.kind() == "identifier" {
            let name = node_text(n, text).to_string();
            out.entry(name).or_default().push(n.start_byte());
        }
        let mut cursor = n.walk();
        let children: Vec<Node> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The vendor of the innermost call around `node` whose callee starts with a bound name.
fn call_vendor(node: Node, (text, syntax): (&[u8], Syntax), bound: &Bindings) -> Option<Vendor> {
    call_binding(node, (text, syntax), bound).map(|(b, _)| b.vendor)
}

/// The binding the call around `node` goes through, and that call: the innermost through a
/// client (made, or declared by its type), else the innermost through an import. A request type
/// (`openai.ChatCompletionNewParams{…}`, `ChatCompletionCreateParams.builder()`) inside a call
/// through a client pointed at Groq is Groq's request.
fn call_binding<'t>(
    node: Node<'t>,
    (text, syntax): (&[u8], Syntax),
    bound: &Bindings,
) -> Option<(Binding, Node<'t>)> {
    let (chain, at) = (scopes(node), node.start_byte());
    let mut calls = std::iter::successors(Some(node), |n| n.parent()).filter_map(|n| {
        let callee = syntax.callee(n, text)?;
        bound_prefix(&callee, &chain, bound, at).map(|b| (b, n))
    });
    let first = calls.next()?;
    let client = |b: &Binding| b.made.is_some() || b.declared;
    if client(&first.0) {
        return Some(first);
    }
    Some(calls.find(|(b, _)| client(b)).unwrap_or(first))
}

/// The local name the value around `node` is bound to, and the binding statement: a request
/// built apart from the call it is for.
fn request_built<'t>(
    node: Node<'t>,
    (text, syntax): (&[u8], Syntax),
) -> Option<(String, Node<'t>)> {
    std::iter::successors(node.parent(), |n| n.parent())
        .take_while(|n| !is_scope(n.kind()))
        .find_map(|n| {
            let (target, value) = syntax.assignment(n)?;
            let inside = value.byte_range().contains(&node.start_byte());
            match syntax.target(target, text)? {
                (name, Place::Local) if inside => Some((name, n)),
                _ => None,
            }
        })
}
