//! A function's signature as TorchScript types (what the emitter, the
//! source printer and the export tables read), and the types of module
//! attributes.

use super::Unit;
use super::{annotation, literal};
use crate::host::eval::Host;
use crate::host::value::Value;
use crate::ops::DefaultValue;
use crate::source::Span;
use crate::syntax::ast::*;
use crate::types::Type;

/// A function's parameters and result as TorchScript types, from its
/// annotations or its `# type:` comment; `None` if one names a type this
/// compiler does not know.
pub struct Signature {
    /// Name, type, default.
    pub params: Vec<(String, Type, Option<DefaultValue>)>,
    /// Each parameter's `N` if it is a `BroadcastingListN` (an `int[N]`).
    pub sizes: Vec<Option<usize>>,
    /// The annotated result type, if annotated.
    pub returns: Option<Type>,
}

impl Signature {
    /// As a schema, the way PyTorch prints user functions in errors.
    pub(crate) fn schema(&self, name: &str, returns: Type) -> crate::ops::Schema {
        let arguments = self
            .params
            .iter()
            .zip(&self.sizes)
            .map(|((name, ty, default), n)| crate::ops::Argument {
                name: name.clone(),
                ty: ty.clone(),
                n: *n,
                default: default.clone(),
                kwarg_only: false,
                alias: None,
                symint: false,
            })
            .collect();
        let returns = vec![crate::ops::Return { name: None, ty: returns, alias: None, symint: false }];
        crate::ops::Schema {
            name: name.to_string(),
            overload: String::new(),
            arguments,
            returns,
            is_vararg: false,
            is_varret: false,
        }
    }
}

/// The type of the `index`th parameter (after `self`) without an
/// annotation: `Tensor`, or the example input's type in a traced `forward`.
pub fn unannotated(unit: &Unit, index: usize) -> Type {
    unit.example_types.as_ref().and_then(|types| types.get(index).cloned()).unwrap_or(Type::Tensor)
}

pub fn signature(host: &mut Host<'_>, unit: &Unit) -> Option<Signature> {
    let def = unit.def.clone();
    let commented = type_comment(host, unit);
    let offset = usize::from(unit.owner.is_some());
    let mut params = Vec::with_capacity(def.params.len());
    let mut sizes = Vec::with_capacity(def.params.len());
    for (i, param) in def.params.iter().enumerate() {
        if param.kind != ParamKind::Normal && param.kind != ParamKind::PositionalOnly {
            return None;
        }
        let size = param.annotation.as_ref().and_then(|a| annotation::list_size(host, a));
        sizes.push(size);
        let name = host.name(param.name.name).to_string();
        let ty = match (&unit.owner, i) {
            (Some(owner), 0) => Type::Class(owner.class.qualified_name().into()),
            _ => match commented.as_ref().and_then(|(types, _)| types.get(i - offset)) {
                Some(t) => t.clone(),
                None => match &param.annotation {
                    None => unannotated(unit, i - offset),
                    Some(a) => annotation::parse(host, a)?,
                },
            },
        };
        let default = match &param.default {
            None => None,
            Some(e) => Some(match (literal::int(e), &e.kind) {
                // An integer beyond 64 bits is no default TorchScript can hold.
                (Some(literal), _) => {
                    let v = literal.ok()?;
                    if ty == Type::Float { DefaultValue::Float(v as f64) } else { DefaultValue::Int(v) }
                }
                (None, ExprKind::Literal(Literal::None)) => DefaultValue::None,
                (None, ExprKind::Literal(Literal::Bool(b))) => DefaultValue::Bool(*b),
                (None, ExprKind::Literal(Literal::Float(f))) => DefaultValue::Float(*f),
                (None, ExprKind::Literal(Literal::Str(s))) => DefaultValue::Str(host.name(*s).to_string()),
                // `min_val: float = -1.0`
                (None, ExprKind::UnaryOp { op: UnaryOp::Neg, operand }) => match operand.kind {
                    ExprKind::Literal(Literal::Float(f)) => DefaultValue::Float(-f),
                    _ => return None,
                },
                _ => return None,
            }),
        };
        // `padding: BroadcastingList2[int] = 0` defaults to `[0, 0]`.
        let default = match (default, size) {
            (Some(DefaultValue::Int(v)), Some(n)) => Some(DefaultValue::IntList(vec![v; n])),
            (Some(DefaultValue::Float(v)), Some(n)) => Some(DefaultValue::FloatList(vec![v; n])),
            (Some(DefaultValue::Bool(v)), Some(n)) => Some(DefaultValue::BoolList(vec![v; n])),
            (default, _) => default,
        };
        params.push((name, ty, default));
    }
    let returns = match (&commented, &def.returns) {
        (Some((_, t)), _) => Some(t.clone()),
        (None, Some(r)) => Some(annotation::parse(host, r)?),
        (None, None) => None,
    };
    Some(Signature { params, sizes, returns })
}

