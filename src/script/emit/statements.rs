//! Statements: returns and raises, assignment and unpacking, asserts.

use super::*;
use crate::ops::{OpKind, op};

impl<'u, 'h, 'a> Emitter<'u, 'h, 'a> {
    /// Emits statements in the current block. An `if` whose branches return
    /// takes the rest of the statements into its other branch, so every
    /// return becomes an output of the `prim::If` that contains it.
    pub(super) fn statements(&mut self, body: &[Stmt]) -> Result<Completion, Stop> {
        for (i, stmt) in body.iter().enumerate() {
            self.current = stmt.span;
            match &stmt.kind {
                StmtKind::Return(value) => {
                    let v = match value {
                        Some(e) => {
                            // A return annotation types what is returned, as
                            // an annotated assignment does (one this compiler
                            // cannot read still counts as a hint).
                            self.type_hint = match &self.return_annotation {
                                Some(t) => Some(t.clone()),
                                None => self.unit.def.returns.as_ref().map(|_| Type::Any),
                            };
                            self.value(e)
                        }
                        None => self.constant(Constant::None, None),
                    };
                    let v = self.check_return(v, stmt.span);
                    if self.return_exits {
                        return Ok(self.return_exit(v, stmt.span));
                    }
                    return Ok(Completion::Returns(v));
                }
                StmtKind::Break => return self.loop_exit(true, stmt.span),
                StmtKind::Continue => return self.loop_exit(false, stmt.span),
                StmtKind::Raise { exc, cause: None } => {
                    self.raise(exc.as_ref(), stmt.span)?;
                    return Ok(Completion::Raises);
                }
                StmtKind::If { test, body: then, orelse } => {
                    let known = super::super::static_condition(self.host, self.unit, test)
                        .or_else(|| self.static_none_test(test));
                    // A condition that folds to a constant (`self.padding_mode != "zeros"`
                    // on a constant attribute) is decided too, as PyTorch's
                    // constant propagation decides it.
                    let cond = match known {
                        Some(_) => None,
                        None => Some(self.condition(test)),
                    };
                    let known = known.or_else(|| cond.and_then(|c| self.constant_bool(c)));
                    if let Some(known) = known {
                        let taken: Vec<Stmt> = if known { then.clone() } else { orelse.clone() };
                        let mut rest = taken;
                        rest.extend_from_slice(&body[i + 1..]);
                        return self.statements(&rest);
                    }
                    if !self.return_exits && (returns_somewhere(then) || returns_somewhere(orelse)) {
                        let mut other_then = then.clone();
                        let mut other_else = orelse.clone();
                        if !always_returns(then) {
                            other_then.extend_from_slice(&body[i + 1..]);
                        }
                        if !always_returns(orelse) {
                            other_else.extend_from_slice(&body[i + 1..]);
                        }
                        let cond = cond.expect("computed when not static");
                        let refinements = self.refinements(test);
                        return self.returning_if(cond, &refinements, &other_then, &other_else, stmt.span);
                    }
                    let cond = cond.expect("computed when not static");
                    if self.if_statement(test, cond, then, orelse, stmt.span)? {
                        // Both branches leave the block.
                        return Ok(Completion::Exits);
                    }
                }
                _ => self.statement(stmt)?,
            }
        }
        Ok(Completion::Falls)
    }

    /// `x is None` / `x is not None` where `x` is a local that cannot be
    /// None (a Tensor parameter with a None default): decided statically.
    pub(super) fn static_none_test(&self, test: &Expr) -> Option<bool> {
        let ExprKind::Compare { left, comparisons } = &test.kind else { return None };
        let [(op, right)] = comparisons.as_slice() else { return None };
        if !matches!(right.kind, ExprKind::Literal(Literal::None)) {
            return None;
        }
        let ExprKind::Name(name) = left.kind else { return None };
        let ty = self.ty(self.lookup(name)?);
        if matches!(ty, Type::Optional(_) | Type::None | Type::Any) {
            return None;
        }
        match op {
            CmpOp::Is => Some(false),
            CmpOp::IsNot => Some(true),
            _ => None,
        }
    }

