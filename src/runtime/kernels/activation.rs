//! The activations torch.nn has beyond the common ones (CELU, SELU, the
//! shrinks, LogSigmoid, Threshold, RReLU in eval mode) and the channel
//! shuffle, with PyTorch's CPU formulas.

use std::collections::HashMap;

use candle_core::Tensor;

use super::nn::activation;
use super::pointwise::inplace;
use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::RValue;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::celu, celu),
        (op::aten::celu_, inplace),
        (op::aten::selu, selu),
        (op::aten::selu_, inplace),
        (op::aten::hardshrink, hardshrink),
        (op::aten::softshrink, softshrink),
        (op::aten::log_sigmoid, log_sigmoid),
        (op::aten::threshold, threshold),
        (op::aten::threshold_, inplace),
        (op::aten::rrelu, rrelu),
        (op::aten::rrelu_, inplace),
        (op::aten::channel_shuffle, channel_shuffle),
        (op::aten::native_channel_shuffle, channel_shuffle),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

/// `x > 0 ? x : alpha * (exp(x / alpha) - 1)`.
fn celu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let alpha = args.opt_float(1)?.unwrap_or(1.0);
    activation(args, |x| {
        let neg = (x.affine(1.0 / alpha, 0.0)?.exp()? - 1.0)?.affine(alpha, 0.0)?;
        Ok(x.gt(0f64)?.where_cond(x, &neg)?)
    })
}

/// ELU with SELU's fixed alpha and scale.
fn selu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    const ALPHA: f64 = 1.673_263_242_354_377_2;
    const SCALE: f64 = 1.050_700_987_355_480_5;
    activation(args, |x| {
        let neg = (x.exp()? - 1.0)?.affine(ALPHA * SCALE, 0.0)?;
        Ok(x.gt(0f64)?.where_cond(&x.affine(SCALE, 0.0)?, &neg)?)
    })
}

/// Zero where `-lambd <= x <= lambd`, else `x`.
fn hardshrink(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let lambd = args.opt_float(1)?.unwrap_or(0.5);
    activation(args, |x| {
        let inside = (x.ge(-lambd)?.to_dtype(x.dtype())? * x.le(lambd)?.to_dtype(x.dtype())?)?;
        Ok(inside.ne(0f64)?.where_cond(&x.zeros_like()?, x)?)
    })
}

/// `x - lambd` above `lambd`, `x + lambd` below `-lambd`, zero between.
fn softshrink(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let lambd = args.opt_float(1)?.unwrap_or(0.5);
    if lambd < 0.0 {
        return Err(args.error(format!("lambda must be greater or equal to 0, but found to be {lambd}.")));
    }
    activation(args, |x| {
        let below = x.lt(-lambd)?.where_cond(&x.affine(1.0, lambd)?, &x.zeros_like()?)?;
        Ok(x.gt(lambd)?.where_cond(&x.affine(1.0, -lambd)?, &below)?)
    })
}

/// `min(x, 0) - log1p(exp(-|x|))`, stable for large |x|.
fn log_sigmoid(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    activation(args, |x| {
        let zero = x.zeros_like()?;
        let min = x.minimum(&zero)?;
        Ok((min - (x.abs()?.neg()?.exp()? + 1.0)?.log()?)?)
    })
}

/// `value` where `x <= threshold`, else `x`.
fn threshold(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (th, value) = (args.float(1)?, args.float(2)?);
    activation(args, |x| {
        let fill = (x.zeros_like()? + value)?;
        Ok(x.le(th)?.where_cond(&fill, x)?)
    })
}

/// In eval mode RReLU is a leaky ReLU with the mean of its bounds as slope;
/// in training mode it draws the slopes at random, which tsc cannot repeat.
fn rrelu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let lower = args.opt_float(1)?.unwrap_or(1.0 / 8.0);
    let upper = args.opt_float(2)?.unwrap_or(1.0 / 3.0);
    if args.opt(3).is_some_and(|t| matches!(t, RValue::Bool(true))) {
        return Err(KernelError::unsupported(format!("{} in training mode (random)", args.kind)));
    }
    let slope = (lower + upper) / 2.0;
    activation(args, |x| Ok(x.ge(0f64)?.where_cond(x, &x.affine(slope, 0.0)?)?))
}

/// `(N, C, *)` as `(N, g, C/g, *)`, the two group dims swapped, back to `(N, C, *)`.
fn channel_shuffle(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let groups = args.int(1)?;
    let shape = t.shape();
    if shape.len() < 3 {
        return Err(args.error(format!(
            "channel_shuffle expects input to have at least 3 dimensions, but got input with sizes {shape:?}"
        )));
    }
    if groups <= 0 {
        return Err(
            args.error(format!("Number of groups to divide channels in must be positive. Value of groups:{groups}"))
        );
    }
    let g = groups as usize;
    if shape[1] % g != 0 {
        return Err(args.error(format!(
            "Number of channels must be divisible by groups. Got {} channels and {groups} groups.",
            shape[1]
        )));
    }
    let mut grouped = vec![shape[0], g, shape[1] / g];
    grouped.extend_from_slice(&shape[2..]);
    let x: Tensor = t.data().reshape(grouped)?.transpose(1, 2)?.contiguous()?.reshape(shape)?;
    super::args::tensor_out(x, t.dtype())
}
