//! The recipe's documented scripting errors, found from names alone:
//! a global Python value used in compiled code (PyTorch: "python value of
//! type ... cannot be used as a value"), an attribute read from a global
//! object ("attribute lookup is not defined on python value of type ..."),
//! `range` over a parameter that is inferred as Tensor, and undefined names.
//! PyTorch's wording is the message; the labels and helps say what PyTorch
//! does not: where the global is defined and how the recipe fixes it.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::diag::{Applicability, Code, Diagnostic};
use crate::host::eval::Host;
use crate::host::value::Value;
use crate::source::Span;
use crate::syntax::Symbol;
use crate::syntax::ast::*;
use crate::syntax::visit::{Node, walk};

use super::{Unit, each_statement, each_target_name, for_each_expression};

/// Names TorchScript resolves as builtins even where the host has none.
const TORCHSCRIPT_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bin",
    "bool",
    "chr",
    "complex",
    "dict",
    "divmod",
    "enumerate",
    "float",
    "getattr",
    "hasattr",
    "hash",
    "hex",
    "id",
    "int",
    "isinstance",
    "len",
    "list",
    "max",
    "min",
    "oct",
    "ord",
    "pow",
    "print",
    "range",
    "reversed",
    "round",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "iter",
    "next",
    "slice",
    "super",
    "type",
];

/// The name of the submodule of the unit's module that holds `global`
/// traced (`self.decoder = torch.jit.trace(decoder, ...)`), if one does.
fn traced_copy_held(unit: &Unit, global: &Value) -> Option<String> {
    let Value::Instance(global) = global else { return None };
    let owner = unit.owner.as_ref()?;
    let state = owner.module.borrow();
    state.as_ref()?.modules.entries().into_iter().find_map(|(name, m)| match m {
        Value::Entry(e)
            if e.kind == crate::host::value::EntryKind::Trace
                && matches!(&e.target, Value::Instance(i) if Rc::ptr_eq(i, global)) =>
        {
            Some(name)
        }
        _ => None,
    })
}

