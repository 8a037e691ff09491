//! Rendering a read `.ptl` [`Model`]: the human disassembly (`pc: OPCODE X
//! N  # comment`, as docs/ptl-format.md §9 shows it), a one-line summary, the JSON
//! document and the root operator list of `--ops`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use super::{Argument, Function, IValue, Instruction, Model};

/// How long a constant may get in an instruction's comment.
const COMMENT_WIDTH: usize = 72;

/// What an instruction refers to, for its comment: the operator of `OP`,
/// the constant of `LOADC`, the target of a jump, the type of a
/// constructor. `None` for instructions whose operands speak for themselves.
pub fn comment(function: &Function, pc: usize, instruction: &Instruction) -> Option<String> {
    let Instruction { opcode, x, n } = instruction;
    let index = usize::try_from(*x).ok();
    let operator = |k: Option<usize>| match k.and_then(|k| function.operators.get(k)) {
        Some(op) => op.qualified_name(),
        None => format!("no operator {x}"),
    };
    let constant = |k: Option<usize>| match k.and_then(|k| function.constants.get(k)) {
        Some(c) => cut(&c.summary(), COMMENT_WIDTH),
        None => format!("no constant {x}"),
    };
    let type_at = |k: Option<usize>| match k.and_then(|k| function.types.get(k)) {
        Some(t) => t.clone(),
        None => format!("no type {}", k.map_or(x.to_string(), |k| k.to_string())),
    };
    Some(match opcode.as_str() {
        "OP" => operator(index),
        "OPN" => format!("{} ({n} inputs)", operator(index)),
        "LOADC" => constant(index),
        "JF" | "JMP" | "LOOP" => format!("-> {}", (pc as i64).saturating_add(*x)),
        "LIST_CONSTRUCT" | "DICT_CONSTRUCT" | "NAMED_TUPLE_CONSTRUCT" | "CREATE_OBJECT" => {
            format!("type {}", type_at(index))
        }
        "ISINSTANCE" => {
            let count = usize::try_from(*n).unwrap_or(0).min(function.types.len() + 1);
            let types: Vec<String> = (0..count).map(|k| type_at(index.map(|i| i + k))).collect();
            format!("types {}", types.join(" | "))
        }
        "INTERFACE_CALL" => format!("method {} ({n} args)", constant(index)),
        _ => return None,
    })
}

/// `s` cut to `width` characters, marked with `...`.
fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width).collect();
    out.push_str("...");
    out
}

fn argument(a: &Argument) -> String {
    let mut out = format!("{}: {}", a.name, a.type_name);
    if a.default != IValue::None {
        let _ = write!(out, " = {}", a.default.summary());
    }
    out
}

fn returns(a: &[Argument]) -> String {
    if a.is_empty() {
        return "(none)".into();
    }
    let shown: Vec<String> = a
        .iter()
        .map(|r| if r.name.is_empty() { r.type_name.clone() } else { format!("{}: {}", r.name, r.type_name) })
        .collect();
    match shown.len() {
        1 => shown.join(""),
        _ => format!("({})", shown.join(", ")),
    }
}

/// Counts over every function's constant table: tensors and objects (by
/// class), looking inside tuples, lists, dicts and object states.
struct ConstantStats {
    count: usize,
    tensors: usize,
    objects: BTreeMap<String, usize>,
}

