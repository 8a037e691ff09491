//! Element-wise operators with PyTorch's type promotion and broadcasting.

use std::collections::HashMap;

use candle_core::op::CmpOp;
use candle_core::{DType, Device, Tensor};

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::add, add),
        (op::aten::sub, sub),
        (op::aten::rsub, rsub),
        (op::aten::mul, mul),
        (op::aten::div, div),
        (op::aten::true_divide, div),
        (op::aten::floor_divide, floor_divide),
        (op::aten::remainder, remainder),
        (op::aten::fmod, fmod),
        (op::aten::pow, pow),
        (op::aten::neg, neg),
        (op::aten::abs, abs),
        (op::aten::exp, exp),
        (op::aten::log, log),
        (op::aten::sqrt, sqrt),
        (op::aten::rsqrt, rsqrt),
        (op::aten::reciprocal, reciprocal),
        (op::aten::sin, sin),
        (op::aten::cos, cos),
        (op::aten::erf, erf),
        (op::aten::floor, floor),
        (op::aten::ceil, ceil),
        (op::aten::round, round),
        (op::aten::trunc, trunc),
        (op::aten::sign, sign),
        (op::aten::square, square),
        (op::aten::maximum, maximum),
        (op::aten::minimum, minimum),
        (op::aten::r#where, where_),
        (op::aten::masked_fill, masked_fill),
        (op::aten::eq, eq),
        (op::aten::ne, ne),
        (op::aten::lt, lt),
        (op::aten::le, le),
        (op::aten::gt, gt),
        (op::aten::ge, ge),
        (op::aten::logical_and, logical_and),
        (op::aten::logical_or, logical_or),
        (op::aten::logical_xor, logical_xor),
        (op::aten::logical_not, logical_not),
        (op::aten::bitwise_and, bitwise_and),
        (op::aten::bitwise_or, bitwise_or),
        (op::aten::bitwise_xor, bitwise_xor),
        (op::aten::bitwise_not, bitwise_not),
        (op::aten::__and__, bitwise_and),
        (op::aten::__or__, bitwise_or),
        (op::aten::__xor__, bitwise_xor),
        (op::aten::relu, relu),
        (op::aten::_add_relu, add_relu),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
    for name in INPLACE {
        table.insert(*name, inplace);
    }
}

/// In-place variants: the out-of-place kernel of the name without `_`,
/// written into `self`.
const INPLACE: &[OpKind] = &[
    op::aten::add_,
    op::aten::sub_,
    op::aten::mul_,
    op::aten::div_,
    op::aten::floor_divide_,
    op::aten::remainder_,
    op::aten::fmod_,
    op::aten::pow_,
    op::aten::neg_,
    op::aten::abs_,
    op::aten::exp_,
    op::aten::log_,
    op::aten::sqrt_,
    op::aten::rsqrt_,
    op::aten::reciprocal_,
    op::aten::sin_,
    op::aten::cos_,
    op::aten::erf_,
    op::aten::floor_,
    op::aten::ceil_,
    op::aten::round_,
    op::aten::trunc_,
    op::aten::sign_,
    op::aten::square_,
    op::aten::masked_fill_,
    op::aten::eq_,
    op::aten::ne_,
    op::aten::lt_,
    op::aten::le_,
    op::aten::gt_,
    op::aten::ge_,
    op::aten::logical_and_,
    op::aten::logical_or_,
    op::aten::logical_xor_,
    op::aten::logical_not_,
    op::aten::bitwise_and_,
    op::aten::bitwise_or_,
    op::aten::bitwise_xor_,
    op::aten::bitwise_not_,
    op::aten::relu_,
    op::aten::_add_relu_,
    op::aten::sigmoid_,
    op::aten::tanh_,
    op::aten::hardtanh_,
    op::aten::relu6_,
    op::aten::clamp_,
    op::aten::clamp_min_,
    op::aten::clamp_max_,
    op::aten::hardswish_,
    op::aten::hardsigmoid_,
    op::aten::leaky_relu_,
    op::aten::elu_,
    op::aten::silu_,
    op::aten::mish_,
    op::aten::gelu_,
    op::aten::zero_,
    op::aten::fill_,
];

