//! What TorchScript's frontend rejects before any typing: Python syntax it
//! has no IR for. Messages are PyTorch's, so users find them by search.

use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::source::Span;
use crate::syntax::ast::*;

use super::{Unit, each_statement, for_each_expression};

pub(super) fn check(host: &Host<'_>, unit: &Unit) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let def = &unit.def;
    if def.is_async {
        out.push(
            Diagnostic::new(Code::E3001, def.name.span, "async function definitions aren't supported")
                .label("TorchScript compiles only plain `def` functions")
                .note("PyTorch 2.5.1 reports this as \"Expected a single top-level function\""),
        );
    }
    for param in &def.params {
        let variadic = matches!(param.kind, ParamKind::VarPositional | ParamKind::VarKeyword);
        let keyword_only = param.kind == ParamKind::KeywordOnly && param.default.is_some();
        if variadic || keyword_only {
            out.push(
                Diagnostic::new(
                    Code::E3002,
                    param.span,
                    "Compiled functions can't take variable number of arguments or use keyword-only arguments with defaults",
                )
                .label(if variadic { "variable number of arguments" } else { "keyword-only argument with a default" })
                .help("declare each argument explicitly, as an ordinary parameter"),
            );
        }
        if let Some(default) = &param.default
            && matches!(
                default.kind,
                ExprKind::List(_)
                    | ExprKind::Dict(_)
                    | ExprKind::Set(_)
                    | ExprKind::ListComp { .. }
                    | ExprKind::DictComp { .. }
            )
        {
            out.push(
                Diagnostic::new(
                    Code::E3001,
                    default.span,
                    "Mutable default parameters are not supported because Python binds them to the function and they persist across function calls.",
                )
                .label("a list or dict made once, when `def` runs")
                .help("default to `None` and make the value in the body: `if x is None: x = [...]`"),
            );
        }
    }
    each_statement(host, unit, &def.body, &mut |stmt| statement(host, stmt, &mut out));
    out
}

/// The span of a statement's leading keyword (`def`, `try`, `import`).
fn keyword(stmt: &Stmt, word: &str) -> Span {
    Span::new(stmt.span.start, stmt.span.start + word.len() as u32)
}

fn unsupported(span: Span, what: &str, label: &str, help: &str) -> Diagnostic {
    Diagnostic::new(Code::E3001, span, format!("{what} aren't supported"))
        .label(label.to_string())
        .help(help.to_string())
}

fn statement(host: &Host<'_>, stmt: &Stmt, out: &mut Vec<Diagnostic>) {
    match &stmt.kind {
        StmtKind::FunctionDef(def) => {
            let start = def.decorators.last().map_or(stmt.span.start, |d| d.span.end);
            let at = Span::new(start, start).to(def.name.span);
            out.push(unsupported(
                at,
                "function definitions",
                "a function defined inside compiled code",
                "define it as a method or a module-level function and call that",
            ));
            return;
        }
        StmtKind::ClassDef(_) => out.push(unsupported(
            keyword(stmt, "class"),
            "class definitions",
            "a class defined inside compiled code",
            "define the class at module level",
        )),
        StmtKind::Try { .. } => out.push(unsupported(
            keyword(stmt, "try"),
            "try blocks",
            "exceptions cannot be caught in TorchScript",
            "check the condition before the operation instead of catching its error",
        )),
        StmtKind::Global(_) => out.push(unsupported(
            keyword(stmt, "global"),
            "global variables",
            "compiled code cannot rebind module-level names",
            "keep the state on the module (`self.x`)",
        )),
        StmtKind::Nonlocal(_) => out.push(unsupported(
            keyword(stmt, "nonlocal"),
            "nonlocal variables",
            "compiled code has no nested scopes",
            "keep the state on the module (`self.x`)",
        )),
        StmtKind::Import(_) | StmtKind::ImportFrom { .. } => {
            let word = if matches!(stmt.kind, StmtKind::Import(_)) { "import" } else { "from" };
            out.push(unsupported(
                keyword(stmt, word),
                "import statements",
                "imports inside compiled code",
                "import at module level",
            ));
        }
        StmtKind::For { orelse, .. } if !orelse.is_empty() => out.push(
            Diagnostic::new(Code::E3003, keyword(stmt, "for"), "else branches of for loops aren't supported")
                .label("this loop has an `else` branch")
                .help("set a flag before `break` and test it after the loop"),
        ),
        StmtKind::While { orelse, .. } if !orelse.is_empty() => out.push(
            Diagnostic::new(Code::E3003, keyword(stmt, "while"), "else branches of while loops aren't supported")
                .label("this loop has an `else` branch")
                .note("PyTorch 2.5.1 fails here with an unrelated TypeError (`incompatible constructor arguments`)")
                .help("set a flag before `break` and test it after the loop"),
        ),
        _ => {}
    }
    // Expressions of this statement (nested blocks are visited on their own).
    for_each_expression(stmt, &mut |e| expression(host, e, out));
}

