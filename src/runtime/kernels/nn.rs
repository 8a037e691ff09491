//! Neural-network operators: convolutions (any stride, padding, dilation,
//! groups), pooling, normalization, linear algebra, embedding, dropout,
//! softmax and the activations.

use std::collections::HashMap;

use candle_core::{D, DType, Device, Tensor};

use super::args::{scalar_type, tensor_out, wrap_dim};
use super::pointwise::{Operand, finish, operand_tensor, result_type};
use super::shape::slice_tensor;
use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::conv1d, conv1d),
        (op::aten::conv2d, conv2d),
        (op::aten::_convolution, convolution),
        (op::aten::convolution, convolution),
        (op::aten::conv_transpose1d, conv_transpose1d),
        (op::aten::conv_transpose2d, conv_transpose2d),
        (op::aten::max_pool1d, max_pool1d),
        (op::aten::max_pool2d, max_pool2d),
        (op::aten::max_pool1d_with_indices, |args| max_pool_with_indices(args, 1)),
        (op::aten::max_pool2d_with_indices, |args| max_pool_with_indices(args, 2)),
        (op::aten::avg_pool1d, avg_pool1d),
        (op::aten::avg_pool2d, avg_pool2d),
        (op::aten::adaptive_avg_pool1d, adaptive_avg_pool1d),
        (op::aten::adaptive_avg_pool2d, adaptive_avg_pool2d),
        (op::aten::batch_norm, batch_norm),
        (op::aten::layer_norm, layer_norm),
        (op::aten::group_norm, group_norm),
        (op::aten::linear, linear),
        (op::aten::matmul, matmul),
        (op::aten::mm, mm),
        (op::aten::bmm, bmm),
        (op::aten::addmm, addmm),
        (op::aten::mv, matmul),
        (op::aten::dot, matmul),
        (op::aten::embedding, embedding),
        (op::aten::dropout, dropout),
        (op::aten::feature_dropout, dropout),
        (op::aten::alpha_dropout, dropout),
        (op::aten::feature_alpha_dropout, dropout),
        (op::aten::dropout_, dropout),
        (op::aten::softmax, softmax),
        (op::aten::_softmax, softmax),
        (op::aten::log_softmax, log_softmax),
        (op::aten::_log_softmax, log_softmax),
        (op::aten::hardtanh, hardtanh),
        (op::aten::relu6, relu6),
        (op::aten::clamp, clamp),
        (op::aten::clip, clamp),
        (op::aten::clamp_min, clamp_min),
        (op::aten::clamp_max, clamp_max),
        (op::aten::sigmoid, sigmoid),
        (op::aten::tanh, tanh),
        (op::aten::gelu, gelu),
        (op::aten::silu, silu),
        (op::aten::hardswish, hardswish),
        (op::aten::hardsigmoid, hardsigmoid),
        (op::aten::leaky_relu, leaky_relu),
        (op::aten::elu, elu),
        (op::aten::softplus, softplus),
        (op::aten::mish, mish),
        (op::aten::glu, glu),
        (op::aten::cosine_similarity, cosine_similarity),
        (op::aten::pairwise_distance, pairwise_distance),
        (op::aten::one_hot, one_hot),
        (op::aten::prelu, prelu),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

fn out(t: Tensor, dtype: ScalarType) -> Result<Vec<RValue>, KernelError> {
    tensor_out(t, dtype)
}

/// A floating tensor argument (convolutions and friends refuse integers).
fn float_tensor<'a>(args: &'a Args<'_>, i: usize) -> Result<&'a RTensor, KernelError> {
    let t = args.tensor(i)?;
    if !t.dtype().is_floating_point() {
        return Err(args.error(format!("expected a floating point tensor, got {}", t.dtype().torch_name())));
    }
    Ok(t)
}

/// An `int[n]` argument: one value stands for every dim.
fn ints(args: &Args<'_>, i: usize, n: usize) -> Result<Vec<usize>, KernelError> {
    let v = args.int_list(i)?;
    let v = if v.len() == 1 && n > 1 { vec![v[0]; n] } else { v };
    if v.len() != n || v.iter().any(|x| *x < 0) {
        return Err(args.error(format!("argument {i} must be {n} non-negative ints, got {v:?}")));
    }
    Ok(v.into_iter().map(|x| x as usize).collect())
}

/// Inserts `d - 1` zeros between neighbours along `dim`.
fn dilate(t: &Tensor, dim: usize, d: usize) -> Result<Tensor, KernelError> {
    let n = t.dims()[dim];
    if d <= 1 || n == 0 {
        return Ok(t.clone());
    }
    let mut shape = t.dims().to_vec();
    shape[dim] = n * d;
    let spread = t.unsqueeze(dim + 1)?.pad_with_zeros(dim + 1, 0, d - 1)?.reshape(shape)?;
    Ok(spread.narrow(dim, 0, (n - 1) * d + 1)?)
}

/// Padding per side of each spatial dim: (before, after).
type Pads = [(usize, usize); 2];

/// A 2-d convolution of a batched input with any stride, asymmetric
/// padding, dilation and groups.
pub(super) fn conv2d_raw(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    stride: [usize; 2],
    pads: Pads,
    dilation: [usize; 2],
    groups: usize,
) -> Result<Tensor, KernelError> {
    let (_, c_in, _, _) = x.dims4()?;
    let (c_out, c_in_k, _, _) = w.dims4()?;
    if groups == 0 || c_in != c_in_k * groups || c_out % groups != 0 {
        return Err(KernelError::new(format!(
            "Given groups={groups}, weight of size {:?}, expected input{:?} to have {} channels, but got {c_in} channels instead",
            w.dims(),
            x.dims(),
            c_in_k * groups
        )));
    }
    let x = x.pad_with_zeros(2, pads[0].0, pads[0].1)?.pad_with_zeros(3, pads[1].0, pads[1].1)?;
    let (w, d) = if dilation[0] == dilation[1] {
        (w.clone(), dilation[0])
    } else {
        (dilate(&dilate(w, 2, dilation[0])?, 3, dilation[1])?, 1)
    };
    let (kh, kw) = (w.dims()[2], w.dims()[3]);
    let (h, wd) = (x.dims()[2], x.dims()[3]);
    if h < d * (kh - 1) + 1 || wd < d * (kw - 1) + 1 {
        return Err(KernelError::new("Kernel size can't be greater than actual input size"));
    }
    let mut y = if stride[0] == stride[1] {
        x.contiguous()?.conv2d(&w.contiguous()?, 0, stride[0], d, groups)?
    } else {
        let y = x.contiguous()?.conv2d(&w.contiguous()?, 0, 1, d, groups)?;
        let y = slice_tensor(&y, 2, None, None, stride[0] as i64)?;
        slice_tensor(&y, 3, None, None, stride[1] as i64)?
    };
    if let Some(b) = bias {
        y = y.broadcast_add(&b.reshape((1, c_out, 1, 1))?)?;
    }
    Ok(y)
}