/// An operand of type promotion: a tensor (its dtype and whether it has
/// dimensions) or a Python scalar.
#[derive(Clone, Copy, Debug)]
pub enum Operand {
    Tensor { dtype: ScalarType, dimensioned: bool },
    Int,
    Float,
    Bool,
}

impl Operand {
    pub fn of(v: &RValue) -> Option<Operand> {
        Some(match v {
            RValue::Tensor(t) => Operand::Tensor { dtype: t.dtype(), dimensioned: t.dim() > 0 },
            RValue::Int(_) => Operand::Int,
            RValue::Float(_) => Operand::Float,
            RValue::Bool(_) => Operand::Bool,
            _ => return None,
        })
    }
}

/// 0 bool, 1 integer, 2 floating.
fn category(dtype: ScalarType) -> u8 {
    match dtype {
        ScalarType::Bool => 0,
        ScalarType::Float16 | ScalarType::Float32 | ScalarType::Float64 | ScalarType::BFloat16 => 2,
        _ => 1,
    }
}

/// The larger of two dtypes in PyTorch's promotion lattice.
pub fn promote(a: ScalarType, b: ScalarType) -> ScalarType {
    use ScalarType::*;
    if a == b {
        return a;
    }
    let (ca, cb) = (category(a), category(b));
    if ca != cb {
        return if ca > cb { a } else { b };
    }
    let rank = |t: ScalarType| match t {
        Bool => 0,
        UInt8 => 1,
        Int8 => 1,
        Int16 => 2,
        Int32 => 3,
        Int64 => 4,
        Float16 | BFloat16 => 5,
        Float32 => 6,
        Float64 => 7,
    };
    match (a, b) {
        (UInt8, Int8) | (Int8, UInt8) => Int16,
        (Float16, BFloat16) | (BFloat16, Float16) => Float32,
        _ => {
            if rank(a) >= rank(b) {
                a
            } else {
                b
            }
        }
    }
}

/// `torch.result_type`: dimensioned tensors first, then 0-dim tensors, then
/// Python scalars, each tier only raising the category of the one before.
pub fn result_type(operands: &[Operand]) -> ScalarType {
    let mut dim: Option<ScalarType> = None;
    let mut zero: Option<ScalarType> = None;
    let mut scalar: Option<ScalarType> = None;
    for op in operands {
        let (slot, t) = match *op {
            Operand::Tensor { dtype, dimensioned: true } => (&mut dim, dtype),
            Operand::Tensor { dtype, dimensioned: false } => (&mut zero, dtype),
            Operand::Int => (&mut scalar, ScalarType::Int64),
            Operand::Float => (&mut scalar, ScalarType::Float32),
            Operand::Bool => (&mut scalar, ScalarType::Bool),
        };
        *slot = Some(slot.map_or(t, |s| promote(s, t)));
    }
    let mut result = dim.or(zero).or(scalar).unwrap_or(ScalarType::Float32);
    for tier in [zero, scalar].into_iter().flatten() {
        if category(tier) > category(result) {
            result = match tier {
                // A float scalar (or 0-dim float) over integer tensors gives the default dtype.
                ScalarType::Float64 if dim.is_some() => ScalarType::Float32,
                other => other,
            };
        }
    }
    result
}

/// A tensor or scalar argument as a candle tensor of storage `dtype`.
pub fn operand_tensor(v: &RValue, dtype: ScalarType) -> Result<Tensor, KernelError> {
    let t = match v {
        RValue::Tensor(t) => t.data(),
        other => {
            let x = other
                .as_f64()
                .ok_or_else(|| KernelError::new(format!("expected a Tensor or a number, got {}", other.type_name())))?;
            Tensor::new(x, &candle_core::Device::Cpu)?
        }
    };
    let storage = crate::runtime::tensor::storage_dtype(dtype);
    Ok(if t.dtype() == storage { t } else { t.to_dtype(storage)? })
}

