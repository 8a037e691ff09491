//! The parser's public face: `parse(file) -> Parsed { module, diagnostics }`.
//!
//! Behind it: the layout's token stream, the LALRPOP grammar (one public rule,
//! entered through a marker token), statement-level error recovery, and the
//! translation of LALRPOP's expected-token sets into short categories. The
//! grammar stays behind this narrow API so it can be replaced.

use lalrpop_util::{ErrorRecovery, ParseError};

use super::ast::*;
use super::intern::Interner;
use super::layout::{self, Lexed, Mode, TypeComment};
use super::token::{RawToken, StrLit, Token};
use super::validate;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_parens, unused_imports, dead_code, unreachable_pub)]
    grammar,
    "/tsy.rs"
);

/// A parsed file: the tree (with `Error` nodes where text did not parse) and
/// every syntax diagnostic, in source order.
#[derive(Debug)]
pub struct Parsed {
    pub module: Module,
    pub diagnostics: Vec<Diagnostic>,
    pub type_comments: Vec<TypeComment>,
}

/// What the grammar's actions may touch.
pub struct Ctx<'a> {
    pub interner: &'a mut Interner,
    pub diagnostics: &'a mut Vec<Diagnostic>,
    pub errors: Vec<ErrorRecovery<u32, Token, Never>>,
}

/// The grammar's actions never fail on their own: problems they find become
/// diagnostics, and the tree gets an `Error` node.
#[derive(Clone, Debug, PartialEq)]
pub enum Never {}

/// What the single public grammar rule returns, by marker token.
pub enum Top {
    Module(Vec<Stmt>),
    Expression(Expr),
}

/// Parses one file of `map`.
pub fn parse(map: &SourceMap, file: FileId, interner: &mut Interner) -> Parsed {
    let source = map.get(file);
    let mut diagnostics = Vec::new();
    let lexed = layout::lex(&source.text, source.base, Mode::Module, interner, &mut diagnostics);
    let span = source.span();
    let top = run(&source.text, source.base, &lexed, interner, &mut diagnostics);
    let body = match top {
        Some(Top::Module(body)) => body,
        _ => Vec::new(),
    };
    let mut module = Module { body, span };
    if let Some(too_deep) = super::depth::check(&module) {
        // Nothing after the parser may walk this tree.
        diagnostics.push(too_deep);
        module.body.clear();
    } else {
        validate::module(&module, &mut diagnostics);
    }
    crate::diag::sort(&mut diagnostics);
    Parsed { module, diagnostics, type_comments: lexed.type_comments }
}

/// Parses one expression that starts at global offset `base` (an f-string
/// replacement field). Diagnostics go to `diagnostics`.
pub(super) fn parse_expression(
    text: &str,
    base: u32,
    interner: &mut Interner,
    diagnostics: &mut Vec<Diagnostic>,
) -> Expr {
    let lexed = layout::lex(text, base, Mode::Expression, interner, diagnostics);
    let span = Span::new(base, base + text.len() as u32);
    match run(text, base, &lexed, interner, diagnostics) {
        Some(Top::Expression(expr)) => expr,
        _ => Expr::new(ExprKind::Error, span),
    }
}

fn run(
    text: &str,
    base: u32,
    lexed: &Lexed,
    interner: &mut Interner,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Top> {
    let mut ctx = Ctx { interner, diagnostics, errors: Vec::new() };
    let tokens = lexed.tokens.iter().cloned().map(Ok::<_, Never>);
    let result = grammar::TopParser::new().parse(&mut ctx, tokens);
    let Ctx { errors, diagnostics, .. } = ctx;
    let in_field = matches!(lexed.tokens.first(), Some((_, Token::StartExpression, _)));
    let mut reporter = Reporter { text, base, lexed, last_error: None, in_field };
    for recovery in errors {
        if let Some(d) = reporter.convert(recovery.error) {
            diagnostics.push(d);
        }
    }
    match result {
        Ok(top) => Some(top),
        Err(error) => {
            if let Some(d) = reporter.convert(error) {
                diagnostics.push(d);
            }
            None
        }
    }
}

/// Turns LALRPOP's errors into diagnostics, dropping the ones that are
/// consequences of an error already reported.
struct Reporter<'a> {
    text: &'a str,
    base: u32,
    lexed: &'a Lexed,
    /// Offset of the last parser error, reported or not.
    last_error: Option<u32>,
    /// Parsing an f-string replacement field, not a file.
    in_field: bool,
}

