//! `torch.nn.Module` as PyTorch implements it: ordered parameters, buffers
//! and submodules, attribute routing, traversal, `state_dict`, `train`/`eval`
//! and `repr`. The layers themselves are Python, in `prelude/`.

use std::cell::RefCell;
use std::rc::Rc;

use super::builtins::{builtin, native_class, repr_of};
use super::call::Args;
use super::eval::{Eval, Host};
use super::value::*;
use crate::source::Span;
use crate::syntax::Symbol;
use crate::tensor::Tensor;

/// `_parameters`, `_buffers` or `_modules`: a Python dict of name → value
/// (a tensor, a module, or None), shared with Python code that reads and
/// writes `self._modules` directly, as PyTorch's containers do.
#[derive(Clone, Debug, Default)]
pub struct Table(pub Rc<RefCell<Dict>>);

impl Table {
    fn key(name: &str) -> Key {
        Key::Str(name.into())
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.0.borrow().entries.get(&Table::key(name)).map(|(_, v)| v.clone())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.borrow().entries.contains_key(&Table::key(name))
    }

    pub fn insert(&self, name: &str, value: Value) {
        self.0.borrow_mut().entries.insert(Table::key(name), (Value::str(name), value));
    }

    pub fn remove(&self, name: &str) -> bool {
        self.0.borrow_mut().entries.shift_remove(&Table::key(name)).is_some()
    }

    /// The entries with string keys, in order.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.0
            .borrow()
            .entries
            .values()
            .filter_map(|(k, v)| match k {
                Value::Str(name) => Some((name.to_string(), v.clone())),
                _ => None,
            })
            .collect()
    }

    /// The tensors (skipping None), in order.
    pub fn tensors(&self) -> Vec<(String, Rc<Tensor>)> {
        self.entries()
            .into_iter()
            .filter_map(|(n, v)| match v {
                Value::Tensor(t) => Some((n, t)),
                _ => None,
            })
            .collect()
    }
}

/// What `Module.__init__` sets up: `_parameters`, `_buffers`, `_modules`.
#[derive(Debug, Default)]
pub struct ModuleState {
    pub parameters: Table,
    pub buffers: Table,
    /// Buffers registered with `persistent=False` (not in the state_dict).
    pub non_persistent: Vec<String>,
    /// Submodules: module instances, scripted/traced entries, or None.
    pub modules: Table,
}

impl ModuleState {
    pub fn get(&self, name: &str) -> Option<Value> {
        match name {
            "_parameters" => return Some(Value::Dict(self.parameters.0.clone())),
            "_buffers" => return Some(Value::Dict(self.buffers.0.clone())),
            "_modules" => return Some(Value::Dict(self.modules.0.clone())),
            _ => {}
        }
        self.parameters.get(name).or_else(|| self.buffers.get(name)).or_else(|| self.modules.get(name))
    }

    /// Removes a parameter, buffer or submodule; false if there was none.
    pub fn remove(&mut self, name: &str) -> bool {
        self.parameters.remove(name) || self.buffers.remove(name) || self.modules.remove(name)
    }
}

/// Installs `torch.nn.Module` with its native methods; returns the class.
pub fn install(host: &mut Host<'_>) -> Rc<Class> {
    let object = host.class("object");
    let class = native_class("Module", "torch.nn.modules.module", vec![object], NativeKind::Module);
    let methods: &[(&str, BuiltinFn)] = &[
        ("__init__", init),
        ("register_buffer", register_buffer),
        ("register_parameter", register_parameter),
        ("add_module", add_module),
        ("register_module", add_module),
        ("children", children),
        ("named_children", named_children),
        ("modules", modules),
        ("named_modules", named_modules),
        ("parameters", parameters),
        ("named_parameters", named_parameters),
        ("buffers", buffers),
        ("named_buffers", named_buffers),
        ("state_dict", state_dict),
        ("load_state_dict", load_state_dict),
        ("train", train),
        ("eval", eval),
        ("extra_repr", extra_repr),
        ("_get_name", get_name),
        ("to", identity),
        ("cpu", identity),
        ("float", identity),
        ("requires_grad_", identity),
        ("zero_grad", none),
        ("apply", apply),
    ];
    for (name, f) in methods {
        let key = host.sym(name);
        class.attrs.borrow_mut().insert(key, builtin(name, *f));
    }
    host.classes.insert("Module", class.clone());
    class
}

