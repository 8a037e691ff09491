//! The entry points the fuzz targets (fuzz/, `cargo fuzz` on nightly) and
//! the corpus replay test (tests/fuzz_corpus.rs, on stable) feed bytes to:
//! one per reader of hostile input, each as far as `tsc` takes it. Any
//! input must end in `Ok` or a refusal, never a panic, abort or overflow.
//!
//! They run on the caller's stack: give them one as large as `tsc`'s
//! (256 MiB), or depth limits sized for it overflow first.

use std::io::Cursor;

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap};
use crate::syntax::Interner;

/// The budgets a fuzzed compile runs under: small, so a hostile input is
/// refused in milliseconds rather than explored for seconds.
pub const MEMORY_LIMIT: u64 = 64 << 20;
pub const STEP_LIMIT: u64 = 100_000;

/// What one input came to: accepted, or refused with this one-line reason
/// (the first diagnostic in the short format, or the reader's error).
pub type Outcome = Result<(), String>;

/// One fuzz target's entry point.
pub type Entry = fn(&[u8]) -> Outcome;

/// Each target of fuzz/ by name (its folders in fuzz/ are named so), with
/// its entry point. The two weights targets differ in their seeds only.
pub const TARGETS: [(&str, Entry); 7] = [
    ("parse", parse),
    ("evaluate", evaluate),
    ("check", check),
    ("compile", compile),
    ("torch_save", weights),
    ("safetensors", weights),
    ("ptl", ptl),
];

/// Lexing, layout and parsing, and the diagnostics rendered.
pub fn parse(bytes: &[u8]) -> Outcome {
    let (map, file) = source(bytes);
    let mut interner = Interner::new();
    let parsed = crate::syntax::parse(&map, file, &mut interner);
    refused(&map, parsed.diagnostics)
}

/// Parsing and running the module-level code (`__init__` bodies too).
pub fn evaluate(bytes: &[u8]) -> Outcome {
    small_budgets();
    let (mut map, file) = source(bytes);
    let mut interner = Interner::new();
    let parsed = crate::syntax::parse(&map, file, &mut interner);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return refused(&map, parsed.diagnostics);
    }
    let diagnostics = crate::host::evaluate(&mut map, file, &parsed.module, &mut interner).take_diagnostics();
    refused(&map, diagnostics)
}

/// `tsc check`, every phase, and its diagnostics rendered.
pub fn check(bytes: &[u8]) -> Outcome {
    small_budgets();
    let (mut map, file) = source(bytes);
    let mut interner = Interner::new();
    let diagnostics = crate::check(&mut map, file, &mut interner);
    refused(&map, diagnostics)
}

/// `tsc compile -o model.ptl`, optimized, into memory; the written archive
/// read back as `tsc inspect` reads it.
pub fn compile(bytes: &[u8]) -> Outcome {
    small_budgets();
    let (mut map, file) = source(bytes);
    let mut interner = Interner::new();
    let options = crate::export::Options {
        bytecode_version: 8,
        optimize: Some(crate::passes::Options::default()),
        print_after: Vec::new(),
        prefix: "model".into(),
        trace: false,
    };
    match crate::compile_ptl(&mut map, file, &mut interner, None, None, &options, Cursor::new(Vec::new())) {
        Ok((written, _)) => ptl(&written.into_inner()),
        Err(diagnostics) => refused(&map, diagnostics),
    }
}

/// A weights file (`torch.save` zip or safetensors), as `--weights` reads it.
pub fn weights(bytes: &[u8]) -> Outcome {
    small_budgets();
    crate::weights::read_bytes(bytes).map(drop).map_err(|e| e.to_string())
}

/// A `.ptl` file, as `tsc inspect` reads and prints it.
pub fn ptl(bytes: &[u8]) -> Outcome {
    small_budgets();
    let model = crate::ptl::read_bytes(bytes).map_err(|e| e.to_string())?;
    std::hint::black_box(crate::ptl::disasm::human(&model, "fuzz.ptl"));
    std::hint::black_box(crate::ptl::disasm::json(&model, "fuzz.ptl"));
    std::hint::black_box(crate::ptl::disasm::ops_json(&model));
    Ok(())
}

fn small_budgets() {
    crate::budget::set_limit(MEMORY_LIMIT);
    crate::budget::set_step_limit(STEP_LIMIT);
}

/// The bytes as `tsc` reads a source file: invalid UTF-8 replaced (`tsc`
/// reports it; the phases after see the replaced text).
fn source(bytes: &[u8]) -> (SourceMap, FileId) {
    let mut map = SourceMap::new();
    let file = map.add("fuzz.tsy", String::from_utf8_lossy(bytes).into_owned());
    (map, file)
}

/// The diagnostics rendered in every format `tsc` prints; the first error
/// in the short format, if any.
fn refused(map: &SourceMap, mut diagnostics: Vec<Diagnostic>) -> Outcome {
    crate::diag::sort(&mut diagnostics);
    std::hint::black_box(crate::diag::render::human(map, &diagnostics, false));
    std::hint::black_box(crate::diag::render::json(map, &diagnostics));
    match diagnostics.iter().find(|d| d.is_error()) {
        None => Ok(()),
        Some(first) => Err(crate::diag::render::short(map, std::slice::from_ref(first)).trim_end().to_string()),
    }
}
