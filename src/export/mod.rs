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
use crate::ir::{Attr, Constant, Function, Graph, NodeId, ValueId};
use crate::ops::Default;
use crate::script::slots::submodule;
use crate::source::Span;
use pickle::{ListKind, Pickle, pickle};

pub struct Options {
    /// 5 to 8 (see [`bytecode::VERSIONS`]).
    pub bytecode_version: u32,
    /// The mobile passes to run; `None`: the module as scripted.
    pub optimize: Option<crate::passes::Options>,
    /// Stages of the mobile passes whose graph to report (`all`: every one).
    pub print_after: Vec<String>,
    /// The archive's folder name (PyTorch uses the output file's stem).
    pub prefix: String,
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
        Some(passes) => optimized(host, &root, passes, options, &mut report.stages)?,
        None => scripted(host, &root, options, &mut report.warnings)?,
    };
    contents
        .archive(&options.prefix, options.bytecode_version, sink)
        .map_err(|e| Box::new(Diagnostic::new(Code::E4002, at, format!("cannot write the archive: {e}"))))
}

fn gave_up(at: Option<Span>, fallback: Span) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(Code::E3010, at.unwrap_or(fallback), "tsc cannot compile this statement yet")
            .label("the script compiler stops here")
            .help("`tsc explain E3010` lists what the compiler handles today"),
    )
}

fn cannot_export(problem: bytecode::Unsupported, fallback: Span) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::new(Code::E4002, problem.span.unwrap_or(fallback), "cannot export this to a .ptl file")
            .label(format!("the lite interpreter cannot run {}", problem.what)),
    )
}

