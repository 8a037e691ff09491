//! Every host problem at once: after a module-level statement fails, the
//! names it would have bound are unknown, and a later failure of a
//! statement that reads one of them follows from the first, so it is not
//! reported (as the script checker types a failed expression `Any`).

use std::collections::HashSet;

use super::eval::{Flow, Host};
use crate::syntax::Symbol;
use crate::syntax::ast::{ExprKind, Stmt, StmtKind};
use crate::syntax::visit::{Node, walk};

/// Adds the names `stmt` binds at module level: its assignment targets,
/// `def`/`class` names and imports, in nested blocks too (an `if` or a
/// loop), but not the locals of the functions it defines.
pub(super) fn bound_names(stmt: &Stmt, out: &mut HashSet<Symbol>) {
    let target = |e: &crate::syntax::ast::Expr, out: &mut HashSet<Symbol>| {
        walk(Node::Expr(e), &mut |node| {
            if let Node::Expr(e) = node
                && let ExprKind::Name(name) = e.kind
            {
                out.insert(name);
            }
        });
    };
    match &stmt.kind {
        StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| target(t, out)),
        StmtKind::AugAssign { target: t, .. } | StmtKind::AnnAssign { target: t, .. } => target(t, out),
        StmtKind::FunctionDef(def) => {
            out.insert(def.name.name);
        }
        StmtKind::ClassDef(def) => {
            out.insert(def.name.name);
        }
        StmtKind::Import(aliases) => {
            for alias in aliases {
                out.insert(alias.asname.map_or(alias.name.parts[0].name, |a| a.name));
            }
        }
        StmtKind::ImportFrom { names, .. } => {
            for alias in names {
                out.insert(alias.asname.map_or(alias.name.parts[0].name, |a| a.name));
            }
        }
        StmtKind::For { target: t, body, orelse, .. } => {
            target(t, out);
            body.iter().chain(orelse).for_each(|s| bound_names(s, out));
        }
        StmtKind::While { body, orelse, .. } | StmtKind::If { body, orelse, .. } => {
            body.iter().chain(orelse).for_each(|s| bound_names(s, out));
        }
        StmtKind::With { items, body, .. } => {
            items.iter().filter_map(|i| i.target.as_ref()).for_each(|t| target(t, out));
            body.iter().for_each(|s| bound_names(s, out));
        }
        StmtKind::Try { body, handlers, orelse, finalbody } => {
            for handler in handlers {
                if let Some(name) = handler.name {
                    out.insert(name.name);
                }
                handler.body.iter().for_each(|s| bound_names(s, out));
            }
            body.iter().chain(orelse).chain(finalbody).for_each(|s| bound_names(s, out));
        }
        _ => {}
    }
}

/// Whether the failure `flow` of `stmt` follows from an earlier one: the
/// statement reads an unknown name, or the error is that one is not defined.
pub(super) fn follows(host: &Host<'_>, stmt: &Stmt, flow: &Flow, unknown: &HashSet<Symbol>) -> bool {
    if unknown.is_empty() {
        return false;
    }
    if let Flow::Raise(raised) = flow
        && &*raised.exception.class.name == "NameError"
        && unknown.iter().any(|n| raised.exception.message == format!("name '{}' is not defined", host.name(*n)))
    {
        return true;
    }
    let mut reads = false;
    walk(Node::Stmt(stmt), &mut |node| {
        if let Node::Expr(e) = node
            && let ExprKind::Name(name) = e.kind
        {
            reads |= unknown.contains(&name);
        }
    });
    reads
}
