//! Export: the `.ptl` file PyTorch's lite interpreter loads
//! (ptl-format.md): the module object (`data.pkl` and its storages), one
//! bytecode function per exported method with its callees inlined
//! (`bytecode.pkl`), the versions, in one zip archive — what
//! `_save_for_lite_interpreter` writes for a scripted module.

pub mod archive;
pub mod bytecode;
pub mod object;
pub mod pickle;
pub mod source;

use std::collections::HashMap;
use std::rc::Rc;

use crate::diag::{Code, Diagnostic};
use crate::host::Selected;
use crate::host::eval::Host;
use crate::host::value::Instance;
use crate::ir::{Constant, Function, Graph, NodeId, ValueId};
use crate::ops::Default;
use crate::script::slots::submodule;
use crate::source::Span;
use pickle::{ListKind, Pickle, pickle};

pub struct Options {
    /// 5 to 8 (see [`bytecode::VERSIONS`]).
    pub bytecode_version: u32,
    /// The archive's folder name (PyTorch uses the output file's stem).
    pub prefix: String,
}

/// The `.ptl` bytes of the selected module with any warnings, or why it
/// cannot be written. `at` is where to point when the problem has no better
/// place.
pub fn ptl(
    host: &mut Host<'_>,
    selected: &Selected,
    options: &Options,
    at: Span,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<u8>, Box<Diagnostic>> {
    let Some(root) = selected.root_module() else {
        return Err(Box::new(
            Diagnostic::new(Code::E4003, at, format!("`{}` is a function, not a module", selected.name))
                .label("a .ptl file holds a module")
                .help("wrap the function in an `nn.Module` whose `forward` calls it, and compile that module"),
        ));
    };
    let gave_up = |at: Option<Span>, fallback: Span| {
        Box::new(
            Diagnostic::new(Code::E3010, at.unwrap_or(fallback), "tsc cannot compile this statement yet")
                .label("the script compiler stops here")
                .help("`tsc explain E3010` lists what the compiler handles today"),
        )
    };
    // `code/` needs every method of every submodule class; the bytecode
    // only what the model calls. Without the one, the file still runs.
    let sources = match source::sources(host, &root) {
        Ok(sources) => sources,
        Err(stopped) => {
            let mut warning = Diagnostic::new(
                Code::W4001,
                root.created_at,
                "writing the .ptl file without `code/`: torch.jit.load will not open it",
            )
            .label("a method of a submodule of this module does not compile yet")
            .note("the lite interpreter runs the bytecode, which holds every method the model calls")
            .help("`tsc explain W4001`");
            if let Some(at) = stopped {
                warning = warning.secondary(at, "the script compiler stops here");
            }
            warnings.push(warning);
            source::Sources::without_code(&root)
        }
    };
    let class = sources.names[&Rc::as_ptr(&root)].clone();
    let objects = object::objects(host, &root, &sources.names).map_err(|what| {
        Box::new(
            Diagnostic::new(
                Code::E4002,
                root.created_at,
                format!("cannot write the attribute {what} into a .ptl file"),
            )
            .label("this module holds it"),
        )
    })?;
    let version = options.bytecode_version;
    let mut functions = Vec::new();
    let mut operators_used = Vec::new();
    let mut memo = crate::script::InlineMemo::new();
    for unit in crate::script::module_methods(host, &root) {
        let function = crate::script::inlined(host, &unit, &mut memo).map_err(|at| gave_up(at, unit.def.name.span))?;
        let slots = attribute_slots(&function.graph, &root, &objects.slots);
        let code = bytecode::emit(&function.graph, &slots, version).map_err(|problem| {
            Diagnostic::new(
                Code::E4002,
                problem.span.unwrap_or(unit.def.name.span),
                "cannot export this to a .ptl file",
            )
            .label(format!("the lite interpreter cannot run {}", problem.what))
        })?;
        operators_used.extend(code.operators.iter().map(|o| o.name.clone()));
        let signature = crate::script::emit::signature(host, &unit);
        // (The signature lists `self` first.)
        let params: Vec<_> = signature.map(|s| s.params.into_iter().skip(1).collect()).unwrap_or_default();
        functions.push(function_tuple(&class, &function, &params, code, version));
    }
    let mut bytecode = vec![Pickle::Int(version as i64)];
    bytecode.extend(functions);
    let file_version = operators_used.iter().map(|name| operator_version(name)).max().unwrap_or(3).max(3);

    let weights: usize = objects.storages.records.iter().map(|(_, b)| b.len() + 128).sum();
    let mut archive = archive::Archive::with_capacity(&options.prefix, weights + (1 << 20));
    let write = |archive: &mut archive::Archive, name: &str, data: &[u8]| {
        archive
            .add(name, data)
            .map_err(|e| Box::new(Diagnostic::new(Code::E4002, at, format!("cannot build the archive: {e}"))))
    };
    for (key, bytes) in &objects.storages.records {
        write(&mut archive, &format!("data/{key}"), bytes)?;
    }
    write(&mut archive, "data.pkl", &pickle(&objects.root))?;
    for (path, text) in &sources.files {
        write(&mut archive, path, text.as_bytes())?;
    }
    write(&mut archive, "constants.pkl", &pickle(&Pickle::Tuple(Vec::new())))?;
    write(&mut archive, "bytecode.pkl", &pickle(&Pickle::Tuple(bytecode)))?;
    // PyTorch names the record `.data/version` from 6 on; readers take both.
    let version_record = if file_version >= 6 { ".data/version" } else { "version" };
    write(&mut archive, version_record, format!("{file_version}\n").as_bytes())?;
    write(&mut archive, "byteorder", b"little")?;
    archive.finish().map_err(|e| Box::new(Diagnostic::new(Code::E4002, at, format!("cannot build the archive: {e}"))))
}

/// The file-format version an operator needs (ptl-format.md §3.1): below
/// it, the loader wraps the operator in an upgrader with old semantics.
fn operator_version(name: &str) -> u32 {
    match name {
        "aten::div" | "aten::div_" => 4,
        "aten::full" => 5,
        "aten::linspace" => 8,
        "aten::logspace" => 9,
        "aten::gelu" => 10,
        _ => 3,
    }
}

/// The attribute slot of each `prim::GetAttr`/`prim::SetAttr`, following
/// module values from `self` (the first input) down the submodule tree.
fn attribute_slots(
    graph: &Graph,
    root: &Rc<Instance>,
    slots: &HashMap<*const Instance, Vec<String>>,
) -> HashMap<NodeId, usize> {
    let mut modules: HashMap<ValueId, Rc<Instance>> = HashMap::new();
    if let Some(&this) = graph.block(graph.top).params.first() {
        modules.insert(this, root.clone());
    }
    let mut out = HashMap::new();
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != "prim::GetAttr" && node.kind != "prim::SetAttr" {
            continue;
        }
        let (Some(instance), crate::ir::Attr::Name(name)) = (modules.get(&node.inputs[0]).cloned(), &node.attr) else {
            continue;
        };
        if let Some(slot) = slots.get(&Rc::as_ptr(&instance)).and_then(|names| names.iter().position(|s| s == name)) {
            out.insert(n, slot);
        }
        let child =
            instance.module.borrow().as_ref().and_then(|state| state.modules.get(name)).and_then(|v| submodule(&v));
        if let (Some(child), "prim::GetAttr") = (child, node.kind.as_str()) {
            modules.insert(node.outputs[0], child);
        }
    }
    out
}

