//! A uniform view of the tree: every node, its span and its children in
//! source order. The AST dump, the span invariants and validation walk it,
//! so no two of them can disagree on what the tree holds.

use super::ast::*;
use crate::source::Span;

#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    Module(&'a Module),
    Stmt(&'a Stmt),
    Expr(&'a Expr),
    Param(&'a Param),
    Arg(&'a Arg),
    Alias(&'a Alias),
    Ident(&'a Ident),
    WithItem(&'a WithItem),
    Handler(&'a ExceptHandler),
    Comprehension(&'a Comprehension),
    Field(&'a FStringField),
}

impl<'a> Node<'a> {
    pub fn span(self) -> Span {
        match self {
            Node::Module(m) => m.span,
            Node::Stmt(s) => s.span,
            Node::Expr(e) => e.span,
            Node::Param(p) => p.span,
            Node::Arg(a) => a.span,
            Node::Alias(a) => a.span,
            Node::Ident(i) => i.span,
            Node::WithItem(w) => w.span,
            Node::Handler(h) => h.span,
            Node::Comprehension(c) => c.span,
            Node::Field(f) => f.span,
        }
    }

    /// Calls `f` on each direct child, in source order.
    pub fn children(self, f: &mut dyn FnMut(Node<'a>)) {
        let stmts = |f: &mut dyn FnMut(Node<'a>), body: &'a [Stmt]| body.iter().for_each(|s| f(Node::Stmt(s)));
        let expr = |f: &mut dyn FnMut(Node<'a>), e: &'a Expr| f(Node::Expr(e));
        match self {
            Node::Module(m) => stmts(f, &m.body),
            Node::Stmt(s) => match &s.kind {
                StmtKind::FunctionDef(def) => {
                    def.decorators.iter().for_each(|d| expr(f, d));
                    f(Node::Ident(&def.name));
                    def.params.iter().for_each(|p| f(Node::Param(p)));
                    def.returns.iter().for_each(|r| expr(f, r));
                    stmts(f, &def.body);
                }
                StmtKind::ClassDef(def) => {
                    def.decorators.iter().for_each(|d| expr(f, d));
                    f(Node::Ident(&def.name));
                    def.bases.iter().for_each(|a| f(Node::Arg(a)));
                    stmts(f, &def.body);
                }
                StmtKind::Return(value) => value.iter().for_each(|e| expr(f, e)),
                StmtKind::Delete(targets) => targets.iter().for_each(|e| expr(f, e)),
                StmtKind::Assign { targets, value } => {
                    targets.iter().for_each(|e| expr(f, e));
                    expr(f, value);
                }
                StmtKind::AugAssign { target, value, .. } => {
                    expr(f, target);
                    expr(f, value);
                }
                StmtKind::AnnAssign { target, annotation, value } => {
                    expr(f, target);
                    expr(f, annotation);
                    value.iter().for_each(|e| expr(f, e));
                }
                StmtKind::For { target, iter, body, orelse, .. } => {
                    expr(f, target);
                    expr(f, iter);
                    stmts(f, body);
                    stmts(f, orelse);
                }
                StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                    expr(f, test);
                    stmts(f, body);
                    stmts(f, orelse);
                }
                StmtKind::With { items, body, .. } => {
                    items.iter().for_each(|w| f(Node::WithItem(w)));
                    stmts(f, body);
                }
                StmtKind::Raise { exc, cause } => {
                    exc.iter().for_each(|e| expr(f, e));
                    cause.iter().for_each(|e| expr(f, e));
                }
                StmtKind::Try { body, handlers, orelse, finalbody } => {
                    stmts(f, body);
                    handlers.iter().for_each(|h| f(Node::Handler(h)));
                    stmts(f, orelse);
                    stmts(f, finalbody);
                }
                StmtKind::Assert { test, msg } => {
                    expr(f, test);
                    msg.iter().for_each(|e| expr(f, e));
                }
                StmtKind::Import(names) | StmtKind::ImportFrom { names, .. } => {
                    if let StmtKind::ImportFrom { module: Some(module), .. } = &s.kind {
                        module.parts.iter().for_each(|i| f(Node::Ident(i)));
                    }
                    names.iter().for_each(|a| f(Node::Alias(a)));
                }
                StmtKind::Global(names) | StmtKind::Nonlocal(names) => names.iter().for_each(|i| f(Node::Ident(i))),
                StmtKind::Expr(e) => expr(f, e),
                StmtKind::Pass | StmtKind::Break | StmtKind::Continue | StmtKind::Error => {}
            },
            Node::Expr(e) => match &e.kind {
                ExprKind::Name(_) | ExprKind::Literal(_) | ExprKind::Error => {}
                ExprKind::FString(parts) => fstring_parts(f, parts),
                ExprKind::Attribute { value, attr } => {
                    expr(f, value);
                    f(Node::Ident(attr));
                }
                ExprKind::Subscript { value, index } => {
                    expr(f, value);
                    expr(f, index);
                }
                ExprKind::Call { func, args } => {
                    expr(f, func);
                    args.iter().for_each(|a| f(Node::Arg(a)));
                }
                ExprKind::BinOp { left, right, .. } => {
                    expr(f, left);
                    expr(f, right);
                }
                ExprKind::UnaryOp { operand, .. } => expr(f, operand),
                ExprKind::BoolOp { values, .. } => values.iter().for_each(|e| expr(f, e)),
                ExprKind::Compare { left, comparisons } => {
                    expr(f, left);
                    comparisons.iter().for_each(|(_, e)| expr(f, e));
                }
                // Python order of appearance: `body if test else orelse`.
                ExprKind::IfExp { test, body, orelse } => {
                    expr(f, body);
                    expr(f, test);
                    expr(f, orelse);
                }
                ExprKind::Lambda { params, body } => {
                    params.iter().for_each(|p| f(Node::Param(p)));
                    expr(f, body);
                }
                ExprKind::NamedExpr { target, value } => {
                    f(Node::Ident(target));
                    expr(f, value);
                }
                ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
                    items.iter().for_each(|e| expr(f, e));
                }
                ExprKind::Dict(items) => items.iter().for_each(|item| match item {
                    DictItem::Pair(k, v) => {
                        expr(f, k);
                        expr(f, v);
                    }
                    DictItem::Unpack(e) => expr(f, e),
                }),
                ExprKind::ListComp { elt, generators }
                | ExprKind::SetComp { elt, generators }
                | ExprKind::GeneratorExp { elt, generators } => {
                    expr(f, elt);
                    generators.iter().for_each(|c| f(Node::Comprehension(c)));
                }
                ExprKind::DictComp { key, value, generators } => {
                    expr(f, key);
                    expr(f, value);
                    generators.iter().for_each(|c| f(Node::Comprehension(c)));
                }
                ExprKind::Starred(e) | ExprKind::Await(e) | ExprKind::YieldFrom(e) => expr(f, e),
                ExprKind::Yield(e) => e.iter().for_each(|e| expr(f, e)),
                ExprKind::Slice { lower, upper, step } => {
                    [lower, upper, step].into_iter().flatten().for_each(|e| expr(f, e));
                }
            },
            Node::Param(p) => {
                f(Node::Ident(&p.name));
                p.annotation.iter().for_each(|e| expr(f, e));
                p.default.iter().for_each(|e| expr(f, e));
            }
            Node::Arg(a) => match &a.kind {
                ArgKind::Positional(e) | ArgKind::Starred(e) | ArgKind::DoubleStarred(e) => expr(f, e),
                ArgKind::Keyword(name, e) => {
                    f(Node::Ident(name));
                    expr(f, e);
                }
            },
            Node::Alias(a) => {
                a.name.parts.iter().for_each(|i| f(Node::Ident(i)));
                a.asname.iter().for_each(|i| f(Node::Ident(i)));
            }
            Node::Ident(_) => {}
            Node::WithItem(w) => {
                expr(f, &w.context);
                w.target.iter().for_each(|e| expr(f, e));
            }
            Node::Handler(h) => {
                h.typ.iter().for_each(|e| expr(f, e));
                h.name.iter().for_each(|i| f(Node::Ident(i)));
                stmts(f, &h.body);
            }
            Node::Comprehension(c) => {
                expr(f, &c.target);
                expr(f, &c.iter);
                c.ifs.iter().for_each(|e| expr(f, e));
            }
            Node::Field(field) => {
                expr(f, &field.value);
                fstring_parts(f, &field.spec);
            }
        }
    }
}

fn fstring_parts<'a>(f: &mut dyn FnMut(Node<'a>), parts: &'a [FStringPart]) {
    for part in parts {
        if let FStringPart::Field(field) = part {
            f(Node::Field(field));
        }
    }
}

/// Calls `f` on `node` and every node below it, parents first, in source
/// order; with a stack of its own, as trees can be deeper than the thread's.
pub fn walk<'a>(node: Node<'a>, f: &mut dyn FnMut(Node<'a>)) {
    let mut pending = vec![node];
    let mut children = Vec::new();
    while let Some(node) = pending.pop() {
        f(node);
        node.children(&mut |child| children.push(child));
        pending.extend(children.drain(..).rev());
    }
}
