//! Code actions: each machine-applicable suggestion of a diagnostic in the
//! requested range as a quick fix (all its edits, `__init__`'s line too),
//! and `source.fixAll.tsy`, what `tsc check --fix` would write.

use std::collections::HashMap;
use std::path::Path;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Position, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::{Checked, FIX_ALL, publish, text};
use crate::diag::{Applicability, Diagnostic, Suggestion};

pub(super) fn actions(
    name: &str,
    document: &str,
    checked: &Checked,
    params: &CodeActionParams,
    docs: &Path,
) -> Vec<CodeActionOrCommand> {
    let uri = &params.text_document.uri;
    let wants = |kind: &CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|k| kind.as_str() == k.as_str() || kind.as_str().starts_with(&format!("{}.", k.as_str())))
        })
    };
    let mut out = Vec::new();
    if wants(&CodeActionKind::QUICKFIX) {
        for d in &checked.diagnostics {
            let range = text::range(&checked.map, d.primary.span);
            if !overlaps(range, params.range) || checked.map.file_of(d.primary.span.start) != checked.file {
                continue;
            }
            for suggestion in &d.suggestions {
                let Some(edits) = edits(checked, suggestion) else { continue };
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: title(d, suggestion),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![publish::diagnostic(&checked.map, checked.file, uri, docs, d)]),
                    edit: Some(workspace_edit(uri, edits)),
                    is_preferred: Some(true),
                    ..Default::default()
                }));
            }
        }
    }
    let fix_all = CodeActionKind::new(FIX_ALL);
    if wants(&fix_all) {
        let fixed = crate::fix::fix(name, document, false);
        if fixed.applied > 0 {
            let whole = Range { start: Position::new(0, 0), end: text::local_position(document, document.len()) };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("tsc: apply every fix ({})", fixed.applied),
                kind: Some(fix_all),
                edit: Some(workspace_edit(uri, vec![TextEdit { range: whole, new_text: fixed.text }])),
                ..Default::default()
            }));
        }
    }
    out
}

/// A suggestion's edits, when a tool may apply them: machine-applicable,
/// and all in the document.
fn edits(checked: &Checked, suggestion: &Suggestion) -> Option<Vec<TextEdit>> {
    if suggestion.applicability != Applicability::MachineApplicable {
        return None;
    }
    suggestion
        .edits()
        .map(|e| {
            let here = checked.map.file_of(e.span.start) == checked.file;
            here.then(|| TextEdit { range: text::range(&checked.map, e.span), new_text: e.replacement })
        })
        .collect()
}

/// The suggestion's message; one that continues a help (`and use the
/// attribute here`) says the help first.
fn title(d: &Diagnostic, suggestion: &Suggestion) -> String {
    let message = suggestion.message.trim_end_matches(':');
    match d.helps.first() {
        Some(help) if message.starts_with("and ") => format!("{help}, {message}"),
        _ => message.to_string(),
    }
}

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..Default::default() }
}

/// Whether two ranges share a position (an empty range at a diagnostic's
/// edge counts, as editors ask at the cursor).
fn overlaps(a: Range, b: Range) -> bool {
    let key = |p: Position| (p.line, p.character);
    key(a.start) <= key(b.end) && key(b.start) <= key(a.end)
}
