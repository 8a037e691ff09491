//! Python's builtins: functions, types, exception classes, and the methods
//! of `str`, `list`, `dict` and `tuple`.

use std::cell::RefCell;
use std::rc::Rc;

use indexmap::IndexMap;

use super::call::Args;
use super::eval::{Eval, Host};
use super::ops::{self, equal, repr, to_str};
use super::value::*;
use crate::source::Span;
use crate::syntax::Symbol;

/// Python's exception hierarchy, as far as model files meet it.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("BaseException", ""),
    ("Exception", "BaseException"),
    ("ArithmeticError", "Exception"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("AssertionError", "Exception"),
    ("AttributeError", "Exception"),
    ("ImportError", "Exception"),
    ("ModuleNotFoundError", "ImportError"),
    ("LookupError", "Exception"),
    ("MemoryError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("NameError", "Exception"),
    ("RuntimeError", "Exception"),
    ("NotImplementedError", "RuntimeError"),
    ("RecursionError", "RuntimeError"),
    ("TypeError", "Exception"),
    ("OSError", "Exception"),
    ("KeyboardInterrupt", "BaseException"),
    ("SystemExit", "BaseException"),
    ("GeneratorExit", "BaseException"),
    ("ValueError", "Exception"),
    ("StopIteration", "Exception"),
    ("Warning", "Exception"),
    ("UserWarning", "Warning"),
    ("DeprecationWarning", "Warning"),
    ("PendingDeprecationWarning", "Warning"),
    ("FutureWarning", "Warning"),
    ("RuntimeWarning", "Warning"),
    ("SyntaxWarning", "Warning"),
    ("ImportWarning", "Warning"),
    ("UnicodeWarning", "Warning"),
    ("BytesWarning", "Warning"),
    ("ResourceWarning", "Warning"),
    ("EncodingWarning", "Warning"),
    ("UnicodeError", "ValueError"),
    ("FileNotFoundError", "OSError"),
    ("UnboundLocalError", "NameError"),
    ("StopAsyncIteration", "Exception"),
    ("TimeoutError", "OSError"),
    ("PermissionError", "OSError"),
];

/// Builtin types usable as values (`isinstance(x, int)`, `int("3")`).
const TYPES: &[&str] = &["object", "int", "float", "bool", "str", "list", "tuple", "dict", "type", "range"];

pub(super) fn native_class(name: &str, module_path: &str, bases: Vec<Rc<Class>>, native: NativeKind) -> Rc<Class> {
    Rc::new(Class {
        name: name.into(),
        module_path: module_path.into(),
        bases,
        attrs: RefCell::new(IndexMap::new()),
        native,
        def: None,
    })
}

pub(super) fn builtin(name: &str, call: BuiltinFn) -> Value {
    Value::Builtin(Rc::new(Builtin { name: name.to_string(), call: Native::Fn(call) }))
}

/// `torch.{op}` or `Tensor.{op}`, computed by aten's `op` (a name the
/// registry holds, so it lives as long as the registry).
pub(super) fn aten_builtin(name: &str, op: &'static str) -> Value {
    Value::Builtin(Rc::new(Builtin { name: name.to_string(), call: Native::Aten(op) }))
}

pub(super) fn install(host: &mut Host<'_>) {
    for name in TYPES {
        let native = if *name == "object" { NativeKind::Object } else { NativeKind::Type };
        let class = native_class(name, "builtins", Vec::new(), native);
        host.classes.insert(name, class.clone());
        let key = host.sym(name);
        host.builtins.attrs.borrow_mut().insert(key, Value::Class(class));
    }
    // Types with no builtin name, for `type(f)` and `types.FunctionType`.
    for name in ["function", "builtin_function_or_method", "method", "module", "NoneType"] {
        let class = native_class(name, "builtins", Vec::new(), NativeKind::Type);
        host.classes.insert(name, class);
    }
    for (name, base) in EXCEPTIONS {
        let bases = if base.is_empty() { vec![host.class("object")] } else { vec![host.class(base)] };
        let class = native_class(name, "builtins", bases, NativeKind::Exception);
        host.classes.insert(name, class.clone());
        let key = host.sym(name);
        host.builtins.attrs.borrow_mut().insert(key, Value::Class(class));
    }
    let functions: &[(&str, BuiltinFn)] = &[
        ("len", len),
        ("isinstance", isinstance),
        ("issubclass", issubclass),
        ("enumerate", enumerate),
        ("zip", zip),
        ("min", min),
        ("max", max),
        ("abs", abs),
        ("sum", sum),
        ("round", round),
        ("print", print),
        ("getattr", getattr),
        ("setattr", setattr),
        ("hasattr", hasattr),
        ("delattr", delattr),
        ("repr", repr_builtin),
        ("sorted", sorted),
        ("reversed", reversed),
        ("iter", iter),
        ("any", any),
        ("all", all),
        ("callable", callable),
        ("id", id),
        ("divmod", divmod),
        ("map", map),
        ("staticmethod", staticmethod),
        ("classmethod", classmethod),
        ("property", property),
        ("super", super_builtin),
        ("pow", pow),
        ("chr", chr),
        ("ord", ord),
        ("filter", filter),
        ("format", format),
    ];
    for (name, f) in functions.iter().chain(super::sandbox::BUILTINS) {
        let key = host.sym(name);
        host.builtins.attrs.borrow_mut().insert(key, builtin(name, *f));
    }
    let name = host.sym("__name__");
    host.builtins.attrs.borrow_mut().insert(name, Value::str("builtins"));
    let name = host.sym("NotImplemented");
    host.builtins.attrs.borrow_mut().insert(name, Value::Opaque("NotImplemented".into()));
    let new = host.sym("__new__");
    host.class("object").attrs.borrow_mut().insert(new, builtin("__new__", object_new));
    let setattr = host.sym("__setattr__");
    host.class("object").attrs.borrow_mut().insert(setattr, builtin("__setattr__", object_setattr));
    let fromkeys = host.sym("fromkeys");
    host.class("dict").attrs.borrow_mut().insert(fromkeys, builtin("fromkeys", dict_fromkeys));
}

/// `cls.__mro__`, `cls.__bases__` (tuples of classes) and `cls.__dict__`
/// (a copy of the class body's names).
pub(super) fn class_introspection(host: &mut Host<'_>, class: &Rc<Class>, name: Symbol) -> Value {
    match host.name(name) {
        "__mro__" => Value::tuple(class.mro().into_iter().map(Value::Class).collect()),
        "__bases__" => Value::tuple(class.bases.iter().cloned().map(Value::Class).collect()),
        _ => {
            let mut dict = Dict::default();
            for (k, v) in class.attrs.borrow().iter() {
                let key: Rc<str> = host.name(*k).into();
                dict.entries.insert(Key::Str(key.clone()), (Value::Str(key), v.clone()));
            }
            Value::Dict(Rc::new(RefCell::new(dict)))
        }
    }
}

/// `object.__setattr__(obj, name, value)`: sets it, past the class's own
/// `__setattr__`.
fn object_setattr(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "__setattr__", &["self", "name", "value"], 3)?;
    let name = name_arg(host, &slots[1], "__setattr__", args.span)?;
    let key = host.sym(&name);
    match slots[0].as_ref().expect("required") {
        Value::Instance(i) if !i.class.is_module() => {
            i.attrs.borrow_mut().insert(key, slots[2].clone().expect("required"));
            Ok(Value::None)
        }
        other => {
            let other = other.clone();
            host.set_attr(&other, key, slots[2].clone().expect("required"), args.span)?;
            Ok(Value::None)
        }
    }
}