fn instance_of(host: &Host<'_>, v: &Value, span: Span) -> Eval<Rc<Instance>> {
    match v {
        Value::Instance(i) if i.class.is_module() => Ok(i.clone()),
        other => host.raise("TypeError", format!("expected a Module, got '{}'", other.type_name()), span),
    }
}

fn this(host: &Host<'_>, args: &mut Args) -> Eval<Rc<Instance>> {
    let v = args.positional.remove(0);
    instance_of(host, &v, args.span)
}

fn init(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    if let Some((key, _)) = args.keywords.first() {
        let key = host.name(*key).to_string();
        return host.raise(
            "TypeError",
            format!("Module.__init__() got an unexpected keyword argument '{key}'"),
            args.span,
        );
    }
    if !args.positional.is_empty() {
        return host.raise(
            "TypeError",
            format!("Module.__init__() takes 1 positional argument but {} were given", args.positional.len() + 1),
            args.span,
        );
    }
    let training = host.sym("training");
    instance.attrs.borrow_mut().insert(training, Value::Bool(true));
    *instance.module.borrow_mut() = Some(ModuleState::default());
    Ok(Value::None)
}

/// The fix for assigning into a module whose `Module.__init__` has not run.
fn before_init(flow: super::error::Flow) -> super::error::Flow {
    flow.label("assigned before `Module.__init__()` ran")
        .help("call `super().__init__()` at the start of `__init__`, before assigning layers or parameters")
}

/// Whether a value is a module for attribute routing (an instance of a
/// Module subclass, or a scripted/traced module).
fn is_module_value(v: &Value) -> bool {
    match v {
        Value::Instance(i) => i.class.is_module(),
        Value::Entry(e) => is_module_value(&e.target),
        _ => false,
    }
}

fn tensor_type_name(t: &Tensor) -> &'static str {
    match t.dtype {
        crate::types::ScalarType::Float32 => "torch.FloatTensor",
        crate::types::ScalarType::Float64 => "torch.DoubleTensor",
        crate::types::ScalarType::Int64 => "torch.LongTensor",
        crate::types::ScalarType::Int32 => "torch.IntTensor",
        crate::types::ScalarType::Bool => "torch.BoolTensor",
        _ => "torch.Tensor",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Tensor(t) => tensor_type_name(t).to_string(),
        other => other.type_name(),
    }
}

/// `Module.__setattr__`: Parameters, Modules and buffers go to their
/// tables, everything else to the instance's attributes.
pub fn set_attr(host: &mut Host<'_>, instance: &Rc<Instance>, name: Symbol, value: Value, span: Span) -> Eval<()> {
    let key = host.name(name).to_string();
    let has_state = instance.module.borrow().is_some();
    let is_parameter = matches!(&value, Value::Tensor(t) if t.is_parameter);
    if is_parameter {
        if !has_state {
            return host
                .raise("AttributeError", "cannot assign parameters before Module.__init__() call", span)
                .map_err(before_init);
        }
        instance.attrs.borrow_mut().shift_remove(&name);
        let state = host.module_state(instance).expect("checked above");
        state.buffers.remove(&key);
        state.modules.remove(&key);
        state.parameters.insert(&key, value);
        return Ok(());
    }
    if is_module_value(&value) {
        if !has_state {
            return host
                .raise("AttributeError", "cannot assign module before Module.__init__() call", span)
                .map_err(before_init);
        }
        instance.attrs.borrow_mut().shift_remove(&name);
        let state = host.module_state(instance).expect("checked above");
        state.parameters.remove(&key);
        state.buffers.remove(&key);
        state.modules.insert(&key, value);
        return Ok(());
    }
    if has_state {
        let state = host.module_state(instance).expect("checked above");
        if state.parameters.contains(&key) {
            if matches!(value, Value::None) {
                state.parameters.insert(&key, value);
                return Ok(());
            }
            drop(state);
            return host.raise(
                "TypeError",
                format!(
                    "cannot assign '{}' as parameter '{key}' (torch.nn.Parameter or None expected)",
                    describe(&value)
                ),
                span,
            );
        }
        if state.modules.contains(&key) {
            if matches!(value, Value::None) {
                state.modules.insert(&key, value);
                return Ok(());
            }
            drop(state);
            return host.raise(
                "TypeError",
                format!(
                    "cannot assign '{}' as child module '{key}' (torch.nn.Module or None expected)",
                    describe(&value)
                ),
                span,
            );
        }
        if state.buffers.contains(&key) {
            match value {
                Value::None | Value::Tensor(_) => {
                    state.buffers.insert(&key, value);
                    return Ok(());
                }
                other => {
                    drop(state);
                    return host.raise(
                        "TypeError",
                        format!(
                            "cannot assign '{}' as buffer '{key}' (torch.Tensor or None expected)",
                            describe(&other)
                        ),
                        span,
                    );
                }
            }
        }
    }
    instance.attrs.borrow_mut().insert(name, value);
    Ok(())
}

