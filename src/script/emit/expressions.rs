//! Expressions: constants, names, operators, conditions and literals.

use super::*;
use crate::ops::{OpKind, op};

/// The most operands of one `and`/`or` chain in compiled code: the emitter
/// nests the chain, a level of recursion per operand.
const MAX_BOOL_OPERANDS: usize = 3000;

impl<'u, 'h, 'a> Emitter<'u, 'h, 'a> {
    /// `torch.jit.annotate`, spelled out.
    pub(super) fn is_jit_annotate(&self, func: &Expr) -> bool {
        let ExprKind::Attribute { value, attr } = &func.kind else { return false };
        let ExprKind::Attribute { value: torch, attr: jit } = &value.kind else { return false };
        matches!(torch.kind, ExprKind::Name(n) if self.host.name(n) == "torch")
            && self.host.name(jit.name) == "jit"
            && self.host.name(attr.name) == "annotate"
    }

    /// `torch.jit.annotate(T, value)`: `value` compiled for the type `T`
    /// (`torch.jit.annotate(List[int], [])` is an empty `List[int]`).
    pub(super) fn annotate(&mut self, annotation: &Expr, value: &Expr) -> ValueId {
        let Some(declared) = annotation::parse(self.host, annotation) else { return self.unsupported() };
        self.type_hint = Some(declared.clone());
        let v = self.value(value);
        self.type_hint = None;
        let actual = self.ty(v);
        if actual == declared || actual == Type::Any || matching::is_subtype(&actual, &declared, &mut HashMap::new()) {
            v
        } else {
            self.unsupported()
        }
    }

    /// A condition as a bool, as PyTorch converts one (`bool(v)`): a
    /// Tensor, int or float through `aten::Bool`, a list, dict or str by
    /// whether it is empty; a tuple, an Optional, `None` or a device is an
    /// error.
    pub(super) fn condition(&mut self, test: &Expr) -> ValueId {
        let v = self.value(test);
        self.truth(v, test.span)
    }

    /// A value as a bool, as [`Emitter::condition`] converts it.
    fn truth(&mut self, v: ValueId, span: Span) -> ValueId {
        match self.ty(v) {
            Type::Bool | Type::Any => v,
            // A container is true when it is not empty.
            Type::List(_) | Type::Dict(..) | Type::Str => self.nonempty(v, span),
            Type::Tensor | Type::Int | Type::Float => {
                self.node(op::aten::Bool, vec![v], vec![Type::Bool], Attr::None, span)[0]
            }
            Type::Optional(_) => {
                let shown = self.ty(v);
                self.error(
                    Diagnostic::new(Code::E2011, span, format!("Could not cast value of type {shown} to bool"))
                        .label("an Optional is not a condition")
                        .help("test `is not None` first"),
                )
            }
            shown @ (Type::Tuple(_) | Type::None | Type::Device) => self.error(
                Diagnostic::new(Code::E2011, span, format!("Could not cast value of type {shown} to bool"))
                    .label(format!("`bool()` takes no `{shown}`"))
                    .help("compare the value with what it should be instead"),
            ),
            _ => self.unsupported(),
        }
    }

    /// `len(v) > 0`: the truth of a list, dict or str.
    pub(super) fn nonempty(&mut self, v: ValueId, span: Span) -> ValueId {
        let n = self.node(op::aten::len, vec![v], vec![Type::Int], Attr::None, span)[0];
        let zero = self.constant(Constant::Int(0), None);
        self.node(op::aten::gt, vec![n, zero], vec![Type::Bool], Attr::None, span)[0]
    }

    /// An expression as an IR value.
    pub(super) fn value(&mut self, e: &Expr) -> ValueId {
        let sugar = self.expr(e);
        self.materialize(sugar, e.span)
    }

    pub(super) fn materialize(&mut self, sugar: Sugar, _span: Span) -> ValueId {
        match sugar {
            Sugar::Value(v) | Sugar::Module(_, v) => v,
            _ => self.unsupported(),
        }
    }

