//! A tensor while a graph runs: a candle-core tensor with PyTorch's dtype.
//!
//! Shared and mutable (`Rc<RefCell<…>>`) because TorchScript's in-place ops
//! (`add_`, `relu_`) change the tensor every holder of it sees; an in-place
//! kernel computes the new contents and [`RTensor::assign`]s them. A view
//! (`x[0]`, `x.view(-1)`: see `views.rs`) shares its base's
//! elements as PyTorch's views share storage: it knows which of the base's
//! elements it shows, a write through it goes into the base, and every
//! write to a base refreshes the views of it still alive (candle tensors
//! are immutable, so each holds its own copy of what it shows).

use std::cell::RefCell;
use std::fmt;
use std::rc::{Rc, Weak};

use candle_core::{DType, Device, Tensor};

use super::kernels::KernelError;
use crate::types::ScalarType;

#[derive(Clone)]
pub struct RTensor(Rc<RefCell<Inner>>);

struct Inner {
    data: Tensor,
    dtype: ScalarType,
    alias: Alias,
}

/// How a tensor shares its elements.
enum Alias {
    /// Its own, and the views of it made so far.
    Base(Vec<Weak<RefCell<Inner>>>),
    /// A view of `base` (which is no view): `offsets` (u32, this tensor's
    /// shape) are the row-major positions in `base` of its elements.
    View { base: RTensor, offsets: Tensor, overlapping: bool },
}

/// The candle dtype that stores a PyTorch dtype. Small integer types are
/// widened to i64 and bools stored as u8; the tag keeps the PyTorch dtype.
pub fn storage_dtype(dtype: ScalarType) -> DType {
    match dtype {
        ScalarType::Float32 => DType::F32,
        ScalarType::Float64 => DType::F64,
        ScalarType::Float16 => DType::F16,
        ScalarType::BFloat16 => DType::BF16,
        ScalarType::Bool | ScalarType::UInt8 => DType::U8,
        ScalarType::Int8 | ScalarType::Int16 | ScalarType::Int32 | ScalarType::Int64 => DType::I64,
    }
}

impl RTensor {
    /// Wraps a candle tensor, converting it to the storage of `dtype`.
    pub fn new(data: Tensor, dtype: ScalarType) -> Result<RTensor, KernelError> {
        let data = if data.dtype() == storage_dtype(dtype) { data } else { data.to_dtype(storage_dtype(dtype))? };
        Ok(RTensor(Rc::new(RefCell::new(Inner { data, dtype, alias: Alias::Base(Vec::new()) }))))
    }

    /// From little-endian bytes of `dtype` (a host tensor, a weights file).
    pub fn from_bytes(bytes: &[u8], dtype: ScalarType, shape: &[usize]) -> Result<RTensor, KernelError> {
        let data = match dtype {
            ScalarType::Int8 => {
                let v: Vec<i64> = bytes.iter().map(|b| i64::from(*b as i8)).collect();
                Tensor::from_vec(v, shape, &Device::Cpu)?
            }
            ScalarType::Int16 => {
                let v: Vec<i64> = bytes.chunks_exact(2).map(|c| i64::from(i16::from_le_bytes([c[0], c[1]]))).collect();
                Tensor::from_vec(v, shape, &Device::Cpu)?
            }
            ScalarType::Int32 => {
                let v: Vec<i64> =
                    bytes.chunks_exact(4).map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect();
                Tensor::from_vec(v, shape, &Device::Cpu)?
            }
            _ => Tensor::from_raw_buffer(bytes, storage_dtype(dtype), shape, &Device::Cpu)?,
        };
        RTensor::new(data, dtype)
    }

    /// A host tensor's current contents (materializing a lazy fill).
    pub fn from_host(t: &crate::tensor::Tensor) -> Result<RTensor, KernelError> {
        RTensor::from_bytes(&t.bytes(), t.dtype, &t.shape)
    }

    /// A 0-dim tensor.
    pub fn scalar(value: f64, dtype: ScalarType) -> Result<RTensor, KernelError> {
        let t = Tensor::new(value, &Device::Cpu)?;
        RTensor::new(t, dtype)
    }

    pub fn from_f64s(values: Vec<f64>, shape: &[usize], dtype: ScalarType) -> Result<RTensor, KernelError> {
        RTensor::new(Tensor::from_vec(values, shape, &Device::Cpu)?, dtype)
    }

