//! Source files and spans.
//!
//! Every file gets a disjoint range of one global offset space (as rustc's
//! `SourceMap` does), so a [`Span`] is two `u32`s and still knows its file.
//! That keeps AST nodes small and lets one diagnostic point into several files
//! (a user model and the embedded `torch.nn` prelude, say).

use std::ops::Range;

/// A half-open byte range in the global offset space of a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Span {
        debug_assert!(start <= end, "span {start}..{end} runs backwards");
        Span { start, end }
    }

    /// An empty span at `at`.
    pub fn point(at: u32) -> Span {
        Span { start: at, end: at }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains(self, inner: Span) -> bool {
        self.start <= inner.start && inner.end <= self.end
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// Index of a file in its [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// One source file: its name, text, where it starts in the global offset
/// space, and where its lines start (for line/column look-ups).
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    pub base: u32,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// The span covering the whole file.
    pub fn span(&self) -> Span {
        Span::new(self.base, self.base + self.text.len() as u32)
    }

    /// The file-local byte range of a global span.
    pub fn local(&self, span: Span) -> Range<usize> {
        (span.start - self.base) as usize..(span.end - self.base) as usize
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[self.local(span)]
    }

    /// 0-based line index of a file-local byte offset.
    pub fn line_index(&self, local: usize) -> usize {
        match self.line_starts.binary_search(&(local as u32)) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// File-local byte offset where the 0-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line] as usize
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line and 1-based column (in characters) of a global offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let local = self.text.floor_char_boundary((offset - self.base) as usize);
        let line = self.line_index(local);
        let start = self.line_start(line);
        let column = self.text[start..local].chars().count();
        (line + 1, column + 1)
    }
}

/// All files of one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file. Files are separated by one unused offset so that an empty
    /// span at the end of one file never belongs to the next.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let base = self.files.last().map_or(0, |f| f.base + f.text.len() as u32 + 1);
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1)).collect();
        self.files.push(SourceFile { name: name.into(), text, base, line_starts });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    /// The file a global offset belongs to.
    pub fn file_of(&self, offset: u32) -> FileId {
        let index = match self.files.binary_search_by_key(&offset, |f| f.base) {
            Ok(i) => i,
            Err(next) => next.saturating_sub(1),
        };
        FileId(index as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_counts_characters() {
        let mut map = SourceMap::new();
        map.add("a.tsy", "x = 1\n");
        let id = map.add("b.tsy", "ab\né = 2\n");
        let file = map.get(id);
        assert_eq!(map.file_of(file.base + 4), id);
        assert_eq!(file.line_col(file.base), (1, 1));
        // `=` on line 2 comes after a two-byte `é` and a space.
        assert_eq!(file.line_col(file.base + 3 + 3), (2, 3));
    }
}
