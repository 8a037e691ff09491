//! Shape and indexing operators: views, reshapes, concatenation, splits,
//! slicing and advanced indexing, dtype conversion, sizes. Python list and
//! string slicing and indexing share the operator names and live here too.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use super::args::{tensor_out, wrap_dim};
use super::pointwise::{mask_of, promote};
use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::{RTensor, storage_dtype};
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::view, view),
        (op::aten::reshape, view),
        (op::aten::_reshape_alias, view),
        (op::aten::view_as, view_as),
        (op::aten::reshape_as, view_as),
        (op::aten::flatten, flatten),
        (op::aten::unflatten, unflatten),
        (op::aten::pixel_shuffle, pixel_shuffle),
        (op::aten::pad, pad),
        (op::aten::pixel_unshuffle, pixel_unshuffle),
        (op::aten::permute, permute),
        (op::aten::transpose, transpose),
        (op::aten::swapaxes, transpose),
        (op::aten::t, t),
        (op::aten::contiguous, identity),
        (op::aten::detach, identity),
        (op::aten::alias, identity),
        (op::aten::clone, clone),
        (op::aten::squeeze, squeeze),
        (op::aten::unsqueeze, unsqueeze),
        (op::aten::cat, cat),
        (op::aten::concat, cat),
        (op::aten::concatenate, cat),
        (op::aten::stack, stack),
        (op::aten::chunk, chunk),
        (op::aten::split, split),
        (op::aten::split_with_sizes, split),
        (op::aten::unbind, unbind),
        (op::aten::slice, slice),
        (op::aten::select, select),
        (op::aten::index, index),
        (op::aten::index_select, index_select),
        (op::aten::gather, gather),
        (op::aten::expand, expand),
        (op::aten::expand_as, expand_as),
        (op::aten::repeat, repeat),
        (op::aten::narrow, narrow),
        (op::aten::flip, flip),
        (op::aten::size, size),
        (op::aten::dim, dim),
        (op::aten::numel, numel),
        (op::aten::to, to),
        (op::aten::type_as, type_as),
        (op::aten::nonzero, nonzero_kernel),
        (op::aten::copy_, copy_),
        (op::aten::triu, triu),
        (op::aten::diff, diff),
        (op::aten::tril, tril),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

fn out(t: Tensor, dtype: ScalarType) -> Result<Vec<RValue>, KernelError> {
    tensor_out(t, dtype)
}

/// A tensor converted to `dtype` (to bool: non-zero; floats to integers
/// truncate toward zero).
pub(super) fn convert(t: &RTensor, dtype: ScalarType) -> Result<RTensor, KernelError> {
    let x = t.data();
    if dtype == ScalarType::Bool {
        return RTensor::new(mask_of(&x)?, dtype);
    }
    if storage_dtype(dtype) == DType::U8 && x.dtype() != DType::U8 {
        // `as u8` of a float saturates; PyTorch wraps through int64.
        let v: Vec<i64> = t.to_i64s()?;
        let bytes: Vec<u8> = v.into_iter().map(|i| i as u8).collect();
        return RTensor::new(Tensor::from_vec(bytes, x.dims(), &Device::Cpu)?, dtype);
    }
    RTensor::new(x, dtype)
}

/// A shape with at most one `-1`, resolved against `numel`.
fn infer_shape(args: &Args<'_>, shape: &[i64], numel: usize) -> Result<Vec<usize>, KernelError> {
    let mut hole = None;
    let mut known = 1usize;
    for (i, s) in shape.iter().enumerate() {
        match *s {
            -1 if hole.is_none() => hole = Some(i),
            -1 => return Err(args.error("only one dimension can be inferred")),
            s if s < 0 => return Err(args.error(format!("invalid shape dimension {s}"))),
            s => known *= s as usize,
        }
    }
    let mut out: Vec<usize> = shape.iter().map(|s| (*s).max(0) as usize).collect();
    if let Some(i) = hole {
        if known == 0 || !numel.is_multiple_of(known) {
            return Err(args.error(format!("shape '{shape:?}' is invalid for input of size {numel}")));
        }
        out[i] = numel / known;
    } else if known != numel {
        return Err(args.error(format!("shape '{shape:?}' is invalid for input of size {numel}")));
    }
    Ok(out)
}

fn view(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if let RValue::Int(_) = args.get(1)?
        && args.overload == "dtype"
    {
        return Err(KernelError::unsupported("view(dtype)"));
    }
    let shape = infer_shape(args, &args.int_list(1)?, t.numel())?;
    out(t.data().reshape(shape)?, t.dtype())
}

fn view_as(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let other = args.tensor(1)?;
    if t.numel() != other.numel() {
        return Err(args.error(format!("shape '{:?}' is invalid for input of size {}", other.shape(), t.numel())));
    }
    out(t.data().reshape(other.shape())?, t.dtype())
}

