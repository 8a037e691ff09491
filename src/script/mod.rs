//! The script compiler: TorchScript's static semantics over the functions
//! `torch.jit.script` compiles — `forward`, `@torch.jit.export` methods, the
//! submodules' forwards, and every method and free function they call.
//!
//! The constructs TorchScript's frontend rejects (`frontend.rs`) and the
//! closed-over globals and `range` arguments the recipe documents
//! (`globals.rs`) are checked first; then each function is typed and
//! lowered to IR (`emit/`). Every problem is reported; compilation does
//! not stop at the first.

mod annotation;
pub mod emit;
pub(crate) mod errors;
mod frontend;
mod functional_names;
mod global_fix;
mod globals;
mod literal;
pub mod signature;
pub mod slots;
mod type_names;

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::diag::Diagnostic;
use crate::host::Selected;
use crate::host::eval::Host;
pub use crate::host::unit::Unit;
use crate::host::value::{Descriptor, EntryKind, Function, Instance, Value};
use crate::syntax::ast::{ArgKind, CmpOp, Expr, ExprKind, FunctionDef, Literal, Stmt, StmtKind, UnaryOp};
use crate::syntax::visit::{Node, walk};

/// Why the compiler made no graph of a function.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    /// The code has errors, reported as diagnostics (`check` shows them).
    Reported,
    /// A construct this compiler does not handle yet, in this statement:
    /// the code is not known to be wrong, so nothing was reported.
    Unsupported(crate::source::Span),
}

impl Stop {
    /// Where to point at the stop: the unsupported statement, else
    /// `fallback` (the errors have their own spans).
    pub fn span_or(self, fallback: crate::source::Span) -> crate::source::Span {
        match self {
            Stop::Unsupported(at) => at,
            Stop::Reported => fallback,
        }
    }
}

/// The name PyTorch compiles a method under when it declares overloads of
/// it (`@_overload_method`): `LSTM.forward` and `GRU.forward` take a Tensor
/// or a PackedSequence, and the prelude's is the first, `forward__0`.
pub(crate) fn overload_alias(instance: &Instance, f: &Function) -> Option<Rc<str>> {
    let defining = instance.class.mro().into_iter().find(|class| {
        class.attrs.borrow().values().any(|v| matches!(v, Value::Function(g) if Rc::ptr_eq(&g.def, &f.def)))
    })?;
    let overloaded = &*defining.module_path == "torch.nn.modules.rnn"
        && matches!(&*defining.name, "LSTM" | "GRU" | "RNN")
        && f.qualname == "forward";
    overloaded.then(|| Rc::from("forward__0"))
}

/// The overload a call of an RNN module's `forward` picks: `forward__1`
/// for a PackedSequence input, else `forward__0`.
pub(crate) fn overload_for(alias: Option<Rc<str>>, first: Option<&crate::types::Type>) -> Option<Rc<str>> {
    match (alias, first) {
        (Some(a), Some(crate::types::Type::NamedTuple(_))) if &*a == "forward__0" => Some(Rc::from("forward__1")),
        (alias, _) => alias,
    }
}

/// The parameter types (without `self`) and result type of PyTorch's
/// second `forward` overload of LSTM and GRU (`forward__1`), which takes
/// and returns a PackedSequence; the prelude's annotations are the first's.
pub(crate) fn overload_types(unit: &Unit) -> Option<(Vec<crate::types::Type>, crate::types::Type)> {
    use crate::types::Type;
    if unit.alias.as_deref() != Some("forward__1") {
        return None;
    }
    let class = &unit.owner.as_ref()?.class;
    let packed = Type::packed_sequence();
    let hidden = match class.mro().iter().map(|c| c.name.to_string()).find(|n| n == "LSTM" || n == "GRU")?.as_str() {
        "LSTM" => Type::Tuple(vec![Type::Tensor, Type::Tensor]),
        _ => Type::Tensor,
    };
    Some((vec![packed.clone(), Type::optional(hidden.clone())], Type::Tuple(vec![packed, hidden])))
}

/// The units an entry starts from: the scripted function, or the module's
/// methods and its submodules'.
fn entry_units(host: &mut Host<'_>, selected: &Selected) -> Units {
    let mut units = Units::default();
    match &selected.value {
        Value::Entry(entry) => units.add_value(host, &entry.target),
        other => units.add_value(host, other),
    }
    units
}