/// `object.__new__(cls)`: a bare instance, no `__init__` run.
fn object_new(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    match args.positional.first() {
        Some(Value::Class(class)) if matches!(class.native, NativeKind::Object) => {
            Ok(Value::Instance(Rc::new(Instance {
                class: class.clone(),
                attrs: RefCell::new(IndexMap::new()),
                module: RefCell::new(None),
                created_at: args.span,
            })))
        }
        Some(Value::Class(class)) => {
            let name = class.name.clone();
            host.unsupported(format!("object.__new__({name}) is not supported"), args.span)
        }
        _ => host.raise("TypeError", "object.__new__(X): X is not a type object", args.span),
    }
}

/// `dict.fromkeys(keys, value=None)`.
fn dict_fromkeys(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "fromkeys", &["iterable", "value"], 1)?;
    let value = slots[1].clone().unwrap_or(Value::None);
    let mut dict = Dict::default();
    for key in host.iterate(slots[0].as_ref().expect("required"), args.span)? {
        ops::dict_insert(host, &mut dict, key, value.clone(), args.span)?;
    }
    Ok(Value::Dict(Rc::new(RefCell::new(dict))))
}

/// The builtin types written in Python (`prelude/_builtins.tsy`: `set`,
/// `frozenset`), added to the builtins.
pub(super) fn install_prelude(host: &mut Host<'_>) {
    let Ok(module) = host.import("_builtins", Span::point(0)) else { return };
    for name in ["set", "frozenset"] {
        let key = host.sym(name);
        let value = module.attrs.borrow().get(&key).cloned();
        if let Some(value) = value {
            host.builtins.attrs.borrow_mut().insert(key, value);
        }
    }
}

/// `{a, b}`: a `set` of the items.
pub(super) fn new_set(host: &mut Host<'_>, items: Vec<Value>, span: Span) -> Eval<Value> {
    let key = host.sym("set");
    let set = host.builtins.attrs.borrow().get(&key).cloned().expect("installed with the builtins");
    host.call(set, Args::positional(vec![Value::list(items)], span), span)
}

/// The items of an iterable whose order does not matter to the caller
/// (`sorted`, `min`, `sum`, ...): a set gives its members, which iterating
/// it in order would refuse.
fn unordered_items(host: &mut Host<'_>, v: &Value, span: Span) -> Eval<Vec<Value>> {
    if let Value::Instance(instance) = v {
        let key = host.sym("_unordered");
        if let Some(f) = instance.class.lookup(key) {
            let members =
                host.call(Value::Method(Rc::new((v.clone(), f))), Args::positional(Vec::new(), span), span)?;
            return host.iterate(&members, span);
        }
    }
    host.iterate(v, span)
}

fn one(host: &Host<'_>, args: &Args, function: &str) -> Eval<Value> {
    Ok(args.bind(host, function, &["x"], 1)?.remove(0).expect("required"))
}

fn len(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "len")?;
    let n = match &v {
        Value::Str(s) => s.chars().count(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        Value::Dict(d) => d.borrow().entries.len(),
        // Python's limit is `sys.maxsize` items; `range_len` saturates there
        // (a range of exactly that many is refused too).
        Value::Range { start, stop, step } => match range_len(*start, *stop, *step) {
            i64::MAX => return host.raise("OverflowError", "Python int too large to convert to C ssize_t", args.span),
            n => n as usize,
        },
        Value::Tensor(t) if !t.shape.is_empty() => t.shape[0],
        Value::Instance(i) if let Some(items) = super::named_tuple::items(i) => items.len(),
        Value::Instance(_) => {
            let key = host.sym("__len__");
            let method = host.get_attr(&v, key, args.span)?;
            return host.call(method, Args::positional(Vec::new(), args.span), args.span);
        }
        other => {
            return host.raise("TypeError", format!("object of type '{}' has no len()", other.type_name()), args.span);
        }
    };
    Ok(Value::Int(n as i64))
}

/// `isinstance(v, cls)` for builtin types, classes and tuples of them.
/// `isinstance(v, collections.abc.NAME)` for a builtin value, as the ABCs'
/// registrations and `__subclasshook__`s in CPython decide it.
fn abstract_container(v: &Value, name: &str) -> bool {
    let sequence = matches!(v, Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range { .. });
    let mapping = matches!(v, Value::Dict(_));
    let tensor = matches!(v, Value::Tensor(_));
    match name {
        "Iterable" | "Collection" | "Sized" | "Container" => sequence || mapping || tensor,
        "Sequence" => sequence,
        "MutableSequence" => matches!(v, Value::List(_)),
        "Mapping" | "MutableMapping" => mapping,
        "Hashable" => v.key().is_some(),
        "Callable" => matches!(v, Value::Function(_) | Value::Builtin(_) | Value::Method(_) | Value::Class(_)),
        _ => false,
    }
}

pub(super) fn is_instance(v: &Value, cls: &Value) -> bool {
    match cls {
        Value::Tuple(items) => items.iter().any(|c| is_instance(v, c)),
        Value::Class(class) => match (class.native, &*class.name) {
            (NativeKind::Type, name) | (NativeKind::Object, name @ "object") => match name {
                "object" => true,
                "int" => matches!(v, Value::Int(_) | Value::Bool(_)),
                "float" => matches!(v, Value::Float(_)),
                "bool" => matches!(v, Value::Bool(_)),
                "str" => matches!(v, Value::Str(_)),
                "list" => matches!(v, Value::List(_)),
                "tuple" => matches!(v, Value::Tuple(_)),
                "dict" | "OrderedDict" => matches!(v, Value::Dict(_)),
                "type" => matches!(v, Value::Class(_)),
                "range" => matches!(v, Value::Range { .. }),
                "Tensor" => matches!(v, Value::Tensor(_)),
                "Parameter" => matches!(v, Value::Tensor(t) if t.is_parameter),
                "device" => matches!(v, Value::Device(_)),
                "dtype" => matches!(v, Value::Dtype(_)),
                "function" => matches!(v, Value::Function(_)),
                "builtin_function_or_method" => matches!(v, Value::Builtin(_)),
                "method" => matches!(v, Value::Method(_)),
                "module" => matches!(v, Value::Namespace(_)),
                "NoneType" => matches!(v, Value::None),
                _ => false,
            },
            _ if &*class.module_path == "collections.abc" && !matches!(v, Value::Instance(_)) => {
                abstract_container(v, &class.name)
            }
            // The numeric tower of `numbers`: ints are Integral, floats Real.
            _ if &*class.module_path == "numbers" && matches!(v, Value::Int(_) | Value::Bool(_) | Value::Float(_)) => {
                matches!(v, Value::Int(_) | Value::Bool(_)) || matches!(&*class.name, "Number" | "Complex" | "Real")
            }
            _ => match v {
                Value::Instance(i) => i.class.is_subclass_of(class),
                Value::Exception(e) => e.class.is_subclass_of(class),
                Value::Entry(e) => is_instance(&e.target, cls),
                _ => false,
            },
        },
        Value::Typing(_) => true,
        _ => false,
    }
}

fn isinstance(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "isinstance", &["obj", "class_or_tuple"], 2)?;
    let (v, cls) = (slots[0].clone().expect("required"), slots[1].clone().expect("required"));
    Ok(Value::Bool(is_instance(&v, &cls)))
}

fn issubclass(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "issubclass", &["cls", "class_or_tuple"], 2)?;
    match (&slots[0], &slots[1]) {
        (Some(Value::Class(a)), Some(Value::Class(b))) => Ok(Value::Bool(a.is_subclass_of(b))),
        _ => host.raise("TypeError", "issubclass() arg 1 must be a class", args.span),
    }
}

