//! Dict literals and `del`. (Subscripts, methods, `in` and iteration of
//! dicts go through the operator registry like lists': `aten::__getitem__`,
//! `aten::_set_item`, `aten::keys`, ...)

use super::*;
use crate::ops::op;

impl Emitter<'_, '_, '_> {
    /// `{k: v, ...}`: `prim::DictConstruct(k0, v0, k1, v1, ...)`. Keys
    /// must all have one type; values of different types make a `Union`.
    /// An annotated `Dict[K, V]` types the literal (an empty one too);
    /// without one, `{}` is a `Dict[str, Tensor]`, as in PyTorch.
    pub(super) fn dict_literal(&mut self, items: &[DictItem], hint: Option<Type>, span: Span) -> ValueId {
        let mut inputs = Vec::with_capacity(items.len() * 2);
        let (mut key_type, mut value_types): (Option<Type>, Vec<Type>) = (None, Vec::new());
        for item in items {
            let DictItem::Pair(k, v) = item else { return self.unsupported() };
            let key = self.value(k);
            let value = self.value(v);
            let (kt, vt) = (self.ty(key), self.ty(value));
            if kt == Type::Any || vt == Type::Any {
                return self.any();
            }
            match &key_type {
                Some(expected) if *expected != kt => {
                    let mismatch = errors::Mismatch::DictKey { expected: expected.clone(), found: kt };
                    return self.error(errors::type_mismatch(k.span, mismatch));
                }
                _ => key_type = Some(kt),
            }
            if !value_types.contains(&vt) {
                value_types.push(vt);
            }
            inputs.extend([key, value]);
        }
        let unified = match value_types.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(union_of(many)),
        };
        let ty = match (hint, key_type, unified) {
            (Some(hinted @ Type::Dict(..)), key, value) => {
                let Type::Dict(hk, hv) = &hinted else { unreachable!("matched a dict type") };
                let fits = |actual: &Option<Type>, formal: &Type| {
                    actual.as_ref().is_none_or(|t| matching::is_subtype(t, formal, &mut HashMap::new()))
                };
                let what = if !fits(&key, hk) {
                    key.map(|k| ("keys", k))
                } else if value_types.iter().all(|t| matching::is_subtype(t, hv, &mut HashMap::new())) {
                    None
                } else {
                    value.map(|v| ("values", v))
                };
                if let Some((part, found)) = what {
                    let mismatch = errors::Mismatch::DictAnnotation { annotated: hinted, part, found };
                    return self.error(errors::type_mismatch(span, mismatch));
                }
                hinted
            }
            (_, Some(k), Some(v)) => Type::Dict(Box::new(k), Box::new(v)),
            _ => Type::Dict(Box::new(Type::Str), Box::new(Type::Tensor)),
        };
        self.node(op::prim::DictConstruct, inputs, vec![ty], Attr::None, span)[0]
    }

    /// `del d[k]` and `del xs[i]`: `aten::Delete`; `del name`: the name is
    /// no longer defined.
    pub(super) fn delete(&mut self, targets: &[Expr]) -> Result<(), Stop> {
        for target in targets {
            match &target.kind {
                ExprKind::Subscript { value, index } if !matches!(index.kind, ExprKind::Slice { .. }) => {
                    let object = self.value(value);
                    if !matches!(self.ty(object), Type::List(_) | Type::Dict(..) | Type::Any) {
                        return Err(self.stop_here());
                    }
                    let key = self.value(index);
                    self.call_aten(op::aten::Delete, vec![object, key], vec![], target.span);
                }
                ExprKind::Name(name) => {
                    if self.lookup(*name).is_none() {
                        return Err(self.stop_here());
                    }
                    for scope in &mut self.scopes {
                        scope.remove(name);
                    }
                }
                _ => return Err(self.stop_here()),
            }
        }
        Ok(())
    }
}

/// What the values of a dict literal unify to: `T`, `Optional[T]` and
/// `None` make `Optional[T]`; other mixes a `Union`, its members in the
/// order PyTorch prints them (by name).
pub(super) fn union_of(types: &[Type]) -> Type {
    let mut others: Vec<&Type> = Vec::new();
    for t in types {
        let inner = match t {
            Type::None => continue,
            Type::Optional(inner) => &**inner,
            t => t,
        };
        if !others.contains(&inner) {
            others.push(inner);
        }
    }
    if let [one] = others.as_slice() {
        return Type::None.unify(one);
    }
    let mut members = types.to_vec();
    members.sort_by_key(Type::to_string);
    Type::Union(members)
}
