//! Comparisons, and the constant folding PyTorch's scripting does before
//! anyone sees a graph (`i + 1` on constants, `is None` decided by type).

use super::*;

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
                return self.constant(IrConstant::Bool(is == (op == CmpOp::Is)), Some(span));
            }
        }
        let name = match op {
            CmpOp::Eq => "aten::eq",
            CmpOp::NotEq => "aten::ne",
            CmpOp::Lt => "aten::lt",
            CmpOp::LtE => "aten::le",
            CmpOp::Gt => "aten::gt",
            CmpOp::GtE => "aten::ge",
            CmpOp::Is => "aten::__is__",
            CmpOp::IsNot => "aten::__isnot__",
            CmpOp::In | CmpOp::NotIn => {
                // `x in xs` is `aten::__contains__(xs, x)`.
                let contains = self.call_aten("aten::__contains__", vec![r, l], vec![], span);
                if op == CmpOp::In {
                    return contains;
                }
                return self.call_aten("aten::__not__", vec![contains], vec![], span);
            }
        };
        self.call_aten(name, vec![l, r], vec![], span)
    }

    /// The value of a bool constant.
    pub(super) fn constant_bool(&self, v: ValueId) -> Option<bool> {
        match self.graph.constant_value(v)? {
            IrConstant::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Arithmetic and comparisons of number constants, computed now: PyTorch
    /// propagates constants of immutable types after scripting, so `i + 1`
    /// with a constant `i` is a constant in its graph too.
    pub(super) fn fold(&self, kind: &str, inputs: &[ValueId]) -> Option<IrConstant> {
        #[derive(Clone, Copy)]
        enum N {
            I(i64),
            F(f64),
        }
        let number = |v: &ValueId| match self.graph.constant_value(*v)? {
            IrConstant::Int(i) => Some(N::I(*i)),
            IrConstant::Float(f) => Some(N::F(*f)),
            _ => None,
        };
        let float = |n: N| match n {
            N::I(i) => i as f64,
            N::F(f) => f,
        };
        let string = |v: &ValueId| match self.graph.constant_value(*v)? {
            IrConstant::Str(s) => Some(s.clone()),
            _ => None,
        };
        // `int("3")`, `float("2.5")`: strings of numbers.
        if let [a] = inputs
            && let Some(text) = string(a)
        {
            return match kind {
                "aten::Int" => text.trim().parse().ok().map(IrConstant::Int),
                "aten::Float" => text.trim().parse().ok().map(IrConstant::Float),
                _ => None,
            };
        }
        if let [a, b] = inputs
            && let (Some(a), Some(b)) = (string(a), string(b))
        {
            return match kind {
                "aten::eq" => Some(IrConstant::Bool(a == b)),
                "aten::ne" => Some(IrConstant::Bool(a != b)),
                _ => None,
            };
        }
        let args: Vec<N> = inputs.iter().map(number).collect::<Option<_>>()?;
        Some(match (kind, args.as_slice()) {
            ("aten::exp", [a]) => IrConstant::Float(float(*a).exp()),
            ("aten::log", [a]) if float(*a) > 0.0 => IrConstant::Float(float(*a).ln()),
            ("aten::sqrt", [a]) if float(*a) >= 0.0 => IrConstant::Float(float(*a).sqrt()),
            ("aten::Int", [N::I(a)]) => IrConstant::Int(*a),
            ("aten::Int", [N::F(a)]) if a.is_finite() && a.abs() < 9.2e18 => IrConstant::Int(a.trunc() as i64),
            ("aten::Float", [a]) => IrConstant::Float(float(*a)),
            ("aten::neg", [N::I(a)]) => IrConstant::Int(a.checked_neg()?),
            ("aten::neg", [N::F(a)]) => IrConstant::Float(-a),
            ("aten::add", [N::I(a), N::I(b)]) => IrConstant::Int(a.checked_add(*b)?),
            ("aten::sub", [N::I(a), N::I(b)]) => IrConstant::Int(a.checked_sub(*b)?),
            ("aten::mul", [N::I(a), N::I(b)]) => IrConstant::Int(a.checked_mul(*b)?),
            ("aten::add", [a, b]) => IrConstant::Float(float(*a) + float(*b)),
            ("aten::sub", [a, b]) => IrConstant::Float(float(*a) - float(*b)),
            ("aten::mul", [a, b]) => IrConstant::Float(float(*a) * float(*b)),
            ("aten::div", [a, b]) if float(*b) != 0.0 => IrConstant::Float(float(*a) / float(*b)),
            ("aten::eq", [a, b]) => IrConstant::Bool(float(*a) == float(*b)),
            ("aten::ne", [a, b]) => IrConstant::Bool(float(*a) != float(*b)),
            ("aten::lt", [a, b]) => IrConstant::Bool(float(*a) < float(*b)),
            ("aten::le", [a, b]) => IrConstant::Bool(float(*a) <= float(*b)),
            ("aten::gt", [a, b]) => IrConstant::Bool(float(*a) > float(*b)),
            ("aten::ge", [a, b]) => IrConstant::Bool(float(*a) >= float(*b)),
            _ => return None,
        })
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
            _ => self.node("aten::Bool", vec![cond], vec![Type::Bool], Attr::None, span)[0],
        };
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        self.block = then_block;
        let r = self.value(right);
        let next = self.compare(*op, left, r, span);
        let result = self.compare_chain(next, r, rest, span);
        let result = match self.ty(result) {
            Type::Bool | Type::Any => result,
            _ => self.node("aten::Bool", vec![result], vec![Type::Bool], Attr::None, span)[0],
        };
        self.graph.block_mut(then_block).returns = vec![result];
        self.block = else_block;
        let no = self.constant(IrConstant::Bool(false), None);
        self.graph.block_mut(else_block).returns = vec![no];
        self.block = outer;

        self.graph.add_output(node, Type::Bool, None)
    }
}
