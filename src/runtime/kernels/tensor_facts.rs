//! What a tensor is, as TorchScript's `prim::` properties ask: tsc's
//! tensors are dense, strided, unquantized CPU tensors, so `x.is_cpu` is
//! true and every other kind (`is_cuda`, `is_sparse`, `is_quantized`,
//! `is_meta`, ...) false; `itemsize` and `nbytes` follow from the dtype.
//! (`requires_grad`, `grad` and `is_leaf` depend on autograd, which tsc does
//! not track: they have no kernel.)

use std::collections::HashMap;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::RValue;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    table.insert(op::prim::is_cpu, |a| kind(a, true));
    for other in [
        op::prim::is_cuda,
        op::prim::is_xpu,
        op::prim::is_xla,
        op::prim::is_mps,
        op::prim::is_mtia,
        op::prim::is_maia,
        op::prim::is_ipu,
        op::prim::is_vulkan,
        op::prim::is_meta,
        op::prim::is_mkldnn,
        op::prim::is_sparse,
        op::prim::is_sparse_csr,
        op::prim::is_quantized,
        op::prim::is_nested,
    ] {
        table.insert(other, |a| kind(a, false));
    }
    table.insert(op::prim::itemsize, |a| Ok(vec![RValue::Int(a.tensor(0)?.dtype().size() as i64)]));
    table.insert(op::prim::nbytes, |a| {
        let t = a.tensor(0)?;
        Ok(vec![RValue::Int((t.dtype().size() * t.shape().iter().product::<usize>()) as i64)])
    });
}

fn kind(args: &Args<'_>, answer: bool) -> Result<Vec<RValue>, KernelError> {
    args.tensor(0)?;
    Ok(vec![RValue::Bool(answer)])
}
