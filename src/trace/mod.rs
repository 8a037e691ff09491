//! Tracing: `torch.jit.trace(module, example_inputs)`. The module's
//! `forward` runs on the example inputs and every tensor operation it
//! performs is recorded into a fresh graph; control flow is replayed, not
//! recorded, and converting a traced tensor into a Python value warns
//! (W1001), as PyTorch's TracerWarning does.
//!
//! Two recorders, one per way of running `forward` (docs/architecture.md):
//! a `forward` the script compiler compiles runs as its inlined graph in
//! the reference interpreter, observed by `recorder.rs` (whose traces
//! match PyTorch's operator for operator, scripted submodules kept as
//! calls); one it does not compile — the reason people trace — runs as
//! Python in the host, whose eager dispatch reports each operation to
//! `tape.rs`, with sizes held as PyTorch's tracer holds them (0-dim
//! tensors, read back with `aten::Int` where an int is needed).

mod attributes;
mod calls;
mod recorder;
mod tape;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::host::traced::TracedForward;
use crate::host::unit::Unit;
use crate::host::value::{EntryKind, Instance, Value};
use crate::interp::Converter;
use crate::ir::{Function, Graph, NodeId};
use crate::runtime::RValue;
use crate::source::Span;
use crate::syntax::ast::ParamKind;
use crate::types::Type;

/// A traced module's recorded `forward`, and the warnings tracing gave.
pub struct Traced {
    pub function: Function,
    /// The recorded calls of scripted submodules, and what they call.
    pub calls: HashMap<NodeId, Unit>,
    pub warnings: Vec<Diagnostic>,
}

fn traced_forward(module: &Rc<Instance>, traced: Traced) -> TracedForward {
    TracedForward { module: module.clone(), function: Rc::new(traced.function), calls: Rc::new(traced.calls) }
}

/// Traces every `torch.jit.trace` entry of the file whose target is a
/// module, in the order the file made them; the recorded graphs become the
/// modules' `forward` for everything compiled afterwards (see
/// [`Host::traced`]). Returns the warnings, or why a trace failed.
pub fn trace_entries(host: &mut Host<'_>) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let entries: Vec<_> = host.entries.iter().filter(|e| e.kind == EntryKind::Trace).cloned().collect();
    let mut warnings = Vec::new();
    for entry in entries {
        let Value::Instance(module) = &entry.target else { continue };
        if host.traced.contains_key(&Rc::as_ptr(module)) {
            continue;
        }
        let examples = match &entry.example_inputs {
            Some(Value::Tuple(items)) => items.to_vec(),
            Some(other) => vec![other.clone()],
            None => Vec::new(),
        };
        match trace(host, module, &examples, entry.span) {
            Ok(mut traced) => {
                warnings.extend(std::mem::take(&mut traced.warnings));
                host.traced.insert(Rc::as_ptr(module), traced_forward(module, traced));
            }
            // Something tsc cannot run yet: the module is scripted instead.
            Err(found) if !found.iter().any(Diagnostic::is_error) => warnings.extend(found),
            Err(found) => return Err(found),
        }
    }
    Ok(warnings)
}

/// `tsc compile --trace`: traces the entry's module on its example inputs
/// (a traced entry's, else the file's module-level `example_inputs`).
pub fn trace_root(
    host: &mut Host<'_>,
    globals: &Rc<crate::host::value::Namespace>,
    selected: &crate::host::Selected,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let Some(root) = selected.root_module() else {
        return Err(vec![Diagnostic::new(Code::E4003, root_span(selected), "only modules can be traced by `--trace`")]);
    };
    let examples = example_inputs(globals, &selected.value, host).ok_or_else(|| {
        vec![
            Diagnostic::new(Code::E6002, root.created_at, "`--trace` needs example inputs")
                .label("this module would be traced")
                .help("add `example_inputs = (...)` to the file"),
        ]
    })?;
    let mut traced = trace(host, &root, &examples, root.created_at)?;
    let warnings = std::mem::take(&mut traced.warnings);
    host.traced.insert(Rc::as_ptr(&root), traced_forward(&root, traced));
    Ok(warnings)
}

fn root_span(selected: &crate::host::Selected) -> Span {
    match &selected.value {
        Value::Entry(e) => e.span,
        Value::Instance(i) => i.created_at,
        _ => Span::point(0),
    }
}

