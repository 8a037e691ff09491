//! Where things are, in LSP's terms: positions count UTF-16 code units
//! within a line (the protocol's default encoding), documents are `file:`
//! URIs.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::source::{SourceFile, SourceMap, Span};

/// The LSP position of a global offset in its file.
pub(super) fn position(file: &SourceFile, offset: u32) -> Position {
    local_position(&file.text, offset.saturating_sub(file.base) as usize)
}

/// The LSP position of a byte offset in `text`.
pub(super) fn local_position(text: &str, offset: usize) -> Position {
    let local = text.floor_char_boundary(offset.min(text.len()));
    let before = &text[..local];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    Position { line: line as u32, character: text[start..local].encode_utf16().count() as u32 }
}

/// The LSP range of file-local bytes `start..end` of `text`.
pub(super) fn local_range(text: &str, start: usize, end: usize) -> Range {
    Range { start: local_position(text, start), end: local_position(text, end) }
}

/// The LSP range of a global span.
pub(super) fn range(map: &SourceMap, span: Span) -> Range {
    let file = map.get(map.file_of(span.start));
    Range { start: position(file, span.start), end: position(file, span.end) }
}

/// The file-local byte offset of an LSP position in `text`; a position past
/// a line's end is its end, one past the last line the end of the text.
pub(super) fn offset(text: &str, at: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..at.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= at.character as usize {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    line_start + line.len()
}

/// The characters a `file:` URI's path escapes.
const PATH: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'<').add(b'>').add(b'?').add(b'`');

/// The `file:` URI of an absolute path.
pub(super) fn uri(path: &Path) -> Option<Uri> {
    let encoded = utf8_percent_encode(path.to_str()?, PATH).to_string();
    format!("file://{encoded}").parse().ok()
}

/// The path of a `file:` URI.
pub(super) fn path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path` names another machine; only local files are read.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    Some(PathBuf::from(percent_decode_str(rest).decode_utf8().ok()?.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let mut map = SourceMap::new();
        map.add("a.tsy", "x\n");
        let id = map.add("b.tsy", "é𝕏 = 1\nab\n");
        let file = map.get(id);
        // `=` is after `é` (1 unit, 2 bytes), `𝕏` (2 units, 4 bytes) and a space.
        assert_eq!(position(file, file.base + 7), Position { line: 0, character: 4 });
        assert_eq!(offset(&file.text, Position { line: 0, character: 4 }), 7);
        assert_eq!(offset(&file.text, Position { line: 1, character: 1 }), 12);
        assert_eq!(offset(&file.text, Position { line: 1, character: 99 }), 13);
        assert_eq!(offset(&file.text, Position { line: 9, character: 0 }), file.text.len());
        let span = Span::new(file.base + 11, file.base + 13);
        assert_eq!(range(&map, span), Range { start: Position::new(1, 0), end: Position::new(1, 2) });
    }

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a dir/m#1é.tsy");
        let uri = uri(path).expect("a URI");
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/m%231%C3%A9.tsy");
        assert_eq!(super::path(&uri).as_deref(), Some(path));
        assert_eq!(super::path(&"untitled:Untitled-1".parse().expect("a URI")), None);
    }
}