fn flatten(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if t.dim() == 0 {
        return out(t.data().reshape(1)?, t.dtype());
    }
    let start = args.dim(1, t.dim())?;
    let end = args.dim(2, t.dim())?;
    if start > end {
        return Err(args.error("flatten() has invalid args: start_dim cannot come after end_dim"));
    }
    let s = t.shape();
    let mut shape: Vec<usize> = s[..start].to_vec();
    shape.push(s[start..=end].iter().product());
    shape.extend_from_slice(&s[end + 1..]);
    out(t.data().reshape(shape)?, t.dtype())
}

fn unflatten(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let d = args.dim(1, t.dim())?;
    let s = t.shape();
    let inner = infer_shape(args, &args.int_list(2)?, s[d])?;
    let mut shape = s[..d].to_vec();
    shape.extend(inner);
    shape.extend_from_slice(&s[d + 1..]);
    out(t.data().reshape(shape)?, t.dtype())
}

/// `F.pad`: `pad` holds (before, after) pairs for the last dimensions, the
/// last dimension first. "constant" fills with `value` (and crops where a
/// pad is negative); "reflect", "replicate" and "circular" read each new
/// position from the input (mirrored without the edge, clamped, wrapped).
fn pad(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let pads = args.int_list(1)?;
    let mode = match args.opt(2) {
        Some(RValue::Str(m)) => m.to_string(),
        _ => "constant".into(),
    };
    let value = args.opt_float(3)?.unwrap_or(0.0);
    if !matches!(mode.as_str(), "constant" | "reflect" | "replicate" | "circular") {
        return Err(args.error(format!("Unrecognised padding mode {mode}")));
    }
    if pads.len() % 2 != 0 {
        return Err(args.error("Padding length must be divisible by 2"));
    }
    if pads.len() > 2 * t.dim() {
        let message = format!(
            "Padding length should be less than or equal to two times the input dimension but got padding length {} and input of dimension {}",
            pads.len(),
            t.dim()
        );
        return Err(args.error(message));
    }
    let mut x = t.data();
    for (i, pair) in pads.chunks(2).enumerate() {
        let d = t.dim() - 1 - i;
        let (before, after, n) = (pair[0], pair[1], x.dims()[d] as i64);
        if mode == "constant" {
            x = constant_pad(&x, d, before, after, value)?;
            continue;
        }
        let too_big = match mode.as_str() {
            "reflect" => before >= n || after >= n,
            _ => before > n || after > n,
        };
        if before < 0 || after < 0 || too_big || n == 0 {
            let message = format!(
                "Padding size should be less than the corresponding input dimension, but got: padding ({before}, {after}) at dimension {d} of input {:?}",
                t.shape()
            );
            return Err(args.error(message));
        }
        let source = |i: i64| -> u32 {
            let j = match mode.as_str() {
                "reflect" if i < 0 => -i,
                "reflect" if i >= n => 2 * (n - 1) - i,
                "circular" => i.rem_euclid(n),
                _ => i.clamp(0, n - 1),
            };
            j as u32
        };
        let index: Vec<u32> = (-before..n + after).map(source).collect();
        let len = index.len();
        x = x.contiguous()?.index_select(&Tensor::from_vec(index, len, &Device::Cpu)?, d)?;
    }
    out(x, t.dtype())
}

/// `x` with `before` and `after` elements of `value` around dimension `d`
/// (negative counts crop).
fn constant_pad(x: &Tensor, d: usize, before: i64, after: i64, value: f64) -> Result<Tensor, KernelError> {
    let n = x.dims()[d] as i64;
    let (start, end) = (before.min(0).unsigned_abs() as usize, (n + after.min(0)).max(0) as usize);
    let kept = x.narrow(d, start.min(end), end.saturating_sub(start))?;
    let fill = |count: i64| -> Result<Option<Tensor>, KernelError> {
        if count <= 0 {
            return Ok(None);
        }
        let mut shape = kept.dims().to_vec();
        shape[d] = count as usize;
        Ok(Some(Tensor::full(value, shape, &Device::Cpu)?.to_dtype(kept.dtype())?))
    };
    let parts: Vec<Tensor> = [fill(before)?, Some(kept.clone()), fill(after)?].into_iter().flatten().collect();
    Ok(Tensor::cat(&parts, d)?)
}

/// `(*, C·r², H, W)` to `(*, C, H·r, W·r)`: each channel group of r² becomes
/// an r×r block of pixels.
fn pixel_shuffle(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (t, r, batch, [c, h, w]) = pixel_operands(args, "pixel_shuffle", "upscale_factor")?;
    if c % (r * r) != 0 {
        let message = format!(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)={c} is not divisible by {}",
            r * r
        );
        return Err(args.error(message));
    }
    let n = batch.len();
    let split: Vec<usize> = batch.iter().copied().chain([c / (r * r), r, r, h, w]).collect();
    let order: Vec<usize> = (0..n).chain([n, n + 3, n + 1, n + 4, n + 2]).collect();
    let shape: Vec<usize> = batch.iter().copied().chain([c / (r * r), h * r, w * r]).collect();
    out(t.data().reshape(split)?.permute(order)?.reshape(shape)?, t.dtype())
}

