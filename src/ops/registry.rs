//! Every operator schema of `schemas.txt`, parsed once on first use.

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
    /// Grouped by name (names in order of first appearance), each group in
    /// file order.
    schemas: Vec<Schema>,
    /// Name to its group's range in `schemas`.
    by_name: HashMap<String, (usize, usize)>,
    /// Indices into `schemas`, in file order.
    file_order: Vec<usize>,
}

/// A line of a schema file that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct RegistryError {
    /// 1-based.
    pub line: usize,
    pub error: SchemaError,
}

/// The registry of `schemas.txt`, parsed on first use.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::parse(SCHEMAS).expect("src/ops/schemas.txt parses (tested)"))
}

impl Registry {
    /// Parses a schema file: one schema per line; blank lines and lines
    /// starting with `#` are skipped.
    pub fn parse(text: &str) -> Result<Registry, RegistryError> {
        let mut parsed = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let schema = Schema::parse(line).map_err(|error| RegistryError { line: index + 1, error })?;
            parsed.push(schema);
        }
        // Group by name, stably: a name's rank is where it first appears.
        let ranks: Vec<usize> = {
            let mut first_seen: HashMap<&str, usize> = HashMap::new();
            parsed
                .iter()
                .map(|schema| {
                    let next = first_seen.len();
                    *first_seen.entry(schema.name.as_str()).or_insert(next)
                })
                .collect()
        };
        let mut order: Vec<usize> = (0..parsed.len()).collect();
        order.sort_by_key(|&i| (ranks[i], i));
        let mut position = vec![0; parsed.len()];
        for (new, &old) in order.iter().enumerate() {
            position[old] = new;
        }
        let mut slots: Vec<Option<Schema>> = parsed.into_iter().map(Some).collect();
        let schemas: Vec<Schema> = order.iter().map(|&old| slots[old].take().expect("each index once")).collect();
        let mut by_name: HashMap<String, (usize, usize)> = HashMap::new();
        for (i, schema) in schemas.iter().enumerate() {
            by_name.entry(schema.name.clone()).and_modify(|range| range.1 = i + 1).or_insert((i, i + 1));
        }
        Ok(Registry { schemas, by_name, file_order: position })
    }

    /// Every overload of `name` (`aten::add`), in file order; empty if none.
    pub fn overloads(&self, name: &str) -> &[Schema] {
        self.by_name.get(name).map_or(&[], |&(start, end)| &self.schemas[start..end])
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
        self.schemas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }

    /// Every schema, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Schema> {
        self.file_order.iter().map(|&i| &self.schemas[i])
    }

    /// Every operator name, in order of first appearance.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<(&str, usize)> = self.by_name.iter().map(|(name, range)| (name.as_str(), range.0)).collect();
        names.sort_by_key(|&(_, start)| start);
        names.into_iter().map(|(name, _)| name)
    }
}