fn constant_stats(model: &Model) -> ConstantStats {
    fn visit(value: &IValue, stats: &mut ConstantStats) {
        match value {
            IValue::Tensor(_) => stats.tensors += 1,
            IValue::Object { class, state } => {
                *stats.objects.entry(class.clone()).or_default() += 1;
                if let Some(state) = state {
                    visit(state, stats);
                }
            }
            IValue::Tuple(items) | IValue::List(items) | IValue::SpecializedList { items, .. } => {
                items.iter().for_each(|i| visit(i, stats));
            }
            IValue::Dict(entries) => entries.iter().for_each(|(k, v)| {
                visit(k, stats);
                visit(v, stats);
            }),
            IValue::Typed { value, .. } => visit(value, stats),
            IValue::Call { args, .. } => args.iter().for_each(|i| visit(i, stats)),
            _ => {}
        }
    }
    let mut stats = ConstantStats { count: 0, tensors: 0, objects: BTreeMap::new() };
    for function in &model.functions {
        stats.count += function.constants.len();
        function.constants.iter().for_each(|c| visit(c, &mut stats));
    }
    stats
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

fn operator_version_text(model: &Model) -> String {
    match &model.operator_version {
        Some(v) => match v.value {
            Some(value) => format!("{value} (record `{}`)", v.record),
            None => format!("unreadable: record `{}` holds {:?}", v.record, v.text),
        },
        None => "missing (neither `.data/version` nor `version`; the lite loader requires one)".into(),
    }
}

/// The human form: header, records, each function's tables and
/// disassembly, then the constants and storages.
pub fn human(model: &Model, path: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{path}: lite-interpreter model, {} bytes", model.file_size);
    let _ = writeln!(out, "archive folder:   {}/", model.prefix);
    let version = model.bytecode_version.map_or("not given (the loader assumes 3)".to_string(), |v| v.to_string());
    let _ = writeln!(out, "bytecode version: {version}");
    let _ = writeln!(out, "operator version: {}", operator_version_text(model));
    let missing = model.missing_records();
    if !missing.is_empty() {
        let _ = writeln!(out, "missing records:  {} (the lite loader requires them)", missing.join(", "));
    }

    let _ = writeln!(out, "\nrecords ({}, in archive order):", model.records.len());
    let size_width = model.records.iter().map(|r| r.size.to_string().len()).max().unwrap_or(4).max(4);
    let _ = writeln!(out, "  {:>size_width$}  {:<8}  name", "size", "method");
    for r in &model.records {
        let _ = writeln!(out, "  {:>size_width$}  {:<8}  {}", r.size, r.compression, r.name);
    }

    for function in &model.functions {
        let _ = writeln!(out, "\nfunction {}", function.name);
        match &function.schema {
            Some(schema) => {
                let args: Vec<String> = schema.arguments.iter().map(argument).collect();
                let args = if args.is_empty() { "(none)".to_string() } else { args.join(", ") };
                let _ = writeln!(out, "  arguments: {args}");
                let _ = writeln!(out, "  returns:   {}", returns(&schema.returns));
            }
            None => {
                let _ = writeln!(out, "  schema:    none (allowed in bytecode version 4 only)");
            }
        }
        let _ = writeln!(out, "  register_size: {}", function.register_size);
        let _ = writeln!(out, "  operators ({}):", function.operators.len());
        for (i, op) in function.operators.iter().enumerate() {
            let nargs = op.num_specified_args.map_or(String::new(), |n| format!(", {n}"));
            let _ = writeln!(
                out,
                "    {i:>3}  ({}, {}{nargs})",
                super::value::py_str(&op.name),
                super::value::py_str(&op.overload)
            );
        }
        let _ = writeln!(out, "  constants ({}):", function.constants.len());
        for (i, c) in function.constants.iter().enumerate() {
            let _ = writeln!(out, "    {i:>3}  {}", c.summary());
        }
        let _ = writeln!(out, "  types ({}):", function.types.len());
        for (i, t) in function.types.iter().enumerate() {
            let _ = writeln!(out, "    {i:>3}  {t}");
        }
        let _ = writeln!(out, "  instructions ({}):", function.instructions.len());
        for (pc, instruction) in function.instructions.iter().enumerate() {
            let _ = write!(out, "    {pc:>4}: {:<22} {:>4} {:>3}", instruction.opcode, instruction.x, instruction.n);
            if let Some(comment) = comment(function, pc, instruction) {
                let _ = write!(out, "  # {comment}");
            }
            out.push('\n');
        }
    }

    let stats = constant_stats(model);
    let _ = write!(
        out,
        "\nconstants: {} in {}; {}",
        stats.count,
        plural(model.functions.len(), "function"),
        plural(stats.tensors, "tensor")
    );
    for (class, n) in &stats.objects {
        let _ = write!(out, "; {n} × {class}");
    }
    out.push('\n');
    let total: u64 = model.storages.iter().filter_map(|s| s.bytes).sum();
    let _ = writeln!(out, "storages ({}, {total} bytes):", model.storages.len());
    let record_width = model.storages.iter().map(|s| s.record.len()).max().unwrap_or(0);
    let sizes: Vec<String> = model
        .storages
        .iter()
        .map(|s| match (s.bytes, s.reference.nbytes()) {
            (None, _) => "missing".to_string(),
            (Some(b), Some(expected)) if b < expected => format!("{b} bytes, short of {expected}"),
            (Some(b), _) => format!("{b} bytes"),
        })
        .collect();
    let size_width = sizes.iter().map(String::len).max().unwrap_or(0);
    for (s, size) in model.storages.iter().zip(&sizes) {
        let reference = &s.reference;
        let _ = writeln!(
            out,
            "  {:<record_width$}  {size:>size_width$}  ({} × {} on {})",
            s.record,
            reference.numel,
            reference.dtype_short(),
            reference.device
        );
    }
    let ops: Vec<String> = model.root_operators().into_iter().collect();
    let _ = writeln!(out, "root operators ({}): {}", ops.len(), ops.join(", "));
    out
}

/// One line: what the file is and how big its program is.
pub fn short(model: &Model, path: &str) -> String {
    let version = model.bytecode_version.map_or("?".to_string(), |v| v.to_string());
    let operator_version =
        model.operator_version.as_ref().and_then(|v| v.value).map_or("?".to_string(), |v| v.to_string());
    format!(
        "{path}: .ptl bytecode v{version}, operator version {operator_version}, {}, {}, {}, {}, {}\n",
        plural(model.functions.len(), "function"),
        plural(model.instruction_count(), "instruction"),
        plural(model.root_operators().len(), "root operator"),
        plural(model.records.len(), "record"),
        plural(model.storages.len(), "storage"),
    )
}

/// `--ops`: one root operator per line (`name.overload`, sorted).
pub fn ops_lines(model: &Model) -> String {
    model.root_operators().into_iter().map(|op| op + "\n").collect()
}

/// `--ops --format json`: the root operators as a JSON array.
pub fn ops_json(model: &Model) -> Value {
    json!(model.root_operators().into_iter().collect::<Vec<_>>())
}

fn argument_json(a: &Argument) -> Value {
    let default = if a.default == IValue::None { Value::Null } else { json!(a.default) };
    json!({"name": a.name, "type": a.type_name, "default": default})
}

/// The JSON document; its schema is in `tsc inspect --help` and README.md.
pub fn json(model: &Model, path: &str) -> Value {
    let stats = constant_stats(model);
    let functions: Vec<Value> = model
        .functions
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "schema": f.schema.as_ref().map(|s| json!({
                    "arguments": s.arguments.iter().map(argument_json).collect::<Vec<_>>(),
                    "returns": s.returns.iter().map(argument_json).collect::<Vec<_>>(),
                })),
                "register_size": f.register_size,
                "operators": f.operators.iter().map(|o| json!({
                    "name": o.name,
                    "overload": o.overload,
                    "num_specified_args": o.num_specified_args,
                })).collect::<Vec<_>>(),
                "constants": f.constants.iter().map(|c| json!({"summary": c.summary(), "value": c})).collect::<Vec<_>>(),
                "types": f.types,
                "instructions": f.instructions.iter().enumerate().map(|(pc, i)| json!({
                    "pc": pc,
                    "opcode": i.opcode,
                    "x": i.x,
                    "n": i.n,
                    "comment": comment(f, pc, i),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "file": path,
        "file_size": model.file_size,
        "archive": model.prefix,
        "bytecode_version": model.bytecode_version,
        "operator_version": model.operator_version.as_ref().and_then(|v| v.value),
        "operator_version_record": model.operator_version.as_ref().map(|v| &v.record),
        "missing_records": model.missing_records(),
        "records": model.records.iter().map(|r| json!({
            "name": r.name,
            "size": r.size,
            "compressed_size": r.compressed_size,
            "compression": r.compression,
        })).collect::<Vec<_>>(),
        "functions": functions,
        "root_operators": model.root_operators().into_iter().collect::<Vec<_>>(),
        "constants": {"count": stats.count, "tensors": stats.tensors, "objects": stats.objects},
        "storages": model.storages.iter().map(|s| json!({
            "key": s.reference.key,
            "record": s.record,
            "dtype": s.reference.dtype,
            "numel": s.reference.numel,
            "device": s.reference.device,
            "bytes": s.bytes,
        })).collect::<Vec<_>>(),
    })
}
