//! Tensor factories: zeros/ones/full/empty (and their `_like` and `new_`
//! forms), arange, tensor/as_tensor/scalar_tensor, eye, fill/zero.

use std::collections::HashMap;

use candle_core::{Device, Tensor};

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::{RTensor, storage_dtype};
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::zeros, zeros),
        (op::aten::ones, ones),
        (op::aten::empty, zeros),
        (op::aten::full, full),
        (op::aten::zeros_like, zeros_like),
        (op::aten::ones_like, ones_like),
        (op::aten::empty_like, zeros_like),
        (op::aten::full_like, full_like),
        (op::aten::new_zeros, new_zeros),
        (op::aten::new_ones, new_ones),
        (op::aten::new_empty, new_zeros),
        (op::aten::new_full, new_full),
        (op::aten::arange, arange),
        (op::aten::linspace, linspace),
        (op::aten::meshgrid, meshgrid),
        (op::aten::tensor, tensor),
        (op::aten::as_tensor, as_tensor),
        (op::aten::scalar_tensor, scalar_tensor),
        (op::aten::eye, eye),
        (op::aten::fill, fill),
        (op::aten::zero, zero),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

/// A tensor of `shape` filled with `value`.
pub(super) fn filled(shape: &[usize], value: f64, dtype: ScalarType) -> Result<RTensor, KernelError> {
    super::within_budget(shape, dtype.size())?;
    let t = Tensor::full(value, shape, &Device::Cpu)?.to_dtype(storage_dtype(dtype))?;
    RTensor::new(t, dtype)
}

/// The dtype of a Python scalar fill value.
fn scalar_dtype(v: &RValue) -> ScalarType {
    match v {
        RValue::Bool(_) => ScalarType::Bool,
        RValue::Int(_) => ScalarType::Int64,
        _ => ScalarType::Float32,
    }
}

fn shape_arg(args: &Args<'_>, i: usize) -> Result<Vec<usize>, KernelError> {
    let v = args.int_list(i)?;
    if let Some(bad) = v.iter().find(|s| **s < 0) {
        return Err(args.error(format!("Trying to create tensor with negative dimension {bad}: {v:?}")));
    }
    Ok(v.into_iter().map(|s| s as usize).collect())
}

fn fill_value(args: &Args<'_>, i: usize) -> Result<f64, KernelError> {
    match args.get(i)? {
        RValue::Tensor(t) => t.item(),
        _ => args.float(i),
    }
}

fn one(t: RTensor) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Tensor(t)])
}

fn zeros(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    one(filled(&shape_arg(args, 0)?, 0.0, args.opt_dtype(1)?.unwrap_or(ScalarType::Float32))?)
}

fn ones(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    one(filled(&shape_arg(args, 0)?, 1.0, args.opt_dtype(1)?.unwrap_or(ScalarType::Float32))?)
}

fn full(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let dtype = args.opt_dtype(2)?.unwrap_or(scalar_dtype(args.get(1)?));
    one(filled(&shape_arg(args, 0)?, fill_value(args, 1)?, dtype)?)
}

fn like(args: &Args<'_>, value: f64, dtype_at: usize) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    one(filled(&t.shape(), value, args.opt_dtype(dtype_at)?.unwrap_or(t.dtype()))?)
}

fn zeros_like(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    like(args, 0.0, 1)
}

fn ones_like(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    like(args, 1.0, 1)
}

fn full_like(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    like(args, fill_value(args, 1)?, 2)
}

fn new_like(args: &Args<'_>, value: f64, dtype_at: usize) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    one(filled(&shape_arg(args, 1)?, value, args.opt_dtype(dtype_at)?.unwrap_or(t.dtype()))?)
}

fn new_zeros(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    new_like(args, 0.0, 2)
}

fn new_ones(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    new_like(args, 1.0, 2)
}

fn new_full(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    new_like(args, fill_value(args, 2)?, 3)
}

fn fill(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    like(args, fill_value(args, 1)?, usize::MAX)
}

fn zero(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    like(args, 0.0, usize::MAX)
}

