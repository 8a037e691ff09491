//! Reductions: sum/mean/prod/std/var/norm over dims with keepdim and dtype,
//! max/min (whole tensor and per dim with indices), argmax/argmin, any/all,
//! sort/topk, cumsum, equal.

use std::cmp::Ordering;
use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use super::args::{tensor_out, wrap_dim};
use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::{RTensor, storage_dtype};
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::sum, sum),
        (op::aten::mean, mean),
        (op::aten::prod, prod),
        (op::aten::max, max),
        (op::aten::min, min),
        (op::aten::amax, amax),
        (op::aten::amin, amin),
        (op::aten::argmax, argmax),
        (op::aten::argmin, argmin),
        (op::aten::std, std),
        (op::aten::var, var),
        (op::aten::any, any),
        (op::aten::all, all),
        (op::aten::norm, norm),
        (op::aten::topk, topk),
        (op::aten::sort, sort),
        (op::aten::argsort, argsort),
        (op::aten::cumsum, cumsum),
        (op::aten::equal, equal),
        (op::aten::logsumexp, logsumexp),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

/// The dims a `int[1]?` argument names: None or empty means all of them.
/// Sorted, deduplicated.
fn reduce_dims(args: &Args<'_>, i: usize, rank: usize) -> Result<Vec<usize>, KernelError> {
    let dims = match args.opt(i) {
        None => vec![],
        Some(_) => args.int_list(i)?,
    };
    if dims.is_empty() {
        return Ok((0..rank).collect());
    }
    let mut out: Vec<usize> = dims.iter().map(|d| wrap_dim(*d, rank)).collect::<Result<_, _>>()?;
    out.sort_unstable();
    let n = out.len();
    out.dedup();
    if out.len() != n {
        return Err(args.error("dim appears multiple times in the list of dims"));
    }
    Ok(out.into_iter().filter(|d| *d < rank).collect())
}

/// Removes the reduced dims when not `keepdim`.
fn finish_dims(t: Tensor, dims: &[usize], keepdim: bool) -> Result<Tensor, KernelError> {
    if keepdim || dims.is_empty() {
        return Ok(t);
    }
    let shape: Vec<usize> = t.dims().iter().enumerate().filter(|(i, _)| !dims.contains(i)).map(|(_, s)| *s).collect();
    Ok(t.reshape(shape)?)
}

/// The dtype sum/prod/cumsum give: integers and bools accumulate as int64.
fn accumulate_dtype(dtype: ScalarType, requested: Option<ScalarType>) -> ScalarType {
    requested.unwrap_or(if dtype.is_floating_point() { dtype } else { ScalarType::Int64 })
}

fn as_storage(t: &RTensor, dtype: ScalarType) -> Result<Tensor, KernelError> {
    let x = t.data();
    let s = storage_dtype(dtype);
    Ok(if x.dtype() == s { x } else { x.to_dtype(s)? })
}

fn sum(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if let Some(items) = args.get(0)?.items() {
        if items.iter().all(|v| matches!(v, RValue::Int(_) | RValue::Bool(_))) {
            return Ok(vec![RValue::Int(items.iter().filter_map(RValue::as_int).sum())]);
        }
        return Ok(vec![RValue::Float(items.iter().filter_map(RValue::as_f64).sum())]);
    }
    let t = args.tensor(0)?;
    let (dims, keepdim, requested) = if args.len() <= 2 {
        ((0..t.dim()).collect(), false, args.opt_dtype(1)?)
    } else {
        (reduce_dims(args, 1, t.dim())?, args.bool(2)?, args.opt_dtype(3)?)
    };
    let dtype = accumulate_dtype(t.dtype(), requested);
    let x = as_storage(t, dtype)?;
    let x = if x.dtype() == DType::U8 { x.to_dtype(DType::I64)? } else { x };
    let out = if dims.is_empty() { x } else { x.sum_keepdim(dims.clone())? };
    tensor_out(finish_dims(out, &dims, keepdim)?, dtype)
}