/// A 2-d transposed convolution (weight `(C_in, C_out/groups, kh, kw)`).
#[allow(clippy::too_many_arguments)]
pub(super) fn conv_transpose2d_raw(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    stride: [usize; 2],
    padding: [usize; 2],
    output_padding: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
) -> Result<Tensor, KernelError> {
    let (_, c_in, h, wd) = x.dims4()?;
    let (c_in_k, c_out_g, kh, kw) = w.dims4()?;
    if groups == 0 || c_in != c_in_k || c_in % groups != 0 {
        return Err(KernelError::new(format!(
            "Given transposed=1, weight of size {:?}, expected input{:?} to have {c_in_k} channels, but got {c_in} channels instead",
            w.dims(),
            x.dims()
        )));
    }
    let per = c_in / groups;
    let mut parts = Vec::new();
    for g in 0..groups {
        let xg = x.narrow(1, g * per, per)?.contiguous()?;
        let wg = w.narrow(0, g * per, per)?.contiguous()?;
        let full = if stride[0] == stride[1] && dilation[0] == dilation[1] {
            xg.conv_transpose2d(&wg, 0, 0, stride[0], dilation[0])?
        } else {
            let xs = dilate(&dilate(&xg, 2, stride[0])?, 3, stride[1])?.contiguous()?;
            let ws = dilate(&dilate(&wg, 2, dilation[0])?, 3, dilation[1])?.contiguous()?;
            xs.conv_transpose2d(&ws, 0, 0, 1, 1)?
        };
        parts.push(full);
    }
    let mut y = if parts.len() == 1 { parts.remove(0) } else { Tensor::cat(&parts, 1)? };
    for (axis, (i, k)) in [(h, kh), (wd, kw)].into_iter().enumerate() {
        let dim = axis + 2;
        let (s, p, op, d) = (stride[axis], padding[axis], output_padding[axis], dilation[axis]);
        let len = ((i as i64 - 1) * s as i64 - 2 * p as i64 + (d * (k - 1)) as i64 + op as i64 + 1).max(0) as usize;
        let have = y.dims()[dim];
        if p + len > have {
            y = y.pad_with_zeros(dim, 0, p + len - have)?;
        }
        y = y.narrow(dim, p, len)?;
    }
    if let Some(b) = bias {
        y = y.broadcast_add(&b.reshape((1, c_out_g * groups, 1, 1))?)?;
    }
    Ok(y)
}

/// Input as a batch (unbatched inputs get a leading 1) and whether it was.
fn batched(x: &Tensor, spatial: usize) -> Result<(Tensor, bool), KernelError> {
    if x.rank() == spatial + 1 { Ok((x.unsqueeze(0)?, true)) } else { Ok((x.clone(), false)) }
}

fn unbatch(y: Tensor, was: bool) -> Result<Tensor, KernelError> {
    if was { Ok(y.squeeze(0)?) } else { Ok(y) }
}

/// `padding="same"`/`"valid"` as explicit pads.
fn string_padding(
    args: &Args<'_>,
    mode: &str,
    kernel: &[usize],
    dilation: &[usize],
    stride: &[usize],
) -> Result<Vec<(usize, usize)>, KernelError> {
    match mode {
        "valid" => Ok(vec![(0, 0); kernel.len()]),
        "same" => {
            if stride.iter().any(|s| *s != 1) {
                return Err(args.error("padding='same' is not supported for strided convolutions"));
            }
            Ok(kernel
                .iter()
                .zip(dilation)
                .map(|(k, d)| {
                    let total = d * (k - 1);
                    (total / 2, total - total / 2)
                })
                .collect())
        }
        other => Err(args.error(format!("Invalid padding string: '{other}'"))),
    }
}

fn conv_nd(args: &Args<'_>, spatial: usize) -> Result<Vec<RValue>, KernelError> {
    let input = float_tensor(args, 0)?;
    let weight = args.tensor(1)?;
    let bias = args.opt_tensor(2)?.map(RTensor::data);
    let stride = ints(args, 3, spatial)?;
    let dilation = ints(args, 5, spatial)?;
    let groups = args.int(6)?.max(0) as usize;
    let w = weight.data();
    let kernel: Vec<usize> = w.dims()[2..].to_vec();
    let pads: Vec<(usize, usize)> = match args.get(4)? {
        RValue::Str(mode) => string_padding(args, mode, &kernel, &dilation, &stride)?,
        _ => ints(args, 4, spatial)?.into_iter().map(|p| (p, p)).collect(),
    };
    let (x, was) = batched(&input.data(), spatial)?;
    let y = if spatial == 1 {
        conv2d_raw(
            &x.unsqueeze(2)?,
            &w.unsqueeze(2)?,
            bias.as_ref(),
            [stride[0], stride[0]],
            [(0, 0), pads[0]],
            [dilation[0], dilation[0]],
            groups,
        )?
        .squeeze(2)?
    } else {
        conv2d_raw(
            &x,
            &w,
            bias.as_ref(),
            [stride[0], stride[1]],
            [pads[0], pads[1]],
            [dilation[0], dilation[1]],
            groups,
        )?
    };
    out(unbatch(y, was)?, input.dtype())
}

fn conv1d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    conv_nd(args, 1)
}

fn conv2d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    conv_nd(args, 2)
}

