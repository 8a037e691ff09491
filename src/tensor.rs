//! Tensors in the host. Creation records a shape, an element type and how to
//! fill the data; the bytes exist only once something needs them (export, a
//! loaded weights file). `tsc check` never materializes a weight.
//!
//! Bytes are [`bytes::Bytes`]: a weights file's tensors are slices of its
//! mapping, never copied, and a folded weight ([`Storage::Scaled`]) is
//! computed only as it is written out.

use std::cell::RefCell;
use std::collections::TryReserveError;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use crate::types::ScalarType;

/// Bytes ever materialized from a lazy fill, process-wide: tests read it to
/// prove that checking a model touches no weight data.
static MATERIALIZED_BYTES: AtomicU64 = AtomicU64::new(0);

pub fn materialized_bytes() -> u64 {
    MATERIALIZED_BYTES.load(Ordering::Relaxed)
}

/// How a tensor's elements are produced when they are needed.
#[derive(Clone, Debug, PartialEq)]
pub enum Fill {
    /// `torch.empty`: any values; zeros when materialized.
    Uninitialized,
    Constant(f64),
    /// Uniform in `[low, high)`, from its own seeded stream.
    Uniform {
        low: f64,
        high: f64,
        seed: u64,
    },
    Normal {
        mean: f64,
        std: f64,
        seed: u64,
    },
    /// Integers uniform in `[low, high)` (`randint`, `random_`): whole
    /// numbers in every dtype, `low` drawn as often as the others.
    Integers {
        low: i64,
        high: i64,
        seed: u64,
    },
    /// `start + i * step`.
    Arange {
        start: f64,
        step: f64,
    },
    /// Explicit values in row-major order (`torch.tensor([...])`).
    Values(Rc<[f64]>),
}

#[derive(Clone, Debug)]
pub enum Storage {
    /// `numel` elements from `fill`, then each patch's range from its own
    /// fill (what `weight[padding_idx].fill_(0)` leaves behind).
    Lazy { fill: Fill, numel: usize, patches: Vec<(usize, usize, Fill)> },
    /// Contiguous little-endian elements.
    Bytes(Bytes),
    /// Float32 elements of `source` with each of `factors.len()` equal
    /// blocks multiplied by its factor (a conv weight folded with its
    /// BatchNorm): the product is computed where it is written, so a
    /// model's weights need no second buffer.
    Scaled { source: Bytes, factors: Rc<[f32]> },
}

impl Storage {
    /// The size in bytes, without materializing anything.
    pub fn len(&self, dtype: ScalarType) -> usize {
        match self {
            Storage::Lazy { numel, .. } => numel * dtype.size(),
            Storage::Bytes(bytes) => bytes.len(),
            Storage::Scaled { source, .. } => source.len(),
        }
    }
}

/// Bytes computed and written at a time: small enough to stay in cache
/// between the two.
const SCALED_CHUNK: usize = 2 * 1024 * 1024;

/// `source`'s float32 elements, block `c` times `factors[c]`, handed to
/// `out` in cache-sized pieces.
fn scale_into(
    source: &[u8],
    factors: &[f32],
    out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let block = source.len() / factors.len().max(1);
    let mut buffer = Vec::with_capacity(SCALED_CHUNK.min(source.len()));
    for (mut row, &factor) in source.chunks(block.max(1)).zip(factors) {
        while !row.is_empty() {
            let (now, rest) = row.split_at((SCALED_CHUNK - buffer.len()).min(row.len()));
            let start = buffer.len();
            buffer.resize(start + now.len(), 0);
            for (to, x) in buffer[start..].chunks_exact_mut(4).zip(now.chunks_exact(4)) {
                to.copy_from_slice(&(f32::from_le_bytes([x[0], x[1], x[2], x[3]]) * factor).to_le_bytes());
            }
            // Whole buffers, not rows: the kernel caches large writes in
            // large pages, small ones page by page.
            if buffer.len() == SCALED_CHUNK {
                out(&buffer)?;
                buffer.clear();
            }
            row = rest;
        }
    }
    if !buffer.is_empty() {
        out(&buffer)?;
    }
    Ok(())
}