fn enumerate(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "enumerate", &["iterable", "start"], 1)?;
    let items = host.iterate(slots[0].as_ref().expect("required"), args.span)?;
    let start = match &slots[1] {
        Some(Value::Int(i)) => *i,
        _ => 0,
    };
    Ok(Value::list(
        items.into_iter().enumerate().map(|(i, v)| Value::tuple(vec![Value::Int(start + i as i64), v])).collect(),
    ))
}

fn zip(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let mut columns = Vec::new();
    for v in &args.positional {
        columns.push(host.iterate(v, args.span)?);
    }
    let n = columns.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::list((0..n).map(|i| Value::tuple(columns.iter().map(|c| c[i].clone()).collect())).collect()))
}

fn extreme(host: &mut Host<'_>, mut args: Args, name: &str, want: std::cmp::Ordering) -> Eval<Value> {
    let (key, default) = (host.sym("key"), host.sym("default"));
    let mut key_fn = None;
    let mut fallback = None;
    for (k, v) in std::mem::take(&mut args.keywords) {
        if k == key {
            key_fn = Some(v).filter(|v| !matches!(v, Value::None));
        } else if k == default && args.positional.len() == 1 {
            fallback = Some(v);
        } else {
            let text = host.name(k).to_string();
            return host.raise("TypeError", format!("'{text}' is an invalid keyword argument for {name}()"), args.span);
        }
    }
    let items = match args.positional.len() {
        0 => return host.raise("TypeError", format!("{name} expected at least 1 argument, got 0"), args.span),
        1 => unordered_items(host, &args.positional[0], args.span)?,
        _ => args.positional.clone(),
    };
    let op = if want.is_lt() { crate::syntax::ast::CmpOp::Lt } else { crate::syntax::ast::CmpOp::Gt };
    let mut best: Option<(Value, Value)> = None;
    for item in items {
        let rank = match &key_fn {
            Some(f) => host.call(f.clone(), Args::positional(vec![item.clone()], args.span), args.span)?,
            None => item.clone(),
        };
        best = Some(match best {
            Some((b, b_rank)) if !ops::compare(host, op, &rank, &b_rank, args.span)? => (b, b_rank),
            _ => (item, rank),
        });
    }
    match (best, fallback) {
        (Some((v, _)), _) => Ok(v),
        (None, Some(v)) => Ok(v),
        (None, None) => host.raise("ValueError", format!("{name}() arg is an empty sequence"), args.span),
    }
}

fn min(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    extreme(host, args, "min", std::cmp::Ordering::Less)
}

fn max(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    extreme(host, args, "max", std::cmp::Ordering::Greater)
}

fn abs(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    match one(host, &args, "abs")? {
        Value::Int(i) => match i.checked_abs() {
            Some(a) => Ok(Value::Int(a)),
            None => host.raise("OverflowError", "integer overflow (TorchScript ints are 64-bit)", args.span),
        },
        Value::Bool(b) => Ok(Value::Int(i64::from(b))),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        other => host.raise("TypeError", format!("bad operand type for abs(): '{}'", other.type_name()), args.span),
    }
}

fn sum(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "sum", &["iterable", "start"], 1)?;
    let mut total = slots[1].clone().unwrap_or(Value::Int(0));
    for item in unordered_items(host, slots[0].as_ref().expect("required"), args.span)? {
        total = ops::binary(host, crate::syntax::ast::BinOp::Add, total, item, args.span)?;
    }
    Ok(total)
}

fn round(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "round", &["number", "ndigits"], 1)?;
    let number = slots[0].clone().expect("required");
    let f = match number {
        Value::Int(i) => return Ok(Value::Int(i)),
        Value::Float(f) => f,
        other => {
            return host.raise(
                "TypeError",
                format!("type {} doesn't define __round__ method", other.type_name()),
                args.span,
            );
        }
    };
    match &slots[1] {
        None | Some(Value::None) => {
            // Python rounds half to even.
            let r = f.round();
            let r = if (f - f.trunc()).abs() == 0.5 && r % 2.0 != 0.0 { r - f.signum() } else { r };
            ops::float_to_int(host, r, args.span)
        }
        Some(Value::Int(n)) => {
            let scale = 10f64.powi(*n as i32);
            Ok(Value::Float((f * scale).round() / scale))
        }
        Some(_) => host.raise("TypeError", "ndigits must be an integer", args.span),
    }
}

/// Printing is the file's business when it runs under Python; `tsc` stays
/// quiet, and keeps the text in `Host::printed`.
fn print(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let mut text = |name: &str, default: &str| -> Eval<String> {
        let key = host.sym(name);
        match args.keywords.iter().find(|(k, _)| *k == key) {
            None | Some((_, Value::None)) => Ok(default.to_string()),
            Some((_, Value::Str(s))) => Ok(s.to_string()),
            Some((_, other)) => host.raise(
                "TypeError",
                format!("{name} must be None or a string, not {}", other.type_name()),
                args.span,
            ),
        }
    };
    let (sep, end) = (text("sep", " ")?, text("end", "\n")?);
    let mut line = Vec::with_capacity(args.positional.len());
    for v in &args.positional {
        line.push(str_of(host, v, args.span)?);
    }
    host.printed.push_str(&line.join(&sep));
    host.printed.push_str(&end);
    Ok(Value::None)
}

/// `str(v)`, calling a Python-level `__str__` or `__repr__` where a class defines one.
pub(super) fn str_of(host: &mut Host<'_>, v: &Value, span: Span) -> Eval<String> {
    if matches!(v, Value::Str(_) | Value::Exception(_)) {
        return Ok(to_str(host, v));
    }
    if let Value::Instance(i) = v {
        let key = host.sym("__str__");
        if let Some(f) = i.class.lookup(key) {
            let method = Value::Method(Rc::new((v.clone(), f)));
            let text = host.call(method, Args::positional(Vec::new(), span), span)?;
            return Ok(to_str(host, &text));
        }
    }
    repr_of(host, v, span)
}

fn name_arg(host: &Host<'_>, v: &Option<Value>, function: &str, span: Span) -> Eval<String> {
    match v {
        Some(Value::Str(s)) => Ok(s.to_string()),
        _ => host.raise("TypeError", format!("{function}(): attribute name must be string"), span),
    }
}

fn getattr(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "getattr", &["object", "name", "default"], 2)?;
    let name = name_arg(host, &slots[1], "getattr", args.span)?;
    let key = host.sym(&name);
    let object = slots[0].clone().expect("required");
    match host.get_attr(&object, key, args.span) {
        Err(super::error::Flow::Raise(raised))
            if slots[2].is_some() && raised.exception.class.name.as_ref() == "AttributeError" =>
        {
            Ok(slots[2].clone().expect("checked"))
        }
        other => other,
    }
}

fn setattr(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "setattr", &["object", "name", "value"], 3)?;
    let name = name_arg(host, &slots[1], "setattr", args.span)?;
    let key = host.sym(&name);
    host.set_attr(slots[0].as_ref().expect("required"), key, slots[2].clone().expect("required"), args.span)?;
    Ok(Value::None)
}

fn hasattr(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "hasattr", &["object", "name"], 2)?;
    let name = name_arg(host, &slots[1], "hasattr", args.span)?;
    let key = host.sym(&name);
    match host.get_attr(slots[0].as_ref().expect("required"), key, args.span) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(super::error::Flow::Raise(raised)) if raised.exception.class.name.as_ref() == "AttributeError" => {
            Ok(Value::Bool(false))
        }
        Err(other) => Err(other),
    }
}

