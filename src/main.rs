//! `tsc`: the command line. Parsing arguments, reading files, rendering
//! diagnostics and choosing the exit code; everything else is in the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// Linux only (mmap with transparent huge pages); elsewhere, or with the
// `system-alloc` feature, the system allocator.
#[cfg(all(target_os = "linux", not(feature = "system-alloc")))]
mod alloc;

#[cfg(all(target_os = "linux", not(feature = "system-alloc")))]
#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

use tsy::diag::{self, Code, Diagnostic};
use tsy::source::{FileId, SourceMap, Span};
use tsy::syntax::Interner;

#[derive(Parser)]
#[command(name = "tsc", version, about = "A toolchain for a TorchScript subset of Python", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The most memory one list, string or tensor may take (bytes, or with a unit: 512MB,
    /// 8GiB); a larger one is an error at the expression that builds it, not an abort
    #[arg(long, global = true, value_parser = tsy::budget::parse, default_value = "4GiB")]
    max_memory: u64,
    /// A folder the model's own modules are imported from, after the model file's (as on
    /// Python's `sys.path`); repeatable
    #[arg(long = "path", global = true, value_name = "FOLDER")]
    path: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Report every problem in the files at once (exit 0: clean, 1: errors, 2: usage or I/O error)
    Check {
        /// The .tsy files to check
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How to print diagnostics
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// When to colour human-readable output (NO_COLOR is respected)
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
        /// For a call no overload accepts, list every overload's reason (default: the closest three)
        #[arg(long)]
        verbose: bool,
        /// Apply every machine-applicable fix to the files, then report what remains
        #[arg(long)]
        fix: bool,
        /// Print the fixes as a unified diff instead of writing them (exit 1 if there is one)
        #[arg(long, conflicts_with = "fix")]
        diff: bool,
    },
    /// Show the entry module as `print(model)` does, and its state_dict (names, shapes, dtypes);
    /// for a .ptl file, its versions, records and disassembled bytecode
    ///
    /// A file ending in `.ptl`, or starting like a zip archive, is read as a lite-interpreter
    /// model (ours or PyTorch's); anything else as a .tsy file. A file that is not a valid .ptl
    /// is reported as E4001 (exit 1).
    Inspect {
        /// The .tsy or .ptl file
        file: PathBuf,
        /// The module-level name of the module to show (default: the last scripted, traced or
        /// optimized entry, else the last module instance); .tsy only
        #[arg(long)]
        entry: Option<String>,
        /// Load this state_dict (safetensors, or a `torch.save` file) into the entry module first;
        /// .tsy only
        #[arg(long)]
        weights: Option<PathBuf>,
        /// .ptl only: print just the root operators, as `torch.jit.mobile._export_operator_list`
        /// returns them (sorted `name.overload`, `name` for the default overload), one per line
        /// (a JSON array with `--format json`): what a selective mobile build must keep
        #[arg(long)]
        ops: bool,
        /// human, short or json. For a .tsy: {"entry", "repr", "modules", "state": [{"name",
        /// "shape", "dtype", "kind"}], "parameters"}. For a .ptl (short: one line): {"file",
        /// "file_size", "archive", "bytecode_version", "operator_version",
        /// "operator_version_record", "missing_records", "records": [{"name", "size", "compressed_size",
        /// "compression"}], "functions": [{"name", "schema": {"arguments", "returns": [{"name",
        /// "type", "default"}]} or null, "register_size", "operators": [{"name", "overload",
        /// "num_specified_args"}], "constants": [{"summary", "value": {"kind", "value"}}],
        /// "types", "instructions": [{"pc", "opcode", "x", "n", "comment"}]}], "root_operators",
        /// "constants": {"count", "tensors", "objects"}, "storages": [{"key", "record", "dtype",
        /// "numel", "device", "bytes"}]} (README.md has the details); diagnostics in the same
        /// format (short: one line each)
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// When to colour diagnostics (NO_COLOR is respected)
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Compile the entry to a lite-interpreter .ptl file, or print its TorchScript graph or code
    Compile {
        /// The .tsy file
        file: PathBuf,
        /// What to produce: ptl (a file for `_load_for_lite_interpreter`), graph (as
        /// `scripted.graph` prints it) or code (as `scripted.code` prints it)
        #[arg(long, value_enum, default_value_t = Emit::Ptl)]
        emit: Emit,
        /// Where to write (written whole, or not at all). Default: stdout for graph and code,
        /// `<file stem>.ptl` in the current directory for ptl
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Load this state_dict (safetensors, or a `torch.save` file) into the entry module first
        #[arg(long)]
        weights: Option<PathBuf>,
        /// The bytecode version to write: 8 (PyTorch 1.12 and later runtimes), down to 5 for
        /// older Android/iOS runtimes
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(5..=8))]
        bytecode_version: u32,
        /// Write the module as scripted (what `_save_for_lite_interpreter` writes), without the
        /// mobile passes of `optimize_for_mobile`
        #[arg(long)]
        no_optimize: bool,
        /// Switch a mobile pass off (PyTorch's optimization_blocklist); may be repeated
        #[arg(long, value_enum)]
        skip: Vec<SkipPass>,
        /// Print the graph (to stderr) after this stage of the mobile passes: freeze,
        /// conv-bn-fusion, remove-dropout, prepack, fuse-add-relu, final; may be repeated
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(tsy::passes::STAGES))]
        print_after: Vec<String>,
        /// Print the graph after every stage of the mobile passes
        #[arg(long)]
        print_after_all: bool,
        /// Keep this method besides `forward` (optimized too); like optimize_for_mobile's
        /// preserved_methods, other methods are dropped; may be repeated
        #[arg(long)]
        preserve_method: Vec<String>,
        /// Trace the entry module on the file's `example_inputs` (as `torch.jit.trace` would)
        /// instead of scripting it
        #[arg(long)]
        trace: bool,
        /// The module-level name of the module or function to compile (default: the last
        /// scripted, traced or optimized entry, else the last module instance)
        #[arg(long)]
        entry: Option<String>,
        /// How to print diagnostics
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// When to colour diagnostics (NO_COLOR is respected)
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Compile the entry (optimized, as `compile` does) and run it in tsy's reference interpreter
    Run {
        /// The .tsy file
        file: PathBuf,
        /// Inputs as a safetensors file with tensors `input0`, `input1`, ... (an int, float or bool
        /// parameter takes a 0-dim tensor). Default: the traced entry's example inputs, or the
        /// file's module-level `example_inputs`
        #[arg(long)]
        inputs: Option<PathBuf>,
        /// Also write the outputs (`output0`, ...) to this safetensors file
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Load this state_dict (safetensors, or a `torch.save` file) into the entry module first
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Run the module as scripted, without the mobile passes
        #[arg(long)]
        no_optimize: bool,
        /// Switch a mobile pass off; may be repeated
        #[arg(long, value_enum)]
        skip: Vec<SkipPass>,
        /// Trace the entry module on its example inputs first, and run the trace
        #[arg(long)]
        trace: bool,
        /// The module-level name of the module or function to run
        #[arg(long)]
        entry: Option<String>,
        /// How to print diagnostics
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// When to colour diagnostics (NO_COLOR is respected)
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Serve the Language Server Protocol on stdin/stdout: diagnostics as you type, hover types,
    /// go to definition, quick fixes
    Lsp {
        /// Where to write the prelude's sources and the explanations editors open (read-only)
        #[arg(long)]
        docs: Option<PathBuf>,
    },
    /// Print the long explanation of a diagnostic code, with an example and the fix
    Explain {
        /// A code such as E1001
        code: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// rustc-style, with source excerpts
    Human,
    /// One line each: file:line:col: error[CODE]: message
    Short,
    /// A JSON array on stdout (schema in README.md)
    Json,
    /// GitHub Actions workflow commands on stdout, shown as annotations in pull requests
    Github,
    /// As human, with every label drawn as an arrow to its span (ariadne)
    Fancy,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Emit {
    /// A lite-interpreter file for `_load_for_lite_interpreter`
    Ptl,
    /// The entry's graph, as `scripted.graph` prints it
    Graph,
    /// The entry's TorchScript source, as `scripted.code` prints it
    Code,
    /// The .ptl file's bytecode, disassembled as `tsc inspect` shows it
    Bytecode,
}

/// The mobile passes `--skip` can switch off (PyTorch's MobileOptimizerType).
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum SkipPass {
    ConvBnFusion,
    Prepack,
    RemoveDropout,
    FuseAddRelu,
    HoistConvPackedParams,
}

impl SkipPass {
    fn pass(self) -> tsy::passes::Pass {
        match self {
            SkipPass::ConvBnFusion => tsy::passes::Pass::ConvBnFusion,
            SkipPass::Prepack => tsy::passes::Pass::Prepack,
            SkipPass::RemoveDropout => tsy::passes::Pass::RemoveDropout,
            SkipPass::FuseAddRelu => tsy::passes::Pass::FuseAddRelu,
            SkipPass::HoistConvPackedParams => tsy::passes::Pass::HoistConvPackedParams,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// The stack tsc runs on. The phases after parsing recurse once per level
/// of an expression, up to the parser's limit of 3000 (`E1015`), and
/// evaluated Python once per call up to its recursion limit (`E5006`);
/// the main thread's 8 MiB is not enough for either. Untouched pages cost
/// nothing.
const STACK_SIZE: usize = 256 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let worker = std::thread::Builder::new().name("tsc".into()).stack_size(STACK_SIZE).spawn(move || command(cli));
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => {
            eprintln!("error: cannot start tsc's thread: {error}");
            ExitCode::from(2)
        }
    }
}

fn command(cli: Cli) -> ExitCode {
    tsy::budget::set_limit(cli.max_memory);
    tsy::host::set_search_path(cli.path);
    match cli.command {
        Command::Check { files, format, color, verbose, fix, diff } => {
            if diff {
                return show_fixes(&files, verbose);
            }
            if fix && let Err(code) = apply_fixes(&files, verbose) {
                return code;
            }
            check(&files, format, color, verbose)
        }
        Command::Inspect { file, entry, weights, ops, format, color } => {
            if is_ptl(&file) {
                if entry.is_some() || weights.is_some() {
                    eprintln!("error: `--entry` and `--weights` apply to .tsy files, not to a .ptl");
                    return ExitCode::from(2);
                }
                inspect_ptl(&file, ops, format, color)
            } else if ops {
                eprintln!("error: `--ops` applies to .ptl files");
                ExitCode::from(2)
            } else {
                inspect(&file, entry.as_deref(), weights.as_deref(), format, color)
            }
        }
        Command::Compile {
            file,
            emit,
            output,
            weights,
            bytecode_version,
            no_optimize,
            skip,
            mut print_after,
            print_after_all,
            preserve_method,
            trace,
            entry,
            format,
            color,
        } => {
            if print_after_all {
                print_after.push("all".into());
            }
            if matches!(emit, Emit::Ptl | Emit::Bytecode) {
                let disassemble = emit == Emit::Bytecode;
                let optimize = (!no_optimize).then(|| tsy::passes::Options {
                    skip: skip.iter().map(|s| s.pass()).collect(),
                    preserve: preserve_method,
                });
                let target = Target { bytecode_version, optimize, disassemble, print_after, trace };
                compile_ptl(&file, output, target, weights.as_deref(), entry.as_deref(), format, color)
            } else {
                compile(&file, emit, output.as_deref(), (entry.as_deref(), trace, weights.as_deref()), format, color)
            }
        }
        Command::Run { file, inputs, output, weights, no_optimize, skip, trace, entry, format, color } => {
            let optimize = (!no_optimize)
                .then(|| tsy::passes::Options { skip: skip.iter().map(|s| s.pass()).collect(), preserve: Vec::new() });
            let options = tsy::run::Options {
                entry: entry.as_deref(),
                weights: weights.as_deref(),
                inputs: inputs.as_deref(),
                optimize,
                trace,
                stages: false,
            };
            run(&file, &options, output.as_deref(), format, color)
        }
        Command::Lsp { docs } => {
            let docs = docs.unwrap_or_else(tsy::lsp::docs::default_folder);
            let options = tsy::lsp::Options { docs, debounce: std::time::Duration::from_millis(150) };
            match tsy::lsp::stdio(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: tsc lsp: {error}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Explain { code } => explain(&code),
    }
}

/// One file in a fresh map, with what reading it reported.
fn open(path: &Path) -> Result<(SourceMap, FileId, Vec<Diagnostic>), ExitCode> {
    let mut map = SourceMap::new();
    let mut diagnostics = Vec::new();
    let file = load(&mut map, path, &mut diagnostics)?;
    Ok((map, file, diagnostics))
}

/// Reads a source file into the map; a file that is not UTF-8 is read
/// lossily and reported.
fn load(map: &mut SourceMap, path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Result<FileId, ExitCode> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("error: cannot read `{}`: {error}", path.display());
            return Err(ExitCode::from(2));
        }
    };
    let (text, invalid_at) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            (String::from_utf8_lossy(error.as_bytes()).into_owned(), Some(at))
        }
    };
    let file = map.add(path.display().to_string(), text);
    if let Some(at) = invalid_at {
        let offset = map.get(file).base + at as u32;
        diagnostics.push(
            Diagnostic::new(
                Code::E1009,
                Span::new(offset, offset + '\u{FFFD}'.len_utf8() as u32),
                "source file is not valid UTF-8",
            )
            .label("invalid UTF-8 starts here")
            .note("Python source files are read as UTF-8"),
        );
    }
    Ok(file)
}

fn check(files: &[PathBuf], format: Format, color: Color, verbose: bool) -> ExitCode {
    let mut map = SourceMap::new();
    let mut interner = Interner::new();
    let mut diagnostics = Vec::new();
    for path in files {
        let file = match load(&mut map, path, &mut diagnostics) {
            Ok(file) => file,
            Err(code) => return code,
        };
        diagnostics.extend(tsy::check_with(&mut map, file, &mut interner, verbose));
    }
    report(&map, diagnostics, format, color)
}

/// `--fix`: writes each file with its fixes applied, and says how many.
fn apply_fixes(files: &[PathBuf], verbose: bool) -> Result<(), ExitCode> {
    for path in files {
        let Some(text) = read_text(path)? else { continue };
        let fixed = tsy::fix::fix(&path.display().to_string(), &text, verbose);
        if fixed.applied == 0 {
            continue;
        }
        if let Err(error) = write_atomically(path, fixed.text.as_bytes()) {
            eprintln!("error: cannot write `{}`: {error}", path.display());
            return Err(ExitCode::from(2));
        }
        let s = if fixed.applied == 1 { "" } else { "es" };
        eprintln!("fixed {}: {} fix{s} applied", path.display(), fixed.applied);
    }
    Ok(())
}

/// `--diff`: the fixes as a unified diff on stdout; nothing is written.
fn show_fixes(files: &[PathBuf], verbose: bool) -> ExitCode {
    let mut changed = false;
    for path in files {
        let text = match read_text(path) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(code) => return code,
        };
        let name = path.display().to_string();
        let fixed = tsy::fix::fix(&name, &text, verbose);
        let diff = tsy::fix::unified_diff(&name, &text, &fixed.text);
        if std::io::stdout().write_all(diff.as_bytes()).is_err() {
            return ExitCode::from(2);
        }
        changed |= !diff.is_empty();
    }
    if changed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// A file's text for `--fix`; `None` when it is not UTF-8 (its E1009 is
/// reported by the check that follows, and nothing in it is fixed).
fn read_text(path: &Path) -> Result<Option<String>, ExitCode> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(String::from_utf8(bytes).ok()),
        Err(error) => {
            eprintln!("error: cannot read `{}`: {error}", path.display());
            Err(ExitCode::from(2))
        }
    }
}

