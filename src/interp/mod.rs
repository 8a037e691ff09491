//! The reference interpreter: runs IR graphs on real tensors. `tsc run`,
//! tracing (which records what it runs), and the tests that check every
//! pass preserves the numbers all go through it.
//!
//! Tensors are candle-core tensors under PyTorch's semantics (dtype tags,
//! type promotion, argument conventions); `kernels/` maps each aten/prim
//! operator to them.

pub mod convert;
pub mod exec;
pub mod kernels;
pub mod tensor;
pub mod value;
mod views;

pub use convert::Converter;
pub use exec::{RunError, run};
pub use kernels::KernelError;
pub use tensor::RTensor;
pub use value::RValue;