#[derive(Debug)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub dtype: ScalarType,
    pub is_parameter: bool,
    pub requires_grad: bool,
    /// Shared by views that alias it (`t.data`, `Parameter(t)`, `t[i]`).
    pub storage: Rc<RefCell<Storage>>,
    /// Where this tensor's elements start in the storage (views are
    /// contiguous blocks of it).
    pub offset: usize,
}

impl Tensor {
    pub fn lazy(shape: Vec<usize>, dtype: ScalarType, fill: Fill) -> Tensor {
        let numel = shape.iter().product();
        Tensor {
            shape,
            dtype,
            is_parameter: false,
            requires_grad: false,
            storage: Rc::new(RefCell::new(Storage::Lazy { fill, numel, patches: Vec::new() })),
            offset: 0,
        }
    }

    pub fn from_bytes(shape: Vec<usize>, dtype: ScalarType, bytes: Bytes) -> Tensor {
        Tensor {
            shape,
            dtype,
            is_parameter: false,
            requires_grad: false,
            storage: Rc::new(RefCell::new(Storage::Bytes(bytes))),
            offset: 0,
        }
    }

    /// A float32 tensor whose `factors.len()` blocks are `source`'s times
    /// their factors, computed when needed (see [`Storage::Scaled`]).
    pub fn scaled(shape: Vec<usize>, source: Bytes, factors: Rc<[f32]>) -> Tensor {
        Tensor {
            shape,
            dtype: ScalarType::Float32,
            is_parameter: false,
            requires_grad: false,
            storage: Rc::new(RefCell::new(Storage::Scaled { source, factors })),
            offset: 0,
        }
    }

    /// The same data seen as a Parameter (or back as a plain tensor).
    pub fn alias(&self, is_parameter: bool, requires_grad: bool) -> Tensor {
        Tensor {
            shape: self.shape.clone(),
            dtype: self.dtype,
            is_parameter,
            requires_grad,
            storage: self.storage.clone(),
            offset: self.offset,
        }
    }

