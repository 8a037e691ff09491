//! Constant folding of immutable values: what PyTorch's
//! `ConstantPropagationImmutableTypes` computes while compiling (`i + 1` on
//! constants, comparisons, `not`, `is None` of None).

use super::graph::{Constant, Graph, ValueId};
use crate::ops::{OpKind, op};

/// Arithmetic and comparisons of constants, computed now: PyTorch
/// propagates constants of immutable types after scripting, so `i + 1`
/// with a constant `i` is a constant in its graph too.
pub fn fold(graph: &Graph, kind: OpKind, inputs: &[ValueId]) -> Option<Constant> {
    #[derive(Clone, Copy)]
    enum N {
        I(i64),
        F(f64),
    }
    let number = |v: &ValueId| match graph.constant_value(*v)? {
        Constant::Int(i) => Some(N::I(*i)),
        Constant::Float(f) => Some(N::F(*f)),
        _ => None,
    };
    let float = |n: N| match n {
        N::I(i) => i as f64,
        N::F(f) => f,
    };
    let string = |v: &ValueId| match graph.constant_value(*v)? {
        Constant::Str(s) => Some(s.clone()),
        _ => None,
    };
    // `int("3")`, `float("2.5")`: strings of numbers.
    if let [a] = inputs
        && let Some(text) = string(a)
    {
        return match kind {
            op::aten::Int => text.trim().parse().ok().map(Constant::Int),
            op::aten::Float => text.trim().parse().ok().map(Constant::Float),
            _ => None,
        };
    }
    if let [a, b] = inputs
        && let (Some(a), Some(b)) = (string(a), string(b))
    {
        return match kind {
            op::aten::eq => Some(Constant::Bool(a == b)),
            op::aten::ne => Some(Constant::Bool(a != b)),
            _ => None,
        };
    }
    if let [a] = inputs
        && let Some(Constant::Bool(b)) = graph.constant_value(*a)
        && kind == op::aten::__not__
    {
        return Some(Constant::Bool(!b));
    }
    if let [a, b] = inputs
        && let (Some(x), Some(y)) = (graph.constant_value(*a), graph.constant_value(*b))
    {
        match (kind, x, y) {
            // `self.scales[1]` of a frozen tuple.
            (op::prim::TupleIndex, Constant::Tuple(items), Constant::Int(i)) => {
                let i = if *i < 0 { *i + items.len() as i64 } else { *i };
                return usize::try_from(i).ok().and_then(|i| items.get(i)).cloned();
            }
            // `n in [3, 4]` once the mobile passes made the list a constant.
            (op::aten::__contains__, Constant::IntList(items), Constant::Int(i)) => {
                return Some(Constant::Bool(items.contains(i)));
            }
            (op::aten::__is__, Constant::None, Constant::None) => return Some(Constant::Bool(true)),
            (op::aten::__isnot__, Constant::None, Constant::None) => return Some(Constant::Bool(false)),
            (op::aten::eq, Constant::Bool(x), Constant::Bool(y)) => return Some(Constant::Bool(x == y)),
            (op::aten::ne, Constant::Bool(x), Constant::Bool(y)) => return Some(Constant::Bool(x != y)),
            (op::aten::__and__, Constant::Bool(x), Constant::Bool(y)) => return Some(Constant::Bool(*x && *y)),
            (op::aten::__or__, Constant::Bool(x), Constant::Bool(y)) => return Some(Constant::Bool(*x || *y)),
            _ => {}
        }
    }
    let args: Vec<N> = inputs.iter().map(number).collect::<Option<_>>()?;
    Some(match (kind, args.as_slice()) {
        (op::aten::exp, [a]) => Constant::Float(float(*a).exp()),
        (op::aten::log, [a]) if float(*a) > 0.0 => Constant::Float(float(*a).ln()),
        (op::aten::sqrt, [a]) if float(*a) >= 0.0 => Constant::Float(float(*a).sqrt()),
        (op::aten::Int, [N::I(a)]) => Constant::Int(*a),
        (op::aten::Int, [N::F(a)]) if a.is_finite() && a.abs() < 9.2e18 => Constant::Int(a.trunc() as i64),
        (op::aten::Float, [a]) => Constant::Float(float(*a)),
        (op::aten::neg, [N::I(a)]) => Constant::Int(a.checked_neg()?),
        (op::aten::neg, [N::F(a)]) => Constant::Float(-a),
        (op::aten::__range_length, [N::I(lo), N::I(hi), N::I(step)]) if *step != 0 => {
            Constant::Int(crate::runtime::kernels::scalars::range_length_of(*lo, *hi, *step))
        }
        (op::prim::abs, [N::I(a)]) => Constant::Int(a.checked_abs()?),
        (op::prim::abs, [N::F(a)]) => Constant::Float(a.abs()),
        // TorchScript rounds halves to even, as Python does.
        (op::aten::round, [N::F(a)]) => Constant::Float(a.round_ties_even()),
        (op::aten::add, [N::I(a), N::I(b)]) => Constant::Int(a.checked_add(*b)?),
        (op::aten::sub, [N::I(a), N::I(b)]) => Constant::Int(a.checked_sub(*b)?),
        (op::aten::mul, [N::I(a), N::I(b)]) => Constant::Int(a.checked_mul(*b)?),
        (op::aten::add, [a, b]) => Constant::Float(float(*a) + float(*b)),
        (op::aten::sub, [a, b]) => Constant::Float(float(*a) - float(*b)),
        (op::aten::mul, [a, b]) => Constant::Float(float(*a) * float(*b)),
        (op::aten::div, [a, b]) if float(*b) != 0.0 => Constant::Float(float(*a) / float(*b)),
        (op::aten::eq, [a, b]) => Constant::Bool(float(*a) == float(*b)),
        (op::aten::ne, [a, b]) => Constant::Bool(float(*a) != float(*b)),
        (op::aten::lt, [a, b]) => Constant::Bool(float(*a) < float(*b)),
        (op::aten::le, [a, b]) => Constant::Bool(float(*a) <= float(*b)),
        (op::aten::gt, [a, b]) => Constant::Bool(float(*a) > float(*b)),
        (op::aten::ge, [a, b]) => Constant::Bool(float(*a) >= float(*b)),
        _ => return None,
    })
}
