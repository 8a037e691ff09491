//! `F.interpolate`'s operators: nearest, nearest-exact, (bi/tri)linear and
//! bicubic upsampling in 1 to 3 spatial dims, with PyTorch's output sizes
//! (`compute_output_size`) and source indices and weights (UpSample.h and
//! the CPU kernels of UpSampleKernel.cpp, in the input's float type).

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::upsample_nearest1d, |args| upsample(args, 1, Mode::Nearest)),
        (op::aten::upsample_nearest2d, |args| upsample(args, 2, Mode::Nearest)),
        (op::aten::upsample_nearest3d, |args| upsample(args, 3, Mode::Nearest)),
        (op::aten::_upsample_nearest_exact1d, |args| upsample(args, 1, Mode::NearestExact)),
        (op::aten::_upsample_nearest_exact2d, |args| upsample(args, 2, Mode::NearestExact)),
        (op::aten::_upsample_nearest_exact3d, |args| upsample(args, 3, Mode::NearestExact)),
        (op::aten::upsample_linear1d, |args| upsample(args, 1, Mode::Linear)),
        (op::aten::upsample_bilinear2d, |args| upsample(args, 2, Mode::Linear)),
        (op::aten::upsample_trilinear3d, |args| upsample(args, 3, Mode::Linear)),
        (op::aten::upsample_bicubic2d, |args| upsample(args, 2, Mode::Cubic)),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Nearest,
    NearestExact,
    Linear,
    Cubic,
}