/// The transposed convolutions: args `(input, weight, bias, stride,
/// padding, output_padding, groups, dilation)`.
fn conv_transpose_nd(
    input: &RTensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    spatial: usize,
    p: [&[usize]; 4],
    groups: usize,
) -> Result<Vec<RValue>, KernelError> {
    let [stride, padding, output_padding, dilation] = p;
    let (x, was) = batched(&input.data(), spatial)?;
    let y = if spatial == 1 {
        conv_transpose2d_raw(
            &x.unsqueeze(2)?,
            &weight.unsqueeze(2)?,
            bias,
            [1, stride[0]],
            [0, padding[0]],
            [0, output_padding[0]],
            [1, dilation[0]],
            groups,
        )?
        .squeeze(2)?
    } else {
        conv_transpose2d_raw(
            &x,
            weight,
            bias,
            [stride[0], stride[1]],
            [padding[0], padding[1]],
            [output_padding[0], output_padding[1]],
            [dilation[0], dilation[1]],
            groups,
        )?
    };
    out(unbatch(y, was)?, input.dtype())
}

fn conv_transpose(args: &Args<'_>, spatial: usize) -> Result<Vec<RValue>, KernelError> {
    let input = float_tensor(args, 0)?;
    let weight = args.tensor(1)?.data();
    let bias = args.opt_tensor(2)?.map(RTensor::data);
    let stride = ints(args, 3, spatial)?;
    let padding = ints(args, 4, spatial)?;
    let output_padding = ints(args, 5, spatial)?;
    let groups = args.int(6)?.max(0) as usize;
    let dilation = ints(args, 7, spatial)?;
    conv_transpose_nd(input, &weight, bias.as_ref(), spatial, [&stride, &padding, &output_padding, &dilation], groups)
}

fn conv_transpose1d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    conv_transpose(args, 1)
}

fn conv_transpose2d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    conv_transpose(args, 2)
}

/// `_convolution(input, weight, bias, stride, padding, dilation,
/// transposed, output_padding, groups, …)`, the traced form.
fn convolution(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let input = float_tensor(args, 0)?;
    let weight = args.tensor(1)?.data();
    let spatial = weight.rank().saturating_sub(2);
    if !(1..=2).contains(&spatial) {
        return Err(KernelError::unsupported(format!("{spatial}-d convolution")));
    }
    let bias = args.opt_tensor(2)?.map(RTensor::data);
    let stride = ints(args, 3, spatial)?;
    let padding = ints(args, 4, spatial)?;
    let dilation = ints(args, 5, spatial)?;
    let transposed = args.bool(6)?;
    let output_padding = ints(args, 7, spatial)?;
    let groups = args.int(8)?.max(0) as usize;
    if transposed {
        return conv_transpose_nd(
            input,
            &weight,
            bias.as_ref(),
            spatial,
            [&stride, &padding, &output_padding, &dilation],
            groups,
        );
    }
    let values = [
        RValue::Tensor(input.clone()),
        RValue::Tensor(args.tensor(1)?.clone()),
        args.get(2)?.clone(),
        ints_value(&stride),
        ints_value(&padding),
        ints_value(&dilation),
        RValue::Int(groups as i64),
    ];
    conv_nd(&Args { kind: args.kind, overload: "", values: &values }, spatial)
}

fn ints_value(v: &[usize]) -> RValue {
    RValue::list(v.iter().map(|x| RValue::Int(*x as i64)).collect())
}

/// PyTorch's `pooling_output_shape`.
fn pool_out(input: usize, k: usize, p: usize, s: usize, d: usize, ceil: bool) -> Result<usize, KernelError> {
    let span = (input + 2 * p) as i64 - (d * (k - 1)) as i64 - 1;
    let num = span + if ceil { s as i64 - 1 } else { 0 };
    if span < 0 || s == 0 {
        return Err(KernelError::new(format!(
            "pooling output size is too small (input {input}, kernel {k}, padding {p})"
        )));
    }
    let mut o = num / s as i64 + 1;
    if ceil && (o - 1) * s as i64 >= (input + p) as i64 {
        o -= 1;
    }
    Ok(o as usize)
}

/// Pads `dim` on both sides with `value`, `after` may be negative (a crop).
fn pad_value(t: &Tensor, dim: usize, before: usize, after: i64, value: f64) -> Result<Tensor, KernelError> {
    let mut parts = Vec::new();
    let mut shape = t.dims().to_vec();
    if before > 0 {
        shape[dim] = before;
        parts.push(Tensor::full(value, shape.clone(), &Device::Cpu)?.to_dtype(t.dtype())?);
    }
    let n = t.dims()[dim];
    let body = if after < 0 { t.narrow(dim, 0, (n as i64 + after).max(0) as usize)? } else { t.clone() };
    parts.push(body);
    if after > 0 {
        shape[dim] = after as usize;
        parts.push(Tensor::full(value, shape, &Device::Cpu)?.to_dtype(t.dtype())?);
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Tensor::cat(&parts, dim)? })
}

struct Pool {
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    ceil: bool,
}

impl Pool {
    /// `(N, C, oh, ow, kh, kw)` windows of `x` padded with `value`.
    fn windows(&self, x: &Tensor, value: f64) -> Result<Tensor, KernelError> {
        let mut t = x.clone();
        for a in 0..2 {
            let dim = a + 2;
            let n = x.dims()[dim];
            let (k, s, p, d) = (self.kernel[a], self.stride[a], self.padding[a], self.dilation[a]);
            if p * 2 > k {
                return Err(KernelError::new("pad should be at most half of effective kernel size"));
            }
            let o = pool_out(n, k, p, s, d, self.ceil)?;
            let needed = (o - 1) * s + d * (k - 1) + 1;
            t = pad_value(&t, dim, p, needed as i64 - n as i64 - p as i64, value)?;
        }
        let mut w = t;
        for a in 0..2 {
            let (k, s, d) = (self.kernel[a], self.stride[a], self.dilation[a]);
            w = w.unfold(a + 2, d * (k - 1) + 1, s)?;
            if d > 1 {
                let last = w.rank() - 1;
                w = slice_tensor(&w, last, None, None, d as i64)?;
            }
        }
        Ok(w)
    }
}

fn pool_args(args: &Args<'_>, spatial: usize, has_dilation: bool) -> Result<Pool, KernelError> {
    let kernel = ints(args, 1, spatial)?;
    let stride = match args.int_list(2)? {
        s if s.is_empty() => kernel.clone(),
        _ => ints(args, 2, spatial)?,
    };
    let padding = ints(args, 3, spatial)?;
    let dilation = if has_dilation { ints(args, 4, spatial)? } else { vec![1; spatial] };
    let ceil = args.bool(if has_dilation { 5 } else { 4 })?;
    let two = |v: &[usize]| if spatial == 1 { [1, v[0]] } else { [v[0], v[1]] };
    let pads = if spatial == 1 { [0, padding[0]] } else { [padding[0], padding[1]] };
    Ok(Pool { kernel: two(&kernel), stride: two(&stride), padding: pads, dilation: two(&dilation), ceil })
}

