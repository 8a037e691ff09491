//! XNNPACK's prepacked ops as `optimize_for_mobile` leaves them: the run
//! ops take an op context, an object whose `state` attribute is the tuple
//! its `__setstate__` takes (the order `passes/prepack.rs` builds):
//! Conv2dOpContext (weight, bias?, stride, padding, dilation, groups,
//! output_min?, output_max?), TransposeConv2dOpContext (weight, bias?,
//! stride, padding, output_padding, dilation, groups, output_min?,
//! output_max?), LinearOpContext (weight, bias?, output_min?, output_max?).

use std::collections::HashMap;

use indexmap::IndexMap;

use super::args::tensor_out;
use super::nn::{conv_transpose2d_raw, conv2d_raw, linear_raw};
use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::{Object, RValue};

const CONV: &str = "__torch__.torch.classes.xnnpack.Conv2dOpContext";
const TRANSPOSED: &str = "__torch__.torch.classes.xnnpack.TransposeConv2dOpContext";
const LINEAR: &str = "__torch__.torch.classes.xnnpack.LinearOpContext";

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    table.insert(op::prepacked::conv2d_clamp_run, conv2d_clamp_run);
    table.insert(op::prepacked::conv2d_transpose_clamp_run, conv2d_transpose_clamp_run);
    table.insert(op::prepacked::linear_clamp_run, linear_clamp_run);
    table.insert(op::prepacked::conv2d_clamp_prepack, |a| prepack(a, CONV));
    table.insert(op::prepacked::conv2d_transpose_clamp_prepack, |a| prepack(a, TRANSPOSED));
    table.insert(op::prepacked::linear_clamp_prepack, |a| prepack(a, LINEAR));
}

/// A `*_prepack` call: its arguments become the context's state.
fn prepack(args: &Args<'_>, class: &str) -> Result<Vec<RValue>, KernelError> {
    let mut attrs = IndexMap::new();
    attrs.insert("state".to_string(), RValue::tuple(args.values.to_vec()));
    Ok(vec![RValue::Object(Object::new(class, attrs))])
}

/// The context's state, checked to have `n` items.
fn state(args: &Args<'_>, n: usize) -> Result<Vec<RValue>, KernelError> {
    let RValue::Object(ctx) = args.get(1)? else {
        return Err(args.error("argument 1 must be an op context"));
    };
    let items =
        ctx.get("state").and_then(|s| s.items()).ok_or_else(|| args.error(format!("{} has no state", ctx.class)))?;
    if items.len() != n {
        return Err(args.error(format!("{} state has {} items, expected {n}", ctx.class, items.len())));
    }
    Ok(items)
}

/// The state as the arguments of a call, so the usual readers apply.
fn state_args<'a>(args: &Args<'a>, values: &'a [RValue]) -> Args<'a> {
    Args { kind: args.kind, overload: "", values }
}

fn pair(a: &Args<'_>, i: usize) -> Result<[usize; 2], KernelError> {
    let v = a.int_list(i)?;
    let v = if v.len() == 1 { vec![v[0]; 2] } else { v };
    match v[..] {
        [x, y] if x >= 0 && y >= 0 => Ok([x as usize, y as usize]),
        _ => Err(a.error(format!("argument {i} must be 2 non-negative ints"))),
    }
}

fn clamped(a: &Args<'_>, y: candle_core::Tensor, min_at: usize) -> Result<candle_core::Tensor, KernelError> {
    let mut y = y;
    if let Some(lo) = a.opt_float(min_at)? {
        y = y.maximum(lo)?;
    }
    if let Some(hi) = a.opt_float(min_at + 1)? {
        y = y.minimum(hi)?;
    }
    Ok(y)
}

fn conv2d_clamp_run(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let x = args.tensor(0)?;
    let values = state(args, 8)?;
    let s = state_args(args, &values);
    let w = s.tensor(0)?.data();
    let b = s.opt_tensor(1)?.map(super::super::tensor::RTensor::data);
    let padding = pair(&s, 3)?;
    let y = conv2d_raw(
        &x.data(),
        &w,
        b.as_ref(),
        pair(&s, 2)?,
        [(padding[0], padding[0]), (padding[1], padding[1])],
        pair(&s, 4)?,
        s.int(5)?.max(1) as usize,
    )?;
    tensor_out(clamped(&s, y, 6)?, x.dtype())
}

fn conv2d_transpose_clamp_run(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let x = args.tensor(0)?;
    let values = state(args, 9)?;
    let s = state_args(args, &values);
    let w = s.tensor(0)?.data();
    let b = s.opt_tensor(1)?.map(super::super::tensor::RTensor::data);
    let y = conv_transpose2d_raw(
        &x.data(),
        &w,
        b.as_ref(),
        pair(&s, 2)?,
        pair(&s, 3)?,
        pair(&s, 4)?,
        pair(&s, 5)?,
        s.int(6)?.max(1) as usize,
    )?;
    tensor_out(clamped(&s, y, 7)?, x.dtype())
}

fn linear_clamp_run(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let x = args.tensor(0)?;
    let values = state(args, 4)?;
    let s = state_args(args, &values);
    let w = s.tensor(0)?.data();
    let b = s.opt_tensor(1)?.map(super::super::tensor::RTensor::data);
    let y = linear_raw(&x.data(), &w, b.as_ref())?;
    tensor_out(clamped(&s, y, 2)?, x.dtype())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::tensor::RTensor;
    use crate::types::ScalarType;

    #[test]
    fn linear_context_clamps_its_output() {
        let w = RValue::Tensor(RTensor::from_f64s(vec![1.0, -1.0], &[2, 1], ScalarType::Float32).unwrap());
        let ctx = super::super::call(
            op::prepacked::linear_clamp_prepack,
            "",
            &[w, RValue::None, RValue::Float(-0.5), RValue::None],
        )
        .unwrap()
        .remove(0);
        let x = RValue::Tensor(RTensor::from_f64s(vec![2.0], &[1, 1], ScalarType::Float32).unwrap());
        let out = super::super::call(op::prepacked::linear_clamp_run, "", &[x, ctx]).unwrap();
        assert_eq!(out[0].as_tensor().unwrap().to_f64s().unwrap(), vec![2.0, -0.5]);
    }
}