/// The inverse of `pixel_shuffle`: `(*, C, H·r, W·r)` to `(*, C·r², H, W)`.
fn pixel_unshuffle(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (t, r, batch, [c, h, w]) = pixel_operands(args, "pixel_unshuffle", "downscale_factor")?;
    for (name, size, dim) in [("height", h, -2), ("width", w, -1)] {
        if size % r != 0 {
            let message = format!(
                "pixel_unshuffle expects {name} to be divisible by downscale_factor, but input.size({dim})={size} is not divisible by {r}"
            );
            return Err(args.error(message));
        }
    }
    let n = batch.len();
    let split: Vec<usize> = batch.iter().copied().chain([c, h / r, r, w / r, r]).collect();
    let order: Vec<usize> = (0..n).chain([n, n + 2, n + 4, n + 1, n + 3]).collect();
    let shape: Vec<usize> = batch.iter().copied().chain([c * r * r, h / r, w / r]).collect();
    out(t.data().reshape(split)?.permute(order)?.reshape(shape)?, t.dtype())
}

/// A pixel (un)shuffle's tensor and factor, checked as PyTorch checks them,
/// with the leading (batch) sizes and the last three.
#[allow(clippy::type_complexity)]
fn pixel_operands(
    args: &Args<'_>,
    op: &str,
    factor: &str,
) -> Result<(RTensor, usize, Vec<usize>, [usize; 3]), KernelError> {
    let t = args.tensor(0)?;
    let r = args.int(1)?;
    let s = t.shape();
    if s.len() < 3 {
        let message =
            format!("{op} expects input to have at least 3 dimensions, but got input with {} dimension(s)", s.len());
        return Err(args.error(message));
    }
    if r <= 0 {
        return Err(args.error(format!("{op} expects a positive {factor}, but got {r}")));
    }
    let n = s.len();
    Ok((t.clone(), r as usize, s[..n - 3].to_vec(), [s[n - 3], s[n - 2], s[n - 1]]))
}

fn permute(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dims: Vec<usize> = args.int_list(1)?.iter().map(|d| wrap_dim(*d, t.dim())).collect::<Result<_, _>>()?;
    if dims.len() != t.dim() {
        return Err(args.error("number of dims don't match in permute"));
    }
    if t.dim() == 0 {
        return out(t.data(), t.dtype());
    }
    out(t.data().permute(dims)?, t.dtype())
}

fn transpose(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let (a, b) = (args.dim(1, t.dim())?, args.dim(2, t.dim())?);
    if t.dim() == 0 {
        return out(t.data(), t.dtype());
    }
    out(t.data().transpose(a, b)?, t.dtype())
}

fn t(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let x = args.tensor(0)?;
    match x.dim() {
        0 | 1 => out(x.data(), x.dtype()),
        2 => out(x.data().t()?, x.dtype()),
        n => Err(args.error(format!("t() expects a tensor with <= 2 dimensions, but self is {n}D"))),
    }
}

/// The same tensor (contiguous, detach: no observable difference here).
fn identity(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Tensor(args.tensor(0)?.clone())])
}

fn clone(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    out(t.data().copy()?, t.dtype())
}

fn squeeze(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dims: Vec<usize> = match args.opt(1) {
        None => (0..t.dim()).collect(),
        Some(RValue::Int(d)) => vec![wrap_dim(*d, t.dim())?],
        Some(_) => args.int_list(1)?.iter().map(|d| wrap_dim(*d, t.dim())).collect::<Result<_, _>>()?,
    };
    let shape: Vec<usize> =
        t.shape().iter().enumerate().filter(|(i, s)| !(dims.contains(i) && **s == 1)).map(|(_, s)| *s).collect();
    out(t.data().reshape(shape)?, t.dtype())
}

fn unsqueeze(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let d = wrap_dim(args.int(1)?, t.dim() + 1)?;
    out(t.data().unsqueeze(d)?, t.dtype())
}

/// The common dtype of a list of tensors.
fn common_dtype(tensors: &[RTensor]) -> ScalarType {
    tensors.iter().map(RTensor::dtype).reduce(promote).unwrap_or(ScalarType::Float32)
}

fn cat(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let tensors = args.tensors(0)?;
    if tensors.is_empty() {
        return Err(args.error("torch.cat(): expected a non-empty list of Tensors"));
    }
    let dtype = common_dtype(&tensors);
    // Legacy: 1-d empty tensors are skipped.
    let parts: Vec<&RTensor> = tensors.iter().filter(|t| !(t.dim() == 1 && t.numel() == 0)).collect();
    let Some(first) = parts.first() else {
        return out(tensors[0].data(), dtype);
    };
    if first.dim() == 0 {
        return Err(args.error("zero-dimensional tensor cannot be concatenated"));
    }
    let d = args.dim(1, first.dim())?;
    let mut shape = first.shape();
    shape[d] = parts.iter().map(|t| t.shape().get(d).copied().unwrap_or(0)).fold(0usize, usize::saturating_add);
    super::within_budget(&shape, dtype.size())?;
    let data: Vec<Tensor> = parts.iter().map(|t| convert(t, dtype).map(|t| t.data())).collect::<Result<_, _>>()?;
    out(Tensor::cat(&data, d)?, dtype)
}

