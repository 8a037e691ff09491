//! Reading PyTorch lite-interpreter model files (`.ptl`), ours or
//! PyTorch's, into a typed model for `tsc inspect FILE.ptl`.
//!
//! A `.ptl` is a zip archive whose records all live in one folder (named by
//! the first entry); the program is `bytecode.pkl`, a protocol-2 pickle of
//! `(version, function...)` where each function is
//! `(name, code table, schema)` (see `docs/ptl-format.md` §2–§8).
//! Only the central directory, `bytecode.pkl` and the version record are
//! read, so inspecting a large model costs little. The pickle VM is the one
//! that reads `torch.save` files ([`crate::weights::pickle`]).
//!
//! Whatever the bytes, reading gives a [`Model`] or a [`PtlError`]: never a
//! panic, and no allocation beyond what the file's size justifies.

pub mod disasm;
pub mod value;

use std::collections::BTreeSet;
use std::io::{Read, Seek};

use zip::ZipArchive;
use zip::result::ZipError;

use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::weights::WeightsError;
use crate::weights::pickle;
use crate::weights::torch_save::read_record;
pub use value::{IValue, StorageRef, Tensor};

/// Everything `tsc inspect` shows about one `.ptl` file.
#[derive(Debug)]
pub struct Model {
    /// The file's length in bytes.
    pub file_size: u64,
    /// The folder every record lives in (`net` for `net/bytecode.pkl`).
    pub prefix: String,
    /// In archive (central directory) order.
    pub records: Vec<Record>,
    /// The first element of `bytecode.pkl`'s tuple; `None` when it is not an
    /// int (the loader then assumes 3, which it rejects).
    pub bytecode_version: Option<i64>,
    /// `.data/version` or `version`; `None` when both are missing.
    pub operator_version: Option<VersionRecord>,
    pub functions: Vec<Function>,
    /// Every storage the constants (and defaults) of `bytecode.pkl` refer
    /// to, each once, in order of first use.
    pub storages: Vec<Storage>,
}

#[derive(Debug)]
pub struct Record {
    /// Without the archive folder: `bytecode.pkl`, `constants/0.storage`.
    pub name: String,
    pub size: u64,
    pub compressed_size: u64,
    /// `stored`, `deflated`, or the zip crate's name of another method.
    pub compression: String,
}

/// The operator (file format) version record.
#[derive(Debug)]
pub struct VersionRecord {
    /// `.data/version` or `version`.
    pub record: String,
    /// The number, read as `std::stoull` reads it; `None` when the record
    /// does not start with digits (the loader rejects such a file).
    pub value: Option<u64>,
    /// The record's text, trimmed (at most 40 characters).
    pub text: String,
}

#[derive(Debug)]
pub struct Function {
    /// Qualified: `__torch__.models.Net.forward`.
    pub name: String,
    /// Absent only in bytecode version 4 files.
    pub schema: Option<Schema>,
    pub register_size: i64,
    pub operators: Vec<Operator>,
    pub constants: Vec<IValue>,
    pub types: Vec<String>,
    pub instructions: Vec<Instruction>,
}

#[derive(Debug)]
pub struct Schema {
    pub arguments: Vec<Argument>,
    pub returns: Vec<Argument>,
}

#[derive(Debug)]
pub struct Argument {
    pub name: String,
    pub type_name: String,
    /// The stored default; `None` (the pickled `None`) also stands for "no
    /// default" in the mobile schema.
    pub default: IValue,
}

/// One entry of a function's operator table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: String,
    /// `""` for the default overload.
    pub overload: String,
    /// How many arguments the bytecode pushes; `None` for the 2-tuples of
    /// bytecode version 5 and older (all arguments pushed).
    pub num_specified_args: Option<i64>,
}

