//! The script compiler's diagnostics that more than one place reports,
//! each built here only, so every site says the same thing.

use crate::diag::{Code, Diagnostic};
use crate::source::Span;

/// An integer literal beyond 64 bits, in PyTorch's words.
pub(super) fn integer_out_of_range(literal: Span) -> Diagnostic {
    Diagnostic::new(Code::E3001, literal, "Integral constant out of range (must fit in a signed 64 bit integer)")
        .label("TorchScript's integers are 64-bit")
}
