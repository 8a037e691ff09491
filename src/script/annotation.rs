//! Type annotations (`List[int]`, `Optional[Tensor]`, `torch.Tensor`) as
//! TorchScript types.

use crate::host::eval::Host;
use crate::syntax::ast::{Expr, ExprKind, Literal};
use crate::types::Type;

/// The type an annotation names, or `None` if it names something this
/// compiler does not know (the caller decides whether that is an error).
pub(super) fn parse(host: &Host<'_>, e: &Expr) -> Option<Type> {
    match &e.kind {
        ExprKind::Name(n) => simple(host.name(*n)),
        ExprKind::Literal(Literal::None) => Some(Type::None),
        ExprKind::Literal(Literal::Str(s)) => simple(host.name(*s)),
        ExprKind::Attribute { value, attr } => {
            let base = match &value.kind {
                ExprKind::Name(n) => host.name(*n),
                _ => return None,
            };
            match (base, host.name(attr.name)) {
                ("torch", "Tensor") => Some(Type::Tensor),
                ("torch", "device") => Some(Type::Device),
                ("typing", name) => simple(name),
                _ => None,
            }
        }
        ExprKind::Subscript { value, index } => {
            let form = match &value.kind {
                ExprKind::Name(n) => host.name(*n).to_string(),
                ExprKind::Attribute { attr, .. } => host.name(attr.name).to_string(),
                _ => return None,
            };
            let items: Vec<&Expr> = match &index.kind {
                ExprKind::Tuple(items) => items.iter().collect(),
                _ => vec![index.as_ref()],
            };
            let args: Option<Vec<Type>> = items.iter().map(|i| parse(host, i)).collect();
            match (form.as_str(), args?.as_slice()) {
                ("List" | "list", [t]) => Some(Type::list(t.clone())),
                ("Optional", [t]) => Some(Type::optional(t.clone())),
                ("Tuple" | "tuple", ts) => Some(Type::Tuple(ts.to_vec())),
                ("Dict" | "dict", [k, v]) => Some(Type::Dict(Box::new(k.clone()), Box::new(v.clone()))),
                ("Union", ts) if ts.len() == 2 && ts.contains(&Type::None) => {
                    let other = ts.iter().find(|t| **t != Type::None).cloned().unwrap_or(Type::None);
                    Some(Type::optional(other))
                }
                ("Union", ts) if ts.len() >= 2 && !ts.contains(&Type::None) => Some(Type::Union(ts.to_vec())),
                ("Final", [t]) => Some(t.clone()),
                // `torch.nn.functional`'s sized lists: an `int[2]` in schema
                // terms, which also takes a single int (see `list_size`).
                ("BroadcastingList1" | "BroadcastingList2" | "BroadcastingList3", [t]) => Some(Type::list(t.clone())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The `N` of a `BroadcastingListN[T]` annotation, also inside `Optional[...]`.
pub(super) fn list_size(host: &Host<'_>, e: &Expr) -> Option<usize> {
    let ExprKind::Subscript { value, index } = &e.kind else { return None };
    let form = match &value.kind {
        ExprKind::Name(n) => host.name(*n),
        ExprKind::Attribute { attr, .. } => host.name(attr.name),
        _ => return None,
    };
    match form {
        "Optional" => list_size(host, index),
        _ => form.strip_prefix("BroadcastingList")?.parse().ok(),
    }
}

fn simple(name: &str) -> Option<Type> {
    Some(match name {
        "int" => Type::Int,
        "float" => Type::Float,
        "bool" => Type::Bool,
        "str" => Type::Str,
        "complex" => Type::Complex,
        "Tensor" => Type::Tensor,
        "None" => Type::None,
        "Any" => Type::Any,
        "device" => Type::Device,
        // The prelude's `torch.nn.utils.rnn.PackedSequence` (a NamedTuple).
        "PackedSequence" => Type::packed_sequence(),
        _ => return None,
    })
}

/// A type written as text (a `# type:` comment): `int`, `List[Tensor]`,
/// `Optional[Tuple[int, float]]`.
pub(super) fn parse_str(text: &str) -> Option<Type> {
    let text = text.trim();
    let Some(open) = text.find('[') else {
        return match text {
            "torch.Tensor" => Some(Type::Tensor),
            "PackedSequence" => Some(Type::packed_sequence()),
            other => simple(other),
        };
    };
    let inner = text[open + 1..].strip_suffix(']')?;
    let mut args = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                args.push(parse_str(&inner[start..i])?);
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(parse_str(&inner[start..])?);
    match (text[..open].trim(), args.as_slice()) {
        ("List", [t]) => Some(Type::list(t.clone())),
        ("Optional", [t]) => Some(Type::optional(t.clone())),
        ("Tuple", ts) => Some(Type::Tuple(ts.to_vec())),
        ("Dict", [k, v]) => Some(Type::Dict(Box::new(k.clone()), Box::new(v.clone()))),
        _ => None,
    }
}
