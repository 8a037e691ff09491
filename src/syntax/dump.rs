//! Text dumps of tokens and trees, for snapshots and `--emit` debugging.

use std::fmt::Write;

use super::ast::*;
use super::intern::Interner;
use super::token::Token;
use super::visit::Node;
use crate::source::{SourceFile, Span};

/// `line:col-line:col` of a span, 1-based.
fn at(file: &SourceFile, span: Span) -> String {
    let (l1, c1) = file.line_col(span.start);
    let (l2, c2) = file.line_col(span.end);
    format!("{l1}:{c1}-{l2}:{c2}")
}

/// One token per line: position, kind and the text it covers.
pub fn tokens(file: &SourceFile, tokens: &[(u32, Token, u32)], interner: &Interner) -> String {
    let mut out = String::new();
    for (l, token, r) in tokens {
        let span = Span::new(*l, *r);
        let kind = match token {
            Token::Name(s) => format!("Name({})", interner.resolve(*s)),
            Token::Int(IntLit::Small(v)) => format!("Int({v})"),
            Token::Int(IntLit::Big(s)) => format!("Int({})", interner.resolve(*s)),
            Token::Float(v) => format!("Float({v:?})"),
            Token::Imag(v) => format!("Imag({v:?})"),
            Token::Str(s) if s.kind == StrKind::FString => {
                format!("FString({} parts)", s.parts.len())
            }
            Token::Str(s) => format!("{:?}({:?})", s.kind, interner.resolve(s.value)),
            Token::Fixed(raw) => format!("{raw:?}"),
            other => format!("{other:?}"),
        };
        let _ = writeln!(out, "{:<13} {kind:<24} {:?}", at(file, span), file.slice(span));
    }
    out
}

/// The tree, one node per line, indented by depth.
pub fn ast(file: &SourceFile, module: &Module, interner: &Interner) -> String {
    let mut out = String::new();
    // A stack of its own: a flat `1 + … + 1` is a tree as deep as it is long.
    let mut pending = vec![(Node::Module(module), 0)];
    let mut children = Vec::new();
    while let Some((n, depth)) = pending.pop() {
        let _ = writeln!(out, "{}{} {}", "  ".repeat(depth), label(n, interner), at(file, n.span()));
        n.children(&mut |child| children.push((child, depth + 1)));
        pending.extend(children.drain(..).rev());
    }
    out
}

