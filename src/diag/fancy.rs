//! `--format fancy`: diagnostics drawn by ariadne, for terminals that want
//! each label joined to its span by an arrow (several labels on one line
//! are untangled into arrows of their own). The same parts as `human`:
//! the code and message, the primary label, the secondary labels, notes,
//! helps, and one help per suggestion with the patched line.

use std::collections::HashSet;
use std::ops::Range;

use ariadne::{CharSet, Color, Config, IndexType, Label as Arrow, Report, ReportKind};

use super::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};

/// Renders each diagnostic as ariadne does, each followed by an empty line;
/// `color` switches ANSI escapes on.
pub fn fancy(map: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let used: HashSet<String> = diagnostics
        .iter()
        .flat_map(|d| std::iter::once(&d.primary).chain(&d.secondary))
        .map(|label| map.get(map.file_of(label.span.start)).name.clone())
        .collect();
    let mut cache = ariadne::sources(
        map.files().filter(|(_, f)| used.contains(&f.name)).map(|(_, f)| (f.name.clone(), f.text.clone())),
    );
    let config = Config::default().with_color(color).with_index_type(IndexType::Byte).with_char_set(CharSet::Unicode);
    let mut out = Vec::new();
    for d in diagnostics {
        let (kind, primary_color) = match d.severity {
            Severity::Error => (ReportKind::Error, Color::Red),
            Severity::Warning => (ReportKind::Warning, Color::Yellow),
        };
        let mut report = Report::build(kind, located(map, d.primary.span))
            .with_config(config)
            .with_code(d.code)
            .with_message(&d.message);
        // In source order: ariadne starts a new snippet when a label is
        // above the one before it.
        let mut labels: Vec<(&super::Label, Color)> = std::iter::once((&d.primary, primary_color))
            .chain(d.secondary.iter().map(|label| (label, Color::Blue)))
            .collect();
        labels.sort_by_key(|(label, _)| label.span.start);
        for (order, (label, color)) in labels.into_iter().enumerate() {
            let mut arrow = Arrow::new(located(map, label.span)).with_color(color).with_order(order as i32);
            if !label.message.is_empty() {
                arrow = arrow.with_message(&label.message);
            }
            report.add_label(arrow);
        }
        report.with_notes(&d.notes);
        report.with_helps(&d.helps);
        report.with_helps(d.suggestions.iter().map(|s| {
            let help = super::render::suggestion_help(map, s);
            help.strip_prefix("help: ").unwrap_or(&help).to_string()
        }));
        if report.finish().write(&mut cache, &mut out).is_err() {
            // Only reachable with spans outside the map; still say something.
            out.extend(format!("{}[{}]: {}\n", kind_name(d.severity), d.code, d.message).bytes());
        }
        out.push(b'\n');
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    text.lines().map(str::trim_end).fold(String::with_capacity(text.len()), |mut all, line| {
        all.push_str(line);
        all.push('\n');
        all
    })
}

fn kind_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A span as ariadne takes it: the file's name and file-local bytes.
fn located(map: &SourceMap, span: Span) -> (String, Range<usize>) {
    let file = map.get(map.file_of(span.start));
    (file.name.clone(), file.local(span))
}
