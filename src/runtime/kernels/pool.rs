//! Pooling in any number of spatial dims on plain loops, as PyTorch's CPU
//! kernels walk their windows: 3-d max and average pooling and adaptive
//! max pooling (1 to 3 dims, with the indices of the maxima), adaptive
//! average pooling in 3 dims. A maximum is the first of its value in the
//! window, and a NaN wins.

use std::collections::HashMap;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::max_pool3d, |args| window_pool(args, Reduce::Max).map(|mut v| v.drain(..1).collect())),
        (op::aten::max_pool3d_with_indices, |args| window_pool(args, Reduce::Max)),
        (op::aten::avg_pool3d, |args| window_pool(args, Reduce::Avg)),
        (op::aten::adaptive_max_pool1d, |args| adaptive(args, 1, Reduce::Max)),
        (op::aten::adaptive_max_pool2d, |args| adaptive(args, 2, Reduce::Max)),
        (op::aten::adaptive_max_pool3d, |args| adaptive(args, 3, Reduce::Max)),
        (op::aten::adaptive_avg_pool3d, |args| adaptive(args, 3, Reduce::Avg)),
        (op::aten::_adaptive_avg_pool3d, |args| adaptive(args, 3, Reduce::Avg)),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Reduce {
    Max,
    Avg,
}

/// A pooled input: its float values as `(planes, spatial sizes)`, with or
/// without its batch dim.
struct Planes {
    values: Vec<f64>,
    planes: usize,
    sizes: Vec<usize>,
    /// The input's shape up to its spatial dims.
    lead: Vec<usize>,
    dtype: ScalarType,
}

fn planes(args: &Args<'_>, spatial: usize) -> Result<Planes, KernelError> {
    let t = args.tensor(0)?;
    let shape = t.shape();
    if shape.len() != spatial + 1 && shape.len() != spatial + 2 {
        return Err(args.error(format!(
            "{}: Expected {}D or {}D input tensor, but got {shape:?}",
            args.kind.as_str().trim_start_matches("aten::"),
            spatial + 1,
            spatial + 2
        )));
    }
    if !t.dtype().is_floating_point() {
        return Err(args.error(format!("\"{}\" not implemented for '{}'", args.kind, t.dtype().c10_name())));
    }
    let split = shape.len() - spatial;
    if shape[split..].contains(&0) {
        return Err(args.error(format!("{}: Expected input's non-batch dimensions to have positive length", args.kind)));
    }
    Ok(Planes {
        values: t.to_f64s()?,
        planes: shape[..split].iter().product(),
        sizes: shape[split..].to_vec(),
        lead: shape[..split].to_vec(),
        dtype: t.dtype(),
    })
}

/// The outputs: values in the input's type, indices as int64.
fn outputs(
    p: &Planes,
    out_sizes: &[usize],
    values: Vec<f64>,
    indices: Vec<i64>,
    reduce: Reduce,
) -> Result<Vec<RValue>, KernelError> {
    let mut shape = p.lead.clone();
    shape.extend_from_slice(out_sizes);
    let mut out = vec![RValue::Tensor(RTensor::from_f64s(values, &shape, p.dtype)?)];
    if reduce == Reduce::Max {
        out.push(RValue::Tensor(RTensor::from_i64s(indices, &shape, ScalarType::Int64)?));
    }
    Ok(out)
}

/// Every multi-index of `sizes`, the last dim fastest.
fn positions(sizes: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![Vec::new()];
    for &n in sizes {
        all = all.into_iter().flat_map(|p| (0..n).map(move |i| [p.clone(), vec![i]].concat())).collect();
    }
    all
}

fn flat(index: &[usize], sizes: &[usize]) -> usize {
    index.iter().zip(sizes).fold(0, |acc, (i, n)| acc * n + i)
}

/// Reduces the plane `values` over the box `ranges` (one `(start, end,
/// step)` per dim): the maximum and its flat index, or the sum and count.
fn reduce_box(values: &[f64], sizes: &[usize], ranges: &[(i64, i64, i64)], reduce: Reduce) -> (f64, i64, usize) {
    let mut best = (f64::NEG_INFINITY, -1i64);
    let mut sum = 0.0;
    let mut count = 0;
    let spans: Vec<Vec<usize>> = ranges
        .iter()
        .zip(sizes)
        .map(|(&(start, end, step), &n)| {
            let mut v = Vec::new();
            let mut i = start;
            while i < end {
                if i >= 0 && (i as usize) < n {
                    v.push(i as usize);
                }
                i += step;
            }
            v
        })
        .collect();
    for index in positions(&spans.iter().map(Vec::len).collect::<Vec<_>>()) {
        let at: Vec<usize> = index.iter().zip(&spans).map(|(k, span)| span[*k]).collect();
        let f = flat(&at, sizes);
        let v = values[f];
        match reduce {
            Reduce::Max => {
                if best.1 < 0 || v > best.0 || v.is_nan() {
                    best = (v, f as i64);
                }
            }
            Reduce::Avg => {
                sum += v;
                count += 1;
            }
        }
    }
    match reduce {
        Reduce::Max => (best.0, best.1, 1),
        Reduce::Avg => (sum, -1, count),
    }
}

