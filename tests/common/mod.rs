//! Helpers shared by the integration tests: parsing a text and checking the
//! invariants every parse must keep, whatever the input.

#![allow(dead_code)]

pub(crate) mod harness;

use std::path::{Path, PathBuf};

use tsy::diag::Diagnostic;
use tsy::source::{FileId, SourceMap, Span};
use tsy::syntax::layout::{self, Mode};
use tsy::syntax::token::Token;
use tsy::syntax::visit::{Node, walk};
use tsy::syntax::{Interner, Parsed};

pub(crate) struct Parse {
    pub map: SourceMap,
    pub file: FileId,
    pub interner: Interner,
    pub parsed: Parsed,
    pub tokens: Vec<(u32, Token, u32)>,
}

pub(crate) fn parse(name: &str, text: &str) -> Parse {
    let mut map = SourceMap::new();
    let file = map.add(name, text);
    let mut interner = Interner::new();
    let parsed = tsy::syntax::parse(&map, file, &mut interner);
    let mut lexer_diagnostics: Vec<Diagnostic> = Vec::new();
    let source = map.get(file);
    let tokens = layout::lex(&source.text, source.base, Mode::Module, &mut interner, &mut lexer_diagnostics).tokens;
    Parse { map, file, interner, parsed, tokens }
}

/// Token starts never go backwards, every token lies in the file, and every
/// AST node lies inside its parent (and the module covers the file).
pub(crate) fn check_invariants(p: &Parse) {
    let file = p.map.get(p.file);
    let whole = file.span();
    let mut previous = whole.start;
    for (l, token, r) in &p.tokens {
        assert!(l <= r, "token {token:?} at {l}..{r} runs backwards");
        assert!(*l >= previous, "token {token:?} at {l} starts before the previous token at {previous}");
        assert!(whole.contains(Span::new(*l, *r)), "token {token:?} at {l}..{r} is outside the file");
        previous = *l;
    }
    let module = Node::Module(&p.parsed.module);
    assert_eq!(module.span(), whole, "the module spans the whole file");
    check_children(module);
    for d in &p.parsed.diagnostics {
        assert!(whole.contains(d.primary.span), "diagnostic {} outside the file", d.message);
        assert!(!d.message.is_empty() && !d.primary.message.is_empty(), "diagnostic {d:?} lacks a message or label");
    }
    // Every node is reachable by the walker (no panics on any shape).
    let mut count = 0;
    walk(module, &mut |_| count += 1);
    assert!(count >= 1);
}

fn check_children(parent: Node<'_>) {
    let outer = parent.span();
    parent.children(&mut |child| {
        assert!(
            outer.contains(child.span()),
            "{child:?} at {:?} lies outside its parent {parent:?} at {outer:?}",
            child.span()
        );
        check_children(child);
    });
}

/// A span-free picture of the token stream, to compare an LF and a CRLF copy.
pub(crate) fn token_shapes(p: &Parse) -> Vec<String> {
    p.tokens
        .iter()
        .map(|(_, token, _)| match token {
            Token::Name(s) => format!("Name({})", p.interner.resolve(*s)),
            Token::Str(s) => format!("Str({:?},{:?},{})", s.kind, p.interner.resolve(s.value), s.parts.len()),
            other => format!("{other:?}"),
        })
        .collect()
}

/// (line, code) of every diagnostic.
pub(crate) fn lines_and_codes(p: &Parse) -> Vec<(usize, String)> {
    let file = p.map.get(p.file);
    p.parsed.diagnostics.iter().map(|d| (file.line_col(d.primary.span.start).0, d.code.to_string())).collect()
}

/// The (line, code) pairs a fixture's `#~` annotations expect.
pub(crate) fn annotations(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(at) = line.find("#~") {
            let rest = &line[at + 2..];
            let (line_no, codes) = match rest.strip_prefix('^') {
                Some(codes) => (index, codes),
                None => (index + 1, rest),
            };
            out.extend(codes.split_whitespace().map(|code| (line_no, code.to_string())));
        }
    }
    out.sort();
    out
}

/// Every file with extension `ext` under `dir`, sorted.
pub(crate) fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// insta settings: snapshots live in the top-level `snapshots/` and name
/// the file they are of.
pub(crate) fn snapshot_settings(input: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_input_file(input);
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}