fn stack(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let tensors = args.tensors(0)?;
    if tensors.is_empty() {
        return Err(args.error("stack expects a non-empty TensorList"));
    }
    let dtype = common_dtype(&tensors);
    let d = wrap_dim(args.int(1)?, tensors[0].dim() + 1)?;
    let mut shape = tensors[0].shape();
    shape.insert(d, tensors.len());
    super::within_budget(&shape, dtype.size())?;
    let data: Vec<Tensor> = tensors.iter().map(|t| convert(t, dtype).map(|t| t.data())).collect::<Result<_, _>>()?;
    out(Tensor::stack(&data, d)?, dtype)
}

fn pieces(t: &RTensor, d: usize, sizes: &[usize]) -> Result<Vec<RValue>, KernelError> {
    let mut start = 0;
    let mut parts = Vec::new();
    for s in sizes {
        parts.push(RValue::Tensor(RTensor::new(t.data().narrow(d, start, *s)?, t.dtype())?));
        start += s;
    }
    Ok(vec![RValue::list(parts)])
}

fn chunk(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let chunks = args.int(1)?;
    if chunks <= 0 {
        return Err(args.error("chunk expects `chunks` to be greater than 0"));
    }
    let d = args.dim(2, t.dim())?;
    let n = t.shape()[d];
    let size = n.div_ceil(chunks as usize);
    let sizes = split_sizes(n, size.max(if n == 0 { 1 } else { 0 }));
    pieces(t, d, &sizes)
}

fn split_sizes(n: usize, size: usize) -> Vec<usize> {
    if size == 0 {
        return vec![0];
    }
    let mut out = vec![size; n / size];
    if !n.is_multiple_of(size) || n == 0 {
        out.push(n % size);
    }
    out
}

/// `split.Tensor(self, int size, dim)`, `split.sizes`/`split_with_sizes(self,
/// int[] sizes, dim)`, and `split.str(self, separator?, max)`.
fn split(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if let RValue::Str(_) = args.get(0)? {
        return super::str_methods::split(args);
    }
    let t = args.tensor(0)?;
    let d = args.dim(2, t.dim())?;
    let n = t.shape()[d];
    let sizes = match args.get(1)? {
        RValue::Int(size) => {
            if *size < 0 {
                return Err(args.error("split expects split_size be non-negative"));
            }
            split_sizes(n, *size as usize)
        }
        _ => {
            let sizes: Vec<usize> = args.int_list(1)?.iter().map(|s| (*s).max(0) as usize).collect();
            if sizes.iter().sum::<usize>() != n {
                return Err(args.error(format!(
                    "split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), but got split_sizes={sizes:?}"
                )));
            }
            sizes
        }
    };
    pieces(t, d, &sizes)
}

fn unbind(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let d = args.dim(1, t.dim())?;
    let x = t.data();
    let parts = (0..t.shape()[d])
        .map(|i| Ok(RValue::Tensor(RTensor::new(x.narrow(d, i, 1)?.squeeze(d)?, t.dtype())?)))
        .collect::<Result<Vec<_>, KernelError>>()?;
    Ok(vec![RValue::list(parts)])
}

/// `x[start:end:step]` along `dim` (positive step; bounds clamp).
pub(super) fn slice_tensor(
    x: &Tensor,
    dim: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: i64,
) -> Result<Tensor, KernelError> {
    if step <= 0 {
        return Err(KernelError::new("slice step must be positive"));
    }
    let n = x.dims()[dim] as i64;
    let clamp = |v: i64| if v < 0 { (v + n).max(0) } else { v.min(n) };
    let start = clamp(start.unwrap_or(0));
    let end = clamp(end.unwrap_or(n)).max(start);
    let len = (end - start) as usize;
    let t = x.narrow(dim, start as usize, len)?;
    if step == 1 || len <= 1 {
        return Ok(t);
    }
    // A strided view: windows of one element every `step`.
    let rank = t.rank();
    Ok(t.unfold(dim, 1, step as usize)?.squeeze(rank)?)
}

/// Python's `slice.indices(len)`: the positions a slice selects (a zero
/// step raises PyTorch's words, for strings too).
pub(super) fn py_slice(len: usize, start: Option<i64>, end: Option<i64>, step: i64) -> Result<Vec<usize>, KernelError> {
    if step == 0 {
        return Err(KernelError::new("List slice should have non-zero step"));
    }
    let n = len as i64;
    let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let fix = |v: Option<i64>, default: i64| match v {
        None => default,
        Some(v) if v < 0 => (v + n).max(lo),
        Some(v) => v.min(hi),
    };
    let (start, end) = if step > 0 { (fix(start, 0), fix(end, n)) } else { (fix(start, n - 1), fix(end, -1)) };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < end) || (step < 0 && i > end) {
        out.push(i as usize);
        i += step;
    }
    Ok(out)
}