impl Operator {
    /// `aten::add.Tensor`, or `aten::neg` for the default overload: the
    /// spelling of `torch.jit.mobile._export_operator_list`.
    pub fn qualified_name(&self) -> String {
        if self.overload.is_empty() { self.name.clone() } else { format!("{}.{}", self.name, self.overload) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub opcode: String,
    pub x: i64,
    pub n: i64,
}

/// A storage referenced from `bytecode.pkl`, with what the archive holds
/// for it.
#[derive(Debug)]
pub struct Storage {
    pub reference: StorageRef,
    /// Without the archive folder: `constants/0.storage`.
    pub record: String,
    /// The record's size; `None` when the archive lacks it.
    pub bytes: Option<u64>,
}

impl Model {
    /// The root operators of every function, as a sorted set of
    /// `name.overload` strings: what `torch.jit.mobile._export_operator_list`
    /// returns, and what a selective mobile build must keep.
    pub fn root_operators(&self) -> BTreeSet<String> {
        self.functions.iter().flat_map(|f| f.operators.iter().map(Operator::qualified_name)).collect()
    }

    /// The records the lite loader requires that the archive lacks:
    /// `data.pkl`, a version record, and the storages `bytecode.pkl` uses.
    pub fn missing_records(&self) -> Vec<String> {
        let has = |name: &str| self.records.iter().any(|r| r.name == name);
        let mut missing = Vec::new();
        if !has("data.pkl") {
            missing.push("data.pkl".to_string());
        }
        if self.operator_version.is_none() {
            missing.push("version".to_string());
        }
        missing.extend(self.storages.iter().filter(|s| s.bytes.is_none()).map(|s| s.record.clone()));
        missing
    }

    pub fn instruction_count(&self) -> usize {
        self.functions.iter().map(|f| f.instructions.len()).sum()
    }
}

/// Why a file is not a readable `.ptl`. Each message completes "this is not
/// a valid .ptl file: ...".
#[derive(Debug, thiserror::Error)]
pub enum PtlError {
    #[error("cannot read the file: {0}")]
    Io(std::io::Error),

    #[error("it is not a zip archive, or it is truncated ({})", zip_detail(.0))]
    NotZip(ZipError),

    #[error("it is a FlatBuffer model (bytecode version 9), which tsc does not read")]
    FlatBuffer,

    #[error("the zip archive has no records")]
    Empty,

    #[error("record `{name}` is not inside the archive's folder `{prefix}/` (the lite loader rejects such archives)")]
    OutsidePrefix { name: String, prefix: String },

    #[error("the archive has no `{name}` record, which holds the lite-interpreter program")]
    NoBytecode { name: String },

    #[error("record `{name}` declares {size} bytes, more than tsc reads ({limit})")]
    TooLarge { name: String, size: u64, limit: u64 },

    #[error("{0}")]
    Read(WeightsError),

    #[error("`{record}` is not laid out as a lite-interpreter program: {at}: {message}")]
    Layout { record: String, at: String, message: String },
}

fn zip_detail(e: &ZipError) -> String {
    match e {
        ZipError::InvalidArchive(message) => message.to_string(),
        other => other.to_string(),
    }
}

impl PtlError {
    /// The E4001 diagnostic, at `span` (the start of the file in its source
    /// map); the message carries the cause, so the short format has it too.
    pub fn diagnostic(&self, span: Span) -> Diagnostic {
        Diagnostic::new(Code::E4001, span, format!("not a valid .ptl file: {self}"))
            .label("in this file")
            .help("a .ptl file is a zip archive written by `_save_for_lite_interpreter`; `tsc explain E4001` says more")
    }
}

/// Largest `bytecode.pkl` tsc reads: real ones are kilobytes (tensor data
/// lives in other records); the cap keeps a deflate bomb from filling memory.
const MAX_BYTECODE: u64 = 256 << 20;
/// Largest version record read.
const MAX_VERSION: u64 = 1 << 10;

/// Reads the `.ptl` file at `path`.
pub fn read(path: &std::path::Path) -> Result<Model, PtlError> {
    let file = std::fs::File::open(path).map_err(PtlError::Io)?;
    let size = file.metadata().map_err(PtlError::Io)?.len();
    read_from(std::io::BufReader::new(file), size)
}

/// Reads a `.ptl` file held in memory.
pub fn read_bytes(bytes: &[u8]) -> Result<Model, PtlError> {
    read_from(std::io::Cursor::new(bytes), bytes.len() as u64)
}

fn read_from<R: Read + Seek>(mut reader: R, file_size: u64) -> Result<Model, PtlError> {
    let mut head = [0u8; 8];
    let got = read_head(&mut reader, &mut head).map_err(PtlError::Io)?;
    if got == 8 && &head[4..8] == b"PTMF" {
        return Err(PtlError::FlatBuffer);
    }
    reader.rewind().map_err(PtlError::Io)?;
    let mut archive = ZipArchive::new(reader).map_err(PtlError::NotZip)?;
    let records = records(&mut archive)?;
    let Some(first) = records.first() else {
        return Err(PtlError::Empty);
    };
    let Some((prefix, _)) = first.name.split_once('/') else {
        return Err(PtlError::OutsidePrefix { name: first.name.clone(), prefix: String::new() });
    };
    let prefix = prefix.to_string();
    let mut relative = Vec::with_capacity(records.len());
    for record in records {
        match record.name.strip_prefix(&prefix).and_then(|rest| rest.strip_prefix('/')) {
            Some(rest) => relative.push(Record { name: rest.to_string(), ..record }),
            None => return Err(PtlError::OutsidePrefix { name: record.name, prefix }),
        }
    }
    let records = relative;
    let file_len = usize::try_from(file_size).unwrap_or(usize::MAX);

    let operator_version = match [".data/version", "version"].into_iter().find(|n| records.iter().any(|r| r.name == *n))
    {
        Some(name) => {
            let bytes = read_limited(&mut archive, &prefix, name, &records, MAX_VERSION, file_len)?;
            let text = String::from_utf8_lossy(&bytes);
            let trimmed = text.trim();
            let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
            Some(VersionRecord {
                record: name.to_string(),
                value: digits.parse().ok(),
                text: trimmed.chars().take(40).collect(),
            })
        }
        None => None,
    };

    let bytecode_name = "bytecode.pkl";
    if !records.iter().any(|r| r.name == bytecode_name) {
        return Err(PtlError::NoBytecode { name: format!("{prefix}/{bytecode_name}") });
    }
    let pkl = read_limited(&mut archive, &prefix, bytecode_name, &records, MAX_BYTECODE, file_len)?;
    let full_name = format!("{prefix}/{bytecode_name}");
    let unpickled = pickle::unpickle(&pkl, &full_name).map_err(PtlError::Read)?;
    let layout = |at: &str, message: String| PtlError::Layout { record: full_name.clone(), at: at.into(), message };
    let budget = pkl.len().saturating_mul(16).saturating_add(100_000);
    let top = value::convert(&unpickled, budget).map_err(|m| layout("the pickle", m))?;
    let (bytecode_version, functions) = parse_bytecode(top).map_err(|(at, message)| layout(&at, message))?;

    // Before bytecode version 5 tensors of bytecode.pkl had their own folder.
    let tensor_dir = if records.iter().any(|r| r.name.contains("bytecode/")) { "bytecode/" } else { "constants/" };
    let mut storages: Vec<Storage> = Vec::new();
    for function in &functions {
        let defaults = function.schema.iter().flat_map(|s| s.arguments.iter().chain(&s.returns)).map(|a| &a.default);
        for value in function.constants.iter().chain(defaults) {
            visit_storages(value, &mut |reference| {
                if storages.iter().any(|s| s.reference.key == reference.key) {
                    return;
                }
                let record = format!("{tensor_dir}{}", reference.key);
                let bytes = records.iter().find(|r| r.name == record).map(|r| r.size);
                storages.push(Storage { reference: reference.clone(), record, bytes });
            });
        }
    }

    Ok(Model { file_size, prefix, records, bytecode_version, operator_version, functions, storages })
}

/// Fills `buf` from the start of the file as far as it goes.
fn read_head<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

fn records<R: Read + Seek>(archive: &mut ZipArchive<R>) -> Result<Vec<Record>, PtlError> {
    let mut out = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).map_err(|e| PtlError::Read(WeightsError::Zip(e)))?;
        let compression = match file.compression() {
            zip::CompressionMethod::Stored => "stored".to_string(),
            zip::CompressionMethod::Deflated => "deflated".to_string(),
            other => other.to_string().to_lowercase(),
        };
        out.push(Record {
            name: String::from_utf8_lossy(file.name_raw()).into_owned(),
            size: file.size(),
            compressed_size: file.compressed_size(),
            compression,
        });
    }
    Ok(out)
}