/// Broadcasts two tensors to their common shape.
pub fn broadcast(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor), KernelError> {
    let shape = a.shape().broadcast_shape_binary_op(b.shape(), "broadcast")?;
    super::within_budget(shape.dims(), a.dtype().size_in_bytes().max(b.dtype().size_in_bytes()))?;
    Ok((a.broadcast_as(shape.clone())?, b.broadcast_as(shape)?))
}

/// Runs the out-of-place kernel and writes its result into `self`, which
/// keeps its dtype (PyTorch refuses a result of a higher category).
pub(super) fn inplace(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let base = args.kind.as_str().strip_suffix('_').and_then(OpKind::lookup);
    let base = base.ok_or_else(|| args.error("not an in-place operator"))?;
    let kernel =
        super::table().get(&base).ok_or_else(|| KernelError::unsupported(format!("no kernel for `{base}`")))?;
    let this = args.tensor(0)?;
    let out = kernel(&Args { kind: base, overload: args.overload, values: args.values })?;
    let value = out.first().and_then(RValue::as_tensor).ok_or_else(|| args.error("no tensor result"))?;
    if category(value.dtype()) > category(this.dtype()) {
        return Err(args.error(format!(
            "result type {} can't be cast to the desired output type {}",
            value.dtype().torch_name(),
            this.dtype().torch_name()
        )));
    }
    if value.shape() != this.shape() {
        let shape =
            value.data().shape().broadcast_shape_binary_op(&candle_core::Shape::from(this.shape()), "inplace")?;
        if shape.dims() != this.shape().as_slice() {
            return Err(args.error(format!(
                "output with shape {:?} doesn't match the broadcast shape {:?}",
                this.shape(),
                shape.dims()
            )));
        }
    }
    this.assign(value)?;
    Ok(vec![RValue::Tensor(this.clone())])
}

fn is_tensor(v: &RValue) -> bool {
    matches!(v, RValue::Tensor(_))
}

/// The dtype arithmetic runs in: bools and bytes as int64 (so `True + True`
/// and byte overflow behave), everything else as itself.
fn arith_dtype(dtype: ScalarType) -> ScalarType {
    match dtype {
        ScalarType::Bool | ScalarType::UInt8 => ScalarType::Int64,
        other => other,
    }
}

/// A computed tensor as `dtype` (bools normalized to 0/1).
pub fn finish(t: Tensor, dtype: ScalarType) -> Result<RTensor, KernelError> {
    let t = if dtype == ScalarType::Bool && t.dtype() != DType::U8 { t.ne(0f64)? } else { t };
    RTensor::new(t, dtype)
}

fn promoted_type(a: &RValue, b: &RValue) -> Result<ScalarType, KernelError> {
    let mut ops = Vec::new();
    for v in [a, b] {
        ops.push(
            Operand::of(v)
                .ok_or_else(|| KernelError::new(format!("expected a Tensor or a number, got {}", v.type_name())))?,
        );
    }
    Ok(result_type(&ops))
}

/// Both operands as broadcast candle tensors of storage `dtype`.
pub fn both(a: &RValue, b: &RValue, dtype: ScalarType) -> Result<(Tensor, Tensor), KernelError> {
    broadcast(&operand_tensor(a, dtype)?, &operand_tensor(b, dtype)?)
}

fn one(t: RTensor) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Tensor(t)])
}

/// `a + alpha * b` for tensors and scalars, promoted.
fn add_values(a: &RValue, b: &RValue, alpha: f64) -> Result<RTensor, KernelError> {
    let dtype = promoted_type(a, b)?;
    let (x, y) = both(a, b, arith_dtype(dtype))?;
    let y = if alpha == 1.0 { y } else { y.affine(alpha, 0.0)? };
    finish((x + y)?, dtype)
}

fn alpha(args: &Args<'_>) -> Result<f64, KernelError> {
    Ok(args.opt_float(2)?.unwrap_or(1.0))
}

fn add(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if is_tensor(a) || is_tensor(b) {
        return one(add_values(a, b, alpha(args)?)?);
    }
    super::scalars::binary(args, "add")
}