impl Reporter<'_> {
    fn convert(&mut self, error: ParseError<u32, Token, Never>) -> Option<Diagnostic> {
        let (start, token, end, expected) = match error {
            ParseError::UnrecognizedToken { token: (l, t, r), expected } => (l, Some(t), r, expected),
            ParseError::ExtraToken { token: (l, t, r) } => (l, Some(t), r, Vec::new()),
            ParseError::UnrecognizedEof { location, expected } => (location, None, location, expected),
            ParseError::InvalidToken { location } => (location, None, location, Vec::new()),
            ParseError::User { error } => match error {},
        };
        if token == Some(Token::Error) || self.lexed.unclosed.iter().any(|s| s.start <= start && start <= s.end) {
            return None;
        }
        if self.lexed.stopped.is_some_and(|s| start >= s.start) {
            return None;
        }
        if self.same_logical_line(start) {
            return None;
        }
        self.last_error = Some(start);
        let span = Span::new(start, end);
        if token == Some(Token::Indent) {
            return Some(unexpected_indent(span));
        }
        // Point at the end of the line rather than across the line break.
        let span = if token == Some(Token::Newline) { Span::point(self.previous_end(start)) } else { span };
        let found = self.describe(token.as_ref(), span);
        if expected.iter().any(|e| e == "Indent") {
            let point = Span::point(start);
            let (keyword, line) = self.block_header(start);
            return Some(
                Diagnostic::new(
                    Code::E1005,
                    point,
                    format!("expected an indented block after `{keyword}` on line {line}"),
                )
                .label(format!("expected an indented block, found {found}"))
                .help("indent the block's statements, or write `pass` for an empty block"),
            );
        }
        let categories = categories(&expected);
        let diagnostic = if !categories.is_empty() && categories.len() <= 3 {
            let list = join_or(&categories);
            Diagnostic::new(Code::E1001, span, format!("expected {list}, found {found}"))
                .label(format!("expected {list}"))
        } else {
            let d = Diagnostic::new(Code::E1001, span, format!("invalid syntax: unexpected {found}"))
                .label(format!("unexpected {found}"));
            if self.follows_an_operand(start, token.as_ref()) {
                d.help("if these are separate items, put a comma between them")
            } else {
                d
            }
        };
        Some(diagnostic)
    }

    /// True when no line break separates `offset` from the last error: the
    /// parser resynchronizes at statement boundaries, so a second error on
    /// one logical line is noise.
    fn same_logical_line(&self, offset: u32) -> bool {
        let Some(last) = self.last_error else {
            return false;
        };
        !self.lexed.tokens.iter().any(|(l, t, _)| *l >= last && *l < offset && matches!(t, Token::Newline))
    }

    /// An operand right after another operand (`f(a b)`): most often a
    /// missing comma.
    fn follows_an_operand(&self, offset: u32, token: Option<&Token>) -> bool {
        let operand =
            |t: &Token| matches!(t, Token::Name(_) | Token::Int(_) | Token::Float(_) | Token::Imag(_) | Token::Str(_));
        let closer = |t: &Token| matches!(t, Token::Fixed(RawToken::RParen | RawToken::RBracket | RawToken::RBrace));
        let tokens = &self.lexed.tokens;
        let at = tokens.partition_point(|(l, _, _)| *l < offset);
        let previous = tokens[..at].last().map(|(_, t, _)| t);
        token.is_some_and(operand) && previous.is_some_and(|t| operand(t) || closer(t))
    }

    /// Where the last token before `offset` ends (the end of the code on a
    /// line, before any comment).
    fn previous_end(&self, offset: u32) -> u32 {
        let tokens = &self.lexed.tokens;
        let at = tokens.partition_point(|(l, _, _)| *l < offset);
        tokens[..at].last().map_or(offset, |(_, _, r)| *r)
    }

    fn local(&self, span: Span) -> &str {
        &self.text[(span.start - self.base) as usize..(span.end - self.base) as usize]
    }

    fn describe(&self, token: Option<&Token>, span: Span) -> String {
        match token {
            None if self.in_field => "the end of the replacement field".to_string(),
            None => "end of file".to_string(),
            Some(Token::Newline) => "end of line".to_string(),
            Some(Token::Dedent) if span.end as usize - self.base as usize == self.text.len() => {
                "end of file".to_string()
            }
            Some(Token::Dedent) => "end of block".to_string(),
            Some(Token::Indent) => "an indent".to_string(),
            Some(Token::Str(_)) => "a string literal".to_string(),
            Some(Token::Name(_)) => format!("identifier `{}`", self.local(span)),
            Some(_) => format!("`{}`", self.local(span)),
        }
    }

    /// The keyword and 1-based line of the block header that precedes the
    /// token at `offset` (the logical line before it).
    fn block_header(&self, offset: u32) -> (String, usize) {
        let tokens = &self.lexed.tokens;
        let at = tokens.partition_point(|(l, _, _)| *l < offset);
        // Skip back over the header's own NEWLINE, then to the start of its line.
        let mut i = at.saturating_sub(1);
        while i > 0 && matches!(tokens[i].1, Token::Newline) {
            i -= 1;
        }
        while i > 0 && !matches!(tokens[i - 1].1, Token::Newline | Token::Indent | Token::Dedent | Token::StartModule) {
            i -= 1;
        }
        // A decorated or `async` header names its keyword after the prefix.
        while matches!(tokens[i].1, Token::Fixed(RawToken::Async)) && i + 1 < at {
            i += 1;
        }
        let (l, _, r) = &tokens[i];
        let keyword = self.local(Span::new(*l, *r)).to_string();
        let line = self.text[..(*l - self.base) as usize].matches('\n').count() + 1;
        (keyword, line)
    }
}