/// The inputs the file gives: a traced entry's example inputs, else a
/// module-level `example_inputs` (a tuple, or one value).
pub fn example_inputs(
    globals: &Rc<crate::host::value::Namespace>,
    entry: &Value,
    host: &Host<'_>,
) -> Option<Vec<Value>> {
    let mut value = entry;
    let mut found = None;
    while let Value::Entry(e) = value {
        if found.is_none() {
            found = e.example_inputs.clone();
        }
        value = &e.target;
    }
    let found = found.or_else(|| {
        let name = host.interner.get("example_inputs")?;
        globals.attrs.borrow().get(&name).cloned()
    })?;
    Some(match found {
        Value::Tuple(items) => items.to_vec(),
        other => vec![other],
    })
}

/// Traces `module.forward` on `examples`.
pub fn trace(
    host: &mut Host<'_>,
    module: &Rc<Instance>,
    examples: &[Value],
    at: Span,
) -> Result<Traced, Vec<Diagnostic>> {
    let forward = host.sym("forward");
    let mut unit = crate::script::module_methods(host, module)
        .into_iter()
        .find(|u| u.def.name.name == forward)
        .ok_or_else(|| vec![Diagnostic::new(Code::E6001, at, "the traced module has no `forward` to run")])?;
    let types: Vec<Type> = examples.iter().map(example_type).collect();
    if !examples.iter().all(traceable) {
        let message = format!(
            "Type '{}' cannot be traced. Only Tensors and (possibly nested) Lists, Dicts, and Tuples of Tensors can be traced",
            Type::Tuple(types)
        );
        return Err(vec![Diagnostic::new(Code::E6001, at, message).label("these example inputs are traced here")]);
    }
    unit.example_types = Some(types.into());
    let stops = |stop: crate::script::Stop| {
        vec![crate::script::errors::cannot_compile_yet(stop.span_or(at), crate::script::errors::Purpose::Trace(at))]
    };
    let Ok((scripted, callees)) = crate::script::compiled(host, &unit) else {
        // PyTorch traces every `forward` by running it: one that does not
        // script is run in the host and recorded there.
        return trace_in_host(host, module, examples, at);
    };
    let mut converter = Converter::new();
    let failed = |message: String| vec![Diagnostic::new(Code::E6001, at, message).label("while tracing this")];
    let this = converter.module(host, module).map_err(|e| failed(e.message))?;
    let mut inputs = vec![RValue::Object(this.clone())];
    for example in examples {
        inputs.push(converter.value(host, example).map_err(|e| failed(e.message))?);
    }
    let params = scripted.graph.block(scripted.graph.top).params.len();
    if inputs.len() > params {
        return Err(failed(format!("forward takes {} inputs, the trace gives {}", params - 1, inputs.len() - 1)));
    }
    // Parameters the example inputs leave out take their defaults.
    for i in inputs.len()..params {
        let default = scripted.defaults.get(i).cloned().flatten();
        inputs.push(match default.as_deref() {
            Some("None") => RValue::None,
            Some(text) => literal(text).ok_or_else(|| failed(format!("cannot trace with the default `{text}`")))?,
            None => {
                return Err(failed(format!("forward takes {} inputs, the trace gives {}", params - 1, examples.len())));
            }
        });
    }
    let mut recorder = recorder::Recorder::new(&scripted.graph, &inputs, examples.len(), &this, module);
    let mut resolver = calls::Resolver::new(host, module);
    resolver.callees.insert(&scripted.graph as *const Graph, callees);
    let run = crate::interp::exec::run_with_calls(
        &scripted.graph,
        inputs,
        &mut converter,
        &mut recorder,
        Some(&mut resolver),
    );
    if let Some(stop) = resolver.stopped.take() {
        return Err(stops(stop));
    }
    let outputs = run.map_err(|e| {
        let span = e.span.unwrap_or(at);
        if e.error.unsupported {
            return vec![
                Diagnostic::new(Code::W4002, at, "this traced module was compiled by scripting it")
                    .label(format!("tsc cannot run `{}` yet, so it cannot trace this", e.kind))
                    .secondary(span, "needed here")
                    .note("a trace keeps only the path the example inputs took; the scripted module keeps every branch")
                    .help("`torch.jit.script(model)` says what tsc compiled; `tsc explain W4002`"),
            ];
        }
        vec![
            Diagnostic::new(Code::E6001, span, format!("tracing failed: {}", e.error))
                .label(format!("`{}` failed here", e.kind))
                .secondary(at, "traced here"),
        ]
    })?;
    if let Some(failure) = recorder.failure.take() {
        return Err(vec![failure.secondary(at, "traced here")]);
    }
    let graph = recorder.finish(&outputs).map_err(failed)?;
    let calls = recorder
        .calls
        .iter()
        .filter_map(|(recorded, caller, node)| Some((*recorded, resolver.unit(*caller, *node)?)))
        .collect();
    drop(resolver);
    // A conversion inside the prelude (torch.nn's own code, written in its
    // scripted form) is not the user's to fix, and PyTorch's eager code
    // does not make it.
    let warnings = recorder
        .warnings
        .into_iter()
        .filter(|d| !host.map.get(host.map.file_of(d.span().start)).name.starts_with("<prelude>"))
        .collect();
    let function = Function { name: "forward".into(), method: true, graph, defaults: Vec::new() };
    Ok(Traced { function, calls, warnings })
}

