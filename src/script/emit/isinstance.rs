//! `isinstance(x, T)`, which TorchScript decides while compiling whenever
//! the static type of `x` settles it (`assert isinstance(self.padding,
//! tuple)` in `ConvTranspose2d.forward` compiles to nothing).

use super::*;
use crate::ops::op;

/// A class `isinstance` tests against: a TorchScript type, any list or
/// tuple (`list`, `tuple`), or a Python class (`PackedSequence`), which no
/// value of another type is.
enum Class {
    Type(Type),
    AnyList,
    AnyTuple,
    Other,
}

impl Emitter<'_, '_, '_> {
    /// `isinstance(object, classinfo)` as a bool constant when the type of
    /// `object` decides it; `None` (having given up) when only the running
    /// model can.
    pub(super) fn isinstance(&mut self, object: &Expr, classinfo: &Expr, span: Span) -> ValueId {
        let Some(classes) = self.classes(classinfo) else { return self.unsupported() };
        let v = self.value(object);
        let actual = self.ty(v);
        if actual == Type::Any {
            return v;
        }
        let subtype = |t: &Type, of: &Type| matching::is_subtype(t, of, &mut HashMap::new());
        let statically_true = classes.iter().any(|c| match c {
            Class::Type(t) => subtype(&actual, t),
            Class::AnyList => matches!(actual, Type::List(_)),
            Class::AnyTuple => matches!(actual, Type::Tuple(_)),
            Class::Other => false,
        });
        let maybe_of = |kind: fn(&Type) -> bool| match &actual {
            Type::Optional(inner) => kind(inner),
            _ => false,
        };
        let statically_false = classes.iter().all(|c| match c {
            Class::Type(t) => !subtype(t, &actual),
            Class::AnyList => !maybe_of(|t| matches!(t, Type::List(_))),
            Class::AnyTuple => !maybe_of(|t| matches!(t, Type::Tuple(_))),
            Class::Other => !matches!(actual, Type::Class(_) | Type::Tuple(_)),
        });
        match (statically_true, statically_false) {
            (true, _) => self.constant(Constant::Bool(true), Some(span)),
            (false, true) => self.constant(Constant::Bool(false), Some(span)),
            // A Union value's kind is known only when the model runs.
            (false, false) => {
                let types: Option<Vec<Type>> = classes
                    .iter()
                    .map(|c| match c {
                        Class::Type(t) => Some(t.clone()),
                        _ => None,
                    })
                    .collect();
                match (types, &actual) {
                    (Some(types), Type::Union(_)) => {
                        self.node(op::prim::isinstance, vec![v], vec![Type::Bool], Attr::Types(types), span)[0]
                    }
                    _ => self.unsupported(),
                }
            }
        }
    }

    /// What `isinstance(x, T)` refines for a `Union` local `x`: the items
    /// that are `T` where it holds, the others where it does not.
    pub(super) fn isinstance_refinements(&self, func: &Expr, args: &[Arg]) -> Option<refine::Refinements> {
        let ExprKind::Name(f) = func.kind else { return None };
        if self.host.name(f) != "isinstance" {
            return None;
        }
        let [Arg { kind: ArgKind::Positional(object), .. }, Arg { kind: ArgKind::Positional(classinfo), .. }] = args
        else {
            return None;
        };
        let ExprKind::Name(name) = object.kind else { return None };
        let Type::Union(items) = self.ty(self.lookup(name)?) else { return None };
        let classes = self.classes(classinfo)?;
        let is = |t: &Type| {
            classes.iter().any(|c| matches!(c, Class::Type(of) if matching::is_subtype(t, of, &mut HashMap::new())))
        };
        let narrowed = |keep: bool| {
            let kept: Vec<Type> = items.iter().filter(|t| is(t) == keep).cloned().collect();
            match kept.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                _ => Some(Type::Union(kept)),
            }
        };
        let refined = |to: Option<Type>| to.map(|to| vec![refine::Refined { name, to: Some(to) }]).unwrap_or_default();
        Some(refine::Refinements { when_true: refined(narrowed(true)), when_false: refined(narrowed(false)) })
    }

    /// The classes of `isinstance`'s second argument (a class or a tuple
    /// of them).
    fn classes(&self, classinfo: &Expr) -> Option<Vec<Class>> {
        if let ExprKind::Tuple(items) = &classinfo.kind {
            let mut out = Vec::new();
            for item in items {
                out.extend(self.classes(item)?);
            }
            return Some(out);
        }
        if let ExprKind::Name(n) = classinfo.kind {
            match self.host.name(n) {
                "list" | "List" => return Some(vec![Class::AnyList]),
                "tuple" | "Tuple" => return Some(vec![Class::AnyTuple]),
                _ => {}
            }
        }
        if let Some(t) = annotation::parse(self.host, classinfo) {
            return Some(vec![Class::Type(t)]);
        }
        // A class of the model file or of the prelude.
        let ExprKind::Name(n) = classinfo.kind else { return None };
        match self.unit.globals.attrs.borrow().get(&n) {
            Some(Value::Class(_)) => Some(vec![Class::Other]),
            _ => None,
        }
    }
}
