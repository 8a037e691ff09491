//! Instance and RMS normalization, as PyTorch computes them: instance norm
//! is batch norm of the input seen as one batch of `N * C` channels, its
//! running statistics the mean over the batch of the per-instance ones.

use std::collections::HashMap;

use candle_core::Tensor;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[(op::aten::instance_norm, instance_norm), (op::aten::rms_norm, rms_norm)];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

/// `instance_norm(input, weight?, bias?, running_mean?, running_var?,
/// use_input_stats, momentum, eps, cudnn_enabled)`.
fn instance_norm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let shape = t.shape();
    let (rm, rv) = (args.opt_tensor(3)?, args.opt_tensor(4)?);
    let use_input_stats = args.bool(5)?;
    if !use_input_stats && (rm.is_none() || rv.is_none()) {
        return Err(args.error("Expected running_mean and running_var to be defined when use_input_stats is false"));
    }
    if shape.len() < 2 {
        return Err(args.error(format!("instance_norm expects an input of at least 2 dimensions, got {shape:?}")));
    }
    let (n, c) = (shape[0], shape[1]);
    let mut flat = vec![1, n * c];
    flat.extend_from_slice(&shape[2..]);
    // Per-channel tensors repeated once per instance.
    let repeated = |v: Option<&RTensor>| -> Result<RValue, KernelError> {
        Ok(match v {
            None => RValue::None,
            Some(v) => {
                if v.shape() != [c] {
                    return Err(args.error(format!("running_mean should contain {c} elements not {}", v.numel())));
                }
                RValue::Tensor(RTensor::new(v.data().repeat(n)?, v.dtype())?)
            }
        })
    };
    let (rm_rep, rv_rep) = (repeated(rm)?, repeated(rv)?);
    let inputs = [
        RValue::Tensor(RTensor::new(t.data().reshape(flat)?, t.dtype())?),
        repeated(args.opt_tensor(1)?)?,
        repeated(args.opt_tensor(2)?)?,
        rm_rep.clone(),
        rv_rep.clone(),
        RValue::Bool(use_input_stats),
        args.get(6)?.clone(),
        args.get(7)?.clone(),
        RValue::Bool(false),
    ];
    let out = super::call(op::aten::batch_norm, "", &inputs)?;
    let y = out.first().and_then(RValue::as_tensor).ok_or_else(|| args.error("batch_norm returned no tensor"))?;
    // The running statistics: the mean over the batch of the updated copies.
    if use_input_stats {
        for (stat, copy) in [(rm, &rm_rep), (rv, &rv_rep)] {
            if let (Some(stat), Some(copy)) = (stat, copy.as_tensor()) {
                let mean = copy.data().reshape((n, c))?.mean(0)?;
                stat.assign(&RTensor::new(mean, stat.dtype())?)?;
            }
        }
    }
    super::args::tensor_out(y.data().reshape(shape)?, t.dtype())
}

/// `rms_norm(input, normalized_shape, weight?, eps?)`: `input *
/// rsqrt(mean(input^2) + eps)` over the last dims, `eps` the float type's
/// machine epsilon when not given.
fn rms_norm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if !t.dtype().is_floating_point() {
        return Err(args.error(format!("\"rms_norm\" not implemented for '{}'", t.dtype().c10_name())));
    }
    let shape = t.shape();
    let normalized = args.int_list(1)?;
    let k = normalized.len();
    let tail: Vec<i64> = shape[shape.len().saturating_sub(k)..].iter().map(|n| *n as i64).collect();
    if k == 0 || k > shape.len() || tail != normalized {
        return Err(args.error(format!(
            "Given normalized_shape={normalized:?}, expected input with shape [*, {}], but got input of size{shape:?}",
            normalized.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    let eps = match args.opt(3) {
        None | Some(RValue::None) => {
            if t.dtype() == ScalarType::Float64 {
                f64::EPSILON
            } else {
                f64::from(f32::EPSILON)
            }
        }
        Some(_) => args.float(3)?,
    };
    let x = t.data();
    let dims: Vec<usize> = (shape.len() - k..shape.len()).collect();
    let scale = (x.sqr()?.mean_keepdim(dims)? + eps)?.sqrt()?.recip()?;
    let mut y: Tensor = x.broadcast_mul(&scale)?;
    if let Some(w) = args.opt_tensor(2)? {
        y = y.broadcast_mul(&w.data().to_dtype(y.dtype())?)?;
    }
    super::args::tensor_out(y, t.dtype())
}