/// `arange(end, …)`, `arange.start(start, end, …)`, `arange.start_step(start, end, step, …)`.
/// `linspace` as ATen's CPU kernel computes it, in the output's own type:
/// the first half counts up from `start`, the second down from `end`, each
/// element one fused multiply-add (PyTorch 2.5.1's wheels contract
/// `start + step * i` to an FMA: checked element for element).
fn linspace(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let bound = |i: usize| match args.get(i)? {
        RValue::Tensor(t) => t.item(),
        other => other.as_f64().ok_or_else(|| args.error("linspace bounds must be numbers")),
    };
    let (start, end) = (bound(0)?, bound(1)?);
    let steps = args.int(2)?;
    if steps < 0 {
        return Err(args.error("number of steps must be non-negative"));
    }
    let dtype = args.opt_dtype(3)?.unwrap_or(ScalarType::Float32);
    let n = steps as usize;
    let halfway = n / 2;
    let values: Vec<f64> = if dtype == ScalarType::Float32 {
        let (start, end) = (start as f32, end as f32);
        let step = if n > 1 { (end - start) / (n - 1) as f32 } else { 0.0 };
        (0..n)
            .map(|i| {
                f64::from(if i < halfway {
                    step.mul_add(i as f32, start)
                } else {
                    (-step).mul_add((n - i - 1) as f32, end)
                })
            })
            .collect()
    } else {
        let step = if n > 1 { (end - start) / (n - 1) as f64 } else { 0.0 };
        (0..n)
            .map(|i| if i < halfway { step.mul_add(i as f64, start) } else { (-step).mul_add((n - i - 1) as f64, end) })
            .collect()
    };
    Ok(vec![RValue::Tensor(RTensor::from_f64s(values, &[n], dtype)?)])
}

/// `meshgrid(tensors, indexing=...)`: each 1-D input broadcast along the
/// others' dimensions; `"xy"` swaps the first two.
fn meshgrid(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let tensors = args.tensors(0)?;
    let indexing = if args.overload == "indexing" { args.str(1)? } else { "ij" };
    if indexing != "ij" && indexing != "xy" {
        return Err(
            args.error(format!("torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}"))
        );
    }
    let swap = indexing == "xy" && tensors.len() >= 2;
    let mut lens: Vec<usize> = tensors.iter().map(RTensor::numel).collect();
    if swap {
        lens.swap(0, 1);
    }
    let mut out = Vec::with_capacity(tensors.len());
    for (i, t) in tensors.iter().enumerate() {
        let at = if swap && i < 2 { 1 - i } else { i };
        let mut view = vec![1; lens.len()];
        view[at] = t.numel();
        let data = t.data().reshape(view)?.broadcast_as(lens.as_slice())?.contiguous()?;
        out.push(RValue::Tensor(RTensor::new(data, t.dtype())?));
    }
    Ok(vec![RValue::list(out)])
}

fn arange(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let overload = match args.overload {
        "" if args.len() == 7 => "start_step",
        "" if args.len() == 6 => "start",
        o => o,
    };
    let (bounds, dtype_at): (Vec<&RValue>, usize) = match overload {
        "start_step" => (vec![args.get(0)?, args.get(1)?, args.get(2)?], 3),
        "start" => (vec![args.get(0)?, args.get(1)?], 2),
        _ => (vec![args.get(0)?], 1),
    };
    let nums: Vec<f64> = bounds
        .iter()
        .map(|v| match v {
            RValue::Tensor(t) => t.item(),
            other => other.as_f64().ok_or_else(|| args.error("arange bounds must be numbers")),
        })
        .collect::<Result<_, _>>()?;
    let (start, end, step) = match nums[..] {
        [end] => (0.0, end, 1.0),
        [start, end] => (start, end, 1.0),
        [start, end, step] => (start, end, step),
        _ => return Err(args.error("arange takes 1 to 3 bounds")),
    };
    let any_float = bounds
        .iter()
        .any(|v| matches!(v, RValue::Float(_)) || v.as_tensor().is_some_and(|t| t.dtype().is_floating_point()));
    let dtype = args.opt_dtype(dtype_at)?.unwrap_or(if any_float { ScalarType::Float32 } else { ScalarType::Int64 });
    if step == 0.0 {
        return Err(args.error("step must be nonzero"));
    }
    if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
        return Err(args.error("upper bound and larger bound inconsistent with step sign"));
    }
    let n = ((end - start) / step).ceil().max(0.0) as usize;
    let values: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
    one(RTensor::from_f64s(values, &[n], dtype)?)
}

/// A nested list's shape, values and whether it holds floats / ints.
fn flatten_list(
    v: &RValue,
    depth: usize,
    shape: &mut Vec<usize>,
    values: &mut Vec<f64>,
    kinds: &mut (bool, bool),
) -> Result<(), KernelError> {
    match v {
        RValue::List(_) | RValue::Tuple(_) => {
            let items = v.items().unwrap_or_default();
            if shape.len() == depth {
                shape.push(items.len());
            } else if shape[depth] != items.len() {
                return Err(KernelError::new(format!(
                    "expected sequence of length {} at dim {depth} (got {})",
                    shape[depth],
                    items.len()
                )));
            }
            for item in &items {
                flatten_list(item, depth + 1, shape, values, kinds)?;
            }
        }
        RValue::Tensor(t) if t.dim() == 0 => {
            kinds.0 |= t.dtype().is_floating_point();
            kinds.1 |= !t.dtype().is_floating_point() && t.dtype() != ScalarType::Bool;
            values.push(t.item()?);
        }
        RValue::Float(f) => {
            kinds.0 = true;
            values.push(*f);
        }
        RValue::Int(i) => {
            kinds.1 = true;
            values.push(*i as f64);
        }
        RValue::Bool(b) => values.push(i64::from(*b) as f64),
        other => return Err(KernelError::new(format!("Could not infer dtype of {}", other.type_name()))),
    }
    Ok(())
}

