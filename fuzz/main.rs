//! `modelswap-fuzz TARGET`: one of `modelswap::fuzzing::TARGETS`, fed by AFL++ in persistent
//! mode (scripts/fuzz.sh starts it). A panic that escapes the target aborts, which AFL++ counts as
//! a crash; the panic hook is left alone so that a panic modelswap contains on purpose
//! (`input::contain`) is not mistaken for one.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(&(_, target)) = modelswap::fuzzing::TARGETS.iter().find(|(n, _)| *n == name) else {
        let names: Vec<&str> = modelswap::fuzzing::TARGETS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        eprintln!("usage: modelswap-fuzz TARGET, one of: {}", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz_nohook!(|data: &[u8]| target(data));
}