/// Everything a `.ptl` holds, before it is archived.
struct Contents {
    /// `data/` storages and the module object.
    data: object::Storages,
    data_pkl: Pickle,
    code: Vec<(String, String)>,
    /// `constants/` storages, shared by `constants.pkl` and `bytecode.pkl`.
    constants: object::Storages,
    constants_pkl: Pickle,
    functions: Vec<Pickle>,
    operators: Vec<String>,
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
        let mut bytecode = vec![Pickle::Int(version as i64)];
        bytecode.extend(self.functions);
        let bytecode = pickle(&Pickle::Tuple(bytecode));
        let file_version = self.operators.iter().map(|name| operator_version(name)).max().unwrap_or(3).max(3);
        let mut archive = archive::Archive::to(prefix, sink);
        for (key, bytes) in &self.data.records {
            archive.add(&format!("data/{key}"), bytes)?;
        }
        archive.add("data.pkl", &data_pkl)?;
        for (path, text) in &self.code {
            archive.add(path, text.as_bytes())?;
        }
        for (key, bytes) in &self.constants.records {
            archive.add(&format!("constants/{key}"), bytes)?;
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

/// What `_save_for_lite_interpreter` writes for the scripted module: the
/// module tree, every compiled method of the root inlined, `code/`.
fn scripted(
    host: &mut Host<'_>,
    root: &Rc<Instance>,
    options: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Contents, Box<Diagnostic>> {
    // `code/` needs every method of every submodule class; the bytecode
    // only what the model calls. Without the one, the file still runs.
    let sources = match source::sources(host, root) {
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
            source::Sources::without_code(root)
        }
    };
    let class = sources.names[&Rc::as_ptr(root)].clone();
    let objects = object::objects(host, root, &sources.names).map_err(|what| {
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
    let mut contents = Contents {
        data: objects.storages,
        data_pkl: objects.root,
        code: sources.files,
        constants: object::Storages::new(".storage"),
        constants_pkl: Pickle::Tuple(Vec::new()),
        functions: Vec::new(),
        operators: Vec::new(),
    };
    let mut memo = crate::script::InlineMemo::new();
    for unit in crate::script::module_methods(host, root) {
        let function = crate::script::inlined(host, &unit, &mut memo).map_err(|at| gave_up(at, unit.def.name.span))?;
        let slots = attribute_slots(&function.graph, root, &objects.slots);
        let code =
            bytecode::emit(&function.graph, &slots, version).map_err(|p| cannot_export(p, unit.def.name.span))?;
        contents.operators.extend(code.operators.iter().map(|o| o.name.clone()));
        let params = parameters(host, &unit);
        contents.functions.push(function_tuple(&class, &function, &params, code, version, &mut contents.constants));
    }
    Ok(contents)
}

/// What `optimize_for_mobile(...)._save_for_lite_interpreter` writes:
/// `forward` and the preserved methods, frozen and optimized; the module
/// object keeps only what they still read, and `mobile_optimized`.
fn optimized(
    host: &mut Host<'_>,
    root: &Rc<Instance>,
    passes: &crate::passes::Options,
    options: &Options,
    stages: &mut Vec<(String, String)>,
) -> Result<Contents, Box<Diagnostic>> {
    let methods = crate::script::module_methods(host, root);
    let mut units = Vec::new();
    for wanted in std::iter::once("forward").chain(passes.preserve.iter().map(String::as_str)) {
        match methods.iter().find(|u| host.name(u.def.name.name) == wanted) {
            Some(unit) => units.push(unit.clone()),
            None => {
                let known: Vec<&str> = methods.iter().map(|u| host.name(u.def.name.name)).collect();
                return Err(Box::new(
                    Diagnostic::new(
                        Code::E4002,
                        root.created_at,
                        format!("the module has no compiled method `{wanted}` to keep"),
                    )
                    .label("this module")
                    .note(format!("its methods: {}", known.join(", ")))
                    .help("define it (and mark it `@torch.jit.export` if forward does not call it), or drop the name"),
                ));
            }
        }
    }
    let print = |stage: &str| options.print_after.iter().any(|p| p == stage || p == "all");
    let fallback = units[0].def.name.span;
    let functions = crate::passes::optimize(host, root, &units, passes, &mut |stage, graph| {
        if print(stage) {
            stages.push((stage.to_string(), crate::ir::print::graph(graph, None)));
        }
    })
    .map_err(|at| gave_up(at, fallback))?;
    let class = root.class.qualified_name();
    // The attributes the methods still read (written ones), then the flag.
    let mut kept: Vec<String> = Vec::new();
    for function in &functions {
        let this = function.graph.block(function.graph.top).params.first().copied();
        for n in function.graph.walk() {
            let node = function.graph.node(n);
            if let (Attr::Name(name), Some(this)) = (&node.attr, this)
                && matches!(node.kind.as_str(), "prim::GetAttr" | "prim::SetAttr")
                && node.inputs.first() == Some(&this)
                && !kept.contains(name)
            {
                kept.push(name.clone());
            }
        }
    }
    let slots_of = module_slots_in_order(host, root, &kept);
    let mut data = object::Storages::new("");
    let mut state = Vec::new();
    let mut declarations = String::new();
    for (name, ty, value) in &slots_of {
        let pickled = object::value(value, ty, &mut data).ok_or_else(|| {
            Box::new(
                Diagnostic::new(
                    Code::E4002,
                    root.created_at,
                    format!("cannot write the attribute `self.{name}` ({ty}) into a .ptl file"),
                )
                .label("this module holds it"),
            )
        })?;
        state.push((name.clone(), pickled));
        declarations.push_str(&format!("  {name} : {ty}\n"));
    }
    state.push(("mobile_optimized".to_string(), Pickle::Bool(true)));
    let mut names: Vec<String> = slots_of.iter().map(|(n, _, _)| n.clone()).collect();
    names.push("mobile_optimized".into());
    let simple = class.rsplit('.').next().unwrap_or(&class);
    let mut text = format!(
        "class {simple}(Module):\n  __parameters__ = []\n  __buffers__ = []\n{declarations}  mobile_optimized : bool\n"
    );
    let (qualifier, _) = class.rsplit_once('.').unwrap_or(("__torch__", &class));
    let mut contents = Contents {
        data,
        data_pkl: Pickle::Object { class: class.clone(), state: Box::new(Pickle::Dict(state)) },
        code: Vec::new(),
        constants: object::Storages::new(".storage"),
        constants_pkl: Pickle::None,
        functions: Vec::new(),
        operators: Vec::new(),
    };
    // `code/`: the one class, its methods reading `CONSTANTS.cN`.
    let mut constants = Vec::new();
    let version = options.bytecode_version;
    for (unit, function) in units.iter().zip(&functions) {
        let slots: HashMap<NodeId, usize> = function
            .graph
            .walk()
            .into_iter()
            .filter_map(|n| {
                let node = function.graph.node(n);
                let Attr::Name(name) = &node.attr else { return None };
                if !matches!(node.kind.as_str(), "prim::GetAttr" | "prim::SetAttr") {
                    return None;
                }
                names.iter().position(|k| k == name).map(|slot| (n, slot))
            })
            .collect();
        let code =
            bytecode::emit(&function.graph, &slots, version).map_err(|p| cannot_export(p, unit.def.name.span))?;
        let source = crate::ir::code::function_with_constants(
            &function.graph,
            &function.name,
            true,
            &function.defaults,
            &mut constants,
        );
        for line in source.lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        contents.operators.extend(code.operators.iter().map(|o| o.name.clone()));
        let params = parameters(host, unit);
        contents.functions.push(function_tuple(&class, function, &params, code, version, &mut contents.constants));
    }
    contents.code.push((format!("code/{}.py", qualifier.replace('.', "/")), text));
    contents.constants_pkl = Pickle::Tuple(constants.iter().map(|c| constant(c, &mut contents.constants)).collect());
    Ok(contents)
}

/// The root's attributes named in `kept`, in slot order, with their types
/// and values.
fn module_slots_in_order(
    host: &Host<'_>,
    root: &Rc<Instance>,
    kept: &[String],
) -> Vec<(String, crate::types::Type, crate::host::value::Value)> {
    crate::script::slots::module_slots(host, root)
        .into_iter()
        .filter(|s| kept.contains(&s.name))
        .map(|s| (s.name, s.ty, s.value))
        .collect()
}

/// A method's parameters after `self`, with types and defaults.
fn parameters(host: &mut Host<'_>, unit: &crate::script::Unit) -> Vec<(String, crate::types::Type, Option<Default>)> {
    let signature = crate::script::emit::signature(host, unit);
    // (The signature lists `self` first.)
    signature.map(|s| s.params.into_iter().skip(1).collect()).unwrap_or_default()
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
    storages: &mut object::Storages,
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
    let constants = code.constants.iter().map(|c| constant(c, storages)).collect();
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

/// A constant of the bytecode or `constants.pkl`; tensors go to the
/// `constants/` storages.
fn constant(c: &Constant, storages: &mut object::Storages) -> Pickle {
    match c {
        Constant::None => Pickle::None,
        Constant::Bool(b) => Pickle::Bool(*b),
        Constant::Int(i) => Pickle::Int(*i),
        Constant::Float(f) => Pickle::Float(*f),
        Constant::Str(s) => Pickle::Str(s.clone()),
        Constant::Device(d) => Pickle::Device(d.clone()),
        Constant::IntList(items) => {
            Pickle::SpecializedList(ListKind::Int, items.iter().map(|i| Pickle::Int(*i)).collect())
        }
        Constant::Tensor(t) => Pickle::Tensor(storages.tensor(&t.0, false)),
        Constant::Object { class, state } => Pickle::Object {
            class: class.clone(),
            state: Box::new(Pickle::Tuple(state.iter().map(|c| constant(c, storages)).collect())),
        },
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