fn delattr(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "delattr", &["object", "name"], 2)?;
    let name = name_arg(host, &slots[1], "delattr", args.span)?;
    let key = host.sym(&name);
    let removed = match slots[0].as_ref().expect("required") {
        Value::Class(class) => class.attrs.borrow_mut().shift_remove(&key).is_some(),
        Value::Instance(i) => {
            let in_module = i.module.borrow_mut().as_mut().is_some_and(|m| m.remove(&name));
            in_module || i.attrs.borrow_mut().shift_remove(&key).is_some()
        }
        _ => false,
    };
    if removed {
        return Ok(Value::None);
    }
    let object = slots[0].as_ref().expect("required");
    let owner = match object {
        Value::Class(c) => format!("type object '{}'", c.name),
        other => format!("'{}' object", other.type_name()),
    };
    host.raise("AttributeError", format!("{owner} has no attribute '{name}'"), args.span)
}

fn repr_builtin(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "repr")?;
    Ok(Value::str(&repr_of(host, &v, args.span)?))
}

/// `repr(v)`, calling a Python-level `__repr__` where a class defines one.
pub(super) fn repr_of(host: &mut Host<'_>, v: &Value, span: Span) -> Eval<String> {
    if let Value::Instance(i) = v {
        let key = host.sym("__repr__");
        if let Some(f) = i.class.lookup(key) {
            let method = Value::Method(Rc::new((v.clone(), f)));
            let text = host.call(method, Args::positional(Vec::new(), span), span)?;
            return Ok(to_str(host, &text));
        }
        if i.class.is_module() {
            return super::module::repr_module(host, i, span);
        }
    }
    // Containers show their items with the items' own `__repr__`.
    let items = |host: &mut Host<'_>, items: &[Value]| -> Eval<Vec<String>> {
        items.iter().map(|item| repr_of(host, item, span)).collect()
    };
    match v {
        Value::List(list) => {
            let list = list.borrow().clone();
            Ok(format!("[{}]", items(host, &list)?.join(", ")))
        }
        Value::Tuple(tuple) if tuple.len() == 1 => Ok(format!("({},)", repr_of(host, &tuple[0], span)?)),
        Value::Tuple(tuple) => Ok(format!("({})", items(host, tuple)?.join(", "))),
        Value::Dict(dict) => {
            let pairs: Vec<(Value, Value)> = dict.borrow().entries.values().cloned().collect();
            let mut out = Vec::with_capacity(pairs.len());
            for (k, v) in &pairs {
                out.push(format!("{}: {}", repr_of(host, k, span)?, repr_of(host, v, span)?));
            }
            Ok(format!("{{{}}}", out.join(", ")))
        }
        _ => Ok(repr(host, v)),
    }
}

fn sorted(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "sorted", &["iterable", "key", "reverse"], 1)?;
    let items = unordered_items(host, slots[0].as_ref().expect("required"), args.span)?;
    let reverse = slots[2].as_ref().is_some_and(Value::truthy);
    Ok(Value::list(sort_values(
        host,
        items,
        slots[1].clone().filter(|k| !matches!(k, Value::None)),
        reverse,
        args.span,
    )?))
}

/// Python's stable sort: by `key(item)` where given; `reverse` keeps equal
/// items in their order, as CPython's does.
pub(super) fn sort_values(
    host: &mut Host<'_>,
    mut items: Vec<Value>,
    key: Option<Value>,
    reverse: bool,
    span: Span,
) -> Eval<Vec<Value>> {
    if reverse {
        items.reverse();
    }
    let mut ranked = Vec::with_capacity(items.len());
    for item in items {
        let rank = match &key {
            Some(f) => host.call(f.clone(), Args::positional(vec![item.clone()], span), span)?,
            None => item.clone(),
        };
        ranked.push((rank, item));
    }
    let mut failed = None;
    ranked.sort_by(|(a, _), (b, _)| {
        if failed.is_some() {
            return std::cmp::Ordering::Equal;
        }
        match ops::compare(host, crate::syntax::ast::CmpOp::Lt, a, b, span) {
            Ok(true) => std::cmp::Ordering::Less,
            Ok(false) => match ops::compare(host, crate::syntax::ast::CmpOp::Lt, b, a, span) {
                Ok(true) => std::cmp::Ordering::Greater,
                Ok(false) => std::cmp::Ordering::Equal,
                Err(e) => {
                    failed = Some(e);
                    std::cmp::Ordering::Equal
                }
            },
            Err(e) => {
                failed = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let mut out: Vec<Value> = ranked.into_iter().map(|(_, item)| item).collect();
    if reverse {
        out.reverse();
    }
    Ok(out)
}

fn reversed(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "reversed")?;
    let mut items = host.iterate(&v, args.span)?;
    items.reverse();
    Ok(Value::list(items))
}

fn iter(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "iter")?;
    Ok(Value::list(host.iterate(&v, args.span)?))
}

fn any(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "any")?;
    Ok(Value::Bool(unordered_items(host, &v, args.span)?.iter().any(Value::truthy)))
}

fn all(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "all")?;
    Ok(Value::Bool(unordered_items(host, &v, args.span)?.iter().all(Value::truthy)))
}

fn callable(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "callable")?;
    let call = host.sym("__call__");
    Ok(Value::Bool(
        matches!(v, Value::Function(_) | Value::Builtin(_) | Value::Method(_) | Value::Class(_) | Value::Entry(_))
            || matches!(&v, Value::Instance(i) if i.class.is_module() || i.class.lookup(call).is_some()),
    ))
}

fn id(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = one(host, &args, "id")?;
    Ok(Value::Int(v.identity() as i64))
}

fn divmod(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "divmod", &["a", "b"], 2)?;
    let (a, b) = (slots[0].clone().expect("required"), slots[1].clone().expect("required"));
    let q = ops::binary(host, crate::syntax::ast::BinOp::FloorDiv, a.clone(), b.clone(), args.span)?;
    let r = ops::binary(host, crate::syntax::ast::BinOp::Mod, a, b, args.span)?;
    Ok(Value::tuple(vec![q, r]))
}

fn map(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let Some((f, iterables)) = args.positional.split_first() else {
        return host.raise("TypeError", "map() must have at least two arguments.", args.span);
    };
    let mut columns = Vec::new();
    for v in iterables {
        columns.push(host.iterate(v, args.span)?);
    }
    let n = columns.iter().map(Vec::len).min().unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let call_args = Args::positional(columns.iter().map(|c| c[i].clone()).collect(), args.span);
        out.push(host.call(f.clone(), call_args, args.span)?);
    }
    Ok(Value::list(out))
}

fn pow(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "pow", &["base", "exp", "mod"], 2)?;
    let (base, exp) = (slots[0].clone().expect("required"), slots[1].clone().expect("required"));
    let power = ops::binary(host, crate::syntax::ast::BinOp::Pow, base, exp, args.span)?;
    match slots[2].clone() {
        None | Some(Value::None) => Ok(power),
        Some(m) => ops::binary(host, crate::syntax::ast::BinOp::Mod, power, m, args.span),
    }
}

fn chr(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    match one(host, &args, "chr")? {
        Value::Int(i) => match u32::try_from(i).ok().and_then(char::from_u32) {
            Some(c) => Ok(Value::str(&c.to_string())),
            None => host.raise("ValueError", "chr() arg not in range(0x110000)", args.span),
        },
        other => host.raise(
            "TypeError",
            format!("'{}' object cannot be interpreted as an integer", other.type_name()),
            args.span,
        ),
    }
}