/// Prints diagnostics in the chosen format; the exit code says whether any
/// was an error.
fn report(map: &SourceMap, mut diagnostics: Vec<Diagnostic>, format: Format, color: Color) -> ExitCode {
    diag::sort(&mut diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let rendered = match format {
        Format::Json => diag::render::json(map, &diagnostics),
        Format::Short => diag::render::short(map, &diagnostics),
        Format::Github => diag::github::github(map, &diagnostics),
        Format::Human | Format::Fancy => {
            let mut text = if matches!(format, Format::Fancy) {
                diag::fancy::fancy(map, &diagnostics, use_color(color))
            } else {
                diag::render::human(map, &diagnostics, use_color(color))
            };
            if errors > 0 {
                let s = if errors == 1 { "" } else { "s" };
                text.push_str(&format!("error: {errors} error{s} found\n"));
            }
            text
        }
    };
    let written = match format {
        Format::Human | Format::Fancy => std::io::stderr().write_all(rendered.as_bytes()),
        Format::Short | Format::Json | Format::Github => std::io::stdout().write_all(rendered.as_bytes()),
    };
    if written.is_err() {
        return ExitCode::from(2);
    }
    if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn inspect(path: &Path, entry: Option<&str>, weights: Option<&Path>, format: Format, color: Color) -> ExitCode {
    let mut interner = Interner::new();
    let (mut map, file, mut diagnostics) = match open(path) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    match tsy::inspect(&mut map, file, &mut interner, entry, weights) {
        Ok(report) => {
            let text = match format {
                Format::Json => serde_json::to_string_pretty(&report).expect("the report serializes") + "\n",
                Format::Human | Format::Short | Format::Github | Format::Fancy => tsy::host::inspect::human(&report),
            };
            if std::io::stdout().write_all(text.as_bytes()).is_err() {
                return ExitCode::from(2);
            }
            ExitCode::SUCCESS
        }
        Err(found) => {
            diagnostics.extend(found);
            report(&map, diagnostics, format, color)
        }
    }
}

/// Whether `tsc inspect` reads the file as a lite-interpreter model: by its
/// extension, or by the zip signature of its first bytes.
fn is_ptl(path: &Path) -> bool {
    use std::io::Read;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("ptl")) {
        return true;
    }
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    read.is_ok() && matches!(&magic, b"PK\x03\x04" | b"PK\x05\x06")
}

fn inspect_ptl(path: &Path, ops: bool, format: Format, color: Color) -> ExitCode {
    let shown = path.display().to_string();
    let model = match tsy::ptl::read(path) {
        Ok(model) => model,
        Err(tsy::ptl::PtlError::Io(error)) => {
            eprintln!("error: cannot read `{shown}`: {error}");
            return ExitCode::from(2);
        }
        Err(error) => {
            // The diagnostic points at the file itself: a binary file has no lines to show.
            let mut map = SourceMap::new();
            let file = map.add(shown.clone(), String::new());
            let diagnostic = error.diagnostic(map.get(file).span());
            return report(&map, vec![diagnostic], format, color);
        }
    };
    let text = match (ops, format) {
        (true, Format::Json) => pretty(&tsy::ptl::disasm::ops_json(&model)),
        (true, Format::Human | Format::Short | Format::Github | Format::Fancy) => tsy::ptl::disasm::ops_lines(&model),
        (false, Format::Json) => pretty(&tsy::ptl::disasm::json(&model, &shown)),
        (false, Format::Short | Format::Github) => tsy::ptl::disasm::short(&model, &shown),
        (false, Format::Human | Format::Fancy) => tsy::ptl::disasm::human(&model, &shown),
    };
    if std::io::stdout().write_all(text.as_bytes()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn pretty(value: &serde_json::Value) -> String {
    // A `Value` always serializes: its map keys are strings.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn compile(
    path: &Path,
    emit: Emit,
    output: Option<&Path>,
    (entry, trace, weights): (Option<&str>, bool, Option<&Path>),
    format: Format,
    color: Color,
) -> ExitCode {
    let mut interner = Interner::new();
    let (mut map, file, mut diagnostics) = match open(path) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let function = match tsy::compile(&mut map, file, &mut interner, entry, trace, weights) {
        Ok((function, warnings)) => {
            diagnostics.extend(warnings);
            function
        }
        Err(found) => {
            diagnostics.extend(found);
            return report(&map, diagnostics, format, color);
        }
    };
    let text = match emit {
        Emit::Graph => function.graph_text(Some(&map)),
        Emit::Code | Emit::Ptl | Emit::Bytecode => function.code(),
    };
    let written = match output {
        Some(out) => write_atomically(out, text.as_bytes()),
        None => std::io::stdout().write_all(text.as_bytes()),
    };
    if let Err(error) = written {
        let shown = output.map_or("stdout".into(), |p| p.display().to_string());
        eprintln!("error: cannot write `{shown}`: {error}");
        return ExitCode::from(2);
    }
    // Warnings of a successful compile still reach the user.
    if diagnostics.is_empty() { ExitCode::SUCCESS } else { report(&map, diagnostics, format, color) }
}

/// `tsc run FILE`: prints each output's shape, dtype and summary; writes
/// them with `-o`.
fn run(path: &Path, options: &tsy::run::Options<'_>, output: Option<&Path>, format: Format, color: Color) -> ExitCode {
    let mut interner = Interner::new();
    let (mut map, file, mut diagnostics) = match open(path) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let outputs = match tsy::run::run(&mut map, file, &mut interner, options) {
        Ok(outputs) => outputs,
        Err(found) => {
            diagnostics.extend(found);
            return report(&map, diagnostics, format, color);
        }
    };
    diagnostics.extend(outputs.warnings);
    for (name, value) in &outputs.values {
        println!("{}", tsy::run::describe(name, value));
    }
    if let Some(out) = output {
        let written = tsy::run::outputs_safetensors(&outputs.values)
            .and_then(|bytes| write_atomically(out, &bytes).map_err(|e| e.to_string()));
        if let Err(error) = written {
            eprintln!("error: cannot write `{}`: {error}", out.display());
            return ExitCode::from(2);
        }
    }
    if diagnostics.is_empty() { ExitCode::SUCCESS } else { report(&map, diagnostics, format, color) }
}

/// What kind of `.ptl` to write.
struct Target {
    bytecode_version: u32,
    optimize: Option<tsy::passes::Options>,
    /// Print the disassembly instead of writing the file.
    disassemble: bool,
    print_after: Vec<String>,
    trace: bool,
}

/// `tsc compile FILE [-o OUT.ptl]`: writes the lite-interpreter file, whole
/// or not at all; with `disassemble`, its disassembly instead (to stdout
/// unless `-o` says otherwise).
fn compile_ptl(
    path: &Path,
    output: Option<PathBuf>,
    target: Target,
    weights: Option<&Path>,
    entry: Option<&str>,
    format: Format,
    color: Color,
) -> ExitCode {
    let stem = path.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    let explicit_output = output.clone();
    let output = output.unwrap_or_else(|| PathBuf::from(format!("{stem}.ptl")));
    let prefix = output.file_stem().map_or(stem.clone(), |s| s.to_string_lossy().into_owned());
    let mut interner = Interner::new();
    let (mut map, file, mut diagnostics) = match open(path) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let Target { bytecode_version, optimize, disassemble, print_after, trace } = target;
    let options = tsy::export::Options { bytecode_version, optimize, print_after, prefix, trace };
    if disassemble {
        let sink = std::io::Cursor::new(Vec::new());
        let Some(sink) = take_report(
            tsy::compile_ptl(&mut map, file, &mut interner, entry, weights, &options, sink),
            &mut diagnostics,
        ) else {
            return report(&map, diagnostics, format, color);
        };
        let text = match tsy::ptl::read_bytes(sink.get_ref()) {
            Ok(model) => tsy::ptl::disasm::human(&model, &format!("{stem}.ptl")),
            Err(error) => {
                eprintln!("error: the written .ptl does not read back: {error}");
                return ExitCode::from(2);
            }
        };
        let written = match &explicit_output {
            Some(out) => write_atomically(out, text.as_bytes()),
            None => std::io::stdout().write_all(text.as_bytes()),
        };
        if let Err(error) = written {
            eprintln!("error: cannot write `{}`: {error}", output.display());
            return ExitCode::from(2);
        }
    } else {
        // Straight into a temporary file beside the output, renamed over it
        // once complete: never a partial file, an existing one untouched.
        let temporary = temporary_path(&output);
        let file_sink = match std::fs::File::create(&temporary) {
            Ok(f) => f,
            Err(error) => {
                eprintln!("error: cannot write `{}`: {error}", output.display());
                return ExitCode::from(2);
            }
        };
        let result = take_report(
            tsy::compile_ptl(&mut map, file, &mut interner, entry, weights, &options, file_sink),
            &mut diagnostics,
        );
        let renamed = match result {
            Some(f) => {
                drop(f);
                Some(std::fs::rename(&temporary, &output))
            }
            None => None,
        };
        match renamed {
            Some(Ok(())) => {}
            Some(Err(error)) => {
                let _ = std::fs::remove_file(&temporary);
                eprintln!("error: cannot write `{}`: {error}", output.display());
                return ExitCode::from(2);
            }
            None => {
                let _ = std::fs::remove_file(&temporary);
                if diagnostics.iter().any(Diagnostic::is_error) {
                    return report(&map, diagnostics, format, color);
                }
                eprintln!("error: cannot write `{}`", output.display());
                return ExitCode::from(2);
            }
        }
    }
    if diagnostics.is_empty() { ExitCode::SUCCESS } else { report(&map, diagnostics, format, color) }
}

/// The written sink of a `.ptl` compile, its warnings and printed stages
/// shown; `None` when it failed (the diagnostics say why).
fn take_report<W>(
    result: Result<(W, tsy::export::Report), Vec<Diagnostic>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<W> {
    match result {
        Ok((sink, report)) => {
            diagnostics.extend(report.warnings);
            for (stage, graph) in report.stages {
                eprintln!("// graph after {stage}\n{graph}");
            }
            Some(sink)
        }
        Err(found) => {
            diagnostics.extend(found);
            None
        }
    }
}

/// Where `path` is written before it is renamed into place.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path.file_name().map_or("output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.tsc-{}", std::process::id()))
}

/// Writes a temporary file beside `path` and renames it over `path`, so a
/// failure never leaves a partial file and never touches an existing one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_path(path);
    let result = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn use_color(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal(),
    }
}

fn explain(code: &str) -> ExitCode {
    match Code::parse(code) {
        Some(code) => {
            // A fence's info string after the language (`python,compile_fail`)
            // marks the example for tests/explain.rs; the reader needs only the language.
            for line in code.explanation().lines() {
                let shown = if line.starts_with("```") { line.split(',').next().unwrap_or(line) } else { line };
                println!("{shown}");
            }
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: `{code}` is not a tsc diagnostic code");
            let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            eprintln!("note: known codes: {}", known.join(", "));
            ExitCode::from(2)
        }
    }
}
