//! Matching call arguments to operator schemas with TorchScript's rules:
//! positional then keyword arguments, defaults, type variables, and the
//! implicit conversions (a Tensor where an int or float is expected, one int
//! for an `int[2]`, a tuple of ints for an `int[]`). The result is a plan the
//! emitter turns into IR; a failure is PyTorch's reason text.

use std::collections::HashMap;

use crate::ops::{DefaultValue, Schema};
use crate::types::Type;

/// How one schema argument gets its value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Source {
    /// The call's positional argument `i`, converted as needed.
    Positional(usize, Conversion),
    /// The call's keyword argument `i`, converted as needed.
    Keyword(usize, Conversion),
    /// The schema's default.
    Default(DefaultValue),
    /// Extra positional arguments of a `...` schema.
    Vararg(usize),
    /// Positional arguments `start..end` packed into the list argument that
    /// ends the positional ones (`torch.zeros(2, 3)` for `int[] size`).
    Packed(usize, usize),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Conversion {
    None,
    /// `aten::Int`/`aten::Float` of a Tensor.
    TensorTo(Type),
    /// One int repeated `n` times into an `int[n]`.
    Repeat(usize),
    /// A tuple of ints as an `int[]`.
    TupleToList,
    /// A str as a Device (`aten::device`).
    StrToDevice,
}

#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub sources: Vec<Source>,
    /// The schema's return types with type variables bound.
    pub returns: Vec<Type>,
    /// Packed arguments needed `aten::Int` of a Tensor (`x.view(n, -1)`
    /// with a Tensor `n`).
    pub packs_tensors: bool,
}

impl Plan {
    /// Whether an argument needs an implicit conversion. PyTorch tries every
    /// overload without conversions before any with them, so `s == "cpu"`
    /// compares strings rather than devices.
    pub(crate) fn converts(&self) -> bool {
        self.packs_tensors
            || self.sources.iter().any(|s| match s {
                Source::Positional(_, c) | Source::Keyword(_, c) => *c != Conversion::None,
                _ => false,
            })
    }
}

/// Why a schema does not match: PyTorch's reason, and how many arguments
/// matched before it (a later failure is a closer candidate).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mismatch {
    pub matched: usize,
    pub reason: String,
}

/// Tries one schema; `Err` says why it does not match.
pub(crate) fn match_schema(
    schema: &Schema,
    positional: &[Type],
    keywords: &[(String, Type)],
) -> Result<Plan, Mismatch> {
    match_arguments(schema, positional, keywords)
}