    pub(super) fn expr(&mut self, e: &Expr) -> Sugar {
        let hint = self.type_hint.take();
        // `-1` is a constant too, as PyTorch's frontend folds it.
        if let Some(literal) = literal::int(e) {
            return Sugar::Value(match literal {
                Ok(v) => self.constant(Constant::Int(v), Some(e.span)),
                Err(at) => self.sure_error(errors::integer_out_of_range(at)),
            });
        }
        match &e.kind {
            ExprKind::Literal(c) => Sugar::Value(match c {
                Literal::None => self.constant(Constant::None, Some(e.span)),
                Literal::Bool(b) => self.constant(Constant::Bool(*b), Some(e.span)),
                Literal::Float(f) => self.constant(Constant::Float(*f), Some(e.span)),
                Literal::Str(s) => {
                    let text = self.host.name(*s).to_string();
                    self.constant(Constant::Str(text), Some(e.span))
                }
                _ => self.unsupported(),
            }),
            ExprKind::Name(name) => self.name(*name, e.span),
            ExprKind::Attribute { value, attr } => {
                let object = self.expr(value);
                self.attribute(object, attr, e.span)
            }
            ExprKind::Call { func, args } => {
                if self.is_jit_annotate(func)
                    && let [
                        Arg { kind: ArgKind::Positional(annotation), .. },
                        Arg { kind: ArgKind::Positional(value), .. },
                    ] = args.as_slice()
                {
                    return Sugar::Value(self.annotate(annotation, value));
                }
                // `d: Dict[str, int] = dict()`: an empty dict of the annotated type.
                if let Some(ty @ Type::Dict(..)) = &hint
                    && args.is_empty()
                    && matches!(self.expr_callee_builtin(func).as_deref(), Some("dict"))
                {
                    return Sugar::Value(
                        self.node(op::prim::DictConstruct, vec![], vec![ty.clone()], Attr::None, e.span)[0],
                    );
                }
                // `x.tolist()` compiled for an annotated type: `prim::tolist`,
                // not lowered yet. (Without one it is an error: see attributes.rs.)
                if hint.is_some()
                    && let ExprKind::Attribute { attr, .. } = &func.kind
                    && self.host.name(attr.name) == "tolist"
                {
                    return Sugar::Value(self.unsupported());
                }
                if let ExprKind::Name(f) = func.kind
                    && self.host.name(f) == "isinstance"
                    && self.lookup(f).is_none()
                    && let [
                        Arg { kind: ArgKind::Positional(object), .. },
                        Arg { kind: ArgKind::Positional(classinfo), .. },
                    ] = args.as_slice()
                {
                    return Sugar::Value(self.isinstance(object, classinfo, e.span));
                }
                // `getattr(self, "fc")` is `self.fc`.
                if let ExprKind::Name(f) = func.kind
                    && self.host.name(f) == "getattr"
                    && self.lookup(f).is_none()
                    && let [
                        Arg { kind: ArgKind::Positional(object), .. },
                        Arg {
                            kind: ArgKind::Positional(Expr { kind: ExprKind::Literal(Literal::Str(name)), span }),
                            ..
                        },
                    ] = args.as_slice()
                {
                    let object = self.expr(object);
                    return self.attribute(object, &Ident { name: *name, span: *span }, e.span);
                }
                // PyTorch's emitter takes hasattr's name from the source text.
                if let ExprKind::Name(f) = func.kind
                    && self.host.name(f) == "hasattr"
                    && self.lookup(f).is_none()
                    && let [_, Arg { kind: ArgKind::Positional(attr), .. }] = args.as_slice()
                    && !matches!(attr.kind, ExprKind::Literal(Literal::Str(_)))
                {
                    return Sugar::Value(
                        self.error(
                            Diagnostic::new(Code::E2012, e.span, "hasattr's second argument must be a string literal")
                                .label("the attribute's name is only known when the model runs")
                                .help("write the name as a string literal: `hasattr(self, \"name\")`"),
                        ),
                    );
                }
                let callee = self.expr(func);
                self.call(callee, args, e.span)
            }
            ExprKind::BinOp { .. } => {
                // Iterative down the left spine: a flat chain nests as deep as it is long.
                let (first, spine) = crate::syntax::ast::left_spine(e);
                let mut l = self.value(first);
                for node in spine.into_iter().rev() {
                    let ExprKind::BinOp { op, right, .. } = &node.kind else { unreachable!("the spine is BinOps") };
                    let r = self.value(right);
                    l = self.binop(*op, l, r, node.span);
                }
                Sugar::Value(l)
            }
            // `-1` is a constant, as PyTorch's frontend folds it.
            ExprKind::UnaryOp { op: UnaryOp::Neg, operand }
                if matches!(operand.kind, ExprKind::Literal(Literal::Float(_))) =>
            {
                let ExprKind::Literal(Literal::Float(f)) = operand.kind else { unreachable!("matched a float") };
                Sugar::Value(self.constant(Constant::Float(-f), Some(e.span)))
            }
            ExprKind::UnaryOp { op, operand } => {
                let v = self.value(operand);
                Sugar::Value(match op {
                    UnaryOp::Neg => self.call_aten(op::aten::neg, vec![v], vec![], e.span),
                    UnaryOp::Pos => v,
                    UnaryOp::Not => {
                        let b = self.truth(v, operand.span);
                        self.call_aten(op::aten::__not__, vec![b], vec![], e.span)
                    }
                    UnaryOp::Invert => self.call_aten(op::aten::bitwise_not, vec![v], vec![], e.span),
                })
            }
            ExprKind::Compare { left, comparisons } if comparisons.len() == 1 => {
                let (op, right) = &comparisons[0];
                let (l, r) = (self.value(left), self.value(right));
                Sugar::Value(self.compare(*op, l, r, e.span))
            }
            // `a < b < c` is `a < b and b < c`, with `b` evaluated once.
            ExprKind::Compare { left, comparisons } => {
                let (op, right) = &comparisons[0];
                let (l, r) = (self.value(left), self.value(right));
                let first = self.compare(*op, l, r, e.span);
                Sugar::Value(self.compare_chain(first, r, &comparisons[1..], e.span))
            }
            // PyTorch 2.5.1 compiles 3,000 operands and overflows its stack on
            // 10,000 (asked with `torch.jit.script` of `a or a or ... or a`).
            ExprKind::BoolOp { op, values } if values.len() > MAX_BOOL_OPERANDS => {
                let word = if *op == BoolOp::And { "and" } else { "or" };
                let d = Diagnostic::new(Code::E1015, e.span, "expression nested too deeply")
                    .label(format!("this `{word}` chain has {} operands", values.len()))
                    .note(format!(
                        "TorchScript compiles `a {word} b {word} c` as `(a {word} b) {word} c`, one level per operand; tsc compiles up to {MAX_BOOL_OPERANDS}"
                    ))
                    .help("combine the parts in a loop, or with `any(...)`/`all(...)` over a list");
                Sugar::Value(self.error(d))
            }
            // `a or b or c` is `(a or b) or c`, as PyTorch's frontend nests it.
            ExprKind::BoolOp { op, values } if values.len() > 2 => {
                let (last, init) = values.split_last().expect("more than two");
                let span = Span::new(init[0].span.start, init[init.len() - 1].span.end);
                let left = Expr { kind: ExprKind::BoolOp { op: *op, values: init.to_vec() }, span };
                let nested =
                    Expr { kind: ExprKind::BoolOp { op: *op, values: vec![left, last.clone()] }, span: e.span };
                self.expr(&nested)
            }
            // `a and b`: `b` if `a`, else False; `a or b`: True if `a`, else `b`.
            ExprKind::BoolOp { op, values } if values.len() == 2 => {
                // The left side's refinements hold where the right side runs.
                let refinements = self.refinements(&values[0]);
                let a = self.condition(&values[0]);
                let (node, then_block, else_block) = self.if_node(a, e.span);
                let outer = self.block;
                let is_and = *op == BoolOp::And;
                let evaluated = if is_and { then_block } else { else_block };
                let mut right = |this: &mut Self| this.condition(&values[1]);
                let mut short = |this: &mut Self| this.constant(Constant::Bool(!is_and), None);
                let (t, f, merges) = if is_and {
                    self.expression_if(node, refinements, &mut right, &mut short)
                } else {
                    self.expression_if(node, refinements, &mut short, &mut right)
                };
                let b = if is_and { t } else { f };
                // `a and True` is `a`, `a or True` is True, ...: when `b` is a
                // constant, PyTorch's peephole leaves no If behind.
                let only_constants =
                    self.graph.block(evaluated).nodes.iter().all(|&n| self.graph.node(n).kind == op::prim::Constant);
                if let (Some(b), true, true) = (self.constant_bool(b), only_constants, merges.is_empty()) {
                    self.graph.block_mut(outer).nodes.pop();
                    let keeps_a = b == is_and;
                    let result = if keeps_a { a } else { self.constant(Constant::Bool(b), Some(e.span)) };
                    return Sugar::Value(result);
                }
                let out = self.graph.add_output(node, Type::Bool, None);
                self.merge_refined(node, merges);
                Sugar::Value(out)
            }
            ExprKind::ListComp { elt, generators } | ExprKind::GeneratorExp { elt, generators } => {
                match generators.as_slice() {
                    [generator] if generator.ifs.is_empty() && !generator.is_async => {
                        match self.list_comprehension(elt, generator, hint, e.span) {
                            Ok(v) => Sugar::Value(v),
                            Err(stop) => Sugar::Value(self.recover(stop)),
                        }
                    }
                    _ => Sugar::Value(self.unsupported()),
                }
            }
            ExprKind::DictComp { key, value, generators } => match generators.as_slice() {
                [generator] if generator.ifs.is_empty() && !generator.is_async => {
                    match self.dict_comprehension(key, value, generator, hint, e.span) {
                        Ok(v) => Sugar::Value(v),
                        Err(stop) => Sugar::Value(self.recover(stop)),
                    }
                }
                _ => Sugar::Value(self.unsupported()),
            },
            ExprKind::Dict(items) => Sugar::Value(self.dict_literal(items, hint, e.span)),
            // `f"{a} and {b}"` is `aten::format("{} and {}", a, b)`.
            ExprKind::FString(parts) => {
                let mut template = String::new();
                let mut fields = Vec::new();
                for part in parts {
                    match part {
                        FStringPart::Literal(text) => template.push_str(self.host.name(*text)),
                        FStringPart::Field(field)
                            if field.conversion.is_none() && field.spec.is_empty() && field.debug.is_none() =>
                        {
                            template.push_str("{}");
                            fields.push(&field.value);
                        }
                        FStringPart::Field(_) => return Sugar::Value(self.unsupported()),
                    }
                }
                let template = self.constant(Constant::Str(template), Some(e.span));
                let mut inputs = vec![template];
                inputs.extend(fields.into_iter().map(|f| self.value(f)));
                Sugar::Value(self.call_aten(op::aten::format, inputs, vec![], e.span))
            }
            ExprKind::Tuple(items) => {
                let values: Vec<ValueId> = items.iter().map(|i| self.value(i)).collect();
                let types = values.iter().map(|v| self.ty(*v)).collect();
                Sugar::Value(
                    self.node(op::prim::TupleConstruct, values, vec![Type::Tuple(types)], Attr::None, e.span)[0],
                )
            }
            ExprKind::List(items) => {
                let values: Vec<ValueId> = items.iter().map(|i| self.value(i)).collect();
                if let Some(Type::List(expected)) = &hint {
                    return Sugar::Value(self.hinted_list(values, expected, e.span));
                }
                let mut types: Vec<Type> = Vec::new();
                for v in &values {
                    let t = self.ty(*v);
                    if t == Type::Any {
                        return Sugar::Value(*v);
                    }
                    if !types.contains(&t) {
                        types.push(t);
                    }
                }
                // Items of different types make a list of their Union, as
                // in PyTorch (`[1, "two", x]` is a `List[Union[Tensor, int, str]]`).
                let element = match types.as_slice() {
                    [] => Type::Tensor,
                    [one] => one.clone(),
                    many => dicts::union_of(many),
                };
                let list = self.node(op::prim::ListConstruct, values, vec![Type::list(element)], Attr::None, e.span)[0];
                if items.is_empty() {
                    // PyTorch gives an unannotated `[]` no variable name.
                    self.anonymous.insert(list);
                }
                Sugar::Value(list)
            }
            ExprKind::Subscript { value, index } => {
                let object = match self.expr(value) {
                    // `self.heads["cls"]`, `self.layers[0]`: a submodule by
                    // a constant key, read like an attribute.
                    Sugar::Module(container, holder) => {
                        let indexed = matches!(container.class.name.as_ref(), "ModuleList" | "Sequential");
                        let keyed = super::loops::is_module_dict(&container);
                        let key = match (&index.kind, literal::int(index)) {
                            // A ModuleDict's key is a string literal of the source.
                            (ExprKind::Literal(Literal::Str(key)), _) if keyed => {
                                let key = self.host.name(*key).to_string();
                                let children = crate::host::module::child_instances(&container);
                                if !children.iter().any(|(name, _)| *name == key) {
                                    let keys: Vec<String> = children.iter().map(|(k, _)| format!("`{k}`")).collect();
                                    return Sugar::Value(
                                        self.sure_error(
                                            Diagnostic::new(Code::E2013, e.span, format!("Key Error, {key}"))
                                                .label(format!("the ModuleDict has no `{key}`"))
                                                .note(format!("its keys: {}", keys.join(", "))),
                                        ),
                                    );
                                }
                                Some(key)
                            }
                            _ if keyed => {
                                return Sugar::Value(self.sure_error(
                                    Diagnostic::new(
                                        Code::E3001,
                                        e.span,
                                        "Unable to extract string literal index. ModuleDict indexing is only supported with string literals. For example, 'i = \"a\"; self.layers[i](x)' will fail because i is not a literal. Enumeration of ModuleDict is supported, e.g. 'for k, v in self.items(): out = v(inp)'",
                                    )
                                    .label("not a string literal")
                                    .help("iterate over the modules with `for k, v in self.layers.items():`"),
                                ));
                            }
                            (ExprKind::Literal(Literal::Str(key)), _) => Some(self.host.name(*key).to_string()),
                            (_, Some(Err(digits))) => {
                                return Sugar::Value(self.sure_error(errors::integer_out_of_range(digits)));
                            }
                            // `self.layers[-1]`: counted from the end, as PyTorch.
                            (_, Some(Ok(i))) if indexed => {
                                let len = crate::host::module::child_instances(&container).len();
                                let at = if i < 0 { i.checked_add_unsigned(len as u64) } else { Some(i) };
                                match at.filter(|&at| at >= 0 && (at as usize) < len) {
                                    Some(at) => Some(at.to_string()),
                                    None => {
                                        return Sugar::Value(
                                            self.sure_error(
                                                Diagnostic::new(
                                                    Code::E2013,
                                                    e.span,
                                                    format!("Index {i} out of range of length {len}"),
                                                )
                                                .label(format!("`{}` holds {len} modules", container.class.name)),
                                            ),
                                        );
                                    }
                                }
                            }
                            (_, Some(Ok(i))) => Some(i.to_string()),
                            _ if indexed => {
                                return Sugar::Value(self.sure_error(
                                    Diagnostic::new(
                                        Code::E3001,
                                        index.span,
                                        "Expected integer literal for index but got a variable or non-integer. ModuleList/Sequential indexing is only supported with integer literals. For example, 'i = 4; self.layers[i](x)' will fail because i is not a literal. Enumeration is supported, e.g. 'for index, v in enumerate(self): out = v(inp)'",
                                    )
                                    .label("not an integer literal")
                                    .help("iterate over the modules with `for i, layer in enumerate(self.layers):`"),
                                ));
                            }
                            _ => None,
                        };
                        let child = key.and_then(|key| {
                            crate::host::module::child_instances(&container).into_iter().find(|(name, _)| *name == key)
                        });
                        let Some((name, child)) = child else { return Sugar::Value(self.unsupported()) };
                        let ty = Type::Class(child.class.qualified_name().into());
                        let v =
                            self.node(op::prim::GetAttr, vec![holder], vec![ty], Attr::Name(name.clone()), e.span)[0];
                        self.graph.value_mut(v).name = Some(submodule_value_name(&name));
                        self.modules.insert(v, child.clone());
                        return Sugar::Module(child, v);
                    }
                    sugar => self.materialize(sugar, value.span),
                };
                Sugar::Value(self.subscript(object, index, e.span))
            }
            ExprKind::IfExp { test, body, orelse } => {
                let refinements = self.refinements(test);
                let cond = self.condition(test);
                // A constant condition (`2 if self.bidirectional else 1`)
                // compiles only the branch it takes, as in PyTorch.
                if let Some(taken) = self.constant_bool(cond) {
                    return self.expr(if taken { body } else { orelse });
                }
                let (node, _, _) = self.if_node(cond, e.span);
                let (then_value, else_value, merges) = self.expression_if(
                    node,
                    refinements,
                    &mut |this: &mut Self| this.value(body),
                    &mut |this: &mut Self| this.value(orelse),
                );
                let (t, f) = (self.ty(then_value), self.ty(else_value));
                let ty = if t == f || f == Type::Any {
                    t
                } else if t == Type::Any {
                    f
                } else if t == Type::None || f == Type::None {
                    // `x if c else None` is an `Optional`, as in PyTorch.
                    Type::optional(if t == Type::None { f } else { t })
                } else if matching::is_subtype(&f, &t, &mut HashMap::new()) {
                    t
                } else if matching::is_subtype(&t, &f, &mut HashMap::new()) {
                    f
                } else {
                    let mismatch = errors::Mismatch::IfExpression { then: t, orelse: f };
                    self.diagnostics.push(errors::type_mismatch(e.span, mismatch));
                    Type::Any
                };
                let out = self.graph.add_output(node, ty, None);
                self.graph.value_mut(out).inferred = self.graph.value(else_value).inferred;
                self.merge_refined(node, merges);
                Sugar::Value(out)
            }
            _ => Sugar::Value(self.unsupported()),
        }
    }

