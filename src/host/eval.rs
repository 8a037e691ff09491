//! The evaluator: statements and expressions of module-level code and of the
//! functions it calls (`__init__` bodies, helpers), with Python's semantics.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;

use super::call::Args;
pub use super::error::{Eval, Flow, Raised};
use super::module::ModuleState;
use super::value::*;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::*;
use crate::syntax::{Interner, Symbol};

/// Nested Python calls before `RecursionError`.
const DEPTH_LIMIT: u32 = 150;

/// Where names live while a block runs.
pub struct Frame {
    pub globals: Rc<Namespace>,
    /// Function locals; `None` at module level, where locals are globals.
    pub locals: Option<Rc<RefCell<HashMap<Symbol, Value>>>>,
    /// A class body being evaluated: its names go here.
    pub class_body: Option<RefCell<IndexMap<Symbol, Value>>>,
    pub closure: Option<Rc<RefCell<HashMap<Symbol, Value>>>>,
    pub declared_global: Vec<Symbol>,
    pub file: FileId,
    /// For zero-argument `super()`: the class that defines the running
    /// method, and its first argument.
    pub method_of: Option<(Rc<Class>, Value)>,
}

/// The host evaluator and everything one evaluation produced.
pub struct Host<'a> {
    pub map: &'a mut SourceMap,
    pub interner: &'a mut Interner,
    pub diagnostics: Vec<Diagnostic>,
    /// Script/trace/optimize results, in the order the file made them.
    pub entries: Vec<Rc<Entry>>,
    /// `.save(...)`/`._save_for_lite_interpreter(...)` calls: recorded, never run.
    pub saves: Vec<(String, Span)>,
    /// Loaded Python modules by dotted path, native and prelude alike.
    pub modules: HashMap<String, Rc<Namespace>>,
    pub builtins: Rc<Namespace>,
    /// Builtin classes by name: exceptions, `object`, `int`, ...
    pub classes: HashMap<&'static str, Rc<Class>>,
    steps: u64,
    depth: u32,
    /// Seeds for random fills, drawn in creation order.
    pub seed: u64,
    /// The exception an `except` block is handling (for a bare `raise`).
    handling: Vec<Rc<Exception>>,
    /// Where each module-level name was last assigned, by namespace: the
    /// script compiler points at it when compiled code uses the global.
    pub definitions: HashMap<(*const Namespace, Symbol), Span>,
    /// The recorded `forward` of each traced module (`crate::trace`), which
    /// the script compiler uses in place of compiling its source.
    pub traced: crate::host::traced::TracedForwards,
    /// Tensors that basic indexing copied out of another (see
    /// `tensor_index::check_writable`).
    pub(super) copied_views: Vec<(std::rc::Weak<crate::tensor::Tensor>, super::tensor_index::Order)>,
    /// What `print` wrote: kept, not shown (tsc prints nothing of the
    /// file's own; tests compare it with what CPython prints).
    pub printed: String,
    /// The trace of a `forward` the host is running, if any.
    pub tape: Option<Rc<RefCell<dyn super::tape::Tape>>>,
    /// Folders the model's own modules are imported from.
    pub search_path: Vec<std::path::PathBuf>,
}

