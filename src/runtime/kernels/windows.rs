//! Window functions (`hann_window`, `hamming_window`, `blackman_window`,
//! `bartlett_window`), computed as PyTorch's factories compute them: an
//! `arange` scaled, `cos`ed and shifted in the window's dtype, one step at
//! a time, so a float32 window rounds where PyTorch's rounds.

use std::collections::HashMap;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::hann_window, hann_window),
        (op::aten::hamming_window, hamming_window),
        (op::aten::blackman_window, blackman_window),
        (op::aten::bartlett_window, bartlett_window),
    ];
    table.extend(kernels.iter().copied());
}

/// A window's length, whether it is periodic, its extra float arguments
/// (by overload) and its dtype.
struct Window {
    length: usize,
    periodic: bool,
    floats: Vec<f64>,
    dtype: ScalarType,
}

fn window(args: &Args<'_>, name: &str, floats: usize) -> Result<Window, KernelError> {
    let length = args.int(0)?;
    let length = usize::try_from(length)
        .map_err(|_| args.error(format!("{name} requires non-negative window_length, got window_length={length}")))?;
    // Without the argument a window is periodic, as PyTorch's default.
    let periodic = args.overload.is_empty() || args.bool(1)?;
    let floats = match args.overload {
        "" | "periodic" => Vec::new(),
        _ => (0..floats).map(|i| args.float(2 + i)).collect::<Result<_, _>>()?,
    };
    let dtype_at = match args.overload {
        "" => 1,
        "periodic" => 2,
        _ => 2 + floats.len(),
    };
    let dtype = args.opt_dtype(dtype_at)?.unwrap_or(ScalarType::Float32);
    if !dtype.is_floating_point() {
        return Err(args.error(format!("{name} expects floating point dtypes, got {}", dtype.c10_name())));
    }
    Ok(Window { length, periodic, floats, dtype })
}

impl Window {
    /// Rounds to the window's dtype, as each of PyTorch's steps stores.
    fn round(&self, x: f64) -> f64 {
        match self.dtype {
            ScalarType::Float32 => f64::from(x as f32),
            ScalarType::Float16 => half::f16::from_f64(x).to_f64(),
            ScalarType::BFloat16 => half::bf16::from_f64(x).to_f64(),
            _ => x,
        }
    }

    fn cos(&self, x: f64) -> f64 {
        if self.dtype == ScalarType::Float64 { x.cos() } else { self.round(f64::from((x as f32).cos())) }
    }

    /// Builds the window from `arange(n) * scale` by `shape`, for the
    /// length PyTorch computes with (one more when periodic, then cut).
    fn build(
        &self,
        scale: impl Fn(f64) -> f64,
        shape: impl Fn(&Window, f64, usize, usize) -> f64,
    ) -> Result<Vec<RValue>, KernelError> {
        let values: Vec<f64> = match self.length {
            0 => Vec::new(),
            1 => vec![1.0],
            _ => {
                let n = self.length + usize::from(self.periodic);
                let step = self.round(scale((n - 1) as f64));
                (0..self.length).map(|i| shape(self, self.round(i as f64 * step), i, n)).collect()
            }
        };
        Ok(vec![RValue::Tensor(RTensor::from_f64s(values, &[self.length], self.dtype)?)])
    }
}

fn hann_window(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let w = window(args, "hann_window", 0)?;
    cosine(&w, 0.5, 0.5)
}

fn hamming_window(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let w = window(args, "hamming_window", if args.overload == "periodic_alpha_beta" { 2 } else { 1 })?;
    let alpha = w.floats.first().copied().unwrap_or(0.54);
    let beta = w.floats.get(1).copied().unwrap_or(0.46);
    cosine(&w, alpha, beta)
}

/// `alpha - beta * cos(2πn / (N - 1))`.
fn cosine(w: &Window, alpha: f64, beta: f64) -> Result<Vec<RValue>, KernelError> {
    let (alpha, beta) = (w.round(alpha), w.round(beta));
    w.build(|last| std::f64::consts::PI * 2.0 / last, |w, x, _, _| w.round(w.round(w.cos(x) * -beta) + alpha))
}

fn blackman_window(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let w = window(args, "blackman_window", 0)?;
    w.build(
        |last| std::f64::consts::PI / last,
        |w, x, _, _| {
            let four = w.round(w.cos(w.round(x * 4.0)) * w.round(0.08));
            let two = w.round(w.cos(w.round(x * 2.0)) * 0.5);
            w.round(w.round(four - two) + w.round(0.42))
        },
    )
}

fn bartlett_window(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let w = window(args, "bartlett_window", 0)?;
    w.build(|last| 2.0 / last, |w, x, i, n| if i < ((n - 1) >> 1) + 1 { x } else { w.round(-x + 2.0) })
}
