//! PyTorch's view operators: their results share their input's elements,
//! so a write through either shows in the other. After a view operator's
//! kernel has run, [`alias`] runs it once more on the positions of the
//! input's elements, which gives the positions the result shows, and makes
//! the result a view (`RTensor::become_view`). `reshape` and `flatten` are
//! views only where PyTorch can view (its `computeStride`), else copies;
//! `view` raises there, and `contiguous` copies a view that is not.

use super::kernels::{self, KernelError};
use super::tensor::RTensor;
use super::value::RValue;
use crate::ops::{OpKind, op};

/// Operators whose tensor results are views of their first argument.
const VIEWS: &[OpKind] = &[
    op::aten::select,
    op::aten::slice,
    op::aten::narrow,
    op::aten::transpose,
    op::aten::swapaxes,
    op::aten::t,
    op::aten::permute,
    op::aten::numpy_T,
    op::aten::mT,
    op::aten::mH,
    op::aten::adjoint,
    op::aten::matrix_H,
    op::aten::real,
    op::aten::squeeze,
    op::aten::unsqueeze,
    op::aten::expand,
    op::aten::expand_as,
    op::aten::split,
    op::aten::split_with_sizes,
    op::aten::chunk,
    op::aten::unbind,
];

/// Reshaping operators: views where the strides allow it.
const RESHAPES: &[OpKind] = &[
    op::aten::view,
    op::aten::view_as,
    op::aten::reshape,
    op::aten::reshape_as,
    op::aten::_reshape_alias,
    op::aten::flatten,
    op::aten::unflatten,
];

/// Operators whose results may be views of their input in PyTorch: those
/// above, and the view operators tsc's interpreter does not alias yet.
pub(crate) fn may_alias(kind: OpKind) -> bool {
    VIEWS.contains(&kind)
        || RESHAPES.contains(&kind)
        || [
            op::aten::alias,
            op::aten::diagonal,
            op::aten::movedim,
            op::aten::moveaxis,
            op::aten::unfold,
            op::aten::as_strided,
            op::aten::view_as_real,
        ]
        .contains(&kind)
}

/// Makes the tensors `kind` returned views of its input, where PyTorch's
/// are. `outputs` are the kernel's results for `inputs`.
pub(crate) fn alias(
    kind: OpKind,
    overload: &str,
    inputs: &[RValue],
    outputs: &mut [RValue],
) -> Result<(), KernelError> {
    let Some(RValue::Tensor(input)) = inputs.first() else { return Ok(()) };
    if kind == op::aten::contiguous {
        if !is_contiguous(input)? {
            outputs[0] = RValue::Tensor(RTensor::new(input.data(), input.dtype())?);
        }
        return Ok(());
    }
    if !VIEWS.contains(&kind) && !RESHAPES.contains(&kind) {
        return Ok(());
    }
    if RESHAPES.contains(&kind) {
        let Some(RValue::Tensor(out)) = outputs.first() else { return Ok(()) };
        if !viewable(input, &out.shape())? {
            if matches!(kind, op::aten::view | op::aten::view_as) {
                return Err(KernelError::new(
                    "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
                ));
            }
            return Ok(());
        }
    }
    let mut args = inputs.to_vec();
    args[0] = RValue::Tensor(input.positions()?);
    let positions = kernels::call(kind, overload, &args)?;
    for (out, at) in outputs.iter().zip(&positions) {
        match (out, at) {
            (RValue::Tensor(out), RValue::Tensor(at)) => make_view(out, input, at)?,
            (RValue::List(outs), RValue::List(ats)) => {
                for (out, at) in outs.borrow().iter().zip(ats.borrow().iter()) {
                    if let (RValue::Tensor(out), RValue::Tensor(at)) = (out, at) {
                        make_view(out, input, at)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn make_view(out: &RTensor, input: &RTensor, at: &RTensor) -> Result<(), KernelError> {
    if out.same(input) || out.same(&input.owner()) {
        return Ok(());
    }
    out.become_view(input, at)
}

/// The strides of `t`'s elements in their owner (a view's positions are
/// affine in its indices); a dimension of size 1 has stride 0.
fn strides(t: &RTensor) -> Result<Vec<i64>, KernelError> {
    let shape = t.shape();
    let positions = t.positions()?.to_i64s()?;
    let mut strides = vec![0i64; shape.len()];
    let mut step = 1usize;
    for d in (0..shape.len()).rev() {
        if shape[d] > 1 {
            strides[d] = positions[step] - positions[0];
        }
        step *= shape[d];
    }
    Ok(strides)
}

fn is_contiguous(t: &RTensor) -> Result<bool, KernelError> {
    if !t.is_view() {
        return Ok(true);
    }
    let (shape, strides) = (t.shape(), strides(t)?);
    let mut expected = 1i64;
    for d in (0..shape.len()).rev() {
        if shape[d] > 1 && strides[d] != expected {
            return Ok(false);
        }
        expected *= shape[d] as i64;
    }
    Ok(true)
}

/// Whether PyTorch's `computeStride` finds strides for `t` in `shape`.
fn viewable(t: &RTensor, shape: &[usize]) -> Result<bool, KernelError> {
    if !t.is_view() || t.numel() == 0 {
        return Ok(true);
    }
    let (old, strides) = (t.shape(), strides(t)?);
    let (old, new): (Vec<i64>, Vec<i64>) =
        (old.iter().map(|&d| d as i64).collect(), shape.iter().map(|&d| d as i64).collect());
    if old.is_empty() {
        return Ok(true);
    }
    let mut view_d = new.len() as i64 - 1;
    let mut chunk_base_stride = *strides.last().unwrap_or(&1);
    let (mut tensor_numel, mut view_numel) = (1i64, 1i64);
    for tensor_d in (0..old.len()).rev() {
        tensor_numel *= old[tensor_d];
        if tensor_d == 0 || (old[tensor_d - 1] != 1 && strides[tensor_d - 1] != tensor_numel * chunk_base_stride) {
            while view_d >= 0 && (view_numel < tensor_numel || new[view_d as usize] == 1) {
                view_numel *= new[view_d as usize];
                view_d -= 1;
            }
            if view_numel != tensor_numel {
                return Ok(false);
            }
            if tensor_d > 0 {
                chunk_base_stride = strides[tensor_d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    Ok(view_d == -1)
}
