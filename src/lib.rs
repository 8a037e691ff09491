//! tsy: a toolchain for a TorchScript subset of Python.
//!
//! The pipeline's entry points, shared by the `tsc` binary and the tests.
//! Phases live in their own folders: `syntax/` (text to tree), `host/`
//! (running module-level code and `__init__`), `script/` (TorchScript's
//! rules over what gets compiled), `ir/` (graphs), `diag/` (diagnostics).

pub mod budget;
pub mod diag;
pub mod export;
pub mod fix;
pub mod fuzz;
pub mod host;
pub mod interp;
pub mod ir;
pub mod lsp;
pub mod ops;
pub mod passes;
pub mod ptl;
pub mod repr;
pub mod run;
pub mod runtime;
pub mod script;
pub mod source;
pub mod syntax;
pub mod tensor;
pub mod trace;
pub mod types;
pub mod weights;

use diag::Diagnostic;
use source::{FileId, SourceMap};
use syntax::Interner;

/// Everything `tsc check` reports for one file, in source order: syntax
/// errors; then, if the file parsed, what running its module-level code and
/// `__init__` bodies found; then, if that succeeded, what TorchScript's rules
/// reject in the code the entry compiles.
pub fn check(map: &mut SourceMap, file: FileId, interner: &mut Interner) -> Vec<Diagnostic> {
    check_with(map, file, interner, false)
}

/// [`check`], listing every failing overload of a call (`--verbose`).
pub fn check_with(map: &mut SourceMap, file: FileId, interner: &mut Interner, verbose: bool) -> Vec<Diagnostic> {
    let parsed = syntax::parse(map, file, interner);
    let mut diagnostics = parsed.diagnostics;
    if !diagnostics.iter().any(Diagnostic::is_error) {
        let file_span = map.get(file).span();
        let mut evaluated = host::evaluate(map, file, &parsed.module, interner);
        let host_diagnostics = evaluated.take_diagnostics();
        let host_failed = host_diagnostics.iter().any(Diagnostic::is_error);
        diagnostics.extend(host_diagnostics);
        // Scripting starts from the entry; a file without one has nothing to compile.
        if !host_failed && let Ok(selected) = host::select_entry(&evaluated, None, file_span) {
            diagnostics.extend(script::check(&mut evaluated.host, &selected, verbose));
        }
    }
    diag::sort(&mut diagnostics);
    diagnostics
}

/// Parses the file, runs its module-level code and picks the entry (`entry`
/// by name, else the default): the start of every command past `check`.
fn evaluate_entry<'a>(
    map: &'a mut SourceMap,
    file: FileId,
    interner: &'a mut Interner,
    entry: Option<&str>,
) -> Result<(host::Evaluated<'a>, host::Selected), Vec<Diagnostic>> {
    let parsed = syntax::parse(map, file, interner);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(parsed.diagnostics);
    }
    let file_span = map.get(file).span();
    let mut evaluated = host::evaluate(map, file, &parsed.module, interner);
    let diagnostics = evaluated.take_diagnostics();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let selected = host::select_entry(&evaluated, entry, file_span).map_err(|d| vec![*d])?;
    Ok((evaluated, selected))
}

/// `tsc inspect`: the entry module's tree and state_dict, or the
/// diagnostics that stopped the file from building it.
pub fn inspect(
    map: &mut SourceMap,
    file: FileId,
    interner: &mut Interner,
    entry: Option<&str>,
    weights: Option<&std::path::Path>,
) -> Result<host::inspect::Report, Vec<Diagnostic>> {
    let file_start = map.get(file).span().start;
    let (mut evaluated, selected) = evaluate_entry(map, file, interner, entry)?;
    let Some(root) = selected.root_module() else {
        let d = Diagnostic::new(
            diag::Code::E5007,
            source::Span::point(file_start),
            format!("`{}` is not a module", selected.name),
        )
        .label("inspect shows modules; this entry is a function");
        return Err(vec![d]);
    };
    if let Some(path) = weights {
        load_weights(&root, path)?;
    }
    host::inspect::report(&mut evaluated.host, &selected.name, &root, root.created_at).map_err(|flow| {
        evaluated.host.report(flow);
        evaluated.take_diagnostics()
    })
}

/// Reads a weights file and loads it into the entry module (strict).
pub(crate) fn load_weights(
    root: &std::rc::Rc<host::value::Instance>,
    path: &std::path::Path,
) -> Result<usize, Vec<Diagnostic>> {
    let span = root.created_at;
    let stored = weights::read(path).map_err(|error| {
        vec![
            Diagnostic::new(diag::Code::E5008, span, format!("cannot load weights from `{}`", path.display()))
                .label("the weights were to be loaded into this module")
                .note(error.to_string()),
        ]
    })?;
    host::load::load_state(root, stored, true, span).map_err(|d| vec![*d])
}

