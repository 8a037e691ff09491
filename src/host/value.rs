//! The host's values: what module-level code and `__init__` bodies compute.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;

use super::module::ModuleState;
use crate::source::{FileId, Span};
use crate::syntax::Symbol;
use crate::syntax::ast::{ClassDef, FunctionDef};
use crate::tensor::Tensor;
use crate::types::ScalarType;

/// A Python value as the host evaluator sees it.
#[derive(Clone, Debug)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<[Value]>),
    Dict(Rc<RefCell<Dict>>),
    Range {
        start: i64,
        stop: i64,
        step: i64,
    },
    Slice(Rc<[Value; 3]>),
    Ellipsis,
    Function(Rc<Function>),
    Builtin(Rc<Builtin>),
    /// A function with its first argument (`self`) already bound.
    Method(Rc<(Value, Value)>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Tensor(Rc<Tensor>),
    Device(Rc<str>),
    Dtype(ScalarType),
    /// An imported module or a native namespace (`torch`, `math`, `F`).
    Namespace(Rc<Namespace>),
    /// A `typing` form, possibly subscripted (`Optional[int]`): kept as the
    /// text the script compiler will parse from the annotation itself.
    Typing(Rc<str>),
    /// The result of `torch.jit.script/trace(...)` or `optimize_for_mobile`.
    Entry(Rc<Entry>),
    /// A raised or constructed exception.
    Exception(Rc<Exception>),
    /// A value the host carries but cannot inspect (`scripted.code`).
    Opaque(Rc<str>),
    /// `super()` inside a method: the defining class and `self`.
    Super(Rc<(Rc<Class>, Value)>),
    /// `staticmethod(f)`, `classmethod(f)`, `property(f)` in a class body.
    Descriptor(Rc<Descriptor>),
}

#[derive(Debug)]
pub enum Descriptor {
    Static(Value),
    ClassMethod(Value),
    /// `property(fget)`, with the setter and deleter `@x.setter` and
    /// `@x.deleter` add.
    Property {
        get: Value,
        set: Option<Value>,
        delete: Option<Value>,
    },
}

/// A Python dict: insertion-ordered, keyed by hashable values; each entry
/// keeps the key's value too (an object key hashes by identity).
#[derive(Clone, Debug, Default)]
pub struct Dict {
    pub entries: IndexMap<Key, (Value, Value)>,
}

/// A hashable value, as a dict key or set member.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    None,
    Bool(bool),
    Int(i64),
    /// Floats by their bits (NaN never equals itself in Python; rare in keys).
    Float(u64),
    Str(Rc<str>),
    Tuple(Rc<[Key]>),
    /// Objects hash by identity.
    Identity(usize),
}

/// A function defined in Python source.
#[derive(Debug)]
pub struct Function {
    pub def: Rc<FunctionDef>,
    pub file: FileId,
    /// Default values, evaluated when the `def` ran, by parameter index.
    pub defaults: Vec<Option<Value>>,
    /// The module namespace it was defined in (its globals).
    pub globals: Rc<Namespace>,
    /// Locals of the enclosing function, for nested functions.
    pub closure: Option<Rc<RefCell<HashMap<Symbol, Value>>>>,
    /// `Class.method` or `function`.
    pub qualname: String,
    /// The class whose body defined it (for `super()` and error messages).
    pub owner: RefCell<Option<std::rc::Weak<Class>>>,
}

impl Function {
    /// The global under which `@_overload` keeps this function's overloads,
    /// in declaration order: the script compiler compiles the implementation
    /// (the `def` of the name that follows them) under the first that fits
    /// a call.
    pub fn overloads_key(&self) -> String {
        format!("__overloads__:{}", self.qualname)
    }
}

/// A function implemented in Rust.
pub struct Builtin {
    pub name: String,
    pub call: Native,
}

/// What runs when a builtin is called.
#[derive(Clone, Copy)]
pub enum Native {
    /// Rust code of the host's own.
    Fn(BuiltinFn),
    /// The aten operator (`sin` for `torch.sin` and `Tensor.sin`), on the
    /// kernels (see `host::eager`).
    Aten(&'static str),
}

pub type BuiltinFn = fn(&mut super::eval::Host<'_>, super::call::Args) -> super::eval::Eval<Value>;

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<built-in {}>", self.name)
    }
}

/// What a class does natively, beyond its Python attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeKind {
    Object,
    Module,
    /// An exception class; the name is the Python one (`ValueError`).
    Exception,
    /// A builtin type used as a value (`int`, `list`, `torch.Tensor`).
    Type,
    /// A `typing.NamedTuple` class (see `host::named_tuple`).
    NamedTuple,
}

#[derive(Debug)]
pub struct Class {
    pub name: Rc<str>,
    /// Dotted Python module path (`torch.nn.modules.conv`, `__main__`).
    pub module_path: Rc<str>,
    pub bases: Vec<Rc<Class>>,
    /// The class body's namespace: methods, class attributes, in order.
    pub attrs: RefCell<IndexMap<Symbol, Value>>,
    pub native: NativeKind,
    /// The definition, for classes written in Python.
    pub def: Option<(Rc<ClassDef>, FileId)>,
}

impl Class {
    /// Method resolution order: the class, then its bases depth-first, each once.
    pub fn mro(self: &Rc<Class>) -> Vec<Rc<Class>> {
        let mut out: Vec<Rc<Class>> = Vec::new();
        fn visit(class: &Rc<Class>, out: &mut Vec<Rc<Class>>) {
            if out.iter().any(|c| Rc::ptr_eq(c, class)) {
                return;
            }
            out.push(class.clone());
            for base in &class.bases {
                visit(base, out);
            }
        }
        visit(self, &mut out);
        out
    }

