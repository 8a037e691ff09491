//! Element-wise operators with PyTorch's type promotion and broadcasting.

use std::collections::HashMap;

use candle_core::Tensor;

use super::{Args, Kernel, KernelError};
use crate::interp::tensor::RTensor;
use crate::interp::value::RValue;
use crate::types::ScalarType;

pub fn register(table: &mut HashMap<&'static str, Kernel>) {
    table.insert("aten::add", add);
    table.insert("aten::add_", add_);
    table.insert("aten::relu", relu);
    table.insert("aten::relu_", relu_);
}

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
    let storage = crate::interp::tensor::storage_dtype(dtype);
    Ok(if t.dtype() == storage { t } else { t.to_dtype(storage)? })
}

/// Broadcasts two tensors to their common shape.
pub fn broadcast(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor), KernelError> {
    let shape = a.shape().broadcast_shape_binary_op(b.shape(), "broadcast")?;
    Ok((a.broadcast_as(shape.clone())?, b.broadcast_as(shape)?))
}

/// `a + alpha * b` for tensors and scalars, promoted.
fn add_values(a: &RValue, b: &RValue, alpha: f64) -> Result<RTensor, KernelError> {
    let ops = [Operand::of(a), Operand::of(b)];
    let ops: Vec<Operand> = ops.into_iter().flatten().collect();
    let dtype = result_type(&ops);
    let (x, y) = broadcast(&operand_tensor(a, dtype)?, &operand_tensor(b, dtype)?)?;
    let y = if alpha == 1.0 { y } else { (y * alpha)? };
    RTensor::new((x + y)?, dtype)
}

fn add(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    match (a, b) {
        (RValue::Int(x), RValue::Int(y)) => Ok(vec![RValue::Int(x.wrapping_add(*y))]),
        (RValue::Str(x), RValue::Str(y)) => Ok(vec![RValue::Str(format!("{x}{y}").into())]),
        (RValue::List(x), RValue::List(y)) => {
            let mut items = x.borrow().clone();
            items.extend(y.borrow().iter().cloned());
            Ok(vec![RValue::list(items)])
        }
        (RValue::Tensor(_), _) | (_, RValue::Tensor(_)) => {
            let alpha = args.opt(2).and_then(RValue::as_f64).unwrap_or(1.0);
            Ok(vec![RValue::Tensor(add_values(a, b, alpha)?)])
        }
        _ => {
            let (x, y) = (args.float(0)?, args.float(1)?);
            Ok(vec![RValue::Float(x + y)])
        }
    }
}

fn add_(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let this = args.tensor(0)?;
    let alpha = args.opt(2).and_then(RValue::as_f64).unwrap_or(1.0);
    let sum = add_values(args.get(0)?, args.get(1)?, alpha)?;
    this.assign(&sum)?;
    Ok(vec![RValue::Tensor(this.clone())])
}

fn relu(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    Ok(vec![RValue::Tensor(RTensor::new(t.data().relu()?, t.dtype())?)])
}

fn relu_(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = args.tensor(0)?;
    t.assign(&RTensor::new(t.data().relu()?, t.dtype())?)?;
    Ok(vec![RValue::Tensor(t.clone())])
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
        let out = super::super::call("aten::add", "Scalar", values).unwrap();
        out[0].as_tensor().unwrap().clone()
    }
}