fn ord(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    match one(host, &args, "ord")? {
        Value::Str(s) if s.chars().count() == 1 => Ok(Value::Int(i64::from(u32::from(s.chars().next().expect("one"))))),
        Value::Str(s) => host.raise(
            "TypeError",
            format!("ord() expected a character, but string of length {} found", s.chars().count()),
            args.span,
        ),
        other => host.raise(
            "TypeError",
            format!("ord() expected string of length 1, but {} found", other.type_name()),
            args.span,
        ),
    }
}

fn filter(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "filter", &["function", "iterable"], 2)?;
    let function = slots[0].clone().expect("required");
    let mut out = Vec::new();
    for item in host.iterate(slots[1].as_ref().expect("required"), args.span)? {
        let keep = match &function {
            Value::None => item.clone(),
            f => host.call(f.clone(), Args::positional(vec![item.clone()], args.span), args.span)?,
        };
        if host.truth(&keep, args.span)? {
            out.push(item);
        }
    }
    Ok(Value::list(out))
}

fn format(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "format", &["value", "format_spec"], 1)?;
    let spec = match &slots[1] {
        None => String::new(),
        Some(Value::Str(s)) => s.to_string(),
        Some(other) => {
            return host.raise(
                "TypeError",
                format!("format() argument 2 must be str, not {}", other.type_name()),
                args.span,
            );
        }
    };
    Ok(Value::str(&ops::format_value(host, slots[0].as_ref().expect("required"), &spec, args.span)?))
}

fn staticmethod(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let f = one(host, &args, "staticmethod")?;
    Ok(Value::Descriptor(Rc::new(Descriptor::Static(f))))
}

fn classmethod(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let f = one(host, &args, "classmethod")?;
    Ok(Value::Descriptor(Rc::new(Descriptor::ClassMethod(f))))
}

fn property(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "property", &["fget", "fset", "fdel", "doc"], 0)?;
    let get = slots[0].clone().unwrap_or(Value::None);
    let set = slots[1].clone().filter(|v| !matches!(v, Value::None));
    let delete = slots[2].clone().filter(|v| !matches!(v, Value::None));
    Ok(Value::Descriptor(Rc::new(Descriptor::Property { get, set, delete })))
}

/// `@x.setter`, `@x.deleter`, `@x.getter`: a copy of the property with one
/// function replaced.
fn property_with(host: &mut Host<'_>, args: Args, part: &str) -> Eval<Value> {
    let slots = args.bind(host, part, &["self", "function"], 2)?;
    let (Some(Value::Descriptor(d)), Some(f)) = (&slots[0], slots[1].clone()) else {
        return host.raise("TypeError", format!("{part}() takes a function"), args.span);
    };
    let Descriptor::Property { get, set, delete } = &**d else {
        return host.raise("TypeError", format!("{part}() needs a property"), args.span);
    };
    let (mut get, mut set, mut delete) = (get.clone(), set.clone(), delete.clone());
    match part {
        "getter" => get = f,
        "setter" => set = Some(f),
        _ => delete = Some(f),
    }
    Ok(Value::Descriptor(Rc::new(Descriptor::Property { get, set, delete })))
}

/// `super(Class, self)`; the zero-argument form is resolved by the evaluator.
fn super_builtin(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "super", &["type", "object_or_type"], 2)?;
    match (slots[0].clone(), slots[1].clone()) {
        (Some(Value::Class(class)), Some(object)) => Ok(Value::Super(Rc::new((class, object)))),
        _ => host.raise("TypeError", "super() argument 1 must be a type", args.span),
    }
}

/// Calling a builtin type: `int("3")`, `list(range(3))`, `dict(a=1)`.
pub(super) fn construct(host: &mut Host<'_>, class: &Rc<Class>, args: Args, span: Span) -> Eval<Value> {
    let first = args.positional.first().cloned();
    match &*class.name {
        "int" => match first {
            None => Ok(Value::Int(0)),
            Some(Value::Int(i)) => Ok(Value::Int(i)),
            Some(Value::Bool(b)) => Ok(Value::Int(i64::from(b))),
            Some(Value::Float(f)) if f.is_finite() => ops::float_to_int(host, f, span),
            Some(Value::Str(s)) => match s.trim().replace('_', "").parse::<i64>() {
                Ok(i) => Ok(Value::Int(i)),
                Err(_) => host.raise(
                    "ValueError",
                    format!("invalid literal for int() with base 10: {}", repr(host, &Value::Str(s))),
                    span,
                ),
            },
            Some(Value::Tensor(t)) => match super::eager::scalar(host, &t, "a Python integer", span)? {
                Value::Float(f) if f.is_finite() => ops::float_to_int(host, f, span),
                Value::Float(f) => host.raise(
                    "ValueError",
                    format!("cannot convert float {} to integer", if f.is_nan() { "NaN" } else { "infinity" }),
                    span,
                ),
                Value::Bool(b) => Ok(Value::Int(i64::from(b))),
                v => Ok(v),
            },
            Some(other) => host.raise(
                "TypeError",
                format!("int() argument must be a string or a number, not '{}'", other.type_name()),
                span,
            ),
        },
        "float" => match first {
            None => Ok(Value::Float(0.0)),
            Some(Value::Tensor(t)) => match super::eager::scalar(host, &t, "a Python float", span)? {
                Value::Int(i) => Ok(Value::Float(i as f64)),
                Value::Bool(b) => Ok(Value::Float(f64::from(u8::from(b)))),
                v => Ok(v),
            },
            Some(Value::Int(i)) => Ok(Value::Float(i as f64)),
            Some(Value::Bool(b)) => Ok(Value::Float(i64::from(b) as f64)),
            Some(Value::Float(f)) => Ok(Value::Float(f)),
            Some(Value::Str(s)) => {
                let t = s.trim().to_ascii_lowercase();
                let parsed = match t.as_str() {
                    "inf" | "+inf" | "infinity" => Ok(f64::INFINITY),
                    "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
                    "nan" => Ok(f64::NAN),
                    _ => t.parse::<f64>(),
                };
                match parsed {
                    Ok(f) => Ok(Value::Float(f)),
                    Err(_) => host.raise(
                        "ValueError",
                        format!("could not convert string to float: {}", repr(host, &Value::Str(s))),
                        span,
                    ),
                }
            }
            Some(other) => host.raise(
                "TypeError",
                format!("float() argument must be a string or a number, not '{}'", other.type_name()),
                span,
            ),
        },
        "bool" => Ok(Value::Bool(match &first {
            Some(v) => host.truth(v, span)?,
            None => false,
        })),
        "str" => match first {
            None => Ok(Value::str("")),
            Some(v) => {
                let text = str_of(host, &v, span)?;
                Ok(Value::str(&text))
            }
        },
        "list" => Ok(Value::list(match first {
            None => Vec::new(),
            Some(v) => host.iterate(&v, span)?,
        })),
        "tuple" => Ok(Value::tuple(match first {
            None => Vec::new(),
            Some(v) => host.iterate(&v, span)?,
        })),
        "dict" | "OrderedDict" => {
            let mut dict = Dict::default();
            match first {
                Some(Value::Dict(d)) => dict = d.borrow().clone(),
                Some(v) => {
                    for pair in host.iterate(&v, span)? {
                        let kv = host.iterate(&pair, span)?;
                        if kv.len() != 2 {
                            return host.raise(
                                "ValueError",
                                "dictionary update sequence element has the wrong length",
                                span,
                            );
                        }
                        ops::dict_insert(host, &mut dict, kv[0].clone(), kv[1].clone(), span)?;
                    }
                }
                None => {}
            }
            for (k, v) in args.keywords {
                let key = Value::str(host.name(k));
                ops::dict_insert(host, &mut dict, key, v, span)?;
            }
            Ok(Value::Dict(Rc::new(RefCell::new(dict))))
        }
        "range" => {
            let ints: Vec<i64> = args
                .positional
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Ok(*i),
                    Value::Bool(b) => Ok(i64::from(*b)),
                    // `range(x.size(0))` while tracing: `__index__`.
                    Value::Tensor(t) if t.shape.is_empty() && !t.dtype.is_floating_point() => {
                        super::torch::int_of(host, v, span)
                    }
                    other => host.raise(
                        "TypeError",
                        format!("'{}' object cannot be interpreted as an integer", other.type_name()),
                        span,
                    ),
                })
                .collect::<Eval<_>>()?;
            let (start, stop, step) = match ints.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => {
                    return host.raise(
                        "TypeError",
                        format!("range expected at most 3 arguments, got {}", ints.len()),
                        span,
                    );
                }
            };
            if step == 0 {
                return host.raise("ValueError", "range() arg 3 must not be zero", span);
            }
            Ok(Value::Range { start, stop, step })
        }
        "type" => match args.positional.as_slice() {
            [v] if args.keywords.is_empty() => Ok(type_of(host, v)),
            [Value::Str(name), bases, Value::Dict(attrs)] => new_class(host, name, bases, attrs, span),
            [_, _, _] => host.raise("TypeError", "type.__new__() argument 1 must be str, not a name", span),
            _ => host.raise("TypeError", "type() takes 1 or 3 arguments", span),
        },
        other => host.unsupported(format!("`{other}(...)` is not supported in module-level code"), span),
    }
}