/// `slice.Tensor(self, dim, start?, end?, step)`, `slice.t(list, start?,
/// end?, step)`, `slice.str(s, start?, end?, step)`.
fn slice(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    match args.get(0)? {
        RValue::Tensor(t) => {
            if t.dim() == 0 {
                return Err(args.error("slice() cannot be applied to a 0-dim tensor."));
            }
            let d = args.dim(1, t.dim())?;
            let x = slice_tensor(&t.data(), d, args.opt_int(2)?, args.opt_int(3)?, args.int(4)?)?;
            out(x, t.dtype())
        }
        RValue::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            let idx = py_slice(chars.len(), args.opt_int(1)?, args.opt_int(2)?, args.opt_int(3)?.unwrap_or(1))?;
            Ok(vec![RValue::Str(idx.iter().map(|i| chars[*i]).collect::<String>().into())])
        }
        other => {
            let items = other.items().ok_or_else(|| args.error("slice expects a Tensor, list or str"))?;
            let idx = py_slice(items.len(), args.opt_int(1)?, args.opt_int(2)?, args.opt_int(3)?.unwrap_or(1))?;
            Ok(vec![RValue::list(idx.iter().map(|i| items[*i].clone()).collect())])
        }
    }
}

/// `select.int(self, dim, index)` and `select.t(list, idx)`.
fn select(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let RValue::Tensor(t) = args.get(0)? else {
        return super::call(op::aten::__getitem__, "t", args.values);
    };
    if t.dim() == 0 {
        return Err(args.error("select() cannot be applied to a 0-dim tensor."));
    }
    let d = args.dim(1, t.dim())?;
    let n = t.shape()[d] as i64;
    let i = args.int(2)?;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(
            args.error(format!("select(): index {i} out of range for tensor of size {:?} at dimension {d}", t.shape()))
        );
    }
    out(t.data().narrow(d, j as usize, 1)?.squeeze(d)?, t.dtype())
}

/// The coordinates of the non-zero elements: an int64 `(n, rank)` tensor.
pub(super) fn nonzero(t: &RTensor) -> Result<Tensor, KernelError> {
    let shape = t.shape();
    let values = t.to_f64s()?;
    let rank = shape.len();
    let mut coords = Vec::new();
    let mut count = 0;
    for (flat, v) in values.iter().enumerate() {
        if *v != 0.0 {
            let mut rem = flat;
            let mut idx = vec![0i64; rank];
            for d in (0..rank).rev() {
                idx[d] = (rem % shape[d]) as i64;
                rem /= shape[d];
            }
            coords.extend(idx);
            count += 1;
        }
    }
    Ok(Tensor::from_vec(coords, (count, rank), &Device::Cpu)?)
}

fn nonzero_kernel(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    out(nonzero(args.tensor(0)?)?, ScalarType::Int64)
}