fn label(n: Node<'_>, interner: &Interner) -> String {
    let name = |s| interner.resolve(s).to_string();
    match n {
        Node::Module(_) => "Module".into(),
        Node::Stmt(s) => match &s.kind {
            StmtKind::FunctionDef(d) if d.is_async => "AsyncFunctionDef".into(),
            StmtKind::FunctionDef(_) => "FunctionDef".into(),
            StmtKind::ClassDef(_) => "ClassDef".into(),
            StmtKind::Return(_) => "Return".into(),
            StmtKind::Delete(_) => "Delete".into(),
            StmtKind::Assign { .. } => "Assign".into(),
            StmtKind::AugAssign { op, .. } => format!("AugAssign {}=", op.as_str()),
            StmtKind::AnnAssign { .. } => "AnnAssign".into(),
            StmtKind::For { is_async, .. } => if *is_async { "AsyncFor" } else { "For" }.into(),
            StmtKind::While { .. } => "While".into(),
            StmtKind::If { .. } => "If".into(),
            StmtKind::With { is_async, .. } => if *is_async { "AsyncWith" } else { "With" }.into(),
            StmtKind::Raise { .. } => "Raise".into(),
            StmtKind::Try { .. } => "Try".into(),
            StmtKind::Assert { .. } => "Assert".into(),
            StmtKind::Import(_) => "Import".into(),
            StmtKind::ImportFrom { level, .. } => format!("ImportFrom level={level}"),
            StmtKind::Global(_) => "Global".into(),
            StmtKind::Nonlocal(_) => "Nonlocal".into(),
            StmtKind::Expr(_) => "Expr".into(),
            StmtKind::Pass => "Pass".into(),
            StmtKind::Break => "Break".into(),
            StmtKind::Continue => "Continue".into(),
            StmtKind::Error => "ErrorStmt".into(),
        },
        Node::Expr(e) => match &e.kind {
            ExprKind::Name(s) => format!("Name {}", name(*s)),
            ExprKind::Literal(c) => match c {
                Literal::None => "None".into(),
                Literal::Bool(b) => format!("Bool {b}"),
                Literal::Int(IntLit::Small(v)) => format!("Int {v}"),
                Literal::Int(IntLit::Big(s)) => format!("Int {}", name(*s)),
                Literal::Float(v) => format!("Float {v:?}"),
                Literal::Imag(v) => format!("Imag {v:?}j"),
                Literal::Str(s) => format!("Str {:?}", name(*s)),
                Literal::Bytes(s) => format!("Bytes {:?}", name(*s)),
                Literal::Ellipsis => "Ellipsis".into(),
            },
            ExprKind::FString(parts) => {
                let literals: Vec<String> = parts
                    .iter()
                    .map(|p| match p {
                        FStringPart::Literal(s) => format!("{:?}", name(*s)),
                        FStringPart::Field(_) => "{}".into(),
                    })
                    .collect();
                format!("FString [{}]", literals.join(", "))
            }
            ExprKind::Attribute { .. } => "Attribute".into(),
            ExprKind::Subscript { .. } => "Subscript".into(),
            ExprKind::Call { .. } => "Call".into(),
            ExprKind::BinOp { op, .. } => format!("BinOp {}", op.as_str()),
            ExprKind::UnaryOp { op, .. } => format!("UnaryOp {}", op.as_str()),
            ExprKind::BoolOp { op, .. } => {
                format!("BoolOp {}", if *op == BoolOp::And { "and" } else { "or" })
            }
            ExprKind::Compare { comparisons, .. } => {
                let ops: Vec<&str> = comparisons.iter().map(|(op, _)| op.as_str()).collect();
                format!("Compare {}", ops.join(" "))
            }
            ExprKind::IfExp { .. } => "IfExp".into(),
            ExprKind::Lambda { .. } => "Lambda".into(),
            ExprKind::NamedExpr { .. } => "NamedExpr".into(),
            ExprKind::List(_) => "List".into(),
            ExprKind::Tuple(_) => "Tuple".into(),
            ExprKind::Set(_) => "Set".into(),
            ExprKind::Dict(_) => "Dict".into(),
            ExprKind::ListComp { .. } => "ListComp".into(),
            ExprKind::SetComp { .. } => "SetComp".into(),
            ExprKind::DictComp { .. } => "DictComp".into(),
            ExprKind::GeneratorExp { .. } => "GeneratorExp".into(),
            ExprKind::Starred(_) => "Starred".into(),
            ExprKind::Slice { .. } => "Slice".into(),
            ExprKind::Await(_) => "Await".into(),
            ExprKind::Yield(_) => "Yield".into(),
            ExprKind::YieldFrom(_) => "YieldFrom".into(),
            ExprKind::Error => "ErrorExpr".into(),
        },
        Node::Param(p) => format!("Param {:?}", p.kind),
        Node::Arg(a) => match a.kind {
            ArgKind::Positional(_) => "Arg".into(),
            ArgKind::Keyword(..) => "KeywordArg".into(),
            ArgKind::Starred(_) => "StarArg".into(),
            ArgKind::DoubleStarred(_) => "DoubleStarArg".into(),
        },
        Node::Alias(_) => "Alias".into(),
        Node::Ident(i) => format!("Ident {}", name(i.name)),
        Node::WithItem(_) => "WithItem".into(),
        Node::Handler(_) => "ExceptHandler".into(),
        Node::Comprehension(c) => if c.is_async { "AsyncComprehension" } else { "Comprehension" }.into(),
        Node::Field(f) => {
            let mut s = "Field".to_string();
            if let Some(c) = f.conversion {
                let _ = write!(s, " !{c}");
            }
            if let Some(d) = f.debug {
                let _ = write!(s, " debug={:?}", name(d));
            }
            s
        }
    }
}