/// A parameter default as `.code` writes it: `None`, `True`, `2.5`, `[1, 1]`.
pub fn default_source(default: &DefaultValue) -> String {
    let join = |items: Vec<String>| format!("[{}]", items.join(", "));
    match default {
        DefaultValue::None => "None".into(),
        DefaultValue::Bool(b) => if *b { "True" } else { "False" }.into(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(f) => crate::ir::print::float(*f),
        DefaultValue::Str(s) => format!("{s:?}"),
        DefaultValue::IntList(items) => join(items.iter().map(i64::to_string).collect()),
        DefaultValue::FloatList(items) => join(items.iter().map(|f| crate::ir::print::float(*f)).collect()),
        DefaultValue::BoolList(items) => {
            join(items.iter().map(|b| if *b { "True" } else { "False" }.to_string()).collect())
        }
        DefaultValue::EmptyList => "[]".into(),
        DefaultValue::Ident(name) => name.clone(),
    }
}

/// The TorchScript type of a plain attribute value, inferred from the value
/// as PyTorch does (a list takes its first element's type and needs all to
/// agree; an empty list has none).
pub(crate) fn attribute_type(value: &Value) -> Option<Type> {
    Some(match value {
        Value::Tensor(_) => Type::Tensor,
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int,
        Value::Float(_) => Type::Float,
        Value::Str(_) => Type::Str,
        Value::None => Type::None,
        Value::Device(_) => Type::Device,
        Value::Tuple(items) => Type::Tuple(items.iter().map(attribute_type).collect::<Option<Vec<_>>>()?),
        Value::List(items) => {
            let items = items.borrow();
            let first = attribute_type(items.first()?)?;
            if items.iter().any(|v| attribute_type(v).as_ref() != Some(&first)) {
                return None;
            }
            Type::list(first)
        }
        _ => return None,
    })
}

/// A `# type: (int, Tensor) -> Tensor` comment between the header and
/// the body: the parameter types (without `self`) and the return type.
pub(super) fn type_comment(host: &Host<'_>, unit: &Unit) -> Option<(Vec<Type>, Type)> {
    if let Some(types) = super::overload_types(unit) {
        return Some(types);
    }
    let def = &unit.def;
    let file = host.map.get(unit.file);
    let end = def.body.first().map_or(def.name.span.end, |s| s.span.start);
    let header = file.slice(Span::new(def.name.span.end, end));
    let comment = header.split("# type:").nth(1)?.lines().next()?.trim();
    let (params, result) = comment.split_once("->")?;
    let params = params.trim().strip_prefix('(')?.strip_suffix(')')?;
    let types: Option<Vec<Type>> = if params.trim().is_empty() {
        Some(Vec::new())
    } else {
        split_top(params).iter().map(|t| annotation::parse_str(t)).collect()
    };
    Some((types?, annotation::parse_str(result.trim())?))
}

/// Splits `a, List[b, c], d` at its top-level commas.
fn split_top(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out
}
