//! A bounded fuzz run of lex + layout + parse inside the test suite: no
//! panic, no hang, and the parse invariants hold, on any byte string and on
//! mutations of real model files. (Proptest runs on stable and shrinks a
//! failure to a small input.)

mod common;

use std::path::Path;

use common::{check_invariants, parse};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Python fragments that make random splices hit interesting grammar states.
const PIECES: &[&str] = &[
    "def ",
    "class ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "\n",
    "    ",
    "\t",
    "\r\n",
    "if ",
    "else",
    "elif ",
    "for ",
    " in ",
    "while ",
    "return ",
    "lambda ",
    "x",
    "self.",
    "=",
    "==",
    "+=",
    "**",
    "*",
    ",",
    ".",
    "...",
    "\"",
    "'",
    "\"\"\"",
    "f\"{",
    "}\"",
    "b'",
    "r'",
    "\\",
    "#",
    "# type: int\n",
    "0x",
    "1e",
    "1_0",
    "3j",
    "@",
    "->",
    ":=",
    "not ",
    "is ",
    "yield ",
    "await ",
    "async ",
    "try:",
    "except ",
    "finally:",
    "with ",
    " as ",
    "import ",
    "from ",
    "é",
    "\u{a0}",
    "$",
    "?",
    ";",
    "global ",
    "del ",
    "pass",
    "raise ",
    "assert ",
    "**kw",
    "*args",
    "/",
];

fn check(text: &str) {
    let p = parse("fuzz.tsy", text);
    check_invariants(&p);
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures/valid", "tests/fixtures/invalid"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            for entry in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    out.push(text);
                }
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "fuzz seeds are missing");
    out
}

/// `text` with each edit applied: at a position, delete some bytes, insert
/// a fragment (positions moved to character boundaries).
fn mutate(mut text: String, edits: Vec<(prop::sample::Index, usize, &str)>) -> String {
    for (at, delete, insert) in edits {
        let mut start = at.index(text.len() + 1);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + delete).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        text.replace_range(start..end, insert);
    }
    text
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut runner = TestRunner::new(Config { cases: 3000, failure_persistence: None, ..Config::default() });
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..300), |bytes| {
            check(&String::from_utf8_lossy(&bytes));
            Ok(())
        })
        .expect("lexing and parsing arbitrary bytes must not panic");
}

#[test]
fn spliced_python_fragments_never_panic() {
    let piece = proptest::sample::select(PIECES);
    let mut runner = TestRunner::new(Config { cases: 3000, failure_persistence: None, ..Config::default() });
    runner
        .run(&proptest::collection::vec(piece, 0..60), |pieces| {
            check(&pieces.concat());
            Ok(())
        })
        .expect("lexing and parsing spliced fragments must not panic");
}

#[test]
fn mutated_model_files_never_panic() {
    let seeds = seeds();
    let strategy = (
        proptest::sample::select(seeds),
        proptest::collection::vec((any::<prop::sample::Index>(), 0usize..12, proptest::sample::select(PIECES)), 1..6),
    );
    let mut runner = TestRunner::new(Config { cases: 400, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(seed, edits)| {
            let text = mutate(seed, edits);
            check(&text);
            Ok(())
        })
        .expect("lexing and parsing mutated model files must not panic");
}

#[test]
fn deep_nesting_is_a_diagnostic_or_a_parse_not_a_crash() {
    // LALRPOP's parser keeps its own stack, so deep nesting costs memory, not
    // the call stack; the tree's recursive walkers are what is exercised.
    for depth in [10, 200] {
        check(&format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth)));
        check(&format!("x = {}1\n", "-".repeat(depth)));
        check(&format!("x = {}\n", "[".repeat(depth)));
    }
}

/// Found by `mutated_model_files_never_panic`: an invalid character at the
/// start of a line inside an unclosed bracket, then a statement keyword. The
/// recovery's line break must not go before the invalid character's token.
#[test]
fn unclosed_bracket_recovery_after_an_invalid_character() {
    check(
        "def f(x):\n    y = torch.cat([x, x], dim=0  #~ E1006\n \u{a0}global    return y\n\n\ndef g(x):\n    return x\n",
    );
}

/// Small models (the decision gate and the compile fixtures), lightly
/// mutated, through the whole `.ptl` pipeline — optimized and not: a file
/// or diagnostics, never a panic.
#[test]
fn mutated_models_compile_to_ptl_or_diagnose() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = vec![std::fs::read_to_string(root.join("examples/decision_gate.tsy")).expect("the example exists")];
    for entry in std::fs::read_dir(root.join("tests/fixtures/compile")).expect("compile fixtures").flatten() {
        seeds.push(std::fs::read_to_string(entry.path()).expect("a readable fixture"));
    }
    seeds.sort();
    let strategy = (
        proptest::sample::select(seeds),
        proptest::collection::vec((any::<prop::sample::Index>(), 0usize..8, proptest::sample::select(PIECES)), 0..3),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(Config { cases: 400, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(seed, edits, optimize)| {
            let text = mutate(seed, edits);
            let mut map = tsy::source::SourceMap::new();
            let file = map.add("fuzz.tsy".to_string(), text);
            let mut interner = tsy::syntax::Interner::new();
            let options = tsy::export::Options {
                bytecode_version: 8,
                optimize: optimize.then(tsy::passes::Options::default),
                print_after: Vec::new(),
                prefix: "fuzz".into(),
                trace: false,
            };
            let sink = std::io::Cursor::new(Vec::new());
            if let Ok((sink, _)) = tsy::compile_ptl(&mut map, file, &mut interner, None, None, &options, sink) {
                assert!(sink.get_ref().starts_with(b"PK"), "a zip archive");
            }
            Ok(())
        })
        .expect("compiling mutated models to .ptl must not panic");
}

/// The same mutated models run in the reference interpreter, scripted or
/// traced, optimized or not: outputs or diagnostics, never a panic.
#[test]
fn mutated_models_run_or_diagnose() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = vec![std::fs::read_to_string(root.join("examples/decision_gate.tsy")).expect("the example exists")];
    seeds.push(std::fs::read_to_string(root.join("tests/fixtures/trace/mixed.tsy")).expect("the fixture exists"));
    let strategy = (
        proptest::sample::select(seeds),
        proptest::collection::vec((any::<prop::sample::Index>(), 0usize..8, proptest::sample::select(PIECES)), 0..3),
        any::<bool>(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(Config { cases: 200, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(seed, edits, optimize, trace)| {
            let text = mutate(seed, edits);
            let mut map = tsy::source::SourceMap::new();
            let file = map.add("fuzz.tsy".to_string(), text);
            let mut interner = tsy::syntax::Interner::new();
            let options = tsy::run::Options {
                optimize: optimize.then(tsy::passes::Options::default),
                trace,
                ..Default::default()
            };
            if let Ok(outputs) = tsy::run::run(&mut map, file, &mut interner, &options) {
                assert!(!outputs.values.is_empty(), "a run has outputs");
            }
            Ok(())
        })
        .expect("running mutated models must not panic");
}
