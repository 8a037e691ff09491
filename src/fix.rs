//! `tsc check --fix`: applies the machine-applicable suggestions of a
//! file's diagnostics, as ruff applies its safe fixes. Each round takes
//! the fixes in source order and skips one that touches an edit already
//! taken (it comes back in the next round, on the new text); insertions at
//! one point go in in that order. The file is checked again after every
//! round, until no fix applies.

use crate::diag::{Applicability, Diagnostic, Edit};
use crate::source::{FileId, SourceMap};
use crate::syntax::Interner;

/// Enough for fixes that wait for each other; a fix that keeps coming back
/// (one that does not remove its diagnostic) stops here.
const ROUNDS: usize = 10;

/// What fixing a file did.
#[derive(Debug)]
pub struct Fixed {
    /// The text with every fix applied.
    pub text: String,
    /// How many suggestions were applied.
    pub applied: usize,
}

/// Fixes `text` (named `name`) round by round; `verbose` as `tsc check --verbose`.
pub fn fix(name: &str, text: &str, verbose: bool) -> Fixed {
    let mut current = text.to_string();
    let mut applied = 0;
    let mut before = check(name, &current, verbose);
    for _ in 0..ROUNDS {
        let (map, file, diagnostics) = &before;
        let (next, count) = apply(map, *file, diagnostics);
        if count == 0 {
            break;
        }
        let after = check(name, &next, verbose);
        // A fix must never break the file's syntax: keep the text before it.
        if syntax_errors(&after.2) > syntax_errors(diagnostics) {
            break;
        }
        current = next;
        applied += count;
        before = after;
    }
    Fixed { text: current, applied }
}

/// The text of `file` with the machine-applicable suggestions of
/// `diagnostics` that do not touch each other applied (the first in
/// source order wins), and how many were applied. A suggestion with an
/// edit in another file (the prelude) is not applied.
pub fn apply(map: &SourceMap, file: FileId, diagnostics: &[Diagnostic]) -> (String, usize) {
    let source = map.get(file);
    let in_file = |e: &Edit| map.file_of(e.span.start) == file && map.file_of(e.span.end) == file;
    let mut taken: Vec<Edit> = Vec::new();
    let mut count = 0;
    for suggestion in diagnostics.iter().flat_map(|d| &d.suggestions) {
        if suggestion.applicability != Applicability::MachineApplicable {
            continue;
        }
        let mut edits: Vec<Edit> = suggestion.edits().collect();
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        // A fix whose own edits overlap has no one meaning: it is not applied.
        if edits.windows(2).any(|pair| pair[1].span.start < pair[0].span.end) {
            continue;
        }
        // Two insertions at one point do not touch: they go in in order.
        let touches = |e: &Edit| {
            taken.iter().any(|t| {
                e.span.start <= t.span.end && t.span.start <= e.span.end && !(e.span.is_empty() && t.span == e.span)
            })
        };
        if edits.iter().all(in_file) && !edits.iter().any(touches) {
            taken.extend(edits);
            count += 1;
        }
    }
    taken.sort_by_key(|e| e.span.start);
    let mut text = String::with_capacity(source.text.len());
    let mut at = 0;
    for edit in &taken {
        let local = source.local(edit.span);
        text.push_str(&source.text[at..local.start]);
        text.push_str(&edit.replacement);
        at = local.end;
    }
    text.push_str(&source.text[at..]);
    (text, count)
}

/// A unified diff from `old` to `new`, with `name` in both headers, as
/// `ruff --diff` prints it (`patch -p0` applies it); empty when they are equal.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(name, name).to_string()
}

fn check(name: &str, text: &str, verbose: bool) -> (SourceMap, FileId, Vec<Diagnostic>) {
    let mut map = SourceMap::new();
    let file = map.add(name, text);
    let mut interner = Interner::new();
    let diagnostics = crate::check_with(&mut map, file, &mut interner, verbose);
    (map, file, diagnostics)
}

/// Syntax errors (E1xxx): what a bad edit would cause.
fn syntax_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error() && d.code.as_str().starts_with("E1")).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;
    use crate::source::Span;

    fn suggestion(
        map: &SourceMap,
        file: FileId,
        edits: &[(u32, u32, &str)],
        applicability: Applicability,
    ) -> Diagnostic {
        let base = map.get(file).base;
        let mut edits =
            edits.iter().map(|&(s, e, r)| Edit { span: Span::new(base + s, base + e), replacement: r.into() });
        let first = edits.next().expect("an edit");
        Diagnostic::new(Code::E2001, first.span, "m").suggest_edits("fix", first, edits.collect(), applicability)
    }

    #[test]
    fn applies_machine_applicable_fixes_that_do_not_touch() {
        let mut map = SourceMap::new();
        let file = map.add("m.tsy", "a = b + c\n");
        let diagnostics = [
            suggestion(&map, file, &[(4, 5, "x"), (8, 9, "y")], Applicability::MachineApplicable),
            // Touches the first fix's edit at 8..9: left for the next round.
            suggestion(&map, file, &[(8, 9, "z")], Applicability::MachineApplicable),
            suggestion(&map, file, &[(0, 1, "q")], Applicability::MaybeIncorrect),
            suggestion(&map, file, &[(9, 9, "!")], Applicability::MachineApplicable),
            suggestion(&map, file, &[(0, 0, "# 1\n")], Applicability::MachineApplicable),
            suggestion(&map, file, &[(0, 0, "# 2\n")], Applicability::MachineApplicable),
        ];
        assert_eq!(apply(&map, file, &diagnostics), ("# 1\n# 2\na = x + y\n".to_string(), 3));
        let alone = [diagnostics[1].clone(), diagnostics[3].clone()];
        assert_eq!(apply(&map, file, &alone), ("a = b + z\n".to_string(), 1));
    }

    #[test]
    fn a_fix_whose_edits_overlap_is_not_applied() {
        let mut map = SourceMap::new();
        let file = map.add("m.tsy", "a = b + c\n");
        let overlapping = suggestion(&map, file, &[(4, 7, "x"), (6, 9, "y")], Applicability::MachineApplicable);
        assert_eq!(apply(&map, file, &[overlapping]), ("a = b + c\n".to_string(), 0));
    }

    #[test]
    fn a_fix_with_an_edit_in_another_file_is_not_applied() {
        let mut map = SourceMap::new();
        let file = map.add("m.tsy", "a = b\n");
        let other = map.add("prelude.tsy", "b = 1\n");
        let base = map.get(other).base;
        let first = Edit { span: Span::new(4, 5), replacement: "c".into() };
        let d = Diagnostic::new(Code::E2001, first.span, "m").suggest_edits(
            "fix",
            first,
            vec![Edit { span: Span::new(base, base + 1), replacement: "c".into() }],
            Applicability::MachineApplicable,
        );
        assert_eq!(apply(&map, file, &[d]), ("a = b\n".to_string(), 0));
    }

    #[test]
    fn diff_has_headers_and_hunks() {
        assert_eq!(unified_diff("m.tsy", "a\n", "a\n"), "");
        assert_eq!(unified_diff("m.tsy", "a\nb\n", "a\nc\n"), "--- m.tsy\n+++ m.tsy\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
    }
}