/// A file as `compile`, `compile_ptl` and `run` start from it: evaluated,
/// checked (any error stops here), its weights loaded and its traces
/// recorded; with the warnings so far.
pub(crate) struct Prepared<'a> {
    pub evaluated: host::Evaluated<'a>,
    pub selected: host::Selected,
    pub warnings: Vec<Diagnostic>,
}

pub(crate) fn prepare<'a>(
    map: &'a mut SourceMap,
    file: FileId,
    interner: &'a mut Interner,
    entry: Option<&str>,
    weights: Option<&std::path::Path>,
    trace: bool,
) -> Result<Prepared<'a>, Vec<Diagnostic>> {
    let (mut evaluated, selected) = evaluate_entry(map, file, interner, entry)?;
    let mut warnings = script::check(&mut evaluated.host, &selected, false);
    if warnings.iter().any(Diagnostic::is_error) {
        diag::sort(&mut warnings);
        return Err(warnings);
    }
    if let (Some(path), Some(root)) = (weights, selected.root_module()) {
        load_weights(&root, path)?;
    }
    warnings.extend(trace::trace_entries(&mut evaluated.host)?);
    if trace {
        warnings.extend(trace::trace_root(&mut evaluated.host, &evaluated.globals, &selected)?);
    }
    Ok(Prepared { evaluated, selected, warnings })
}

/// The IR graph of the file's entry, when the script compiler handles all of
/// it (`None` otherwise, or when the file does not get that far).
pub fn entry_graph(map: &mut SourceMap, file: FileId, interner: &mut Interner) -> Option<ir::Function> {
    compile(map, file, interner, None, false, None).ok().map(|(f, _)| f)
}

/// `tsc compile`: the entry's compiled function, or the diagnostics that stop
/// it — every error `check` reports, or, for a file `check` accepts, where
/// this compiler gives up (E3010).
pub fn compile(
    map: &mut SourceMap,
    file: FileId,
    interner: &mut Interner,
    entry: Option<&str>,
    trace: bool,
    weights: Option<&std::path::Path>,
) -> Result<(ir::Function, Vec<Diagnostic>), Vec<Diagnostic>> {
    let file_start = map.get(file).span().start;
    let Prepared { mut evaluated, selected, warnings } = prepare(map, file, interner, entry, weights, trace)?;
    let function = script::entry_graph(&mut evaluated.host, &selected).map_err(|stop| {
        let span = stop.span_or(source::Span::point(file_start));
        vec![script::errors::cannot_compile_yet(span, script::errors::Purpose::Compile)]
    })?;
    Ok((function, warnings))
}

/// `tsc compile -o FILE.ptl`: the entry module as a lite-interpreter file,
/// written to `sink`,
/// with what the compile reports (warnings, graphs after passes), or the diagnostics that stop it (every error `check`
/// reports first).
pub fn compile_ptl<W: std::io::Write + std::io::Seek>(
    map: &mut SourceMap,
    file: FileId,
    interner: &mut Interner,
    entry: Option<&str>,
    weights: Option<&std::path::Path>,
    options: &export::Options,
    sink: W,
) -> Result<(W, export::Report), Vec<Diagnostic>> {
    let file_start = source::Span::point(map.get(file).span().start);
    let Prepared { mut evaluated, selected, warnings } = prepare(map, file, interner, entry, weights, options.trace)?;
    // The file's own `optimize_for_mobile(..., preserved_methods=[...])`.
    let mut options = options.clone();
    if let (Some(passes), host::value::Value::Entry(entry)) = (&mut options.optimize, &selected.value) {
        for name in &entry.preserved_methods {
            if !passes.preserve.contains(name) {
                passes.preserve.push(name.clone());
            }
        }
    }
    let options = &options;
    let mut report = export::Report { warnings, ..Default::default() };
    let sink =
        export::ptl(&mut evaluated.host, &selected, options, file_start, &mut report, sink).map_err(|d| vec![*d])?;
    Ok((sink, report))
}

/// Every function the file's entry compiles, each compiled or with why the
/// compiler stopped (see [`script::compile_all`]); `None` when the file does
/// not get that far.
#[allow(clippy::type_complexity)]
pub fn compile_all(
    map: &mut SourceMap,
    file: FileId,
    interner: &mut Interner,
) -> Option<Vec<(String, Result<ir::Function, script::Stop>)>> {
    let (mut evaluated, selected) = evaluate_entry(map, file, interner, None).ok()?;
    Some(script::compile_all(&mut evaluated.host, &selected))
}
