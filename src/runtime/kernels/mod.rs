//! Kernels: one function per operator name, PyTorch's CPU semantics on top
//! of candle-core. Nodes carry every schema argument positionally (defaults
//! filled in by the compiler), so a kernel reads `args[i]` in schema order;
//! the overload name picks among same-named schemas where the argument
//! values alone cannot (`aten::add.t` concatenates lists).

mod activation;
mod addcmul;
pub mod args;
mod closeness;
mod creation;
mod dict_methods;
mod einsum;
mod ivalue_print;
mod matrix_views;
mod membership;
mod nn;
mod norm;
mod percent_format;
pub mod pointwise;
mod pool;
mod prepacked;
mod reduce;
mod rnn;
pub(crate) mod scalars;
mod shape;
mod str_methods;
mod str_search;
mod tensor_facts;
mod upsample;
mod windows;

use std::collections::HashMap;
use std::sync::OnceLock;

use super::value::RValue;
use crate::ops::OpKind;
pub use args::Args;
pub use ivalue_print::ivalue_str;

/// A run-time failure: PyTorch would raise (a shape mismatch, a bad index)
/// or the operator has no kernel yet.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct KernelError {
    pub message: String,
    /// The operator has no kernel here (as opposed to PyTorch raising).
    pub unsupported: bool,
}

impl KernelError {
    pub fn new(message: impl Into<String>) -> KernelError {
        KernelError { message: message.into(), unsupported: false }
    }

    pub fn unsupported(message: impl Into<String>) -> KernelError {
        KernelError { message: message.into(), unsupported: true }
    }
}

/// A result of `shape` with elements of `item_size` bytes, if it fits the
/// memory budget: checked before a kernel whose output can outgrow its
/// inputs (creation, broadcasting, matmul, repeat, expand, cat) allocates,
/// as candle aborts when an allocation fails.
pub(crate) fn within_budget(shape: &[usize], item_size: usize) -> Result<(), KernelError> {
    crate::budget::tensor(shape, item_size).map_err(|why| KernelError::new(format!("the tensor {why}")))
}

impl From<candle_core::Error> for KernelError {
    fn from(e: candle_core::Error) -> KernelError {
        KernelError::new(e.to_string())
    }
}

/// A kernel: the call's overload and positional arguments in, the node's
/// outputs out.
pub type Kernel = fn(&Args<'_>) -> Result<Vec<RValue>, KernelError>;

fn table() -> &'static HashMap<OpKind, Kernel> {
    static TABLE: OnceLock<HashMap<OpKind, Kernel>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        pointwise::register(&mut table);
        scalars::register(&mut table);
        reduce::register(&mut table);
        shape::register(&mut table);
        creation::register(&mut table);
        nn::register(&mut table);
        rnn::register(&mut table);
        activation::register(&mut table);
        upsample::register(&mut table);
        norm::register(&mut table);
        pool::register(&mut table);
        prepacked::register(&mut table);
        str_search::register(&mut table);
        str_methods::register(&mut table);
        membership::register(&mut table);
        windows::register(&mut table);
        einsum::register(&mut table);
        closeness::register(&mut table);
        tensor_facts::register(&mut table);
        dict_methods::register(&mut table);
        matrix_views::register(&mut table);
        addcmul::register(&mut table);
        for (alias, target) in crate::ops::aliases::ALIASES {
            if let Some(&kernel) = table.get(target) {
                table.insert(*alias, kernel);
            }
        }
        table
    })
}

/// Whether `kind` (`aten::add`) has a kernel.
pub fn has_kernel(kind: OpKind) -> bool {
    table().contains_key(&kind)
}

/// Runs operator `kind` (`aten::add`) with overload `overload` (`Tensor`,
/// or empty for the default) on `args`.
pub fn call(kind: OpKind, overload: &str, args: &[RValue]) -> Result<Vec<RValue>, KernelError> {
    let kernel = table().get(&kind).ok_or_else(|| KernelError::unsupported(format!("no kernel for `{kind}` yet")))?;
    // candle leaves some dtype/op pairs as `todo!()`: those panics become
    // errors, never a crash of the caller.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| kernel(&Args { kind, overload, values: args })))
        .unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(std::string::ToString::to_string))
                .unwrap_or_default();
            Err(KernelError::unsupported(format!("{kind}: not supported for these arguments ({why})")))
        })
}