    pub fn from_i64s(values: Vec<i64>, shape: &[usize], dtype: ScalarType) -> Result<RTensor, KernelError> {
        RTensor::new(Tensor::from_vec(values, shape, &Device::Cpu)?, dtype)
    }

    /// The candle tensor (cheap: candle tensors are reference counted).
    pub fn data(&self) -> Tensor {
        self.0.borrow().data.clone()
    }

    pub fn dtype(&self) -> ScalarType {
        self.0.borrow().dtype
    }

    pub fn shape(&self) -> Vec<usize> {
        self.0.borrow().data.dims().to_vec()
    }

    pub fn dim(&self) -> usize {
        self.0.borrow().data.rank()
    }

    pub fn numel(&self) -> usize {
        self.0.borrow().data.elem_count()
    }

    /// Identity, for `is`, dict keys and the tracer's value map.
    pub fn identity(&self) -> usize {
        Rc::as_ptr(&self.0) as *const () as usize
    }

    pub fn same(&self, other: &RTensor) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// In-place update: every holder of this tensor sees `value` (converted
    /// to this tensor's dtype, as `add_` keeps its self's dtype).
    pub fn assign(&self, value: &RTensor) -> Result<(), KernelError> {
        let dtype = self.dtype();
        let data = value.data();
        let target = self.shape();
        let data = if data.dims() == target.as_slice() { data } else { data.broadcast_as(target)?.contiguous()? };
        let data = if data.dtype() == storage_dtype(dtype) { data } else { data.to_dtype(storage_dtype(dtype))? };
        let view = match &self.0.borrow().alias {
            Alias::View { base, offsets, overlapping } => Some((base.clone(), offsets.clone(), *overlapping)),
            Alias::Base(_) => None,
        };
        match view {
            None => self.replace(data),
            Some((_, _, true)) => Err(KernelError::new(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
            )),
            Some((base, offsets, false)) => base.replace(scatter(&base.data(), &offsets, &data)?),
        }
    }

    /// New contents of a base, shown again by its live views.
    fn replace(&self, data: Tensor) -> Result<(), KernelError> {
        let views: Vec<RTensor> = {
            let mut inner = self.0.borrow_mut();
            inner.data = data.clone();
            match &mut inner.alias {
                Alias::Base(views) => {
                    views.retain(|v| v.strong_count() > 0);
                    views.iter().filter_map(Weak::upgrade).map(RTensor).collect()
                }
                Alias::View { .. } => Vec::new(),
            }
        };
        let flat = data.flatten_all()?;
        for view in views {
            let mut inner = view.0.borrow_mut();
            if let Alias::View { offsets, .. } = &inner.alias {
                let shown = flat.index_select(&offsets.flatten_all()?, 0)?.reshape(offsets.dims())?;
                inner.data = shown;
            }
        }
        Ok(())
    }

    /// The row-major positions of this tensor's elements in the tensor
    /// that owns them (itself, unless it is a view), as int64.
    pub fn positions(&self) -> Result<RTensor, KernelError> {
        let positions = match &self.0.borrow().alias {
            Alias::View { offsets, .. } => offsets.to_dtype(DType::I64)?,
            Alias::Base(_) => Tensor::arange(0i64, self.numel() as i64, &Device::Cpu)?.reshape(self.shape())?,
        };
        RTensor::new(positions, ScalarType::Int64)
    }

    /// The tensor that owns this one's elements: its base, or itself.
    pub fn owner(&self) -> RTensor {
        match &self.0.borrow().alias {
            Alias::View { base, .. } => base.clone(),
            Alias::Base(_) => self.clone(),
        }
    }

    pub fn is_view(&self) -> bool {
        matches!(self.0.borrow().alias, Alias::View { .. })
    }

