//! Fixture tests for lexing, layout and parsing.
//!
//! `tests/fixtures/valid/*.tsy` must parse without a diagnostic; their token
//! and AST dumps are snapshots. `tests/fixtures/invalid/*.tsy` carry
//! rustc-style annotations: `#~ E1001` at the end of a line expects a
//! diagnostic with that code on that line, `#~^ E1001` on the line above. The
//! set of annotations must equal the set of diagnostics, and the rendered
//! diagnostics are snapshots. Every fixture, corpus case and example also
//! keeps the parse invariants, with LF and with CRLF line ends.

mod common;

use std::path::{Path, PathBuf};

use common::harness::{file_trials, run, trial};
use common::{annotations, check_invariants, files, lines_and_codes, parse, snapshot_settings, token_shapes};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let valid = files(&fixture_dir("valid"), "tsy");
    assert!(valid.len() >= 6, "the valid fixtures are missing");
    let invalid = files(&fixture_dir("invalid"), "tsy");
    assert!(invalid.len() >= 10, "the invalid fixtures are missing");
    let corpus = files(&root.join("tests/corpus/cases"), "py");
    assert!(corpus.len() >= 100, "expected the corpus at tests/corpus/cases");
    let mut trials = file_trials("valid", valid, valid_fixture_parses_cleanly_and_matches_its_snapshots);
    trials.extend(file_trials("invalid", invalid, invalid_fixture_reports_exactly_its_annotations));
    trials.extend(file_trials("parses", corpus, parses_without_a_syntax_diagnostic));
    trials.extend(file_trials("parses", files(&root.join("examples"), "tsy"), parses_without_a_syntax_diagnostic));
    trials.extend([
        trial(
            "three_independent_errors_are_all_reported_with_their_places",
            three_independent_errors_are_all_reported_with_their_places,
        ),
        trial("type_comments_are_kept_for_the_checker", type_comments_are_kept_for_the_checker),
        trial("literals_decode_like_python", literals_decode_like_python),
    ]);
    run(trials)
}

fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(kind)
}

fn name_of(path: &Path) -> String {
    path.file_stem().expect("fixture files have names").to_string_lossy().into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Parsing a CRLF copy gives the same tokens and the same diagnostics.
fn check_crlf(name: &str, text: &str) {
    let lf = parse(name, &text.replace("\r\n", "\n"));
    let crlf = parse(name, &text.replace("\r\n", "\n").replace('\n', "\r\n"));
    check_invariants(&crlf);
    assert_eq!(token_shapes(&lf), token_shapes(&crlf), "{name}: CRLF changes the tokens");
    assert_eq!(lines_and_codes(&lf), lines_and_codes(&crlf), "{name}: CRLF changes the diagnostics");
}

fn valid_fixture_parses_cleanly_and_matches_its_snapshots(path: &Path) {
    let name = name_of(path);
    let text = read(path);
    let p = parse(&name, &text);
    let rendered = tsy::diag::render::short(&p.map, &p.parsed.diagnostics);
    assert!(p.parsed.diagnostics.is_empty(), "{name} should parse cleanly:\n{rendered}");
    check_invariants(&p);
    check_crlf(&name, &text);
    let file = p.map.get(p.file);
    let ast = tsy::syntax::dump::ast(file, &p.parsed.module, &p.interner);
    let tokens = tsy::syntax::dump::tokens(file, &p.tokens, &p.interner);
    snapshot_settings(path).bind(|| {
        insta::assert_snapshot!(format!("ast__{name}"), ast);
        insta::assert_snapshot!(format!("tokens__{name}"), tokens);
    });
}

fn invalid_fixture_reports_exactly_its_annotations(path: &Path) {
    let name = name_of(path);
    let text = read(path);
    let p = parse(&name, &text);
    check_invariants(&p);
    check_crlf(&name, &text);
    let mut found = lines_and_codes(&p);
    found.sort();
    let rendered = tsy::diag::render::human(&p.map, &p.parsed.diagnostics, false);
    assert_eq!(found, annotations(&text), "{name}: diagnostics differ from the annotations:\n{rendered}");
    snapshot_settings(path).bind(|| insta::assert_snapshot!(format!("diagnostics__{name}"), rendered));
}

fn three_independent_errors_are_all_reported_with_their_places() {
    let text = read(&fixture_dir("invalid").join("three_independent.tsy"));
    let p = parse("three_independent.tsy", &text);
    let file = p.map.get(p.file);
    let found: Vec<(usize, usize, String)> = p
        .parsed
        .diagnostics
        .iter()
        .map(|d| {
            let (line, col) = file.line_col(d.primary.span.start);
            (line, col, d.code.to_string())
        })
        .collect();
    let expected = [(5, 9, "E1001"), (10, 13, "E1001"), (16, 18, "E1009")];
    let expected: Vec<(usize, usize, String)> = expected.iter().map(|(l, c, s)| (*l, *c, s.to_string())).collect();
    assert_eq!(found, expected);
}

fn parses_without_a_syntax_diagnostic(path: &Path) {
    let name = path.display().to_string();
    let text = read(path);
    let p = parse(&name, &text);
    let rendered = tsy::diag::render::short(&p.map, &p.parsed.diagnostics);
    assert!(p.parsed.diagnostics.is_empty(), "{name}:\n{rendered}");
    check_invariants(&p);
    check_crlf(&name, &text);
}

fn type_comments_are_kept_for_the_checker() {
    let p =
        parse("t.tsy", "def f(x):  # type: (int) -> int\n    y = x  # type: int\n    # not: a type\n    return y\n");
    let texts: Vec<&str> = p.parsed.type_comments.iter().map(|c| p.interner.resolve(c.text)).collect();
    assert_eq!(texts, ["(int) -> int", "int"]);
}

fn literals_decode_like_python() {
    use tsy::syntax::ast::{ExprKind, IntLit, Literal, StmtKind};
    let p = parse(
        "l.tsy",
        "a = 0x_FF\nb = 1_000.5\nc = 'x\\ty'\nd = r'x\\ty'\ne = 18446744073709551616\nf = '''a\r\nb'''\n",
    );
    assert!(p.parsed.diagnostics.is_empty());
    let values: Vec<String> = p
        .parsed
        .module
        .body
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Assign { value, .. } => match &value.kind {
                ExprKind::Literal(Literal::Int(IntLit::Small(v))) => v.to_string(),
                ExprKind::Literal(Literal::Int(IntLit::Big(s))) => {
                    format!("big {}", p.interner.resolve(*s))
                }
                ExprKind::Literal(Literal::Float(v)) => v.to_string(),
                ExprKind::Literal(Literal::Str(s)) => format!("{:?}", p.interner.resolve(*s)),
                other => format!("{other:?}"),
            },
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(values, ["255", "1000.5", "\"x\\ty\"", "\"x\\\\ty\"", "big 18446744073709551616", "\"a\\nb\""]);
}