    pub(super) fn check_return(&mut self, v: ValueId, span: Span) -> ValueId {
        let Some(annotated) = self.return_annotation.clone() else { return v };
        let actual = self.ty(v);
        match matching::convert(&actual, &annotated, None, &mut HashMap::new()) {
            Some(Conversion::None) => v,
            Some(Conversion::TensorTo(t)) => self.tensor_to(v, &t, span),
            _ => {
                let actual = self.type_text(v);
                self.error(
                    Diagnostic::new(
                        Code::E2009,
                        span,
                        format!(
                            "Return value was annotated as having type {annotated} but is actually of type {actual}"
                        ),
                    )
                    .label(format!("this returns a `{actual}`")),
                )
            }
        }
    }

    pub(super) fn statement(&mut self, stmt: &Stmt) -> Result<(), Stop> {
        match &stmt.kind {
            StmtKind::Expr(e) => {
                if !matches!(e.kind, ExprKind::Literal(Literal::Str(_))) {
                    self.expr(e);
                }
            }
            StmtKind::Pass => {}
            StmtKind::Assign { targets, value } => {
                let sugar = self.expr(value);
                // `fn = double`: a name for something that is no value (a
                // function, an operator, a module of names).
                if let [Expr { kind: ExprKind::Name(name), .. }] = targets.as_slice()
                    && matches!(
                        sugar,
                        Sugar::Function(_)
                            | Sugar::Aten(_)
                            | Sugar::Builtin(_)
                            | Sugar::Namespace(_)
                            | Sugar::ModuleClass(_)
                    )
                {
                    self.aliases.insert(*name, sugar);
                    return Ok(());
                }
                let v = self.materialize(sugar, value.span);
                let unnamed = self.graph.value(v).name.is_none();
                for target in targets {
                    self.assign(target, v, stmt.span);
                }
                // `a = b = x * 2`: PyTorch names neither (its `.code` writes `_0`).
                if targets.len() > 1 && unnamed {
                    self.graph.value_mut(v).name = None;
                }
            }
            StmtKind::AnnAssign { target, annotation, value } => {
                let Some(value) = value else { return Ok(()) };
                // A block's annotation declares a variable of that block; one
                // of an enclosing block keeps its type (PyTorch's
                // `findInParentFrame`).
                let depth = self.scopes.len();
                if let ExprKind::Name(n) = target.kind
                    && !self.scopes[depth - 1].contains_key(&n)
                    && self.scopes[..depth - 1].iter().any(|scope| scope.contains_key(&n))
                {
                    let text = self.host.name(n).to_string();
                    self.error(
                        Diagnostic::new(
                            Code::E2006,
                            stmt.span,
                            format!("Attempting to declare and annotate the type of variable '{text}' but it is already defined in an outer block"),
                        )
                        .label(format!("`{text}` already has a type, from before this block"))
                        .help(format!("annotate `{text}` where it is first assigned, or drop this annotation")),
                    );
                    return Ok(());
                }
                let declared = annotation::parse(self.host, annotation);
                // `xs: List[int] = []`: the annotation types the empty literal.
                let v = match (&value.kind, &declared) {
                    (ExprKind::List(items), Some(t @ Type::List(_))) if items.is_empty() => {
                        self.node(op::prim::ListConstruct, vec![], vec![t.clone()], Attr::None, value.span)[0]
                    }
                    _ => {
                        self.type_hint = Some(declared.clone().unwrap_or(Type::Any));
                        self.value(value)
                    }
                };
                match declared {
                    Some(declared) => {
                        let actual = self.ty(v);
                        if actual != declared && matching::is_subtype(&actual, &declared, &mut HashMap::new()) {
                            // The variable has the declared type from here on.
                            self.graph.value_mut(v).ty = declared.clone();
                        }
                        if !matching::is_subtype(&actual, &declared, &mut HashMap::new()) && actual != Type::Any {
                            let name = match &target.kind {
                                ExprKind::Name(n) => self.host.name(*n).to_string(),
                                _ => "value".to_string(),
                            };
                            let mismatch = errors::Mismatch::Annotated { variable: name, declared, actual };
                            self.error(errors::type_mismatch(stmt.span, mismatch));
                        }
                    }
                    None => self.give_up(),
                }
                self.assign(target, v, stmt.span);
            }
            StmtKind::AugAssign { target, op, value } => {
                let current = self.value(target);
                let rhs = self.value(value);
                let tensor = self.ty(current) == Type::Tensor;
                let result = if tensor {
                    let name = OpKind::intern(&format!("aten::{}_", binop_name(*op)));
                    self.call_aten(name, vec![current, rhs], vec![], stmt.span)
                } else {
                    self.binop(*op, current, rhs, stmt.span)
                };
                // `x[0] += 2` updated the view in place: nothing to store.
                if !(tensor && matches!(target.kind, ExprKind::Subscript { .. })) {
                    self.assign(target, result, stmt.span);
                }
            }
            StmtKind::If { .. } | StmtKind::Return(_) => {
                // Handled in `statements`, which sees the statements after them.
                return Err(self.stop_here());
            }
            StmtKind::For { target, iter, body, orelse, .. } if orelse.is_empty() => {
                self.for_loop(target, iter, body, stmt.span)?;
            }
            StmtKind::Assert { test, msg } => self.assert(test, msg.as_ref(), stmt.span)?,
            StmtKind::Delete(targets) => self.delete(targets)?,
            StmtKind::With { items, .. } => {
                // `with torch.no_grad():` is a TorchScript class (not lowered
                // yet); other `torch.` context managers resolve as operators,
                // which do not exist.
                for item in items {
                    if let ExprKind::Call { func, .. } = &item.context.kind
                        && let ExprKind::Attribute { value, attr } = &func.kind
                        && matches!(value.kind, ExprKind::Name(n) if self.host.name(n) == "torch")
                    {
                        let name = self.host.name(attr.name).to_string();
                        if name != "no_grad" && !registry().contains(&format!("aten::{name}")) {
                            self.sure_error(
                                Diagnostic::new(Code::E3008, func.span, format!("Unknown builtin op: aten::{name}."))
                                    .label(format!("TorchScript has no `torch.{name}`"))
                                    .note(format!("Could not find any similar ops to aten::{name}. This op may not exist or may not be currently supported in TorchScript.")),
                            );
                            return Ok(());
                        }
                    }
                }
                return Err(self.stop_here());
            }
            StmtKind::While { test, body, orelse } if orelse.is_empty() => self.while_loop(test, body, stmt.span)?,
            StmtKind::Raise { .. } | StmtKind::While { .. } | StmtKind::For { .. } => {
                return Err(self.stop_here());
            }
            _ => return Err(self.stop_here()),
        }
        Ok(())
    }