fn mean(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let (dims, keepdim, requested) = if args.len() <= 2 {
        ((0..t.dim()).collect(), false, args.opt_dtype(1)?)
    } else {
        (reduce_dims(args, 1, t.dim())?, args.bool(2)?, args.opt_dtype(3)?)
    };
    let dtype = requested.unwrap_or(t.dtype());
    if !dtype.is_floating_point() {
        return Err(args.error(format!(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
            dtype.torch_name()
        )));
    }
    let x = as_storage(t, dtype)?;
    let out = if dims.is_empty() { x } else { x.mean_keepdim(dims.clone())? };
    tensor_out(finish_dims(out, &dims, keepdim)?, dtype)
}

/// Moves `dim` last and returns the rows along it as f64s.
fn rows_along(x: &Tensor, dim: usize) -> Result<(Vec<f64>, usize, Tensor), KernelError> {
    let last = x.rank().saturating_sub(1);
    let moved = if x.rank() == 0 { x.reshape(1)? } else { x.transpose(dim, last)?.contiguous()? };
    let n = moved.dims().last().copied().unwrap_or(1);
    let values = moved.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    Ok((values, n, moved))
}

fn prod(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if args.len() <= 2 {
        let dtype = accumulate_dtype(t.dtype(), args.opt_dtype(1)?);
        let p: f64 = t.to_f64s()?.iter().product();
        return tensor_out(Tensor::new(p, &Device::Cpu)?, dtype);
    }
    let dtype = accumulate_dtype(t.dtype(), args.opt_dtype(3)?);
    let keepdim = args.bool(2)?;
    if t.dim() == 0 {
        return tensor_out(t.data(), dtype);
    }
    let dim = args.dim(1, t.dim())?;
    let x = t.data();
    let (values, n, moved) = rows_along(&x, dim)?;
    let rows = moved.elem_count() / n.max(1);
    let out: Vec<f64> = if n == 0 { vec![1.0; rows] } else { values.chunks(n).map(|c| c.iter().product()).collect() };
    let mut shape = moved.dims().to_vec();
    shape.pop();
    let last = x.rank() - 1;
    let r = Tensor::from_vec(out, shape, &Device::Cpu)?.unsqueeze(last)?.transpose(dim, last)?;
    tensor_out(finish_dims(r, &[dim], keepdim)?, dtype)
}

/// `max(self)`, `max.dim(self, dim, keepdim)`, `max.other(self, other)`.
fn extremum(args: &Args<'_>, want_max: bool) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if args.len() == 1 {
        if t.numel() == 0 {
            return Err(args.error(
                "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
            ));
        }
        let x = t.data().flatten_all()?;
        let out = if want_max { x.max(0)? } else { x.min(0)? };
        return tensor_out(out, t.dtype());
    }
    if let RValue::Tensor(_) = args.get(1)? {
        let name = if want_max { op::aten::maximum } else { op::aten::minimum };
        return super::call(name, "", args.values);
    }
    let dim = args.dim(1, t.dim())?;
    let keepdim = args.bool(2)?;
    let x = if t.dim() == 0 { t.data().reshape(1)? } else { t.data() };
    let (values, indices) = if want_max {
        (x.max_keepdim(dim)?, x.argmax_keepdim(dim)?)
    } else {
        (x.min_keepdim(dim)?, x.argmin_keepdim(dim)?)
    };
    let (values, indices) = if keepdim && t.dim() > 0 {
        (values, indices)
    } else {
        (finish_dims(values, &[dim], false)?, finish_dims(indices, &[dim], false)?)
    };
    Ok(vec![
        RValue::Tensor(RTensor::new(values, t.dtype())?),
        RValue::Tensor(RTensor::new(indices, ScalarType::Int64)?),
    ])
}

fn max(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    extremum(args, true)
}