fn expression(host: &Host<'_>, e: &Expr, out: &mut Vec<Diagnostic>) {
    let node_name = match &e.kind {
        ExprKind::Lambda { .. } => Some(("Lambda", "a lambda", "define a method and call it")),
        ExprKind::Set(_) => Some(("Set", "a set literal", "use a list, or a dict with `bool` values")),
        ExprKind::SetComp { .. } => Some(("SetComp", "a set comprehension", "use a list comprehension")),
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => {
            Some(("Yield", "a generator", "build and return a list instead of yielding"))
        }
        ExprKind::Await(_) => Some(("Await", "an await expression", "call the function directly")),
        ExprKind::NamedExpr { .. } => {
            Some(("NamedExpr", "an assignment expression", "assign in a statement of its own"))
        }
        _ => None,
    };
    if let Some((name, label, help)) = node_name {
        let at = Span::new(e.span.start, (e.span.start + 1).min(e.span.end.max(e.span.start + 1)));
        out.push(unsupported(at, name, label, help));
        return;
    }
    match &e.kind {
        ExprKind::ListComp { generators, .. }
        | ExprKind::DictComp { generators, .. }
        | ExprKind::GeneratorExp { generators, .. } => {
            for generator in generators {
                if let Some(condition) = generator.ifs.first() {
                    out.push(
                        Diagnostic::new(Code::E3004, condition.span, "Comprehension ifs are not supported yet")
                            .label("this `if` filters the comprehension")
                            .help("write the loop out: `for` with an `if` and `append`"),
                    );
                }
            }
        }
        ExprKind::Dict(items) => {
            for item in items {
                if let DictItem::Unpack(value) = item {
                    out.push(
                        Diagnostic::new(Code::E3005, value.span, "Dict expansion (e.g. `{**dict}`) is not supported")
                            .label("expanded here")
                            .help("copy the entries with a loop or `update`"),
                    );
                }
            }
        }
        ExprKind::Call { func, args } => {
            for arg in args {
                if let ArgKind::DoubleStarred(_) = arg.kind {
                    out.push(
                        Diagnostic::new(Code::E3005, arg.span, "keyword-arg expansion is not supported")
                            .label("keyword arguments expanded from a dict")
                            .help("pass each keyword argument explicitly"),
                    );
                }
            }
            if let ExprKind::Name(name) = func.kind {
                match host.name(name) {
                    "open" => out.push(
                        Diagnostic::new(
                            Code::E3008,
                            func.span,
                            "Python builtin <built-in function open> is currently not supported in Torchscript",
                        )
                        .label("compiled code cannot open files")
                        .help("read files outside the model and pass the data in"),
                    ),
                    "getattr" if !args.get(1).is_some_and(is_string_literal) => out.push(
                        Diagnostic::new(Code::E3009, e.span, "getattr's second argument must be a string literal")
                            .label("the attribute name is only known at run time")
                            .help("name the attribute directly, or keep the candidates in an `nn.ModuleDict`"),
                    ),
                    _ => {}
                }
            }
        }
        ExprKind::FString(parts) => {
            let fields = || parts.iter().filter_map(|p| if let FStringPart::Field(f) = p { Some(f) } else { None });
            if let Some(field) = fields().find(|f| f.conversion.is_some()) {
                out.push(
                    Diagnostic::new(Code::E3006, field.span, "Don't support conversion in JoinedStr")
                        .label("an f-string field with a `!` conversion")
                        .help("drop the conversion: `f\"{v}\"`"),
                );
            } else if let Some(field) = fields().find(|f| !f.spec.is_empty()) {
                out.push(
                    Diagnostic::new(Code::E3006, field.span, "Don't support formatting in JoinedStr")
                        .label("an f-string field with a format spec")
                        .note("`str.format` compiles but ignores format specs in TorchScript")
                        .help("drop the format spec (`f\"{v}\"`), or format the number outside the model"),
                );
            }
        }
        ExprKind::Literal(Literal::Bytes(_)) => out.push(
            Diagnostic::new(Code::E3007, e.span, "Unknown Constant expression type")
                .label("a bytes literal")
                .help("TorchScript has no bytes type; use a `str`"),
        ),
        _ => {}
    }
}

fn is_string_literal(arg: &Arg) -> bool {
    matches!(&arg.kind, ArgKind::Positional(e) if matches!(e.kind, ExprKind::Literal(Literal::Str(_))))
}