fn match_arguments(schema: &Schema, positional: &[Type], keywords: &[(String, Type)]) -> Result<Plan, Mismatch> {
    let fail = |matched: usize, reason: String| Mismatch { matched, reason };
    let mut bindings: HashMap<String, Type> = HashMap::new();
    let positional_slots = schema.arguments.iter().filter(|a| !a.kwarg_only).count();
    let packs = positional_slots.checked_sub(1).and_then(|last| {
        // Not into a `BroadcastingList2[int]` (`int[2]`): one int fills it.
        if schema.arguments[last].n.is_some() {
            return None;
        }
        let formal = &schema.arguments[last].ty;
        let Type::List(element) = formal else { return None };
        let rest = positional.get(last..)?;
        let scalars = !rest.is_empty()
            && rest.iter().all(|t| {
                matches!(
                    convert(t, element, None, &mut HashMap::new()),
                    Some(Conversion::None | Conversion::TensorTo(_))
                )
            });
        (scalars && !matches!(**element, Type::Var(_))).then_some(last)
    });
    if positional.len() > positional_slots && !schema.is_vararg && packs.is_none() {
        return Err(fail(
            0,
            format!(
                "Expected at most {} arguments but found {} positional arguments.",
                positional_slots,
                positional.len()
            ),
        ));
    }
    for (name, _) in keywords {
        if !schema.arguments.iter().any(|a| &a.name == name) {
            return Err(fail(0, format!("Keyword argument {name} unknown.")));
        }
    }
    let mut sources = Vec::with_capacity(schema.arguments.len());
    for (index, argument) in schema.arguments.iter().enumerate() {
        if packs == Some(index) {
            sources.push(Source::Packed(index, positional.len()));
            continue;
        }
        let given = if !argument.kwarg_only && index < positional.len() {
            if keywords.iter().any(|(n, _)| n == &argument.name) {
                return Err(fail(index, format!("Argument {} specified twice in schema.", argument.name)));
            }
            Some((&positional[index], true, index))
        } else {
            keywords.iter().position(|(n, _)| n == &argument.name).map(|k| (&keywords[k].1, false, k))
        };
        match given {
            Some((actual, is_positional, at)) => {
                let conversion = convert(actual, &argument.ty, argument.n, &mut bindings).ok_or_else(|| {
                    fail(
                        index,
                        format!(
                            "Expected a value of type '{}' for argument '{}' but instead found type '{}'.",
                            shown(&argument.ty, &bindings),
                            argument.name,
                            actual
                        ),
                    )
                })?;
                sources.push(if is_positional {
                    Source::Positional(at, conversion)
                } else {
                    Source::Keyword(at, conversion)
                });
            }
            None => match &argument.default {
                Some(default) => sources.push(Source::Default(default.clone())),
                None => return Err(fail(index, format!("Argument {} not provided.", argument.name))),
            },
        }
    }
    if schema.is_vararg {
        for i in positional_slots.min(positional.len())..positional.len() {
            sources.push(Source::Vararg(i));
        }
    }
    let returns = schema.returns.iter().map(|r| substitute(&r.ty, &bindings)).collect();
    let packs_tensors = packs.is_some_and(|last| positional[last..].contains(&Type::Tensor));
    Ok(Plan { sources, returns, packs_tensors })
}

fn shown(ty: &Type, bindings: &HashMap<String, Type>) -> String {
    substitute(ty, bindings).to_string()
}

/// Replaces bound type variables.
pub(crate) fn substitute(ty: &Type, bindings: &HashMap<String, Type>) -> Type {
    match ty {
        Type::Var(name) => bindings.get(&**name).cloned().unwrap_or_else(|| ty.clone()),
        Type::Optional(inner) => Type::optional(substitute(inner, bindings)),
        Type::List(inner) => Type::list(substitute(inner, bindings)),
        Type::Tuple(items) => Type::Tuple(items.iter().map(|t| substitute(t, bindings)).collect()),
        Type::Dict(k, v) => Type::Dict(Box::new(substitute(k, bindings)), Box::new(substitute(v, bindings))),
        Type::Future(inner) => Type::Future(Box::new(substitute(inner, bindings))),
        other => other.clone(),
    }
}

/// Whether a value of type `actual` can be passed where `formal` is
/// expected, and how. `Type::Any` as the actual type is an error value that
/// matches everything, so one error does not cascade.
pub(crate) fn convert(
    actual: &Type,
    formal: &Type,
    n: Option<usize>,
    bindings: &mut HashMap<String, Type>,
) -> Option<Conversion> {
    if is_subtype(actual, formal, bindings) {
        return Some(Conversion::None);
    }
    match (actual, formal) {
        // A tensor where a number is expected: its item (`aten::IntImplicit`,
        // `FloatImplicit`, `ScalarImplicit`), as PyTorch converts.
        (Type::Tensor, Type::Int | Type::Float | Type::Number) => Some(Conversion::TensorTo(formal.clone())),
        (Type::Int, Type::List(inner)) if **inner == Type::Int && n.is_some() => {
            Some(Conversion::Repeat(n.unwrap_or(1)))
        }
        (Type::Tuple(items), Type::List(inner))
            if !items.is_empty() && items.iter().all(|t| is_subtype(t, inner, bindings)) =>
        {
            Some(Conversion::TupleToList)
        }
        (Type::Str, Type::Device) => Some(Conversion::StrToDevice),
        (_, Type::Optional(inner)) => convert(actual, inner, n, bindings),
        _ => None,
    }
}