fn min(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    extremum(args, false)
}

fn amax_amin(args: &Args<'_>, want_max: bool) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dims = reduce_dims(args, 1, t.dim())?;
    let keepdim = args.bool(2)?;
    let mut x = t.data();
    for d in &dims {
        x = if want_max { x.max_keepdim(*d)? } else { x.min_keepdim(*d)? };
    }
    tensor_out(finish_dims(x, &dims, keepdim)?, t.dtype())
}

fn amax(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    amax_amin(args, true)
}

fn amin(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    amax_amin(args, false)
}

fn arg_extremum(args: &Args<'_>, want_max: bool) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let keepdim = args.opt(2).map(|_| args.bool(2)).transpose()?.unwrap_or(false);
    let (x, dim, flat) = match args.opt_int(1)? {
        None => (t.data().flatten_all()?, 0, true),
        Some(d) => (if t.dim() == 0 { t.data().reshape(1)? } else { t.data() }, wrap_dim(d, t.dim())?, false),
    };
    let idx = if want_max { x.argmax_keepdim(dim)? } else { x.argmin_keepdim(dim)? };
    let idx = if flat {
        if keepdim { idx.reshape(vec![1; t.dim()])? } else { idx.reshape(())? }
    } else if keepdim && t.dim() > 0 {
        idx
    } else {
        finish_dims(idx, &[dim], false)?
    };
    tensor_out(idx, ScalarType::Int64)
}

fn argmax(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    arg_extremum(args, true)
}

fn argmin(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    arg_extremum(args, false)
}

/// `var`/`std`: `(self, unbiased)`, `.dim(self, dim?, unbiased, keepdim)`,
/// `.correction(self, dim?, *, correction?, keepdim)`.
fn variance(args: &Args<'_>, root: bool) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let (dims, correction, keepdim) = if args.len() <= 2 {
        let unbiased = args.opt(1).map(|_| args.bool(1)).transpose()?.unwrap_or(true);
        ((0..t.dim()).collect::<Vec<_>>(), if unbiased { 1.0 } else { 0.0 }, false)
    } else if args.overload == "correction" || !matches!(args.get(2)?, RValue::Bool(_)) {
        (reduce_dims(args, 1, t.dim())?, args.opt_float(2)?.unwrap_or(1.0), args.bool(3)?)
    } else {
        (reduce_dims(args, 1, t.dim())?, if args.bool(2)? { 1.0 } else { 0.0 }, args.bool(3)?)
    };
    let dtype = t.dtype();
    if !dtype.is_floating_point() {
        return Err(args.error("std and var only support floating point and complex dtypes"));
    }
    let x = t.data();
    let n: usize = dims.iter().map(|d| x.dims()[*d]).product();
    let out = if dims.is_empty() {
        x.zeros_like()?
    } else {
        let mean = x.mean_keepdim(dims.clone())?;
        let sq = x.broadcast_sub(&mean)?.sqr()?.sum_keepdim(dims.clone())?;
        let denom = (n as f64 - correction).max(0.0);
        sq.affine(1.0 / denom, 0.0)?
    };
    let out = if root { out.sqrt()? } else { out };
    tensor_out(finish_dims(out, &dims, keepdim)?, dtype)
}

fn std(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    variance(args, true)
}

fn var(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    variance(args, false)
}

/// `any`/`all`: `(self)`, `.dim(self, int dim, keepdim)`, `.dims(self, int[]? dim, keepdim)`.
fn any_all(args: &Args<'_>, is_any: bool) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let x = super::pointwise::mask_of(&t.data())?;
    let (dims, keepdim) = if args.len() == 1 {
        ((0..t.dim()).collect::<Vec<_>>(), false)
    } else {
        (reduce_dims(args, 1, t.dim())?, args.bool(2)?)
    };
    let mut r = x;
    for d in &dims {
        r = if r.dims()[*d] == 0 {
            let mut shape = r.dims().to_vec();
            shape[*d] = 1;
            Tensor::full(if is_any { 0u8 } else { 1u8 }, shape, &Device::Cpu)?
        } else if is_any {
            r.max_keepdim(*d)?
        } else {
            r.min_keepdim(*d)?
        };
    }
    tensor_out(finish_dims(r, &dims, keepdim)?, ScalarType::Bool)
}