/// `type(v)`, and `v.__class__`.
pub(super) fn type_of(host: &Host<'_>, v: &Value) -> Value {
    match v {
        Value::Instance(i) => Value::Class(i.class.clone()),
        Value::Exception(e) => Value::Class(e.class.clone()),
        Value::Class(_) => Value::Class(host.class("type")),
        Value::Builtin(_) => Value::Class(host.class("builtin_function_or_method")),
        v => {
            let name = v.type_name();
            host.classes.get(name.as_str()).map_or(Value::Opaque(name.into()), |c| Value::Class(c.clone()))
        }
    }
}

/// `type(name, bases, namespace)`: a class, as a `class` statement makes it.
fn new_class(host: &mut Host<'_>, name: &str, bases: &Value, attrs: &RefCell<Dict>, span: Span) -> Eval<Value> {
    let mut classes = Vec::new();
    let mut named_tuple = false;
    for base in host.iterate(bases, span)? {
        match base {
            Value::Class(c) => classes.push(c),
            Value::Typing(form) if &*form == "NamedTuple" => named_tuple = true,
            other => {
                return host.raise("TypeError", format!("bases must be types, not {}", other.type_name()), span);
            }
        }
    }
    if classes.is_empty() {
        classes.push(host.class("object"));
    }
    let mut body = IndexMap::new();
    let mut module_path: Rc<str> = "__main__".into();
    for (key, value) in attrs.borrow().entries.values() {
        let Value::Str(key) = key else {
            return host.raise("TypeError", "type() argument 3 must have string keys", span);
        };
        if &**key == "__module__"
            && let Value::Str(path) = value
        {
            module_path = path.clone();
        }
        body.insert(host.sym(key), value.clone());
    }
    let native = match classes[0].native {
        _ if named_tuple => NativeKind::NamedTuple,
        NativeKind::Exception | NativeKind::NamedTuple => classes[0].native,
        _ => NativeKind::Object,
    };
    Ok(Value::Class(Rc::new(Class {
        name: name.into(),
        module_path,
        bases: classes,
        attrs: RefCell::new(body),
        native,
        def: None,
    })))
}

// ---------------------------------------------------------------- methods

/// Attribute access on values that are not instances, classes or modules:
/// methods of `str`, `list`, `dict`, `tuple`, and tensor attributes.
pub(super) fn value_attr(host: &mut Host<'_>, value: &Value, name: Symbol, span: Span) -> Eval<Value> {
    let text = host.name(name).to_string();
    let method: Option<BuiltinFn> = match (value, text.as_str()) {
        (Value::Str(_), "format") => Some(str_format),
        (Value::Str(_), "join") => Some(str_join),
        (Value::Str(_), "split") => Some(str_split),
        (Value::Str(_), "strip" | "lstrip" | "rstrip") => Some(match text.as_str() {
            "strip" => str_strip,
            "lstrip" => str_lstrip,
            _ => str_rstrip,
        }),
        (Value::Str(_), "lower") => Some(str_lower),
        (Value::Str(_), "upper") => Some(str_upper),
        (Value::Str(_), "startswith") => Some(str_startswith),
        (Value::Str(_), "endswith") => Some(str_endswith),
        (Value::Str(_), "replace") => Some(str_replace),
        (Value::Str(_), "isdigit") => Some(str_isdigit),
        (Value::Str(_), "find") => Some(str_find),
        (Value::Str(_), "rfind") => Some(str_rfind),
        (Value::Str(_), "count") => Some(str_count),
        (Value::Str(_), "isidentifier") => Some(str_isidentifier),
        (Value::List(_), "sort") => Some(list_sort),
        (Value::List(_), "append") => Some(list_append),
        (Value::List(_), "extend") => Some(list_extend),
        (Value::List(_), "insert") => Some(list_insert),
        (Value::List(_), "pop") => Some(list_pop),
        (Value::List(_), "reverse") => Some(list_reverse),
        (Value::List(_) | Value::Tuple(_), "index") => Some(sequence_index),
        (Value::List(_) | Value::Tuple(_), "count") => Some(sequence_count),
        (Value::List(_) | Value::Dict(_), "copy") => Some(copy),
        (Value::Dict(_), "keys") => Some(dict_keys),
        (Value::Dict(_), "values") => Some(dict_values),
        (Value::Dict(_), "items") => Some(dict_items),
        (Value::Dict(_), "get") => Some(dict_get),
        (Value::Dict(_), "update") => Some(dict_update),
        (Value::Dict(_), "pop") => Some(dict_pop),
        (Value::Dict(_), "setdefault") => Some(dict_setdefault),
        _ => None,
    };
    if let Some(f) = method {
        return Ok(Value::Method(Rc::new((value.clone(), builtin(&text, f)))));
    }
    match value {
        Value::Descriptor(d) if matches!(**d, Descriptor::Property { .. }) => {
            let part: BuiltinFn = match text.as_str() {
                "setter" => |h, a| property_with(h, a, "setter"),
                "deleter" => |h, a| property_with(h, a, "deleter"),
                "getter" => |h, a| property_with(h, a, "getter"),
                _ => {
                    return host.raise("AttributeError", format!("'property' object has no attribute '{text}'"), span);
                }
            };
            Ok(Value::Method(Rc::new((value.clone(), builtin(&text, part)))))
        }
        Value::Function(f) if text == "__name__" => Ok(Value::str(host.name(f.def.name.name))),
        Value::Function(f) if text == "__qualname__" => Ok(Value::str(&f.qualname)),
        Value::Function(f) if text == "__module__" => Ok(Value::Str(f.globals.name.clone())),
        Value::Builtin(b) if matches!(text.as_str(), "__name__" | "__qualname__") => Ok(Value::str(&b.name)),
        Value::Tensor(t) => super::torch::tensor_attr(host, t, &text, span),
        Value::Float(f) if text == "is_integer" => Ok(Value::Bool(f.fract() == 0.0)),
        Value::Device(d) if text == "type" => Ok(Value::Str(d.split(':').next().unwrap_or("cpu").into())),
        Value::Device(d) if text == "index" => {
            Ok(d.split_once(':').and_then(|(_, i)| i.parse().ok()).map_or(Value::None, Value::Int))
        }
        Value::Dtype(d) if text == "is_floating_point" => Ok(Value::Bool(d.is_floating_point())),
        _ => host.raise("AttributeError", format!("'{}' object has no attribute '{text}'", value.type_name()), span),
    }
}