    /// `t[index]`: the block of the first dimension, sharing the storage.
    pub fn select(&self, index: usize) -> Tensor {
        let inner: usize = self.shape[1..].iter().product();
        Tensor {
            shape: self.shape[1..].to_vec(),
            dtype: self.dtype,
            is_parameter: false,
            requires_grad: self.requires_grad,
            storage: self.storage.clone(),
            offset: self.offset + index * inner,
        }
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Replaces this tensor's elements with a new fill (what the in-place
    /// init functions do); on a view, only its block.
    pub fn refill(&self, fill: Fill) {
        let numel = self.numel();
        let mut storage = self.storage.borrow_mut();
        match &mut *storage {
            Storage::Lazy { numel: total, .. } if self.offset == 0 && numel == *total => {
                *storage = Storage::Lazy { fill, numel, patches: Vec::new() };
            }
            Storage::Lazy { patches, .. } => patches.push((self.offset, numel, fill)),
            Storage::Bytes(_) | Storage::Scaled { .. } => {
                drop(storage);
                let size = self.dtype.size();
                let mut data = self.storage_bytes().to_vec();
                let block = materialize(&fill, numel, self.dtype).expect(WITHIN_BUDGET);
                data[self.offset * size..(self.offset + numel) * size].copy_from_slice(&block);
                self.set_bytes(data.into());
            }
        }
    }

    pub fn set_bytes(&self, bytes: Bytes) {
        *self.storage.borrow_mut() = Storage::Bytes(bytes);
    }

    pub fn is_materialized(&self) -> bool {
        matches!(*self.storage.borrow(), Storage::Bytes(_))
    }

    /// The elements as little-endian bytes, materializing a lazy fill.
    pub fn bytes(&self) -> Bytes {
        let size = self.dtype.size();
        self.storage_bytes().slice(self.offset * size..(self.offset + self.numel()) * size)
    }

    /// The whole storage this tensor views, materialized once (views of it
    /// share the bytes).
    pub fn storage_bytes(&self) -> Bytes {
        self.try_storage_bytes().expect(WITHIN_BUDGET)
    }

    /// [`Tensor::storage_bytes`], or the allocation that failed.
    pub fn try_storage_bytes(&self) -> Result<Bytes, TryReserveError> {
        let materialized = match &*self.storage.borrow() {
            Storage::Bytes(all) => return Ok(all.clone()),
            Storage::Lazy { fill, numel, patches } => {
                let size = self.dtype.size();
                let mut data = materialize(fill, *numel, self.dtype)?;
                for (offset, len, patch) in patches {
                    data[offset * size..(offset + len) * size].copy_from_slice(&materialize(patch, *len, self.dtype)?);
                }
                MATERIALIZED_BYTES.fetch_add(data.len() as u64, Ordering::Relaxed);
                data
            }
            Storage::Scaled { source, factors } => {
                let mut data = Vec::new();
                data.try_reserve_exact(source.len())?;
                scale_into(source, factors, &mut |piece| {
                    data.extend_from_slice(piece);
                    Ok(())
                })
                .expect("writing into a Vec does not fail");
                data
            }
        };
        let all = Bytes::from(materialized);
        *self.storage.borrow_mut() = Storage::Bytes(all.clone());
        Ok(all)
    }

    /// Writes the whole storage this tensor views to `out`; a folded weight
    /// is computed piece by piece on the way, never held whole.
    pub fn write_storage(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if let Storage::Scaled { source, factors } = &*self.storage.borrow() {
            return scale_into(source, factors, &mut |piece| out.write_all(piece));
        }
        let bytes = self.try_storage_bytes().map_err(|_| {
            let needed = crate::budget::size(self.storage_len() as u128);
            std::io::Error::new(std::io::ErrorKind::OutOfMemory, format!("a tensor would need {needed}"))
        })?;
        out.write_all(&bytes)
    }

    /// The whole storage's size in bytes, without materializing it.
    pub fn storage_len(&self) -> usize {
        self.storage.borrow().len(self.dtype)
    }
}

/// Lazy tensors are created within the memory budget (`crate::budget`), so
/// materializing one outside the fallible export path does not fail.
const WITHIN_BUDGET: &str = "a lazy tensor is created within the memory budget";

/// The elements of a fill, or the allocation that failed (the export of a
/// tensor larger than the machine is an error, not an abort).
fn materialize(fill: &Fill, numel: usize, dtype: ScalarType) -> Result<Vec<u8>, TryReserveError> {
    use rand::{Rng, SeedableRng, rngs::SmallRng};
    match fill {
        Fill::Uninitialized => encode(numel, dtype, |_| 0.0),
        Fill::Constant(c) => encode(numel, dtype, |_| *c),
        Fill::Uniform { low, high, seed } => {
            let mut rng = SmallRng::seed_from_u64(*seed);
            encode(numel, dtype, |_| low + (high - low) * rng.random::<f64>())
        }
        Fill::Normal { mean, std, seed } => {
            // The ziggurat: a ResNet's 11M weights in a few dozen
            // milliseconds (Box–Muller's log and sin_cos took 200).
            let mut rng = SmallRng::seed_from_u64(*seed);
            encode(numel, dtype, |_| mean + std * rng.sample::<f64, _>(rand_distr::StandardNormal))
        }
        Fill::Integers { low, high, seed } => {
            let mut rng = SmallRng::seed_from_u64(*seed);
            encode(numel, dtype, |_| rng.random_range(*low..*high) as f64)
        }
        Fill::Arange { start, step } => encode(numel, dtype, |i| start + step * i as f64),
        Fill::Values(values) => encode(numel, dtype, |i| values.get(i).copied().unwrap_or(0.0)),
    }
}

fn encode(numel: usize, dtype: ScalarType, mut value_at: impl FnMut(usize) -> f64) -> Result<Vec<u8>, TryReserveError> {
    let mut out = Vec::new();
    out.try_reserve_exact(numel.saturating_mul(dtype.size()))?;
    if dtype == ScalarType::Float32 {
        // The common case, without a dtype dispatch per element.
        for i in 0..numel {
            out.extend_from_slice(&(value_at(i) as f32).to_le_bytes());
        }
        return Ok(out);
    }
    for i in 0..numel {
        let v = value_at(i);
        match dtype {
            ScalarType::Float32 => out.extend_from_slice(&(v as f32).to_le_bytes()),
            ScalarType::Float64 => out.extend_from_slice(&v.to_le_bytes()),
            ScalarType::Float16 => out.extend_from_slice(&f32_to_f16_bits(v as f32).to_le_bytes()),
            ScalarType::BFloat16 => out.extend_from_slice(&(((v as f32).to_bits() >> 16) as u16).to_le_bytes()),
            ScalarType::Int64 => out.extend_from_slice(&(v as i64).to_le_bytes()),
            ScalarType::Int32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
            ScalarType::Int16 => out.extend_from_slice(&(v as i16).to_le_bytes()),
            ScalarType::Int8 => out.push(v as i8 as u8),
            ScalarType::UInt8 => out.push(v as u8),
            ScalarType::Bool => out.push(u8::from(v != 0.0)),
        }
    }
    Ok(out)
}

/// IEEE half precision, round to nearest even (finite values and infinities).
fn f32_to_f16_bits(value: f32) -> u16 {
    let bits = value.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xff) as i32 - 127 + 15;
    let mantissa = bits & 0x7f_ffff;
    if exponent >= 31 {
        return sign | 0x7c00 | if value.is_nan() { 0x200 } else { 0 };
    }
    if exponent <= 0 {
        if exponent < -10 {
            return sign;
        }
        let m = (mantissa | 0x80_0000) >> (1 - exponent);
        return sign | ((m + 0x1000) >> 13) as u16;
    }
    let half = u32::from(sign) | (exponent as u32) << 10 | mantissa >> 13;
    let round = mantissa & 0x1fff;
    (if round > 0x1000 || (round == 0x1000 && half & 1 == 1) { half + 1 } else { half }) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_tensors_materialize_once_and_deterministically() {
        let a = Tensor::lazy(vec![2, 3], ScalarType::Float32, Fill::Uniform { low: -1.0, high: 1.0, seed: 7 });
        let b = Tensor::lazy(vec![2, 3], ScalarType::Float32, Fill::Uniform { low: -1.0, high: 1.0, seed: 7 });
        assert!(!a.is_materialized());
        let bytes = a.bytes();
        assert_eq!(bytes.len(), 24);
        assert!(a.is_materialized());
        assert_eq!(bytes, b.bytes());
        for chunk in bytes.chunks(4) {
            let v = f32::from_le_bytes(chunk.try_into().expect("4 bytes"));
            assert!((-1.0..1.0).contains(&v));
        }
    }