fn sub(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if is_tensor(a) || is_tensor(b) {
        if a.as_tensor().is_some_and(|t| t.dtype() == ScalarType::Bool) {
            return Err(args.error("Subtraction, the `-` operator, with a bool tensor is not supported."));
        }
        return one(add_values(a, b, -alpha(args)?)?);
    }
    super::scalars::binary(args, "sub")
}

/// `other - alpha * self`.
fn rsub(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    let alpha = alpha(args)?;
    let dtype = promoted_type(a, b)?;
    let (x, y) = both(a, b, arith_dtype(dtype))?;
    one(finish((y - x.affine(alpha, 0.0)?)?, dtype)?)
}

fn mul(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if is_tensor(a) || is_tensor(b) {
        let dtype = promoted_type(a, b)?;
        let (x, y) = both(a, b, arith_dtype(dtype))?;
        return one(finish((x * y)?, dtype)?);
    }
    super::scalars::binary(args, "mul")
}

/// Element-wise `f(x, y)` in f64 (for what candle lacks: integer floor
/// division, Python's modulo, pow of negative bases).
fn map2_f64(x: &Tensor, y: &Tensor, f: impl Fn(f64, f64) -> f64) -> Result<Tensor, KernelError> {
    let shape = x.dims().to_vec();
    let xs = x.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let ys = y.flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?;
    let out: Vec<f64> = xs.iter().zip(&ys).map(|(a, b)| f(*a, *b)).collect();
    Ok(Tensor::from_vec(out, shape, &Device::Cpu)?)
}

/// Element-wise `f(x, y)` on i64.
fn map2_i64(x: &Tensor, y: &Tensor, f: impl Fn(i64, i64) -> Result<i64, KernelError>) -> Result<Tensor, KernelError> {
    let shape = x.dims().to_vec();
    let xs = x.flatten_all()?.to_dtype(DType::I64)?.to_vec1::<i64>()?;
    let ys = y.flatten_all()?.to_dtype(DType::I64)?.to_vec1::<i64>()?;
    let out: Vec<i64> = xs.iter().zip(&ys).map(|(a, b)| f(*a, *b)).collect::<Result<_, _>>()?;
    Ok(Tensor::from_vec(out, shape, &Device::Cpu)?)
}

fn int_zero_division() -> KernelError {
    KernelError::new("ZeroDivisionError")
}

/// `a / b` with `rounding_mode` None (true division), "trunc" or "floor".
pub fn divide(a: &RValue, b: &RValue, mode: Option<&str>) -> Result<RTensor, KernelError> {
    let dtype = promoted_type(a, b)?;
    match mode {
        None => {
            let out = if dtype.is_floating_point() { dtype } else { ScalarType::Float32 };
            let (x, y) = both(a, b, out)?;
            finish((x / y)?, out)
        }
        Some(mode @ ("trunc" | "floor")) => {
            let floor = mode == "floor";
            if dtype.is_floating_point() {
                let (x, y) = both(a, b, dtype)?;
                let q = (x / y)?;
                let q = if floor { q.floor()? } else { q.to_dtype(DType::F64)?.trunc_f64()? };
                finish(q, dtype)
            } else {
                let (x, y) = both(a, b, ScalarType::Int64)?;
                let q = map2_i64(&x, &y, |p, q| {
                    if q == 0 {
                        return Err(int_zero_division());
                    }
                    let d = p.wrapping_div(q);
                    Ok(if floor && (p % q != 0) && ((p < 0) != (q < 0)) { d - 1 } else { d })
                })?;
                finish(q, dtype)
            }
        }
        Some(other) => Err(KernelError::new(format!(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{other}'"
        ))),
    }
}

trait TruncF64 {
    fn trunc_f64(&self) -> Result<Tensor, KernelError>;
}

impl TruncF64 for Tensor {
    /// Rounds toward zero (candle has floor and ceil).
    fn trunc_f64(&self) -> Result<Tensor, KernelError> {
        let positive = self.ge(0f64)?;
        Ok(positive.where_cond(&self.floor()?, &self.ceil()?)?)
    }
}