/// Traces `module.forward` on `examples` by running it as Python in the
/// host, recording each tensor operation (see [`tape`]).
fn trace_in_host(
    host: &mut Host<'_>,
    module: &Rc<Instance>,
    examples: &[Value],
    at: Span,
) -> Result<Traced, Vec<Diagnostic>> {
    let names = forward_parameters(host, module);
    let tape = Rc::new(RefCell::new(tape::HostTape::new(host, module, examples, &names)));
    let previous = host.tape.replace(tape.clone());
    let args = crate::host::call::Args::positional(examples.to_vec(), at);
    let run = host.call(Value::Instance(module.clone()), args, at);
    host.tape = previous;
    let failed = |message: String| vec![Diagnostic::new(Code::E6001, at, message).label("while tracing this")];
    let mut tape = Rc::try_unwrap(tape).map_err(|_| failed("the trace outlived its run".into()))?.into_inner();
    let output = match run {
        Ok(output) => output,
        Err(flow) => {
            let before = host.diagnostics.len();
            host.report(flow);
            let mut found: Vec<Diagnostic> = host.diagnostics.drain(before..).collect();
            found.iter_mut().for_each(|d| *d = d.clone().secondary(at, "traced here"));
            return Err(found);
        }
    };
    if let Some(failure) = tape.failure.take() {
        return Err(vec![failure.secondary(at, "traced here")]);
    }
    let graph = tape.finish(&output, at).map_err(failed)?;
    let forward = host.sym("forward");
    let mut calls = HashMap::new();
    for (node, callee) in std::mem::take(&mut tape.calls) {
        let unit = crate::script::module_methods(host, &callee).into_iter().find(|u| u.def.name.name == forward);
        calls.insert(
            node,
            unit.ok_or_else(|| failed(format!("the scripted `{}` has no `forward`", callee.class.name)))?,
        );
    }
    let function = Function { name: "forward".into(), method: true, graph, defaults: Vec::new() };
    Ok(Traced { function, calls, warnings: tape.warnings })
}

/// The names of `module.forward`'s parameters after `self`, for the
/// trace's inputs.
fn forward_parameters(host: &mut Host<'_>, module: &Rc<Instance>) -> Vec<String> {
    let forward = host.sym("forward");
    match module.class.lookup(forward) {
        Some(Value::Function(f)) => f
            .def
            .params
            .iter()
            .skip(1)
            .take_while(|p| matches!(p.kind, ParamKind::Normal | ParamKind::PositionalOnly))
            .map(|p| host.name(p.name.name).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// What PyTorch's tracer takes as an input: a tensor, or lists, dicts
/// and tuples of them (a Python number would be baked into the trace).
fn traceable(v: &Value) -> bool {
    match v {
        Value::Tensor(_) => true,
        Value::Tuple(items) => items.iter().all(traceable),
        Value::List(items) => items.borrow().iter().all(traceable),
        Value::Dict(d) => d.borrow().entries.values().all(|(_, v)| traceable(v)),
        _ => false,
    }
}

/// The type an example input gives an unannotated parameter of the traced
/// `forward`: its own (tensors, and tuples, lists and dicts of them); the
/// scalars only name what cannot be traced. Also the type of a value a
/// host-run trace records.
fn example_type(v: &Value) -> Type {
    match v {
        Value::Tuple(items) => Type::Tuple(items.iter().map(example_type).collect()),
        Value::List(items) => Type::list(items.borrow().first().map_or(Type::Tensor, example_type)),
        Value::Dict(d) => {
            let entries = d.borrow();
            let (key, value) = entries
                .entries
                .values()
                .next()
                .map_or((Type::Str, Type::Tensor), |(k, v)| (example_type(k), example_type(v)));
            Type::Dict(Box::new(key), Box::new(value))
        }
        Value::Str(_) => Type::Str,
        Value::Int(_) => Type::Int,
        Value::Float(_) => Type::Float,
        Value::Bool(_) => Type::Bool,
        Value::None => Type::None,
        _ => Type::Tensor,
    }
}

fn literal(text: &str) -> Option<RValue> {
    match text {
        "True" => Some(RValue::Bool(true)),
        "False" => Some(RValue::Bool(false)),
        _ => text.parse::<i64>().map(RValue::Int).ok().or_else(|| text.parse::<f64>().ok().map(RValue::Float)),
    }
}
