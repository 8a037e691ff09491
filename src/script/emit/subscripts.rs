//! Subscripts: tuple items and slices, list, string, tensor and dict
//! indexing.

use super::*;
use crate::ops::op;

impl<'u, 'h, 'a> Emitter<'u, 'h, 'a> {
    pub(super) fn subscript(&mut self, object: ValueId, index: &Expr, span: Span) -> ValueId {
        match self.tuple_view(object) {
            // `result[1:]`: a tuple of the items, by constant bounds.
            Type::Tuple(items) if matches!(index.kind, ExprKind::Slice { .. }) => {
                let ExprKind::Slice { lower, upper, step } = &index.kind else { unreachable!("matched a slice") };
                let n = items.len() as i64;
                let bound = |e: &Option<Box<Expr>>| match e.as_deref() {
                    None => Some(Ok(None)),
                    Some(e) => literal::int(e).map(|i| i.map(Some)),
                };
                let (Some(start), Some(end), Some(Ok(None))) = (bound(lower), bound(upper), bound(step)) else {
                    return self.unsupported();
                };
                let (start, end) = match (start, end) {
                    (Ok(start), Ok(end)) => (start, end),
                    (Err(at), _) | (_, Err(at)) => return self.sure_error(errors::integer_out_of_range(at)),
                };
                let clamp = |i: i64| if i < 0 { (i + n).max(0) } else { i.min(n) };
                let (start, end) = (clamp(start.unwrap_or(0)), clamp(end.unwrap_or(n)));
                let mut parts = Vec::new();
                for i in start..end.max(start) {
                    let at = self.constant(Constant::Int(i), None);
                    let ty = items[i as usize].clone();
                    parts.push(self.node(op::prim::TupleIndex, vec![object, at], vec![ty], Attr::None, span)[0]);
                }
                let types = parts.iter().map(|v| self.ty(*v)).collect();
                self.node(op::prim::TupleConstruct, parts, vec![Type::Tuple(types)], Attr::None, span)[0]
            }
            Type::Tuple(items) => {
                let constant = match literal::int(index) {
                    Some(Ok(i)) => Some(i),
                    Some(Err(at)) => return self.sure_error(errors::integer_out_of_range(at)),
                    None => None,
                };
                let Some(given) = constant else {
                    // A non-literal index: only into a tuple whose items
                    // all have one type.
                    let i = self.value(index);
                    if !matches!(self.ty(i), Type::Int | Type::Any) {
                        return self.unsupported();
                    }
                    let shown = self.ty(object);
                    let Some(first) = items.first().filter(|f| items.iter().all(|t| t == *f)) else {
                        return self.error(
                            Diagnostic::new(
                                Code::E2010,
                                span,
                                format!("Cannot index into a {shown} with a non-integer literal because we cannot resolve the output type"),
                            )
                            .label("the items have different types")
                            .help("index with an integer literal"),
                        );
                    };
                    let ty = first.clone();
                    return self.node(op::prim::TupleIndex, vec![object, i], vec![ty], Attr::None, span)[0];
                };
                // `t[-1]` is the last item.
                let n = items.len() as i64;
                let i = if given < 0 { given + n } else { given };
                if !(0..n).contains(&i) {
                    return self.error(
                        Diagnostic::new(
                            Code::E2010,
                            span,
                            format!("Tuple index out of range. Tuple is length {n} and index is {given}"),
                        )
                        .label(format!("a tuple of {n} has no element {given}")),
                    );
                }
                // (The index stays as written: `(t)[-1]`.)
                let at = self.constant(Constant::Int(given), None);
                self.node(op::prim::TupleIndex, vec![object, at], vec![items[i as usize].clone()], Attr::None, span)[0]
            }
            // `xs[1:]`, `s[:3]`: `aten::slice.t` / `.str`.
            Type::List(_) | Type::Str if matches!(index.kind, ExprKind::Slice { .. }) => {
                let ExprKind::Slice { lower, upper, step } = &index.kind else { unreachable!("matched a slice") };
                let mut bound = |e: &Option<Box<Expr>>, default: Constant| match e {
                    Some(e) => self.value(e),
                    None => self.constant(default, None),
                };
                let start = bound(lower, Constant::None);
                let end = bound(upper, Constant::None);
                let step = bound(step, Constant::Int(1));
                self.call_aten(op::aten::slice, vec![object, start, end, step], vec![], span)
            }
            Type::List(element) => {
                let i = self.value(index);
                if self.ty(i) != Type::Int {
                    return self.unsupported();
                }
                self.node(op::aten::__getitem__, vec![object, i], vec![*element], Attr::None, span)[0]
            }
            Type::Tensor => self.tensor_index(object, index, span),
            // `d[key]`: `aten::__getitem__.Dict_str` and its kin.
            Type::Dict(..) => {
                let key = self.value(index);
                self.call_aten(op::aten::__getitem__, vec![object, key], vec![], span)
            }
            Type::Any => object,
            shown @ (Type::Int | Type::Float | Type::Bool | Type::None | Type::Optional(_) | Type::Device) => self
                .error(
                    Diagnostic::new(Code::E2012, span, format!("'{shown}' object is not subscriptable"))
                        .label(format!("a `{shown}` has no items")),
                ),
            _ => self.unsupported(),
        }
    }
}
