//! Renderers for [`Diagnostic`]s: `human` (rustc-style, via codespan-reporting),
//! `short` (one line each) and `json` (for tools). All three are pure: they
//! return the text and leave printing to the caller.
//!
//! The human format, without colour:
//!
//! ```text
//! error[E1013]: parameter `max_length` has no type annotation
//!  --> model.tsy:1:7
//!   |
//! 1 | def f(max_length):
//!   |       ^^^^^^^^^^ needs a type
//!   |
//!   = note: TorchScript assumes `Tensor` for unannotated parameters
//!   = help: annotate the parameter: `def f(max_length: int):`
//!
//! ```
//!
//! Notes come first, then helps, then one `help:` per suggestion: the
//! suggestion's message, a colon, and the line(s) it touches with the
//! replacement applied. One line is shown inline in backticks, trimmed; several
//! lines are shown below the message, four spaces in, with their common
//! indentation removed. A suggestion that leaves nothing on its lines (a
//! deletion of whole lines) shows just its message.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel};
use codespan_reporting::diagnostic::{LabelStyle, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Chars, Config};
use serde::Serialize;

use super::{Diagnostic, Label, Severity, Suggestion};
use crate::source::{SourceFile, SourceMap, Span};

/// Renders diagnostics the way rustc does: header, source snippets with the
/// primary and secondary labels, then `= note:`/`= help:` lines. Each
/// diagnostic ends with an empty line. `color` switches ANSI escapes on.
pub fn human(map: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let config = Config { chars: Chars::ascii(), ..Config::default() };
    let files = MapFiles(map);
    let bytes = if color {
        emit_all(Ansi::new(Vec::new()), &config, &files, map, diagnostics).into_inner()
    } else {
        emit_all(NoColor::new(Vec::new()), &config, &files, map, diagnostics).into_inner()
    };
    let text = String::from_utf8(bytes).expect("codespan writes UTF-8 when given UTF-8");
    tidy(&text)
}

/// One line per diagnostic: `file:line:col: error[E1001]: message`.
pub fn short(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let at = Location::of(map, d.primary.span);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}\n",
            at.file.name,
            at.line,
            at.column,
            severity_str(d.severity),
            d.code,
            d.message
        ));
    }
    out
}

/// A JSON array with one object per diagnostic, each on its own line:
/// `[`, then the objects (compact, comma-separated), then `]`, then a newline.
/// Lines and columns are 1-based (columns count characters, ends are
/// exclusive); `start`/`end` are byte offsets local to the file.
pub fn json(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return "[]\n".to_string();
    }
    let items: Vec<String> = diagnostics
        .iter()
        .map(|d| serde_json::to_string(&JsonDiagnostic::new(map, d)).expect("a diagnostic always serializes"))
        .collect();
    format!("[\n{}\n]\n", items.join(",\n"))
}

fn severity_str(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

// ---------------------------------------------------------------------------
// human

fn emit_all<W: WriteColor>(
    mut writer: W,
    config: &Config,
    files: &MapFiles<'_>,
    map: &SourceMap,
    diagnostics: &[Diagnostic],
) -> W {
    for d in diagnostics {
        let converted = to_codespan(map, d);
        if term::emit_to_write_style(&mut writer, config, files, &converted).is_err() {
            // Only reachable with spans outside the map; still say something.
            let _ = writeln!(writer, "{}[{}]: {}\n", severity_str(d.severity), d.code, d.message);
        }
    }
    writer
}

fn to_codespan(map: &SourceMap, d: &Diagnostic) -> CsDiagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let labels = std::iter::once((LabelStyle::Primary, &d.primary))
        .chain(d.secondary.iter().map(|l| (LabelStyle::Secondary, l)))
        .map(|(style, label)| to_codespan_label(map, style, label))
        .collect();
    let notes = d
        .notes
        .iter()
        .map(|n| format!("note: {n}"))
        .chain(d.helps.iter().map(|h| format!("help: {h}")))
        .chain(d.suggestions.iter().map(|s| suggestion_help(map, s)))
        .collect();
    CsDiagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

fn to_codespan_label(map: &SourceMap, style: LabelStyle, label: &Label) -> CsLabel<usize> {
    let id = map.file_of(label.span.start);
    let range = map.get(id).local(label.span);
    CsLabel::new(style, id.0 as usize, range).with_message(label.message.clone())
}

/// Two touches to codespan's output: the `-->` of a location line moves one
/// column left, where rustc puts it (its `>` above the `|` of the gutter), and
/// trailing spaces go.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (line, newline) = match line.strip_suffix('\n') {
            Some(line) => (line, "\n"),
            None => (line, ""),
        };
        let line = line.trim_end_matches(' ');
        let rest = line.trim_start_matches(' ');
        let gutter = line.len() - rest.len();
        if gutter > 0 && skip_escapes(rest).starts_with("-->") {
            out.push_str(&line[1..]);
        } else {
            out.push_str(line);
        }
        out.push_str(newline);
    }
    out
}

