//! Tensor indexing and assignment into tensors, lowered as PyTorch does:
//! slices and selects, gathers, `copy_` and `index_put_`.

use super::*;
use crate::ops::op;

impl Emitter<'_, '_, '_> {
    /// `x[:, 0] = v`: the indexed view, then `copy_` into it; a number
    /// becomes a tensor of the view's dtype and device first, as in PyTorch.
    /// (Boolean-mask and tensor indices, `index_put_`, are not lowered yet.)
    pub(super) fn tensor_assign(&mut self, object: ValueId, index: &Expr, value: ValueId, span: Span) {
        let view = self.tensor_index(object, index, span);
        // `x[mask] = v`: `index_put_` with the indices `x[mask]` gathered by.
        if let Some(gather) = self.graph.definer(view).filter(|n| n.kind == op::aten::index)
            && gather.inputs[0] == object
        {
            let gathered = gather.inputs[1];
            let Some(source) = self.as_tensor_like(value, object, span) else { return };
            // PyTorch builds the index list after the value; the gather's own
            // list and the gather itself are left for cleanup to drop.
            let Some(parts) =
                self.graph.definer(gathered).filter(|n| n.kind == op::prim::ListConstruct).map(|n| n.inputs.clone())
            else {
                self.unsupported();
                return;
            };
            let ty = self.ty(gathered);
            let indices = self.node(op::prim::ListConstruct, parts, vec![ty], Attr::None, span)[0];
            self.call_aten(op::aten::index_put_, vec![object, indices, source], vec![], span);
            return;
        }
        if view == object {
            self.unsupported();
            return;
        }
        let Some(source) = self.as_tensor_like(value, view, span) else { return };
        self.call_aten(op::aten::copy_, vec![view, source], vec![], span);
    }

    /// `value` as a tensor: itself, or a number made a tensor of `like`'s
    /// dtype and device. `None` (having said why) when it is neither.
    pub(super) fn as_tensor_like(&mut self, value: ValueId, like: ValueId, span: Span) -> Option<ValueId> {
        match self.ty(value) {
            Type::Tensor => Some(value),
            Type::Int | Type::Float | Type::Bool => {
                let dtype = self.node(op::prim::dtype, vec![like], vec![Type::Int], Attr::None, span)[0];
                let device = self.node(op::prim::device, vec![like], vec![Type::Device], Attr::None, span)[0];
                let keywords = vec![("dtype".to_string(), dtype), ("device".to_string(), device)];
                Some(self.call_aten(op::aten::tensor, vec![value], keywords, span))
            }
            Type::Any => None,
            _ => {
                self.unsupported();
                None
            }
        }
    }

    /// `x[...]` on a Tensor, lowered as PyTorch does: ints select
    /// (`aten::select`), slices slice (`aten::slice`), `None` unsqueezes, and
    /// tensor indices gather at the end (`aten::index`).
    pub(super) fn tensor_index(&mut self, object: ValueId, index: &Expr, span: Span) -> ValueId {
        let mut items: Vec<&Expr> = match &index.kind {
            ExprKind::Tuple(items) => items.iter().collect(),
            _ => vec![index],
        };
        // A trailing `...` selects nothing more.
        if items.len() > 1 && items.last().is_some_and(|i| matches!(i.kind, ExprKind::Literal(Literal::Ellipsis))) {
            items.pop();
        }
        if items.iter().any(|i| matches!(i.kind, ExprKind::Literal(Literal::Ellipsis))) {
            return self.unsupported();
        }
        let mut value = object;
        let mut dim: i64 = 0;
        // Tensor indices by the dimension they apply to after selects.
        let mut gathers: Vec<(i64, ValueId)> = Vec::new();
        for item in items {
            match &item.kind {
                ExprKind::Slice { lower, upper, step } => {
                    let d = self.constant(Constant::Int(dim), None);
                    let bound = |e: &Option<Box<Expr>>, this: &mut Self| match e {
                        Some(e) => this.value(e),
                        None => this.constant(Constant::None, None),
                    };
                    let start = bound(lower, self);
                    let end = bound(upper, self);
                    let step = match step {
                        Some(s) => self.value(s),
                        None => self.constant(Constant::Int(1), None),
                    };
                    value = self.call_aten(op::aten::slice, vec![value, d, start, end, step], vec![], span);
                    dim += 1;
                }
                ExprKind::Literal(Literal::None) => {
                    let d = self.constant(Constant::Int(dim), None);
                    value = self.call_aten(op::aten::unsqueeze, vec![value, d], vec![], span);
                    dim += 1;
                }
                _ => {
                    let i = self.value(item);
                    match self.ty(i) {
                        Type::Int => {
                            let d = self.constant(Constant::Int(dim), None);
                            value = self.call_aten(op::aten::select, vec![value, d, i], vec![], span);
                        }
                        Type::Tensor => {
                            gathers.push((dim, i));
                            dim += 1;
                        }
                        _ => return self.unsupported(),
                    }
                }
            }
        }
        if gathers.is_empty() {
            return value;
        }
        let last = gathers.iter().map(|(d, _)| *d).max().unwrap_or(0);
        let mut indices = Vec::new();
        for d in 0..=last {
            match gathers.iter().find(|(g, _)| *g == d) {
                Some((_, t)) => indices.push(*t),
                None => indices.push(self.constant(Constant::None, None)),
            }
        }
        let list = self.node(
            op::prim::ListConstruct,
            indices,
            vec![Type::list(Type::optional(Type::Tensor))],
            Attr::None,
            span,
        )[0];
        self.call_aten(op::aten::index, vec![value, list], vec![], span)
    }
}