/// Input as `(N, C, H, W)` (1-d pooling adds H = 1, unbatched adds N = 1).
fn pool_input(t: &Tensor, spatial: usize) -> Result<(Tensor, bool), KernelError> {
    let (x, was) = batched(t, spatial)?;
    Ok((if spatial == 1 { x.unsqueeze(2)? } else { x }, was))
}

fn pool_output(y: Tensor, spatial: usize, was: bool) -> Result<Tensor, KernelError> {
    let y = if spatial == 1 { y.squeeze(2)? } else { y };
    unbatch(y, was)
}

fn max_pool(args: &Args<'_>, spatial: usize) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let pool = pool_args(args, spatial, true)?;
    let (x, was) = pool_input(&t.data(), spatial)?;
    let y = pool.windows(&x, f64::NEG_INFINITY)?.max(D::Minus1)?.max(D::Minus1)?;
    out(pool_output(y, spatial, was)?, t.dtype())
}

/// The maxima and, for each, its index in the flattened spatial plane of the
/// input: PyTorch's CPU kernel scans each window row by row and keeps the
/// first maximum, or the last NaN.
fn max_pool_with_indices(args: &Args<'_>, spatial: usize) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let pool = pool_args(args, spatial, true)?;
    let (x, was) = pool_input(&t.data(), spatial)?;
    let &[n, c, h, w] = x.dims() else { return Err(args.error("expected a 3-d or 4-d input")) };
    let mut outs = [0; 2];
    for a in 0..2 {
        let (k, p) = (pool.kernel[a], pool.padding[a]);
        if p * 2 > k {
            return Err(KernelError::new("pad should be at most half of effective kernel size"));
        }
        outs[a] = pool_out([h, w][a], k, p, pool.stride[a], pool.dilation[a], pool.ceil)?;
    }
    let [oh, ow] = outs;
    let data: Vec<f64> = x.to_dtype(DType::F64)?.flatten_all()?.to_vec1()?;
    let (mut maxima, mut indices) = (Vec::with_capacity(n * c * oh * ow), Vec::with_capacity(n * c * oh * ow));
    for plane in data.chunks(h * w) {
        for (i, j) in (0..oh).flat_map(|i| (0..ow).map(move |j| (i, j))) {
            let (mut best, mut at) = (f64::NEG_INFINITY, -1i64);
            for ki in 0..pool.kernel[0] {
                let y = (i * pool.stride[0] + ki * pool.dilation[0]) as i64 - pool.padding[0] as i64;
                for kj in 0..pool.kernel[1] {
                    let z = (j * pool.stride[1] + kj * pool.dilation[1]) as i64 - pool.padding[1] as i64;
                    if y < 0 || z < 0 || y >= h as i64 || z >= w as i64 {
                        continue;
                    }
                    let index = y * w as i64 + z;
                    let v = plane[index as usize];
                    if v > best || v.is_nan() || at < 0 {
                        (best, at) = (v, index);
                    }
                }
            }
            maxima.push(best);
            indices.push(at);
        }
    }
    let shape = (n, c, oh, ow);
    let maxima = pool_output(Tensor::from_vec(maxima, shape, &Device::Cpu)?, spatial, was)?;
    let indices = pool_output(Tensor::from_vec(indices, shape, &Device::Cpu)?, spatial, was)?;
    Ok([out(maxima, t.dtype())?, out(indices, ScalarType::Int64)?].concat())
}

fn max_pool1d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    max_pool(args, 1)
}

fn max_pool2d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    max_pool(args, 2)
}

/// `avg_pool(self, kernel, stride, padding, ceil_mode, count_include_pad[, divisor_override])`.
fn avg_pool(args: &Args<'_>, spatial: usize) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let pool = pool_args(args, spatial, false)?;
    let include_pad = args.bool(5)?;
    let divisor = if spatial == 2 { args.opt_int(6)? } else { None };
    let (x, was) = pool_input(&t.data(), spatial)?;
    let sums = pool.windows(&x, 0.0)?.sum(D::Minus1)?.sum(D::Minus1)?;
    let y = match divisor {
        Some(0) => return Err(args.error("divisor must be not zero")),
        Some(d) => sums.affine(1.0 / d as f64, 0.0)?,
        None => {
            // Count, per window, the cells it averages: the input (and the
            // padding when it counts), never the ceil-mode overhang.
            let (h, w) = (x.dims()[2], x.dims()[3]);
            let region = if include_pad {
                let (ph, pw) = (pool.padding[0], pool.padding[1]);
                Tensor::ones((1, 1, h + 2 * ph, w + 2 * pw), x.dtype(), &Device::Cpu)?
            } else {
                Tensor::ones((1, 1, h, w), x.dtype(), &Device::Cpu)?
            };
            let shifted = Pool { padding: if include_pad { [0, 0] } else { pool.padding }, ..pool };
            let counts = if include_pad {
                // Padding already in `region`: windows start at its origin.
                let mut c = region;
                for a in 0..2 {
                    let dim = a + 2;
                    let n = x.dims()[dim];
                    let (k, s, p) = (pool.kernel[a], pool.stride[a], pool.padding[a]);
                    let o = pool_out(n, k, p, s, 1, pool.ceil)?;
                    let needed = (o - 1) * s + (k - 1) + 1;
                    c = pad_value(&c, dim, 0, needed as i64 - c.dims()[dim] as i64, 0.0)?;
                }
                let plain = Pool { padding: [0, 0], ceil: false, ..shifted };
                plain.windows(&c, 0.0)?
            } else {
                shifted.windows(&region, 0.0)?
            };
            let counts = counts.sum(D::Minus1)?.sum(D::Minus1)?;
            sums.broadcast_div(&counts)?
        }
    };
    out(pool_output(y, spatial, was)?, t.dtype())
}

fn avg_pool1d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    avg_pool(args, 1)
}

fn avg_pool2d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    avg_pool(args, 2)
}