/// `tensor(data, dtype?, device?, requires_grad)` and the scalar overloads.
fn tensor(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let data = args.get(0)?;
    let mut shape = Vec::new();
    let mut values = Vec::new();
    let mut kinds = (false, false);
    flatten_list(data, 0, &mut shape, &mut values, &mut kinds)?;
    let inferred = match data {
        RValue::Bool(_) => ScalarType::Bool,
        _ if kinds.0 => ScalarType::Float32,
        _ if kinds.1 => ScalarType::Int64,
        _ if values.is_empty() => ScalarType::Float32,
        _ => ScalarType::Bool,
    };
    let dtype = args.opt_dtype(1)?.unwrap_or(inferred);
    let t = if storage_dtype(dtype) == candle_core::DType::I64 {
        RTensor::from_i64s(values.iter().map(|v| *v as i64).collect(), &shape, dtype)?
    } else if dtype == ScalarType::Bool {
        RTensor::from_f64s(values.iter().map(|v| f64::from(u8::from(*v != 0.0))).collect(), &shape, dtype)?
    } else {
        RTensor::from_f64s(values, &shape, dtype)?
    };
    one(t)
}

fn as_tensor(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if let RValue::Tensor(t) = args.get(0)? {
        return match args.opt_dtype(1)? {
            Some(d) if d != t.dtype() => one(super::shape::convert(t, d)?),
            _ => one(t.clone()),
        };
    }
    tensor(args)
}

fn scalar_tensor(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let dtype = args.opt_dtype(1)?.unwrap_or(ScalarType::Float32);
    one(filled(&[], args.float(0)?, dtype)?)
}

/// `eye(n, …)` and `eye.m(n, m, …)`.
fn eye(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let n = args.int(0)?.max(0) as usize;
    let (m, dtype_at) = if args.overload == "m" || (args.len() == 6 && matches!(args.get(1)?, RValue::Int(_))) {
        (args.int(1)?.max(0) as usize, 2)
    } else {
        (n, 1)
    };
    let dtype = args.opt_dtype(dtype_at)?.unwrap_or(ScalarType::Float32);
    let mut values = vec![0.0; n * m];
    for i in 0..n.min(m) {
        values[i * m + i] = 1.0;
    }
    one(RTensor::from_f64s(values, &[n, m], dtype)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: OpKind, overload: &str, values: &[RValue]) -> RTensor {
        super::super::call(kind, overload, values).unwrap()[0].as_tensor().unwrap().clone()
    }

    #[test]
    fn full_infers_its_dtype_from_the_fill_value() {
        let shape = RValue::list(vec![RValue::Int(2)]);
        let none = RValue::None;
        let t = run(
            op::aten::full,
            "",
            &[shape.clone(), RValue::Int(3), none.clone(), none.clone(), none.clone(), none.clone()],
        );
        assert_eq!(t.dtype(), ScalarType::Int64);
        let t = run(op::aten::full, "", &[shape, RValue::Bool(true), none.clone(), none.clone(), none.clone(), none]);
        assert_eq!(t.dtype(), ScalarType::Bool);
    }

    #[test]
    fn arange_counts_with_ceil_and_floats_give_float32() {
        let none = RValue::None;
        let t = run(
            op::aten::arange,
            "start_step",
            &[RValue::Int(0), RValue::Int(1), RValue::Float(0.3), none.clone(), none.clone(), none.clone(), none],
        );
        assert_eq!(t.dtype(), ScalarType::Float32);
        assert_eq!(t.shape(), vec![4]);
    }

    #[test]
    fn nested_lists_become_tensors() {
        let row = |a, b| RValue::list(vec![RValue::Int(a), RValue::Int(b)]);
        let t = run(
            op::aten::tensor,
            "",
            &[RValue::list(vec![row(1, 2), row(3, 4)]), RValue::None, RValue::None, RValue::Bool(false)],
        );
        assert_eq!((t.shape(), t.dtype()), (vec![2, 2], ScalarType::Int64));
        let ragged = RValue::list(vec![row(1, 2), RValue::list(vec![RValue::Int(3)])]);
        assert!(
            super::super::call(op::aten::tensor, "", &[ragged, RValue::None, RValue::None, RValue::Bool(false)])
                .is_err()
        );
    }
}
