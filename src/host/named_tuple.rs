//! `class P(NamedTuple)` in code the host runs: an instance holds its
//! fields as attributes, in declaration order, and is a tuple of them for
//! indexing, unpacking, iteration and `len`.

use std::cell::RefCell;
use std::rc::Rc;

use indexmap::IndexMap;

use super::call::Args;
use super::eval::{Eval, Host};
use super::value::{Class, Instance, NativeKind, Value};
use crate::source::Span;
use crate::syntax::Symbol;
use crate::syntax::ast::{ExprKind, StmtKind};

/// The annotated field names of a NamedTuple class body, in order; for a
/// `collections.namedtuple` class, its `_fields`.
fn fields(host: &mut Host<'_>, class: &Class) -> Vec<Symbol> {
    let Some((def, _)) = &class.def else {
        let key = host.sym("_fields");
        let names = match class.attrs.borrow().get(&key) {
            Some(Value::Tuple(names)) => names.to_vec(),
            _ => Vec::new(),
        };
        return names.iter().filter_map(|n| if let Value::Str(s) = n { Some(host.sym(s)) } else { None }).collect();
    };
    def.body
        .iter()
        .filter_map(|stmt| match &stmt.kind {
            StmtKind::AnnAssign { target, .. } => match target.kind {
                ExprKind::Name(name) => Some(name),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `P(a, b=...)`: the fields bound as `collections.namedtuple`'s
/// `__new__` binds them, defaults from the class body.
pub(super) fn construct(host: &mut Host<'_>, class: &Rc<Class>, args: Args, span: Span) -> Eval<Value> {
    let names = fields(host, class);
    let name = class.name.clone();
    if args.positional.len() > names.len() {
        return host.raise(
            "TypeError",
            format!(
                "{name}.__new__() takes {} positional arguments but {} were given",
                names.len() + 1,
                args.positional.len() + 1
            ),
            span,
        );
    }
    let mut values: Vec<Option<Value>> = args.positional.into_iter().map(Some).collect();
    values.resize(names.len(), None);
    for (key, value) in args.keywords {
        let Some(at) = names.iter().position(|n| *n == key) else {
            let key = host.name(key).to_string();
            return host.raise(
                "TypeError",
                format!("{name}.__new__() got an unexpected keyword argument '{key}'"),
                span,
            );
        };
        if values[at].is_some() {
            let key = host.name(key).to_string();
            return host.raise("TypeError", format!("{name}.__new__() got multiple values for argument '{key}'"), span);
        }
        values[at] = Some(value);
    }
    let mut attrs = IndexMap::new();
    for (field, value) in names.iter().zip(values) {
        let Some(value) = value.or_else(|| class.attrs.borrow().get(field).cloned()) else {
            let field = host.name(*field).to_string();
            return host.raise(
                "TypeError",
                format!("{name}.__new__() missing 1 required positional argument: '{field}'"),
                span,
            );
        };
        attrs.insert(*field, value);
    }
    Ok(Value::Instance(Rc::new(Instance {
        class: class.clone(),
        attrs: RefCell::new(attrs),
        module: RefCell::new(None),
        created_at: span,
    })))
}

/// A NamedTuple instance's fields as a tuple's items; `None` for other
/// instances.
pub(super) fn items(instance: &Instance) -> Option<Vec<Value>> {
    (instance.class.mro().iter().any(|c| c.native == NativeKind::NamedTuple))
        .then(|| instance.attrs.borrow().values().cloned().collect())
}