fn any(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    any_all(args, true)
}

fn all(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    any_all(args, false)
}

/// `norm.Scalar(self, p)`, `.ScalarOpt_dim(self, p?, dim, keepdim)`,
/// `.ScalarOpt_dim_dtype(…, dtype)`, `.ScalarOpt_dtype(self, p?, dtype)`.
fn norm(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let p = args.opt_float(1)?.unwrap_or(2.0);
    let (dims, keepdim, requested) = match args.len() {
        1 | 2 => ((0..t.dim()).collect::<Vec<_>>(), false, None),
        3 => ((0..t.dim()).collect(), false, args.opt_dtype(2)?),
        _ => (reduce_dims(args, 2, t.dim())?, args.bool(3)?, args.opt_dtype(4)?),
    };
    let dtype = requested.unwrap_or(t.dtype());
    if !dtype.is_floating_point() {
        return Err(args.error("linalg.vector_norm: Expected a floating point or complex tensor as input"));
    }
    let x = as_storage(t, dtype)?.abs()?;
    let reduce_all = |x: Tensor, max: bool| -> Result<Tensor, KernelError> {
        if dims.is_empty() {
            return Ok(x);
        }
        let mut r = x;
        if max {
            for d in &dims {
                r = r.max_keepdim(*d)?;
            }
            Ok(r)
        } else {
            Ok(r.sum_keepdim(dims.clone())?)
        }
    };
    let out = if p == f64::INFINITY {
        reduce_all(x, true)?
    } else if p == 0.0 {
        reduce_all(x.ne(0f64)?.to_dtype(x.dtype())?, false)?
    } else if p == 1.0 {
        reduce_all(x, false)?
    } else if p == 2.0 {
        reduce_all(x.sqr()?, false)?.sqrt()?
    } else {
        reduce_all(x.powf(p)?, false)?.powf(1.0 / p)?
    };
    tensor_out(finish_dims(out, &dims, keepdim)?, dtype)
}