    /// `normal_`'s fill has its mean and standard deviation.
    #[test]
    fn normal_fills_have_their_moments() {
        let n = 200_000;
        let t = Tensor::lazy(vec![n], ScalarType::Float32, Fill::Normal { mean: 2.0, std: 0.5, seed: 11 });
        let values: Vec<f64> =
            t.bytes().chunks_exact(4).map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes")))).collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        assert!((mean - 2.0).abs() < 0.01, "mean {mean}");
        assert!((std - 0.5).abs() < 0.01, "std {std}");
    }

    /// A folded weight gives the same elements whether it is materialized
    /// or written out, rows crossing the write buffer's boundaries.
    #[test]
    fn scaled_storage_multiplies_each_block_by_its_factor() {
        let (rows, per_row) = (3, SCALED_CHUNK / 4 / 2 + 5);
        let source: Vec<f32> = (0..rows * per_row).map(|i| i as f32 * 0.25 - 7.0).collect();
        let factors: Rc<[f32]> = vec![0.5, -3.0, 1.0e-3].into();
        let expected: Vec<u8> =
            source.iter().enumerate().flat_map(|(i, v)| (v * factors[i / per_row]).to_le_bytes()).collect();
        let source = Bytes::from(source.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>());
        let folded = Tensor::scaled(vec![rows, per_row], source.clone(), factors.clone());
        assert_eq!(folded.storage_len(), expected.len());
        let mut written = Vec::new();
        folded.write_storage(&mut written).expect("a Vec takes any write");
        assert!(written == expected, "written elements differ");
        assert!(!folded.is_materialized(), "writing out does not keep a copy");
        assert!(folded.bytes() == expected, "materialized elements differ");
        assert!(folded.is_materialized());
        let row = folded.select(1);
        assert!(row.bytes() == expected[per_row * 4..2 * per_row * 4], "a view reads its own block");
    }

    #[test]
    fn half_precision_rounds() {
        assert_eq!(f32_to_f16_bits(1.0), 0x3c00);
        assert_eq!(f32_to_f16_bits(-2.0), 0xc000);
        assert_eq!(f32_to_f16_bits(65504.0), 0x7bff);
        assert_eq!(f32_to_f16_bits(0.0), 0);
    }
}