impl<'a> Host<'a> {
    pub fn new(map: &'a mut SourceMap, interner: &'a mut Interner) -> Host<'a> {
        let builtins = Rc::new(Namespace { name: "builtins".into(), attrs: RefCell::new(IndexMap::new()) });
        let mut host = Host {
            map,
            interner,
            diagnostics: Vec::new(),
            entries: Vec::new(),
            saves: Vec::new(),
            modules: HashMap::new(),
            builtins,
            classes: HashMap::new(),
            steps: 0,
            depth: 0,
            seed: 0x5eed,
            handling: Vec::new(),
            definitions: HashMap::new(),
            traced: HashMap::new(),
            copied_views: Vec::new(),
            printed: String::new(),
            tape: None,
            search_path: Vec::new(),
        };
        super::builtins::install(&mut host);
        super::torch::install(&mut host);
        super::builtins::install_prelude(&mut host);
        // The budget is the model file's: installing the builtins spent none of it.
        host.steps = 0;
        host
    }

    pub fn sym(&mut self, name: &str) -> Symbol {
        self.interner.intern(name)
    }

    pub fn name(&self, symbol: Symbol) -> &str {
        self.interner.resolve(symbol)
    }

    pub fn class(&self, name: &str) -> Rc<Class> {
        self.classes.get(name).cloned().unwrap_or_else(|| panic!("builtin class `{name}` is installed at start"))
    }

    /// A Python exception of a builtin class, with the diagnostic code it
    /// gets if nothing catches it.
    pub fn raise<T>(&self, class: &str, message: impl Into<String>, span: Span) -> Eval<T> {
        let code = match class {
            "TypeError" => Code::E5002,
            "NameError" => Code::E5003,
            "AttributeError" => Code::E5004,
            "RecursionError" => Code::E5006,
            _ => Code::E5009,
        };
        self.raise_code(code, class, message, span)
    }

    pub fn raise_code<T>(&self, code: Code, class: &str, message: impl Into<String>, span: Span) -> Eval<T> {
        let exception = Rc::new(Exception { class: self.class(class), message: message.into() });
        Err(Flow::Raise(Box::new(Raised {
            exception,
            code,
            span,
            traceback: Vec::new(),
            label: None,
            notes: Vec::new(),
            helps: Vec::new(),
        })))
    }

    /// Something a model file may not do here (E5005).
    pub fn unsupported<T>(&self, message: impl Into<String>, span: Span) -> Eval<T> {
        self.raise_code(Code::E5005, "NotImplementedError", message, span)
    }

    fn step(&mut self, span: Span) -> Eval<()> {
        self.steps += 1;
        let limit = crate::budget::step_limit();
        if self.steps > limit {
            return self.raise_code(
                Code::E5006,
                "RuntimeError",
                format!("evaluation stopped after {limit} steps; is there an endless loop?"),
                span,
            );
        }
        Ok(())
    }

    // ------------------------------------------------------------ module files

    /// Runs a parsed file as the module `module_path`. An uncaught exception
    /// in a statement becomes a diagnostic, and the file goes on with the
    /// next statement, so one check lists every independent problem; what
    /// the failed statement would have bound is unknown, and an error in a
    /// later statement that reads it follows from the first: not reported
    /// (see `host::unknown`).
    pub fn run_module(&mut self, module: &Module, file: FileId, namespace: Rc<Namespace>) {
        let mut frame = Frame {
            globals: namespace,
            locals: None,
            class_body: None,
            closure: None,
            declared_global: Vec::new(),
            file,
            method_of: None,
        };
        let mut unknown = std::collections::HashSet::new();
        for stmt in &module.body {
            let Err(flow) = self.exec(stmt, &mut frame) else { continue };
            let stopped = matches!(&flow, Flow::Raise(raised) if raised.code == Code::E5006);
            if !super::unknown::follows(self, stmt, &flow, &unknown) {
                self.report(flow);
            }
            if stopped {
                break;
            }
            super::unknown::bound_names(stmt, &mut unknown);
        }
    }

    pub fn report(&mut self, flow: Flow) {
        match flow {
            Flow::Raise(raised) => self.diagnostics.push(raised.into_diagnostic()),
            // The validator rejects return/break/continue outside their context.
            Flow::Return(_) | Flow::Break | Flow::Continue => {}
        }
    }

    // ------------------------------------------------------------ statements

    pub fn exec_block(&mut self, body: &[Stmt], frame: &mut Frame) -> Eval<()> {
        for stmt in body {
            self.exec(stmt, frame)?;
        }
        Ok(())
    }

    fn exec(&mut self, stmt: &Stmt, frame: &mut Frame) -> Eval<()> {
        self.step(stmt.span)?;
        match &stmt.kind {
            StmtKind::Expr(e) => {
                self.eval(e, frame)?;
            }
            StmtKind::Assign { targets, value } => {
                let v = self.eval(value, frame)?;
                for target in targets {
                    self.assign(target, v.clone(), frame)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                let current = self.eval(target, frame)?;
                let rhs = self.eval(value, frame)?;
                let result = match (&target.kind, &current) {
                    // `t[i:j] += v`: PyTorch adds into the view `t[i:j]`;
                    // tsc's slice is a copy, so the sum is stored back
                    // through `t` by the assignment below.
                    (ExprKind::Subscript { .. }, Value::Tensor(view)) => {
                        let view = view.clone();
                        let sum = super::ops::binary(self, *op, current, rhs, stmt.span)?;
                        Value::Tensor(super::eager::in_place_result(self, &view, sum, stmt.span)?)
                    }
                    _ => self.augmented(*op, current, rhs, stmt.span)?,
                };
                self.assign(target, result, frame)?;
            }
            StmtKind::AnnAssign { target, annotation, value } => {
                if let (true, ExprKind::Name(name)) = (frame.class_body.is_some(), &target.kind) {
                    let name = Value::str(self.name(*name));
                    self.annotate(name, annotation, frame)?;
                }
                if let Some(value) = value {
                    let v = self.eval(value, frame)?;
                    self.assign(target, v, frame)?;
                }
            }
            StmtKind::If { test, body, orelse } => {
                if self.truth_of(test, frame)? {
                    self.exec_block(body, frame)?;
                } else {
                    self.exec_block(orelse, frame)?;
                }
            }
            StmtKind::While { test, body, orelse } => {
                let mut broke = false;
                while !broke && self.truth_of(test, frame)? {
                    self.step(test.span)?;
                    broke = self.loop_body(body, frame)?;
                }
                if !broke {
                    self.exec_block(orelse, frame)?;
                }
            }
            StmtKind::For { target, iter, body, orelse, .. } => {
                let iterable = self.eval(iter, frame)?;
                let mut broke = false;
                for item in self.iterate(&iterable, iter.span)? {
                    self.assign(target, item, frame)?;
                    broke = self.loop_body(body, frame)?;
                    if broke {
                        break;
                    }
                }
                if !broke {
                    self.exec_block(orelse, frame)?;
                }
            }
            StmtKind::FunctionDef(def) => {
                let function = self.define_function(def, frame)?;
                let mut value = Value::Function(function);
                for decorator in def.decorators.iter().rev() {
                    let d = self.eval(decorator, frame)?;
                    value = self.call(d, Args::positional(vec![value], decorator.span), decorator.span)?;
                }
                self.store(def.name.name, value, frame);
            }
            StmtKind::ClassDef(def) => {
                let mut value = Value::Class(self.define_class(def, frame)?);
                for decorator in def.decorators.iter().rev() {
                    let d = self.eval(decorator, frame)?;
                    value = self.call(d, Args::positional(vec![value], decorator.span), decorator.span)?;
                }
                self.store(def.name.name, value, frame);
            }
            StmtKind::Return(value) => {
                let v = match value {
                    Some(e) => self.eval(e, frame)?,
                    None => Value::None,
                };
                return Err(Flow::Return(v));
            }
            StmtKind::Pass => {}
            StmtKind::Break => return Err(Flow::Break),
            StmtKind::Continue => return Err(Flow::Continue),
            StmtKind::Raise { exc, .. } => {
                return Err(self.raise_statement(exc.as_ref(), stmt.span, frame));
            }
            StmtKind::Assert { test, msg } => {
                if !self.truth_of(test, frame)? {
                    let message = match msg {
                        Some(m) => {
                            let v = self.eval(m, frame)?;
                            super::ops::to_str(self, &v)
                        }
                        None => String::new(),
                    };
                    return self.raise_code(Code::E5001, "AssertionError", message, stmt.span);
                }
            }
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                let result = self.exec_try(body, handlers, orelse, frame);
                self.exec_block(finalbody, frame)?;
                result?;
            }
            StmtKind::With { items, body, .. } => self.exec_with(items, body, frame)?,
            StmtKind::Import(aliases) => {
                for alias in aliases {
                    let path = self.dotted(&alias.name);
                    let module = self.import(&path, alias.span)?;
                    match alias.asname {
                        Some(asname) => self.store(asname.name, Value::Namespace(module), frame),
                        None => {
                            // `import a.b` binds `a`.
                            let top = self.import(&path[..path.find('.').unwrap_or(path.len())], alias.span)?;
                            self.store(alias.name.parts[0].name, Value::Namespace(top), frame);
                        }
                    }
                }
            }
            StmtKind::ImportFrom { module, names, level } => {
                let mut path = module.as_ref().map(|m| self.dotted(m)).unwrap_or_default();
                if *level > 0 {
                    path = super::imports::relative(self, &frame.globals, *level, &path, stmt.span)?;
                }
                // `from . import layers` at the top level: modules by name.
                let namespace = if path.is_empty() {
                    Rc::new(Namespace { name: String::new().into(), attrs: RefCell::new(IndexMap::new()) })
                } else {
                    self.import(&path, stmt.span)?
                };
                for alias in names {
                    let name = alias.name.parts[0].name;
                    if self.name(name) == "*" {
                        let attrs: Vec<(Symbol, Value)> =
                            namespace.attrs.borrow().iter().map(|(k, v)| (*k, v.clone())).collect();
                        for (k, v) in attrs {
                            if !self.name(k).starts_with('_') {
                                self.store(k, v, frame);
                            }
                        }
                        continue;
                    }
                    let value = self.import_name(&namespace, &path, name, alias.span)?;
                    self.store(alias.asname.map_or(name, |a| a.name), value, frame);
                }
            }
            StmtKind::Global(names) => frame.declared_global.extend(names.iter().map(|n| n.name)),
            StmtKind::Nonlocal(_) => {}
            StmtKind::Delete(targets) => {
                for target in targets {
                    self.delete(target, frame)?;
                }
            }
            StmtKind::Error => {}
        }
        Ok(())
    }

    /// One iteration of a loop body; true when it ended in `break`.
    fn loop_body(&mut self, body: &[Stmt], frame: &mut Frame) -> Eval<bool> {
        match self.exec_block(body, frame) {
            Err(Flow::Break) => Ok(true),
            Err(Flow::Continue) | Ok(()) => Ok(false),
            Err(other) => Err(other),
        }
    }

    fn exec_try(&mut self, body: &[Stmt], handlers: &[ExceptHandler], orelse: &[Stmt], frame: &mut Frame) -> Eval<()> {
        match self.exec_block(body, frame) {
            Ok(()) => self.exec_block(orelse, frame),
            Err(Flow::Raise(raised)) => {
                for handler in handlers {
                    let matches = match &handler.typ {
                        None => true,
                        Some(t) => {
                            let typ = self.eval(t, frame)?;
                            self.exception_matches(&raised.exception, &typ)
                        }
                    };
                    if matches {
                        if let Some(name) = handler.name {
                            self.store(name.name, Value::Exception(raised.exception.clone()), frame);
                        }
                        self.handling.push(raised.exception.clone());
                        let result = self.exec_block(&handler.body, frame);
                        self.handling.pop();
                        return result;
                    }
                }
                Err(Flow::Raise(raised))
            }
            Err(other) => Err(other),
        }
    }

    /// `x: T` in a class body: `T` joins the class's `__annotations__`, in
    /// order (what `dataclass` reads). An annotation the host cannot
    /// evaluate (a forward reference) is kept as the placeholder
    /// `"<annotation>"`: its name and order are what is read.
    fn annotate(&mut self, name: Value, annotation: &Expr, frame: &mut Frame) -> Eval<()> {
        let key = self.sym("__annotations__");
        let value = match self.eval(annotation, frame) {
            Ok(v) => v,
            Err(Flow::Raise(_)) => Value::str("<annotation>"),
            Err(other) => return Err(other),
        };
        let Some(body) = &frame.class_body else { return Ok(()) };
        let existing = body.borrow().get(&key).cloned();
        let dict = match existing {
            Some(Value::Dict(d)) => d,
            _ => {
                let d = Rc::new(RefCell::new(Dict::default()));
                body.borrow_mut().insert(key, Value::Dict(d.clone()));
                d
            }
        };
        super::ops::dict_insert(self, &mut dict.borrow_mut(), name, value, annotation.span)
    }

    /// `with a as x, b: body`: an object with `__enter__` and `__exit__`
    /// is entered and exited as Python does (an exception passes through
    /// `__exit__`, which may suppress it); other values (`torch.no_grad()`)
    /// are bound as they are.
    fn exec_with(&mut self, items: &[WithItem], body: &[Stmt], frame: &mut Frame) -> Eval<()> {
        let Some((first, rest)) = items.split_first() else {
            return self.exec_block(body, frame);
        };
        let context = self.eval(&first.context, frame)?;
        let (enter, exit) = (self.sym("__enter__"), self.sym("__exit__"));
        let managed = match &context {
            Value::Instance(i) => i.class.lookup(enter).zip(i.class.lookup(exit)),
            _ => None,
        };
        let span = first.context.span;
        let Some((enter, exit)) = managed else {
            if let Some(target) = &first.target {
                self.assign(target, context, frame)?;
            }
            return self.exec_with(rest, body, frame);
        };
        let entered = self.call(bind(&context, enter), Args::positional(Vec::new(), span), span)?;
        if let Some(target) = &first.target {
            self.assign(target, entered, frame)?;
        }
        let result = self.exec_with(rest, body, frame);
        let exit_args = match &result {
            Err(Flow::Raise(raised)) => vec![
                Value::Class(raised.exception.class.clone()),
                Value::Exception(raised.exception.clone()),
                Value::None,
            ],
            _ => vec![Value::None, Value::None, Value::None],
        };
        let suppress = self.call(bind(&context, exit), Args::positional(exit_args, span), span)?;
        match result {
            Err(Flow::Raise(_)) if self.truth(&suppress, span)? => Ok(()),
            other => other,
        }
    }

    fn exception_matches(&self, exception: &Rc<Exception>, typ: &Value) -> bool {
        match typ {
            Value::Class(c) => exception.class.is_subclass_of(c),
            Value::Tuple(items) => items.iter().any(|t| self.exception_matches(exception, t)),
            _ => false,
        }
    }

    fn raise_statement(&mut self, exc: Option<&Expr>, span: Span, frame: &mut Frame) -> Flow {
        let value = match exc {
            None => match self.handling.last() {
                Some(e) => Value::Exception(e.clone()),
                None => {
                    return self.raise::<()>("RuntimeError", "No active exception to reraise", span).unwrap_err();
                }
            },
            Some(e) => match self.eval(e, frame) {
                Ok(v) => v,
                Err(flow) => return flow,
            },
        };
        let value = match value {
            Value::Class(c)
                if c.native == NativeKind::Exception || c.mro().iter().any(|k| k.native == NativeKind::Exception) =>
            {
                match self.call(Value::Class(c), Args::positional(Vec::new(), span), span) {
                    Ok(v) => v,
                    Err(flow) => return flow,
                }
            }
            other => other,
        };
        match value {
            Value::Exception(exception) => Flow::Raise(Box::new(Raised {
                exception,
                code: Code::E5001,
                span,
                traceback: Vec::new(),
                label: None,
                notes: Vec::new(),
                helps: Vec::new(),
            })),
            other => self
                .raise::<()>(
                    "TypeError",
                    format!("exceptions must derive from BaseException, not {}", other.type_name()),
                    span,
                )
                .unwrap_err(),
        }
    }

    fn dotted(&self, name: &DottedName) -> String {
        name.parts.iter().map(|p| self.name(p.name)).collect::<Vec<_>>().join(".")
    }

    /// `from module import name`: an attribute, or a submodule.
    fn import_name(&mut self, namespace: &Rc<Namespace>, path: &str, name: Symbol, span: Span) -> Eval<Value> {
        if let Some(v) = namespace.attrs.borrow().get(&name) {
            return Ok(v.clone());
        }
        let sub = if path.is_empty() { self.name(name).to_string() } else { format!("{path}.{}", self.name(name)) };
        if super::imports::exists(self, &sub) {
            return Ok(Value::Namespace(self.import(&sub, span)?));
        }
        let text = self.name(name).to_string();
        self.raise("ImportError", format!("cannot import name '{text}' from '{path}'"), span)
    }

    pub fn import(&mut self, path: &str, span: Span) -> Eval<Rc<Namespace>> {
        super::imports::import(self, path, span)
    }

    // ------------------------------------------------------------ names

    pub fn store(&mut self, name: Symbol, value: Value, frame: &mut Frame) {
        if let Some(body) = &frame.class_body {
            body.borrow_mut().insert(name, value);
        } else if let (Some(locals), false) = (&frame.locals, frame.declared_global.contains(&name)) {
            locals.borrow_mut().insert(name, value);
        } else {
            frame.globals.attrs.borrow_mut().insert(name, value);
        }
    }

    fn lookup(&mut self, name: Symbol, span: Span, frame: &Frame) -> Eval<Value> {
        if let Some(body) = &frame.class_body
            && let Some(v) = body.borrow().get(&name)
        {
            return Ok(v.clone());
        }
        if let Some(locals) = &frame.locals
            && let Some(v) = locals.borrow().get(&name)
        {
            return Ok(v.clone());
        }
        if let Some(closure) = &frame.closure
            && let Some(v) = closure.borrow().get(&name)
        {
            return Ok(v.clone());
        }
        if let Some(v) = frame.globals.attrs.borrow().get(&name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.builtins.attrs.borrow().get(&name) {
            return Ok(v.clone());
        }
        let text = self.name(name).to_string();
        let mut known: Vec<String> = Vec::new();
        for scope in [frame.locals.as_ref(), frame.closure.as_ref()].into_iter().flatten() {
            known.extend(scope.borrow().keys().map(|k| self.name(*k).to_string()));
        }
        known.extend(frame.globals.attrs.borrow().keys().map(|k| self.name(*k).to_string()));
        known.extend(self.builtins.attrs.borrow().keys().map(|k| self.name(*k).to_string()));
        let error = self.raise::<Value>("NameError", format!("name '{text}' is not defined"), span);
        match super::error::similar(&text, known.iter().map(String::as_str)) {
            Some(close) => {
                Err(error.unwrap_err().help(format!("a name with a similar spelling is defined: `{close}`")))
            }
            None => error,
        }
    }

    // ------------------------------------------------------------ definitions

    fn define_function(&mut self, def: &Rc<FunctionDef>, frame: &mut Frame) -> Eval<Rc<Function>> {
        let mut defaults = Vec::with_capacity(def.params.len());
        for param in &def.params {
            defaults.push(match &param.default {
                Some(e) => Some(self.eval(e, frame)?),
                None => None,
            });
        }
        let qualname = self.name(def.name.name).to_string();
        Ok(Rc::new(Function {
            def: def.clone(),
            file: frame.file,
            defaults,
            globals: frame.globals.clone(),
            closure: frame.locals.clone(),
            qualname,
            owner: RefCell::new(None),
        }))
    }

    fn define_class(&mut self, def: &Rc<ClassDef>, frame: &mut Frame) -> Eval<Rc<Class>> {
        let mut bases = Vec::new();
        let mut named_tuple = false;
        for arg in &def.bases {
            if let ArgKind::Positional(e) = &arg.kind {
                match self.eval(e, frame)? {
                    Value::Class(c) => bases.push(c),
                    Value::Typing(form) => named_tuple |= &*form == "NamedTuple", // Generic[T]: no behaviour
                    other => {
                        return self.raise(
                            "TypeError",
                            format!("a class can only inherit from classes, not {}", other.type_name()),
                            e.span,
                        );
                    }
                }
            }
        }
        if bases.is_empty() {
            bases.push(self.class("object"));
        }
        let mut body_frame = Frame {
            globals: frame.globals.clone(),
            locals: None,
            class_body: Some(RefCell::new(IndexMap::new())),
            closure: frame.locals.clone(),
            declared_global: Vec::new(),
            file: frame.file,
            method_of: None,
        };
        self.exec_block(&def.body, &mut body_frame)?;
        let attrs = body_frame.class_body.take().expect("set above").into_inner();
        let name: Rc<str> = self.name(def.name.name).into();
        let module_path = self.module_path_of(&frame.globals);
        let native = bases.first().map_or(NativeKind::Object, |b| match b.native {
            NativeKind::Exception => NativeKind::Exception,
            _ if named_tuple => NativeKind::NamedTuple,
            _ => NativeKind::Object,
        });
        let class = Rc::new(Class {
            name,
            module_path,
            bases,
            attrs: RefCell::new(attrs),
            native,
            def: Some((def.clone(), frame.file)),
        });
        for value in class.attrs.borrow().values() {
            if let Value::Function(f) = value {
                *f.owner.borrow_mut() = Some(Rc::downgrade(&class));
            }
        }
        // A base's `__init_subclass__` (an implicit classmethod) sees the
        // new class, as `type.__new__` calls it (what `enum.Enum` builds on).
        let hook = self.sym("__init_subclass__");
        let inherited = class.mro().iter().skip(1).find_map(|c| c.attrs.borrow().get(&hook).cloned());
        if let Some(f) = inherited {
            let f = match &f {
                Value::Descriptor(d) if let Descriptor::ClassMethod(inner) = &**d => inner.clone(),
                _ => f,
            };
            let span = def.name.span;
            self.call(bind(&Value::Class(class.clone()), f), Args::positional(Vec::new(), span), span)?;
        }
        Ok(class)
    }

    fn module_path_of(&mut self, globals: &Rc<Namespace>) -> Rc<str> {
        let key = self.sym("__name__");
        match globals.attrs.borrow().get(&key) {
            Some(Value::Str(s)) => s.clone(),
            _ => "__main__".into(),
        }
    }

    /// Python's truth of a value; a tensor's is its one element's, an
    /// object's its `__bool__` or else its `__len__`.
    pub fn truth(&mut self, v: &Value, span: Span) -> Eval<bool> {
        match v {
            Value::Tensor(t) => {
                self.converted(t, "a Python boolean", span);
                super::eager::truth(self, t, span)
            }
            Value::Instance(i) if super::named_tuple::items(i).is_none() => {
                for (method, want_bool) in [("__bool__", true), ("__len__", false)] {
                    let key = self.sym(method);
                    if let Some(f) = i.class.lookup(key) {
                        let result = self.call(bind(v, f), Args::positional(Vec::new(), span), span)?;
                        return match (want_bool, result) {
                            (true, Value::Bool(b)) => Ok(b),
                            (false, Value::Int(n)) => Ok(n != 0),
                            (_, other) => self.raise(
                                "TypeError",
                                format!(
                                    "{method}() should return {}, returned {}",
                                    if want_bool { "bool" } else { "an int" },
                                    other.type_name()
                                ),
                                span,
                            ),
                        };
                    }
                }
                Ok(true)
            }
            v => Ok(v.truthy()),
        }
    }

    fn truth_of(&mut self, test: &Expr, frame: &mut Frame) -> Eval<bool> {
        let v = self.eval(test, frame)?;
        self.truth(&v, test.span)
    }

    // ------------------------------------------------------------ calls

    /// Calls any callable value.
    pub fn call(&mut self, callee: Value, mut args: Args, span: Span) -> Eval<Value> {
        self.step(span)?;
        match callee {
            Value::Function(f) => self.call_function(&f, args, span, None),
            Value::Builtin(b) => match b.call {
                Native::Fn(f) => f(self, args),
                Native::Aten(op) => super::eager::call(self, op, args),
            },
            Value::Method(bound) => {
                let (this, function) = (bound.0.clone(), bound.1.clone());
                args.positional.insert(0, this.clone());
                match function {
                    Value::Function(f) => self.call_function(&f, args, span, Some(this)),
                    other => self.call(other, args, span),
                }
            }
            Value::Class(class) => self.instantiate(&class, args, span),
            Value::Instance(instance) => {
                let call = self.sym("__call__");
                match instance.class.lookup(call) {
                    Some(f) => self.call(Value::Method(Rc::new((Value::Instance(instance), f))), args, span),
                    None if instance.class.is_module() => super::module::call_module(self, &instance, args, span),
                    None => {
                        let name = instance.class.name.clone();
                        self.raise("TypeError", format!("'{name}' object is not callable"), span)
                    }
                }
            }
            Value::Entry(entry) => {
                let Some(tape) = self.tape.take() else { return super::torch::call_entry(self, &entry, args, span) };
                // While a trace runs, a scripted module's call is recorded
                // as one call (its own run is not the trace's).
                let positional = args.positional.clone();
                let keywords = !args.keywords.is_empty();
                let result = super::torch::call_entry(self, &entry, args, span);
                self.tape = Some(tape.clone());
                let result = result?;
                match &entry.target {
                    Value::Instance(module) if entry.kind == EntryKind::Script && !keywords => {
                        tape.borrow_mut().scripted_call(module, &positional, &result, span);
                    }
                    _ => {
                        let message =
                            "calling this module inside a traced `forward` that does not script cannot be traced yet";
                        tape.borrow_mut().refuse(message.into(), span);
                    }
                }
                Ok(result)
            }
            other => self.raise("TypeError", format!("'{}' object is not callable", other.type_name()), span),
        }
    }

    pub fn call_function(&mut self, f: &Rc<Function>, args: Args, span: Span, this: Option<Value>) -> Eval<Value> {
        if self.depth >= DEPTH_LIMIT {
            return self.raise("RecursionError", "maximum recursion depth exceeded", span);
        }
        let locals = super::call::bind(self, f, args, span)?;
        let owner = f.owner.borrow().as_ref().and_then(std::rc::Weak::upgrade);
        let mut frame = Frame {
            globals: f.globals.clone(),
            locals: Some(Rc::new(RefCell::new(locals))),
            class_body: None,
            closure: f.closure.clone(),
            declared_global: Vec::new(),
            file: f.file,
            method_of: owner.zip(this),
        };
        self.depth += 1;
        let result = self.exec_block(&f.def.body, &mut frame);
        self.depth -= 1;
        match result {
            Ok(()) => Ok(Value::None),
            Err(Flow::Return(v)) => Ok(v),
            Err(flow) => Err(flow.through(span)),
        }
    }

    fn instantiate(&mut self, class: &Rc<Class>, args: Args, span: Span) -> Eval<Value> {
        match class.native {
            NativeKind::Type => {
                let new = self.sym("__new__");
                if let Some(constructor) = class.attrs.borrow().get(&new).cloned() {
                    return self.call(constructor, args, span);
                }
                return super::builtins::construct(self, class, args, span);
            }
            NativeKind::Exception => {
                let message = match args.positional.first() {
                    Some(v) => super::ops::to_str(self, v),
                    None => String::new(),
                };
                return Ok(Value::Exception(Rc::new(Exception { class: class.clone(), message })));
            }
            NativeKind::NamedTuple => return super::named_tuple::construct(self, class, args, span),
            NativeKind::Object | NativeKind::Module => {}
        }
        if class.mro().iter().any(|c| c.native == NativeKind::Exception) {
            let message = match args.positional.first() {
                Some(v) => super::ops::to_str(self, v),
                None => String::new(),
            };
            return Ok(Value::Exception(Rc::new(Exception { class: class.clone(), message })));
        }
        // A class's own `__new__` (an implicit staticmethod) makes the
        // object; `__init__` runs when what it returns is an instance of it.
        let new = self.sym("__new__");
        if let Some(Value::Function(f)) = class.lookup(new) {
            let mut new_args = args.clone();
            new_args.positional.insert(0, Value::Class(class.clone()));
            let made = self.call_function(&f, new_args, span, None)?;
            let init = self.sym("__init__");
            if let Value::Instance(i) = &made
                && i.class.is_subclass_of(class)
                && let Some(f) = class.lookup(init)
            {
                self.call(bind(&made, f), args, span)?;
            }
            return Ok(made);
        }
        let instance = Rc::new(Instance {
            class: class.clone(),
            attrs: RefCell::new(IndexMap::new()),
            module: RefCell::new(None),
            created_at: span,
        });
        let init = self.sym("__init__");
        let init_method = class.lookup(init);
        if init_method.is_none() && !(args.positional.is_empty() && args.keywords.is_empty()) {
            let name = class.name.clone();
            return self.raise("TypeError", format!("{name}() takes no arguments"), span);
        }
        if let Some(f) = init_method {
            let result = self.call(Value::Method(Rc::new((Value::Instance(instance.clone()), f))), args, span)?;
            if !matches!(result, Value::None) {
                return self.raise("TypeError", "__init__() should return None", span);
            }
        }
        Ok(Value::Instance(instance))
    }

    // ------------------------------------------------------------ attributes

    pub fn get_attr(&mut self, value: &Value, name: Symbol, span: Span) -> Eval<Value> {
        if self.name(name) == "__class__" {
            return Ok(super::builtins::type_of(self, value));
        }
        if let Value::Instance(instance) = value
            && self.name(name) == "__module__"
        {
            return Ok(Value::Str(instance.class.module_path.clone()));
        }
        match value {
            Value::Instance(instance) => {
                if let Some(v) = instance.attrs.borrow().get(&name) {
                    return Ok(v.clone());
                }
                if let Some(v) = instance.class.lookup(name) {
                    return match v {
                        Value::Descriptor(d) => match &*d {
                            Descriptor::Static(f) => Ok(f.clone()),
                            Descriptor::ClassMethod(f) => {
                                Ok(Value::Method(Rc::new((Value::Class(instance.class.clone()), f.clone()))))
                            }
                            Descriptor::Property { get: getter, .. } => {
                                let getter = Value::Method(Rc::new((value.clone(), getter.clone())));
                                self.call(getter, Args::positional(Vec::new(), span), span)
                            }
                        },
                        v => Ok(bind(value, v)),
                    };
                }
                if let Some(v) = instance.module.borrow().as_ref().and_then(|m| m.get(self.name(name))) {
                    return Ok(v);
                }
                let (class, attr) = (instance.class.name.clone(), self.name(name).to_string());
                let mut known: Vec<String> =
                    instance.attrs.borrow().keys().map(|k| self.name(*k).to_string()).collect();
                for c in instance.class.mro() {
                    known.extend(c.attrs.borrow().keys().map(|k| self.name(*k).to_string()));
                }
                if let Some(state) = instance.module.borrow().as_ref() {
                    for table in [&state.parameters, &state.buffers, &state.modules] {
                        known.extend(table.entries().into_iter().map(|(n, _)| n));
                    }
                }
                let error =
                    self.raise::<Value>("AttributeError", format!("'{class}' object has no attribute '{attr}'"), span);
                match super::error::similar(&attr, known.iter().map(String::as_str)) {
                    Some(close) => Err(error
                        .unwrap_err()
                        .help(format!("`{class}` has an attribute with a similar name: `{close}`"))),
                    None => error,
                }
            }
            Value::Class(class) if matches!(self.name(name), "__name__" | "__qualname__" | "__module__") => {
                Ok(if self.name(name) == "__module__" {
                    Value::Str(class.module_path.clone())
                } else {
                    Value::Str(class.name.clone())
                })
            }
            Value::Class(class) if matches!(self.name(name), "__mro__" | "__bases__" | "__dict__") => {
                Ok(super::builtins::class_introspection(self, class, name))
            }
            Value::Class(class) => match class.lookup(name) {
                Some(Value::Descriptor(d)) => match &*d {
                    Descriptor::Static(f) => Ok(f.clone()),
                    Descriptor::ClassMethod(f) => Ok(Value::Method(Rc::new((value.clone(), f.clone())))),
                    Descriptor::Property { .. } => Ok(Value::Descriptor(d.clone())),
                },
                Some(v) => Ok(v),
                None => {
                    let attr = self.name(name).to_string();
                    let class = class.name.clone();
                    self.raise("AttributeError", format!("type object '{class}' has no attribute '{attr}'"), span)
                }
            },
            Value::Namespace(ns) => {
                if let Some(v) = ns.attrs.borrow().get(&name) {
                    return Ok(v.clone());
                }
                let sub = format!("{}.{}", ns.name, self.name(name));
                if super::imports::exists(self, &sub) {
                    return Ok(Value::Namespace(self.import(&sub, span)?));
                }
                if let Some(v) = super::torch::namespace_fallback(self, ns, name) {
                    return Ok(v);
                }
                if let Some(Err(refused)) = super::sandbox::attribute(self, ns, name, span) {
                    return Err(refused);
                }
                let (module, attr) = (ns.name.clone(), self.name(name).to_string());
                self.raise("AttributeError", format!("module '{module}' has no attribute '{attr}'"), span)
            }
            Value::Entry(entry) => super::torch::entry_attr(self, entry, name, span),
            Value::Super(proxy) => {
                let (class, this) = (&proxy.0, &proxy.1);
                let mro = match this {
                    Value::Instance(i) => i.class.mro(),
                    Value::Class(c) => c.mro(),
                    _ => class.mro(),
                };
                let after = mro.iter().position(|c| Rc::ptr_eq(c, class)).map_or(0, |i| i + 1);
                for candidate in &mro[after..] {
                    if let Some(v) = candidate.attrs.borrow().get(&name) {
                        return Ok(bind(this, v.clone()));
                    }
                }
                let attr = self.name(name).to_string();
                self.raise("AttributeError", format!("'super' object has no attribute '{attr}'"), span)
            }
            Value::Exception(e) => match self.name(name) {
                "args" => Ok(Value::tuple(vec![Value::str(&e.message)])),
                _ => {
                    let attr = self.name(name).to_string();
                    self.raise("AttributeError", format!("'{}' object has no attribute '{attr}'", e.class.name), span)
                }
            },
            _ => super::builtins::value_attr(self, value, name, span),
        }
    }

    pub fn set_attr(&mut self, target: &Value, name: Symbol, value: Value, span: Span) -> Eval<()> {
        match target {
            Value::Instance(instance) => {
                if let Some(Value::Descriptor(d)) = instance.class.lookup(name)
                    && let Descriptor::Property { set, .. } = &*d
                {
                    let Some(setter) = set else {
                        let (attr, class) = (self.name(name).to_string(), instance.class.name.clone());
                        return self.raise(
                            "AttributeError",
                            format!("property '{attr}' of '{class}' object has no setter"),
                            span,
                        );
                    };
                    self.call(bind(target, setter.clone()), Args::positional(vec![value], span), span)?;
                    return Ok(());
                }
                if instance.class.is_module() {
                    return super::module::set_attr(self, instance, name, value, span);
                }
                // A class's own `__setattr__` (a frozen dataclass's) decides.
                let hook = self.sym("__setattr__");
                if let Some(f @ Value::Function(_)) = instance.class.lookup(hook) {
                    let args = vec![Value::str(self.name(name)), value];
                    self.call(bind(target, f), Args::positional(args, span), span)?;
                    return Ok(());
                }
                instance.attrs.borrow_mut().insert(name, value);
                Ok(())
            }
            Value::Class(class) => {
                class.attrs.borrow_mut().insert(name, value);
                Ok(())
            }
            Value::Namespace(ns) => {
                ns.attrs.borrow_mut().insert(name, value);
                Ok(())
            }
            other => {
                let attr = self.name(name).to_string();
                self.raise(
                    "AttributeError",
                    format!("'{}' object attribute '{attr}' is read-only", other.type_name()),
                    span,
                )
            }
        }
    }

    // ------------------------------------------------------------ assignment

    pub fn assign(&mut self, target: &Expr, value: Value, frame: &mut Frame) -> Eval<()> {
        match &target.kind {
            ExprKind::Name(name) => {
                if frame.locals.is_none() && frame.class_body.is_none() {
                    self.definitions.insert((Rc::as_ptr(&frame.globals), *name), target.span);
                }
                self.store(*name, value, frame);
                Ok(())
            }
            ExprKind::Attribute { value: object, attr } => {
                let object = self.eval(object, frame)?;
                self.set_attr(&object, attr.name, value, target.span)
            }
            ExprKind::Subscript { value: object, index } => {
                let object = self.eval(object, frame)?;
                let index = self.eval(index, frame)?;
                super::ops::set_item(self, &object, index, value, target.span)
            }
            ExprKind::Tuple(targets) | ExprKind::List(targets) => {
                let items = self.iterate(&value, target.span)?;
                let star = targets.iter().position(|t| matches!(t.kind, ExprKind::Starred(_)));
                match star {
                    None => {
                        if items.len() != targets.len() {
                            let message = if items.len() > targets.len() {
                                format!("too many values to unpack (expected {})", targets.len())
                            } else {
                                format!("not enough values to unpack (expected {}, got {})", targets.len(), items.len())
                            };
                            return self.raise("ValueError", message, target.span);
                        }
                        for (t, v) in targets.iter().zip(items) {
                            self.assign(t, v, frame)?;
                        }
                    }
                    Some(at) => {
                        let after = targets.len() - at - 1;
                        if items.len() < targets.len() - 1 {
                            return self.raise(
                                "ValueError",
                                format!(
                                    "not enough values to unpack (expected at least {}, got {})",
                                    targets.len() - 1,
                                    items.len()
                                ),
                                target.span,
                            );
                        }
                        let (head, rest) = items.split_at(at);
                        let (middle, tail) = rest.split_at(rest.len() - after);
                        for (t, v) in targets[..at].iter().zip(head) {
                            self.assign(t, v.clone(), frame)?;
                        }
                        if let ExprKind::Starred(inner) = &targets[at].kind {
                            self.assign(inner, Value::list(middle.to_vec()), frame)?;
                        }
                        for (t, v) in targets[at + 1..].iter().zip(tail) {
                            self.assign(t, v.clone(), frame)?;
                        }
                    }
                }
                Ok(())
            }
            _ => self.unsupported("cannot assign to this expression", target.span),
        }
    }

    fn delete(&mut self, target: &Expr, frame: &mut Frame) -> Eval<()> {
        match &target.kind {
            ExprKind::Name(name) => {
                let removed = match (&frame.class_body, &frame.locals) {
                    (Some(body), _) => body.borrow_mut().shift_remove(name).is_some(),
                    (None, Some(locals)) => locals.borrow_mut().remove(name).is_some(),
                    (None, None) => frame.globals.attrs.borrow_mut().shift_remove(name).is_some(),
                };
                if !removed {
                    let text = self.name(*name).to_string();
                    return self.raise("NameError", format!("name '{text}' is not defined"), target.span);
                }
                Ok(())
            }
            ExprKind::Attribute { value, attr } => {
                let object = self.eval(value, frame)?;
                if let Value::Instance(instance) = &object
                    && let Some(Value::Descriptor(d)) = instance.class.lookup(attr.name)
                    && let Descriptor::Property { delete, .. } = &*d
                {
                    let Some(deleter) = delete else {
                        let (name, class) = (self.name(attr.name).to_string(), instance.class.name.clone());
                        return self.raise(
                            "AttributeError",
                            format!("property '{name}' of '{class}' object has no deleter"),
                            target.span,
                        );
                    };
                    self.call(bind(&object, deleter.clone()), Args::positional(Vec::new(), target.span), target.span)?;
                    return Ok(());
                }
                if let Value::Instance(instance) = &object {
                    let key = self.name(attr.name).to_string();
                    let in_module = instance.module.borrow_mut().as_mut().is_some_and(|m| m.remove(&key));
                    if in_module || instance.attrs.borrow_mut().shift_remove(&attr.name).is_some() {
                        return Ok(());
                    }
                }
                let text = self.name(attr.name).to_string();
                self.raise(
                    "AttributeError",
                    format!("'{}' object has no attribute '{text}'", object.type_name()),
                    target.span,
                )
            }
            ExprKind::Subscript { value, index } => {
                let object = self.eval(value, frame)?;
                let index = self.eval(index, frame)?;
                super::ops::del_item(self, &object, index, target.span)
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for item in items {
                    self.delete(item, frame)?;
                }
                Ok(())
            }
            _ => self.unsupported("cannot delete this expression", target.span),
        }
    }

    // ------------------------------------------------------------ expressions

    pub fn eval(&mut self, expr: &Expr, frame: &mut Frame) -> Eval<Value> {
        match &expr.kind {
            ExprKind::Name(name) => self.lookup(*name, expr.span, frame),
            ExprKind::Literal(c) => Ok(match c {
                Literal::None => Value::None,
                Literal::Bool(b) => Value::Bool(*b),
                Literal::Int(IntLit::Small(v)) => match i64::try_from(*v) {
                    Ok(v) => Value::Int(v),
                    Err(_) => {
                        return self.unsupported("integer literal does not fit in 64 bits", expr.span);
                    }
                },
                Literal::Int(IntLit::Big(_)) => {
                    return self.unsupported("integer literal does not fit in 64 bits", expr.span);
                }
                Literal::Float(f) => Value::Float(*f),
                Literal::Imag(_) => {
                    return self.unsupported("complex numbers are not supported in module-level code", expr.span);
                }
                Literal::Str(s) => Value::str(self.name(*s)),
                Literal::Bytes(_) => {
                    return self.unsupported("bytes literals are not supported", expr.span);
                }
                Literal::Ellipsis => Value::Ellipsis,
            }),
            ExprKind::FString(parts) => Ok(Value::str(&self.fstring(parts, frame)?)),
            ExprKind::Attribute { value, attr } => {
                let object = self.eval(value, frame)?;
                self.get_attr(&object, attr.name, attr.span)
            }
            ExprKind::Subscript { value, index } => {
                let object = self.eval(value, frame)?;
                let index = self.eval(index, frame)?;
                super::ops::get_item(self, &object, index, expr.span)
            }
            ExprKind::Call { func, args } if is_zero_argument_super(self, func, args, frame) => {
                match &frame.method_of {
                    Some((class, this)) => Ok(Value::Super(Rc::new((class.clone(), this.clone())))),
                    None => self.raise("RuntimeError", "super(): no arguments", expr.span),
                }
            }
            ExprKind::Call { func, args } => {
                let callee = self.eval(func, frame)?;
                let args = self.eval_args(args, expr.span, frame)?;
                self.call(callee, args, expr.span)
            }
            ExprKind::BinOp { .. } => {
                // A flat `a + b + … + z` nests to the left, as deep as it is long:
                // down the left spine in a loop, then back up applying each operator.
                let (first, spine) = crate::syntax::ast::left_spine(expr);
                let mut l = self.eval(first, frame)?;
                for node in spine.into_iter().rev() {
                    let ExprKind::BinOp { op, right, .. } = &node.kind else { unreachable!("the spine is BinOps") };
                    let r = self.eval(right, frame)?;
                    l = super::ops::binary(self, *op, l, r, node.span)?;
                }
                Ok(l)
            }
            ExprKind::UnaryOp { op, operand } => {
                let v = self.eval(operand, frame)?;
                super::ops::unary(self, *op, v, expr.span)
            }
            ExprKind::BoolOp { op, values } => {
                let mut last = Value::None;
                for value in values {
                    last = self.eval(value, frame)?;
                    let truth = self.truth(&last, value.span)?;
                    let stop = match op {
                        BoolOp::And => !truth,
                        BoolOp::Or => truth,
                    };
                    if stop {
                        break;
                    }
                }
                Ok(last)
            }
            ExprKind::Compare { left, comparisons } => {
                // `a < b < c` is `a < b and b < c`: a result is tested
                // only when another comparison follows it.
                let mut l = self.eval(left, frame)?;
                for (i, (op, right)) in comparisons.iter().enumerate() {
                    let r = self.eval(right, frame)?;
                    let tensors = matches!(l, Value::Tensor(_)) || matches!(r, Value::Tensor(_));
                    let result =
                        match tensors.then(|| super::eager::compare(self, *op, l.clone(), r.clone(), expr.span)) {
                            Some(Some(result)) => result?,
                            _ => Value::Bool(super::ops::compare(self, *op, &l, &r, expr.span)?),
                        };
                    if i + 1 == comparisons.len() || !self.truth(&result, expr.span)? {
                        return Ok(result);
                    }
                    l = r;
                }
                Ok(Value::Bool(true))
            }
            ExprKind::IfExp { test, body, orelse } => {
                if self.truth_of(test, frame)? {
                    self.eval(body, frame)
                } else {
                    self.eval(orelse, frame)
                }
            }
            ExprKind::Lambda { params, body } => {
                let def = lambda_def(self, params, body, expr.span);
                Ok(Value::Function(self.define_function(&def, frame)?))
            }
            ExprKind::NamedExpr { target, value } => {
                let v = self.eval(value, frame)?;
                self.store(target.name, v.clone(), frame);
                Ok(v)
            }
            ExprKind::List(items) => Ok(Value::list(self.eval_items(items, frame)?)),
            ExprKind::Tuple(items) => Ok(Value::tuple(self.eval_items(items, frame)?)),
            ExprKind::Set(items) => {
                let items = self.eval_items(items, frame)?;
                super::builtins::new_set(self, items, expr.span)
            }
            ExprKind::SetComp { elt, generators } => {
                let mut out = Vec::new();
                self.comprehension(generators, frame, &mut |host, frame| {
                    out.push(host.eval(elt, frame)?);
                    Ok(())
                })?;
                super::builtins::new_set(self, out, expr.span)
            }
            ExprKind::Dict(items) => {
                let mut dict = Dict::default();
                for item in items {
                    match item {
                        DictItem::Pair(k, v) => {
                            let k = self.eval(k, frame)?;
                            let v = self.eval(v, frame)?;
                            super::ops::dict_insert(self, &mut dict, k, v, expr.span)?;
                        }
                        DictItem::Unpack(e) => {
                            if let Value::Dict(other) = self.eval(e, frame)? {
                                for (key, entry) in &other.borrow().entries {
                                    dict.entries.insert(key.clone(), entry.clone());
                                }
                            }
                        }
                    }
                }
                Ok(Value::Dict(Rc::new(RefCell::new(dict))))
            }
            ExprKind::ListComp { elt, generators } | ExprKind::GeneratorExp { elt, generators } => {
                let mut out = Vec::new();
                self.comprehension(generators, frame, &mut |host, frame| {
                    super::ops::growing(host, out.len(), elt.span)?;
                    out.push(host.eval(elt, frame)?);
                    Ok(())
                })?;
                Ok(Value::list(out))
            }
            ExprKind::DictComp { key, value, generators } => {
                let mut dict = Dict::default();
                self.comprehension(generators, frame, &mut |host, frame| {
                    let k = host.eval(key, frame)?;
                    let v = host.eval(value, frame)?;
                    super::ops::dict_insert(host, &mut dict, k, v, key.span)
                })?;
                Ok(Value::Dict(Rc::new(RefCell::new(dict))))
            }
            ExprKind::Starred(_) => self.unsupported("a starred expression is not valid here", expr.span),
            ExprKind::Slice { lower, upper, step } => {
                let mut parts = [Value::None, Value::None, Value::None];
                for (slot, part) in parts.iter_mut().zip([lower, upper, step]) {
                    if let Some(e) = part {
                        *slot = self.eval(e, frame)?;
                    }
                }
                Ok(Value::Slice(Rc::new(parts)))
            }
            ExprKind::Await(_) | ExprKind::Yield(_) | ExprKind::YieldFrom(_) => {
                self.unsupported("generators and coroutines are not supported in model files", expr.span)
            }
            ExprKind::Error => self.unsupported("this expression did not parse", expr.span),
        }
    }

    fn eval_items(&mut self, items: &[Expr], frame: &mut Frame) -> Eval<Vec<Value>> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let ExprKind::Starred(inner) = &item.kind {
                let v = self.eval(inner, frame)?;
                out.extend(self.iterate(&v, inner.span)?);
            } else {
                out.push(self.eval(item, frame)?);
            }
        }
        Ok(out)
    }

    fn eval_args(&mut self, args: &[Arg], span: Span, frame: &mut Frame) -> Eval<Args> {
        let mut out = Args::positional(Vec::with_capacity(args.len()), span);
        for arg in args {
            match &arg.kind {
                ArgKind::Positional(e) => out.positional.push(self.eval(e, frame)?),
                ArgKind::Keyword(name, e) => {
                    let v = self.eval(e, frame)?;
                    out.keywords.push((name.name, v));
                }
                ArgKind::Starred(e) => {
                    let v = self.eval(e, frame)?;
                    out.positional.extend(self.iterate(&v, e.span)?);
                }
                ArgKind::DoubleStarred(e) => match self.eval(e, frame)? {
                    Value::Dict(d) => {
                        let entries: Vec<(Value, Value)> = d.borrow().entries.values().cloned().collect();
                        for (k, v) in entries {
                            match k {
                                Value::Str(s) => {
                                    let key = self.sym(&s);
                                    out.keywords.push((key, v));
                                }
                                _ => {
                                    return self.raise("TypeError", "keywords must be strings", e.span);
                                }
                            }
                        }
                    }
                    other => {
                        return self.raise(
                            "TypeError",
                            format!("argument after ** must be a mapping, not {}", other.type_name()),
                            e.span,
                        );
                    }
                },
            }
        }
        Ok(out)
    }

    /// Runs `each` once per combination of the comprehension's loops, with
    /// the loop variables bound in a scope of their own.
    fn comprehension(
        &mut self,
        generators: &[Comprehension],
        frame: &mut Frame,
        each: &mut dyn FnMut(&mut Host<'a>, &mut Frame) -> Eval<()>,
    ) -> Eval<()> {
        let locals: HashMap<Symbol, Value> = frame.locals.as_ref().map(|l| l.borrow().clone()).unwrap_or_default();
        let mut inner = Frame {
            globals: frame.globals.clone(),
            locals: Some(Rc::new(RefCell::new(locals))),
            class_body: None,
            closure: frame.closure.clone(),
            declared_global: Vec::new(),
            file: frame.file,
            method_of: frame.method_of.clone(),
        };
        self.generate(generators, &mut inner, each)
    }

    fn generate(
        &mut self,
        generators: &[Comprehension],
        frame: &mut Frame,
        each: &mut dyn FnMut(&mut Host<'a>, &mut Frame) -> Eval<()>,
    ) -> Eval<()> {
        let Some((first, rest)) = generators.split_first() else {
            return each(self, frame);
        };
        let iterable = self.eval(&first.iter, frame)?;
        'items: for item in self.iterate(&iterable, first.iter.span)? {
            self.step(first.span)?;
            self.assign(&first.target, item, frame)?;
            for condition in &first.ifs {
                if !self.truth_of(condition, frame)? {
                    continue 'items;
                }
            }
            self.generate(rest, frame, each)?;
        }
        Ok(())
    }

    fn fstring(&mut self, parts: &[FStringPart], frame: &mut Frame) -> Eval<String> {
        let mut out = String::new();
        for part in parts {
            match part {
                FStringPart::Literal(s) => out.push_str(self.name(*s)),
                FStringPart::Field(field) => {
                    if let Some(debug) = field.debug {
                        out.push_str(self.name(debug));
                    }
                    let value = self.eval(&field.value, frame)?;
                    let value = match field.conversion {
                        Some('r' | 'a') => Value::str(&super::ops::repr(self, &value)),
                        Some('s') => Value::str(&super::ops::to_str(self, &value)),
                        _ => value,
                    };
                    let spec = self.fstring(&field.spec, frame)?;
                    out.push_str(&super::ops::format_value(self, &value, &spec, field.span)?);
                }
            }
        }
        Ok(out)
    }

    fn augmented(&mut self, op: BinOp, current: Value, rhs: Value, span: Span) -> Eval<Value> {
        // Lists extend in place, as `+=` does in Python.
        if let (BinOp::Add, Value::List(list)) = (op, &current) {
            let items = self.iterate(&rhs, span)?;
            let len = list.borrow().len().saturating_add(items.len());
            super::ops::concatenation(self, len, std::mem::size_of::<Value>(), span)?;
            list.borrow_mut().extend(items);
            return Ok(current);
        }
        // Tensors too: `t += x` writes into `t`, which its aliases see; a
        // traced `t` by the in-place operator PyTorch's tracer records.
        if let Value::Tensor(t) = &current {
            let in_place = match op {
                BinOp::Add => Some("add_"),
                BinOp::Sub => Some("sub_"),
                BinOp::Mul => Some("mul_"),
                BinOp::Div => Some("div_"),
                _ => None,
            };
            if self.traces(t) {
                let Some(name) = in_place else {
                    self.refuse_traced(t, || "this augmented assignment cannot be traced yet".into(), span);
                    return super::ops::binary(self, op, current, rhs, span);
                };
                return super::eager::call(self, name, Args::positional(vec![current, rhs], span));
            }
            let result = super::ops::binary(self, op, current.clone(), rhs, span)?;
            super::eager::write_into(self, t, result, span)?;
            return Ok(current);
        }
        super::ops::binary(self, op, current, rhs, span)
    }

    /// The items of an iterable, eagerly.
    pub fn iterate(&mut self, value: &Value, span: Span) -> Eval<Vec<Value>> {
        Ok(match value {
            Value::List(items) => items.borrow().clone(),
            Value::Tuple(items) => items.to_vec(),
            Value::Dict(d) => d.borrow().entries.values().map(|(k, _)| k.clone()).collect(),
            Value::Str(s) => s.chars().map(|c| Value::str(&c.to_string())).collect(),
            Value::Range { start, stop, step } => {
                let len = range_len(*start, *stop, *step);
                if len > 100_000_000 {
                    return self.raise_code(Code::E5006, "RuntimeError", "range too large to iterate", span);
                }
                if let Err(why) = crate::budget::check(len.max(0) as u128, std::mem::size_of::<Value>() as u128) {
                    return self.raise_code(Code::E5006, "MemoryError", format!("the range's items {why}"), span);
                }
                (0..len).map(|i| Value::Int(start + i * step)).collect()
            }
            Value::Instance(instance) if let Some(items) = super::named_tuple::items(instance) => items,
            Value::Instance(instance) => {
                let iter = self.sym("__iter__");
                match instance.class.lookup(iter) {
                    Some(f) => {
                        let method = Value::Method(Rc::new((value.clone(), f)));
                        let it = self.call(method, Args::positional(Vec::new(), span), span)?;
                        return self.iterate(&it, span);
                    }
                    None => {
                        let name = instance.class.name.clone();
                        return self.raise("TypeError", format!("'{name}' object is not iterable"), span);
                    }
                }
            }
            // A tensor's rows, each a view of it, as `t[i]` reads them.
            Value::Tensor(t) if !t.shape.is_empty() => {
                self.refuse_traced(t, || "iterating over a traced tensor cannot be traced yet".into(), span);
                (0..t.shape[0]).map(|i| Value::Tensor(Rc::new(t.select(i)))).collect()
            }
            Value::Tensor(_) => return self.raise("TypeError", "iteration over a 0-d tensor", span),
            other => {
                return self.raise("TypeError", format!("'{}' object is not iterable", other.type_name()), span);
            }
        })
    }

    /// The module state of a module instance, created by `Module.__init__`.
    pub fn module_state<'i>(&self, instance: &'i Instance) -> Option<std::cell::RefMut<'i, ModuleState>> {
        std::cell::RefMut::filter_map(instance.module.borrow_mut(), Option::as_mut).ok()
    }
}

/// `super()` with no arguments, not shadowed by a local named `super`.
fn is_zero_argument_super(host: &Host<'_>, func: &Expr, args: &[Arg], frame: &Frame) -> bool {
    let ExprKind::Name(name) = func.kind else {
        return false;
    };
    args.is_empty()
        && host.name(name) == "super"
        && !frame.locals.as_ref().is_some_and(|l| l.borrow().contains_key(&name))
}

/// `lambda params: body` as the function `def <lambda>(params): return body`.
fn lambda_def(host: &mut Host<'_>, params: &[Param], body: &Expr, span: Span) -> Rc<FunctionDef> {
    let name = Ident { name: host.sym("<lambda>"), span };
    let body = vec![Stmt { kind: StmtKind::Return(Some(body.clone())), span: body.span }];
    Rc::new(FunctionDef { is_async: false, decorators: Vec::new(), name, params: params.to_vec(), returns: None, body })
}

/// A function found on a class, bound to the instance it was looked up on.
fn bind(instance: &Value, attr: Value) -> Value {
    match attr {
        Value::Function(_) | Value::Builtin(_) => Value::Method(Rc::new((instance.clone(), attr))),
        other => other,
    }
}