fn div(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if is_tensor(a) || is_tensor(b) {
        let mode = match args.opt(2) {
            Some(RValue::Str(s)) => Some(s.to_string()),
            _ => None,
        };
        return one(divide(a, b, mode.as_deref())?);
    }
    super::scalars::binary(args, "div")
}

fn floor_divide(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    one(divide(args.get(0)?, args.get(1)?, Some("floor"))?)
}

/// Python's modulo: the result has the sign of the divisor.
fn remainder(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if !(is_tensor(a) || is_tensor(b)) {
        return super::scalars::binary(args, "remainder");
    }
    let dtype = promoted_type(a, b)?;
    if dtype.is_floating_point() {
        let (x, y) = both(a, b, dtype)?;
        let out = map2_f64(&x, &y, |p, q| {
            let r = p % q;
            if r != 0.0 && ((r < 0.0) != (q < 0.0)) { r + q } else { r }
        })?;
        one(finish(out, dtype)?)
    } else {
        let (x, y) = both(a, b, ScalarType::Int64)?;
        let out = map2_i64(&x, &y, |p, q| {
            if q == 0 {
                return Err(int_zero_division());
            }
            let r = p.wrapping_rem(q);
            Ok(if r != 0 && ((r < 0) != (q < 0)) { r + q } else { r })
        })?;
        one(finish(out, dtype)?)
    }
}

/// C's fmod: the result has the sign of the dividend.
fn fmod(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    let dtype = promoted_type(a, b)?;
    if dtype.is_floating_point() {
        let (x, y) = both(a, b, dtype)?;
        one(finish(map2_f64(&x, &y, |p, q| p % q)?, dtype)?)
    } else {
        let (x, y) = both(a, b, ScalarType::Int64)?;
        one(finish(map2_i64(&x, &y, |p, q| if q == 0 { Err(int_zero_division()) } else { Ok(p % q) })?, dtype)?)
    }
}

fn pow(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if !(is_tensor(a) || is_tensor(b)) {
        return super::scalars::binary(args, "pow");
    }
    let dtype = promoted_type(a, b)?;
    if let (RValue::Tensor(t), Some(e)) = (a, b.as_f64()) {
        if dtype.is_floating_point() {
            let x = operand_tensor(a, dtype)?;
            let out = if e == 2.0 {
                x.sqr()?
            } else if e == 1.0 {
                x
            } else {
                x.powf(e)?
            };
            return one(finish(out, dtype)?);
        }
        if e < 0.0 && !matches!(b, RValue::Float(_)) {
            return Err(args.error("Integers to negative integer powers are not allowed."));
        }
        let _ = t;
    }
    let (x, y) = both(a, b, if dtype.is_floating_point() { dtype } else { ScalarType::Int64 })?;
    let out = if dtype.is_floating_point() {
        map2_f64(&x, &y, f64::powf)?
    } else {
        map2_i64(&x, &y, |p, q| {
            if q < 0 {
                return Err(KernelError::new("Integers to negative integer powers are not allowed."));
            }
            Ok(p.wrapping_pow(q.min(i64::from(u32::MAX)) as u32))
        })?
    };
    one(finish(out, dtype)?)
}

/// A unary operator that keeps the dtype; `None` for bools means refused.
fn same_dtype(args: &Args<'_>, f: impl Fn(&Tensor) -> candle_core::Result<Tensor>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    one(finish(f(&t.data())?, t.dtype())?)
}

/// A unary operator whose result is floating (integers compute as float32).
fn floating(args: &Args<'_>, f: impl Fn(&Tensor) -> candle_core::Result<Tensor>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dtype = if t.dtype().is_floating_point() { t.dtype() } else { ScalarType::Float32 };
    let x = operand_tensor(args.get(0)?, dtype)?;
    one(finish(f(&x)?, dtype)?)
}

macro_rules! scalar_or {
    ($args:ident, $name:literal, $body:expr) => {
        if !is_tensor($args.get(0)?) {
            return super::scalars::unary($args, $name);
        }
        return $body;
    };
}

