//! Python's `typing` module: its forms are annotations the script compiler
//! reads from the source (`Value::Typing`); its functions change nothing at
//! run time, as in CPython (`cast` returns its value, `overload` and
//! `final` their function).

use super::builtins::builtin;
use super::call::Args;
use super::eval::{Eval, Host};
use super::torch::namespace;
use super::value::Value;

/// Forms usable in annotations, subscripted or not.
const FORMS: &[&str] = &[
    "Optional",
    "List",
    "Tuple",
    "Dict",
    "Set",
    "FrozenSet",
    "DefaultDict",
    "OrderedDict",
    "Deque",
    "Union",
    "Any",
    "Callable",
    "Final",
    "ClassVar",
    "Literal",
    "Type",
    "Sequence",
    "MutableSequence",
    "NamedTuple",
    "TypedDict",
    "Iterable",
    "Iterator",
    "Mapping",
    "MutableMapping",
    "Generic",
    "Protocol",
    "NoReturn",
    "Hashable",
    "Sized",
    "Collection",
    "Container",
    "AbstractSet",
];

pub(super) fn install(host: &mut Host<'_>) {
    let mut entries: Vec<(&str, Value)> = FORMS.iter().map(|n| (*n, Value::Typing((*n).into()))).collect();
    entries.push(("TYPE_CHECKING", Value::Bool(false)));
    entries.push(("cast", builtin("cast", cast)));
    entries.push(("TypeVar", builtin("TypeVar", type_var)));
    for name in ["overload", "final", "no_type_check", "runtime_checkable"] {
        entries.push((name, builtin(name, identity)));
    }
    namespace(host, "typing", entries);
}

/// `cast(T, value)`: the value itself.
fn cast(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "cast", &["typ", "val"], 2)?;
    Ok(slots[1].clone().expect("required"))
}

/// `TypeVar("T", ...)`: a form named `T`.
fn type_var(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    match args.positional.first() {
        Some(Value::Str(name)) => Ok(Value::Typing(name.clone())),
        _ => host.raise("TypeError", "TypeVar() missing required argument: 'name'", args.span),
    }
}

/// A decorator that returns what it decorates.
fn identity(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    Ok(args.bind(host, "decorator", &["f"], 1)?.remove(0).expect("required"))
}