/// LALRPOP's expected terminals as short categories: any token that can start
/// an expression becomes "an expression"; the rest are shown as themselves.
fn categories(expected: &[String]) -> Vec<String> {
    const EXPRESSION_STARTS: &[&str] = &[
        "Name",
        "Int",
        "Float",
        "Imag",
        "Str",
        "\"(\"",
        "\"[\"",
        "\"{\"",
        "\"-\"",
        "\"+\"",
        "\"~\"",
        "\"not\"",
        "\"lambda\"",
        "\"await\"",
        "\"None\"",
        "\"True\"",
        "\"False\"",
        "\"...\"",
    ];
    let mut out = Vec::new();
    let expression = expected.iter().any(|e| e == "Int");
    if expression {
        out.push("an expression".to_string());
    }
    for e in expected {
        if expression && (EXPRESSION_STARTS.contains(&e.as_str()) || e == "\"*\"" || e == "\"yield\"") {
            continue;
        }
        let shown = match e.as_str() {
            "Name" => "an identifier".to_string(),
            "\"\\n\"" => "end of line".to_string(),
            "Indent" => "an indented block".to_string(),
            "Dedent" => "end of block".to_string(),
            "Int" | "Float" | "Imag" => "a number".to_string(),
            "Str" => "a string".to_string(),
            quoted => format!("`{}`", quoted.trim_matches('"').replace("\\\"", "\"")),
        };
        if !out.contains(&shown) {
            out.push(shown);
        }
    }
    out
}

fn join_or(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        [init @ .., last] => format!("{}, or {last}", init.join(", ")),
        [] => String::new(),
    }
}

// ---------------------------------------------------------------------------
// Helpers the grammar's actions call.

/// A logical line of a block, as the grammar sees it.
pub enum Line {
    Statements(Vec<Stmt>),
    /// An indented block that no header opened; the span is the indent.
    Indented(Span, Vec<Stmt>),
    /// Text skipped by error recovery.
    Error(Box<Stmt>),
}

/// Flattens a block's lines. An indented block right after a line that did
/// not parse is that line's body (`def f(x)` missing its `:`): it was
/// reported already. Anywhere else it is an unexpected indent.
pub(super) fn statements(ctx: &mut Ctx<'_>, lines: Vec<Line>) -> Vec<Stmt> {
    let mut out = Vec::with_capacity(lines.len());
    let mut after_error = false;
    for line in lines {
        match line {
            Line::Statements(stmts) => {
                out.extend(stmts);
                after_error = false;
            }
            Line::Indented(indent, body) => {
                // The body of a broken header goes with it: its statements
                // belong to a scope that did not parse.
                if !after_error {
                    ctx.diagnostics.push(unexpected_indent(indent));
                    out.extend(body);
                } else if let Some(last) = out.last_mut() {
                    last.span.end = body.last().map_or(last.span.end, |s| s.span.end);
                }
                after_error = false;
            }
            Line::Error(stmt) => {
                out.push(*stmt);
                after_error = true;
            }
        }
    }
    out
}

