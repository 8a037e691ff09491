//! Export: the `.ptl` file PyTorch's lite interpreter loads
//! (docs/ptl-format.md): the module object (`data.pkl` and its storages), one
//! bytecode function per exported method with its callees inlined
//! (`bytecode.pkl`), the versions, in one zip archive — what
//! `_save_for_lite_interpreter` writes for a scripted module
//! (`scripted.rs`) or for its `optimize_for_mobile` version (`optimized.rs`).

pub mod archive;
pub mod bytecode;
pub mod object;
mod optimized;
pub mod pickle;
mod scripted;
pub mod source;
mod tables;

use crate::diag::{Code, Diagnostic};
use crate::host::Selected;
use crate::host::eval::Host;
use crate::ops::{OpKind, op};
use crate::source::Span;
use pickle::{Pickle, pickle};

#[derive(Clone)]
pub struct Options {
    /// 5 to 8 (see [`bytecode::VERSIONS`]).
    pub bytecode_version: u32,
    /// The mobile passes to run; `None`: the module as scripted.
    pub optimize: Option<crate::passes::Options>,
    /// Stages of the mobile passes whose graph to report (`all`: every one).
    pub print_after: Vec<String>,
    /// The archive's folder name (PyTorch uses the output file's stem).
    pub prefix: String,
    /// Trace the entry module on its example inputs (`--trace`).
    pub trace: bool,
}

/// What a compile reports besides the file.
#[derive(Default)]
pub struct Report {
    pub warnings: Vec<Diagnostic>,
    /// The graph after each mobile pass `Options::print_after` names:
    /// (stage, graph text).
    pub stages: Vec<(String, String)>,
}

/// Writes the `.ptl` of the selected module to `sink`, or says why it
/// cannot be written. `at` is where to point when the problem has no better
/// place.
pub fn ptl<W: std::io::Write + std::io::Seek>(
    host: &mut Host<'_>,
    selected: &Selected,
    options: &Options,
    at: Span,
    report: &mut Report,
    sink: W,
) -> Result<W, Box<Diagnostic>> {
    let Some(root) = selected.root_module() else {
        return Err(Box::new(
            Diagnostic::new(Code::E4003, at, format!("`{}` is a function, not a module", selected.name))
                .label("a .ptl file holds a module")
                .help("wrap the function in an `nn.Module` whose `forward` calls it, and compile that module"),
        ));
    };
    let contents = match &options.optimize {
        Some(passes) => optimized::contents(host, &root, passes, options, &mut report.stages)?,
        None => scripted::contents(host, &root, options, &mut report.warnings)?,
    };
    contents
        .archive(&options.prefix, options.bytecode_version, sink)
        .map_err(|e| Box::new(Diagnostic::new(Code::E4002, at, format!("cannot write the archive: {e}"))))
}

pub(super) fn gave_up(stop: crate::script::Stop, fallback: Span) -> Box<Diagnostic> {
    Box::new(crate::script::errors::cannot_compile_yet(stop.span_or(fallback), crate::script::errors::Purpose::Export))
}

pub(super) fn cannot_export(problem: bytecode::Unsupported, fallback: Span) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(Code::E4002, problem.span.unwrap_or(fallback), "cannot export this to a .ptl file")
            .label(format!("the lite interpreter cannot run {}", problem.what)),
    )
}

/// Everything a `.ptl` holds, before it is archived.
pub(super) struct Contents {
    /// `data/` storages and the module object.
    pub(super) data: object::Storages,
    pub(super) data_pkl: Pickle,
    pub(super) code: Vec<(String, String)>,
    /// `constants/` storages, shared by `constants.pkl` and `bytecode.pkl`.
    pub(super) constants: object::Storages,
    pub(super) constants_pkl: Pickle,
    pub(super) functions: Vec<Pickle>,
    pub(super) operators: Vec<String>,
}

impl Contents {
    /// The archive, records in PyTorch's order.
    fn archive<W: std::io::Write + std::io::Seek>(
        self,
        prefix: &str,
        version: u32,
        sink: W,
    ) -> zip::result::ZipResult<W> {
        let data_pkl = pickle(&self.data_pkl);
        let constants_pkl = pickle(&self.constants_pkl);
        let mut bytecode = vec![Pickle::Int(i64::from(version))];
        bytecode.extend(self.functions);
        let bytecode = pickle(&Pickle::Tuple(bytecode));
        let file_version = self.operators.iter().map(|name| operator_version(name)).max().unwrap_or(3).max(3);
        let mut archive = archive::Archive::to(prefix, sink);
        for (key, tensor) in &self.data.records {
            archive.add_with(&format!("data/{key}"), tensor.storage_len(), |out| tensor.write_storage(out))?;
        }
        archive.add("data.pkl", &data_pkl)?;
        for (path, text) in &self.code {
            archive.add(path, text.as_bytes())?;
        }
        for (key, tensor) in &self.constants.records {
            archive.add_with(&format!("constants/{key}"), tensor.storage_len(), |out| tensor.write_storage(out))?;
        }
        archive.add("constants.pkl", &constants_pkl)?;
        archive.add("bytecode.pkl", &bytecode)?;
        // PyTorch names the record `.data/version` from 6 on; readers take both.
        let version_record = if file_version >= 6 { ".data/version" } else { "version" };
        archive.add(version_record, format!("{file_version}\n").as_bytes())?;
        archive.add("byteorder", b"little")?;
        archive.finish()
    }
}

/// The file-format version an operator needs (docs/ptl-format.md §3.1): below
/// it, the loader wraps the operator in an upgrader with old semantics.
pub(super) fn operator_version(name: &str) -> u32 {
    match OpKind::lookup(name) {
        Some(op::aten::div | op::aten::div_) => 4,
        Some(op::aten::full) => 5,
        Some(op::aten::linspace) => 8,
        Some(op::aten::logspace) => 9,
        Some(op::aten::gelu) => 10,
        _ => 3,
    }
}