    pub(super) fn name(&mut self, name: Symbol, span: Span) -> Sugar {
        if self.lookup(name).is_none()
            && let Some(error) = self.mismatched.get(&name)
        {
            let error = error.clone();
            return Sugar::Value(self.error(error));
        }
        if let (None, Some(&(at, branch))) = (self.lookup(name), self.partial.get(&name)) {
            let text = self.host.name(name).to_string();
            return Sugar::Value(
                self.error(
                    Diagnostic::new(Code::E2004, at, format!("{text} is not defined in the {branch} branch"))
                        .label(format!("`{text}` is assigned in only one branch of this `if`"))
                        .help(format!("assign `{text}` before the `if`, or in both branches")),
                ),
            );
        }
        if let Some(v) = self.lookup(name) {
            if let Some(instance) = self.modules.get(&v) {
                return Sugar::Module(instance.clone(), v);
            }
            return Sugar::Value(v);
        }
        if let Some(sugar) = self.aliases.get(&name) {
            return sugar.clone();
        }
        let global = self.unit.globals.attrs.borrow().get(&name).cloned();
        match global {
            Some(Value::Namespace(ns)) => Sugar::Namespace(ns.name.to_string()),
            // `adaptive_avg_pool1d = torch.adaptive_avg_pool1d`: the operator.
            Some(Value::Builtin(b)) if let Native::Aten(name) = b.call => aten_sugar(name),
            Some(Value::Builtin(b)) => Sugar::Builtin(b.name.clone()),
            Some(Value::Class(c)) if c.module_path.as_ref() == "builtins" => Sugar::Builtin(c.name.to_string()),
            // An `OrderedDict` in compiled code is a dict.
            Some(Value::Class(c)) if &*c.module_path == "collections" && &*c.name == "OrderedDict" => {
                Sugar::Builtin("dict".into())
            }
            Some(Value::Function(f)) => function_sugar(f),
            Some(Value::Instance(i)) if is_boolean_dispatch(&i) => Sugar::BooleanDispatch(i),
            // `@torch.jit.script def f`: compiled code calls it as the function.
            Some(Value::Entry(ref e)) if let Value::Function(f) = &e.target => function_sugar(f.clone()),
            Some(Value::Class(c)) if c.is_module() => Sugar::ModuleClass(c),
            Some(Value::Class(c)) => match annotation::parse_str(&c.name) {
                Some(t @ Type::NamedTuple(_)) if &*c.module_path == "torch.nn.utils.rnn" => Sugar::NamedTupleClass(t),
                _ => Sugar::Opaque,
            },
            Some(_) => Sugar::Opaque,
            None => {
                let text = self.host.name(name).to_string();
                if self.host.builtins.attrs.borrow().contains_key(&name) || text == "range" {
                    Sugar::Builtin(text)
                } else if super::super::globals::local_names(&self.unit.def).contains(&name) {
                    // A local of the function not bound here: deleted, bound
                    // only in a loop's body or a comprehension, or later on.
                    // PyTorch's environment has no value for it, nor has
                    // Python's resolver.
                    Sugar::Value(
                        self.error(
                            Diagnostic::new(Code::E2004, span, format!("undefined value {text}"))
                                .label(format!("`{text}` has no value here"))
                                .help(format!("assign `{text}` before this point, on every path that reaches it")),
                        ),
                    )
                } else {
                    Sugar::Opaque
                }
            }
        }
    }

