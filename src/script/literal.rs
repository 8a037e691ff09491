//! Integer literals as TorchScript reads them.

use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, IntLit, Literal, UnaryOp};

/// An integer literal, maybe negated (`-1`): `None` if `e` is not one,
/// the literal's span if it does not fit in an `i64` (PyTorch rejects
/// `-9223372036854775808` too: it reads the digits before the sign).
pub(super) fn int(e: &Expr) -> Option<Result<i64, Span>> {
    let (negated, literal) = match &e.kind {
        ExprKind::UnaryOp { op: UnaryOp::Neg, operand } => (true, &**operand),
        _ => (false, e),
    };
    let ExprKind::Literal(Literal::Int(digits)) = &literal.kind else { return None };
    let value = match digits {
        IntLit::Small(v) => i64::try_from(*v).ok(),
        IntLit::Big(_) => None,
    };
    Some(value.and_then(|v| if negated { v.checked_neg() } else { Some(v) }).ok_or(literal.span))
}