/// One unit compiled and cleaned up, or why the compiler stopped.
fn compile_unit(host: &mut Host<'_>, unit: &Unit) -> Result<crate::ir::Function, Stop> {
    compile_with_callees(host, unit).map(|(function, _)| function)
}

/// A unit compiled and cleaned up, with what each of its calls calls.
pub type Compiled = (crate::ir::Function, HashMap<crate::ir::NodeId, Unit>);

fn compile_with_callees(host: &mut Host<'_>, unit: &Unit) -> Result<Compiled, Stop> {
    if let Some(traced) = traced_forward(host, unit) {
        return Ok(((*traced.function).clone(), (*traced.calls).clone()));
    }
    let name = unit.name(host);
    let defaults = signature::signature(host, unit)
        .map(|s| s.params.iter().map(|(_, _, d)| d.as_ref().map(signature::default_source)).collect())
        .unwrap_or_default();
    let mut emitter = emit::Emitter::new(host, unit);
    emitter.function();
    if let Some(stop) = emitter.stop() {
        return Err(stop);
    }
    let mut graph = emitter.graph;
    crate::ir::cleanup::cleanup(&mut graph);
    crate::ir::canonicalize::canonicalize_outputs(&mut graph);
    Ok((crate::ir::Function { name, method: unit.owner.is_some(), graph, defaults }, emitter.callees))
}

/// The recorded graph of a traced module's `forward`: what a traced module
/// runs, whatever its source says.
fn traced_forward(host: &Host<'_>, unit: &Unit) -> Option<crate::host::traced::TracedForward> {
    let owner = unit.owner.as_ref()?;
    let traced = host.traced.get(&Rc::as_ptr(owner))?;
    (unit.alias.is_none() && host.name(unit.def.name.name) == "forward").then(|| traced.clone())
}

/// Inlined, pre-optimized callee graphs by function definition and module
/// instance.
pub type InlineMemo = HashMap<(*const FunctionDef, Option<*const Instance>), crate::ir::Function>;

/// The unit compiled with every call of a method or function replaced by
/// the callee's body, each callee compiled for the module instance it runs
/// on: what the lite interpreter runs. Callees are inlined pre-optimized
/// (constants propagated into them, see [`crate::ir::preoptimize`]) and
/// memoized per (function, instance); the unit itself is not optimized, as
/// in PyTorch's export.
pub fn inlined(host: &mut Host<'_>, unit: &Unit, memo: &mut InlineMemo) -> Result<crate::ir::Function, Stop> {
    inlined_with(host, unit, memo, &mut |_, _, _| {})
}

