//! The syntax rules Python checks after parsing: what may be assigned to or
//! deleted, and which statements need an enclosing function or loop. Kept out
//! of the grammar so a rule broken in one place never stops the parse.

use super::ast::*;
use super::visit::Node;
use crate::diag::{Code, Diagnostic};

/// Where a statement stands.
#[derive(Clone, Copy)]
struct Scope {
    /// Inside a function body (`Some(is_async)`), or not.
    function: Option<bool>,
    in_loop: bool,
    module_level: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TargetUse {
    Assign,
    AugAssign,
    Annotated,
    Delete,
}

struct Validator<'d> {
    diagnostics: &'d mut Vec<Diagnostic>,
}

/// Checks a parsed module, adding a diagnostic per broken rule.
pub(super) fn module(module: &Module, diagnostics: &mut Vec<Diagnostic>) {
    let scope = Scope { function: None, in_loop: false, module_level: true };
    Validator { diagnostics }.block(&module.body, scope);
}

impl Validator<'_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn block(&mut self, body: &[Stmt], scope: Scope) {
        for stmt in body {
            self.stmt(stmt, scope);
        }
    }

    fn stmt(&mut self, stmt: &Stmt, scope: Scope) {
        let loop_body = Scope { in_loop: true, ..scope };
        match &stmt.kind {
            StmtKind::FunctionDef(def) => {
                def.decorators.iter().for_each(|d| self.expr(d, scope));
                for p in &def.params {
                    p.annotation.iter().chain(&p.default).for_each(|e| self.expr(e, scope));
                }
                def.returns.iter().for_each(|e| self.expr(e, scope));
                let inner = Scope { function: Some(def.is_async), in_loop: false, module_level: false };
                self.block(&def.body, inner);
            }
            StmtKind::ClassDef(def) => {
                def.decorators.iter().for_each(|d| self.expr(d, scope));
                def.bases.iter().for_each(|a| self.node(Node::Arg(a), scope));
                let inner = Scope { function: None, in_loop: false, module_level: false };
                self.block(&def.body, inner);
            }
            StmtKind::Return(value) => {
                if scope.function.is_none() {
                    self.error(
                        Diagnostic::new(Code::E1014, keyword(stmt, "return"), "`return` outside function")
                            .label("`return` is only valid inside a function body"),
                    );
                }
                value.iter().for_each(|e| self.expr(e, scope));
            }
            StmtKind::Break | StmtKind::Continue => {
                if !scope.in_loop {
                    let word = if matches!(stmt.kind, StmtKind::Break) { "break" } else { "continue" };
                    self.error(
                        Diagnostic::new(Code::E1014, stmt.span, format!("`{word}` outside loop"))
                            .label(format!("`{word}` is only valid inside a `for` or `while` loop")),
                    );
                }
            }
            StmtKind::Nonlocal(_) if scope.module_level => self.error(
                Diagnostic::new(
                    Code::E1014,
                    keyword(stmt, "nonlocal"),
                    "nonlocal declaration not allowed at module level",
                )
                .label("there is no enclosing function here")
                .help("use `global` for names at module level"),
            ),
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.target(t, TargetUse::Delete, scope);
                }
            }
            StmtKind::Assign { targets, value } => {
                for t in targets {
                    self.target(t, TargetUse::Assign, scope);
                }
                self.expr(value, scope);
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.target(target, TargetUse::AugAssign, scope);
                self.expr(value, scope);
            }
            StmtKind::AnnAssign { target, annotation, value } => {
                self.target(target, TargetUse::Annotated, scope);
                self.expr(annotation, scope);
                value.iter().for_each(|e| self.expr(e, scope));
            }
            StmtKind::For { target, iter, body, orelse, .. } => {
                self.target(target, TargetUse::Assign, scope);
                self.expr(iter, scope);
                self.block(body, loop_body);
                self.block(orelse, scope);
            }
            StmtKind::While { test, body, orelse } => {
                self.expr(test, scope);
                self.block(body, loop_body);
                self.block(orelse, scope);
            }
            StmtKind::If { test, body, orelse } => {
                self.expr(test, scope);
                self.block(body, scope);
                self.block(orelse, scope);
            }
            StmtKind::With { items, body, .. } => {
                for item in items {
                    self.expr(&item.context, scope);
                    item.target.iter().for_each(|t| self.target(t, TargetUse::Assign, scope));
                }
                self.block(body, scope);
            }
            StmtKind::Try { body, handlers, orelse, finalbody } => {
                self.block(body, scope);
                for h in handlers {
                    h.typ.iter().for_each(|e| self.expr(e, scope));
                    self.block(&h.body, scope);
                }
                self.block(orelse, scope);
                self.block(finalbody, scope);
            }
            _ => self.node(Node::Stmt(stmt), scope),
        }
    }

    fn expr(&mut self, expr: &Expr, scope: Scope) {
        self.node(Node::Expr(expr), scope);
    }

    /// Expression-level rules: `yield`/`await` need a function, and
    /// comprehension targets must be assignable. A lambda is a function.
    fn node(&mut self, node: Node<'_>, scope: Scope) {
        // A flat `a + b + … + z` nests to the left as deep as it is long.
        let mut node = node;
        while let Node::Expr(Expr { kind: ExprKind::BinOp { left, right, .. }, .. }) = node {
            self.expr(right, scope);
            node = Node::Expr(left);
        }
        if let Node::Expr(e) = node {
            match &e.kind {
                ExprKind::Yield(_) | ExprKind::YieldFrom(_) if scope.function.is_none() => self.error(
                    Diagnostic::new(Code::E1014, e.span, "`yield` outside function")
                        .label("`yield` is only valid inside a function body"),
                ),
                ExprKind::Await(_) if scope.function != Some(true) => {
                    let message = if scope.function.is_none() {
                        "`await` outside function"
                    } else {
                        "`await` outside async function"
                    };
                    self.error(
                        Diagnostic::new(Code::E1014, e.span, message)
                            .label("`await` is only valid in an `async def` body"),
                    );
                }
                ExprKind::Lambda { params, body } => {
                    for p in params {
                        p.default.iter().for_each(|d| self.expr(d, scope));
                    }
                    let inner = Scope { function: Some(false), in_loop: false, module_level: false };
                    self.expr(body, inner);
                    return;
                }
                _ => {}
            }
        }
        if let Node::Comprehension(c) = node {
            self.target(&c.target, TargetUse::Assign, scope);
            self.expr(&c.iter, scope);
            c.ifs.iter().for_each(|e| self.expr(e, scope));
            return;
        }
        node.children(&mut |child| self.node(child, scope));
    }

    fn target(&mut self, target: &Expr, usage: TargetUse, scope: Scope) {
        match &target.kind {
            ExprKind::Name(_) | ExprKind::Error => {}
            ExprKind::Attribute { value, .. } => self.expr(value, scope),
            ExprKind::Subscript { value, index } => {
                self.expr(value, scope);
                self.expr(index, scope);
            }
            ExprKind::Tuple(items) | ExprKind::List(items)
                if matches!(usage, TargetUse::Assign | TargetUse::Delete) =>
            {
                let mut starred = None;
                for item in items {
                    match &item.kind {
                        ExprKind::Starred(inner) if usage == TargetUse::Assign => {
                            if let Some(first) = starred {
                                self.error(
                                    Diagnostic::new(
                                        Code::E1012,
                                        item.span,
                                        "multiple starred expressions in assignment",
                                    )
                                    .label("second starred target")
                                    .secondary(first, "first starred target"),
                                );
                            }
                            starred = Some(item.span);
                            self.target(inner, usage, scope);
                        }
                        _ => self.target(item, usage, scope),
                    }
                }
            }
            _ => {
                let what = describe(target);
                let (message, label) = match usage {
                    TargetUse::Delete => (format!("cannot delete {what}"), "not deletable".to_string()),
                    TargetUse::AugAssign => (
                        format!("{what} is an invalid target for augmented assignment"),
                        "augmented assignment needs a name, attribute or subscript".to_string(),
                    ),
                    TargetUse::Annotated => (
                        format!("only a single target can be annotated, not {what}"),
                        "annotated assignment needs a name, attribute or subscript".to_string(),
                    ),
                    TargetUse::Assign => (format!("cannot assign to {what}"), "not assignable".to_string()),
                };
                let mut diagnostic = Diagnostic::new(Code::E1012, target.span, message).label(label);
                if usage == TargetUse::Assign && matches!(target.kind, ExprKind::Call { .. } | ExprKind::Literal(_)) {
                    diagnostic = diagnostic.help("to compare values, use `==` instead of `=`");
                }
                self.error(diagnostic);
            }
        }
    }
}

/// The span of a statement's leading keyword, for labels that name it.
fn keyword(stmt: &Stmt, word: &str) -> crate::source::Span {
    crate::source::Span::new(stmt.span.start, stmt.span.start + word.len() as u32)
}

/// How Python names an expression that cannot be a target.
fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Call { .. } => "function call",
        ExprKind::Literal(Literal::None) => "`None`",
        ExprKind::Literal(Literal::Bool(_)) => "a boolean literal",
        ExprKind::Literal(Literal::Ellipsis) => "ellipsis",
        ExprKind::Literal(_) | ExprKind::FString(_) => "literal",
        ExprKind::Compare { .. } => "comparison",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::NamedExpr { .. } => "named expression",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::ListComp { .. } => "list comprehension",
        ExprKind::SetComp { .. } => "set comprehension",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::GeneratorExp { .. } => "generator expression",
        ExprKind::Await(_) => "await expression",
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => "yield expression",
        ExprKind::Starred(_) => "starred expression",
        ExprKind::Tuple(_) => "tuple",
        ExprKind::List(_) => "list",
        _ => "expression",
    }
}
