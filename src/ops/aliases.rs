//! Operators that are other operators under another name, as PyTorch's
//! `NormalizeOps` pass (torch/csrc/jit/passes/normalize_ops.cpp) lists
//! them: `torch.divide` is `aten::div`, with the same schemas.

use super::{OpKind, op};

/// (alias, the operator it names).
pub const ALIASES: &[(OpKind, OpKind)] = &[
    (op::aten::absolute, op::aten::abs),
    (op::aten::clip, op::aten::clamp),
    (op::aten::clip_, op::aten::clamp_),
    (op::aten::arccos, op::aten::acos),
    (op::aten::arcsin, op::aten::asin),
    (op::aten::arctan, op::aten::atan),
    (op::aten::arctan2, op::aten::atan2),
    (op::aten::arccosh, op::aten::acosh),
    (op::aten::arcsinh, op::aten::asinh),
    (op::aten::arctanh, op::aten::atanh),
    (op::aten::fix, op::aten::trunc),
    (op::aten::negative, op::aten::neg),
    (op::aten::subtract, op::aten::sub),
    (op::aten::subtract_, op::aten::sub_),
    (op::aten::greater_equal, op::aten::ge),
    (op::aten::greater, op::aten::gt),
    (op::aten::less_equal, op::aten::le),
    (op::aten::less, op::aten::lt),
    (op::aten::not_equal, op::aten::ne),
    (op::aten::divide, op::aten::div),
    (op::aten::divide_, op::aten::div_),
    (op::aten::multiply, op::aten::mul),
    (op::aten::multiply_, op::aten::mul_),
    (op::aten::true_divide, op::aten::div),
    (op::aten::true_divide_, op::aten::div_),
    (op::aten::concat, op::aten::cat),
    (op::aten::concatenate, op::aten::cat),
    (op::aten::swapdims, op::aten::transpose),
    (op::aten::swapaxes, op::aten::transpose),
];
