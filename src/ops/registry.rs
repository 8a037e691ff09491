//! Every operator schema of `schemas.txt`, by name.
//!
//! [`registry()`] indexes the checked-in file on first use (a scan for the
//! operator names, well under a millisecond) and parses the overloads of a
//! name the first time they are asked for. Parsing the whole file takes a
//! few milliseconds, which a compiler that touches a few dozen operators
//! need not pay.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::schema::{Schema, SchemaError};

/// The checked-in schema file: one schema per line, `#` comments.
pub const SCHEMAS: &str = include_str!("schemas.txt");

/// Operator schemas by name. Overloads of one name keep the file's order,
/// which is PyTorch's registration order: the order overload resolution
/// tries them in and its errors list them in.
#[derive(Debug)]
pub struct Registry {
    text: Cow<'static, str>,
    /// One per name, in order of first appearance.
    groups: Vec<Group>,
    by_name: HashMap<Box<str>, usize, Fnv>,
    /// (group, index in group) of every schema, in file order.
    file_order: Vec<(u32, u32)>,
}

#[derive(Debug)]
struct Group {
    name: Box<str>,
    /// (1-based line number, byte range in `text`) of each overload.
    lines: Vec<(usize, std::ops::Range<usize>)>,
    schemas: OnceLock<Vec<Schema>>,
}

/// A line of a schema file that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct RegistryError {
    /// 1-based.
    pub line: usize,
    pub error: SchemaError,
}

/// The registry of the checked-in `schemas.txt`, indexed on first use;
/// each name's overloads are parsed when first asked for.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::index(Cow::Borrowed(SCHEMAS)))
}

impl Registry {
    /// Parses a schema file (one schema per line; blank lines and lines
    /// starting with `#` are skipped) completely, reporting the first line
    /// that does not parse.
    pub fn parse(text: impl Into<Cow<'static, str>>) -> Result<Registry, RegistryError> {
        let text = text.into();
        let mut by_name: HashMap<Box<str>, usize, Fnv> = HashMap::default();
        let mut groups: Vec<(Group, Vec<Schema>)> = Vec::new();
        let mut file_order = Vec::new();
        for (line, range) in schema_lines(&text) {
            let schema = Schema::parse(&text[range.clone()]).map_err(|error| RegistryError { line, error })?;
            let group = *by_name.entry(schema.name.as_str().into()).or_insert_with(|| {
                let name = schema.name.as_str().into();
                groups.push((Group { name, lines: Vec::new(), schemas: OnceLock::new() }, Vec::new()));
                groups.len() - 1
            });
            let (group_lines, schemas) = &mut groups[group];
            file_order.push((group as u32, schemas.len() as u32));
            group_lines.lines.push((line, range));
            schemas.push(schema);
        }
        let groups = groups
            .into_iter()
            .map(|(group, schemas)| {
                let _ = group.schemas.set(schemas);
                group
            })
            .collect();
        Ok(Registry { text, groups, by_name, file_order })
    }

    /// Indexes a schema file by the operator name each line starts with,
    /// parsing nothing yet. Only for text known to parse (the checked-in
    /// file, which the tests parse completely): a lookup panics on a line
    /// that does not.
    fn index(text: Cow<'static, str>) -> Registry {
        let mut by_name: HashMap<Box<str>, usize, Fnv> = HashMap::default();
        let mut groups: Vec<Group> = Vec::new();
        let mut file_order = Vec::new();
        for (line, range) in schema_lines(&text) {
            let source = &text[range.clone()];
            let end = source.find(['.', '(']).unwrap_or(source.len());
            let name = &source[..end];
            let group = match by_name.get(name) {
                Some(&group) => group,
                None => {
                    groups.push(Group { name: name.into(), lines: Vec::new(), schemas: OnceLock::new() });
                    by_name.insert(name.into(), groups.len() - 1);
                    groups.len() - 1
                }
            };
            file_order.push((group as u32, groups[group].lines.len() as u32));
            groups[group].lines.push((line, range));
        }
        Registry { text, groups, by_name, file_order }
    }

    fn schemas<'a>(&'a self, group: &'a Group) -> &'a [Schema] {
        group.schemas.get_or_init(|| {
            group
                .lines
                .iter()
                .map(|(line, range)| {
                    let schema = Schema::parse(&self.text[range.clone()])
                        .unwrap_or_else(|error| panic!("schema file line {line}: {error}"));
                    assert_eq!(*schema.name, *group.name, "schema file line {line}: unexpected operator name");
                    schema
                })
                .collect()
        })
    }

    /// Every overload of `name` (`aten::add`), in file order; empty if none.
    pub fn overloads(&self, name: &str) -> &[Schema] {
        self.by_name.get(name).map_or(&[], |&group| self.schemas(&self.groups[group]))
    }

    /// The overload `overload` of `name` (`""` for the default overload).
    pub fn get(&self, name: &str, overload: &str) -> Option<&Schema> {
        self.overloads(name).iter().find(|s| s.overload == overload)
    }

    /// By qualified name with overload: `aten::add.Tensor`, `aten::sum`.
    pub fn lookup(&self, qualified: &str) -> Option<&Schema> {
        // The overload follows the first `.` after the namespace's `::`.
        let after_ns = qualified.find("::").map_or(0, |i| i + 2);
        match qualified[after_ns..].find('.') {
            Some(dot) => self.get(&qualified[..after_ns + dot], &qualified[after_ns + dot + 1..]),
            None => self.get(qualified, ""),
        }
    }

    /// An operator of this name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The number of schemas.
    pub fn len(&self) -> usize {
        self.file_order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.file_order.is_empty()
    }

    /// Every schema, in file order (parsing whatever is not parsed yet).
    pub fn iter(&self) -> impl Iterator<Item = &Schema> {
        self.file_order.iter().map(|&(group, index)| &self.schemas(&self.groups[group as usize])[index as usize])
    }

    /// Every operator name, in order of first appearance.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|group| &*group.name)
    }
}

/// (1-based line number, byte range) of every schema line: not blank, not a
/// `#` comment; the range excludes surrounding whitespace.
fn schema_lines(text: &str) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> + '_ {
    let mut offset = 0;
    text.split_inclusive('\n').enumerate().filter_map(move |(index, raw)| {
        let start = offset;
        offset += raw.len();
        let trimmed = raw.trim_start();
        let lead = raw.len() - trimmed.len();
        let trimmed = trimmed.trim_end();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return None;
        }
        Some((index + 1, start + lead..start + lead + trimmed.len()))
    })
}

/// FNV-1a: operator names are short and trusted, and SipHash showed up in
/// profiles of the registry's construction.
type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

#[derive(Debug)]
struct FnvHasher(u64);

impl std::default::Default for FnvHasher {
    fn default() -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_agrees_with_a_full_parse() {
        let lazy = Registry::index(Cow::Borrowed(SCHEMAS));
        let eager = Registry::parse(SCHEMAS).expect("schemas.txt parses");
        assert_eq!(lazy.len(), eager.len());
        assert!(lazy.names().eq(eager.names()));
        assert!(lazy.iter().eq(eager.iter()));
        assert_eq!(lazy.file_order, eager.file_order);
    }

    #[test]
    fn lines_skip_comments_and_blanks() {
        let text = "# c\n\n  a::b(int x) -> int  \r\n#\na::c() -> ()";
        let lines: Vec<(usize, &str)> = schema_lines(text).map(|(n, r)| (n, &text[r])).collect();
        assert_eq!(lines, [(3, "a::b(int x) -> int"), (5, "a::c() -> ()")]);
    }
}