/// A list of floats, or None.
fn opt_floats(args: &Args<'_>, i: usize) -> Result<Option<Vec<f64>>, KernelError> {
    match args.opt(i) {
        None | Some(RValue::None) => Ok(None),
        Some(v) => {
            let items = v.items().ok_or_else(|| args.error(format!("argument {i} must be a list of floats")))?;
            items
                .iter()
                .map(|x| match x {
                    RValue::Float(f) => Ok(*f),
                    RValue::Int(n) => Ok(*n as f64),
                    _ => Err(args.error(format!("argument {i} must be a list of floats"))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        }
    }
}

fn opt_float(args: &Args<'_>, i: usize) -> Result<Option<f64>, KernelError> {
    match args.opt(i) {
        None | Some(RValue::None) => Ok(None),
        Some(_) => args.float(i).map(Some),
    }
}

fn upsample(args: &Args<'_>, spatial: usize, mode: Mode) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let shape = t.shape();
    let interpolating = matches!(mode, Mode::Linear | Mode::Cubic);
    let align_corners = interpolating && args.bool(2)?;
    let after = if interpolating { 3 } else { 2 };
    // The `.vec` overload: an output size or scale factors, one per dim of
    // the input past the second (`compute_output_size`); the other: an
    // output size and an optional scale per dim.
    let (sizes, scales): (Vec<i64>, Vec<Option<f64>>) = if args.overload == "vec" {
        let given = match args.opt(1) {
            None | Some(RValue::None) => None,
            Some(_) => Some(args.int_list(1)?),
        };
        let factors = opt_floats(args, after)?;
        let dims = shape.len().saturating_sub(2);
        let unchecked = |what: &str| {
            args.error(format!(
                "Expected static_cast<int64_t>({what}->size()) == spatial_dimensions to be true, but got false.  \
                 (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)"
            ))
        };
        match (given, factors) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(args.error("Must specify exactly one of output_size and scale_factors"));
            }
            (Some(size), None) if size.len() != dims => return Err(unchecked("output_size")),
            (Some(size), None) => (size, vec![None; dims]),
            (None, Some(factors)) if factors.len() != dims => return Err(unchecked("scale_factors")),
            (None, Some(factors)) => (
                factors.iter().zip(&shape[2..]).map(|(f, n)| (*n as f64 * f) as i64).collect(),
                factors.into_iter().map(Some).collect(),
            ),
        }
    } else {
        let size = args.int_list(1)?;
        let scales = (0..spatial).map(|k| opt_float(args, after + k)).collect::<Result<Vec<_>, _>>()?;
        (size, scales)
    };
    if shape.len() != spatial + 2 || shape.iter().skip(1).any(|n| *n == 0) {
        return Err(args
            .error(format!("Non-empty {}D data tensor expected but got a tensor with sizes {shape:?}", spatial + 2)));
    }
    if sizes.len() != spatial || sizes.iter().any(|n| *n <= 0) {
        return Err(args.error(format!(
            "Input and output sizes should be greater than 0, but got input ({:?}) and output ({sizes:?})",
            &shape[2..]
        )));
    }
    // PyTorch's kernels take floats (and uint8 for the nearest ones).
    let byte = t.dtype() == ScalarType::UInt8 && !interpolating;
    if !t.dtype().is_floating_point() && !byte {
        return Err(args.error(format!("\"{}\" not implemented for '{}'", args.kind, t.dtype().c10_name())));
    }
    let sizes: Vec<usize> = sizes.iter().map(|n| *n as usize).collect();
    super::within_budget(&[shape[0], shape[1], sizes.iter().product()], 8)?;
    let single = t.dtype() != ScalarType::Float64;
    let mut x = t.data();
    if interpolating {
        x = x.to_dtype(if single { DType::F32 } else { DType::F64 })?;
    }
    for (k, (&out_n, scale)) in sizes.iter().zip(&scales).enumerate() {
        let d = k + 2;
        let taps = taps(mode, shape[d], out_n, align_corners, *scale, single);
        let mut acc: Option<Tensor> = None;
        for (index, weights) in taps {
            let index = Tensor::from_vec(index, out_n, &Device::Cpu)?;
            let picked = x.index_select(&index, d)?;
            let term = match weights {
                None => picked,
                Some(w) => {
                    let mut view = vec![1usize; spatial + 2];
                    view[d] = out_n;
                    let w = Tensor::from_vec(w, view, &Device::Cpu)?.to_dtype(x.dtype())?;
                    picked.broadcast_mul(&w)?
                }
            };
            acc = Some(match acc {
                None => term,
                Some(a) => (a + term)?,
            });
        }
        x = acc.ok_or_else(|| args.error("no taps"))?;
    }
    super::args::tensor_out(x, t.dtype())
}

/// For each tap, the source index of every output position and its weight
/// (None: a weight of 1).
type Taps = Vec<(Vec<u32>, Option<Vec<f64>>)>;

/// PyTorch's arithmetic in the kernel's type: every step rounded to f32
/// when the input is single precision.
fn rounding(single: bool) -> impl Fn(f64) -> f64 {
    move |v| if single { f64::from(v as f32) } else { v }
}

/// `compute_scales_value`: 1 / scale when given, else in / out.
fn scales_value(scale: Option<f64>, in_n: usize, out_n: usize, r: &impl Fn(f64) -> f64) -> f64 {
    match scale {
        Some(s) if s > 0.0 => r(1.0 / s),
        _ => r(r(in_n as f64) / r(out_n as f64)),
    }
}

fn taps(mode: Mode, in_n: usize, out_n: usize, align_corners: bool, scale: Option<f64>, single: bool) -> Taps {
    let last = in_n as i64 - 1;
    let clamp = |i: i64| i.clamp(0, last) as u32;
    match mode {
        Mode::Nearest | Mode::NearestExact => {
            // nearest_idx and nearest_neighbor_exact_compute_source_index, in float.
            let f = rounding(true);
            let s = scales_value(scale, in_n, out_n, &f);
            let index = (0..out_n)
                .map(|i| match mode {
                    Mode::Nearest if out_n == in_n => i as u32,
                    Mode::Nearest if out_n == 2 * in_n => (i >> 1) as u32,
                    Mode::Nearest => clamp(f(f(i as f64) * s).floor() as i64),
                    _ => clamp(f((i as f64 + 0.5) * s).floor() as i64),
                })
                .collect();
            vec![(index, None)]
        }
        Mode::Linear | Mode::Cubic => {
            let r = rounding(single);
            let cubic = mode == Mode::Cubic;
            // area_pixel_compute_scale.
            let ratio = if align_corners {
                if out_n > 1 { r(r(last as f64) / r(out_n as f64 - 1.0)) } else { 0.0 }
            } else {
                scales_value(scale, in_n, out_n, &r)
            };
            let width = if cubic { 4 } else { 2 };
            let mut taps: Taps =
                (0..width).map(|_| (Vec::with_capacity(out_n), Some(Vec::with_capacity(out_n)))).collect();
            for i in 0..out_n {
                // area_pixel_compute_source_index, then guard_index_and_lambda.
                let real = if align_corners {
                    r(ratio * i as f64)
                } else {
                    let src = r(r(ratio * r(i as f64 + 0.5)) - 0.5);
                    if !cubic && src < 0.0 { 0.0 } else { src }
                };
                let (index, lambda) = if !cubic && out_n == in_n {
                    (i as i64, 0.0)
                } else {
                    let index = (real.floor() as i64).min(last);
                    (index, r(real - index as f64).clamp(0.0, 1.0))
                };
                let entries: Vec<(i64, f64)> = if cubic {
                    let c = cubic_coefficients(lambda, &r);
                    (0..4).map(|j| (index - 1 + j as i64, c[j])).collect()
                } else {
                    let next = index + i64::from(index < last);
                    vec![(index, r(1.0 - lambda)), (next, lambda)]
                };
                for (tap, (source, weight)) in taps.iter_mut().zip(entries) {
                    tap.0.push(clamp(source));
                    if let Some(w) = tap.1.as_mut() {
                        w.push(weight);
                    }
                }
            }
            taps
        }
    }
}

/// `get_cubic_upsample_coefficients` with A = -0.75.
fn cubic_coefficients(t: f64, r: &impl Fn(f64) -> f64) -> [f64; 4] {
    const A: f64 = -0.75;
    let conv1 = |x: f64| r(r(r(r(r((A + 2.0) * x) - (A + 3.0)) * x) * x) + 1.0);
    let conv2 = |x: f64| r(r(r(r(r(r(A * x) - 5.0 * A) * x) + 8.0 * A) * x) - 4.0 * A);
    let x2 = r(1.0 - t);
    [conv2(r(t + 1.0)), conv1(t), conv1(x2), conv2(r(x2 + 1.0))]
}