/// The bytes of record `name` (relative), refusing ones larger than `limit`.
fn read_limited<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    prefix: &str,
    name: &str,
    records: &[Record],
    limit: u64,
    file_len: usize,
) -> Result<Vec<u8>, PtlError> {
    let full = format!("{prefix}/{name}");
    if let Some(record) = records.iter().find(|r| r.name == name)
        && record.size > limit
    {
        return Err(PtlError::TooLarge { name: full, size: record.size, limit });
    }
    read_record(archive, &full, file_len).map_err(PtlError::Read)
}

fn visit_storages(value: &IValue, f: &mut dyn FnMut(&StorageRef)) {
    match value {
        IValue::Tensor(t) => {
            f(&t.storage);
            if let Some(q) = &t.quantizer {
                visit_storages(q, f);
            }
        }
        IValue::Storage(s) => f(s),
        IValue::Tuple(items) | IValue::List(items) | IValue::SpecializedList { items, .. } => {
            items.iter().for_each(|i| visit_storages(i, f));
        }
        IValue::Call { args, .. } => args.iter().for_each(|i| visit_storages(i, f)),
        IValue::Dict(entries) => entries.iter().for_each(|(k, v)| {
            visit_storages(k, f);
            visit_storages(v, f);
        }),
        IValue::Typed { value, .. } | IValue::Persistent(value) => visit_storages(value, f),
        IValue::Object { state: Some(state), .. } => visit_storages(state, f),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// The layout of bytecode.pkl (docs/ptl-format.md §6.1)

/// Where in `bytecode.pkl` a problem is, and what it is.
type LayoutError = (String, String);

fn items(value: &IValue) -> Option<&[IValue]> {
    match value {
        IValue::Tuple(items) | IValue::List(items) => Some(items),
        _ => None,
    }
}

/// What a value is, for messages: "an int", "a tuple of 2".
fn describe(value: &IValue) -> String {
    match value {
        IValue::None => "None".into(),
        IValue::Bool(_) => "a bool".into(),
        IValue::Int(_) | IValue::BigInt => "an int".into(),
        IValue::Float(_) => "a float".into(),
        IValue::Str(s) => format!("the string {}", value::py_str(s)),
        IValue::Tuple(items) => format!("a tuple of {}", items.len()),
        IValue::List(items) => format!("a list of {}", items.len()),
        IValue::Dict(_) | IValue::Typed { .. } => "a dict".into(),
        IValue::Object { class, .. } => format!("a `{class}` object"),
        other => format!("`{}`", other.summary().chars().take(60).collect::<String>()),
    }
}

fn expect_str(value: &IValue, at: &str, what: &str) -> Result<String, LayoutError> {
    match value {
        IValue::Str(s) => Ok(s.clone()),
        other => Err((at.to_string(), format!("{what} is {}, expected a string", describe(other)))),
    }
}

fn expect_int(value: &IValue, at: &str, what: &str) -> Result<i64, LayoutError> {
    match value {
        IValue::Int(i) => Ok(*i),
        other => Err((at.to_string(), format!("{what} is {}, expected an int", describe(other)))),
    }
}

fn expect_items<'v>(value: &'v IValue, at: &str, what: &str) -> Result<&'v [IValue], LayoutError> {
    items(value).ok_or_else(|| (at.to_string(), format!("{what} is {}, expected a tuple", describe(value))))
}