/// Adaptive average pooling along `dim` to `size` outputs.
fn adaptive_along(x: &Tensor, dim: usize, size: usize) -> Result<Tensor, KernelError> {
    let n = x.dims()[dim];
    if size == 0 {
        return Err(KernelError::new("adaptive pooling output size must be positive"));
    }
    let parts = (0..size)
        .map(|i| {
            let start = i * n / size;
            let end = ((i + 1) * n).div_ceil(size);
            Ok(x.narrow(dim, start, end - start)?.mean_keepdim(dim)?)
        })
        .collect::<Result<Vec<_>, KernelError>>()?;
    Ok(Tensor::cat(&parts, dim)?)
}

fn adaptive_avg_pool(args: &Args<'_>, spatial: usize) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let size = ints(args, 1, spatial)?;
    let x = t.data();
    let rank = x.rank();
    let mut y = x;
    for (a, s) in size.iter().enumerate() {
        y = adaptive_along(&y, rank - spatial + a, *s)?;
    }
    out(y, t.dtype())
}

fn adaptive_avg_pool1d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    adaptive_avg_pool(args, 1)
}

fn adaptive_avg_pool2d(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    adaptive_avg_pool(args, 2)
}

/// A per-channel vector shaped to broadcast against dim 1 of a rank-`rank` tensor.
fn per_channel(v: &Tensor, rank: usize) -> Result<Tensor, KernelError> {
    let mut shape = vec![1; rank.max(2)];
    shape[1] = v.elem_count();
    Ok(v.reshape(shape)?)
}

/// `batch_norm(input, weight?, bias?, running_mean?, running_var?,
/// training, momentum, eps, cudnn_enabled)`; training uses (and updates)
/// the batch statistics.
fn batch_norm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let x = t.data();
    let rank = x.rank();
    if rank < 2 {
        return Err(args.error("batch_norm expects an input of at least 2 dimensions"));
    }
    let training = args.bool(5)?;
    let momentum = args.float(6)?;
    let eps = args.float(7)?;
    let rm = args.opt_tensor(3)?;
    let rv = args.opt_tensor(4)?;
    let dims: Vec<usize> = (0..rank).filter(|d| *d != 1).collect();
    let (mean, var) = if training {
        let mean = x.mean_keepdim(dims.clone())?;
        let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim(dims.clone())?;
        let n: usize = dims.iter().map(|d| x.dims()[*d]).product();
        if n <= 1 {
            return Err(args.error(format!(
                "Expected more than 1 value per channel when training, got input size {:?}",
                x.dims()
            )));
        }
        if let (Some(rm), Some(rv)) = (rm, rv) {
            let c = x.dims()[1];
            let unbiased = var.affine(n as f64 / (n as f64 - 1.0), 0.0)?.reshape(c)?;
            let new_mean = (rm.data().affine(1.0 - momentum, 0.0)? + mean.reshape(c)?.affine(momentum, 0.0)?)?;
            let new_var = (rv.data().affine(1.0 - momentum, 0.0)? + unbiased.affine(momentum, 0.0)?)?;
            rm.assign(&RTensor::new(new_mean, rm.dtype())?)?;
            rv.assign(&RTensor::new(new_var, rv.dtype())?)?;
        }
        (mean, var)
    } else {
        let (Some(rm), Some(rv)) = (rm, rv) else {
            return Err(args.error("running_mean and running_var must be defined in evaluation mode"));
        };
        (per_channel(&rm.data().to_dtype(x.dtype())?, rank)?, per_channel(&rv.data().to_dtype(x.dtype())?, rank)?)
    };
    let mut y = x.broadcast_sub(&mean)?.broadcast_div(&(var + eps)?.sqrt()?)?;
    if let Some(w) = args.opt_tensor(1)? {
        y = y.broadcast_mul(&per_channel(&w.data(), rank)?)?;
    }
    if let Some(b) = args.opt_tensor(2)? {
        y = y.broadcast_add(&per_channel(&b.data(), rank)?)?;
    }
    out(y, t.dtype())
}

/// `layer_norm(input, normalized_shape, weight?, bias?, eps, cudnn_enable)`.
fn layer_norm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let x = t.data();
    let shape = args.int_list(1)?;
    let rank = x.rank();
    let k = shape.len();
    let tail: Vec<i64> = x.dims()[rank.saturating_sub(k)..].iter().map(|d| *d as i64).collect();
    if k > rank || tail != shape {
        return Err(args.error(format!(
            "Given normalized_shape={shape:?}, expected input with shape [*, {}], but got input of size{:?}",
            shape.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(", "),
            x.dims()
        )));
    }
    let eps = args.float(4)?;
    let dims: Vec<usize> = (rank - k..rank).collect();
    let mean = x.mean_keepdim(dims.clone())?;
    let centered = x.broadcast_sub(&mean)?;
    let var = centered.sqr()?.mean_keepdim(dims)?;
    let mut y = centered.broadcast_div(&(var + eps)?.sqrt()?)?;
    if let Some(w) = args.opt_tensor(2)? {
        y = y.broadcast_mul(&w.data())?;
    }
    if let Some(b) = args.opt_tensor(3)? {
        y = y.broadcast_add(&b.data())?;
    }
    out(y, t.dtype())
}

/// `group_norm(input, num_groups, weight?, bias?, eps, cudnn_enabled)`.
fn group_norm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let x = t.data();
    let groups = args.int(1)?.max(1) as usize;
    let dims = x.dims().to_vec();
    let (n, c) = (dims[0], dims[1]);
    if c % groups != 0 {
        return Err(args.error(format!("Expected number of channels in input to be divisible by num_groups, but got input of shape {dims:?} and num_groups={groups}")));
    }
    let eps = args.float(4)?;
    let g = x.reshape((n, groups, ()))?;
    let mean = g.mean_keepdim(2)?;
    let centered = g.broadcast_sub(&mean)?;
    let var = centered.sqr()?.mean_keepdim(2)?;
    let mut y = centered.broadcast_div(&(var + eps)?.sqrt()?)?.reshape(dims.clone())?;
    if let Some(w) = args.opt_tensor(2)? {
        y = y.broadcast_mul(&per_channel(&w.data(), dims.len())?)?;
    }
    if let Some(b) = args.opt_tensor(3)? {
        y = y.broadcast_add(&per_channel(&b.data(), dims.len())?)?;
    }
    out(y, t.dtype())
}