/// `text` after any ANSI SGR sequences (`ESC [ ... m`) at its start.
fn skip_escapes(mut text: &str) -> &str {
    while let Some(rest) = text.strip_prefix("\x1b[") {
        match rest.find('m') {
            Some(end) => text = &rest[end + 1..],
            None => break,
        }
    }
    text
}

/// `help: MESSAGE: `PATCHED LINE`` (see the module docs).
pub(super) fn suggestion_help(map: &SourceMap, s: &Suggestion) -> String {
    let message = s.message.strip_suffix(':').unwrap_or(&s.message);
    let patched = patched_lines(map, s);
    let lines: Vec<&str> = patched.lines().map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    match (first, last) {
        (Some(first), Some(last)) if first == last => {
            format!("help: {message}: `{}`", lines[first].trim())
        }
        (Some(first), Some(last)) => {
            let lines = &lines[first..=last];
            let indent =
                lines.iter().filter(|l| !l.is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
            let mut out = format!("help: {message}:");
            for line in lines {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str("    ");
                    out.push_str(&line[indent..]);
                }
            }
            out
        }
        _ => format!("help: {message}"),
    }
}

/// The full lines a suggestion touches, with its replacement applied.
fn patched_lines(map: &SourceMap, s: &Suggestion) -> String {
    let file = map.get(map.file_of(s.span.start));
    let local = file.local(s.span);
    let first = file.line_index(local.start);
    let last = file.line_index(local.end);
    let line_start = file.line_start(first);
    let line_end = line_range(file, last).end;
    let text = &file.text;
    let tail = text[local.end..line_end.max(local.end)].trim_end_matches(['\n', '\r']);
    format!("{}{}{}", &text[line_start..local.start], s.replacement, tail)
}

/// The byte range of a 0-based line, including its line break.
fn line_range(file: &SourceFile, line: usize) -> Range<usize> {
    let start = file.line_start(line);
    let end = if line + 1 < file.line_count() { file.line_start(line + 1) } else { file.text.len() };
    start..end
}

/// codespan's view of a [`SourceMap`]: file ids are indices into the map.
struct MapFiles<'m>(&'m SourceMap);

impl MapFiles<'_> {
    fn file(&self, id: usize) -> Result<&SourceFile, FilesError> {
        self.0.files().nth(id).map(|(_, f)| f).ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for MapFiles<'_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.file(id)?.line_index(byte_index))
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.file(id)?;
        let count = file.line_count();
        if line_index < count {
            Ok(line_range(file, line_index))
        } else if line_index == count {
            Ok(file.text.len()..file.text.len())
        } else {
            Err(FilesError::LineTooLarge { given: line_index, max: count - 1 })
        }
    }
}

// ---------------------------------------------------------------------------
// json