/// A `(name, value)` row at a fixed position whose name the loader asserts
/// (`expect_field` in PyTorch's `parse_bytecode.cpp`).
fn field<'v>(rows: &'v [IValue], index: usize, name: &str, at: &str) -> Result<&'v IValue, LayoutError> {
    let Some(row) = rows.get(index) else {
        return Err((at.to_string(), format!("row {index} (`{name}`) is missing")));
    };
    match items(row) {
        Some([IValue::Str(found), value]) if found == name => Ok(value),
        Some([IValue::Str(found), _]) => Err((at.to_string(), format!("row {index} is `{found}`, expected `{name}`"))),
        _ => Err((at.to_string(), format!("row {index} is {}, expected a (`{name}`, value) pair", describe(row)))),
    }
}

fn parse_bytecode(top: IValue) -> Result<(Option<i64>, Vec<Function>), LayoutError> {
    let top_items = expect_items(&top, "the top level", "the pickled value")?;
    let (version, entries) = match top_items.split_first() {
        Some((IValue::Int(v), rest)) => (Some(*v), rest),
        _ => (None, top_items),
    };
    let functions = entries.iter().enumerate().map(|(i, f)| parse_function(i, f)).collect::<Result<_, _>>()?;
    Ok((version, functions))
}

fn parse_function(index: usize, value: &IValue) -> Result<Function, LayoutError> {
    let at = format!("function {index}");
    let parts = expect_items(value, &at, "the function")?;
    let [name, code, rest @ ..] = parts else {
        return Err((at, format!("the function is a tuple of {}, expected (name, code, schema)", parts.len())));
    };
    let name = expect_str(name, &at, "the function's name")?;
    let at = format!("function {index} `{name}`");
    let code = expect_items(code, &at, "the code table")?;

    let instructions = expect_items(field(code, 0, "instructions", &at)?, &at, "`instructions`")?
        .iter()
        .enumerate()
        .map(|(pc, i)| match items(i) {
            Some([IValue::Str(opcode), IValue::Int(x), IValue::Int(n)]) => {
                Ok(Instruction { opcode: opcode.clone(), x: *x, n: *n })
            }
            _ => Err((at.clone(), format!("instruction {pc} is {}, expected (opcode, X, N)", describe(i)))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let operators = expect_items(field(code, 1, "operators", &at)?, &at, "`operators`")?
        .iter()
        .enumerate()
        .map(|(k, o)| match items(o) {
            Some([IValue::Str(name), IValue::Str(overload)]) => {
                Ok(Operator { name: name.clone(), overload: overload.clone(), num_specified_args: None })
            }
            Some([IValue::Str(name), IValue::Str(overload), IValue::Int(n), ..]) => {
                Ok(Operator { name: name.clone(), overload: overload.clone(), num_specified_args: Some(*n) })
            }
            _ => Err((
                at.clone(),
                format!("operator {k} is {}, expected (name, overload, num_specified_args)", describe(o)),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let constants = expect_items(field(code, 2, "constants", &at)?, &at, "`constants`")?.to_vec();
    let types = expect_items(field(code, 3, "types", &at)?, &at, "`types`")?
        .iter()
        .enumerate()
        .map(|(k, t)| expect_str(t, &at, &format!("type {k}")))
        .collect::<Result<Vec<_>, _>>()?;
    let register_size = expect_int(field(code, 4, "register_size", &at)?, &at, "`register_size`")?;

    let schema = match rest.first() {
        None => None,
        Some(schema) => {
            let rows = expect_items(schema, &at, "the schema")?;
            let arguments = arguments_of(field(rows, 0, "arguments", &at)?, &at, "argument")?;
            let returns = arguments_of(field(rows, 1, "returns", &at)?, &at, "return value")?;
            Some(Schema { arguments, returns })
        }
    };
    Ok(Function { name, schema, register_size, operators, constants, types, instructions })
}

fn arguments_of(value: &IValue, at: &str, what: &str) -> Result<Vec<Argument>, LayoutError> {
    expect_items(value, at, &format!("the {what}s"))?
        .iter()
        .enumerate()
        .map(|(k, arg)| {
            let here = format!("{at}, {what} {k}");
            let rows = expect_items(arg, &here, &format!("the {what}"))?;
            Ok(Argument {
                name: expect_str(field(rows, 0, "name", &here)?, &here, "its name")?,
                type_name: expect_str(field(rows, 1, "type", &here)?, &here, "its type")?,
                default: field(rows, 2, "default_value", &here)?.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
