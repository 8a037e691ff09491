//! Go to definition: a parameter or local goes to where the function binds
//! it, `self.x` to where a method of the class first assigns it (or to the
//! method `x`), a global to its `def`, `class`, import or last module-level
//! assignment, and a name the prelude defines (`nn.Conv2d`, `F.relu`) to its
//! source there, opened read-only.

use std::path::Path;

use lsp_types::{Location, Uri};

use super::symbols;
use crate::host::Evaluated;
use crate::source::Span;
use crate::syntax::Symbol;
use crate::syntax::ast::{Expr, ExprKind, FunctionDef, Module, Stmt, StmtKind};
use crate::syntax::visit::{Node, walk};

/// Where the name at file-local `offset` of the document is defined.
pub(super) fn definition(name: &str, text: &str, offset: usize, uri: &Uri, docs: &Path) -> Option<Location> {
    let dotted = symbols::dotted(text, offset)?;
    symbols::evaluated(name, text, |module, file, evaluated| {
        let at = evaluated.host.map.get(file).base + offset as u32;
        let span = find(module, evaluated, at, &dotted.parts)?;
        let map = &evaluated.host.map;
        let id = map.file_of(span.start);
        let target =
            if id == file { uri.clone() } else { super::docs::prelude(docs, &map.get(id).name, &map.get(id).text)? };
        Some(Location { uri: target, range: super::text::range(map, span) })
    })
}

fn find(module: &Module, evaluated: &Evaluated<'_>, at: u32, parts: &[String]) -> Option<Span> {
    let (class, function) = symbols::enclosing(module, at);
    let symbol = |text: &str| evaluated.host.interner.get(text);
    match parts {
        [only] => {
            let name = symbol(only)?;
            if let Some(found) = function.as_ref().and_then(|f| local(f, name)) {
                return Some(found);
            }
            let value = symbols::global(evaluated, only);
            value
                .as_ref()
                .and_then(symbols::defined_at)
                .filter(|span| in_file(evaluated, *span, module))
                .or_else(|| imported(&module.body, name))
                .or_else(|| evaluated.host.definitions.get(&(std::rc::Rc::as_ptr(&evaluated.globals), name)).copied())
                .or_else(|| value.as_ref().and_then(symbols::defined_at))
        }
        [receiver, attribute] if receiver == "self" && class.is_some() => {
            let class = class.as_ref()?;
            let (receiver, attribute) = (symbol(receiver)?, symbol(attribute)?);
            let assigned = class.body.iter().filter_map(|s| match &s.kind {
                StmtKind::FunctionDef(method) => first_store(&method.body, |target| {
                    matches!(&target.kind, ExprKind::Attribute { value, attr }
                        if attr.name == attribute && matches!(value.kind, ExprKind::Name(n) if n == receiver))
                })
                .map(|target| match &target.kind {
                    ExprKind::Attribute { attr, .. } => attr.span,
                    _ => target.span,
                }),
                _ => None,
            });
            let method = class.body.iter().find_map(|s| match &s.kind {
                StmtKind::FunctionDef(m) if m.name.name == attribute => Some(m.name.span),
                _ => None,
            });
            assigned.min_by_key(|span| span.start).or(method)
        }
        parts => symbols::resolve(evaluated, parts).as_ref().and_then(symbols::defined_at),
    }
}

/// Whether a span is in the document (not in the prelude).
fn in_file(evaluated: &Evaluated<'_>, span: Span, module: &Module) -> bool {
    let map = &evaluated.host.map;
    map.file_of(span.start) == map.file_of(module.span.start)
}

/// Where a function binds `name`: a parameter, or its first assignment.
fn local(function: &FunctionDef, name: Symbol) -> Option<Span> {
    if let Some(param) = function.params.iter().find(|p| p.name.name == name) {
        return Some(param.name.span);
    }
    first_store(&function.body, |target| matches!(target.kind, ExprKind::Name(n) if n == name)).map(|t| t.span)
}

/// The first assignment target in `body` (nested blocks too, not nested
/// functions' bodies) that `wanted` accepts.
fn first_store<'a>(body: &'a [Stmt], wanted: impl Fn(&Expr) -> bool) -> Option<&'a Expr> {
    let mut found: Option<&'a Expr> = None;
    for stmt in body {
        walk(Node::Stmt(stmt), &mut |node| {
            let Node::Stmt(s) = node else { return };
            let targets: Vec<&'a Expr> = match &s.kind {
                StmtKind::Assign { targets, .. } => targets.iter().collect(),
                StmtKind::AnnAssign { target, .. } | StmtKind::For { target, .. } => vec![target],
                _ => Vec::new(),
            };
            for target in targets {
                let mut each = |t: &'a Expr| {
                    if wanted(t) && found.is_none_or(|f| t.span.start < f.span.start) {
                        found = Some(t);
                    }
                };
                match &target.kind {
                    ExprKind::Attribute { .. } => each(target),
                    _ => crate::script::each_target_name(target, &mut each),
                }
            }
        });
    }
    found
}

/// The module-level `import` that binds `name`.
fn imported(body: &[Stmt], name: Symbol) -> Option<Span> {
    body.iter().find_map(|s| match &s.kind {
        StmtKind::Import(aliases) | StmtKind::ImportFrom { names: aliases, .. } => aliases.iter().find_map(|a| {
            let bound = a.asname.or_else(|| a.name.parts.first().copied())?;
            (bound.name == name).then_some(bound.span)
        }),
        _ => None,
    })
}