    pub(super) fn binop(&mut self, op: BinOp, l: ValueId, r: ValueId, span: Span) -> ValueId {
        let (lt, rt) = (self.ty(l), self.ty(r));
        // `"%s of %d" % (a, b)` formats, whatever the right side is: PyTorch
        // hands it to `aten::percentFormat` whole, a tuple unpacked at run time.
        if op == BinOp::Mod && lt == Type::Str {
            return self.call_aten(op::aten::percentFormat, vec![l, r], vec![], span);
        }
        let name = match op {
            // A Tensor's `//` is `torch.floor_divide`; `aten::floordiv` is for numbers.
            BinOp::FloorDiv if lt == Type::Tensor || rt == Type::Tensor => op::aten::floor_divide,
            _ => OpKind::intern(&format!("aten::{}", binop_name(op))),
        };
        let scalar = |t: &Type| matches!(t, Type::Int | Type::Float);
        if scalar(&lt) && rt == Type::Tensor {
            // `2 * x` is `x * 2`; `1 - x` is `rsub(x, 1)`.
            match op {
                BinOp::Add | BinOp::Mul => return self.call_aten(name, vec![r, l], vec![], span),
                // `1 - x` is `-x + 1`, as PyTorch's `__rsub__`.
                BinOp::Sub => {
                    let negated = self.call_aten(op::aten::neg, vec![r], vec![], span);
                    return self.call_aten(op::aten::add, vec![negated, l], vec![], span);
                }
                // `2.0 / x` is `x.reciprocal() * 2.0`, as PyTorch's `__rtruediv__`.
                BinOp::Div => {
                    let reciprocal = self.call_aten(op::aten::reciprocal, vec![r], vec![], span);
                    return self.call_aten(op::aten::mul, vec![reciprocal, l], vec![], span);
                }
                _ => return self.unsupported(),
            }
        }
        self.call_aten(name, vec![l, r], vec![], span)
    }