    /// Makes this fresh tensor a view of `of`'s owner, showing the elements
    /// at `positions` (as [`RTensor::positions`] gives them, in this
    /// tensor's shape).
    pub fn become_view(&self, of: &RTensor, positions: &RTensor) -> Result<(), KernelError> {
        if !matches!(&self.0.borrow().alias, Alias::Base(views) if views.iter().all(|v| v.strong_count() == 0)) {
            return Err(KernelError::unsupported("a view operator returned a tensor that other tensors share"));
        }
        let base = of.owner();
        let offsets = positions.data().to_dtype(DType::U32)?;
        let mut seen: Vec<u32> = offsets.flatten_all()?.to_vec1()?;
        let n = seen.len();
        seen.sort_unstable();
        seen.dedup();
        let overlapping = seen.len() != n;
        if let Alias::Base(views) = &mut base.0.borrow_mut().alias {
            views.push(Rc::downgrade(&self.0));
        }
        self.0.borrow_mut().alias = Alias::View { base, offsets, overlapping };
        Ok(())
    }

    /// Every element as f64, row-major.
    pub fn to_f64s(&self) -> Result<Vec<f64>, KernelError> {
        Ok(self.data().flatten_all()?.to_dtype(DType::F64)?.to_vec1::<f64>()?)
    }

    /// Every element as i64, row-major (floats truncated toward zero).
    pub fn to_i64s(&self) -> Result<Vec<i64>, KernelError> {
        let data = self.data().flatten_all()?;
        Ok(match data.dtype() {
            DType::I64 => data.to_vec1::<i64>()?,
            _ => data.to_dtype(DType::F64)?.to_vec1::<f64>()?.into_iter().map(|x| x as i64).collect(),
        })
    }

    /// The single element of a one-element tensor (`.item()`, `Bool(t)`).
    pub fn item(&self) -> Result<f64, KernelError> {
        if self.numel() != 1 {
            return Err(KernelError::new(format!(
                "a Tensor with {} elements cannot be converted to Scalar",
                self.numel()
            )));
        }
        Ok(self.to_f64s()?[0])
    }

    /// Little-endian bytes in this tensor's dtype (safetensors output).
    pub fn to_bytes(&self) -> Result<Vec<u8>, KernelError> {
        let data = self.data().flatten_all()?;
        Ok(match self.dtype() {
            ScalarType::Float32 => data.to_vec1::<f32>()?.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ScalarType::Float64 => data.to_vec1::<f64>()?.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ScalarType::Int64 => data.to_vec1::<i64>()?.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ScalarType::Int32 => data.to_vec1::<i64>()?.iter().flat_map(|x| (*x as i32).to_le_bytes()).collect(),
            ScalarType::Int16 => data.to_vec1::<i64>()?.iter().flat_map(|x| (*x as i16).to_le_bytes()).collect(),
            ScalarType::Int8 => data.to_vec1::<i64>()?.iter().map(|x| *x as i8 as u8).collect(),
            ScalarType::Bool | ScalarType::UInt8 => data.to_vec1::<u8>()?,
            ScalarType::Float16 => data.to_vec1::<half::f16>()?.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ScalarType::BFloat16 => data.to_vec1::<half::bf16>()?.iter().flat_map(|x| x.to_le_bytes()).collect(),
        })
    }
}

/// `base` with the elements at `offsets` set to `values` (same shape as
/// `offsets`, `base`'s storage dtype).
fn scatter(base: &Tensor, offsets: &Tensor, values: &Tensor) -> Result<Tensor, KernelError> {
    fn set<T: candle_core::WithDType>(base: &Tensor, at: &[u32], values: &Tensor) -> Result<Tensor, KernelError> {
        let mut all: Vec<T> = base.flatten_all()?.to_vec1()?;
        for (i, v) in at.iter().zip(values.flatten_all()?.to_vec1::<T>()?) {
            all[*i as usize] = v;
        }
        Ok(Tensor::from_vec(all, base.dims(), &Device::Cpu)?)
    }
    let at: Vec<u32> = offsets.flatten_all()?.to_vec1()?;
    match base.dtype() {
        DType::F32 => set::<f32>(base, &at, values),
        DType::F64 => set::<f64>(base, &at, values),
        DType::F16 => set::<half::f16>(base, &at, values),
        DType::BF16 => set::<half::bf16>(base, &at, values),
        DType::I64 => set::<i64>(base, &at, values),
        DType::U8 => set::<u8>(base, &at, values),
        other => Err(KernelError::unsupported(format!("a write through a view of {other:?} storage"))),
    }
}

impl fmt::Debug for RTensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor({:?}, {})", self.shape(), self.dtype().torch_name())
    }
}