fn name_argument(host: &Host<'_>, v: &Option<Value>, what: &str, span: Span) -> Eval<String> {
    match v {
        Some(Value::Str(s)) => {
            if s.contains('.') {
                return host.raise("KeyError", format!("\"{what} name can't contain \\\".\\\", got: {s}\""), span);
            }
            if s.is_empty() {
                return host.raise("KeyError", format!("\"{what} name can't be empty string \\\"\\\"\""), span);
            }
            Ok(s.to_string())
        }
        Some(other) => {
            host.raise("TypeError", format!("{what} name should be a string. Got {}", other.type_name()), span)
        }
        None => host.raise("TypeError", format!("missing {what} name"), span),
    }
}

/// An attribute of that name exists outside the table being registered into.
fn attribute_exists(host: &mut Host<'_>, instance: &Rc<Instance>, name: &str) -> bool {
    let key = host.sym(name);
    instance.attrs.borrow().contains_key(&key) || instance.class.lookup(key).is_some()
}

fn register_buffer(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    let slots = args.bind(host, "register_buffer", &["name", "tensor", "persistent"], 2)?;
    if instance.module.borrow().is_none() {
        return host
            .raise("AttributeError", "cannot assign buffer before Module.__init__() call", args.span)
            .map_err(before_init);
    }
    let name = name_argument(host, &slots[0], "buffer", args.span)?;
    let exists_elsewhere = {
        let state = host.module_state(&instance).expect("checked above");
        !state.buffers.contains(&name) && (state.parameters.contains(&name) || state.modules.contains(&name))
    };
    if exists_elsewhere || attribute_exists(host, &instance, &name) {
        return host.raise("KeyError", format!("\"attribute '{name}' already exists\""), args.span);
    }
    let tensor = match slots[1].clone().expect("required") {
        v @ (Value::None | Value::Tensor(_)) => v,
        other => {
            return host.raise(
                "TypeError",
                format!(
                    "cannot assign '{}' object to buffer '{name}' (torch Tensor or None required)",
                    describe(&other)
                ),
                args.span,
            );
        }
    };
    let persistent = slots[2].as_ref().is_none_or(Value::truthy);
    let mut state = host.module_state(&instance).expect("checked above");
    state.non_persistent.retain(|n| n != &name);
    if !persistent {
        state.non_persistent.push(name.clone());
    }
    state.buffers.insert(&name, tensor);
    Ok(Value::None)
}

fn register_parameter(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    let slots = args.bind(host, "register_parameter", &["name", "param"], 2)?;
    if instance.module.borrow().is_none() {
        return host
            .raise("AttributeError", "cannot assign parameter before Module.__init__() call", args.span)
            .map_err(before_init);
    }
    let name = name_argument(host, &slots[0], "parameter", args.span)?;
    if attribute_exists(host, &instance, &name) {
        return host.raise("KeyError", format!("\"attribute '{name}' already exists\""), args.span);
    }
    let param = match slots[1].clone().expect("required") {
        Value::None => Value::None,
        Value::Tensor(t) if t.is_parameter => Value::Tensor(t),
        other => {
            return host.raise(
                "TypeError",
                format!(
                    "cannot assign '{}' object to parameter '{name}' (torch.nn.Parameter or None required)",
                    describe(&other)
                ),
                args.span,
            );
        }
    };
    host.module_state(&instance).expect("checked above").parameters.insert(&name, param);
    Ok(Value::None)
}

fn add_module(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    let slots = args.bind(host, "add_module", &["name", "module"], 2)?;
    let module = slots[1].clone().expect("required");
    if !matches!(module, Value::None) && !is_module_value(&module) {
        return host.raise("TypeError", format!("{} is not a Module subclass", module.type_name()), args.span);
    }
    let name = name_argument(host, &slots[0], "module", args.span)?;
    if instance.module.borrow().is_none() {
        return host
            .raise("AttributeError", "cannot assign module before Module.__init__() call", args.span)
            .map_err(before_init);
    }
    let in_other_table = {
        let state = host.module_state(&instance).expect("checked above");
        state.parameters.contains(&name) || state.buffers.contains(&name)
    };
    if in_other_table || attribute_exists(host, &instance, &name) {
        return host.raise("KeyError", format!("\"attribute '{name}' already exists\""), args.span);
    }
    host.module_state(&instance).expect("checked above").modules.insert(&name, module);
    Ok(Value::None)
}