    /// A list literal compiled for an annotated `List[T]`: every element
    /// must be a `T`; PyTorch names what the elements unified to otherwise.
    pub(super) fn hinted_list(&mut self, values: Vec<ValueId>, expected: &Type, span: Span) -> ValueId {
        let mut found: Vec<Type> = Vec::new();
        for v in &values {
            let t = self.ty(*v);
            if t == Type::Any {
                return self.any();
            }
            if !found.contains(&t) {
                found.push(t);
            }
        }
        let fits = found.iter().all(|t| t == expected || matching::is_subtype(t, expected, &mut HashMap::new()));
        if !fits {
            let unified = match found.as_slice() {
                [one] => one.to_string(),
                many => {
                    let mut names: Vec<String> = many.iter().map(Type::to_string).collect();
                    names.sort();
                    format!("Union[{}]", names.join(", "))
                }
            };
            let mismatch = errors::Mismatch::ListAnnotation { element: expected.clone(), unified };
            return self.error(errors::type_mismatch(span, mismatch));
        }
        self.node(op::prim::ListConstruct, values, vec![Type::list(expected.clone())], Attr::None, span)[0]
    }
}

pub(super) fn binop_name(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::MatMul => "matmul",
        BinOp::Div => "div",
        BinOp::FloorDiv => "floordiv",
        BinOp::Mod => "remainder",
        BinOp::Pow => "pow",
        BinOp::LShift => "__lshift__",
        BinOp::RShift => "__rshift__",
        BinOp::BitOr => "__or__",
        BinOp::BitXor => "__xor__",
        BinOp::BitAnd => "__and__",
    }
}

