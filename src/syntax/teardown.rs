//! Dropping an expression without recursion: a flat `1 + 1 + … + 1` is a
//! left-nested tree a million deep, and the compiler-generated drop would
//! recurse once per level and overflow the stack.

use super::ast::{Expr, ExprKind};

impl Drop for Expr {
    fn drop(&mut self) {
        if !has_operands(&self.kind) {
            return;
        }
        // Each expression taken off the stack gives up its operands before
        // it is dropped, so no drop below this one goes deeper than a level.
        let mut pending = Vec::new();
        take_operands(&mut self.kind, &mut pending);
        while let Some(mut expr) = pending.pop() {
            take_operands(&mut expr.kind, &mut pending);
        }
    }
}

/// The kinds whose operands form the long chains (the others hold their
/// expressions inside arguments, comprehensions or parameters, whose own
/// drops are shallow below the parser's nesting limit).
fn has_operands(kind: &ExprKind) -> bool {
    !matches!(kind, ExprKind::Name(_) | ExprKind::Literal(_) | ExprKind::Error)
}

/// Moves the operands of `kind` onto `pending`, leaving `Error` behind.
fn take_operands(kind: &mut ExprKind, pending: &mut Vec<Expr>) {
    match std::mem::replace(kind, ExprKind::Error) {
        ExprKind::Attribute { value, .. } | ExprKind::Starred(value) | ExprKind::Await(value) => pending.push(*value),
        ExprKind::YieldFrom(value) | ExprKind::UnaryOp { operand: value, .. } => pending.push(*value),
        ExprKind::Yield(value) => pending.extend(value.map(|v| *v)),
        ExprKind::Subscript { value, index } => pending.extend([*value, *index]),
        ExprKind::BinOp { left, right, .. } => pending.extend([*left, *right]),
        ExprKind::Call { func, args } => {
            pending.push(*func);
            drop(args);
        }
        ExprKind::BoolOp { values, .. } => pending.extend(values),
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => pending.extend(items),
        ExprKind::Compare { left, comparisons } => {
            pending.push(*left);
            pending.extend(comparisons.into_iter().map(|(_, e)| e));
        }
        ExprKind::IfExp { test, body, orelse } => pending.extend([*test, *body, *orelse]),
        ExprKind::Lambda { body, .. } | ExprKind::NamedExpr { value: body, .. } => pending.push(*body),
        ExprKind::ListComp { elt, .. } | ExprKind::SetComp { elt, .. } | ExprKind::GeneratorExp { elt, .. } => {
            pending.push(*elt);
        }
        ExprKind::DictComp { key, value, .. } => pending.extend([*key, *value]),
        ExprKind::Slice { lower, upper, step } => {
            pending.extend([lower, upper, step].into_iter().flatten().map(|e| *e));
        }
        ExprKind::Name(_) | ExprKind::Literal(_) | ExprKind::FString(_) | ExprKind::Dict(_) | ExprKind::Error => {}
    }
}