/// The direct submodules that are module instances, in order.
pub fn child_instances(instance: &Instance) -> Vec<(String, Rc<Instance>)> {
    let state = instance.module.borrow();
    let Some(state) = state.as_ref() else { return Vec::new() };
    state
        .modules
        .entries()
        .into_iter()
        .filter_map(|(name, m)| match m {
            Value::Instance(i) => Some((name, i)),
            Value::Entry(e) => match &e.target {
                Value::Instance(i) => Some((name, i.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `named_modules()`: pre-order, each module once, with dotted prefixes.
pub fn named_module_list(root: &Rc<Instance>) -> Vec<(String, Rc<Instance>)> {
    fn visit(
        prefix: String,
        module: &Rc<Instance>,
        seen: &mut Vec<*const Instance>,
        out: &mut Vec<(String, Rc<Instance>)>,
    ) {
        if seen.contains(&Rc::as_ptr(module)) {
            return;
        }
        seen.push(Rc::as_ptr(module));
        out.push((prefix.clone(), module.clone()));
        for (name, child) in child_instances(module) {
            let child_prefix = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
            visit(child_prefix, &child, seen, out);
        }
    }
    let mut out = Vec::new();
    visit(String::new(), root, &mut Vec::new(), &mut out);
    out
}

/// Parameters or buffers of the whole tree, each tensor once.
fn named_tensors(root: &Rc<Instance>, buffers: bool) -> Vec<(String, Rc<Tensor>)> {
    let mut seen: Vec<*const Tensor> = Vec::new();
    let mut out = Vec::new();
    for (prefix, module) in named_module_list(root) {
        let state = module.module.borrow();
        let Some(state) = state.as_ref() else {
            continue;
        };
        let table = if buffers { &state.buffers } else { &state.parameters };
        for (name, t) in table.tensors() {
            if seen.contains(&Rc::as_ptr(&t)) {
                continue;
            }
            seen.push(Rc::as_ptr(&t));
            let full = if prefix.is_empty() { name } else { format!("{prefix}.{name}") };
            out.push((full, t.clone()));
        }
    }
    out
}

/// A parameter or buffer entry of the state_dict.
#[derive(Clone, Debug)]
pub struct StateEntry {
    pub name: String,
    pub tensor: Rc<Tensor>,
    pub is_parameter: bool,
    /// A buffer registered with `persistent=False`: in a scripted module's
    /// state_dict (PyTorch 2.5.1), not in the eager module's.
    pub non_persistent: bool,
}

/// `state_dict()`: each module's parameters, then its persistent buffers,
/// then its children's, recursively (shared tensors appear under every name).
pub fn state_entries(root: &Rc<Instance>) -> Vec<StateEntry> {
    let mut entries = every_state_entry(root);
    entries.retain(|e| !e.non_persistent);
    entries
}

/// [`state_entries`] and the buffers registered with `persistent=False`.
pub fn every_state_entry(root: &Rc<Instance>) -> Vec<StateEntry> {
    fn visit(prefix: &str, module: &Rc<Instance>, out: &mut Vec<StateEntry>) {
        {
            let state = module.module.borrow();
            let Some(state) = state.as_ref() else { return };
            for (name, tensor) in state.parameters.tensors() {
                let name = format!("{prefix}{name}");
                out.push(StateEntry { name, tensor, is_parameter: true, non_persistent: false });
            }
            for (name, tensor) in state.buffers.tensors() {
                let non_persistent = state.non_persistent.contains(&name);
                out.push(StateEntry { name: format!("{prefix}{name}"), tensor, is_parameter: false, non_persistent });
            }
        }
        for (name, child) in child_instances(module) {
            visit(&format!("{prefix}{name}."), &child, out);
        }
    }
    let mut out = Vec::new();
    visit("", root, &mut out);
    out
}

fn list_of_modules(items: Vec<Rc<Instance>>) -> Value {
    Value::list(items.into_iter().map(Value::Instance).collect())
}

fn named(items: Vec<(String, Value)>) -> Value {
    Value::list(items.into_iter().map(|(n, v)| Value::tuple(vec![Value::str(&n), v])).collect())
}

fn children(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(list_of_modules(child_instances(&instance).into_iter().map(|(_, m)| m).collect()))
}

fn named_children(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(named(child_instances(&instance).into_iter().map(|(n, m)| (n, Value::Instance(m))).collect()))
}

fn modules(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(list_of_modules(named_module_list(&instance).into_iter().map(|(_, m)| m).collect()))
}

fn named_modules(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(named(named_module_list(&instance).into_iter().map(|(n, m)| (n, Value::Instance(m))).collect()))
}

fn parameters(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(Value::list(named_tensors(&instance, false).into_iter().map(|(_, t)| Value::Tensor(t)).collect()))
}

fn named_parameters(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(named(named_tensors(&instance, false).into_iter().map(|(n, t)| (n, Value::Tensor(t))).collect()))
}

fn buffers(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(Value::list(named_tensors(&instance, true).into_iter().map(|(_, t)| Value::Tensor(t)).collect()))
}

fn named_buffers(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(named(named_tensors(&instance, true).into_iter().map(|(n, t)| (n, Value::Tensor(t))).collect()))
}

fn state_dict(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    let mut dict = Dict::default();
    for entry in state_entries(&instance) {
        let key = Value::str(&entry.name);
        // Parameters appear detached (plain tensors) in a state_dict.
        let tensor = Value::Tensor(Rc::new(entry.tensor.alias(false, false)));
        super::ops::dict_insert(host, &mut dict, key, tensor, args.span)?;
    }
    Ok(Value::Dict(Rc::new(std::cell::RefCell::new(dict))))
}

/// `load_state_dict(state_dict, strict=True)`: copies each tensor's data into
/// the parameter or buffer of the same name; returns (missing, unexpected).
fn load_state_dict(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    let slots = args.bind(host, "load_state_dict", &["state_dict", "strict", "assign"], 1)?;
    let strict = slots[1].as_ref().is_none_or(Value::truthy);
    let entries: Vec<(String, Rc<Tensor>)> = match &slots[0] {
        Some(Value::Dict(d)) => {
            let mut out = Vec::new();
            for (k, v) in d.borrow().entries.values() {
                match (k, v) {
                    (Value::Str(name), Value::Tensor(t)) => out.push((name.to_string(), t.clone())),
                    _ => return host.raise("TypeError", "a state_dict maps names to tensors", args.span),
                }
            }
            out
        }
        other => {
            let got = other.as_ref().map_or("nothing".to_string(), Value::type_name);
            return host.raise("TypeError", format!("Expected state_dict to be dict-like, got {got}."), args.span);
        }
    };
    let sources: Vec<(&str, &[usize], crate::types::ScalarType)> =
        entries.iter().map(|(n, t)| (n.as_str(), t.shape.as_slice(), t.dtype)).collect();
    match super::load::match_state(&instance, &sources, strict, super::load::Saved::Eager) {
        Ok((matched, mismatch)) => {
            for (target, i) in matched {
                let source = &entries[i].1;
                let whole = source.offset == 0
                    && matches!(&*source.storage.borrow(), crate::tensor::Storage::Lazy { numel, .. } if *numel == source.numel());
                if whole {
                    let storage = source.storage.borrow().clone();
                    *target.storage.borrow_mut() = storage;
                } else {
                    target.set_bytes(source.bytes());
                }
            }
            let names = |keys: Vec<String>| Value::list(keys.iter().map(|k| Value::str(k)).collect());
            Ok(Value::tuple(vec![names(mismatch.missing), names(mismatch.unexpected)]))
        }
        Err(mismatch) => {
            let message = format!("Error(s) in loading state_dict for {}", instance.class.name);
            let mut error = host.raise::<Value>("RuntimeError", message, args.span).unwrap_err();
            for line in mismatch.lines() {
                error = error.note(line);
            }
            Err(error)
        }
    }
}

pub fn set_training(host: &mut Host<'_>, root: &Rc<Instance>, mode: bool) {
    let training = host.sym("training");
    for (_, module) in named_module_list(root) {
        module.attrs.borrow_mut().insert(training, Value::Bool(mode));
    }
}

fn train(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    let slots = args.bind(host, "train", &["mode"], 0)?;
    let mode = match &slots[0] {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return host.raise("ValueError", "training mode is expected to be boolean", args.span);
        }
    };
    set_training(host, &instance, mode);
    Ok(Value::Instance(instance))
}

fn eval(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    set_training(host, &instance, false);
    Ok(Value::Instance(instance))
}

fn extra_repr(_host: &mut Host<'_>, _args: Args) -> Eval<Value> {
    Ok(Value::str(""))
}

fn get_name(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(Value::str(&instance.class.name))
}

fn identity(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    Ok(Value::Instance(instance))
}

fn none(_host: &mut Host<'_>, _args: Args) -> Eval<Value> {
    Ok(Value::None)
}

fn apply(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let instance = this(host, &mut args)?;
    let f = args.bind(host, "apply", &["fn"], 1)?.remove(0).expect("required");
    // PyTorch applies to children first, then to the module itself.
    let mut order = named_module_list(&instance);
    order.reverse();
    for (_, module) in order {
        host.call(f.clone(), Args::positional(vec![Value::Instance(module)], args.span), args.span)?;
    }
    Ok(Value::Instance(instance))
}

/// Calling a module in code the host runs runs its Python `forward`
/// eagerly, as `nn.Module.__call__` does (the prelude's forwards are Python
/// too); tensor operations compute on the kernels.
pub fn call_module(host: &mut Host<'_>, instance: &Rc<Instance>, args: Args, span: Span) -> Eval<Value> {
    let forward = host.sym("forward");
    match instance.class.lookup(forward) {
        Some(f) => host.call(Value::Method(Rc::new((Value::Instance(instance.clone()), f))), args, span),
        None => {
            let name = instance.class.name.clone();
            host.raise(
                "NotImplementedError",
                format!("Module [{name}] is missing the required \"forward\" function"),
                span,
            )
        }
    }
}

/// `repr(module)`, as PyTorch's `Module.__repr__` builds it from
/// `extra_repr()` and the children's reprs.
pub fn repr_module(host: &mut Host<'_>, instance: &Rc<Instance>, span: Span) -> Eval<String> {
    let key = host.sym("extra_repr");
    let extra = match instance.class.lookup(key) {
        Some(f) => {
            let method = Value::Method(Rc::new((Value::Instance(instance.clone()), f)));
            let v = host.call(method, Args::positional(Vec::new(), span), span)?;
            super::ops::to_str(host, &v)
        }
        None => String::new(),
    };
    let extra_lines: Vec<String> =
        if extra.is_empty() { Vec::new() } else { extra.split('\n').map(str::to_string).collect() };
    let modules: Vec<(String, Value)> = {
        let state = instance.module.borrow();
        state.as_ref().map(|s| s.modules.entries()).unwrap_or_default()
    };
    let mut child_lines = Vec::new();
    for (name, module) in modules {
        let text = repr_of(host, &module, span)?;
        child_lines.push(format!("({name}): {}", add_indent(&text, 2)));
    }
    let mut out = format!("{}(", instance.class.name);
    if !extra_lines.is_empty() || !child_lines.is_empty() {
        if extra_lines.len() == 1 && child_lines.is_empty() {
            out.push_str(&extra_lines[0]);
        } else {
            let lines: Vec<String> = extra_lines.into_iter().chain(child_lines).collect();
            out.push_str("\n  ");
            out.push_str(&lines.join("\n  "));
            out.push('\n');
        }
    }
    out.push(')');
    Ok(out)
}

/// PyTorch's `_addindent`: indent every line but the first.
fn add_indent(text: &str, spaces: usize) -> String {
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default().to_string();
    let rest: Vec<String> = lines.map(|l| format!("{}{l}", " ".repeat(spaces))).collect();
    if rest.is_empty() { first } else { format!("{first}\n{}", rest.join("\n")) }
}

/// `repr` without the ability to call Python (for ops::repr).
pub fn repr_instance(host: &Host<'_>, v: &Value) -> String {
    match v {
        // A named tuple prints as `Point(x=1, y=2)`.
        Value::Instance(i) if super::named_tuple::items(i).is_some() => {
            let fields: Vec<String> = i
                .attrs
                .borrow()
                .iter()
                .map(|(k, v)| format!("{}={}", host.name(*k), super::ops::repr(host, v)))
                .collect();
            format!("{}({})", i.class.name, fields.join(", "))
        }
        Value::Instance(i) => format!("<{}.{} object>", i.class.module_path, i.class.name),
        _ => String::new(),
    }
}
