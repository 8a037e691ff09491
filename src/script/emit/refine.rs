//! Optional refinement, as PyTorch's `RefinementSet`: `x is not None`
//! refines a local `Optional[T]` to `T` where the condition holds (`is
//! None` where it does not; `not`, `and` and `or` combine them). A branch
//! it refines starts with `x = unchecked_cast(T, x)`, an assignment like
//! any other: the If merges it with the other branch's `x`, and a loop
//! whose body refines `x` carries it.

use super::*;
use crate::ops::op;

/// A local refined: an `Optional[T]` to `T` (`to` is `None`), or a
/// `Union` to the part an `isinstance` test leaves.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Refined {
    pub name: Symbol,
    pub to: Option<Type>,
}

/// The locals a condition refines where it is true and where it is false.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Refinements {
    pub when_true: Vec<Refined>,
    pub when_false: Vec<Refined>,
}

impl Refinements {
    fn not(self) -> Refinements {
        Refinements { when_true: self.when_false, when_false: self.when_true }
    }

    /// `a and b`: both hold where it is true; either failed where it is false.
    fn and(self, other: Refinements) -> Refinements {
        Refinements {
            when_true: union(self.when_true, other.when_true),
            when_false: intersection(self.when_false, &other.when_false),
        }
    }

    /// `a or b`: one held where it is true; both failed where it is false.
    fn or(self, other: Refinements) -> Refinements {
        Refinements {
            when_true: intersection(self.when_true, &other.when_true),
            when_false: union(self.when_false, other.when_false),
        }
    }
}

fn union(mut a: Vec<Refined>, b: Vec<Refined>) -> Vec<Refined> {
    for s in b {
        if !a.iter().any(|r| r.name == s.name) {
            a.push(s);
        }
    }
    a
}

fn intersection(a: Vec<Refined>, b: &[Refined]) -> Vec<Refined> {
    a.into_iter().filter(|s| b.contains(s)).collect()
}

