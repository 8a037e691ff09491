//! `if` statements: the branches' variables merged into the If's outputs,
//! and an `if` whose paths return, whose output is the function's result.

use super::*;
use crate::ops::op;

impl<'u, 'h, 'a> Emitter<'u, 'h, 'a> {
    /// An `if` with no returns (or whose returns are exit nodes): both
    /// branches in blocks of their own; the variables they assign become the
    /// If's outputs. True when both branches leave the enclosing block.
    pub(super) fn if_statement(
        &mut self,
        test: &Expr,
        cond: ValueId,
        then: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<bool, Stop> {
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        // A refinement is an assignment of the branch (`if stride is None:
        // stride = []` leaves `stride` a `List[int]`; after `if x is None:
        // return`, `x` is the contained type).
        let refinements = self.refinements(test);
        let (then_vars, then_flow) = self.branch(then_block, then, &refinements.when_true)?;
        let (else_vars, else_flow) = self.branch(else_block, orelse, &refinements.when_false)?;
        self.block = outer;
        let (then_falls, else_falls) = (matches!(then_flow, Completion::Falls), matches!(else_flow, Completion::Falls));
        if !then_falls && !else_falls {
            if matches!(then_flow, Completion::Exits) || matches!(else_flow, Completion::Exits) {
                return Ok(true);
            }
            return Err(self.stop_here());
        }
        // Outputs: names assigned in a branch that exist afterwards, in
        // the order of the names (PyTorch's sorted set). A branch that
        // raises or exits never reaches the merge: it yields uninitialized
        // values of the other branch's types.
        let mut names: Vec<Symbol> = then_vars.keys().chain(else_vars.keys()).copied().collect();
        names.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        names.dedup();
        for name in names {
            let before = self.lookup(name);
            let t = then_vars.get(&name).copied().or(before).filter(|_| then_falls);
            let e = else_vars.get(&name).copied().or(before).filter(|_| else_falls);
            let (t, e) = match (t, e) {
                (Some(t), Some(e)) => (t, e),
                (Some(t), None) if !else_falls => {
                    let e = self.uninitialized(self.ty(t), else_block);
                    self.graph.value_mut(e).inferred = self.graph.value(t).inferred;
                    (t, e)
                }
                (None, Some(e)) if !then_falls => {
                    let t = self.uninitialized(self.ty(e), then_block);
                    self.graph.value_mut(t).inferred = self.graph.value(e).inferred;
                    (t, e)
                }
                _ => {
                    // Defined in one branch only: an error only if used
                    // later, reported when the use is met.
                    let missing = if then_vars.contains_key(&name) { "false" } else { "true" };
                    self.partial.insert(name, (span, missing));
                    continue;
                }
            };
            let (tt, et) = (self.ty(t), self.ty(e));
            let ty = if tt == et || et == Type::Any || matching::is_subtype(&et, &tt, &mut HashMap::new()) {
                tt
            } else if tt == Type::Any || matching::is_subtype(&tt, &et, &mut HashMap::new()) {
                et
            } else if tt == Type::None || et == Type::None {
                // `y = f(x)` in one branch and `y = None` in the other: PyTorch
                // unifies them to `Optional[T]`.
                let other = if tt == Type::None { et } else { tt };
                Type::optional(other)
            } else {
                let text = self.host.name(name).to_string();
                let mismatch = errors::Mismatch::Branches { variable: text, then: tt, orelse: et };
                let error = errors::type_mismatch(span, mismatch);
                if before.is_none() {
                    // New in the `if`: an error only if used later, as
                    // PyTorch's environment records it for the variable.
                    self.mismatched.insert(name, error);
                    continue;
                }
                self.diagnostics.push(error);
                Type::Any
            };
            self.graph.block_mut(then_block).returns.push(t);
            self.graph.block_mut(else_block).returns.push(e);
            let out = self.graph.add_output(node, ty, Some(self.host.name(name).to_string()));
            self.graph.value_mut(out).inferred = self.graph.value(e).inferred;
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(name, out);
        }
        Ok(false)
    }

    /// Emits a branch into `block`, `refined` locals refined first; returns
    /// the names it (re)bound and how it ends.
    pub(super) fn branch(
        &mut self,
        block: BlockId,
        body: &[Stmt],
        refined: &[refine::Refined],
    ) -> Result<(HashMap<Symbol, ValueId>, Completion), Stop> {
        self.block = block;
        self.scopes.push(HashMap::new());
        self.refine(refined);
        let result = self.statements(body);
        let scope = self.scopes.pop().expect("pushed above");
        match result? {
            Completion::Returns(_) => Err(self.stop_here()),
            flow => Ok((scope, flow)),
        }
    }

    /// An uninitialized value in `block` for each of `vars`, of the same
    /// type, made in the order of the names (as PyTorch's sorted set).
    pub(super) fn uninitialized_like(
        &mut self,
        vars: &HashMap<Symbol, ValueId>,
        block: BlockId,
    ) -> HashMap<Symbol, ValueId> {
        let mut names: Vec<(Symbol, ValueId)> = vars.iter().map(|(&n, &v)| (n, v)).collect();
        names.sort_by(|a, b| self.host.name(a.0).cmp(self.host.name(b.0)));
        let mut out = HashMap::new();
        for (name, v) in names {
            let u = self.uninitialized(self.ty(v), block);
            self.graph.value_mut(u).inferred = self.graph.value(v).inferred;
            out.insert(name, u);
        }
        out
    }

    /// `prim::Uninitialized` at the end of `block`: what a branch that
    /// raises or exits yields for the values the other branch defines.
    /// Lowering the exits ([`crate::ir::exits`]) replaces it with one value
    /// per type at the top of the graph, as PyTorch's does.
    pub(super) fn uninitialized(&mut self, ty: Type, block: BlockId) -> ValueId {
        let node = self.graph.append(block, op::prim::Uninitialized, vec![], vec![ty], Attr::None, None);
        self.graph.node(node).outputs[0]
    }

    /// An `if` whose paths all end in returns (the statements after it were
    /// moved into the branches that fall through): the If's output is the
    /// function's result.
    pub(super) fn returning_if(
        &mut self,
        cond: ValueId,
        refinements: &refine::Refinements,
        then: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> Result<Completion, Stop> {
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        let mut results = Vec::new();
        for (block, body, refined) in
            [(then_block, then, &refinements.when_true), (else_block, orelse, &refinements.when_false)]
        {
            self.block = block;
            self.scopes.push(HashMap::new());
            self.refine(refined);
            let flow = self.statements(body);
            self.scopes.pop();
            let v = match flow? {
                Completion::Returns(v) => v,
                Completion::Exits => return Err(self.stop_here()),
                // Filled in below with the other branch's type.
                Completion::Raises => {
                    results.push(None);
                    continue;
                }
                Completion::Falls => match self.return_annotation.clone() {
                    Some(annotated) if !matches!(annotated, Type::None | Type::Optional(_) | Type::Any) => {
                        let def = self.unit.def.clone();
                        let name = self.host.name(def.name.name).to_string();
                        let at = Span::new(
                            def.name.span.start,
                            def.returns.as_ref().map_or(def.name.span.end, |r| r.span.end),
                        );
                        self.error(
                            Diagnostic::new(
                                Code::E2007,
                                at,
                                "Function was not annotated as having type None, but does not return along all paths",
                            )
                            .label(format!("`{name}` is annotated to return `{annotated}`"))
                            .secondary(span, "this branch can end without a `return`")
                            .help("add a `return` at the end of every path"),
                        )
                    }
                    _ => {
                        let none = self.constant(Constant::None, None);
                        self.check_return(none, span)
                    }
                },
            };
            self.graph.block_mut(block).returns = vec![v];
            results.push(Some(v));
        }
        self.block = outer;
        let results: Vec<ValueId> = match results.as_slice() {
            [Some(t), Some(e)] => vec![*t, *e],
            [Some(v), None] | [None, Some(v)] => {
                let ty = self.ty(*v);
                let raising = if results[0].is_none() { then_block } else { else_block };
                let missing = self.uninitialized(ty, raising);
                self.graph.block_mut(raising).returns = vec![missing];
                if results[0].is_none() { vec![missing, *v] } else { vec![*v, missing] }
            }
            _ => return Err(self.stop_here()),
        };
        let (t, e) = (self.ty(results[0]), self.ty(results[1]));
        let ty = self.merge_return_types(&t, &e, span);
        let out = self.graph.add_output(node, ty, None);
        self.graph.value_mut(out).inferred = self.graph.value(results[1]).inferred;
        Ok(Completion::Returns(out))
    }

    pub(super) fn merge_return_types(&mut self, t: &Type, e: &Type, span: Span) -> Type {
        if t == e || *e == Type::Any {
            return t.clone();
        }
        if *t == Type::Any {
            return e.clone();
        }
        match (t, e) {
            (Type::None, other) | (other, Type::None) if !matches!(other, Type::Optional(_)) => {
                Type::optional(other.clone())
            }
            (Type::Optional(inner), other) | (other, Type::Optional(inner)) if **inner == *other => {
                t.clone().max_optional(e)
            }
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::E2009,
                        span,
                        format!("Previous return statement returned a value of type {t} but this return statement returns a value of type {e}"),
                    )
                    .label("the returns of this function have different types"),
                );
                Type::Any
            }
        }
    }

    /// A `prim::If` on `cond` in the current block, with its two (empty)
    /// branches.
    pub(super) fn if_node(&mut self, cond: ValueId, span: Span) -> (crate::ir::NodeId, BlockId, BlockId) {
        let node = self.graph.append(self.block, op::prim::If, vec![cond], vec![], Attr::None, Some(span));
        let (then_block, else_block) = (self.graph.new_block(), self.graph.new_block());
        self.graph.node_mut(node).blocks = vec![then_block, else_block];
        (node, then_block, else_block)
    }
}

trait MaxOptional {
    fn max_optional(self, other: &Type) -> Type;
}

impl MaxOptional for Type {
    /// Of a type and its Optional, the Optional.
    fn max_optional(self, other: &Type) -> Type {
        if matches!(self, Type::Optional(_)) { self } else { other.clone() }
    }
}