/// Total order with NaN largest (PyTorch's sort order).
fn total(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

/// A stable sort along `dim`: (values, int64 indices), the first `k` of each row.
fn sort_along(t: &RTensor, dim: usize, descending: bool, k: Option<usize>) -> Result<(Tensor, Tensor), KernelError> {
    let x = t.data();
    let (values, n, moved) = rows_along(&x, dim)?;
    let k = k.unwrap_or(n);
    let mut order: Vec<i64> = Vec::with_capacity(values.len() / n.max(1) * k);
    if n > 0 {
        for row in values.chunks(n) {
            let mut idx: Vec<usize> = (0..n).collect();
            if descending {
                idx.sort_by(|a, b| total(row[*b], row[*a]));
            } else {
                idx.sort_by(|a, b| total(row[*a], row[*b]));
            }
            order.extend(idx.into_iter().take(k).map(|i| i as i64));
        }
    }
    let mut shape = moved.dims().to_vec();
    if let Some(last) = shape.last_mut() {
        *last = k;
    }
    let idx = Tensor::from_vec(order, shape, &Device::Cpu)?;
    let sorted = moved.contiguous()?.gather(&idx.contiguous()?, moved.rank() - 1)?;
    if x.rank() == 0 {
        return Ok((sorted.reshape(())?, idx.reshape(())?));
    }
    let last = x.rank() - 1;
    Ok((sorted.transpose(dim, last)?.contiguous()?, idx.transpose(dim, last)?.contiguous()?))
}

fn topk(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let k = args.int(1)?;
    let dim = args.dim(2, t.dim())?;
    let largest = args.bool(3)?;
    let size = if t.dim() == 0 { 1 } else { t.shape()[dim] };
    if k < 0 || k as usize > size {
        return Err(args.error("selected index k out of range"));
    }
    let (values, indices) = sort_along(t, dim, largest, Some(k as usize))?;
    Ok(vec![
        RValue::Tensor(RTensor::new(values, t.dtype())?),
        RValue::Tensor(RTensor::new(indices, ScalarType::Int64)?),
    ])
}

/// `sort(self, dim, descending)`, `sort.stable(self, stable?, dim,
/// descending)`, and the list sorts (`sort.int(list, reverse)`), in place.
fn sort(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if let RValue::List(l) = args.get(0)? {
        let reverse = args.opt(1).map(|_| args.bool(1)).transpose()?.unwrap_or(false);
        let mut items = l.borrow_mut();
        // PyTorch's std::sort leaves NaNs where its algorithm happens to
        // (`[3., nan, 1.]` sorts to `[1., nan, 3.]` in reverse): refused.
        if items.iter().any(|x| matches!(x, RValue::Float(f) if f.is_nan())) {
            return Err(KernelError::unsupported(
                "sorting a list that holds NaN: PyTorch's order depends on its sort algorithm",
            ));
        }
        let mut failed = None;
        items.sort_by(|a, b| {
            let o = match (a, b) {
                (RValue::Str(x), RValue::Str(y)) => x.cmp(y),
                _ => match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => total(x, y),
                    _ => {
                        failed = Some(a.type_name());
                        Ordering::Equal
                    }
                },
            };
            if reverse { o.reverse() } else { o }
        });
        if let Some(ty) = failed {
            return Err(args.error(format!("cannot sort a list of {ty}")));
        }
        return Ok(vec![]);
    }
    let t = args.tensor(0)?;
    let (dim, descending) = if args.overload == "stable" || args.len() == 4 {
        (args.dim(2, t.dim())?, args.bool(3)?)
    } else {
        (args.dim(1, t.dim())?, args.bool(2)?)
    };
    let (values, indices) = sort_along(t, dim, descending, None)?;
    Ok(vec![
        RValue::Tensor(RTensor::new(values, t.dtype())?),
        RValue::Tensor(RTensor::new(indices, ScalarType::Int64)?),
    ])
}

fn argsort(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let (dim, descending) = if args.overload == "stable" {
        (args.dim(2, t.dim())?, args.bool(3)?)
    } else {
        (args.dim(1, t.dim())?, args.bool(2)?)
    };
    let (_, indices) = sort_along(t, dim, descending, None)?;
    tensor_out(indices, ScalarType::Int64)
}

fn cumsum(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dim = args.dim(1, t.dim())?;
    let dtype = accumulate_dtype(t.dtype(), args.opt_dtype(2)?);
    if t.dim() == 0 {
        return tensor_out(as_storage(t, dtype)?, dtype);
    }
    let x = if dtype.is_floating_point() { as_storage(t, dtype)? } else { t.data().to_dtype(DType::F64)? };
    tensor_out(x.cumsum(dim)?, dtype)
}

/// `torch.equal`: same shape and the same values.
pub(super) fn tensors_equal(a: &RTensor, b: &RTensor) -> Result<bool, KernelError> {
    if a.shape() != b.shape() {
        return Ok(false);
    }
    let (x, y) = (a.to_f64s()?, b.to_f64s()?);
    Ok(x.iter().zip(&y).all(|(p, q)| p == q))
}

fn equal(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Bool(tensors_equal(args.tensor(0)?, args.tensor(1)?)?)])
}

