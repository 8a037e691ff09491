//! tsc's diagnostics as LSP diagnostics: the code with a link to its
//! explanation, the primary label's range, secondary labels as related
//! information, notes and helps after the message, warnings as warnings.

use std::path::Path;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Range, Uri,
};

use super::text;
use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span};

/// The LSP form of `d`, shown in the document `file` (at `uri`). A
/// diagnostic whose primary span is in another file (the prelude) is
/// shown at the document's first line, its place given as related
/// information.
pub(super) fn diagnostic(
    map: &SourceMap,
    file: FileId,
    uri: &Uri,
    docs: &Path,
    d: &Diagnostic,
) -> lsp_types::Diagnostic {
    let here = |span: Span| map.file_of(span.start) == file;
    let mut related = Vec::new();
    let range = if here(d.primary.span) {
        text::range(map, d.primary.span)
    } else {
        related.extend(location(map, file, uri, docs, d.primary.span).map(|location| DiagnosticRelatedInformation {
            location,
            message: if d.primary.message.is_empty() { d.message.clone() } else { d.primary.message.clone() },
        }));
        Range::default()
    };
    for label in &d.secondary {
        if let Some(location) = location(map, file, uri, docs, label.span) {
            related.push(DiagnosticRelatedInformation { location, message: label.message.clone() });
        }
    }
    let mut message = d.message.clone();
    if here(d.primary.span) && !d.primary.message.is_empty() {
        message.push_str(&format!("\n{}", d.primary.message));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    for help in &d.helps {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for suggestion in &d.suggestions {
        message.push_str(&format!("\nhelp: {}", suggestion.message.trim_end_matches(':')));
    }
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: super::docs::explanation(docs, d.code).map(|href| CodeDescription { href }),
        source: Some("tsc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// A span's location: in the document, or in a prelude file written out.
fn location(map: &SourceMap, file: FileId, uri: &Uri, docs: &Path, span: Span) -> Option<Location> {
    let id = map.file_of(span.start);
    let target =
        if id == file { uri.clone() } else { super::docs::prelude(docs, &map.get(id).name, &map.get(id).text)? };
    Some(Location { uri: target, range: text::range(map, span) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    #[test]
    fn warnings_are_warnings_and_prelude_labels_are_related_information() {
        let docs = std::env::temp_dir().join(format!("tsy-publish-{}", std::process::id()));
        let mut map = SourceMap::new();
        let file = map.add("/m.tsy", "y = f(x)\n");
        let prelude = map.add("<prelude>/torch/nn/functional.tsy", "def f(x):\n    return x\n");
        let p = map.get(prelude).base;
        let uri: Uri = "file:///m.tsy".parse().expect("a URI");
        let mut d = Diagnostic::new(Code::W1001, Span::new(4, 8), "converted")
            .label("here")
            .secondary(Span::new(p + 4, p + 5), "defined here")
            .note("n")
            .help("h");
        d.severity = Severity::Warning;
        let shown = diagnostic(&map, file, &uri, &docs, &d);
        assert_eq!(shown.severity, Some(DiagnosticSeverity::WARNING));
        assert_eq!(shown.code, Some(NumberOrString::String("W1001".into())));
        assert_eq!(shown.message, "converted\nhere\nnote: n\nhelp: h");
        assert_eq!(shown.range, Range { start: lsp_types::Position::new(0, 4), end: lsp_types::Position::new(0, 8) });
        let related = shown.related_information.expect("the prelude label");
        let written = docs.join("prelude/torch/nn/functional.tsy");
        assert_eq!(related[0].location.uri, super::text::uri(&written).expect("a URI"));
        assert_eq!(std::fs::read_to_string(&written).expect("written"), map.get(prelude).text);
        let explained = shown.code_description.expect("a link").href;
        assert_eq!(explained, super::text::uri(&docs.join("explain/W1001.md")).expect("a URI"));
        std::fs::remove_dir_all(&docs).ok();
    }
}