fn neg(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "neg", {
        if args.tensor(0)?.dtype() == ScalarType::Bool {
            return Err(args.error(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
            ));
        }
        same_dtype(args, |x| if x.dtype() == DType::I64 { x.zeros_like()? - x } else { x.neg() })
    });
}

fn abs(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "abs", {
        if args.tensor(0)?.dtype() == ScalarType::Bool {
            return Err(args.error("\"abs_cpu\" not implemented for 'Bool'"));
        }
        same_dtype(args, candle_core::Tensor::abs)
    });
}

fn exp(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "exp", floating(args, candle_core::Tensor::exp));
}

fn log(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "log", floating(args, candle_core::Tensor::log));
}

fn sqrt(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "sqrt", floating(args, candle_core::Tensor::sqrt));
}

fn rsqrt(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    floating(args, |x| x.sqrt()?.recip())
}

fn reciprocal(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    floating(args, candle_core::Tensor::recip)
}

fn sin(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "sin", floating(args, candle_core::Tensor::sin));
}

fn cos(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "cos", floating(args, candle_core::Tensor::cos));
}

fn erf(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    floating(args, candle_core::Tensor::erf)
}

/// Rounding keeps integer tensors as they are.
fn rounding(args: &Args<'_>, f: impl Fn(&Tensor) -> candle_core::Result<Tensor>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if !t.dtype().is_floating_point() {
        return one(RTensor::new(t.data(), t.dtype())?);
    }
    same_dtype(args, f)
}

fn floor(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "floor", rounding(args, candle_core::Tensor::floor));
}

fn ceil(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "ceil", rounding(args, candle_core::Tensor::ceil));
}

/// Round half to even, as PyTorch does (candle rounds half away from zero).
fn round(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    scalar_or!(args, "round", {
        let t = args.tensor(0)?;
        if !t.dtype().is_floating_point() {
            return one(RTensor::new(t.data(), t.dtype())?);
        }
        if args.opt(1).is_some() {
            return Err(KernelError::unsupported("round with decimals"));
        }
        let values: Vec<f64> = t.to_f64s()?.into_iter().map(f64::round_ties_even).collect();
        one(RTensor::from_f64s(values, &t.shape(), t.dtype())?)
    });
}

fn trunc(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if !t.dtype().is_floating_point() {
        return one(RTensor::new(t.data(), t.dtype())?);
    }
    one(finish(t.data().trunc_f64()?, t.dtype())?)
}

fn sign(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if t.dtype() == ScalarType::Bool {
        return one(RTensor::new(t.data(), t.dtype())?);
    }
    let x = operand_tensor(args.get(0)?, arith_dtype(t.dtype()))?;
    one(finish(x.sign()?, t.dtype())?)
}

fn square(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    let dtype = if t.dtype() == ScalarType::Bool { ScalarType::Int64 } else { t.dtype() };
    let x = operand_tensor(args.get(0)?, arith_dtype(dtype))?;
    one(finish((&x * &x)?, dtype)?)
}

fn maximum(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    let dtype = promoted_type(a, b)?;
    let (x, y) = both(a, b, dtype)?;
    one(finish(x.maximum(&y)?, dtype)?)
}

fn minimum(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    let dtype = promoted_type(a, b)?;
    let (x, y) = both(a, b, dtype)?;
    one(finish(x.minimum(&y)?, dtype)?)
}

/// A tensor as a u8 mask (non-zero is true).
pub fn mask_of(t: &Tensor) -> Result<Tensor, KernelError> {
    Ok(if t.dtype() == DType::U8 { t.ne(0u8)? } else { t.ne(0f64)? })
}