/// `max_pool3d(_with_indices)(self, kernel, stride, padding, dilation,
/// ceil_mode)` and `avg_pool3d(self, kernel, stride, padding, ceil_mode,
/// count_include_pad, divisor_override?)`.
fn window_pool(args: &Args<'_>, reduce: Reduce) -> Result<Vec<RValue>, KernelError> {
    let spatial = 3;
    let p = planes(args, spatial)?;
    let ints = |i: usize| -> Result<Vec<usize>, KernelError> {
        let v = args.int_list(i)?;
        let v = if v.len() == 1 { vec![v[0]; spatial] } else { v };
        if v.len() != spatial || v.iter().any(|x| *x < 0) {
            return Err(args.error(format!("argument {i} must be {spatial} non-negative ints")));
        }
        Ok(v.into_iter().map(|x| x as usize).collect())
    };
    let kernel = ints(1)?;
    let stride = if args.int_list(2)?.is_empty() { kernel.clone() } else { ints(2)? };
    let padding = ints(3)?;
    let (dilation, ceil) = match reduce {
        Reduce::Max => (ints(4)?, args.bool(5)?),
        Reduce::Avg => (vec![1; spatial], args.bool(4)?),
    };
    if kernel.contains(&0) || stride.contains(&0) || dilation.contains(&0) {
        return Err(args.error("kernel size, stride and dilation should be greater than zero"));
    }
    if padding.iter().zip(&kernel).any(|(p, k)| 2 * p > *k) {
        return Err(args.error("pad should be smaller than or equal to half of kernel size"));
    }
    let (include_pad, divisor) = match reduce {
        Reduce::Avg => (args.bool(5)?, args.opt_int(6)?),
        Reduce::Max => (false, None),
    };
    if divisor == Some(0) {
        return Err(args.error("divisor must be not zero"));
    }
    let out_sizes: Vec<i64> = (0..spatial)
        .map(|d| pooling_output_size(p.sizes[d], kernel[d], padding[d], stride[d], dilation[d], ceil))
        .collect();
    if out_sizes.iter().any(|o| *o < 1) {
        let show = |v: Vec<String>| v.join("x");
        return Err(args.error(format!(
            "Given input size: ({}). Calculated output size: ({}). Output size is too small",
            show(p.lead.iter().skip(p.lead.len() - 1).chain(&p.sizes).map(usize::to_string).collect()),
            show(
                p.lead
                    .iter()
                    .skip(p.lead.len() - 1)
                    .map(usize::to_string)
                    .chain(out_sizes.iter().map(i64::to_string))
                    .collect()
            )
        )));
    }
    let out_sizes: Vec<usize> = out_sizes.iter().map(|o| *o as usize).collect();
    let plane: usize = p.sizes.iter().product();
    let mut values = Vec::new();
    let mut indices = Vec::new();
    for c in 0..p.planes {
        let data = &p.values[c * plane..(c + 1) * plane];
        for o in positions(&out_sizes) {
            let starts: Vec<i64> = (0..spatial).map(|d| (o[d] * stride[d]) as i64 - padding[d] as i64).collect();
            let ranges: Vec<(i64, i64, i64)> = (0..spatial)
                .map(|d| (starts[d], starts[d] + ((kernel[d] - 1) * dilation[d]) as i64 + 1, dilation[d] as i64))
                .collect();
            let (v, i, count) = reduce_box(data, &p.sizes, &ranges, reduce);
            match reduce {
                Reduce::Max => {
                    values.push(v);
                    indices.push(i);
                }
                Reduce::Avg => {
                    // The divisor counts the padding that fits in the window.
                    let padded: usize = (0..spatial)
                        .map(|d| {
                            let end = (starts[d] + kernel[d] as i64).min((p.sizes[d] + padding[d]) as i64);
                            (end - starts[d]) as usize
                        })
                        .product();
                    let by = match divisor {
                        Some(d) => d as f64,
                        None if include_pad => padded as f64,
                        None => count as f64,
                    };
                    values.push(if count == 0 { 0.0 } else { v / by });
                }
            }
        }
    }
    outputs(&p, &out_sizes, values, indices, reduce)
}

/// PyTorch's `pooling_output_shape`: the windows that start inside the
/// input or its left padding.
fn pooling_output_size(input: usize, k: usize, pad: usize, stride: usize, dilation: usize, ceil: bool) -> i64 {
    let (input, k, pad, stride, dilation) = (input as i64, k as i64, pad as i64, stride as i64, dilation as i64);
    let num = input + 2 * pad - dilation * (k - 1) - 1 + if ceil { stride - 1 } else { 0 };
    let mut out = num.div_euclid(stride) + 1;
    if ceil && (out - 1) * stride >= input + pad {
        out -= 1;
    }
    out
}

/// `adaptive_{max,avg}_poolNd(self, output_size)`: output `i` of a dim of
/// `n` inputs pools `floor(i * n / out) .. ceil((i + 1) * n / out)`.
fn adaptive(args: &Args<'_>, spatial: usize, reduce: Reduce) -> Result<Vec<RValue>, KernelError> {
    let p = planes(args, spatial)?;
    let size = args.int_list(1)?;
    if size.len() != spatial || size.iter().any(|n| *n <= 0) {
        return Err(args.error(format!(
            "{}: internal error: output_size.size() must be {spatial}, with positive sizes",
            args.kind.as_str().trim_start_matches("aten::")
        )));
    }
    let out_sizes: Vec<usize> = size.iter().map(|n| *n as usize).collect();
    let plane: usize = p.sizes.iter().product();
    let mut values = Vec::new();
    let mut indices = Vec::new();
    for c in 0..p.planes {
        let data = &p.values[c * plane..(c + 1) * plane];
        for o in positions(&out_sizes) {
            let ranges: Vec<(i64, i64, i64)> = (0..spatial)
                .map(|d| {
                    let (n, out) = (p.sizes[d], out_sizes[d]);
                    ((o[d] * n / out) as i64, ((o[d] + 1) * n).div_ceil(out) as i64, 1)
                })
                .collect();
            let (v, i, count) = reduce_box(data, &p.sizes, &ranges, reduce);
            values.push(if reduce == Reduce::Avg { v / count as f64 } else { v });
            indices.push(i);
        }
    }
    outputs(&p, &out_sizes, values, indices, reduce)
}