fn unexpected_indent(span: Span) -> Diagnostic {
    Diagnostic::new(Code::E1002, span, "unexpected indent")
        .label("this line is indented deeper than its block")
        .help("indent it as deep as the line before it, or end the line before with `:` to start a block")
}

pub(super) fn span(l: u32, r: u32) -> Span {
    Span::new(l, r)
}

pub(super) fn expr(l: u32, kind: ExprKind, r: u32) -> Expr {
    Expr::new(kind, Span::new(l, r))
}

/// Statements travel boxed through the parser: its stack moves every
/// symbol on each reduction, so symbol size is parse speed.
pub(super) fn stmt(l: u32, kind: StmtKind, r: u32) -> Box<Stmt> {
    Box::new(Stmt::new(kind, Span::new(l, r)))
}

pub(super) fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// A comma-separated list: one item without a comma is itself, otherwise a tuple.
pub(super) fn tuple_or_single(l: u32, (mut items, comma): (Vec<Expr>, bool), r: u32) -> Expr {
    if !comma && items.len() == 1 {
        items.pop().expect("checked: one item")
    } else {
        expr(l, ExprKind::Tuple(items), r)
    }
}

/// Left-associative binary operator chains are built one step at a time.
pub(super) fn binop(l: u32, left: Expr, op: BinOp, right: Expr, r: u32) -> Expr {
    expr(l, ExprKind::BinOp { left: Box::new(left), op, right: Box::new(right) }, r)
}

/// Folds `a + b * c | d` (operands with their spans, and the operators
/// between them) into left-associative nodes by Python's precedence.
pub(super) fn binary_chain(first: (u32, Expr, u32), rest: Vec<(BinOp, u32, Expr, u32)>) -> Expr {
    fn precedence(op: BinOp) -> u8 {
        match op {
            BinOp::BitOr => 1,
            BinOp::BitXor => 2,
            BinOp::BitAnd => 3,
            BinOp::LShift | BinOp::RShift => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::MatMul | BinOp::Div | BinOp::FloorDiv | BinOp::Mod => 6,
            BinOp::Pow => 7,
        }
    }
    fn fold(operands: &mut Vec<(u32, Expr, u32)>, ops: &mut Vec<BinOp>) {
        let (Some((_, right, r)), Some((l, left, _)), Some(op)) = (operands.pop(), operands.pop(), ops.pop()) else {
            unreachable!("a chain has one more operand than operators")
        };
        operands.push((l, binop(l, left, op, right, r), r));
    }
    let mut operands = Vec::with_capacity(rest.len() + 1);
    let mut ops: Vec<BinOp> = Vec::with_capacity(rest.len());
    operands.push(first);
    for (op, l, operand, r) in rest {
        while ops.last().is_some_and(|&top| precedence(top) >= precedence(op)) {
            fold(&mut operands, &mut ops);
        }
        ops.push(op);
        operands.push((l, operand, r));
    }
    while !ops.is_empty() {
        fold(&mut operands, &mut ops);
    }
    operands.pop().expect("a chain has an operand").1
}

/// Folds `a and b or c and d` (operands with their spans) into `BoolOp`
/// nodes: `and` binds tighter than `or`, and a run of one operator is one
/// node with many values.
pub(super) fn bool_chain(first: (u32, Expr, u32), rest: Vec<(BoolOp, u32, Expr, u32)>) -> Expr {
    fn join(op: BoolOp, mut values: Vec<(u32, Expr, u32)>) -> (u32, Expr, u32) {
        if values.len() == 1 {
            return values.pop().expect("checked: one value");
        }
        let (l, r) = (values[0].0, values[values.len() - 1].2);
        let values = values.into_iter().map(|(_, e, _)| e).collect();
        (l, expr(l, ExprKind::BoolOp { op, values }, r), r)
    }
    let mut or_values = Vec::new();
    let mut and_values = vec![first];
    for (op, l, operand, r) in rest {
        if op == BoolOp::Or {
            or_values.push(join(BoolOp::And, std::mem::take(&mut and_values)));
        }
        and_values.push((l, operand, r));
    }
    or_values.push(join(BoolOp::And, and_values));
    join(BoolOp::Or, or_values).1
}