/// Where a global span is: its file, file-local bytes, 1-based line/column.
struct Location<'m> {
    file: &'m SourceFile,
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl<'m> Location<'m> {
    fn of(map: &'m SourceMap, span: Span) -> Location<'m> {
        let file = map.get(map.file_of(span.start));
        let local = file.local(span);
        let (line, column) = file.line_col(span.start);
        let (end_line, end_column) = file.line_col(span.end);
        Location { file, start: local.start, end: local.end, line, column, end_line, end_column }
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start: usize,
    end: usize,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    helps: &'a [String],
    suggestions: Vec<JsonSuggestion<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    primary: bool,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct JsonSuggestion<'a> {
    message: &'a str,
    file: &'a str,
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    replacement: &'a str,
    applicability: &'static str,
    /// The fix's further edits ([`Suggestion::also`]), when it has any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: &'a str,
    start: usize,
    end: usize,
    line: usize,
    column: usize,
    replacement: &'a str,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(map: &'a SourceMap, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
        let at = Location::of(map, d.primary.span);
        let labels = std::iter::once((true, &d.primary))
            .chain(d.secondary.iter().map(|l| (false, l)))
            .map(|(primary, label)| {
                let at = Location::of(map, label.span);
                JsonLabel {
                    primary,
                    message: &label.message,
                    file: &at.file.name,
                    line: at.line,
                    column: at.column,
                    end_line: at.end_line,
                    end_column: at.end_column,
                    start: at.start,
                    end: at.end,
                }
            })
            .collect();
        let suggestions = d
            .suggestions
            .iter()
            .map(|s| {
                let at = Location::of(map, s.span);
                JsonSuggestion {
                    message: &s.message,
                    file: &at.file.name,
                    start: at.start,
                    end: at.end,
                    line: at.line,
                    column: at.column,
                    replacement: &s.replacement,
                    applicability: s.applicability.as_str(),
                    also: s
                        .also
                        .iter()
                        .map(|e| {
                            let at = Location::of(map, e.span);
                            JsonEdit {
                                file: &at.file.name,
                                start: at.start,
                                end: at.end,
                                line: at.line,
                                column: at.column,
                                replacement: &e.replacement,
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        JsonDiagnostic {
            code: d.code.as_str(),
            severity: severity_str(d.severity),
            message: &d.message,
            file: &at.file.name,
            line: at.line,
            column: at.column,
            end_line: at.end_line,
            end_column: at.end_column,
            start: at.start,
            end: at.end,
            labels,
            notes: &d.notes,
            helps: &d.helps,
            suggestions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Applicability, Code};

    const MODEL: &str = "def f(max_length):\n    return g(max_length)\n";
    const PRELUDE: &str = "def g(n: int) -> int:\n    return n\n";

    /// Two files and a diagnostic that uses every part of [`Diagnostic`].
    fn fixture() -> (SourceMap, Vec<Diagnostic>) {
        let mut map = SourceMap::new();
        let model = map.add("model.tsy", MODEL);
        let prelude = map.add("prelude.tsy", PRELUDE);
        let m = map.get(model).base;
        let p = map.get(prelude).base;
        let d = Diagnostic::new(Code::E1013, Span::new(m + 6, m + 16), "parameter `max_length` has no type annotation")
            .label("needs a type")
            .secondary(Span::new(p + 6, p + 12), "parameters are annotated like this")
            .note("TorchScript assumes `Tensor` for unannotated parameters")
            .help("non-tensor parameters must be annotated")
            .suggest(
                "annotate the parameter",
                Span::new(m + 6, m + 16),
                "max_length: int",
                Applicability::MaybeIncorrect,
            );
        (map, vec![d])
    }

    fn position(haystack: &str, needle: &str) -> usize {
        haystack.find(needle).unwrap_or_else(|| panic!("{needle:?} not in:\n{haystack}"))
    }

    #[test]
    fn short_is_one_line_per_diagnostic() {
        let (map, mut diagnostics) = fixture();
        let mut warning = diagnostics[0].clone();
        warning.severity = Severity::Warning;
        warning.code = Code::E1001;
        warning.message = "second".into();
        let prelude = map.get(crate::source::FileId(1)).base;
        warning.primary.span = Span::new(prelude + 26, prelude + 32);
        diagnostics.push(warning);
        assert_eq!(
            short(&map, &diagnostics),
            "model.tsy:1:7: error[E1013]: parameter `max_length` has no type annotation\n\
             prelude.tsy:2:5: warning[E1001]: second\n"
        );
        assert_eq!(short(&map, &[]), "");
    }

    #[test]
    fn json_has_every_field() {
        let (map, diagnostics) = fixture();
        let expected = concat!(
            "[\n",
            r#"{"code":"E1013","severity":"error","#,
            r#""message":"parameter `max_length` has no type annotation","#,
            r#""file":"model.tsy","line":1,"column":7,"end_line":1,"end_column":17,"#,
            r#""start":6,"end":16,"labels":["#,
            r#"{"primary":true,"message":"needs a type","file":"model.tsy","#,
            r#""line":1,"column":7,"end_line":1,"end_column":17,"start":6,"end":16},"#,
            r#"{"primary":false,"message":"parameters are annotated like this","#,
            r#""file":"prelude.tsy","line":1,"column":7,"end_line":1,"end_column":13,"#,
            r#""start":6,"end":12}],"#,
            r#""notes":["TorchScript assumes `Tensor` for unannotated parameters"],"#,
            r#""helps":["non-tensor parameters must be annotated"],"#,
            r#""suggestions":[{"message":"annotate the parameter","file":"model.tsy","#,
            r#""start":6,"end":16,"line":1,"column":7,"replacement":"max_length: int","#,
            r#""applicability":"maybe-incorrect"}]}"#,
            "\n]\n",
        );
        let out = json(&map, &diagnostics);
        assert_eq!(out, expected);
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 1);
        assert_eq!(json(&map, &[]), "[]\n");
    }

    #[test]
    fn json_puts_one_diagnostic_per_line() {
        let (map, diagnostics) = fixture();
        let twice = [diagnostics[0].clone(), diagnostics[0].clone()];
        let out = json(&map, &twice);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!((lines[0], lines[3]), ("[", "]"));
        assert!(lines[1].ends_with("}]},") && lines[2].ends_with("}]}"));
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 2);
    }

    #[test]
    fn human_has_rustc_shape() {
        let (map, diagnostics) = fixture();
        let out = human(&map, &diagnostics, false);
        let lines = [
            "error[E1013]: parameter `max_length` has no type annotation\n",
            "\n --> model.tsy:1:7\n",
            "1 | def f(max_length):\n",
            "  |       ^^^^^^^^^^ needs a type\n",
            "\n --> prelude.tsy:1:7\n",
            "1 | def g(n: int) -> int:\n",
            "  |       ------ parameters are annotated like this\n",
            "  = note: TorchScript assumes `Tensor` for unannotated parameters\n",
            "  = help: non-tensor parameters must be annotated\n",
            "  = help: annotate the parameter: `def f(max_length: int):`\n",
        ];
        let mut previous = 0;
        for line in lines {
            let at = position(&out, line);
            assert!(at >= previous, "{line:?} out of order in:\n{out}");
            previous = at;
        }
        assert!(out.ends_with("\n\n"), "{out}");
        assert!(!out.contains('\x1b'));
        assert!(out.lines().all(|l| !l.ends_with(' ')), "{out}");
    }

    #[test]
    fn human_exact() {
        let (map, diagnostics) = fixture();
        let expected = "\
error[E1013]: parameter `max_length` has no type annotation
 --> model.tsy:1:7
  |
1 | def f(max_length):
  |       ^^^^^^^^^^ needs a type
  |
 --> prelude.tsy:1:7
  |
1 | def g(n: int) -> int:
  |       ------ parameters are annotated like this
  |
  = note: TorchScript assumes `Tensor` for unannotated parameters
  = help: non-tensor parameters must be annotated
  = help: annotate the parameter: `def f(max_length: int):`

";
        assert_eq!(human(&map, &diagnostics, false), expected);
    }

    #[test]
    fn human_location_arrow_lines_up_like_rustc() {
        let mut map = SourceMap::new();
        let text = "x = 1\n".repeat(11);
        let id = map.add("long.tsy", text);
        let base = map.get(id).base;
        let d = Diagnostic::new(Code::E1001, Span::new(base + 60, base + 61), "invalid syntax");
        let out = human(&map, &[d], false);
        position(&out, "\n  --> long.tsy:11:1\n   |\n11 | x = 1\n   | ^\n");
        let colored = human(&map, &[Diagnostic::new(Code::E1001, Span::point(base), "x")], true);
        let arrow = colored.lines().nth(1).unwrap();
        assert!(arrow.starts_with(" \x1b[") && arrow.contains("-->"), "{arrow:?}");
    }

    #[test]
    fn human_color_flag_controls_escapes() {
        let (map, diagnostics) = fixture();
        let plain = human(&map, &diagnostics, false);
        let colored = human(&map, &diagnostics, true);
        assert!(!plain.contains('\x1b'));
        assert!(colored.contains("\x1b["));
        assert!(colored.contains("E1013") && colored.contains("needs a type"));
    }

    #[test]
    fn human_separates_diagnostics_with_a_blank_line() {
        let (map, diagnostics) = fixture();
        let one = human(&map, &diagnostics, false);
        let two = human(&map, &[diagnostics[0].clone(), diagnostics[0].clone()], false);
        assert_eq!(two, format!("{one}{one}"));
        assert_eq!(human(&map, &[], false), "");
    }

    #[test]
    fn empty_span_at_end_of_file() {
        let mut map = SourceMap::new();
        map.add("first.tsy", "x = 1\n");
        let id = map.add("open.tsy", "x = (1,\n");
        let base = map.get(id).base;
        let eof = base + 8;
        map.add("after.tsy", "y = 2\n");
        let d = Diagnostic::new(Code::E1006, Span::point(eof), "unexpected end of file")
            .label("expected `)`")
            .secondary(Span::new(base + 4, base + 5), "unclosed delimiter");
        let diagnostics = [d];

        assert_eq!(short(&map, &diagnostics), "open.tsy:2:1: error[E1006]: unexpected end of file\n");
        let out = json(&map, &diagnostics);
        let head = concat!(
            "[\n",
            r#"{"code":"E1006","severity":"error","message":"unexpected end of file","#,
            r#""file":"open.tsy","line":2,"column":1,"end_line":2,"end_column":1,"#,
            r#""start":8,"end":8,"#
        );
        assert!(out.starts_with(head), "{out}");
        let human = human(&map, &diagnostics, false);
        position(&human, "error[E1006]: unexpected end of file\n");
        position(&human, "\n --> open.tsy:2:1\n");
        position(&human, "expected `)`");
        position(&human, "unclosed delimiter");
        assert!(!human.contains("after.tsy") && !human.contains("first.tsy"));
    }

    #[test]
    fn empty_span_at_end_of_file_without_newline() {
        let mut map = SourceMap::new();
        let id = map.add("open.tsy", "def f(:");
        let eof = map.get(id).base + 7;
        let d =
            Diagnostic::new(Code::E1005, Span::point(eof), "expected an indented block").label("expected a body here");
        let diagnostics = [d];
        assert_eq!(short(&map, &diagnostics), "open.tsy:1:8: error[E1005]: expected an indented block\n");
        let human = human(&map, &diagnostics, false);
        position(&human, "\n --> open.tsy:1:8\n");
        position(&human, "1 | def f(:\n");
        position(&human, "  |        ^ expected a body here\n");
    }

    #[test]
    fn span_over_a_multi_byte_character() {
        let mut map = SourceMap::new();
        let id = map.add("text.tsy", "s = 'é' $ 1\n");
        let base = map.get(id).base;
        // `é` is bytes 5..7; `$` is byte 9 but character column 9.
        let d = Diagnostic::new(Code::E1009, Span::new(base + 9, base + 10), "invalid character `$`")
            .label("not valid here")
            .secondary(Span::new(base + 5, base + 7), "a two-byte character")
            .suggest("remove it", Span::new(base + 8, base + 10), "", Applicability::MachineApplicable);
        let diagnostics = [d];
        assert_eq!(short(&map, &diagnostics), "text.tsy:1:9: error[E1009]: invalid character `$`\n");
        let out = json(&map, &diagnostics);
        for field in [
            r#""line":1,"column":9,"end_line":1,"end_column":10,"start":9,"end":10,"labels""#,
            r#""line":1,"column":6,"end_line":1,"end_column":7,"start":5,"end":7}"#,
            r#""start":8,"end":10,"line":1,"column":8,"replacement":"""#,
        ] {
            position(&out, field);
        }
        let human = human(&map, &diagnostics, false);
        position(&human, "\n --> text.tsy:1:9\n");
        // One dash under the one-column `é`, one caret under `$`.
        position(&human, "1 | s = 'é' $ 1\n");
        position(&human, "\n  |      -  ^ not valid here\n  |      |\n");
        position(&human, "\n  |      a two-byte character\n");
        position(&human, "  = help: remove it: `s = 'é' 1`\n");
    }

    #[test]
    fn suggestion_spanning_lines_is_shown_below() {
        let mut map = SourceMap::new();
        let id = map.add("m.tsy", "class M:\n    def f(self):\n        pass\n");
        let base = map.get(id).base;
        let s = Suggestion {
            message: "add a return type:".into(),
            span: Span::new(base + 23, base + 38),
            replacement: ") -> None:\n        return".into(),
            also: Vec::new(),
            applicability: Applicability::MaybeIncorrect,
        };
        assert_eq!(suggestion_help(&map, &s), "help: add a return type:\n    def f(self) -> None:\n        return");
        let delete = Suggestion { span: Span::new(base + 9, base + 26), replacement: String::new(), ..s };
        assert_eq!(suggestion_help(&map, &delete), "help: add a return type: `pass`");
        let whole = Suggestion { span: Span::new(base, base + 8), ..delete };
        assert_eq!(suggestion_help(&map, &whole), "help: add a return type");
    }
}
