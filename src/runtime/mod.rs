//! What computes: TorchScript's values (IValues) with tensors that hold
//! data, and the kernels that compute on them — one set, shared by the IR
//! interpreter, the tracer and the host's eager operations.

pub mod kernels;
pub mod tensor;
pub mod value;
pub mod views;

pub use kernels::KernelError;
pub use tensor::RTensor;
pub use value::RValue;