/// Adjacent string literals joined into one constant or f-string.
pub(super) fn strings(ctx: &mut Ctx<'_>, l: u32, pieces: Vec<(u32, StrLit, u32)>, r: u32) -> Expr {
    let span = Span::new(l, r);
    let kinds: Vec<StrKind> = pieces.iter().map(|(_, s, _)| s.kind).collect();
    let has_bytes = kinds.contains(&StrKind::Bytes);
    if has_bytes && kinds.iter().any(|k| *k != StrKind::Bytes) {
        ctx.diagnostics.push(
            Diagnostic::new(Code::E1001, span, "cannot mix bytes and non-bytes literals")
                .label("bytes and text literals are joined here")
                .help("make every piece a bytes literal (`b\"...\"`) or none"),
        );
        return Expr::new(ExprKind::Error, span);
    }
    if pieces.len() == 1 && kinds[0] != StrKind::FString {
        let (_, piece, _) = pieces.into_iter().next().expect("checked: one piece");
        let constant = if has_bytes { Literal::Bytes(piece.value) } else { Literal::Str(piece.value) };
        return Expr::new(ExprKind::Literal(constant), span);
    }
    if kinds.contains(&StrKind::FString) {
        let mut parts: Vec<FStringPart> = Vec::new();
        for (_, piece, _) in pieces {
            if piece.kind == StrKind::FString {
                parts.extend(piece.parts);
            } else {
                parts.push(FStringPart::Literal(piece.value));
            }
        }
        return Expr::new(ExprKind::FString(merge_literals(ctx, parts)), span);
    }
    let joined: String = pieces.iter().map(|(_, s, _)| ctx.interner.resolve(s.value)).collect();
    let value = ctx.interner.intern(&joined);
    let constant = if has_bytes { Literal::Bytes(value) } else { Literal::Str(value) };
    Expr::new(ExprKind::Literal(constant), span)
}

fn merge_literals(ctx: &mut Ctx<'_>, parts: Vec<FStringPart>) -> Vec<FStringPart> {
    let mut out: Vec<FStringPart> = Vec::with_capacity(parts.len());
    for part in parts {
        match (out.last_mut(), part) {
            (Some(FStringPart::Literal(prev)), FStringPart::Literal(next)) => {
                let joined = format!("{}{}", ctx.interner.resolve(*prev), ctx.interner.resolve(next));
                *prev = ctx.interner.intern(&joined);
            }
            (_, part) => out.push(part),
        }
    }
    out
}

/// One entry of a parameter list as written, before kinds are assigned.
pub enum ParamItem {
    /// `name: annotation = default`.
    Plain(Box<Param>),
    /// `*` or `*args: annotation`.
    Star(Span, Option<Box<Param>>),
    /// `**kwargs: annotation`.
    DoubleStar(Box<Param>),
    /// `/`.
    Slash(Span),
}