/// Both operands of a matrix product in one dtype (integers through f64).
fn matmul_operands(args: &Args<'_>, a: &RTensor, b: &RTensor) -> Result<(Tensor, Tensor, ScalarType), KernelError> {
    if a.dtype() != b.dtype() {
        return Err(args.error(format!(
            "expected m1 and m2 to have the same dtype, but got: {} != {}",
            a.dtype().torch_name(),
            b.dtype().torch_name()
        )));
    }
    let dtype = a.dtype();
    let (x, y) = if dtype.is_floating_point() {
        (a.data(), b.data())
    } else {
        (a.data().to_dtype(DType::F64)?, b.data().to_dtype(DType::F64)?)
    };
    Ok((x, y, dtype))
}

/// `torch.matmul` on candle tensors: 1-d operands, broadcast batch dims.
pub(super) fn matmul_tensors(x: &Tensor, y: &Tensor) -> Result<Tensor, KernelError> {
    let (rx, ry) = (x.rank(), y.rank());
    if rx == 0 || ry == 0 {
        return Err(KernelError::new("both arguments to matmul need to be at least 1D"));
    }
    let x2 = if rx == 1 { x.unsqueeze(0)? } else { x.clone() };
    let y2 = if ry == 1 { y.unsqueeze(1)? } else { y.clone() };
    let (bx, by) = (&x2.dims()[..x2.rank() - 2], &y2.dims()[..y2.rank() - 2]);
    let batch = candle_core::Shape::from(bx.to_vec())
        .broadcast_shape_binary_op(&candle_core::Shape::from(by.to_vec()), "matmul")?;
    let mut sx = batch.dims().to_vec();
    sx.extend_from_slice(&x2.dims()[x2.rank() - 2..]);
    let mut sy = batch.dims().to_vec();
    sy.extend_from_slice(&y2.dims()[y2.rank() - 2..]);
    let (m, k1) = (sx[sx.len() - 2], sx[sx.len() - 1]);
    let (k2, n) = (sy[sy.len() - 2], sy[sy.len() - 1]);
    if k1 != k2 {
        return Err(KernelError::new(format!("mat1 and mat2 shapes cannot be multiplied ({m}x{k1} and {k2}x{n})")));
    }
    let bsz: usize = batch.elem_count();
    let item = x.dtype().size_in_bytes();
    for shape in [&sx, &sy, &vec![bsz, m, n]] {
        super::within_budget(shape, item)?;
    }
    let xb = x2.broadcast_as(sx)?.contiguous()?.reshape((bsz, m, k1))?;
    let yb = y2.broadcast_as(sy)?.contiguous()?.reshape((bsz, k2, n))?;
    let r = xb.matmul(&yb)?;
    let mut shape = batch.dims().to_vec();
    if rx > 1 {
        shape.push(m);
    }
    if ry > 1 {
        shape.push(n);
    }
    Ok(r.reshape(shape)?)
}

fn matmul(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.tensor(0)?, args.tensor(1)?);
    let (x, y, dtype) = matmul_operands(args, a, b)?;
    out(matmul_tensors(&x, &y)?, dtype)
}

fn mm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.tensor(0)?, args.tensor(1)?);
    if a.dim() != 2 || b.dim() != 2 {
        return Err(args.error("self and mat2 must be matrices"));
    }
    matmul(args)
}

fn bmm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.tensor(0)?, args.tensor(1)?);
    if a.dim() != 3 || b.dim() != 3 || a.shape()[0] != b.shape()[0] {
        return Err(args.error(format!(
            "batch1 and batch2 must be 3D with the same batch size, got {:?} and {:?}",
            a.shape(),
            b.shape()
        )));
    }
    matmul(args)
}

/// `addmm(self, mat1, mat2, beta, alpha)`: `beta * self + alpha * mat1 @ mat2`.
fn addmm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let c = args.tensor(0)?;
    let (a, b) = (args.tensor(1)?, args.tensor(2)?);
    let (x, y, dtype) = matmul_operands(args, a, b)?;
    let beta = args.opt_float(3)?.unwrap_or(1.0);
    let alpha = args.opt_float(4)?.unwrap_or(1.0);
    let p = matmul_tensors(&x, &y)?.affine(alpha, 0.0)?;
    let cc = operand_tensor(&RValue::Tensor(c.clone()), dtype)?.to_dtype(p.dtype())?;
    let r = if beta == 0.0 { p } else { p.broadcast_add(&cc.affine(beta, 0.0)?)? };
    out(r, dtype)
}

/// `linear(input, weight, bias?)`: `input @ weight.T + bias`.
fn linear(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let input = float_tensor(args, 0)?;
    let w = args.tensor(1)?;
    let bias = args.opt_tensor(2)?.map(RTensor::data);
    out(linear_raw(&input.data(), &w.data(), bias.as_ref())?, input.dtype())
}

pub(super) fn linear_raw(x: &Tensor, w: &Tensor, bias: Option<&Tensor>) -> Result<Tensor, KernelError> {
    let y = matmul_tensors(x, &w.t()?)?;
    Ok(match bias {
        Some(b) => y.broadcast_add(b)?,
        None => y,
    })
}

/// `embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)`.
fn embedding(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let w = args.tensor(0)?;
    let idx = args.tensor(1)?;
    if idx.dtype().is_floating_point() || idx.dtype() == ScalarType::Bool {
        return Err(args
            .error("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int"));
    }
    let n = w.shape()[0] as i64;
    let flat = idx.to_i64s()?;
    if let Some(bad) = flat.iter().find(|i| **i < 0 || **i >= n) {
        return Err(args.error(format!("index out of range in self (index {bad}, {n} rows)")));
    }
    let ids = Tensor::from_vec(flat, idx.numel(), &Device::Cpu)?;
    let rows = w.data().index_select(&ids, 0)?;
    let mut shape = idx.shape();
    shape.extend_from_slice(&w.shape()[1..]);
    out(rows.reshape(shape)?, w.dtype())
}

/// `dropout(input, p, train)`: the identity unless training.
fn dropout(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let p = args.float(1)?;
    let train = args.bool(2)?;
    if train && p > 0.0 {
        return Err(KernelError::unsupported(format!("{} in training mode (random)", args.kind)));
    }
    Ok(vec![RValue::Tensor(t.clone())])
}