/// `where(condition, self, other)`, and `where(condition)` (nonzero as a list).
fn where_(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if args.len() == 1 {
        let t = args.tensor(0)?;
        let idx = super::shape::nonzero(t)?;
        let mut out = Vec::new();
        for d in 0..t.dim() {
            let col = idx.narrow(1, d, 1)?.squeeze(1)?;
            out.push(RValue::Tensor(RTensor::new(col, ScalarType::Int64)?));
        }
        return Ok(vec![RValue::list(out)]);
    }
    let cond = args.tensor(0)?;
    let (a, b) = (args.get(1)?, args.get(2)?);
    let dtype = promoted_type(a, b)?;
    let (x, y) = both(a, b, dtype)?;
    let c = mask_of(&cond.data())?;
    let shape = c.shape().broadcast_shape_binary_op(x.shape(), "where")?;
    super::within_budget(shape.dims(), x.dtype().size_in_bytes())?;
    let (x, y, c) = (x.broadcast_as(shape.clone())?, y.broadcast_as(shape.clone())?, c.broadcast_as(shape)?);
    one(finish(c.where_cond(&x, &y)?, dtype)?)
}

fn masked_fill(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let this = args.tensor(0)?;
    let mask = args.tensor(1)?;
    if mask.dtype() != ScalarType::Bool {
        return Err(args.error(format!("expected mask dtype to be Bool but got {}", mask.dtype().torch_name())));
    }
    let value = args.get(2)?;
    if let RValue::Tensor(v) = value
        && v.dim() != 0
    {
        {
            return Err(args.error(format!(
                "only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).",
                v.dim()
            )));
        }
    }
    let dtype = this.dtype();
    let x = this.data();
    let m = mask.data();
    let shape = x.shape().broadcast_shape_binary_op(m.shape(), "masked_fill")?;
    if shape.dims() != x.dims() {
        return Err(args.error("the mask must be broadcastable to self"));
    }
    let fill = operand_tensor(value, dtype)?.broadcast_as(shape.clone())?;
    one(finish(m.broadcast_as(shape)?.where_cond(&fill, &x)?, dtype)?)
}

/// A comparison: tensors compare in their promoted dtype, the result is
/// Bool; scalars go to the scalar kernels.
fn compare(args: &Args<'_>, op: CmpOp, name: &str) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if !(is_tensor(a) || is_tensor(b)) {
        return super::scalars::compare(args, name);
    }
    let dtype = promoted_type(a, b)?;
    let (x, y) = both(a, b, dtype)?;
    one(finish(x.cmp(&y, op)?, ScalarType::Bool)?)
}

fn eq(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    compare(args, CmpOp::Eq, "eq")
}

fn ne(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    compare(args, CmpOp::Ne, "ne")
}

fn lt(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    compare(args, CmpOp::Lt, "lt")
}

fn le(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    compare(args, CmpOp::Le, "le")
}

fn gt(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    compare(args, CmpOp::Gt, "gt")
}

fn ge(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    compare(args, CmpOp::Ge, "ge")
}

/// Both operands as broadcast u8 masks.
fn masks(args: &Args<'_>) -> Result<(Tensor, Tensor), KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    let dtype = promoted_type(a, b)?;
    let (x, y) = both(a, b, dtype)?;
    Ok((mask_of(&x)?, mask_of(&y)?))
}

fn logical_and(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (x, y) = masks(args)?;
    one(finish(x.minimum(&y)?, ScalarType::Bool)?)
}

fn logical_or(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (x, y) = masks(args)?;
    one(finish(x.maximum(&y)?, ScalarType::Bool)?)
}

fn logical_xor(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (x, y) = masks(args)?;
    one(finish(x.ne(&y)?, ScalarType::Bool)?)
}

fn logical_not(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    one(finish(mask_of(&t.data())?.eq(0u8)?, ScalarType::Bool)?)
}

/// Bitwise operators: logical on bools, on the bits of integers.
fn bitwise(args: &Args<'_>, name: &str, f: fn(i64, i64) -> i64) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    if !(is_tensor(a) || is_tensor(b)) {
        return super::scalars::binary(args, name);
    }
    let dtype = promoted_type(a, b)?;
    if dtype.is_floating_point() {
        return Err(args.error(format!("\"{name}_cpu\" not implemented for '{}'", dtype.torch_name())));
    }
    let (x, y) = both(a, b, ScalarType::Int64)?;
    one(finish(map2_i64(&x, &y, |p, q| Ok(f(p, q)))?, dtype)?)
}