/// A global bound to a torch function: its aten operator, when the
/// registry has one.
fn aten_sugar(name: &str) -> Sugar {
    let op = format!("aten::{}", name.rsplit("::").next().unwrap_or(name));
    if registry().contains(&op) { Sugar::Aten(OpKind::intern(&op)) } else { Sugar::Opaque }
}

/// A `boolean_dispatch` of the prelude's `torch.nn.functional`.
pub(super) fn is_boolean_dispatch(i: &Instance) -> bool {
    &*i.class.module_path == "torch.nn.functional" && &*i.class.name == "_BooleanDispatch"
}

/// A Python function as compiled code sees it: the few that TorchScript
/// maps to operators by identity (`torch/jit/_builtins.py`) are those
/// operators; the rest are compiled.
impl Emitter<'_, '_, '_> {
    /// The builtin a call's callee names (`dict`, and `OrderedDict` as
    /// `dict`), when it is a global name.
    fn expr_callee_builtin(&mut self, func: &Expr) -> Option<String> {
        let ExprKind::Name(n) = func.kind else { return None };
        if self.lookup(n).is_some() {
            return None;
        }
        match self.expr(func) {
            Sugar::Builtin(name) => Some(name),
            _ => None,
        }
    }
}

pub(super) fn function_sugar(f: Rc<Function>) -> Sugar {
    match (&*f.globals.name, f.qualname.as_str()) {
        ("torch.nn.functional", "_no_grad_embedding_renorm_") => Sugar::Aten(op::aten::_no_grad_embedding_renorm_),
        _ => Sugar::Function(f),
    }
}