fn logsumexp(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dims = reduce_dims(args, 1, t.dim())?;
    let keepdim = args.bool(2)?;
    let dtype = if t.dtype().is_floating_point() { t.dtype() } else { ScalarType::Float32 };
    let x = as_storage(t, dtype)?;
    let m = x.max_keepdim(dims[0])?;
    let m = dims[1..].iter().try_fold(m, |m, d| m.max_keepdim(*d))?;
    let m = m.where_cond_finite()?;
    let s = x.broadcast_sub(&m)?.exp()?.sum_keepdim(dims.clone())?.log()?.broadcast_add(&m)?;
    tensor_out(finish_dims(s, &dims, keepdim)?, dtype)
}

trait Finite {
    fn where_cond_finite(&self) -> Result<Tensor, KernelError>;
}

impl Finite for Tensor {
    /// Infinite maxima replaced by 0 (so `x - max` stays finite).
    fn where_cond_finite(&self) -> Result<Tensor, KernelError> {
        let finite = self.abs()?.lt(f64::INFINITY)?;
        Ok(finite.where_cond(self, &self.zeros_like()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(values: Vec<f64>, shape: &[usize], dtype: ScalarType) -> RValue {
        RValue::Tensor(RTensor::from_f64s(values, shape, dtype).unwrap())
    }

    #[test]
    fn sum_of_bools_is_int64_and_keeps_dims() {
        let x = t(vec![1.0, 0.0, 1.0, 1.0], &[2, 2], ScalarType::Bool);
        let out = super::super::call(
            op::aten::sum,
            "dim_IntList",
            &[x, RValue::list(vec![RValue::Int(-1)]), RValue::Bool(true), RValue::None],
        )
        .unwrap();
        let r = out[0].as_tensor().unwrap();
        assert_eq!(r.dtype(), ScalarType::Int64);
        assert_eq!(r.shape(), vec![2, 1]);
        assert_eq!(r.to_f64s().unwrap(), vec![1.0, 2.0]);
    }

    #[test]
    fn max_dim_gives_values_and_int64_indices() {
        let x = t(vec![1.0, 5.0, 3.0, 7.0, 2.0, 0.0], &[2, 3], ScalarType::Float32);
        let out = super::super::call(op::aten::max, "dim", &[x, RValue::Int(1), RValue::Bool(false)]).unwrap();
        assert_eq!(out[0].as_tensor().unwrap().to_f64s().unwrap(), vec![5.0, 7.0]);
        let idx = out[1].as_tensor().unwrap();
        assert_eq!(idx.dtype(), ScalarType::Int64);
        assert_eq!(idx.to_f64s().unwrap(), vec![1.0, 0.0]);
    }

    #[test]
    fn a_list_with_nan_is_not_sorted() {
        // PyTorch 2.5.1 sorted [3., nan, 1., -0., 0.] in reverse to
        // [1., nan, 3., -0., 0.] (std::sort with NaN); tsc refuses.
        let l = RValue::list([3.0, f64::NAN, 1.0].into_iter().map(RValue::Float).collect());
        let e = super::super::call(op::aten::sort, "float", &[l, RValue::Bool(true)]).unwrap_err();
        assert!(e.unsupported, "{e}");
    }

    #[test]
    fn sort_is_stable_and_nan_last() {
        let x = t(vec![2.0, f64::NAN, 1.0, 2.0], &[4], ScalarType::Float32);
        let out = super::super::call(op::aten::sort, "", &[x, RValue::Int(0), RValue::Bool(false)]).unwrap();
        assert_eq!(out[1].as_tensor().unwrap().to_i64s().unwrap(), vec![2, 0, 3, 1]);
    }

    #[test]
    fn var_is_unbiased_by_default() {
        let x = t(vec![1.0, 2.0, 3.0, 4.0], &[4], ScalarType::Float32);
        let out = super::super::call(op::aten::var, "", &[x, RValue::Bool(true)]).unwrap();
        let v = out[0].as_tensor().unwrap().item().unwrap();
        assert!((v - 5.0 / 3.0).abs() < 1e-6);
    }
}
