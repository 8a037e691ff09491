//! Host evaluation: module-level code and `__init__` bodies run as ordinary
//! Python, building the module instances that scripting and tracing start
//! from (see docs/architecture.md, "Two ways of evaluating").

mod builtins;
pub mod call;
mod copy;
mod eager;
mod error;
pub mod eval;
mod imports;
pub mod inspect;
pub mod load;
mod math;
pub mod module;
mod named_tuple;
pub mod ops;
mod re;
mod sandbox;
pub mod tape;
mod tensor_index;
mod torch;
pub mod traced;
mod typing;
pub mod unit;
mod unknown;
pub mod value;

use std::rc::Rc;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::Interner;
use crate::syntax::ast::Module;
use eval::Host;
use value::{Entry, EntryKind, Instance, Namespace, Value};

pub use error::similar;
pub use imports::set_search_path;

/// What running a model file produced, with the evaluator still alive (its
/// classes' Python methods, such as `extra_repr`, can still be called).
pub struct Evaluated<'a> {
    pub host: Host<'a>,
    /// The file's module namespace (its globals).
    pub globals: Rc<Namespace>,
}

impl Evaluated<'_> {
    /// Script/trace/optimize results in the order the file made them.
    pub fn entries(&self) -> &[Rc<Entry>] {
        &self.host.entries
    }

    /// Calls that would write files (`.save(...)`): recorded, never run.
    pub fn saves(&self) -> &[(String, Span)] {
        &self.host.saves
    }

    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.host.diagnostics)
    }
}

/// Runs a parsed model file as `__main__`.
pub fn evaluate<'a>(
    map: &'a mut SourceMap,
    file: FileId,
    module: &Module,
    interner: &'a mut Interner,
) -> Evaluated<'a> {
    let mut host = Host::new(map, interner);
    host.search_path = imports::search_path(&host.map.get(file).name);
    let globals = Rc::new(Namespace { name: "__main__".into(), attrs: Default::default() });
    let name = host.sym("__name__");
    globals.attrs.borrow_mut().insert(name, Value::str("__main__"));
    host.run_module(module, file, globals.clone());
    Evaluated { host, globals }
}

/// The module or function `tsc` compiles, and the name it is known by.
pub struct Selected {
    pub name: String,
    /// An entry (scripted, traced, optimized) or a plain module instance.
    pub value: Value,
}

impl Selected {
    /// The nn.Module instance at the root, through any entries.
    pub fn root_module(&self) -> Option<Rc<Instance>> {
        fn root(v: &Value) -> Option<Rc<Instance>> {
            match v {
                Value::Instance(i) if i.class.is_module() => Some(i.clone()),
                Value::Entry(e) => root(&e.target),
                _ => None,
            }
        }
        root(&self.value)
    }

    pub fn entry_kind(&self) -> Option<EntryKind> {
        match &self.value {
            Value::Entry(e) => Some(e.kind),
            _ => None,
        }
    }
}

/// Picks the entry: `--entry NAME`; else the last scripted/traced/optimized
/// result bound to a module-level name; else the last module-level
/// `nn.Module` instance.
pub fn select_entry(
    evaluated: &Evaluated<'_>,
    requested: Option<&str>,
    file_span: Span,
) -> Result<Selected, Box<Diagnostic>> {
    let interner = &*evaluated.host.interner;
    let globals: Vec<(String, Value)> =
        evaluated.globals.attrs.borrow().iter().map(|(k, v)| (interner.resolve(*k).to_string(), v.clone())).collect();
    let is_module = |v: &Value| matches!(v, Value::Instance(i) if i.class.is_module());
    if let Some(name) = requested {
        return match globals.iter().find(|(n, _)| n == name) {
            Some((n, v @ Value::Entry(_))) => Ok(Selected { name: n.clone(), value: v.clone() }),
            Some((n, v)) if is_module(v) => Ok(Selected { name: n.clone(), value: v.clone() }),
            Some((n, v)) => Err(Diagnostic::new(
                Code::E5007,
                Span::point(file_span.start),
                format!("`{n}` is not a module or a scripted entry"),
            )
            .label(format!("`--entry {n}` names a value of type `{}`", v.type_name()))
            .help("name a module-level `nn.Module` instance or the result of `torch.jit.script`/`torch.jit.trace`")
            .into()),
            None => Err(Diagnostic::new(
                Code::E5007,
                Span::point(file_span.start),
                format!("no module-level name `{name}` in this file"),
            )
            .label(format!("`--entry {name}` names nothing here"))
            .help(entry_candidates(&globals, is_module))
            .into()),
        };
    }
    let last_entry = evaluated
        .entries()
        .iter()
        .rev()
        .find_map(|entry| globals.iter().rev().find(|(_, v)| matches!(v, Value::Entry(e) if Rc::ptr_eq(e, entry))));
    if let Some((n, v)) = last_entry {
        return Ok(Selected { name: n.clone(), value: v.clone() });
    }
    if let Some((n, v)) = globals.iter().rev().find(|(_, v)| is_module(v)) {
        return Ok(Selected { name: n.clone(), value: v.clone() });
    }
    Err(Diagnostic::new(Code::E5007, Span::point(file_span.start), "no entry module or function to compile")
        .label("this file builds no module-level `nn.Module` instance")
        .help(
            "end the file with `model = Net().eval()` and `scripted = torch.jit.script(model)`, or pass `--entry NAME`",
        )
        .into())
}

fn entry_candidates(globals: &[(String, Value)], is_module: impl Fn(&Value) -> bool) -> String {
    let names: Vec<&str> =
        globals.iter().filter(|(_, v)| matches!(v, Value::Entry(_)) || is_module(v)).map(|(n, _)| n.as_str()).collect();
    if names.is_empty() {
        "the file has no module-level module or scripted entry".to_string()
    } else {
        format!("the file's modules and entries are: {}", names.join(", "))
    }
}