/// Assigns parameter kinds and reports what Python rejects: a parameter
/// without default after one with a default, a repeated name, a bare `*`
/// with nothing after it, anything after `**kwargs`, a misplaced `/`.
pub(super) fn params(ctx: &mut Ctx<'_>, items: Vec<ParamItem>) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::with_capacity(items.len());
    let mut seen_star: Option<Span> = None;
    let mut bare_star: Option<Span> = None;
    let mut seen_double_star: Option<Span> = None;
    let mut seen_slash = false;
    let mut default_seen: Option<Span> = None;
    let error = |ctx: &mut Ctx<'_>, d: Diagnostic| ctx.diagnostics.push(d);
    for item in items {
        if let Some(kw) = seen_double_star {
            let at = match &item {
                ParamItem::Plain(p) | ParamItem::DoubleStar(p) | ParamItem::Star(_, Some(p)) => p.span,
                ParamItem::Star(s, None) | ParamItem::Slash(s) => *s,
            };
            error(
                ctx,
                Diagnostic::new(Code::E1013, at, "parameters cannot follow `**` parameters")
                    .label("this comes after the `**` parameter")
                    .secondary(kw, "the `**` parameter must be the last one"),
            );
            continue;
        }
        match item {
            ParamItem::Slash(s) => {
                if seen_slash || seen_star.is_some() || out.is_empty() {
                    error(
                        ctx,
                        Diagnostic::new(
                            Code::E1013,
                            s,
                            "`/` must come once, after at least one parameter and before `*`",
                        )
                        .label("misplaced `/`"),
                    );
                } else {
                    seen_slash = true;
                    for p in &mut out {
                        p.kind = ParamKind::PositionalOnly;
                    }
                }
            }
            ParamItem::Star(s, p) => {
                if let Some(first) = seen_star {
                    error(
                        ctx,
                        Diagnostic::new(Code::E1013, s, "`*` may appear only once in a parameter list")
                            .label("second `*`")
                            .secondary(first, "first `*` here"),
                    );
                }
                seen_star = Some(s);
                match p {
                    Some(mut p) => {
                        p.kind = ParamKind::VarPositional;
                        out.push(*p);
                    }
                    None => bare_star = Some(s),
                }
            }
            ParamItem::DoubleStar(mut p) => {
                p.kind = ParamKind::VarKeyword;
                seen_double_star = Some(p.span);
                out.push(*p);
            }
            ParamItem::Plain(mut p) => {
                if seen_star.is_some() {
                    p.kind = ParamKind::KeywordOnly;
                    bare_star = None;
                } else if let Some(first_default) = default_seen.filter(|_| p.default.is_none()) {
                    error(
                        ctx,
                        Diagnostic::new(
                            Code::E1013,
                            p.span,
                            "parameter without a default follows parameter with a default",
                        )
                        .label("this parameter needs a default value")
                        .secondary(first_default, "parameter with a default here"),
                    );
                }
                if p.default.is_some() && seen_star.is_none() && default_seen.is_none() {
                    default_seen = Some(p.span);
                }
                out.push(*p);
            }
        }
    }
    if let Some(s) = bare_star {
        error(
            ctx,
            Diagnostic::new(Code::E1013, s, "named arguments must follow bare `*`")
                .label("`*` with no keyword-only parameter after it"),
        );
    }
    let mut names: Vec<(crate::syntax::intern::Symbol, Span)> = Vec::new();
    for p in &out {
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == p.name.name) {
            let name = ctx.interner.resolve(p.name.name).to_string();
            ctx.diagnostics.push(
                Diagnostic::new(Code::E1013, p.name.span, format!("duplicate parameter `{name}`"))
                    .label("used again here")
                    .secondary(*first, "first used here"),
            );
        } else {
            names.push((p.name.name, p.name.span));
        }
    }
    out
}

pub(super) fn param(l: u32, name: Ident, annotation: Option<Expr>, default: Option<Expr>, r: u32) -> Box<Param> {
    Box::new(Param { kind: ParamKind::Normal, name, annotation, default, span: Span::new(l, r) })
}

/// `if a: ... elif b: ... else: ...` as nested `If`s.
pub(super) fn if_chain(
    l: u32,
    test: Expr,
    body: Vec<Stmt>,
    elifs: Vec<(u32, Expr, Vec<Stmt>)>,
    orelse: Option<Vec<Stmt>>,
    r: u32,
) -> Box<Stmt> {
    let mut tail = orelse.unwrap_or_default();
    for (el, test, body) in elifs.into_iter().rev() {
        let end = tail.last().map_or_else(|| body.last().map_or(test.span.end, |s| s.span.end), |s| s.span.end);
        tail = vec![*stmt(el, StmtKind::If { test, body, orelse: tail }, end)];
    }
    stmt(l, StmtKind::If { test, body, orelse: tail }, r)
}

/// Where a compound statement ends: with the last statement of its last
/// block, not at the DEDENT after it (which sits at the next statement).
pub(super) fn block_end(fallback: u32, blocks: &[&[Stmt]]) -> u32 {
    blocks.iter().rev().find_map(|b| b.last()).map_or(fallback, |s| s.span.end)
}
