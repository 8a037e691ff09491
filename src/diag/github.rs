//! `--format github`: one GitHub Actions workflow command per diagnostic,
//! which the Actions runner shows as an annotation on the file's line in a
//! pull request (as ruff's `--output-format github`):
//!
//! ```text
//! ::error file=model.tsy,line=1,col=7,endLine=1,endColumn=17,title=E1013::parameter `max_length` has no type annotation
//! ```
//!
//! Lines and columns are 1-based, columns count characters, the end is
//! exclusive. Values are escaped as the runner unescapes them.

use super::{Diagnostic, Severity};
use crate::source::SourceMap;

pub fn github(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let span = d.primary.span;
        let file = map.get(map.file_of(span.start));
        let (line, col) = file.line_col(span.start);
        let (end_line, end_col) = file.line_col(span.end);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            property(&file.name),
            d.code,
            data(&d.message)
        ));
    }
    out
}

/// A command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property's value: as [`data`], and `:` and `,` too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;
    use crate::source::Span;

    #[test]
    fn one_command_per_diagnostic_with_escapes() {
        let mut map = SourceMap::new();
        map.add("a.tsy", "x = 1\n");
        let id = map.add("dir,x/b:c.tsy", "é = f(\n  1)\n");
        let base = map.get(id).base;
        let error = Diagnostic::new(Code::E2004, Span::new(base + 5, base + 12), "100% wrong\nsecond line");
        let mut warning = Diagnostic::new(Code::W1001, Span::point(base), "w");
        warning.severity = Severity::Warning;
        assert_eq!(
            github(&map, &[error, warning]),
            "::error file=dir%2Cx/b%3Ac.tsy,line=1,col=5,endLine=2,endColumn=5,title=E2004::100%25 wrong%0Asecond line\n\
             ::warning file=dir%2Cx/b%3Ac.tsy,line=1,col=1,endLine=1,endColumn=1,title=W1001::w\n"
        );
        assert_eq!(github(&map, &[]), "");
    }
}