fn receiver(args: &mut Args) -> Value {
    args.positional.remove(0)
}

fn text_of(v: &Value) -> Rc<str> {
    match v {
        Value::Str(s) => s.clone(),
        _ => "".into(),
    }
}

fn str_format(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let format = text_of(&receiver(&mut args));
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    field.push(c);
                }
                let (name_conv, spec) = field.split_once(':').unwrap_or((&field, ""));
                let (name, conversion) = name_conv.split_once('!').map_or((name_conv, None), |(n, c)| (n, Some(c)));
                let value = if name.is_empty() {
                    auto += 1;
                    args.positional.get(auto - 1).cloned()
                } else if let Ok(i) = name.parse::<usize>() {
                    args.positional.get(i).cloned()
                } else {
                    let (base, attr) = name.split_once('.').map_or((name, None), |(b, a)| (b, Some(a)));
                    let key = host.sym(base);
                    let found = args.keywords.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
                    match (found, attr) {
                        (Some(v), Some(attr)) => {
                            let attr = host.sym(attr);
                            Some(host.get_attr(&v, attr, args.span)?)
                        }
                        (found, _) => found,
                    }
                };
                let Some(value) = value else {
                    return host.raise(
                        "IndexError",
                        format!("Replacement index {name} out of range for positional args tuple"),
                        args.span,
                    );
                };
                let value = match conversion {
                    Some("r") => Value::str(&repr_of(host, &value, args.span)?),
                    Some("s") => Value::str(&to_str(host, &value)),
                    _ => value,
                };
                out.push_str(&ops::format_value(host, &value, spec, args.span)?);
            }
            c => out.push(c),
        }
    }
    Ok(Value::str(&out))
}

fn str_join(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let sep = text_of(&receiver(&mut args));
    let items = host.iterate(&one(host, &args, "join")?, args.span)?;
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Str(s) => parts.push(s.to_string()),
            other => {
                return host.raise(
                    "TypeError",
                    format!("sequence item: expected str instance, {} found", other.type_name()),
                    args.span,
                );
            }
        }
    }
    Ok(Value::str(&parts.join(&sep)))
}

fn str_split(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let s = text_of(&receiver(&mut args));
    let slots = args.bind(host, "split", &["sep"], 0)?;
    let parts: Vec<Value> = match &slots[0] {
        Some(Value::Str(sep)) => s.split(&**sep).map(Value::str).collect(),
        _ => s.split_whitespace().map(Value::str).collect(),
    };
    Ok(Value::list(parts))
}

/// `strip`/`lstrip`/`rstrip`: whitespace, or the characters given (they
/// were ignored: `"a/b/".rstrip("/")` kept its slash).
fn strip(host: &mut Host<'_>, mut args: Args, name: &str, left: bool, right: bool) -> Eval<Value> {
    let s = text_of(&receiver(&mut args));
    let chars = args.bind(host, name, &["chars"], 0)?.remove(0);
    let set: Option<Vec<char>> = match chars {
        None | Some(Value::None) => None,
        Some(Value::Str(c)) => Some(c.chars().collect()),
        Some(other) => {
            return host.raise(
                "TypeError",
                format!("{name} arg must be None or str, not {}", other.type_name()),
                args.span,
            );
        }
    };
    let strip = |c: char| match &set {
        Some(set) => set.contains(&c),
        None => c.is_whitespace(),
    };
    let mut out: &str = &s;
    if left {
        out = out.trim_start_matches(strip);
    }
    if right {
        out = out.trim_end_matches(strip);
    }
    Ok(Value::str(out))
}

fn str_strip(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    strip(host, args, "strip", true, true)
}

fn str_lstrip(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    strip(host, args, "lstrip", true, false)
}

fn str_rstrip(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    strip(host, args, "rstrip", false, true)
}

fn str_lower(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    Ok(Value::str(&text_of(&receiver(&mut args)).to_lowercase()))
}

fn str_upper(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    Ok(Value::str(&text_of(&receiver(&mut args)).to_uppercase()))
}

fn affix_test(host: &mut Host<'_>, mut args: Args, name: &str, test: fn(&str, &str) -> bool) -> Eval<Value> {
    let s = text_of(&receiver(&mut args));
    let affix = one(host, &args, name)?;
    let options = match &affix {
        Value::Tuple(items) => items.to_vec(),
        other => vec![other.clone()],
    };
    Ok(Value::Bool(options.iter().any(|o| test(&s, &text_of(o)))))
}

fn str_startswith(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    affix_test(host, args, "startswith", |s, a| s.starts_with(a))
}

fn str_endswith(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    affix_test(host, args, "endswith", |s, a| s.ends_with(a))
}

fn str_replace(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let s = text_of(&receiver(&mut args));
    let slots = args.bind(host, "replace", &["old", "new"], 2)?;
    let (old, new) = (text_of(slots[0].as_ref().expect("required")), text_of(slots[1].as_ref().expect("required")));
    Ok(Value::str(&s.replace(&*old, &new)))
}

fn str_isdigit(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let s = text_of(&receiver(&mut args));
    Ok(Value::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())))
}

fn list_of(v: &Value) -> Rc<RefCell<Vec<Value>>> {
    match v {
        Value::List(l) => l.clone(),
        _ => Rc::new(RefCell::new(Vec::new())),
    }
}

fn list_append(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let list = list_of(&receiver(&mut args));
    let item = one(host, &args, "append")?;
    list.borrow_mut().push(item);
    Ok(Value::None)
}

fn list_extend(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let list = list_of(&receiver(&mut args));
    let items = host.iterate(&one(host, &args, "extend")?, args.span)?;
    list.borrow_mut().extend(items);
    Ok(Value::None)
}

fn list_insert(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let list = list_of(&receiver(&mut args));
    let slots = args.bind(host, "insert", &["index", "object"], 2)?;
    let len = list.borrow().len() as i64;
    let at = match slots[0] {
        Some(Value::Int(i)) if i < 0 => (i + len).max(0),
        Some(Value::Int(i)) => i.min(len),
        _ => return host.raise("TypeError", "list indices must be integers", args.span),
    };
    list.borrow_mut().insert(at as usize, slots[1].clone().expect("required"));
    Ok(Value::None)
}

fn list_pop(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let list = list_of(&receiver(&mut args));
    let slots = args.bind(host, "pop", &["index"], 0)?;
    let len = list.borrow().len() as i64;
    if len == 0 {
        return host.raise("IndexError", "pop from empty list", args.span);
    }
    let at = match slots[0] {
        Some(Value::Int(i)) if i < 0 => i + len,
        Some(Value::Int(i)) => i,
        _ => len - 1,
    };
    if !(0..len).contains(&at) {
        return host.raise("IndexError", "pop index out of range", args.span);
    }
    Ok(list.borrow_mut().remove(at as usize))
}

