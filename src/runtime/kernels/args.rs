//! Reading a kernel's positional arguments, with PyTorch's messages when an
//! argument is not what the schema says.

use candle_core::Tensor;

use super::KernelError;
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub struct Args<'a> {
    pub kind: crate::ops::OpKind,
    pub overload: &'a str,
    pub values: &'a [RValue],
}

impl Args<'_> {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, i: usize) -> Result<&RValue, KernelError> {
        self.values.get(i).ok_or_else(|| self.error(format!("missing argument {i}")))
    }

    /// Argument `i` if present and not None.
    pub fn opt(&self, i: usize) -> Option<&RValue> {
        self.values.get(i).filter(|v| !matches!(v, RValue::None))
    }

    pub fn tensor(&self, i: usize) -> Result<&RTensor, KernelError> {
        match self.get(i)? {
            RValue::Tensor(t) => Ok(t),
            other => Err(self.error(format!("argument {i} must be a Tensor, not {}", other.type_name()))),
        }
    }

    pub fn opt_tensor(&self, i: usize) -> Result<Option<&RTensor>, KernelError> {
        match self.opt(i) {
            None => Ok(None),
            Some(_) => self.tensor(i).map(Some),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, KernelError> {
        let v = self.get(i)?;
        v.as_int().ok_or_else(|| self.error(format!("argument {i} must be an int, not {}", v.type_name())))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, KernelError> {
        match self.opt(i) {
            None => Ok(None),
            Some(_) => self.int(i).map(Some),
        }
    }

    pub fn float(&self, i: usize) -> Result<f64, KernelError> {
        let v = self.get(i)?;
        v.as_f64().ok_or_else(|| self.error(format!("argument {i} must be a number, not {}", v.type_name())))
    }

    pub fn bool(&self, i: usize) -> Result<bool, KernelError> {
        match self.get(i)? {
            RValue::Bool(b) => Ok(*b),
            RValue::Int(n) => Ok(*n != 0),
            other => Err(self.error(format!("argument {i} must be a bool, not {}", other.type_name()))),
        }
    }

    pub fn int_list(&self, i: usize) -> Result<Vec<i64>, KernelError> {
        let v = self.get(i)?;
        v.int_list().ok_or_else(|| self.error(format!("argument {i} must be a list of ints, not {}", v.type_name())))
    }

    pub fn str(&self, i: usize) -> Result<&str, KernelError> {
        match self.get(i)? {
            RValue::Str(s) => Ok(s),
            other => Err(self.error(format!("argument {i} must be a str, not {}", other.type_name()))),
        }
    }

    pub fn error(&self, message: impl Into<String>) -> KernelError {
        KernelError::new(format!("{}: {}", self.kind, message.into()))
    }
}

impl Args<'_> {
    /// A `ScalarType?` argument (a c10 dtype code).
    pub fn opt_dtype(&self, i: usize) -> Result<Option<ScalarType>, KernelError> {
        match self.opt_int(i)? {
            None => Ok(None),
            Some(code) => scalar_type(code).map(Some),
        }
    }

    /// An `int` dimension argument, wrapped against `rank`.
    pub fn dim(&self, i: usize, rank: usize) -> Result<usize, KernelError> {
        wrap_dim(self.int(i)?, rank)
    }

    /// A `Scalar?` argument.
    pub fn opt_float(&self, i: usize) -> Result<Option<f64>, KernelError> {
        match self.opt(i) {
            None => Ok(None),
            Some(_) => self.float(i).map(Some),
        }
    }

    /// A `Tensor[]` argument.
    pub fn tensors(&self, i: usize) -> Result<Vec<RTensor>, KernelError> {
        let v = self.get(i)?;
        let items = v.items().ok_or_else(|| self.error(format!("argument {i} must be a list of Tensors")))?;
        items
            .iter()
            .map(|t| t.as_tensor().cloned().ok_or_else(|| self.error(format!("argument {i} must hold Tensors"))))
            .collect()
    }
}

/// The dtype of a c10 `ScalarType` code.
pub fn scalar_type(code: i64) -> Result<ScalarType, KernelError> {
    ScalarType::ALL
        .into_iter()
        .find(|t| t.code() == code)
        .ok_or_else(|| KernelError::unsupported(format!("dtype code {code} is not supported")))
}

/// A possibly negative dimension as an index (a 0-dim tensor accepts 0 and -1).
pub fn wrap_dim(dim: i64, rank: usize) -> Result<usize, KernelError> {
    let r = rank.max(1) as i64;
    let d = if dim < 0 { dim + r } else { dim };
    if d < 0 || d >= r {
        return Err(KernelError::new(format!(
            "Dimension out of range (expected to be in range of [{}, {}], but got {dim})",
            -r,
            r - 1
        )));
    }
    Ok(d as usize)
}

/// One tensor output of PyTorch dtype `dtype`.
pub fn tensor_out(t: Tensor, dtype: ScalarType) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Tensor(RTensor::new(t, dtype)?)])
}