pub(super) fn check(host: &mut Host<'_>, unit: &Unit) -> Vec<Diagnostic> {
    let def = &unit.def;
    let locals = local_names(def);
    let is_method = unit.owner.is_some();
    let mut out = Vec::new();

    // Each global reported once, at its first use; later uses as labels.
    let mut uses: Vec<(Symbol, Span, Option<&Ident>)> = Vec::new();
    let mut undefined: HashMap<Symbol, Span> = HashMap::new();
    let stores = store_spans(def);
    let mut expressions = Vec::new();
    each_statement(host, unit, &def.body, &mut |stmt| for_each_expression(stmt, &mut |e| expressions.push(e)));
    // A local's annotation names a type, not a value (type_names.rs).
    let mut annotations = Vec::new();
    each_statement(host, unit, &def.body, &mut |stmt| {
        if let StmtKind::AnnAssign { annotation, .. } = &stmt.kind {
            annotations.push(annotation.span);
        }
    });
    expressions.retain(|e| !annotations.iter().any(|a| a.start <= e.span.start && e.span.end <= a.end));
    {
        for &e in &expressions {
            match &e.kind {
                ExprKind::Attribute { value, attr } => {
                    if let ExprKind::Name(name) = value.kind
                        && !locals.contains(&name)
                    {
                        uses.push((name, value.span, Some(attr)));
                    }
                }
                ExprKind::Name(name) if !locals.contains(name) && !stores.contains(&e.span) => {
                    uses.push((*name, e.span, None));
                }
                _ => {}
            }
        }
    }
    // A name used as the object of an attribute is seen twice (as the
    // Attribute and as its Name child): keep the attribute use.
    let attribute_objects: HashSet<Span> = uses.iter().filter(|u| u.2.is_some()).map(|u| u.1).collect();
    uses.retain(|u| u.2.is_some() || !attribute_objects.contains(&u.1));
    uses.sort_by_key(|u| u.1.start);

    let mut reported: HashMap<Symbol, usize> = HashMap::new();
    // Each global's uses, for the fix that stores it on `self`.
    let mut uses_of: HashMap<Symbol, Vec<Span>> = HashMap::new();
    for (name, span, attr) in uses {
        uses_of.entry(name).or_default().push(span);
        let value = unit.globals.attrs.borrow().get(&name).cloned();
        let text = host.name(name).to_string();
        let Some(value) = value else {
            let known =
                host.builtins.attrs.borrow().contains_key(&name) || TORCHSCRIPT_BUILTINS.contains(&text.as_str());
            if !known {
                undefined.entry(name).or_insert(span);
            }
            continue;
        };
        if let Some(&index) = reported.get(&name) {
            let d: &mut Diagnostic = &mut out[index];
            d.secondary.push(crate::diag::Label { span, message: format!("`{text}` is also used here") });
            continue;
        }
        let diagnostic = match (attr, &value) {
            // A scripted module read at all (`decoder(x)`, `decoder.forward(x)`);
            // a scripted function is fine to call.
            (_, Value::Entry(e)) if matches!(e.target, Value::Instance(_)) => Some(
                Diagnostic::new(Code::E2005, attr.map_or(span, |a| span.to(a.span)), "Cannot call a ScriptModule that is not a submodule of the caller")
                    .label(format!("`{text}` is a scripted module at module level, not a submodule"))
                    .help(format!("pass `{text}` to the constructor and store it on `self` (`self.{text} = {text}`), then use `self.{text}`")),
            ),
            (Some(attr), v) if is_python_value(v) => {
                let type_name = v.type_name();
                let attr_text = host.name(attr.name).to_string();
                let stored = format!("{text}_{attr_text}");
                let mut d = Diagnostic::new(
                    Code::E2002,
                    span.to(attr.span),
                    format!("attribute lookup is not defined on python value of type '{type_name}'"),
                )
                .label(format!("`{text}` is a global `{type_name}`; compiled code cannot read its attributes"))
                .note("compiled code sees a module-level object as a Python value, whose attributes it cannot read");
                if let Some(held) = traced_copy_held(unit, &value) {
                    d = d.note(format!(
                        "`self.{held}` would not do either: it holds `{text}` traced, and a traced module keeps only its parameters, buffers and submodules"
                    ));
                }
                Some(d.help(if is_method {
                    format!(
                        "pass `{text}.{attr_text}` to the constructor (`{stored}`), store it on `self` (`self._{stored} = {stored}`), then read `self._{stored}`"
                    )
                } else {
                    format!("pass `{text}.{attr_text}` in as an argument")
                }))
            }
            (None, v) if is_python_value(v) => {
                let type_name = v.type_name();
                let d = Diagnostic::new(
                    Code::E2001,
                    span,
                    format!(
                        "python value of type '{type_name}' cannot be used as a value. Perhaps it is a closed over global variable? If so, please consider passing it in as an argument or use a local variable instead."
                    ),
                )
                .label(format!("`{text}` is a global `{type_name}`"));
                Some(if is_method {
                    d.note("TorchScript does not inline module-level values into compiled code")
                        .help(format!("store it on the module in `__init__`: `self._{text} = {text}`"))
                        .suggest(
                            "and use the attribute here".to_string(),
                            span,
                            format!("self._{text}"),
                            Applicability::MaybeIncorrect,
                        )
                } else {
                    d.help(format!("pass `{text}` in as an argument"))
                })
            }
            _ => None,
        };
        if let Some(mut d) = diagnostic {
            if let Some(&defined) = host.definitions.get(&(std::rc::Rc::as_ptr(&unit.globals), name)) {
                d = d.secondary(defined, format!("`{text}` is assigned here, at module level"));
            }
            reported.insert(name, out.len());
            out.push(d);
        }
    }
    for (name, index) in reported {
        let d = &mut out[index];
        let value = unit.globals.attrs.borrow().get(&name).cloned();
        if d.code != Code::E2001 || d.suggestions.len() != 1 {
            continue;
        }
        let fix = value.and_then(|v| super::global_fix::store_on_self(host, unit, name, &v, &uses_of[&name]));
        if let Some((first, also)) = fix {
            let suggestion = &mut d.suggestions[0];
            (suggestion.span, suggestion.replacement) = (first.span, first.replacement);
            suggestion.also = also;
            suggestion.applicability = Applicability::MachineApplicable;
        }
    }
    let mut undefined: Vec<(Symbol, Span)> = undefined.into_iter().collect();
    undefined.sort_by_key(|(_, span)| span.start);
    for (name, span) in undefined {
        let text = host.name(name).to_string();
        out.push(
            Diagnostic::new(Code::E2004, span, format!("undefined value {text}"))
                .label(format!("`{text}` is not defined")),
        );
    }
    out.extend(range_arguments(host, def, &expressions));
    out
}

/// Global values TorchScript cannot use: numbers, strings, devices,
/// containers, and objects that are not modules, classes or functions.
fn is_python_value(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::Str(_)
            | Value::Device(_)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Instance(_)
    )
}

