//! `break`, `continue`, and `return` from inside a loop. They are emitted as
//! exit nodes, as PyTorch's IR emitter emits them, and nothing after an
//! exit in the same block is; [`crate::ir::exits`] then lowers the exits to
//! flags, If outputs and loop conditions exactly as PyTorch does.

use super::*;
use crate::ir::exits::{LOOP_CONTINUATION, RETURN_STMT};

/// The loop a `break` or `continue` leaves.
#[derive(Clone)]
pub(super) struct LoopContext {
    /// The outer variables the loop carries, in the order of its outputs.
    pub carried: Vec<Symbol>,
    /// A `while` loop's test: `continue` evaluates it again.
    pub test: Option<Expr>,
    /// A `for` loop's condition, the constant `True` made before the loop.
    pub truth: Option<ValueId>,
    /// A loop over a module container, unrolled: it has no exits.
    pub unrolled: bool,
}

impl Emitter<'_, '_, '_> {
    /// `break` or `continue`: `prim::LoopContinuation` with the condition
    /// the next trip starts with (`False` for `break`) and the current value
    /// of every carried variable. Unlike a `return`, PyTorch does not treat
    /// the block as left: an `if` merges the branch's variables as they are
    /// (so `if x is None: continue` does not refine `x` after it).
    pub(super) fn loop_exit(&mut self, is_break: bool, span: Span) -> Result<Completion, Stop> {
        let keyword = if is_break { "break" } else { "continue" };
        let Some(context) = self.loops.last().cloned() else {
            self.error(
                Diagnostic::new(Code::E3001, span, format!("SyntaxError: '{keyword}' outside loop"))
                    .label("not inside a loop"),
            );
            return Ok(Completion::Falls);
        };
        if context.unrolled {
            // Once, not once per unrolled trip.
            if self.diagnostics.iter().any(|d| d.span() == span) {
                return Ok(Completion::Falls);
            }
            self.error(
                Diagnostic::new(
                    Code::E3001,
                    span,
                    "Because we emit iteration over modulelists or tuples as unrolled loops, we do not support break or continue inside the body of these loops",
                )
                .label(format!("`{keyword}` in a loop over a module container"))
                .help("collect the results in a list and decide after the loop"),
            );
            return Ok(Completion::Falls);
        }
        let cond = match (&context.test, context.truth, is_break) {
            (_, _, true) => self.constant(Constant::Bool(false), None),
            (Some(test), _, false) => self.condition(test),
            (None, Some(truth), false) => truth,
            (None, None, false) => self.constant(Constant::Bool(true), None),
        };
        let mut inputs = vec![cond];
        for name in &context.carried {
            inputs.push(self.lookup(*name).ok_or_else(|| self.stop_here())?);
        }
        self.node(LOOP_CONTINUATION, inputs, vec![], Attr::None, span);
        // What follows in the block is never run (lowering drops it).
        Ok(Completion::Falls)
    }

    /// `return value` in a function that returns from inside a loop:
    /// `prim::ReturnStmt(value)`. The function's result type is the
    /// annotated one, or what its returns unify to.
    pub(super) fn return_exit(&mut self, value: ValueId, span: Span) -> Completion {
        let ty = self.ty(value);
        let merged = match (&self.return_annotation, self.merged_return.clone()) {
            (Some(annotated), _) => annotated.clone(),
            (None, None) => ty,
            (None, Some((previous, _))) => self.merge_return_types(&previous, &ty, span),
        };
        // Unannotated, the result has the type object of the latest return.
        let inferred = self.return_annotation.is_none() && self.graph.value(value).inferred;
        self.merged_return = Some((merged, inferred));
        self.node(RETURN_STMT, vec![value], vec![], Attr::None, span);
        Completion::Exits
    }

    /// Runs `body` as the body of a loop that carries `carried`.
    pub(super) fn in_loop<T>(&mut self, context: LoopContext, body: impl FnOnce(&mut Self) -> T) -> T {
        self.loops.push(context);
        let result = body(self);
        self.loops.pop();
        result
    }
}

/// Whether a `return` occurs inside a `for` or `while` loop of the body:
/// then every return of the function is an exit node.
pub(super) fn returns_in_loop(body: &[Stmt]) -> bool {
    let mut found = false;
    super::super::each_statement_unchecked(body, &mut |s| {
        if let StmtKind::For { body, .. } | StmtKind::While { body, .. } = &s.kind {
            found |= super::returns_somewhere(body);
        }
    });
    found
}