/// Softmax input and dtype: `(self, dim, dtype?)`, or `_softmax(self, dim, half_to_float)`.
fn softmax_input(args: &Args<'_>) -> Result<(Tensor, usize, ScalarType), KernelError> {
    let t = args.tensor(0)?;
    let d = wrap_dim(args.int(1)?, t.dim())?;
    let dtype = match args.opt(2) {
        Some(RValue::Int(code)) => scalar_type(*code)?,
        _ => t.dtype(),
    };
    if !dtype.is_floating_point() {
        return Err(args.error(format!("\"softmax_lastdim_kernel_impl\" not implemented for '{}'", dtype.torch_name())));
    }
    let x = operand_tensor(args.get(0)?, dtype)?;
    let x = if x.rank() == 0 { x.reshape(1)? } else { x };
    Ok((x, d, dtype))
}

fn softmax(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (x, d, dtype) = softmax_input(args)?;
    let rank0 = args.tensor(0)?.dim() == 0;
    let e = x.broadcast_sub(&x.max_keepdim(d)?)?.exp()?;
    let y = e.broadcast_div(&e.sum_keepdim(d)?)?;
    out(if rank0 { y.reshape(())? } else { y }, dtype)
}

fn log_softmax(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (x, d, dtype) = softmax_input(args)?;
    let rank0 = args.tensor(0)?.dim() == 0;
    let shifted = x.broadcast_sub(&x.max_keepdim(d)?)?;
    let y = shifted.broadcast_sub(&shifted.exp()?.sum_keepdim(d)?.log()?)?;
    out(if rank0 { y.reshape(())? } else { y }, dtype)
}

/// `clamp(self, min?, max?)` (Scalar and Tensor overloads), promoted.
fn clamp_values(args: &Args<'_>, min: Option<&RValue>, max: Option<&RValue>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if min.is_none() && max.is_none() {
        return Err(args.error("torch.clamp: At least one of 'min' or 'max' must not be None"));
    }
    let mut ops = vec![Operand::of(args.get(0)?).ok_or_else(|| args.error("expected a Tensor"))?];
    for v in [min, max].into_iter().flatten() {
        ops.push(
            Operand::of(v)
                .ok_or_else(|| args.error(format!("bound must be a number or Tensor, not {}", v.type_name())))?,
        );
    }
    let dtype = result_type(&ops);
    let mut y = operand_tensor(&RValue::Tensor(t.clone()), dtype)?;
    if let Some(lo) = min {
        let lo = operand_tensor(lo, dtype)?;
        y = y.broadcast_maximum(&lo)?;
    }
    if let Some(hi) = max {
        let hi = operand_tensor(hi, dtype)?;
        y = y.broadcast_minimum(&hi)?;
    }
    Ok(vec![RValue::Tensor(finish(y, dtype)?)])
}

fn clamp(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    clamp_values(args, args.opt(1), args.opt(2))
}

fn clamp_min(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    clamp_values(args, args.opt(1), None)
}

fn clamp_max(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    clamp_values(args, None, args.opt(1))
}

fn hardtanh(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let lo = args.opt(1).cloned().unwrap_or(RValue::Int(-1));
    let hi = args.opt(2).cloned().unwrap_or(RValue::Int(1));
    let t = args.tensor(0)?;
    if t.dtype() == ScalarType::Bool {
        return Err(args.error("hardtanh is not implemented for bool tensors"));
    }
    // hardtanh keeps the input dtype.
    let (lo, hi) = (lo.as_f64().unwrap_or(-1.0), hi.as_f64().unwrap_or(1.0));
    out(t.data().clamp(lo, hi)?, t.dtype())
}

fn relu6(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    out(t.data().clamp(0f64, 6f64)?, t.dtype())
}

/// A floating activation (integers refused, as PyTorch does for most).
pub(super) fn activation(
    args: &Args<'_>,
    f: impl Fn(&Tensor) -> Result<Tensor, KernelError>,
) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dtype = if t.dtype().is_floating_point() { t.dtype() } else { ScalarType::Float32 };
    let x = operand_tensor(args.get(0)?, dtype)?;
    out(f(&x)?, dtype)
}

pub(super) fn sigmoid_tensor(x: &Tensor) -> Result<Tensor, KernelError> {
    Ok((x.neg()?.exp()? + 1.0)?.recip()?)
}

fn sigmoid(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    activation(args, sigmoid_tensor)
}

fn tanh(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if !matches!(args.get(0)?, RValue::Tensor(_)) {
        return Ok(vec![RValue::Float(args.float(0)?.tanh())]);
    }
    activation(args, |x| Ok(x.tanh()?))
}

fn gelu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let approximate = match args.opt(1) {
        Some(RValue::Str(s)) => s.to_string(),
        _ => "none".into(),
    };
    match approximate.as_str() {
        "none" => activation(args, |x| Ok(x.gelu_erf()?)),
        "tanh" => activation(args, |x| Ok(x.gelu()?)),
        other => Err(args.error(format!("approximate argument must be either none or tanh, got {other}"))),
    }
}

fn silu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    activation(args, |x| Ok(x.silu()?))
}

fn hardswish(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    activation(args, |x| Ok((x * (x + 3.0)?.clamp(0f64, 6f64)?)?.affine(1.0 / 6.0, 0.0)?))
}

fn hardsigmoid(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    activation(args, |x| Ok((x + 3.0)?.clamp(0f64, 6f64)?.affine(1.0 / 6.0, 0.0)?))
}

fn leaky_relu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let slope = args.opt_float(1)?.unwrap_or(0.01);
    activation(args, |x| Ok(x.gt(0f64)?.where_cond(x, &x.affine(slope, 0.0)?)?))
}

fn elu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let alpha = args.opt_float(1)?.unwrap_or(1.0);
    let scale = args.opt_float(2)?.unwrap_or(1.0);
    let input_scale = args.opt_float(3)?.unwrap_or(1.0);
    activation(args, |x| {
        let neg = (x.affine(input_scale, 0.0)?.exp()? - 1.0)?.affine(alpha * scale, 0.0)?;
        Ok(x.gt(0f64)?.where_cond(&x.affine(scale, 0.0)?, &neg)?)
    })
}

fn softplus(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let beta = args.opt_float(1)?.unwrap_or(1.0);
    let threshold = args.opt_float(2)?.unwrap_or(20.0);
    activation(args, |x| {
        let bx = x.affine(beta, 0.0)?;
        let soft = (bx.exp()? + 1.0)?.log()?.affine(1.0 / beta, 0.0)?;
        Ok(bx.gt(threshold)?.where_cond(x, &soft)?)
    })
}

