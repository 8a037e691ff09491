//! Reading a kernel's positional arguments, with PyTorch's messages when an
//! argument is not what the schema says.

use super::KernelError;
use crate::interp::tensor::RTensor;
use crate::interp::value::RValue;

pub struct Args<'a> {
    pub kind: &'a str,
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
