//! Annotations PyTorch's type parser refuses before compiling a statement:
//! `List`, `Dict`, `Optional` or `Tuple` without their element types, and a
//! name that is no type at all (`"Foo"`, and `dict`, which it does not
//! know either).

use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::syntax::ast::*;

use super::{Unit, each_statement};

/// The annotations of a function's parameters, result and local variables
/// that name no TorchScript type.
pub(super) fn check(host: &Host<'_>, unit: &Unit) -> Vec<Diagnostic> {
    let def = &unit.def;
    let mut annotations: Vec<&Expr> = def.params.iter().filter_map(|p| p.annotation.as_ref()).collect();
    annotations.extend(def.returns.as_ref());
    each_statement(host, unit, &def.body, &mut |stmt| {
        if let StmtKind::AnnAssign { annotation, .. } = &stmt.kind {
            annotations.push(annotation);
        }
    });
    let mut out = Vec::new();
    for annotation in annotations {
        if let Some(d) = refused(host, unit, annotation) {
            out.push(d);
        }
    }
    out
}

/// The first part of an annotation PyTorch refuses, as its diagnostic.
fn refused(host: &Host<'_>, unit: &Unit, e: &Expr) -> Option<Diagnostic> {
    let name = match &e.kind {
        ExprKind::Subscript { index, .. } => {
            return match &index.kind {
                ExprKind::Tuple(items) => items.iter().find_map(|i| refused(host, unit, i)),
                _ => refused(host, unit, index),
            };
        }
        ExprKind::Name(n) => host.name(*n),
        ExprKind::Literal(Literal::Str(s)) => host.name(*s),
        ExprKind::Attribute { value, attr } if matches!(value.kind, ExprKind::Name(n) if host.name(n) == "typing") => {
            host.name(attr.name)
        }
        _ => return None,
    };
    let bare = |form: &str, contained: &str, example: &str| {
        Diagnostic::new(
            Code::E2018,
            e.span,
            format!("Attempted to use {form} without {contained}. Please add {example}"),
        )
        .label(format!("`{form}` of what?"))
        .help(format!("name the element types: `{}`", example.rsplit(' ').next().unwrap_or(example)))
    };
    match name {
        "List" => Some(bare("List", "a contained type", "a contained type, e.g. List[int]")),
        "Optional" => Some(bare("Optional", "a contained type", "a contained type, e.g. Optional[int]")),
        "Tuple" => Some(bare("Tuple", "a contained type", "a contained type, e.g. Tuple[int]")),
        "Dict" => Some(bare("Dict", "contained types", "contained type, e.g. Dict[int, int]")),
        _ if is_identifier(name) && !known(host, unit, name) => Some(
            Diagnostic::new(Code::E2018, e.span, format!("Unknown type name '{name}'"))
                .label(format!("`{name}` is no type TorchScript knows"))
                .help("annotate with a TorchScript type: `int`, `Tensor`, `List[int]`, a class of the file"),
        ),
        _ => None,
    }
}

/// Whether a single name in an annotation can be a type: a builtin type, a
/// `typing` form, or a name the file or its imports define (`dict` is
/// not, for PyTorch).
fn known(host: &Host<'_>, unit: &Unit, name: &str) -> bool {
    if name == "dict" {
        return false;
    }
    if super::annotation::parse_str(name).is_some() || matches!(name, "list" | "tuple" | "Union" | "Final") {
        return true;
    }
    host.interner.get(name).is_some_and(|symbol| {
        unit.globals.attrs.borrow().contains_key(&symbol) || host.builtins.attrs.borrow().contains_key(&symbol)
    })
}

fn is_identifier(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}