/// TorchScript's subtyping, binding type variables as it goes.
pub(crate) fn is_subtype(actual: &Type, formal: &Type, bindings: &mut HashMap<String, Type>) -> bool {
    if actual == formal || *actual == Type::Any || *formal == Type::Any {
        return true;
    }
    match (actual, formal) {
        (_, Type::Var(name)) => match bindings.get(&**name) {
            Some(bound) => {
                let bound = bound.clone();
                is_subtype(actual, &bound, bindings)
            }
            None => {
                bindings.insert(name.to_string(), actual.clone());
                true
            }
        },
        (Type::None, Type::Optional(_)) => true,
        (Type::Optional(a), Type::Optional(f)) => is_subtype(a, f, bindings),
        (_, Type::Optional(inner)) => is_subtype(actual, inner, bindings),
        (Type::Int | Type::Float | Type::Bool | Type::Complex, Type::Number) => true,
        (Type::Int, Type::ScalarType | Type::Layout | Type::MemoryFormat) => true,
        (Type::List(a), Type::List(f)) => {
            // Lists are invariant, but a type variable binds to the element type.
            match &**f {
                Type::Var(_) => is_subtype(a, f, bindings),
                _ => a == f || **a == Type::Any,
            }
        }
        (Type::Tuple(a), Type::Tuple(f)) => {
            a.len() == f.len() && a.iter().zip(f).all(|(x, y)| is_subtype(x, y, bindings))
        }
        // A named tuple is a tuple of its items.
        (Type::NamedTuple(a), Type::Tuple(f)) => {
            a.fields.len() == f.len() && a.fields.iter().zip(f).all(|((_, x), y)| is_subtype(x, y, bindings))
        }
        (Type::Dict(ak, av), Type::Dict(fk, fv)) => is_subtype(ak, fk, bindings) && is_subtype(av, fv, bindings),
        (Type::Union(items), _) => items.iter().all(|t| is_subtype(t, formal, bindings)),
        (_, Type::Union(items)) => items.iter().any(|t| is_subtype(actual, t, &mut bindings.clone())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::registry;

    fn first_match(
        name: &str,
        positional: &[Type],
        keywords: &[(String, Type)],
    ) -> Result<(String, Plan), Vec<String>> {
        let mut reasons = Vec::new();
        for schema in registry().overloads(name) {
            match match_schema(schema, positional, keywords) {
                Ok(plan) => return Ok((schema.overload.clone(), plan)),
                Err(mismatch) => reasons.push(mismatch.reason),
            }
        }
        Err(reasons)
    }

    #[test]
    fn overloads_resolve_like_pytorch() {
        let (overload, plan) = first_match("aten::add", &[Type::Tensor, Type::Tensor], &[]).expect("Tensor + Tensor");
        assert_eq!(overload, "Tensor");
        assert_eq!(plan.returns, [Type::Tensor]);
        let (overload, _) = first_match("aten::add", &[Type::Int, Type::Int], &[]).expect("int + int");
        assert_eq!(overload, "int");
        let (overload, _) = first_match("aten::add", &[Type::Tensor, Type::Int], &[]).expect("Tensor + int");
        assert_eq!(overload, "Scalar");
        let reasons = first_match("aten::sum", &[Type::Tensor], &[("dims".into(), Type::Int)]).expect_err("misspelled");
        assert!(reasons.iter().any(|r| r == "Keyword argument dims unknown."));
    }

    #[test]
    fn conversions() {
        let mut b = HashMap::new();
        assert_eq!(convert(&Type::Int, &Type::list(Type::Int), Some(2), &mut b), Some(Conversion::Repeat(2)));
        assert_eq!(convert(&Type::Tensor, &Type::Int, None, &mut b), Some(Conversion::TensorTo(Type::Int)));
        assert_eq!(convert(&Type::Int, &Type::Float, None, &mut b), None);
        assert_eq!(convert(&Type::None, &Type::optional(Type::Tensor), None, &mut b), Some(Conversion::None));
    }
}