fn row(name: &str, value: Pickle) -> Pickle {
    Pickle::Tuple(vec![Pickle::Str(name.into()), value])
}

/// `(name, code table, schema)` for `bytecode.pkl` (ptl-format.md §6.1).
fn function_tuple(
    class: &str,
    function: &Function,
    params: &[(String, crate::types::Type, Option<Default>)],
    code: bytecode::Code,
    version: u32,
) -> Pickle {
    let instructions = code
        .instructions
        .iter()
        .map(|i| Pickle::Tuple(vec![Pickle::Str(i.op.into()), Pickle::Int(i.x), Pickle::Int(i.n)]))
        .collect();
    let operators = code
        .operators
        .iter()
        .map(|o| {
            let mut entry = vec![Pickle::Str(o.name.clone()), Pickle::Str(o.overload.clone())];
            if version >= 6
                && let Some(n) = o.num_args
            {
                entry.push(Pickle::Int(n));
            }
            Pickle::Tuple(entry)
        })
        .collect();
    let constants = code.constants.iter().map(constant).collect();
    let types = code.types.iter().map(|t| Pickle::Str(t.clone())).collect();
    let table = Pickle::Tuple(vec![
        row("instructions", Pickle::Tuple(instructions)),
        row("operators", Pickle::Tuple(operators)),
        row("constants", Pickle::Tuple(constants)),
        row("types", Pickle::Tuple(types)),
        row("register_size", Pickle::Int(code.register_size)),
    ]);
    let argument = |name: &str, ty: String, default: Pickle| {
        Pickle::Tuple(vec![
            row("name", Pickle::Str(name.into())),
            row("type", Pickle::Str(ty)),
            row("default_value", default),
        ])
    };
    let mut arguments = vec![argument("self", class.to_string(), Pickle::None)];
    for (name, ty, default) in params {
        arguments.push(argument(name, ty.to_string(), default.as_ref().map_or(Pickle::None, default_value)));
    }
    let returns: Vec<Pickle> = function
        .graph
        .block(function.graph.top)
        .returns
        .iter()
        .map(|&v| argument("", function.graph.value(v).ty.to_string(), Pickle::None))
        .collect();
    let schema =
        Pickle::Tuple(vec![row("arguments", Pickle::Tuple(arguments)), row("returns", Pickle::Tuple(returns))]);
    Pickle::Tuple(vec![Pickle::Str(format!("{class}.{}", function.name)), table, schema])
}

fn constant(c: &Constant) -> Pickle {
    match c {
        Constant::None => Pickle::None,
        Constant::Bool(b) => Pickle::Bool(*b),
        Constant::Int(i) => Pickle::Int(*i),
        Constant::Float(f) => Pickle::Float(*f),
        Constant::Str(s) => Pickle::Str(s.clone()),
        Constant::Device(d) => Pickle::Device(d.clone()),
    }
}

fn default_value(d: &Default) -> Pickle {
    match d {
        Default::None | Default::Ident(_) => Pickle::None,
        Default::Bool(b) => Pickle::Bool(*b),
        Default::Int(i) => Pickle::Int(*i),
        Default::Float(f) => Pickle::Float(*f),
        Default::Str(s) => Pickle::Str(s.clone()),
        Default::IntList(items) => {
            Pickle::SpecializedList(ListKind::Int, items.iter().map(|i| Pickle::Int(*i)).collect())
        }
        Default::FloatList(items) => {
            Pickle::SpecializedList(ListKind::Float, items.iter().map(|f| Pickle::Float(*f)).collect())
        }
        Default::BoolList(items) => {
            Pickle::SpecializedList(ListKind::Bool, items.iter().map(|b| Pickle::Bool(*b)).collect())
        }
        Default::EmptyList => Pickle::TaggedList { items: Vec::new(), tag: "List[int]".into() },
    }
}
