//! tsy: a toolchain for a TorchScript subset of Python.
//!
//! The pipeline's entry points, shared by the `tsc` binary and the tests.
//! Phases live in their own folders: `syntax/` (text to tree) and `diag/`
//! (diagnostics and their renderers) so far.

pub mod diag;
pub mod host;
pub mod source;
pub mod syntax;
pub mod types;

use diag::Diagnostic;
use source::{FileId, SourceMap};
use syntax::Interner;

/// Everything `tsc check` reports for one file, in source order.
pub fn check(map: &SourceMap, file: FileId, interner: &mut Interner) -> Vec<Diagnostic> {
    syntax::parse(map, file, interner).diagnostics
}
