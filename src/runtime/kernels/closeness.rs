//! `isclose` and `allclose`: `|a - b| <= atol + |rtol * b|` elementwise,
//! computed step by step in the type PyTorch computes in (float32 for
//! float32 and integer tensors), with equal values always close and NaNs
//! close to each other only with `equal_nan`.

use std::collections::HashMap;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[(op::aten::isclose, isclose), (op::aten::allclose, allclose)];
    table.extend(kernels.iter().copied());
}

fn isclose(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (shape, close) = close(args)?;
    let values = close.into_iter().map(f64::from).collect();
    Ok(vec![RValue::Tensor(RTensor::from_f64s(values, &shape, ScalarType::Bool)?)])
}

fn allclose(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (_, close) = close(args)?;
    Ok(vec![RValue::Bool(close.iter().all(|&c| c == 1))])
}

/// The broadcast shape, and per element 1 where the two are close.
fn close(args: &Args<'_>) -> Result<(Vec<usize>, Vec<u8>), KernelError> {
    let (a, b) = (args.tensor(0)?, args.tensor(1)?);
    let (rtol, atol, equal_nan) = (args.float(2)?, args.float(3)?, args.bool(4)?);
    if a.dtype() != b.dtype() {
        return Err(args.error(format!("{} did not match {}", a.dtype().c10_name(), b.dtype().c10_name())));
    }
    for (name, value) in [("rtol", rtol), ("atol", atol)] {
        if value < 0.0 {
            return Err(args.error(format!("{name} must be greater than or equal to zero, but got {value}")));
        }
    }
    let shape = broadcast_shape(&a.shape(), &b.shape()).map_err(|m| args.error(m))?;
    let (x, y) = (expanded(a, &shape)?, expanded(b, &shape)?);
    let floating = a.dtype().is_floating_point();
    let round = |v: f64| if a.dtype() == ScalarType::Float64 { v } else { f64::from(v as f32) };
    let close = x
        .iter()
        .zip(&y)
        .map(|(&x, &y)| {
            let mut close = x == y || (equal_nan && floating && x.is_nan() && y.is_nan());
            if rtol != 0.0 || atol != 0.0 {
                let allowed = round(round(atol) + round(round(rtol) * y).abs());
                let actual = round(round(x - y).abs());
                close |= actual.is_finite() && actual <= allowed;
            }
            u8::from(close)
        })
        .collect();
    Ok((shape, close))
}

/// Two shapes broadcast together, in PyTorch's words when they do not.
fn broadcast_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    let n = a.len().max(b.len());
    let at = |s: &[usize], i: usize| if i + s.len() >= n { s[i + s.len() - n] } else { 1 };
    (0..n)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            (x, y) => Err(format!(
                "The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )),
        })
        .collect()
}

/// `t`'s values broadcast to `shape`, in row-major order.
fn expanded(t: &RTensor, shape: &[usize]) -> Result<Vec<f64>, KernelError> {
    let values = t.to_f64s()?;
    let own = t.shape();
    let offset = shape.len() - own.len();
    let mut strides = vec![0usize; shape.len()];
    let mut stride = 1;
    for d in (0..own.len()).rev() {
        if own[d] != 1 {
            strides[offset + d] = stride;
        }
        stride *= own[d];
    }
    let count: usize = shape.iter().product();
    let mut index = vec![0usize; shape.len()];
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(values[index.iter().zip(&strides).map(|(i, s)| i * s).sum::<usize>()]);
        for k in (0..shape.len()).rev() {
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok(out)
}