/// `index.Tensor(self, Tensor?[] indices)`: advanced indexing (bool masks,
/// integer tensors broadcast together, None keeps a dim), and the list
/// `index` overloads (`[1, 2].index(2)`, `"ab".index("b")`).
fn index(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = match args.get(0)? {
        RValue::Tensor(t) => t,
        RValue::Str(_) => return super::str_search::index(args, false),
        RValue::List(_) => return super::membership::list_index(args),
        other => return Err(args.error(format!("argument 0 must be a Tensor, str or list, not {}", other.type_name()))),
    };
    let raw = args.get(1)?.items().ok_or_else(|| args.error("indices must be a list"))?;
    // Bool masks become one long index per dim they cover.
    let mut indices: Vec<Option<Tensor>> = Vec::new();
    for v in &raw {
        match v {
            RValue::None => indices.push(None),
            RValue::Tensor(i) if matches!(i.dtype(), ScalarType::Bool | ScalarType::UInt8) => {
                let nz = nonzero(i)?;
                let start = indices.len();
                for k in 0..i.dim() {
                    let dim_size = t.shape().get(start + k).copied().unwrap_or(0);
                    if dim_size != i.shape()[k] {
                        return Err(args.error(format!(
                            "The shape of the mask {:?} at index {k} does not match the shape of the indexed tensor {:?} at index {}",
                            i.shape(),
                            t.shape(),
                            start + k
                        )));
                    }
                    indices.push(Some(nz.narrow(1, k, 1)?.squeeze(1)?));
                }
            }
            RValue::Tensor(i) if !i.dtype().is_floating_point() => {
                indices.push(Some(i.data().to_dtype(DType::I64)?));
            }
            other => {
                return Err(args.error(format!(
                    "tensors used as indices must be long, int, byte or bool tensors, not {}",
                    other.type_name()
                )));
            }
        }
    }
    if indices.len() > t.dim() {
        return Err(args.error(format!("too many indices for tensor of dimension {}", t.dim())));
    }
    indices.resize(t.dim(), None);
    let indexed: Vec<usize> = (0..t.dim()).filter(|d| indices[*d].is_some()).collect();
    if indexed.is_empty() {
        return out(t.data(), t.dtype());
    }
    // Broadcast the index tensors together.
    let mut bshape = candle_core::Shape::from(());
    for d in &indexed {
        if let Some(i) = &indices[*d] {
            bshape = bshape.broadcast_shape_binary_op(i.shape(), "index")?;
        }
    }
    let shape = t.shape();
    // Row-major linear index over the indexed dims.
    let mut linear = Tensor::zeros(bshape.clone(), DType::I64, &Device::Cpu)?;
    for d in &indexed {
        let Some(i) = &indices[*d] else { continue };
        let n = shape[*d] as i64;
        let i = i.broadcast_as(bshape.clone())?;
        let vals = i.flatten_all()?.to_vec1::<i64>()?;
        if let Some(bad) = vals.iter().find(|v| **v >= n || **v < -n) {
            return Err(args.error(format!("index {bad} is out of bounds for dimension {d} with size {n}")));
        }
        let wrapped: Vec<i64> = vals.into_iter().map(|v| if v < 0 { v + n } else { v }).collect();
        let i = Tensor::from_vec(wrapped, bshape.clone(), &Device::Cpu)?;
        linear = ((linear * n as f64)? + i)?;
    }
    let others: Vec<usize> = (0..t.dim()).filter(|d| indices[*d].is_none()).collect();
    let order: Vec<usize> = indexed.iter().chain(&others).copied().collect();
    let x = t.data().permute(order)?.contiguous()?;
    let indexed_numel: usize = indexed.iter().map(|d| shape[*d]).product();
    let rest: Vec<usize> = others.iter().map(|d| shape[*d]).collect();
    let mut flat_shape = vec![indexed_numel];
    flat_shape.extend(&rest);
    let picked = x.reshape(flat_shape)?.index_select(&linear.flatten_all()?, 0)?;
    let mut result_shape = bshape.dims().to_vec();
    result_shape.extend(&rest);
    let mut result = picked.reshape(result_shape)?;
    // Adjacent indexed dims put the broadcast dims where they were.
    let adjacent = indexed.windows(2).all(|w| w[1] == w[0] + 1);
    let first = indexed[0];
    if adjacent && first > 0 {
        let nb = bshape.rank();
        let mut perm: Vec<usize> = (nb..nb + first).collect();
        perm.extend(0..nb);
        perm.extend(nb + first..nb + rest.len());
        result = result.permute(perm)?;
    }
    out(result, t.dtype())
}

fn index_tensor(args: &Args<'_>, i: usize) -> Result<Tensor, KernelError> {
    let idx = args.tensor(i)?;
    if idx.dtype().is_floating_point() || idx.dtype() == ScalarType::Bool {
        return Err(args.error("index must be an integer tensor"));
    }
    Ok(idx.data().to_dtype(DType::I64)?)
}

fn index_select(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let d = args.dim(1, t.dim())?;
    let idx = index_tensor(args, 2)?.flatten_all()?;
    let x = if t.dim() == 0 { t.data().reshape(1)? } else { t.data() };
    let r = x.index_select(&idx, d)?;
    out(if t.dim() == 0 { r.reshape(())? } else { r }, t.dtype())
}

fn gather(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let d = args.dim(1, t.dim())?;
    let idx = index_tensor(args, 2)?;
    let n = t.shape().get(d).copied().unwrap_or(1) as i64;
    let wrapped: Vec<i64> =
        idx.flatten_all()?.to_vec1::<i64>()?.into_iter().map(|v| if v < 0 { v + n } else { v }).collect();
    let idx = Tensor::from_vec(wrapped, idx.dims(), &Device::Cpu)?;
    out(t.data().contiguous()?.gather(&idx, d)?, t.dtype())
}

fn expand(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let sizes = args.int_list(1)?;
    let s = t.shape();
    if sizes.len() < s.len() {
        return Err(args.error(format!(
            "the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
            sizes.len(),
            s.len()
        )));
    }
    let lead = sizes.len() - s.len();
    let mut target = Vec::new();
    for (i, size) in sizes.iter().enumerate() {
        if *size == -1 {
            if i < lead {
                return Err(args
                    .error("the expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension"));
            }
            target.push(s[i - lead]);
        } else {
            target.push(usize::try_from(*size).map_err(|_| args.error("numel: integer multiplication overflow"))?);
        }
    }
    // A view in PyTorch; here the operators after it materialize it.
    super::within_budget(&target, t.dtype().size())?;
    out(t.data().broadcast_as(target)?, t.dtype())
}

fn expand_as(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    out(t.data().broadcast_as(args.tensor(1)?.shape())?, t.dtype())
}