/// Python's identifier rule, for the ASCII names model files use; a
/// non-ASCII name is refused rather than judged by a different rule.
fn str_isidentifier(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let s = text_of(&receiver(&mut args));
    if !s.is_ascii() {
        return host.unsupported("str.isidentifier() of a non-ASCII string", args.span);
    }
    let mut chars = s.chars();
    let first = chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
    Ok(Value::Bool(first && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())))
}

fn list_sort(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let list = list_of(&receiver(&mut args));
    if !args.positional.is_empty() {
        return host.raise("TypeError", "sort() takes no positional arguments", args.span);
    }
    let slots = args.bind(host, "sort", &["key", "reverse"], 0)?;
    let items = list.borrow().clone();
    let reverse = slots[1].as_ref().is_some_and(Value::truthy);
    let sorted = sort_values(host, items, slots[0].clone().filter(|k| !matches!(k, Value::None)), reverse, args.span)?;
    *list.borrow_mut() = sorted;
    Ok(Value::None)
}

/// `s.find(sub, start, end)` and its kin: the text between Python's
/// clamped `start` and `end`, counted in characters as Python counts them.
fn str_window(host: &mut Host<'_>, mut args: Args, name: &str) -> Eval<(Vec<char>, Vec<char>, usize)> {
    let s: Vec<char> = text_of(&receiver(&mut args)).chars().collect();
    let slots = args.bind(host, name, &["sub", "start", "end"], 1)?;
    let sub = match slots[0].as_ref().expect("required") {
        Value::Str(sub) => sub.chars().collect(),
        other => {
            return host.raise("TypeError", format!("must be str, not {}", other.type_name()), args.span);
        }
    };
    let n = s.len() as i64;
    let bound = |slot: &Option<Value>, default: i64| -> Eval<i64> {
        match slot {
            None | Some(Value::None) => Ok(default),
            Some(Value::Int(i)) => Ok(if *i < 0 { (*i + n).max(0) } else { (*i).min(n) }),
            Some(Value::Bool(b)) => Ok(i64::from(*b).min(n)),
            Some(other) => host.raise(
                "TypeError",
                format!(
                    "slice indices must be integers or None or have an __index__ method, not {}",
                    other.type_name()
                ),
                args.span,
            ),
        }
    };
    let (start, end) = (bound(&slots[1], 0)?, bound(&slots[2], n)?);
    // A start past the end (or past the text) finds nothing, not even "".
    let raw_start = match &slots[1] {
        Some(Value::Int(i)) if *i > n => *i,
        _ => start,
    };
    if raw_start > end {
        return Ok((Vec::new(), sub, usize::MAX));
    }
    Ok((s[start as usize..end as usize].to_vec(), sub, start as usize))
}

fn positions(window: &[char], sub: &[char]) -> impl Iterator<Item = usize> {
    (0..=window.len().saturating_sub(sub.len()))
        .filter(move |&i| sub.len() <= window.len() && window[i..i + sub.len()] == *sub)
}

fn str_find(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let (window, sub, start) = str_window(host, args, "find")?;
    Ok(Value::Int(match positions(&window, &sub).next() {
        Some(i) if start != usize::MAX => (start + i) as i64,
        _ => -1,
    }))
}

fn str_rfind(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let (window, sub, start) = str_window(host, args, "rfind")?;
    Ok(Value::Int(match positions(&window, &sub).last() {
        Some(i) if start != usize::MAX => (start + i) as i64,
        _ => -1,
    }))
}

fn str_count(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let (window, sub, start) = str_window(host, args, "count")?;
    if start == usize::MAX {
        return Ok(Value::Int(0));
    }
    if sub.is_empty() {
        return Ok(Value::Int(window.len() as i64 + 1));
    }
    let mut count = 0;
    let mut i = 0;
    while i + sub.len() <= window.len() {
        if window[i..i + sub.len()] == *sub {
            count += 1;
            i += sub.len();
        } else {
            i += 1;
        }
    }
    Ok(Value::Int(count))
}

fn list_reverse(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    list_of(&receiver(&mut args)).borrow_mut().reverse();
    Ok(Value::None)
}

fn sequence_items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.borrow().clone(),
        Value::Tuple(t) => t.to_vec(),
        _ => Vec::new(),
    }
}

fn sequence_index(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let items = sequence_items(&receiver(&mut args));
    let needle = one(host, &args, "index")?;
    match items.iter().position(|v| equal(v, &needle)) {
        Some(i) => Ok(Value::Int(i as i64)),
        None => {
            let text = repr(host, &needle);
            host.raise("ValueError", format!("{text} is not in list"), args.span)
        }
    }
}

fn sequence_count(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let items = sequence_items(&receiver(&mut args));
    let needle = one(host, &args, "count")?;
    Ok(Value::Int(items.iter().filter(|v| equal(v, &needle)).count() as i64))
}

fn copy(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    Ok(match receiver(&mut args) {
        Value::List(l) => Value::list(l.borrow().clone()),
        Value::Dict(d) => Value::Dict(Rc::new(RefCell::new(d.borrow().clone()))),
        other => other,
    })
}

fn dict_of(v: &Value) -> Rc<RefCell<Dict>> {
    match v {
        Value::Dict(d) => d.clone(),
        _ => Rc::new(RefCell::new(Dict::default())),
    }
}

fn dict_keys(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let d = dict_of(&receiver(&mut args));
    let keys = d.borrow().entries.values().map(|(k, _)| k.clone()).collect();
    Ok(Value::list(keys))
}

fn dict_values(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let d = dict_of(&receiver(&mut args));
    let values = d.borrow().entries.values().map(|(_, v)| v.clone()).collect();
    Ok(Value::list(values))
}

fn dict_items(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let d = dict_of(&receiver(&mut args));
    let items = d.borrow().entries.values().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect();
    Ok(Value::list(items))
}

fn dict_get(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let d = dict_of(&receiver(&mut args));
    let slots = args.bind(host, "get", &["key", "default"], 1)?;
    let key = slots[0].as_ref().expect("required").key();
    let found = key.and_then(|k| d.borrow().entries.get(&k).map(|(_, v)| v.clone()));
    Ok(found.or_else(|| slots[1].clone()).unwrap_or(Value::None))
}

fn dict_update(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let d = dict_of(&receiver(&mut args));
    if let Some(Value::Dict(other)) = args.positional.first() {
        let entries: Vec<_> = other.borrow().entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        d.borrow_mut().entries.extend(entries);
    }
    for (k, v) in args.keywords {
        let key = Value::str(host.name(k));
        ops::dict_insert(host, &mut d.borrow_mut(), key, v, args.span)?;
    }
    Ok(Value::None)
}

fn dict_pop(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let d = dict_of(&receiver(&mut args));
    let slots = args.bind(host, "pop", &["key", "default"], 1)?;
    let key = slots[0].clone().expect("required");
    let removed = key.key().and_then(|k| d.borrow_mut().entries.shift_remove(&k));
    match (removed, &slots[1]) {
        (Some((_, v)), _) => Ok(v),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => {
            let text = repr(host, &key);
            host.raise("KeyError", text, args.span)
        }
    }
}

fn dict_setdefault(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let d = dict_of(&receiver(&mut args));
    let slots = args.bind(host, "setdefault", &["key", "default"], 1)?;
    let key = slots[0].clone().expect("required");
    let default = slots[1].clone().unwrap_or(Value::None);
    let Some(k) = key.key() else {
        return host.raise("TypeError", format!("unhashable type: '{}'", key.type_name()), args.span);
    };
    let mut dict = d.borrow_mut();
    Ok(dict.entries.entry(k).or_insert((key, default)).1.clone())
}
