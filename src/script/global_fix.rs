//! The recipe's fix of a global used in a method (E2001), as edits a tool
//! can apply: `self._name = name` in the class's `__init__`, right after
//! its `super().__init__()`, and every use in the method read as
//! `self._name`. It is offered only where applying it cannot change what
//! the program computes; elsewhere the help says it in words.

use std::rc::Rc;

use crate::diag::Edit;
use crate::host::eval::Host;
use crate::host::unit::Unit;
use crate::host::value::Value;
use crate::source::Span;
use crate::syntax::Symbol;
use crate::syntax::ast::*;

use super::globals::local_names;

/// The edits storing global `name` on `self` and reading it there at
/// `uses` (in source order), or `None` when that is not certainly right:
/// a value TorchScript may not type as an attribute, a class that is not
/// the file's or has no `__init__` with a plain `super().__init__()`
/// statement, an `__init__` where `name` is a local, an attribute
/// `_name` the class already has, or a global that may change after the
/// module is created (`__init__` would read another value than `forward`
/// does): its last assignment must be a top-level statement before the
/// module's creation, and no function may declare it `global`.
pub(super) fn store_on_self(
    host: &Host<'_>,
    unit: &Unit,
    name: Symbol,
    value: &Value,
    uses: &[Span],
) -> Option<(Edit, Vec<Edit>)> {
    if !matches!(value, Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Str(_) | Value::Device(_)) {
        return None;
    }
    let owner = unit.owner.as_ref()?;
    let receiver = unit.def.params.first()?;
    if host.name(receiver.name.name) != "self" {
        return None;
    }
    let file = host.map.get(unit.file);
    let defined = *host.definitions.get(&(Rc::as_ptr(&unit.globals), name))?;
    let text = host.name(name);
    if host.map.file_of(defined.start) != unit.file
        || file.line_col(defined.start).1 != 1
        || defined.end > owner.created_at.start
        || declares_global(&file.text, text)
    {
        return None;
    }
    let class = owner.class.mro().into_iter().find_map(|c| match &c.def {
        Some((def, file)) if *file == unit.file && defines(def, &unit.def) => Some(def.clone()),
        _ => None,
    })?;
    let init = class.body.iter().find_map(|s| match &s.kind {
        StmtKind::FunctionDef(d) if host.name(d.name.name) == "__init__" => Some(d.clone()),
        _ => None,
    })?;
    if local_names(&init).contains(&name) {
        return None;
    }
    let attribute = format!("_{text}");
    let stored = format!("self.{attribute} = {text}");
    let mut edits: Vec<Edit> =
        uses.iter().map(|&span| Edit { span, replacement: format!("self.{attribute}") }).collect();
    let already = init.body.iter().any(|s| file.slice(s.span) == stored);
    if !already {
        if mentions(file.slice(class_span(&class)?), &attribute) || has_attribute(owner, host, &attribute) {
            return None;
        }
        edits.push(after_super_init(host, &init, &stored)?);
    }
    let mut edits = edits.into_iter();
    let first = edits.next()?;
    Some((first, edits.collect()))
}

/// Whether a `global` statement in `text` names `name`.
fn declares_global(text: &str, name: &str) -> bool {
    text.lines().any(|line| line.trim_start().strip_prefix("global ").is_some_and(|names| mentions(names, name)))
}

/// Whether the class body defines `method` itself.
fn defines(class: &ClassDef, method: &Rc<FunctionDef>) -> bool {
    class.body.iter().any(|s| matches!(&s.kind, StmtKind::FunctionDef(d) if Rc::ptr_eq(d, method)))
}

/// From the class's first statement to its last.
fn class_span(class: &ClassDef) -> Option<Span> {
    Some(class.body.first()?.span.to(class.body.last()?.span))
}

/// Whether `word` occurs in `text` as a whole identifier.
fn mentions(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Whether the instance has `name` as a plain attribute, parameter,
/// buffer or submodule.
fn has_attribute(owner: &crate::host::value::Instance, host: &Host<'_>, name: &str) -> bool {
    let plain = owner.attrs.borrow().keys().any(|k| host.name(*k) == name);
    plain || owner.module.borrow().as_ref().is_some_and(|state| state.get(name).is_some())
}

/// A new line `stored` after `__init__`'s `super().__init__()` statement,
/// at its indentation: after whatever follows it on its line (a comment),
/// so the statement's own line is left as it is.
fn after_super_init(host: &Host<'_>, init: &FunctionDef, stored: &str) -> Option<Edit> {
    let call = init.body.iter().find(|s| is_super_init(host, s))?;
    let file = host.map.get(host.map.file_of(call.span.start));
    let local = file.local(call.span);
    let line_start = file.line_start(file.line_index(local.start));
    let indent = &file.text[line_start..local.start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let rest = &file.text[local.end..];
    let line_end = local.end + rest.find('\n').unwrap_or(rest.len());
    let tail = file.text[local.end..line_end].trim();
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    let at = file.base + line_end as u32;
    Some(Edit { span: Span::point(at), replacement: format!("\n{indent}{stored}") })
}

/// `super().__init__(...)` or `super(Class, self).__init__(...)` as a statement.
fn is_super_init(host: &Host<'_>, stmt: &Stmt) -> bool {
    let StmtKind::Expr(call) = &stmt.kind else { return false };
    let ExprKind::Call { func, .. } = &call.kind else { return false };
    let ExprKind::Attribute { value, attr } = &func.kind else { return false };
    let ExprKind::Call { func: sup, .. } = &value.kind else { return false };
    host.name(attr.name) == "__init__" && matches!(sup.kind, ExprKind::Name(n) if host.name(n) == "super")
}