fn repeat(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let reps: Vec<usize> = args.int_list(1)?.iter().map(|r| (*r).max(0) as usize).collect();
    if reps.len() < t.dim() {
        return Err(
            args.error("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        );
    }
    let mut shape = vec![1; reps.len() - t.dim()];
    shape.extend(t.shape());
    let repeated: Vec<usize> = shape.iter().zip(&reps).map(|(s, r)| s.saturating_mul(*r)).collect();
    super::within_budget(&repeated, t.dtype().size())?;
    let x = t.data().reshape(shape)?;
    out(x.repeat(reps)?, t.dtype())
}

fn narrow(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let d = args.dim(1, t.dim())?;
    let n = t.shape()[d] as i64;
    let start = match args.get(2)? {
        RValue::Tensor(s) => s.to_i64s()?[0],
        _ => args.int(2)?,
    };
    let start = if start < 0 { start + n } else { start };
    let len = args.int(3)?;
    if start < 0 || len < 0 || start + len > n {
        return Err(args.error(format!("start ({start}) + length ({len}) exceeds dimension size ({n}).")));
    }
    out(t.data().narrow(d, start as usize, len as usize)?, t.dtype())
}

fn flip(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dims: Vec<usize> = args.int_list(1)?.iter().map(|d| wrap_dim(*d, t.dim())).collect::<Result<_, _>>()?;
    if t.dim() == 0 {
        return out(t.data(), t.dtype());
    }
    out(t.data().flip(&dims)?, t.dtype())
}

fn size(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if args.len() == 1 {
        return Ok(vec![RValue::list(t.shape().iter().map(|s| RValue::Int(*s as i64)).collect())]);
    }
    if t.dim() == 0 {
        return Err(args.error("dimension specified as 0 but tensor has no dimensions"));
    }
    Ok(vec![RValue::Int(t.shape()[args.dim(1, t.dim())?] as i64)])
}

fn dim(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Int(args.tensor(0)?.dim() as i64)])
}

fn numel(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Int(args.tensor(0)?.numel() as i64)])
}

fn check_device(args: &Args<'_>, i: usize) -> Result<(), KernelError> {
    match args.opt(i) {
        None => Ok(()),
        Some(RValue::Device(d)) if d.starts_with("cpu") => Ok(()),
        Some(RValue::Str(d)) if d.starts_with("cpu") => Ok(()),
        Some(other) => Err(KernelError::unsupported(format!("device {other:?}: only the CPU is supported"))),
    }
}

/// Every `to` overload; with no dtype change and no `copy`, the same tensor.
fn to(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let overload = match args.overload {
        "" => match args.get(1)? {
            RValue::Device(_) => "device",
            RValue::Tensor(_) => "other",
            _ => "dtype",
        },
        o => o,
    };
    let (dtype, copy) = match overload {
        "dtype" => (args.opt_dtype(1)?, args.bool(3)?),
        "device" => {
            check_device(args, 1)?;
            (args.opt_dtype(2)?, args.bool(4)?)
        }
        "other" => (Some(args.tensor(1)?.dtype()), args.bool(3)?),
        "dtype_layout" => {
            check_device(args, 3)?;
            (args.opt_dtype(1)?, args.bool(6)?)
        }
        "prim_Device" => {
            check_device(args, 1)?;
            (args.opt_dtype(2)?, args.bool(4)?)
        }
        "prim_dtype" => (args.opt_dtype(1)?, args.bool(3)?),
        "prim_other" => (None, args.bool(2)?),
        other => return Err(KernelError::unsupported(format!("aten::to.{other}"))),
    };
    let dtype = dtype.unwrap_or(t.dtype());
    if dtype == t.dtype() && !copy {
        return Ok(vec![RValue::Tensor(t.clone())]);
    }
    let converted = convert(t, dtype)?;
    Ok(vec![RValue::Tensor(if copy { RTensor::new(converted.data().copy()?, dtype)? } else { converted })])
}

fn type_as(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dtype = args.tensor(1)?.dtype();
    if dtype == t.dtype() {
        return Ok(vec![RValue::Tensor(t.clone())]);
    }
    Ok(vec![RValue::Tensor(convert(t, dtype)?)])
}

fn copy_(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let this = args.tensor(0)?;
    let src = args.tensor(1)?;
    let converted = convert(src, this.dtype())?;
    this.assign(&converted)?;
    Ok(vec![RValue::Tensor(this.clone())])
}

