//! The transposing properties of a tensor: `x.T` (all dims reversed),
//! `x.mT`/`x.mH`/`x.adjoint()` (the last two swapped, of a batch of
//! matrices), `x.H` (of a matrix) and `x.real`, each a view of its input
//! (`views.rs`). tsc has no complex dtypes, so the conjugating ones
//! transpose only, and `real` is the tensor itself. A 0-dim tensor is
//! returned as it is (PyTorch warns that this is deprecated).

use std::collections::HashMap;

use super::args::tensor_out;
use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::RValue;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    table.insert(op::aten::numpy_T, numpy_t);
    table.insert(op::aten::mT, |a| batch_transpose(a, "tensor.mT"));
    table.insert(op::aten::mH, |a| batch_transpose(a, "tensor.mH"));
    table.insert(op::aten::adjoint, |a| batch_transpose(a, "tensor.adjoint()"));
    table.insert(op::aten::matrix_H, matrix_h);
    table.insert(op::aten::real, |a| Ok(vec![RValue::Tensor(a.tensor(0)?.clone())]));
}

/// `x.T`: the dimensions reversed.
fn numpy_t(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if t.dim() < 2 {
        return Ok(vec![RValue::Tensor(t.clone())]);
    }
    let dims: Vec<usize> = (0..t.dim()).rev().collect();
    tensor_out(t.data().permute(dims)?, t.dtype())
}

/// The last two dimensions swapped, of a tensor of two or more.
fn batch_transpose(args: &Args<'_>, what: &str) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    match t.dim() {
        0 => Ok(vec![RValue::Tensor(t.clone())]),
        1 => Err(KernelError::new(format!(
            "{what} is only supported on matrices or batches of matrices. Got 1-D tensor."
        ))),
        n => tensor_out(t.data().transpose(n - 2, n - 1)?, t.dtype()),
    }
}

/// `x.H`: the transpose of a matrix.
fn matrix_h(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    match t.dim() {
        0 => Ok(vec![RValue::Tensor(t.clone())]),
        2 => tensor_out(t.data().t()?, t.dtype()),
        1 => Err(KernelError::new("tensor.H is only supported on matrices (2-D tensors). Got 1-D tensor.")),
        n => Err(KernelError::new(format!(
            "tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor. For batches of matrices, consider using tensor.mH"
        ))),
    }
}