/// A rewrite of one compiled function before its callees are inlined (the
/// mobile passes fold conv–batchnorm pairs of module calls here).
pub type BeforeInlining<'r> =
    dyn FnMut(&mut Host<'_>, &mut crate::ir::Function, &mut HashMap<crate::ir::NodeId, Unit>) + 'r;

/// [`inlined`], with `rewrite` applied to every function before its calls
/// are inlined.
pub fn inlined_with(
    host: &mut Host<'_>,
    unit: &Unit,
    memo: &mut InlineMemo,
    rewrite: &mut BeforeInlining<'_>,
) -> Result<crate::ir::Function, Stop> {
    let (mut function, mut callees) = compile_with_callees(host, unit)?;
    rewrite(host, &mut function, &mut callees);
    let live: HashSet<crate::ir::NodeId> = function.graph.walk().into_iter().collect();
    let mut bodies = HashMap::new();
    for (node, callee) in callees {
        if !live.contains(&node) {
            continue;
        }
        let key = (Rc::as_ptr(&callee.def), callee.owner.as_ref().map(Rc::as_ptr));
        let body = match memo.get(&key) {
            Some(done) => done.graph.clone(),
            None => {
                let mut optimized = inlined_with(host, &callee, memo, rewrite)?;
                crate::ir::preoptimize::preoptimize(&mut optimized.graph);
                memo.insert(key, optimized.clone());
                optimized.graph
            }
        };
        bodies.insert(node, body);
    }
    if !bodies.is_empty() {
        function.graph = crate::ir::inline::inline(&function.graph, &bodies);
    }
    Ok(function)
}

/// The methods a module's class type has: `forward`, its
/// `@torch.jit.export` methods, then the methods of its own they call
/// (`self._forward_impl`). PyTorch exports every one of the root's to the
/// lite interpreter.
pub fn module_methods(host: &mut Host<'_>, module: &Rc<Instance>) -> Vec<Unit> {
    let mut units = Units::default();
    units.add_own_methods(host, module);
    let mut next = 0;
    while next < units.list.len() {
        let unit = units.list[next].clone();
        next += 1;
        units.add_callees(host, &unit);
        units.list.retain(|u| u.owner.as_ref().is_some_and(|o| Rc::ptr_eq(o, module)));
    }
    units.list
}

/// A unit compiled and cleaned up (not inlined), with what each of its
/// calls calls; or where the compiler stopped.
pub fn compiled(host: &mut Host<'_>, unit: &Unit) -> Result<Compiled, Stop> {
    compile_with_callees(host, unit)
}

/// A free function's TorchScript name: `__torch__.helper` for the user's
/// file, `__torch__.torch.nn.functional.dropout` for the prelude's.
pub fn function_name(host: &Host<'_>, unit: &Unit) -> String {
    let name = host.name(unit.def.name.name);
    match &*unit.globals.name {
        "__main__" => format!("__torch__.{name}"),
        module => format!("__torch__.{module}.{name}"),
    }
}

/// The unit the entry's lite-interpreter `forward` comes from: the root
/// module's `forward`, or the scripted function.
pub fn entry_unit(host: &mut Host<'_>, selected: &Selected) -> Option<Unit> {
    let units = entry_units(host, selected);
    let root = selected.root_module();
    units
        .list
        .iter()
        .rev()
        .find(|u| match (&root, &u.owner) {
            (Some(r), Some(o)) => Rc::ptr_eq(r, o) && host.name(u.def.name.name) == "forward",
            (None, None) => true,
            _ => false,
        })
        .cloned()
}

/// The graph of the entry's `forward` (or of the scripted function), when
/// this compiler handles everything in it; otherwise where it gave up (the
/// innermost statement it could not compile, the function's name when it
/// has errors), or [`Stop::Reported`] when the entry has no function to
/// compile.
pub fn entry_graph(host: &mut Host<'_>, selected: &Selected) -> Result<crate::ir::Function, Stop> {
    // The entry's own function is the last one added for a module (after
    // its submodules) and the only one for a function.
    let unit = entry_unit(host, selected).ok_or(Stop::Reported)?;
    compile_unit(host, &unit).map_err(|stop| Stop::Unsupported(stop.span_or(unit.def.name.span)))
}

/// Every function the entry compiles (its methods, its submodules' and the
/// functions they call, the prelude's included), by owner class and name,
/// each compiled or with where the compiler stopped. What export will need.
pub fn compile_all(host: &mut Host<'_>, selected: &Selected) -> Vec<(String, Result<crate::ir::Function, Stop>)> {
    let mut units = entry_units(host, selected);
    let mut out = Vec::new();
    let mut next = 0;
    while next < units.list.len() {
        let unit = units.list[next].clone();
        next += 1;
        let owner = unit.owner.as_ref().map_or_else(|| "<function>".to_string(), |o| o.class.qualified_name());
        let name = format!("{owner}.{}", unit.name(host));
        out.push((name, compile_unit(host, &unit)));
        units.add_callees(host, &unit);
    }
    out
}

/// Checks everything the entry compiles; returns the diagnostics in source
/// order.
/// `all_overloads`: an operator call no overload accepts lists every
/// overload's reason, not the closest three (`--verbose`).
pub fn check(host: &mut Host<'_>, selected: &Selected, all_overloads: bool) -> Vec<Diagnostic> {
    let mut units = entry_units(host, selected);
    let traced = traced_only(host);
    let mut diagnostics = Vec::new();
    let mut next = 0;
    while next < units.list.len() {
        let unit = units.list[next].clone();
        next += 1;
        if host.map.get(unit.file).name.starts_with("<prelude>") {
            // The prelude mirrors PyTorch's own scriptable source.
            continue;
        }
        // A traced module's `forward` runs as Python when it is traced
        // (PyTorch does not script it): scripting rules do not apply to it,
        // nor to what only it calls.
        if unit.alias.is_none()
            && host.name(unit.def.name.name) == "forward"
            && unit.owner.as_ref().is_some_and(|o| traced.contains(&Rc::as_ptr(o)))
        {
            continue;
        }
        let mut found = frontend::check(host, &unit);
        found.extend(type_names::check(host, &unit));
        found.extend(globals::check(host, &unit));
        // Typing and IR emission. After the cheaper checks found something,
        // only what they cannot see is added: a module attribute that does
        // not exist (one a traced submodule lost), each error once.
        let mut emitter = emit::Emitter::new(host, &unit);
        emitter.all_overloads = all_overloads;
        emitter.function();
        if found.is_empty() {
            found = emitter.diagnostics;
        } else {
            let missing: Vec<Diagnostic> = emitter
                .diagnostics
                .into_iter()
                .filter(|d| d.code == crate::diag::Code::E2013)
                .filter(|d| !found.iter().any(|f| f.span().start < d.span().end && d.span().start < f.span().end))
                .collect();
            found.extend(missing);
        }
        if let Some(owner) = &unit.owner {
            found = found.into_iter().map(|d| units.with_holders(host, owner, d)).collect();
        }
        diagnostics.extend(found);
        units.add_callees(host, &unit);
    }
    crate::diag::sort(&mut diagnostics);
    // An unrolled loop compiles its body once per module: its errors once.
    diagnostics.dedup_by(|a, b| a.code == b.code && a.span() == b.span() && a.message == b.message);
    diagnostics
}

/// The modules the file traces and never scripts: the traced modules and
/// their submodules (tracing runs them all as Python), but those inside a
/// module the file scripts.
fn traced_only(host: &Host<'_>) -> HashSet<*const Instance> {
    let trees = |kind: EntryKind| -> HashSet<*const Instance> {
        let mut found = HashSet::new();
        let mut stack: Vec<Rc<Instance>> = host
            .entries
            .iter()
            .filter(|e| e.kind == kind)
            .filter_map(|e| match &e.target {
                Value::Instance(i) => Some(i.clone()),
                _ => None,
            })
            .collect();
        while let Some(module) = stack.pop() {
            if !found.insert(Rc::as_ptr(&module)) {
                continue;
            }
            if let Some(state) = host.module_state(&module) {
                stack.extend(state.modules.0.borrow().entries.values().filter_map(|(_, v)| match v {
                    Value::Instance(i) => Some(i.clone()),
                    _ => None,
                }));
            }
        }
        found
    };
    let scripted = trees(EntryKind::Script);
    trees(EntryKind::Trace).into_iter().filter(|t| !scripted.contains(t)).collect()
}

#[derive(Default)]
struct Units {
    list: Vec<Unit>,
    seen_functions: HashSet<*const FunctionDef>,
    /// Module instances visited: a class's methods are added once (by
    /// their definitions), but every instance's submodules are visited — a
    /// `Sequential` inside a `Sequential` holds other modules than the outer.
    seen_modules: HashSet<*const Instance>,
    /// Each submodule's holder and the attribute holding it.
    holders: HashMap<*const Instance, (Rc<Instance>, String)>,
}

impl Units {
    /// An error in a submodule's method, with the chain that holds the
    /// submodule: a note naming its path from the entry (`self.body[0][0]`)
    /// and, in each holder whose class is the file's, the reads of the
    /// attribute holding it as secondary labels.
    fn with_holders(&self, host: &Host<'_>, owner: &Rc<Instance>, mut d: Diagnostic) -> Diagnostic {
        let mut path = Vec::new();
        let mut at = owner.clone();
        while let Some((holder, name)) = self.holders.get(&Rc::as_ptr(&at)) {
            path.push((holder.clone(), name.clone()));
            at = holder.clone();
        }
        if path.is_empty() {
            return d;
        }
        let mut text = String::from("self");
        for (_, name) in path.iter().rev() {
            if name.parse::<usize>().is_ok() {
                text.push_str(&format!("[{name}]"));
            } else {
                text.push_str(&format!(".{name}"));
            }
        }
        for (holder, name) in &path {
            for span in attribute_reads(host, holder, name) {
                d = d.secondary(span, format!("`{}` runs `self.{name}` here", holder.class.name));
            }
        }
        d.note(format!("`{}` is the module at `{text}` of the entry", owner.class.name))
    }

    fn add_function(&mut self, f: &Rc<Function>, owner: Option<Rc<Instance>>) {
        self.add_aliased(f, owner, None);
    }

    fn add_aliased(&mut self, f: &Rc<Function>, owner: Option<Rc<Instance>>, alias: Option<Rc<str>>) {
        if self.seen_functions.insert(Rc::as_ptr(&f.def)) {
            self.list.push(Unit {
                def: f.def.clone(),
                file: f.file,
                globals: f.globals.clone(),
                owner,
                alias,
                example_types: None,
            });
        }
    }

    fn add_value(&mut self, host: &mut Host<'_>, value: &Value) {
        match value {
            Value::Instance(instance) if instance.class.is_module() => self.add_module(host, instance),
            Value::Function(f) => self.add_function(f, None),
            Value::Entry(entry) => self.add_value(host, &entry.target),
            _ => {}
        }
    }

    /// A module: its submodules first (as PyTorch converts them first), then
    /// `forward` and the `@torch.jit.export` methods.
    fn add_module(&mut self, host: &mut Host<'_>, instance: &Rc<Instance>) {
        if !self.seen_modules.insert(Rc::as_ptr(instance)) {
            return;
        }
        for (name, child) in crate::host::module::child_instances(instance) {
            self.holders.entry(Rc::as_ptr(&child)).or_insert_with(|| (instance.clone(), name));
            self.add_module(host, &child);
        }
        self.add_own_methods(host, instance);
    }

    /// A module's `forward` and `@torch.jit.export` methods.
    fn add_own_methods(&mut self, host: &mut Host<'_>, instance: &Rc<Instance>) {
        let forward = host.sym("forward");
        if let Some(Value::Function(f)) = instance.class.lookup(forward) {
            let alias = overload_alias(instance, &f);
            let before = self.list.len();
            self.add_aliased(&f, Some(instance.clone()), alias.clone());
            // PyTorch compiles both of an RNN's overloads: `forward__1`
            // takes a PackedSequence.
            if self.list.len() > before && alias.as_deref() == Some("forward__0") {
                let unit = Unit { alias: Some(Rc::from("forward__1")), ..self.list[before].clone() };
                self.list.push(unit);
            }
        }
        for class in instance.class.mro() {
            let methods: Vec<Value> = class.attrs.borrow().values().cloned().collect();
            for method in methods {
                if let Value::Function(f) = method
                    && has_decorator(host, &f.def, &["export"])
                {
                    self.add_function(&f, Some(instance.clone()));
                }
            }
        }
    }

    /// Methods called as `self.name(...)`, global functions called by name,
    /// static methods and the getters of properties read are compiled too;
    /// `@torch.jit.ignore`/`unused` ones are not.
    fn add_callees(&mut self, host: &mut Host<'_>, unit: &Unit) {
        let mut calls = Vec::new();
        let mut reads = Vec::new();
        for stmt in &unit.def.body {
            walk(Node::Stmt(stmt), &mut |node| {
                if let Node::Expr(e) = node {
                    match &e.kind {
                        ExprKind::Call { func, .. } => calls.push((**func).clone()),
                        ExprKind::Attribute { value, attr } => reads.push(((**value).clone(), attr.name)),
                        _ => {}
                    }
                }
            });
        }
        // `self.out_dim` of a property: its getter, `__out_dim_getter`.
        for (value, attr) in reads {
            let Some(owner) = &unit.owner else { break };
            if !matches!(value.kind, ExprKind::Name(n) if host.name(n) == "self") {
                continue;
            }
            if let Some(Value::Descriptor(d)) = owner.class.lookup(attr)
                && let Descriptor::Property { get: Value::Function(f), .. } = &*d
            {
                let alias: Rc<str> = format!("__{}_getter", host.name(attr)).into();
                self.add_aliased(f, Some(owner.clone()), Some(alias));
            }
        }
        for func in calls {
            match &func.kind {
                ExprKind::Attribute { value, attr } if matches!(value.kind, ExprKind::Name(n) if host.name(n) == "self") =>
                {
                    let Some(owner) = &unit.owner else { continue };
                    match owner.class.lookup(attr.name) {
                        Some(Value::Function(f)) if !has_decorator(host, &f.def, &["ignore", "unused"]) => {
                            self.add_function(&f, Some(owner.clone()));
                        }
                        Some(Value::Descriptor(d)) => {
                            if let Descriptor::Static(Value::Function(f)) = &*d {
                                self.add_function(f, None);
                            }
                        }
                        _ => {}
                    }
                }
                // `Net.clip(...)`: a static method through its class.
                ExprKind::Attribute { value, attr } => {
                    let ExprKind::Name(class) = value.kind else { continue };
                    let global = unit.globals.attrs.borrow().get(&class).cloned();
                    if let Some(Value::Class(class)) = global
                        && let Some(Value::Descriptor(d)) = class.lookup(attr.name)
                        && let Descriptor::Static(Value::Function(f)) = &*d
                    {
                        self.add_function(f, None);
                    }
                }
                ExprKind::Name(name) => {
                    let value = unit.globals.attrs.borrow().get(name).cloned();
                    if let Some(Value::Function(f)) = value
                        && !has_decorator(host, &f.def, &["ignore", "unused"])
                        && &*f.globals.name != "torch.nn.modules.utils"
                    {
                        // (`_pair` and its kin are TorchScript builtins.)
                        self.add_function(&f, None);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether a definition carries `@torch.jit.NAME` (or `@jit.NAME`) for one
/// of `names`.
fn has_decorator(host: &Host<'_>, def: &FunctionDef, names: &[&str]) -> bool {
    def.decorators.iter().any(|d| {
        let target = match &d.kind {
            ExprKind::Call { func, .. } => func,
            _ => d,
        };
        matches!(&target.kind, ExprKind::Attribute { attr, .. } if names.contains(&host.name(attr.name)))
    })
}

/// Statements of a body and of every block nested in it (not nested defs),
/// skipping branches TorchScript decides statically and never compiles
/// (`if False:`, `if torch.jit.is_scripting():`, `if self.proj is not None:`
/// on a None attribute, `hasattr(self, "x")`).
pub(crate) fn each_statement<'a>(host: &Host<'_>, unit: &Unit, body: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    for stmt in body {
        f(stmt);
        match &stmt.kind {
            StmtKind::If { test, body, orelse } => match static_condition(host, unit, test) {
                Some(true) => each_statement(host, unit, body, f),
                Some(false) => each_statement(host, unit, orelse, f),
                None => {
                    each_statement(host, unit, body, f);
                    each_statement(host, unit, orelse, f);
                }
            },
            StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
                each_statement(host, unit, body, f);
                each_statement(host, unit, orelse, f);
            }
            StmtKind::With { body, .. } => each_statement(host, unit, body, f),
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                each_statement(host, unit, body, f);
                for h in handlers {
                    each_statement(host, unit, &h.body, f);
                }
                each_statement(host, unit, orelse, f);
                each_statement(host, unit, finalbody, f);
            }
            _ => {}
        }
    }
}

/// Every statement of a body and the blocks nested in it, dead branches
/// included (not nested defs).
pub(crate) fn each_statement_unchecked<'a>(body: &'a [Stmt], f: &mut dyn FnMut(&'a Stmt)) {
    for stmt in body {
        f(stmt);
        match &stmt.kind {
            StmtKind::If { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::For { body, orelse, .. } => {
                each_statement_unchecked(body, f);
                each_statement_unchecked(orelse, f);
            }
            StmtKind::With { body, .. } => each_statement_unchecked(body, f),
            _ => {}
        }
    }
}

/// Calls `f` on each name an assignment target binds (`a`, `b` and `c` in
/// `a, (b, *c) = ...`).
pub(crate) fn each_target_name<'a>(target: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    match &target.kind {
        ExprKind::Name(_) => f(target),
        ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().for_each(|i| each_target_name(i, f)),
        ExprKind::Starred(inner) => each_target_name(inner, f),
        _ => {}
    }
}

/// Calls `f` on every expression of one statement, not descending into the
/// statements nested in it.
pub(crate) fn for_each_expression<'a>(stmt: &'a Stmt, f: &mut dyn FnMut(&'a Expr)) {
    Node::Stmt(stmt).children(&mut |child| match child {
        Node::Stmt(_) => {}
        other => walk(other, &mut |n| {
            if let Node::Expr(e) = n {
                f(e);
            }
        }),
    });
}

/// A condition TorchScript evaluates while compiling, if this is one.
pub(crate) fn static_condition(host: &Host<'_>, unit: &Unit, test: &Expr) -> Option<bool> {
    match &test.kind {
        ExprKind::Literal(Literal::Bool(b)) => Some(*b),
        ExprKind::UnaryOp { op: UnaryOp::Not, operand } => static_condition(host, unit, operand).map(|b| !b),
        ExprKind::Call { func, args } => {
            let name = dotted(host, func)?;
            match name.as_str() {
                "torch.jit.is_scripting" => Some(true),
                "torch.jit.is_tracing" => Some(false),
                "hasattr" => {
                    let [self_arg, attr] = args.as_slice() else { return None };
                    let (ArgKind::Positional(object), ArgKind::Positional(attr)) = (&self_arg.kind, &attr.kind) else {
                        return None;
                    };
                    let ExprKind::Literal(Literal::Str(attr)) = attr.kind else { return None };
                    if !matches!(object.kind, ExprKind::Name(n) if host.name(n) == "self") {
                        return None;
                    }
                    Some(self_attribute(host, unit, host.name(attr)).is_some())
                }
                _ => None,
            }
        }
        ExprKind::Compare { left, comparisons } if comparisons.len() == 1 => {
            let (op, right) = &comparisons[0];
            if !matches!(right.kind, ExprKind::Literal(Literal::None)) || !matches!(op, CmpOp::Is | CmpOp::IsNot) {
                return None;
            }
            let ExprKind::Attribute { value, attr } = &left.kind else { return None };
            if !matches!(value.kind, ExprKind::Name(n) if host.name(n) == "self") {
                return None;
            }
            // An attribute's type comes from its value: None is NoneType,
            // anything else is not Optional, so the test is decided — unless
            // the class annotates the attribute (`proj: Optional[Tensor]`).
            let value = self_attribute(host, unit, host.name(attr.name))?;
            if class_annotates(unit, attr.name) {
                return None;
            }
            Some(matches!(value, Value::None) == (*op == CmpOp::Is))
        }
        _ => None,
    }
}

/// Whether the unit's module class annotates an attribute in its body.
fn class_annotates(unit: &Unit, name: crate::syntax::Symbol) -> bool {
    let Some(owner) = &unit.owner else { return false };
    owner.class.mro().iter().any(|class| {
        class.def.as_ref().is_some_and(|(def, _)| {
            def.body.iter().any(|stmt| {
                matches!(&stmt.kind, StmtKind::AnnAssign { target, .. } if matches!(target.kind, ExprKind::Name(n) if n == name))
            })
        })
    })
}

/// `a.b.c` as text, for callee names.
fn dotted(host: &Host<'_>, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(host.name(*n).to_string()),
        ExprKind::Attribute { value, attr } => Some(format!("{}.{}", dotted(host, value)?, host.name(attr.name))),
        _ => None,
    }
}

/// An attribute of the unit's module instance: plain attribute,
/// parameter, buffer or submodule.
fn self_attribute(host: &Host<'_>, unit: &Unit, name: &str) -> Option<Value> {
    let owner = unit.owner.as_ref()?;
    let key = host.interner.get(name)?;
    if let Some(v) = owner.attrs.borrow().get(&key) {
        return Some(v.clone());
    }
    owner.module.borrow().as_ref().and_then(|state| state.get(name))
}

/// Where a module's own `forward` (a class of the model file, not of the
/// prelude) reads `self.name`.
fn attribute_reads(host: &Host<'_>, holder: &Instance, name: &str) -> Vec<crate::source::Span> {
    let Some(forward) = host.interner.get("forward") else { return Vec::new() };
    let Some(Value::Function(forward)) = holder.class.lookup(forward) else { return Vec::new() };
    if host.map.get(forward.file).name.starts_with("<prelude>") {
        return Vec::new();
    }
    let mut spans = Vec::new();
    for stmt in &forward.def.body {
        walk(Node::Stmt(stmt), &mut |node| {
            if let Node::Expr(e) = node
                && let ExprKind::Attribute { value, attr } = &e.kind
                && matches!(value.kind, ExprKind::Name(n) if host.name(n) == "self")
                && host.name(attr.name) == name
            {
                spans.push(e.span);
            }
        });
    }
    spans
}