fn bitwise_and(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    bitwise(args, "and", |a, b| a & b)
}

fn bitwise_or(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    bitwise(args, "or", |a, b| a | b)
}

fn bitwise_xor(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    bitwise(args, "xor", |a, b| a ^ b)
}

fn bitwise_not(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if t.dtype() == ScalarType::Bool {
        return logical_not(args);
    }
    if t.dtype().is_floating_point() {
        return Err(args.error("bitwise_not is not implemented for floating types"));
    }
    let x = t.data().to_dtype(DType::I64)?;
    one(finish(map2_i64(&x, &x, |p, _| Ok(!p))?, t.dtype())?)
}

fn relu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    if t.dtype() == ScalarType::Bool {
        return Err(args.error("\"clamp_min_cpu\" not implemented for 'Bool'"));
    }
    one(RTensor::new(t.data().relu()?, t.dtype())?)
}

fn add_relu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let sum = add_values(args.get(0)?, args.get(1)?, alpha(args)?)?;
    one(RTensor::new(sum.data().relu()?, sum.dtype())?)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_follows_pytorch() {
        use ScalarType as S;
        let t = |dtype, dimensioned| Operand::Tensor { dtype, dimensioned };
        assert_eq!(result_type(&[t(S::Int64, true), Operand::Float]), S::Float32);
        assert_eq!(result_type(&[t(S::Float32, true), t(S::Float64, false)]), S::Float32);
        assert_eq!(result_type(&[t(S::Int32, true), t(S::Int64, false)]), S::Int32);
        assert_eq!(result_type(&[t(S::Bool, true), Operand::Int]), S::Int64);
        assert_eq!(result_type(&[t(S::UInt8, true), t(S::Int8, true)]), S::Int16);
        assert_eq!(result_type(&[t(S::Int64, false), Operand::Float]), S::Float32);
    }

    #[test]
    fn add_broadcasts_and_scales() {
        let a = RTensor::from_f64s(vec![1.0, 2.0], &[2, 1], ScalarType::Float32).unwrap();
        let out = call_add(&[RValue::Tensor(a), RValue::Int(3), RValue::Int(2)]);
        assert_eq!(out.to_f64s().unwrap(), vec![7.0, 8.0]);
        assert_eq!(out.dtype(), ScalarType::Float32);
    }

    fn call_add(values: &[RValue]) -> RTensor {
        let out = super::super::call(op::aten::add, "Scalar", values).unwrap();
        out[0].as_tensor().unwrap().clone()
    }
}

#[cfg(test)]
mod inplace_tests {
    use super::*;

    #[test]
    fn inplace_keeps_self_and_refuses_a_higher_category() {
        let t = RTensor::from_i64s(vec![1, 2], &[2], ScalarType::Int64).unwrap();
        let out =
            super::super::call(op::aten::add_, "Scalar", &[RValue::Tensor(t.clone()), RValue::Int(3), RValue::Int(1)])
                .unwrap();
        assert!(out[0].as_tensor().unwrap().same(&t));
        assert_eq!(t.to_i64s().unwrap(), vec![4, 5]);
        assert!(
            super::super::call(op::aten::add_, "Scalar", &[RValue::Tensor(t), RValue::Float(0.5), RValue::Int(1)])
                .is_err()
        );
    }

    #[test]
    fn integer_true_division_is_float_and_floor_mode_floors() {
        let a = RValue::Tensor(RTensor::from_i64s(vec![-7, 7], &[2], ScalarType::Int64).unwrap());
        let out = super::super::call(op::aten::div, "Scalar", &[a.clone(), RValue::Int(2)]).unwrap();
        assert_eq!(out[0].as_tensor().unwrap().dtype(), ScalarType::Float32);
        let out = super::super::call(op::aten::div, "Scalar_mode", &[a, RValue::Int(2), RValue::Str("floor".into())])
            .unwrap();
        assert_eq!(out[0].as_tensor().unwrap().to_i64s().unwrap(), vec![-4, 3]);
    }
}
