//! Comparisons, and the constant folding PyTorch's scripting does before
//! anyone sees a graph (`i + 1` on constants, `is None` decided by type).

use super::*;
use crate::ops::{OpKind, op};

impl Emitter<'_, '_, '_> {
    pub(super) fn compare(&mut self, op: CmpOp, l: ValueId, r: ValueId, span: Span) -> ValueId {
        // `x is None` where `x` cannot be None (a float attribute) or must
        // be (None itself) is decided by the types, as PyTorch decides it.
        if matches!(op, CmpOp::Is | CmpOp::IsNot) {
            let (lt, rt) = (self.ty(l), self.ty(r));
            let can_be_none = |t: &Type| matches!(t, Type::Optional(_) | Type::None | Type::Any);
            let known = match (&lt, &rt) {
                (Type::None, Type::None) => Some(true),
                (Type::None, other) | (other, Type::None) if !can_be_none(other) => Some(false),
                _ => None,
            };
            if let Some(is) = known {
                return self.constant(Constant::Bool(is == (op == CmpOp::Is)), Some(span));
            }
        }
        let name = match op {
            CmpOp::Eq => op::aten::eq,
            CmpOp::NotEq => op::aten::ne,
            CmpOp::Lt => op::aten::lt,
            CmpOp::LtE => op::aten::le,
            CmpOp::Gt => op::aten::gt,
            CmpOp::GtE => op::aten::ge,
            CmpOp::Is => op::aten::__is__,
            CmpOp::IsNot => op::aten::__isnot__,
            // `"relu" in self.heads` of a ModuleDict: PyTorch calls the
            // `__contains__` method it generates for the container's type,
            // which this compiler does not generate yet.
            CmpOp::In | CmpOp::NotIn if self.modules.contains_key(&r) => return self.unsupported(),
            CmpOp::In | CmpOp::NotIn => {
                // `x in xs` is `aten::__contains__(xs, x)`.
                let contains = self.call_aten(op::aten::__contains__, vec![r, l], vec![], span);
                if op == CmpOp::In {
                    return contains;
                }
                return self.call_aten(op::aten::__not__, vec![contains], vec![], span);
            }
        };
        self.call_aten(name, vec![l, r], vec![], span)
    }

    /// The value of a bool constant.
    pub(super) fn constant_bool(&self, v: ValueId) -> Option<bool> {
        match self.graph.constant_value(v)? {
            Constant::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Arithmetic and comparisons of constants, computed now (see
    /// [`crate::ir::fold`]).
    pub(super) fn fold(&self, kind: OpKind, inputs: &[ValueId]) -> Option<Constant> {
        crate::ir::fold::fold(&self.graph, kind, inputs)
    }

    /// The rest of a comparison chain after `cond` (whose right operand is
    /// `left`): each further comparison only runs if the ones before held.
    pub(super) fn compare_chain(
        &mut self,
        cond: ValueId,
        left: ValueId,
        rest: &[(CmpOp, Expr)],
        span: Span,
    ) -> ValueId {
        let Some(((op, right), rest)) = rest.split_first() else { return cond };
        let cond = match self.ty(cond) {
            Type::Bool | Type::Any => cond,
            _ => self.node(op::aten::Bool, vec![cond], vec![Type::Bool], Attr::None, span)[0],
        };
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        self.block = then_block;
        let r = self.value(right);
        let next = self.compare(*op, left, r, span);
        let result = self.compare_chain(next, r, rest, span);
        let result = match self.ty(result) {
            Type::Bool | Type::Any => result,
            _ => self.node(op::aten::Bool, vec![result], vec![Type::Bool], Attr::None, span)[0],
        };
        self.graph.block_mut(then_block).returns = vec![result];
        self.block = else_block;
        let no = self.constant(Constant::Bool(false), None);
        self.graph.block_mut(else_block).returns = vec![no];
        self.block = outer;

        self.graph.add_output(node, Type::Bool, None)
    }
}