    /// `assert test, "message"`: an If whose false branch raises
    /// `AssertionError`. After `assert x is not None`, `x` is refined: the
    /// If returns the cast value (and an uninitialized one where it raises).
    pub(super) fn assert(&mut self, test: &Expr, msg: Option<&Expr>, span: Span) -> Result<(), Stop> {
        let message = match msg.map(|m| &m.kind) {
            None => "AssertionError: ".to_string(),
            Some(ExprKind::Literal(Literal::Str(s))) => format!("AssertionError: {}", self.host.name(*s)),
            Some(_) => return Err(self.stop_here()),
        };
        let refinements = self.refinements(test);
        let cond = self.condition(test);
        let (node, then_block, else_block) = self.if_node(cond, span);
        let outer = self.block;
        // The true branch only refines; the false one raises.
        self.block = then_block;
        self.scopes.push(HashMap::new());
        self.refine(&refinements.when_true);
        let refined = self.scopes.pop().expect("pushed above");
        self.block = else_block;
        let text = self.constant(Constant::Str(message), None);
        let none = self.constant(Constant::None, None);
        self.graph.append(else_block, op::prim::RaiseException, vec![text, none], vec![], Attr::None, Some(span));
        let missing = self.uninitialized_like(&refined, else_block);
        self.block = outer;
        let mut names: Vec<Symbol> = refined.keys().copied().collect();
        names.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        for name in names {
            let cast = refined[&name];
            self.graph.block_mut(then_block).returns.push(cast);
            self.graph.block_mut(else_block).returns.push(missing[&name]);
            let out = self.graph.add_output(node, self.ty(cast), Some(self.host.name(name).to_string()));
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(name, out);
        }
        Ok(())
    }

