//! The expression nesting limit. Later phases (validation, host evaluation,
//! the script compiler) recurse once per level of an expression; this check,
//! with a stack of its own, stops a file before any of them meets a tree
//! deeper than they can take. A binary operation's left operand does not
//! count as a level: `1 + 1 + … + 1` is flat as written, and every phase
//! walks left spines with a loop.

use super::ast::{Expr, ExprKind, Module};
use super::visit::Node;
use crate::diag::{Code, Diagnostic};

/// How deep expressions may nest: as deep as CPython 3.11 compiles them
/// (2,989 unary minuses, `not`s or attribute accesses; 2,983 `**`), with a
/// margin, so anything Python accepts, tsc reads.
const MAX_DEPTH: u32 = 3000;

/// The first expression (in source order) nested deeper than
/// [`MAX_DEPTH`], reported; `None` when the module is within the limit.
pub(super) fn check(module: &Module) -> Option<Diagnostic> {
    let mut pending = vec![(Node::Module(module), 0)];
    let mut children = Vec::new();
    while let Some((node, depth)) = pending.pop() {
        if let Node::Expr(e) = node
            && depth > MAX_DEPTH
        {
            return Some(too_deep(e));
        }
        // Each level below a node is written inside its span, in fewer
        // bytes: a node shorter than the levels left is within the limit
        // (every statement of an ordinary file), and not walked.
        if depth + node.span().len() < MAX_DEPTH {
            continue;
        }
        let left: Option<&Expr> = match node {
            Node::Expr(Expr { kind: ExprKind::BinOp { left, .. }, .. }) => Some(left),
            _ => None,
        };
        node.children(&mut |child| {
            let same_level = matches!(child, Node::Expr(e) if left.is_some_and(|l| std::ptr::eq(l, e)));
            let below = if same_level || !matches!(child, Node::Expr(_)) { depth } else { depth + 1 };
            children.push((child, below));
        });
        pending.extend(children.drain(..).rev());
    }
    None
}

fn too_deep(e: &Expr) -> Diagnostic {
    Diagnostic::new(Code::E1015, e.span, "expression nested too deeply")
        .label(format!("this is nested more than {MAX_DEPTH} levels deep"))
        .note(format!("tsc reads expressions nested up to {MAX_DEPTH} levels, about as deep as Python compiles"))
        .help("name the inner parts with variables")
}