impl Emitter<'_, '_, '_> {
    /// What `test` refines: `x is None` / `x is not None` (either way
    /// round) on an Optional local, through `not`, `and` and `or`.
    pub(super) fn refinements(&self, test: &Expr) -> Refinements {
        match &test.kind {
            ExprKind::Compare { left, comparisons } if comparisons.len() == 1 => {
                let (op, right) = &comparisons[0];
                let name = match (&left.kind, &right.kind) {
                    (ExprKind::Name(n), ExprKind::Literal(Literal::None))
                    | (ExprKind::Literal(Literal::None), ExprKind::Name(n)) => *n,
                    _ => return Refinements::default(),
                };
                let optional = self.lookup(name).is_some_and(|v| matches!(self.ty(v), Type::Optional(_)));
                let refined = || vec![Refined { name, to: None }];
                match op {
                    CmpOp::IsNot if optional => Refinements { when_true: refined(), when_false: vec![] },
                    CmpOp::Is if optional => Refinements { when_true: vec![], when_false: refined() },
                    _ => Refinements::default(),
                }
            }
            // `isinstance(lengths, Tensor)` of a `Union[Tensor, List[int]]` local.
            ExprKind::Call { func, args } => self.isinstance_refinements(func, args).unwrap_or_default(),
            ExprKind::UnaryOp { op: UnaryOp::Not, operand } => self.refinements(operand).not(),
            ExprKind::BoolOp { op, values } => {
                let mut parts = values.iter().map(|v| self.refinements(v));
                let first = parts.next().unwrap_or_default();
                parts.fold(first, |acc, r| if *op == BoolOp::And { acc.and(r) } else { acc.or(r) })
            }
            _ => Refinements::default(),
        }
    }

    /// Binds each of `names` that is still an Optional local to its
    /// contained type, with `prim::unchecked_cast` in the current block,
    /// in the innermost scope: the branch assigns it.
    pub(super) fn refine(&mut self, names: &[Refined]) {
        for Refined { name, to } in names {
            let name = *name;
            let Some(original) = self.lookup(name) else { continue };
            let inner = match (self.ty(original), to) {
                (Type::Optional(inner), None) => *inner,
                (Type::Union(_), Some(to)) => to.clone(),
                _ => continue,
            };
            let n =
                self.graph.append(self.block, op::prim::unchecked_cast, vec![original], vec![inner], Attr::None, None);
            let cast = self.graph.node(n).outputs[0];
            self.graph.value_mut(cast).name = Some(self.host.name(name).to_string());
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(name, cast);
        }
    }

    /// An If of expressions (a conditional expression, `and`, `or`): each
    /// branch is emitted into its block with its refinements, and its value
    /// is the block's first return. Returns the branches' values, and what
    /// the branches refined, for [`Emitter::merge_refined`] once the If has
    /// its value output.
    pub(super) fn expression_if(
        &mut self,
        node: crate::ir::NodeId,
        refinements: Refinements,
        then: &mut dyn FnMut(&mut Self) -> ValueId,
        otherwise: &mut dyn FnMut(&mut Self) -> ValueId,
    ) -> (ValueId, ValueId, Vec<(Symbol, ValueId, ValueId)>) {
        let outer = self.block;
        let blocks = self.graph.node(node).blocks.clone();
        let mut values = Vec::with_capacity(2);
        let mut scopes = Vec::with_capacity(2);
        for (k, names) in [&refinements.when_true, &refinements.when_false].into_iter().enumerate() {
            let block = blocks[k];
            self.block = block;
            self.scopes.push(HashMap::new());
            self.refine(names);
            let v = if k == 0 { then(self) } else { otherwise(self) };
            self.graph.block_mut(block).returns = vec![v];
            values.push(v);
            scopes.push(self.scopes.pop().expect("pushed above"));
        }
        self.block = outer;
        // The refined names, in the order of their names (PyTorch's set).
        let mut names: Vec<Symbol> = scopes.iter().flat_map(|s| s.keys().copied()).collect();
        names.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        names.dedup();
        let mut merges = Vec::with_capacity(names.len());
        for name in names {
            let Some(before) = self.lookup(name) else { continue };
            let (t, e) =
                (scopes[0].get(&name).copied().unwrap_or(before), scopes[1].get(&name).copied().unwrap_or(before));
            merges.push((name, t, e));
        }
        (values[0], values[1], merges)
    }

    /// The names the branches of an expression If refined become more
    /// outputs of it, merged with the other branch's value.
    pub(super) fn merge_refined(&mut self, node: crate::ir::NodeId, merges: Vec<(Symbol, ValueId, ValueId)>) {
        let blocks = self.graph.node(node).blocks.clone();
        for (name, t, e) in merges {
            self.graph.block_mut(blocks[0]).returns.push(t);
            self.graph.block_mut(blocks[1]).returns.push(e);
            let ty = self.ty(t).unify(&self.ty(e));
            let out = self.graph.add_output(node, ty, Some(self.host.name(name).to_string()));
            self.graph.value_mut(out).inferred = self.graph.value(e).inferred;
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(name, out);
        }
    }
}

/// Names of locals compared with `None` anywhere in `body`: a loop whose
/// body refines them carries them (over-approximated: one it does not
/// change is dropped again by the clean-up).
pub(super) fn tested_names(body: &[Stmt]) -> Vec<Symbol> {
    use crate::syntax::visit::{Node, walk};
    let mut out = Vec::new();
    for stmt in body {
        walk(Node::Stmt(stmt), &mut |node| {
            let Node::Expr(e) = node else { return };
            let ExprKind::Compare { left, comparisons } = &e.kind else { return };
            let [(CmpOp::Is | CmpOp::IsNot, right)] = comparisons.as_slice() else { return };
            match (&left.kind, &right.kind) {
                (ExprKind::Name(n), ExprKind::Literal(Literal::None))
                | (ExprKind::Literal(Literal::None), ExprKind::Name(n)) => out.push(*n),
                _ => {}
            }
        });
    }
    out
}