    /// Every target of an unpacking that failed (or whose value already
    /// failed) names `value`, so their uses report nothing more.
    fn assign_each(&mut self, targets: &[Expr], value: ValueId, span: Span) {
        for t in targets {
            let t = match &t.kind {
                ExprKind::Starred(inner) => inner,
                _ => t,
            };
            self.assign(t, value, span);
        }
    }

    pub(super) fn assign(&mut self, target: &Expr, value: ValueId, span: Span) {
        match &target.kind {
            ExprKind::Name(name) => self.bind(*name, value, target.span),
            ExprKind::Tuple(targets) | ExprKind::List(targets) => match self.tuple_view(value) {
                Type::Tuple(items) if items.len() == targets.len() => {
                    // A tuple built right here unpacks to its parts.
                    let outputs = match self.producer(value) {
                        Some((kind, inputs)) if kind == op::prim::TupleConstruct => inputs,
                        _ => self.node(op::prim::TupleUnpack, vec![value], items, Attr::None, span),
                    };
                    for (t, v) in targets.iter().zip(outputs) {
                        self.assign(t, v, span);
                    }
                }
                Type::Tuple(items) => {
                    let (n, m) = (targets.len(), items.len());
                    let message = if m > n {
                        format!("too many values to unpack: need {n} but found {m}")
                    } else {
                        format!("need {n} values to unpack but found only {m}")
                    };
                    let failed = self.error(
                        Diagnostic::new(Code::E2010, span, message).label(format!("{n} names for a tuple of {m}")),
                    );
                    // The names still exist, with an error type, so their
                    // uses do not report again.
                    for t in targets {
                        self.assign(t, failed, span);
                    }
                }
                // A list unpacks to as many values as there are names;
                // the length is checked when the model runs.
                Type::List(element) if !targets.iter().any(|t| matches!(t.kind, ExprKind::Starred(_))) => {
                    let items = vec![*element; targets.len()];
                    let outputs = self.node(op::prim::ListUnpack, vec![value], items, Attr::None, span);
                    for (t, v) in targets.iter().zip(outputs) {
                        self.assign(t, v, span);
                    }
                }
                // `first, *rest = xs`: how many items `rest` gets is only
                // known when the model runs.
                Type::List(_) => {
                    let at = self.graph.definer(value).and_then(|n| n.span).unwrap_or(span);
                    let failed = self.error(
                        Diagnostic::new(
                            Code::E2010,
                            at,
                            "cannot statically infer the expected size of a list in this context",
                        )
                        .label("a list's length is only known when the model runs")
                        .help("index the list instead: `first = xs[0]` and `rest = xs[1:]`"),
                    );
                    self.assign_each(targets, failed, span);
                }
                // The value already failed: the names exist, with its
                // error type, so their uses do not report again.
                Type::Any => {
                    self.assign_each(targets, value, span);
                }
                shown if never_a_tuple(&shown) => {
                    let failed = self.error(
                        Diagnostic::new(Code::E2010, span, format!("{shown} cannot be used as a tuple"))
                            .label(format!("{} names for one `{shown}`", targets.len()))
                            .help("unpack a tuple or a list, or assign to one name"),
                    );
                    self.assign_each(targets, failed, span);
                }
                _ => {
                    self.unsupported();
                }
            },
            ExprKind::Attribute { value: object, attr } => {
                if self.ty(value) == Type::Any {
                    // The value already failed; one error is enough.
                    return;
                }
                let object = self.expr(object);
                let Sugar::Module(instance, module) = object else {
                    self.unsupported();
                    return;
                };
                let name = self.host.name(attr.name).to_string();
                let exists = instance.attrs.borrow().contains_key(&attr.name)
                    || instance.module.borrow().as_ref().is_some_and(|s| s.get(&name).is_some());
                if !exists || self.is_constant_name(&instance, &name) {
                    self.sure_error(
                        Diagnostic::new(
                            Code::E2013,
                            target.span,
                            format!("Tried to set nonexistent attribute: {name}. Did you forget to initialize it in __init__()?"),
                        )
                        .label(if exists {
                            format!("`{name}` is a constant (listed in `__constants__`)")
                        } else {
                            format!("`{name}` is not an attribute of `{}`", instance.class.name)
                        })
                        .help(format!("set `self.{name}` in `__init__`, and do not list it in `__constants__`")),
                    );
                    return;
                }
                let current = instance.attrs.borrow().get(&attr.name).cloned();
                let Some(expected) = current.as_ref().and_then(attribute_type) else {
                    self.unsupported();
                    return;
                };
                let got = self.ty(value);
                if expected != Type::Any
                    && got != Type::Any
                    && !matching::is_subtype(&got, &expected, &mut HashMap::new())
                {
                    let mismatch = errors::Mismatch::Attribute { name: name.clone(), expected, got };
                    self.error(errors::type_mismatch(target.span, mismatch));
                    return;
                }
                self.node(op::prim::SetAttr, vec![module, value], vec![], Attr::Name(name), span);
            }
            ExprKind::Subscript { value: object, .. } => {
                let o = self.value(object);
                if let Type::Tuple(_) = self.ty(o) {
                    let shown = self.ty(o);
                    self.error(
                        Diagnostic::new(
                            Code::E2010,
                            target.span,
                            format!("{shown} does not support subscripted assignment"),
                        )
                        .label("tuples cannot be changed")
                        .help("build a new tuple"),
                    );
                } else if matches!(self.ty(o), Type::List(_) | Type::Dict(..)) {
                    let ExprKind::Subscript { index, .. } = &target.kind else { unreachable!("matched a subscript") };
                    let i = self.value(index);
                    self.call_aten(op::aten::_set_item, vec![o, i, value], vec![], span);
                } else if self.ty(o) == Type::Tensor {
                    let ExprKind::Subscript { index, .. } = &target.kind else { unreachable!("matched a subscript") };
                    self.tensor_assign(o, index, value, span);
                } else {
                    self.unsupported();
                }
            }
            _ => {
                self.unsupported();
            }
        }
    }

