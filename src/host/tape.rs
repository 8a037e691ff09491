//! What tracing watches while the host runs a traced module's `forward` as
//! Python (as `torch.jit.trace` runs it): the host calls these hooks at its
//! tensor operations, and the tracer (`crate::trace`), their one
//! implementor, records them. The host only knows the trait, so the
//! dependency runs from the tracer to the host.

use std::rc::Rc;

use super::eval::Host;
use super::value::{Instance, Value};
use crate::ops::OpKind;
use crate::runtime::RValue;
use crate::source::Span;
use crate::tensor::Tensor;

/// One argument of an operator the host ran: the host value it came from
/// (a tensor's identity, a traced size inside a list), if any, and the
/// value the kernel took.
pub struct Argument {
    pub given: Option<Value>,
    pub value: RValue,
}

/// An operator the host ran: the schema's operator and overload, each of
/// the schema's arguments, and the results as the host holds them (an
/// in-place operator's is its receiver).
pub struct Operation<'a> {
    pub kind: OpKind,
    pub overload: &'a str,
    pub args: &'a [Argument],
    pub results: &'a [Value],
    pub span: Span,
}

pub trait Tape {
    /// Whether `t` is a value of the trace (an input, a parameter or buffer
    /// of the traced module, or a recorded result).
    fn traces(&self, t: &Rc<Tensor>) -> bool;
    fn operation(&mut self, op: &Operation<'_>);
    /// `t.size(dim)` (or with no `dim`, `t.numel()`) of a traced tensor,
    /// held in the 0-dim tensor `size` as PyTorch's tracer holds sizes.
    fn size(&mut self, t: &Rc<Tensor>, dim: Option<usize>, size: &Rc<Tensor>, span: Span);
    /// `t[key]` with basic indexing (ints, slices, `None`, `...`).
    fn index(&mut self, t: &Rc<Tensor>, key: &[Value], result: &Rc<Tensor>, span: Span);
    /// A scripted `module` was called on `args` and gave `result` (its
    /// run unrecorded): PyTorch keeps the call, and with it the module's
    /// control flow.
    fn scripted_call(&mut self, module: &Rc<Instance>, args: &[Value], result: &Value, span: Span);
    /// A traced tensor became a Python value (`what`, in PyTorch's warning).
    fn converted(&mut self, t: &Rc<Tensor>, what: &str, span: Span);
    /// Something the trace cannot record: tracing fails with `message`.
    fn refuse(&mut self, message: String, span: Span);
}

impl Host<'_> {
    /// Whether `t` is traced by a trace the host is running.
    pub(super) fn traces(&self, t: &Rc<Tensor>) -> bool {
        self.tape.as_ref().is_some_and(|tape| tape.borrow().traces(t))
    }

    /// Tells the running trace, if any, that `t` became a Python value.
    pub(super) fn converted(&self, t: &Rc<Tensor>, what: &str, span: Span) {
        if let Some(tape) = &self.tape {
            let mut tape = tape.borrow_mut();
            if tape.traces(t) {
                tape.converted(t, what, span);
            }
        }
    }

    /// Refuses, in the running trace, an operation on `t` it cannot record.
    pub(super) fn refuse_traced(&self, t: &Rc<Tensor>, message: impl FnOnce() -> String, span: Span) {
        if let Some(tape) = &self.tape {
            let mut tape = tape.borrow_mut();
            if tape.traces(t) {
                tape.refuse(message(), span);
            }
        }
    }
}