/// `diff(x, n, dim, prepend, append)`: `n` times the differences of
/// neighbours along `dim` (`!=` for bools), after joining the extra parts.
fn diff(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let first = |kind, overload, values: &[RValue]| -> Result<RValue, KernelError> {
        super::call(kind, overload, values)?.into_iter().next().ok_or_else(|| KernelError::new("no result"))
    };
    let n = args.int(1)?;
    if n < 0 {
        return Err(args.error(format!("order must be non-negative but got {n}")));
    }
    let x = args.tensor(0)?;
    let dim = wrap_dim(args.int(2)?, x.dim())? as i64;
    let mut parts = Vec::new();
    parts.extend(args.opt_tensor(3)?.cloned().map(RValue::Tensor));
    parts.push(RValue::Tensor(x.clone()));
    parts.extend(args.opt_tensor(4)?.cloned().map(RValue::Tensor));
    let mut t = if parts.len() > 1 {
        first(op::aten::cat, "", &[RValue::list(parts), RValue::Int(dim)])?
    } else {
        parts.remove(0)
    };
    for _ in 0..n {
        let len = t.as_tensor().map_or(0, |t| t.shape()[dim as usize]) as i64;
        if len == 0 {
            break;
        }
        let slice = |start: i64, end: i64| {
            first(
                op::aten::slice,
                "Tensor",
                &[t.clone(), RValue::Int(dim), RValue::Int(start), RValue::Int(end), RValue::Int(1)],
            )
        };
        let (high, low) = (slice(1, len)?, slice(0, len - 1)?);
        t = if x.dtype() == ScalarType::Bool {
            first(op::aten::ne, "Tensor", &[high, low])?
        } else {
            first(op::aten::sub, "Tensor", &[high, low, RValue::Int(1)])?
        };
    }
    Ok(vec![t])
}

fn triu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    triangle(args, "triu", |row, column, diagonal| column - row >= diagonal)
}

fn tril(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    triangle(args, "tril", |row, column, diagonal| column - row <= diagonal)
}

/// `triu`/`tril`: the elements of each matrix (the last two dimensions) on
/// the kept side of the `diagonal`-th diagonal; zeros elsewhere.
fn triangle(args: &Args<'_>, name: &str, keep: fn(i64, i64, i64) -> bool) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let diagonal = args.int(1)?;
    let shape = t.shape();
    let [.., rows, columns] = shape[..] else {
        return Err(KernelError::new(format!("{name}: input tensor must have at least 2 dimensions")));
    };
    let mask: Vec<u8> =
        (0..rows as i64).flat_map(|r| (0..columns as i64).map(move |c| u8::from(keep(r, c, diagonal)))).collect();
    let data = t.data();
    let mask = Tensor::from_vec(mask, (rows, columns), &Device::Cpu)?.broadcast_as(data.shape())?;
    tensor_out(mask.where_cond(&data, &data.zeros_like()?)?, t.dtype())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arange(shape: &[usize]) -> RTensor {
        let n: usize = shape.iter().product();
        RTensor::from_f64s((0..n).map(|i| i as f64).collect(), shape, ScalarType::Float32).unwrap()
    }

    #[test]
    fn slicing_with_step_and_negative_bounds() {
        let x = arange(&[10]);
        let out = super::super::call(
            op::aten::slice,
            "Tensor",
            &[RValue::Tensor(x), RValue::Int(0), RValue::Int(-8), RValue::Int(100), RValue::Int(3)],
        )
        .unwrap();
        assert_eq!(out[0].as_tensor().unwrap().to_f64s().unwrap(), vec![2.0, 5.0, 8.0]);
    }

    #[test]
    fn python_slices() {
        assert_eq!(py_slice(5, None, None, -1).unwrap(), vec![4, 3, 2, 1, 0]);
        assert_eq!(py_slice(5, Some(-2), None, 1).unwrap(), vec![3, 4]);
        assert_eq!(py_slice(5, Some(10), Some(0), -2).unwrap(), vec![4, 2]);
    }

    #[test]
    fn advanced_indexing_places_broadcast_dims() {
        let x = arange(&[2, 3, 4]);
        // x[:, [0, 2]] -> (2, 2, 4), adjacent: the index dim stays in place
        let i = RValue::Tensor(RTensor::from_i64s(vec![0, 2], &[2], ScalarType::Int64).unwrap());
        let out = super::super::call(
            op::aten::index,
            "Tensor",
            &[RValue::Tensor(x.clone()), RValue::list(vec![RValue::None, i.clone()])],
        )
        .unwrap();
        assert_eq!(out[0].as_tensor().unwrap().shape(), vec![2, 2, 4]);
        // x[[0, 1], :, [0, 2]] -> separated: the index dims go first, (2, 3)
        let j = RValue::Tensor(RTensor::from_i64s(vec![0, 1], &[2], ScalarType::Int64).unwrap());
        let out =
            super::super::call(op::aten::index, "Tensor", &[RValue::Tensor(x), RValue::list(vec![j, RValue::None, i])])
                .unwrap();
        let r = out[0].as_tensor().unwrap();
        assert_eq!(r.shape(), vec![2, 3]);
        assert_eq!(r.to_f64s().unwrap(), vec![0.0, 4.0, 8.0, 14.0, 18.0, 22.0]);
    }

    #[test]
    fn chunk_sizes_follow_pytorch() {
        let x = arange(&[5]);
        let out =
            super::super::call(op::aten::chunk, "", &[RValue::Tensor(x), RValue::Int(3), RValue::Int(0)]).unwrap();
        let sizes: Vec<usize> = out[0].items().unwrap().iter().map(|t| t.as_tensor().unwrap().numel()).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
    }
}
