//! A unit of compilation: a function as defined, with the globals it was
//! defined among and, for a method, the module instance it runs on.

use std::rc::Rc;

use super::eval::Host;
use super::value::{Instance, Namespace};
use crate::source::FileId;
use crate::syntax::ast::FunctionDef;
use crate::types::Type;

/// One function to compile.
#[derive(Clone)]
pub struct Unit {
    pub def: Rc<FunctionDef>,
    pub file: FileId,
    /// The module namespace it was defined in.
    pub globals: Rc<Namespace>,
    /// For methods: the module instance whose class defines it.
    pub owner: Option<Rc<Instance>>,
    /// The name PyTorch compiles it under when that is not the
    /// definition's: `__out_dim_getter` for the property `out_dim`.
    pub alias: Option<Rc<str>>,
    /// For a `forward` being traced: its example inputs' types, which its
    /// unannotated parameters take (a trace is specialized to its inputs,
    /// as PyTorch's is, so a tuple `(h, c)` is a tuple, not a `Tensor`).
    pub example_types: Option<Rc<[Type]>>,
}

impl Unit {
    /// The compiled function's name.
    pub fn name(&self, host: &Host<'_>) -> String {
        match &self.alias {
            Some(alias) => alias.to_string(),
            None => host.name(self.def.name.name).to_string(),
        }
    }
}