    pub fn lookup(self: &Rc<Class>, name: Symbol) -> Option<Value> {
        self.mro().iter().find_map(|c| c.attrs.borrow().get(&name).cloned())
    }

    pub fn is_subclass_of(self: &Rc<Class>, other: &Rc<Class>) -> bool {
        self.mro().iter().any(|c| Rc::ptr_eq(c, other))
    }

    pub fn is_module(self: &Rc<Class>) -> bool {
        self.mro().iter().any(|c| c.native == NativeKind::Module)
    }

    /// TorchScript's qualified name: `__torch__.torch.nn.modules.conv.Conv2d`,
    /// `__torch__.Net` for a class of the user's file.
    pub fn qualified_name(&self) -> String {
        if &*self.module_path == "__main__" {
            format!("__torch__.{}", self.name)
        } else {
            format!("__torch__.{}.{}", self.module_path, self.name)
        }
    }
}

#[derive(Debug)]
pub struct Instance {
    pub class: Rc<Class>,
    pub attrs: RefCell<IndexMap<Symbol, Value>>,
    /// Parameters, buffers and submodules, once `Module.__init__` ran.
    pub module: RefCell<Option<ModuleState>>,
    /// Where it was created (for diagnostics that point at a module).
    pub created_at: Span,
}

/// A Python module or a native namespace.
#[derive(Debug)]
pub struct Namespace {
    pub name: Rc<str>,
    pub attrs: RefCell<IndexMap<Symbol, Value>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Script,
    Trace,
    OptimizeForMobile,
}

/// A module-level `torch.jit.script(...)`, `torch.jit.trace(...)` or
/// `optimize_for_mobile(...)`: what `tsc compile` starts from.
#[derive(Debug)]
pub struct Entry {
    pub kind: EntryKind,
    /// The scripted module or function (for `optimize_for_mobile`, the entry
    /// it optimizes).
    pub target: Value,
    /// `torch.jit.trace`'s example inputs.
    pub example_inputs: Option<Value>,
    /// `optimize_for_mobile`'s `preserved_methods`.
    pub preserved_methods: Vec<String>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Exception {
    pub class: Rc<Class>,
    pub message: String,
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::from(items))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    /// Python's name for the value's type, as error messages print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Dict(_) => "dict".into(),
            Value::Range { .. } => "range".into(),
            Value::Slice(_) => "slice".into(),
            Value::Ellipsis => "ellipsis".into(),
            Value::Function(_) | Value::Builtin(_) => "function".into(),
            Value::Method(_) => "method".into(),
            Value::Class(_) => "type".into(),
            Value::Instance(i) => i.class.name.to_string(),
            Value::Tensor(t) if t.is_parameter => "Parameter".into(),
            Value::Tensor(_) => "Tensor".into(),
            Value::Device(_) => "device".into(),
            Value::Dtype(_) => "dtype".into(),
            Value::Namespace(_) => "module".into(),
            Value::Typing(_) => "typing form".into(),
            Value::Entry(e) => match e.kind {
                EntryKind::Script => "RecursiveScriptModule".into(),
                EntryKind::Trace => "TopLevelTracedModule".into(),
                EntryKind::OptimizeForMobile => "RecursiveScriptModule".into(),
            },
            Value::Exception(e) => e.class.name.to_string(),
            Value::Opaque(what) => what.to_string(),
            Value::Super(_) => "super".into(),
            Value::Descriptor(d) => match **d {
                Descriptor::Static(_) => "staticmethod".into(),
                Descriptor::ClassMethod(_) => "classmethod".into(),
                Descriptor::Property { .. } => "property".into(),
            },
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().entries.is_empty(),
            Value::Range { start, stop, step } => range_len(*start, *stop, *step) > 0,
            _ => true,
        }
    }

    /// The dict key for a hashable value.
    pub fn key(&self) -> Option<Key> {
        Some(match self {
            Value::None => Key::None,
            Value::Bool(b) => Key::Bool(*b),
            // Python: 1 == 1.0 == True hash alike; ints are the common case.
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Key::Int(*f as i64),
            Value::Float(f) => Key::Float(f.to_bits()),
            Value::Str(s) => Key::Str(s.clone()),
            Value::Tuple(items) => Key::Tuple(items.iter().map(Value::key).collect::<Option<Vec<_>>>()?.into()),
            Value::List(_) | Value::Dict(_) => return None,
            other => Key::Identity(other.identity()),
        })
    }

    /// An address that identifies a heap object (for `is` and hashing).
    pub fn identity(&self) -> usize {
        match self {
            Value::List(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Dict(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Tuple(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Str(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Function(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Builtin(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Method(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Class(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Instance(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Tensor(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Namespace(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Entry(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Exception(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Device(v) | Value::Typing(v) | Value::Opaque(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Slice(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Super(v) => Rc::as_ptr(v) as *const () as usize,
            Value::Descriptor(v) => Rc::as_ptr(v) as *const () as usize,
            Value::None => 1,
            Value::Ellipsis => 2,
            Value::Bool(b) => 3 + usize::from(*b),
            Value::Int(i) => *i as usize,
            Value::Float(f) => f.to_bits() as usize,
            Value::Range { start, .. } => *start as usize,
            Value::Dtype(d) => d.code() as usize,
        }
    }
}

/// How many items a range has, at most `i64::MAX` (a range from `-2**63`
/// to `2**63 - 1` has more; Python's `len` of it is an `OverflowError`).
pub fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
    let len = if step > 0 && start < stop {
        (stop - start + step - 1) / step
    } else if step < 0 && start > stop {
        (start - stop - step - 1) / -step
    } else {
        0
    };
    i64::try_from(len).unwrap_or(i64::MAX)
}