/// `x * tanh(softplus(x))`, softplus without its threshold (as PyTorch's
/// kernel computes it).
fn mish(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    activation(args, |x| Ok((x * (x.exp()? + 1.0)?.log()?.tanh()?)?))
}

/// The first half along `dim` times the sigmoid of the second.
fn glu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let d = args.dim(1, t.dim())?;
    let n = t.shape()[d];
    if n % 2 != 0 {
        return Err(args.error(format!("Halving dimension must be even, but dimension {d} is size {n}")));
    }
    let x = t.data();
    let (a, b) = (x.narrow(d, 0, n / 2)?, x.narrow(d, n / 2, n / 2)?);
    out((a * sigmoid_tensor(&b)?)?, t.dtype())
}

/// Each side divided by its L2 norm along `dim` (at least `eps`), then
/// their dot product along `dim`; the sides broadcast.
fn cosine_similarity(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (t1, t2) = (float_tensor(args, 0)?, float_tensor(args, 1)?);
    let (x1, x2) = super::pointwise::broadcast(&t1.data(), &t2.data())?;
    let d = args.dim(2, x1.rank())?;
    let eps = args.opt_float(3)?.unwrap_or(1e-8);
    let unit = |x: &Tensor| -> Result<Tensor, KernelError> {
        let norm = x.sqr()?.sum_keepdim(d)?.sqrt()?.clamp(eps, f64::INFINITY)?;
        Ok(x.broadcast_div(&norm)?)
    };
    out((unit(&x1)? * unit(&x2)?)?.sum(d)?, t1.dtype())
}

/// The p-norm of `x1 - x2 + eps` along the last dimension.
fn pairwise_distance(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (t1, t2) = (float_tensor(args, 0)?, float_tensor(args, 1)?);
    let p = args.opt_float(2)?.unwrap_or(2.0);
    let eps = args.opt_float(3)?.unwrap_or(1e-6);
    let keepdim = args.len() > 4 && args.bool(4)?;
    let (x1, x2) = super::pointwise::broadcast(&t1.data(), &t2.data())?;
    let (rank, last) = (x1.rank(), x1.rank().saturating_sub(1));
    let diff = ((x1 - x2)? + eps)?.abs()?;
    let norm = if p == 2.0 {
        diff.sqr()?.sum_keepdim(last)?.sqrt()?
    } else if p == 1.0 {
        diff.sum_keepdim(last)?
    } else if p == f64::INFINITY {
        diff.max_keepdim(last)?
    } else {
        diff.powf(p)?.sum_keepdim(last)?.powf(1.0 / p)?
    };
    out(if keepdim || rank == 0 { norm } else { norm.squeeze(last)? }, t1.dtype())
}

/// int64 classes to int64 rows with a 1 at each class (`num_classes` -1:
/// the largest class plus one).
fn one_hot(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if t.dtype() != ScalarType::Int64 {
        return Err(args.error("one_hot is only applicable to index tensor of type LongTensor."));
    }
    let classes: Vec<i64> = t.data().flatten_all()?.to_vec1()?;
    if classes.iter().any(|c| *c < 0) {
        return Err(args.error("Class values must be non-negative."));
    }
    let given = args.opt_int(1)?.unwrap_or(-1);
    let n = if given == -1 { classes.iter().max().map_or(0, |m| m + 1) } else { given };
    if n < 0 || classes.iter().any(|c| *c >= n) {
        return Err(args.error("Class values must be smaller than num_classes."));
    }
    let n = n as usize;
    let mut rows = vec![0i64; classes.len() * n];
    for (i, c) in classes.iter().enumerate() {
        rows[i * n + *c as usize] = 1;
    }
    let mut shape = t.shape();
    shape.push(n);
    out(Tensor::from_vec(rows, shape, &Device::Cpu)?, ScalarType::Int64)
}

fn prelu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = float_tensor(args, 0)?;
    let w = args.tensor(1)?.data();
    let x = t.data();
    let w = if w.elem_count() == 1 || x.rank() < 2 {
        w.reshape(())?.broadcast_as(x.shape())?
    } else {
        per_channel(&w, x.rank())?.broadcast_as(x.shape())?
    };
    out(x.gt(0f64)?.where_cond(&x, &(&x * &w)?)?, t.dtype())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_output_sizes_match_pytorch() {
        // (input, kernel, padding, stride, dilation, ceil) -> PyTorch 2.5.1's max_pool1d length.
        assert_eq!(pool_out(5, 2, 1, 2, 1, true).unwrap(), 3);
        assert_eq!(pool_out(4, 3, 1, 3, 1, true).unwrap(), 2);
        assert_eq!(pool_out(6, 2, 0, 4, 1, false).unwrap(), 2);
        assert_eq!(pool_out(2, 3, 1, 1, 1, true).unwrap(), 2);
    }

    #[test]
    fn dilate_inserts_zeros_between_neighbours() {
        let t = Tensor::new(&[1f32, 2., 3.], &Device::Cpu).unwrap();
        let d = dilate(&t, 0, 3).unwrap();
        assert_eq!(d.to_vec1::<f32>().unwrap(), vec![1., 0., 0., 2., 0., 0., 3.]);
    }

    #[test]
    fn conv_with_asymmetric_padding_and_strides() {
        let x = Tensor::ones((1, 2, 5, 5), DType::F32, &Device::Cpu).unwrap();
        let w = Tensor::ones((4, 1, 3, 3), DType::F32, &Device::Cpu).unwrap();
        let y = conv2d_raw(&x, &w, None, [2, 1], [(1, 2), (0, 0)], [1, 2], 2).unwrap();
        // H: (5 + 3 - 3) / 2 + 1 = 3; W: 5 - 2 * 2 = 1.
        assert_eq!(y.dims(), &[1, 4, 3, 1]);
    }

    #[test]
    fn integer_matmul_stays_integer() {
        let a = RValue::Tensor(RTensor::from_i64s(vec![1, 2, 3, 4], &[2, 2], ScalarType::Int64).unwrap());
        let out = super::super::call(op::aten::mm, "", &[a.clone(), a]).unwrap();
        let r = out[0].as_tensor().unwrap();
        assert_eq!(r.dtype(), ScalarType::Int64);
        assert_eq!(r.to_i64s().unwrap(), vec![7, 10, 15, 22]);
    }
}
