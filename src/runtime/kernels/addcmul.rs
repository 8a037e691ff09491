//! `torch.addcmul(self, t1, t2, value=v)`: `self + v * t1 * t2`, in that
//! order, in the tensors' dtype, with `v` converted to it first (an int
//! tensor truncates a float `v`), as PyTorch's CPU kernel computes it.
//! Tensors of different dtypes (which PyTorch promotes first) and the
//! half-precision dtypes (computed in float) are refused.

use std::collections::HashMap;

use super::{Args, Kernel, KernelError, call};
use crate::ops::{OpKind, op};
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    table.insert(op::aten::addcmul, addcmul);
}

fn addcmul(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (base, t1, t2) = (args.tensor(0)?, args.tensor(1)?, args.tensor(2)?);
    let dtype = base.dtype();
    if t1.dtype() != dtype || t2.dtype() != dtype {
        return Err(KernelError::unsupported("addcmul of tensors of different dtypes"));
    }
    let value = args.values.get(3).cloned().unwrap_or(RValue::Int(1));
    let value = match (dtype, &value) {
        (ScalarType::Bool, _) => return Err(KernelError::new("\"addcmul_cpu_out\" not implemented for 'Bool'")),
        (ScalarType::Float16 | ScalarType::BFloat16, _) => {
            return Err(KernelError::unsupported("addcmul of half-precision tensors (PyTorch computes in float)"));
        }
        (ScalarType::Float32 | ScalarType::Float64, v) => RValue::Float(v.as_f64().ok_or_else(|| not_a_number(v))?),
        (_, RValue::Float(f)) => RValue::Int(f.trunc() as i64),
        (_, RValue::Bool(b)) => RValue::Int(i64::from(*b)),
        (_, RValue::Int(i)) => RValue::Int(*i),
        (_, v) => return Err(not_a_number(v)),
    };
    let scaled = call(op::aten::mul, "Scalar", &[RValue::Tensor(t1.clone()), value])?;
    let product = call(op::aten::mul, "Tensor", &[scaled[0].clone(), RValue::Tensor(t2.clone())])?;
    call(op::aten::add, "Tensor", &[RValue::Tensor(base.clone()), product[0].clone(), RValue::Int(1)])
}

fn not_a_number(v: &RValue) -> KernelError {
    KernelError::new(format!("addcmul: value must be a number, not {}", v.type_name()))
}