/// Names a function binds: parameters and every assignment target, loop
/// variable, `with ... as` and comprehension variable in its body.
pub(super) fn local_names(def: &FunctionDef) -> HashSet<Symbol> {
    let mut names: HashSet<Symbol> = def.params.iter().map(|p| p.name.name).collect();
    for stmt in &def.body {
        walk(Node::Stmt(stmt), &mut |node| {
            let mut targets: Vec<&Expr> = Vec::new();
            let mut bound: Vec<Symbol> = Vec::new();
            match node {
                Node::Stmt(s) => match &s.kind {
                    StmtKind::Assign { targets: ts, .. } => targets.extend(ts),
                    StmtKind::AugAssign { target, .. }
                    | StmtKind::AnnAssign { target, .. }
                    | StmtKind::For { target, .. } => targets.push(target),
                    StmtKind::FunctionDef(d) => bound.push(d.name.name),
                    StmtKind::ClassDef(d) => bound.push(d.name.name),
                    StmtKind::Import(aliases) | StmtKind::ImportFrom { names: aliases, .. } => {
                        bound.extend(aliases.iter().map(|a| a.asname.unwrap_or(a.name.parts[0]).name));
                    }
                    _ => {}
                },
                Node::WithItem(w) => targets.extend(&w.target),
                Node::Comprehension(c) => targets.push(&c.target),
                Node::Handler(h) => bound.extend(h.name.map(|n| n.name)),
                Node::Expr(e) => match &e.kind {
                    ExprKind::NamedExpr { target, .. } => bound.push(target.name),
                    // Rejected on their own (E3001); their parameters are not globals.
                    ExprKind::Lambda { params, .. } => bound.extend(params.iter().map(|p| p.name.name)),
                    _ => {}
                },
                _ => {}
            }
            for target in targets {
                each_target_name(target, &mut |e| {
                    if let ExprKind::Name(n) = e.kind {
                        names.insert(n);
                    }
                });
            }
            names.extend(bound);
        });
    }
    names
}

/// Spans of names that are assigned to (not read).
fn store_spans(def: &FunctionDef) -> HashSet<Span> {
    let mut spans = HashSet::new();
    let mut add = |e: &Expr| {
        spans.insert(e.span);
    };
    for stmt in &def.body {
        walk(Node::Stmt(stmt), &mut |node| match node {
            Node::Stmt(s) => match &s.kind {
                StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| each_target_name(t, &mut add)),
                StmtKind::AnnAssign { target, .. } | StmtKind::For { target, .. } => each_target_name(target, &mut add),
                _ => {}
            },
            Node::WithItem(w) => {
                if let Some(t) = &w.target {
                    each_target_name(t, &mut add);
                }
            }
            Node::Comprehension(c) => each_target_name(&c.target, &mut add),
            _ => {}
        });
    }
    spans
}

/// `range(n)` where `n` is a parameter TorchScript types as Tensor (no
/// annotation) or float: PyTorch's "all inputs of range must be ints".
fn range_arguments(host: &Host<'_>, def: &FunctionDef, expressions: &[&Expr]) -> Vec<Diagnostic> {
    let reassigned = assigned_names(def);
    let mut out = Vec::new();
    for &e in expressions {
        {
            let ExprKind::Call { func, args } = &e.kind else { continue };
            if !matches!(func.kind, ExprKind::Name(n) if host.name(n) == "range") {
                continue;
            }
            for (index, arg) in args.iter().enumerate() {
                let ArgKind::Positional(value) = &arg.kind else { continue };
                let ExprKind::Name(name) = value.kind else { continue };
                if reassigned.contains(&name) {
                    continue;
                }
                let Some((position, param)) = def.params.iter().enumerate().find(|(_, p)| p.name.name == name) else {
                    continue;
                };
                if position == 0 && host.name(name) == "self" {
                    continue;
                }
                let text = host.name(name).to_string();
                let found = match &param.annotation {
                    None => "Tensor (inferred)",
                    Some(a) if matches!(a.kind, ExprKind::Name(n) if host.name(n) == "float") => "float",
                    Some(_) => continue,
                };
                let mut d = Diagnostic::new(
                    Code::E2003,
                    e.span,
                    format!("all inputs of range must be ints, found {found} in argument {index}"),
                )
                .label(format!("`{text}` is a {} here", if param.annotation.is_none() { "Tensor" } else { "float" }))
                .note(if param.annotation.is_none() {
                    "TorchScript types every parameter without an annotation as a Tensor"
                } else {
                    "`range` takes ints only"
                });
                d = match &param.annotation {
                    None => d
                        .secondary(
                            param.name.span,
                            format!("`{text}` has no annotation, so it is inferred as `Tensor`"),
                        )
                        .suggest(
                            format!("annotate `{text}` as an int"),
                            Span::point(param.name.span.end),
                            ": int",
                            Applicability::MachineApplicable,
                        ),
                    Some(annotation) => d.secondary(annotation.span, format!("`{text}` is annotated `float`")).suggest(
                        format!("annotate `{text}` as an int"),
                        annotation.span,
                        "int",
                        Applicability::MaybeIncorrect,
                    ),
                };
                out.push(d);
            }
        }
    }
    out
}

/// Parameters assigned in the body (their type may change there).
fn assigned_names(def: &FunctionDef) -> HashSet<Symbol> {
    let params: HashSet<Symbol> = def.params.iter().map(|p| p.name.name).collect();
    let stores = store_spans(def);
    let mut out = HashSet::new();
    for stmt in &def.body {
        walk(Node::Stmt(stmt), &mut |node| {
            if let Node::Expr(e) = node
                && let ExprKind::Name(n) = e.kind
                && stores.contains(&e.span)
                && params.contains(&n)
            {
                out.insert(n);
            }
        });
    }
    out
}
