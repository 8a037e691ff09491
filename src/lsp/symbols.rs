//! What hover and go to definition share: the dotted name under the cursor,
//! the class and function around it, and the file evaluated as `tsc check`
//! evaluates it (the values module-level code and `__init__` made).

use std::collections::HashSet;
use std::rc::Rc;

use crate::host::value::{Instance, Value};
use crate::host::{self, Evaluated};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{ClassDef, FunctionDef, Module, StmtKind};
use crate::syntax::{self, Interner};

/// The dotted name the cursor is on, up to the part under it: `self.gru`
/// for the cursor on `gru`, `nn` for the cursor on `nn` of `nn.Conv2d`.
#[derive(Debug, PartialEq)]
pub(super) struct Dotted {
    pub parts: Vec<String>,
    /// The file-local bytes of the last part.
    pub start: usize,
    pub end: usize,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The dotted name under file-local `offset`, if the cursor is on a name.
pub(super) fn dotted(text: &str, offset: usize) -> Option<Dotted> {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let start = text[..offset].char_indices().rev().take_while(|(_, c)| is_ident(*c)).last().map_or(offset, |(i, _)| i);
    let end = offset + text[offset..].chars().take_while(|c| is_ident(*c)).map(char::len_utf8).sum::<usize>();
    let word = &text[start..end];
    if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut parts = vec![word.to_string()];
    let mut at = start;
    while text[..at].ends_with('.') {
        let before = &text[..at - 1];
        let from = before.char_indices().rev().take_while(|(_, c)| is_ident(*c)).last().map(|(i, _)| i)?;
        parts.insert(0, before[from..].to_string());
        at = from;
    }
    Some(Dotted { parts, start, end })
}

/// The innermost class and function whose statements hold `offset` (global).
pub(super) fn enclosing(module: &Module, offset: u32) -> (Option<Rc<ClassDef>>, Option<Rc<FunctionDef>>) {
    let (mut class, mut function) = (None, None);
    let mut body = &module.body;
    'descend: loop {
        for stmt in body {
            if !(stmt.span.start <= offset && offset <= stmt.span.end) {
                continue;
            }
            match &stmt.kind {
                StmtKind::ClassDef(c) => {
                    class = Some(c.clone());
                    function = None;
                    body = &c.body;
                    continue 'descend;
                }
                StmtKind::FunctionDef(f) => {
                    function = Some(f.clone());
                    body = &f.body;
                    continue 'descend;
                }
                _ => {}
            }
        }
        return (class, function);
    }
}

/// The document parsed and evaluated (as `tsc check` does before
/// scripting), handed to `f` with the document's file; `None` when it does
/// not parse.
pub(super) fn evaluated<R>(
    name: &str,
    text: &str,
    f: impl FnOnce(&Module, FileId, &mut Evaluated<'_>) -> Option<R>,
) -> Option<R> {
    let mut map = SourceMap::new();
    let file = map.add(name, text);
    let mut interner = Interner::new();
    let parsed = syntax::parse(&map, file, &mut interner);
    if parsed.diagnostics.iter().any(crate::diag::Diagnostic::is_error) {
        return None;
    }
    let mut evaluated = host::evaluate(&mut map, file, &parsed.module, &mut interner);
    f(&parsed.module, file, &mut evaluated)
}

/// A global's value, looked up by name.
pub(super) fn global(evaluated: &Evaluated<'_>, name: &str) -> Option<Value> {
    let symbol = evaluated.host.interner.get(name)?;
    evaluated.globals.attrs.borrow().get(&symbol).cloned()
}

/// An attribute of a namespace, class or instance, as Python finds it.
pub(super) fn attribute(evaluated: &Evaluated<'_>, value: &Value, name: &str) -> Option<Value> {
    let symbol = evaluated.host.interner.get(name);
    match value {
        Value::Namespace(ns) => ns.attrs.borrow().get(&symbol?).cloned(),
        Value::Class(class) => class.lookup(symbol?),
        Value::Instance(instance) => module_attribute(evaluated, instance, name),
        Value::Entry(entry) => attribute(evaluated, &entry.target, name),
        _ => None,
    }
}

/// An instance's attribute: a parameter, buffer or submodule, a plain
/// attribute, or what its class has.
pub(super) fn module_attribute(evaluated: &Evaluated<'_>, instance: &Instance, name: &str) -> Option<Value> {
    if let Some(found) = instance.module.borrow().as_ref().and_then(|state| state.get(name)) {
        return Some(found);
    }
    let symbol = evaluated.host.interner.get(name)?;
    instance.attrs.borrow().get(&symbol).cloned().or_else(|| instance.class.lookup(symbol))
}

/// A dotted name's value, from the globals through attributes.
pub(super) fn resolve(evaluated: &Evaluated<'_>, parts: &[String]) -> Option<Value> {
    let (first, rest) = parts.split_first()?;
    rest.iter().try_fold(global(evaluated, first)?, |value, part| attribute(evaluated, &value, part))
}

/// A module instance the file made whose class is `class` (or derives
/// from it), found from the globals through submodules and entries.
pub(super) fn instance_of(evaluated: &Evaluated<'_>, class: &Rc<ClassDef>) -> Option<Rc<Instance>> {
    let mut seen = HashSet::new();
    let roots: Vec<Value> = evaluated.globals.attrs.borrow().values().cloned().collect();
    roots.iter().find_map(|v| find_instance(v, class, &mut seen))
}

fn find_instance(value: &Value, class: &Rc<ClassDef>, seen: &mut HashSet<usize>) -> Option<Rc<Instance>> {
    match value {
        Value::Entry(entry) => find_instance(&entry.target, class, seen),
        Value::Instance(instance) => {
            if !seen.insert(Rc::as_ptr(instance) as usize) {
                return None;
            }
            let defined =
                instance.class.mro().iter().any(|c| c.def.as_ref().is_some_and(|(d, _)| Rc::ptr_eq(d, class)));
            if defined {
                return Some(instance.clone());
            }
            let children = instance.module.borrow().as_ref().map(|s| s.modules.entries()).unwrap_or_default();
            children.iter().find_map(|(_, child)| find_instance(child, class, seen))
        }
        _ => None,
    }
}

/// Where a function or class is defined: its name in its `def`/`class`.
pub(super) fn defined_at(value: &Value) -> Option<Span> {
    match value {
        Value::Class(class) => class.def.as_ref().map(|(def, _)| def.name.span),
        Value::Function(function) => Some(function.def.name.span),
        Value::Method(bound) => defined_at(&bound.1),
        Value::Entry(entry) => defined_at(&entry.target),
        Value::Instance(instance) => defined_at(&Value::Class(instance.class.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dotted_name_up_to_the_cursor() {
        let text = "x = nn.Conv2d(self.a_b, 1)\n";
        let at = |needle: &str| text.find(needle).expect("in the text");
        let parts = |offset| dotted(text, offset).map(|d| d.parts);
        assert_eq!(parts(at("Conv2d") + 2), Some(vec!["nn".to_string(), "Conv2d".to_string()]));
        assert_eq!(parts(at("nn")), Some(vec!["nn".to_string()]));
        assert_eq!(parts(at("a_b") + 3), Some(vec!["self".to_string(), "a_b".to_string()]));
        assert_eq!(dotted(text, at("1)")), None);
        assert_eq!(dotted(text, at("= ")), None);
    }
}