    /// `raise ValueError("...")`: `prim::RaiseException(message, "builtins.ValueError")`.
    pub(super) fn raise(&mut self, exc: Option<&Expr>, span: Span) -> Result<(), Stop> {
        let Some(exc) = exc else { return Err(self.stop_here()) };
        let (class, message) = match &exc.kind {
            ExprKind::Call { func, args } => match (&func.kind, args.as_slice()) {
                (ExprKind::Name(class), []) => (*class, None),
                (ExprKind::Name(class), [arg]) => match &arg.kind {
                    ArgKind::Positional(message) => (*class, Some(message)),
                    _ => return Err(self.stop_here()),
                },
                _ => return Err(self.stop_here()),
            },
            ExprKind::Name(class) => (*class, None),
            _ => return Err(self.stop_here()),
        };
        let class = self.host.name(class).to_string();
        let message = match message {
            Some(m) => {
                let v = self.value(m);
                if self.ty(v) != Type::Str {
                    return Err(self.stop_here());
                }
                v
            }
            None => self.constant(Constant::Str(String::new()), None),
        };
        let qualified = self.constant(Constant::Str(format!("builtins.{class}")), None);
        self.node(op::prim::RaiseException, vec![message, qualified], vec![], Attr::None, span);
        Ok(())
    }
}

/// Types whose values are never tuples: unpacking one, or `tuple()` of
/// one, is PyTorch's "X cannot be used as a tuple".
pub(super) fn never_a_tuple(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Int
            | Type::Float
            | Type::Bool
            | Type::Str
            | Type::None
            | Type::Optional(_)
            | Type::Device
            | Type::Tensor
            | Type::Dict(..)
    )
}

/// Whether every path through the statements ends in a `return`.
fn always_returns(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::If { body, orelse, .. } => always_returns(body) && always_returns(orelse),
        _ => false,
    })
}

/// Whether any `return` occurs in the statements (outside nested defs).
pub(super) fn returns_somewhere(body: &[Stmt]) -> bool {
    let mut found = false;
    super::super::each_statement_unchecked(body, &mut |s| found |= matches!(s.kind, StmtKind::Return(_)));
    found
}
