//! Calls: operators matched against the registry's overloads (without
//! implicit conversions first, as PyTorch), user functions and methods
//! matched against their signatures, and the conversions they need.

use super::*;
use crate::ops::{OpKind, op};

impl Emitter<'_, '_, '_> {
    pub(super) fn call(&mut self, callee: Sugar, args: &[Arg], span: Span) -> Sugar {
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        for arg in args {
            match &arg.kind {
                ArgKind::Positional(e) => positional.push(self.value(e)),
                ArgKind::Keyword(name, e) => {
                    let v = self.value(e);
                    keywords.push((self.host.name(name.name).to_string(), v));
                }
                // `f(*t)`: a tuple's items are the arguments; a list's
                // length is not known while compiling.
                ArgKind::Starred(e) => {
                    let v = self.value(e);
                    match self.ty(v) {
                        Type::Tuple(items) => {
                            let parts = match self.producer(v) {
                                Some((kind, inputs)) if kind == op::prim::TupleConstruct => inputs,
                                _ => self.node(op::prim::TupleUnpack, vec![v], items, Attr::None, e.span),
                            };
                            positional.extend(parts);
                        }
                        Type::List(_) => {
                            return Sugar::Value(
                                self.error(
                                    Diagnostic::new(
                                        Code::E2010,
                                        arg.span,
                                        "cannot statically infer the expected size of a list in this context",
                                    )
                                    .label("a list's length is only known when the model runs")
                                    .help("pass the items one by one (`f(xs[0], xs[1])`), or pass a tuple"),
                                ),
                            );
                        }
                        Type::Any => return Sugar::Value(v),
                        _ => return Sugar::Value(self.unsupported()),
                    }
                }
                _ => return Sugar::Value(self.unsupported()),
            }
        }
        match callee {
            Sugar::Aten(name) => Sugar::Value(self.call_aten(name, positional, keywords, span)),
            Sugar::TensorMethod(object, name) => {
                positional.insert(0, object);
                Sugar::Value(self.call_aten(name, positional, keywords, span))
            }
            Sugar::TensorCast(object, dtype) => {
                let dtype = self.constant(Constant::Int(dtype.code()), Some(span));
                positional.splice(0..0, [object, dtype]);
                Sugar::Value(self.call_aten(op::aten::to, positional, keywords, span))
            }
            Sugar::Module(instance, module) => {
                let forward = self.host.sym("forward");
                match instance.class.lookup(forward) {
                    Some(Value::Function(f)) => {
                        let alias = super::super::overload_alias(&instance, &f);
                        let first = positional.first().map(|v| self.ty(*v));
                        let alias = super::super::overload_for(alias, first.as_ref());
                        Sugar::Value(self.user_call(
                            Some((module, instance.clone())),
                            &f,
                            positional,
                            keywords,
                            span,
                            alias,
                        ))
                    }
                    _ => Sugar::Value(self.unsupported()),
                }
            }
            Sugar::Method(instance, object, name) => match instance.class.lookup(name) {
                Some(Value::Function(f)) => {
                    Sugar::Value(self.user_call(Some((object, instance.clone())), &f, positional, keywords, span, None))
                }
                _ => Sugar::Value(self.unsupported()),
            },
            Sugar::Function(f) if &*f.globals.name == "torch.nn.modules.utils" && keywords.is_empty() => {
                // `_single`/`_pair`/`_triple`/`_quadruple` are TorchScript
                // builtins: an int repeated into a list, a list unchanged.
                let n = match f.qualname.as_str() {
                    "_single" => 1,
                    "_pair" => 2,
                    "_triple" => 3,
                    "_quadruple" => 4,
                    "_list_with_default" => return Sugar::Value(self.list_with_default(&positional, span)),
                    _ => return Sugar::Value(self.user_call(None, &f, positional, keywords, span, None)),
                };
                let [x] = positional.as_slice() else { return Sugar::Value(self.unsupported()) };
                match self.ty(*x) {
                    Type::List(_) => Sugar::Value(*x),
                    // A tuple of ints (a constant `stride = (2, 2)`) is the
                    // list of its items.
                    Type::Tuple(items) if !items.is_empty() && items.iter().all(|t| *t == Type::Int) => {
                        Sugar::Value(self.apply(*x, &Conversion::TupleToList, span))
                    }
                    Type::Int => Sugar::Value(
                        self.node(op::prim::ListConstruct, vec![*x; n], vec![Type::list(Type::Int)], Attr::None, span)
                            [0],
                    ),
                    _ => Sugar::Value(self.unsupported()),
                }
            }
            Sugar::Function(f) => Sugar::Value(self.function_call(&f, positional, keywords, span)),
            Sugar::BooleanDispatch(dispatch) => {
                Sugar::Value(self.boolean_dispatch(&dispatch, positional, keywords, span))
            }
            Sugar::NamedTupleClass(ty) => Sugar::Value(self.construct_named_tuple(ty, positional, keywords, span)),
            Sugar::ModuleClass(class) => Sugar::Value({
                let class = class.name.clone();
                self.sure_error(
                    Diagnostic::new(
                        Code::E2016,
                        span,
                        format!("Class {class} does not have an __init__ function defined"),
                    )
                    .label(format!("compiled code cannot construct a `{class}`"))
                    .help("create the module in `__init__` and store it on `self`"),
                )
            }),
            Sugar::Builtin(name) => match name.as_str() {
                "len" if positional.len() == 1 => match self.modules.get(&positional[0]).cloned() {
                    Some(module) => Sugar::Value(self.module_len(&module, span)),
                    None => Sugar::Value(self.call_aten(op::aten::len, positional, keywords, span)),
                },
                // `int(n)` of an int is `n` itself.
                "float" if positional.len() == 1 && self.ty(positional[0]) == Type::Float => {
                    Sugar::Value(positional[0])
                }
                "int" if positional.len() == 1 && self.ty(positional[0]) == Type::Int => Sugar::Value(positional[0]),
                "float" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::Float, positional, keywords, span))
                }
                "int" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::Int, positional, keywords, span))
                }
                // `bool(b)` of a bool is `b`; of a container, whether it is
                // empty (as a condition).
                "bool" if positional.len() == 1 && self.ty(positional[0]) == Type::Bool => Sugar::Value(positional[0]),
                "bool"
                    if positional.len() == 1
                        && matches!(self.ty(positional[0]), Type::List(_) | Type::Dict(..) | Type::Str) =>
                {
                    Sugar::Value(self.nonempty(positional[0], span))
                }
                "bool" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::Bool, positional, keywords, span))
                }
                "str" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::str, positional, keywords, span))
                }
                "tuple" if keywords.is_empty() => Sugar::Value(self.tuple_of(&positional, span)),
                "dict" if positional.len() == 1 && keywords.is_empty() => {
                    Sugar::Value(self.dict_of(positional[0], span))
                }
                "dict" if positional.is_empty() && keywords.is_empty() => {
                    Sugar::Value(self.call_aten(op::aten::dict, positional, keywords, span))
                }
                "dict" if positional.is_empty() => Sugar::Value(self.dict_of_keywords(keywords, span)),
                // `list(xs)` copies a list (or a string's characters).
                "list" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::list, positional, keywords, span))
                }
                "sum" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::sum, positional, keywords, span))
                }
                "sorted" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::sorted, positional, keywords, span))
                }
                "abs" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::prim::abs, positional, keywords, span))
                }
                "round" if positional.len() == 1 => {
                    Sugar::Value(self.call_aten(op::aten::round, positional, keywords, span))
                }
                // `max(a, b)`, and `max(xs)` of a list.
                "min" | "max" if matches!(positional.len(), 1 | 2) => {
                    Sugar::Value(self.call_aten(OpKind::intern(&format!("prim::{name}")), positional, keywords, span))
                }
                "print" => {
                    self.node(op::prim::Print, positional, vec![], Attr::None, span);
                    Sugar::Value(self.constant(Constant::None, None))
                }
                _ => Sugar::Value(self.unsupported()),
            },
            Sugar::Value(v)
                if matches!(
                    self.ty(v),
                    Type::Tensor
                        | Type::Int
                        | Type::Float
                        | Type::Bool
                        | Type::Str
                        | Type::None
                        | Type::List(_)
                        | Type::Dict(..)
                        | Type::Tuple(_)
                        | Type::Optional(_)
                ) =>
            {
                let shown = self.ty(v);
                Sugar::Value(
                    self.error(
                        Diagnostic::new(Code::E2012, span, format!("cannot call a value of type '{shown}'"))
                            .label(format!("a `{shown}` is not callable")),
                    ),
                )
            }
            Sugar::Value(v) if self.ty(v) == Type::Any => Sugar::Value(v),
            _ => Sugar::Value(self.unsupported()),
        }
    }

    /// `tuple(x)`: the items of a tuple, built again, as PyTorch's emitter
    /// does; what it cannot unpack statically (a list, a tensor) is an error.
    fn tuple_of(&mut self, positional: &[ValueId], span: Span) -> ValueId {
        let [x] = positional else {
            let n = positional.len();
            return self.error(
                Diagnostic::new(Code::E2010, span, format!("tuple expected exactly 1 arguments but found {n}"))
                    .label(format!("{n} arguments to `tuple`"))
                    .help("build the tuple directly: `(a, b)`"),
            );
        };
        match self.ty(*x) {
            Type::Tuple(items) => {
                let parts = self.node(op::prim::TupleUnpack, vec![*x], items.clone(), Attr::None, span);
                self.node(op::prim::TupleConstruct, parts, vec![Type::Tuple(items)], Attr::None, span)[0]
            }
            Type::Any => *x,
            Type::List(_) => self.error(
                Diagnostic::new(
                    Code::E2010,
                    span,
                    "cannot statically infer the expected size of a list in this context",
                )
                .label("a list's length is only known when the model runs")
                .help("build the tuple from its items: `(xs[0], xs[1])`"),
            ),
            shown if super::statements::never_a_tuple(&shown) => self.error(
                Diagnostic::new(Code::E2010, span, format!("{shown} cannot be used as a tuple"))
                    .label(format!("a `{shown}` has no items to make a tuple of")),
            ),
            _ => self.unsupported(),
        }
    }

    /// `PackedSequence(data, batch_sizes, ...)`: a tuple construction typed
    /// as the named tuple, each argument converted to its field's type.
    fn construct_named_tuple(
        &mut self,
        ty: Type,
        positional: Vec<ValueId>,
        keywords: Vec<(String, ValueId)>,
        span: Span,
    ) -> ValueId {
        let Type::NamedTuple(class) = &ty else { return self.unsupported() };
        if positional.len() != class.fields.len() || !keywords.is_empty() {
            return self.unsupported();
        }
        let mut inputs = Vec::with_capacity(positional.len());
        for (v, (_, field)) in positional.into_iter().zip(&class.fields) {
            match matching::convert(&self.ty(v), field, None, &mut HashMap::new()) {
                Some(c) => inputs.push(self.apply(v, &c, span)),
                None => return self.unsupported(),
            }
        }
        self.node(op::prim::TupleConstruct, inputs, vec![ty], Attr::None, span)[0]
    }

    /// `dict(foo=1, bar=2)`: a dict of the names and values, where the
    /// values have one type.
    fn dict_of_keywords(&mut self, keywords: Vec<(String, ValueId)>, span: Span) -> ValueId {
        let ty = self.ty(keywords[0].1);
        if keywords.iter().any(|(_, v)| self.ty(*v) != ty) {
            return self.unsupported();
        }
        let mut inputs = Vec::with_capacity(2 * keywords.len());
        for (name, v) in keywords {
            inputs.push(self.constant(Constant::Str(name), Some(span)));
            inputs.push(v);
        }
        let dict = Type::Dict(Box::new(Type::Str), Box::new(ty));
        self.node(op::prim::DictConstruct, inputs, vec![dict], Attr::None, span)[0]
    }

    /// `dict(d)` copies a dict. (`dict(pairs)` of a list, which PyTorch
    /// lowers to a loop, is not compiled yet.)
    fn dict_of(&mut self, from: ValueId, span: Span) -> ValueId {
        match self.ty(from) {
            Type::Dict(..) => self.call_aten(op::aten::dict, vec![from], vec![], span),
            _ => self.unsupported(),
        }
    }

    /// `len(self.layers)` of a ModuleList, Sequential or ModuleDict: its
    /// number of submodules, as PyTorch's generated `__len__` returns it
    /// (a constant once inlined). Of another module, PyTorch calls its
    /// `__len__`, which is not compiled yet.
    fn module_len(&mut self, module: &Instance, span: Span) -> ValueId {
        let container = module.class.mro().iter().any(|c| {
            matches!(c.name.as_ref(), "ModuleList" | "Sequential" | "ModuleDict")
                && c.module_path.starts_with("torch.nn")
        });
        match container {
            true => {
                let n = crate::host::module::child_instances(module).len() as i64;
                self.constant(Constant::Int(n), Some(span))
            }
            false => self.unsupported(),
        }
    }

    /// `_list_with_default(out_size, defaults)`: a TorchScript builtin
    /// whose body (`assert len(defaults) > len(out_size)`, then `out_size`)
    /// is emitted in place, as PyTorch inlines it.
    fn list_with_default(&mut self, positional: &[ValueId], span: Span) -> ValueId {
        let [out_size, defaults] = positional else { return self.unsupported() };
        if !matches!(self.ty(*out_size), Type::List(_)) || !matches!(self.ty(*defaults), Type::List(_)) {
            return self.unsupported();
        }
        let have = self.call_aten(op::aten::len, vec![*defaults], vec![], span);
        let want = self.call_aten(op::aten::len, vec![*out_size], vec![], span);
        let cond = self.call_aten(op::aten::gt, vec![have, want], vec![], span);
        let text = self.constant(Constant::Str("AssertionError: ".into()), None);
        let none = self.constant(Constant::None, None);
        let (_, _, else_block) = self.if_node(cond, span);
        self.graph.append(else_block, op::prim::RaiseException, vec![text, none], vec![], Attr::None, Some(span));
        *out_size
    }

    /// A call of a Python function or method compiled alongside: its
    /// signature as a schema (`helper(Tensor a, float scale=1.) -> Tensor`),
    /// matched like an operator's; an unannotated result type comes from
    /// compiling the callee. Emits `prim::CallMethod` or `prim::CallFunction`;
    /// `alias` is the method's compiled name where it is not the
    /// definition's (a property's getter).
    pub(super) fn user_call(
        &mut self,
        object: Option<(ValueId, Rc<Instance>)>,
        f: &Rc<Function>,
        mut positional: Vec<ValueId>,
        keywords: Vec<(String, ValueId)>,
        span: Span,
        alias: Option<Rc<str>>,
    ) -> ValueId {
        let unit = Unit {
            def: f.def.clone(),
            file: f.file,
            globals: f.globals.clone(),
            owner: object.as_ref().map(|(_, i)| i.clone()),
            alias: alias.clone(),
            example_types: None,
        };
        let Some(signature) = signature(self.host, &unit) else { return self.unsupported() };
        let name = self.host.name(f.def.name.name).to_string();
        let callee = (Rc::as_ptr(&f.def), unit.owner.as_ref().map(Rc::as_ptr));
        if self.stack.contains(&callee) {
            return self.sure_error(
                Diagnostic::new(
                    Code::E2015,
                    span,
                    format!("function '{name}' is called recursively. Recursive calls are not supported"),
                )
                .label(format!("`{name}` calls itself here"))
                .help("rewrite the recursion as a loop"),
            );
        }
        let returns = match &signature.returns {
            Some(t) => t.clone(),
            None => {
                let mut stack = self.stack.clone();
                stack.push(callee);
                let mut emitter = Emitter::new(self.host, &unit);
                emitter.all_overloads = self.all_overloads;
                emitter.stack = stack;
                emitter.function();
                if emitter.stop().is_some() {
                    return self.unsupported();
                }
                let top = emitter.graph.top;
                let result = emitter.graph.block(top).returns[0];
                emitter.graph.value(result).ty.clone()
            }
        };
        let schema = signature.schema(alias.as_deref().unwrap_or(&name), returns);
        if let Some((v, _)) = &object {
            positional.insert(0, *v);
        }
        let types: Vec<Type> = positional.iter().map(|v| self.ty(*v)).collect();
        let keyword_types: Vec<(String, Type)> = keywords.iter().map(|(k, v)| (k.clone(), self.ty(*v))).collect();
        let all_types = || types.iter().chain(keyword_types.iter().map(|(_, t)| t));
        if all_types().any(|t| *t == Type::Any) {
            // An argument that already failed: no second error.
            return self.any();
        }
        match matching::match_schema(&schema, &types, &keyword_types) {
            Ok(plan) => {
                let mut inputs = Vec::with_capacity(plan.sources.len());
                for (source, argument) in plan.sources.iter().zip(&schema.arguments) {
                    inputs.push(match source {
                        Source::Positional(i, c) => self.apply(positional[*i], c, span),
                        Source::Keyword(i, c) => self.apply(keywords[*i].1, c, span),
                        Source::Default(default) => self.default_value(default, &argument.ty),
                        Source::Vararg(_) | Source::Packed(..) => return self.unsupported(),
                    });
                }
                let (kind, attr) = if object.is_some() {
                    (op::prim::CallMethod, Attr::Name(alias.map_or(name, |a| a.to_string())))
                } else {
                    (op::prim::CallFunction, Attr::Function(qualified_function_name(f)))
                };
                let call = self.graph.append(self.block, kind, inputs, plan.returns, attr, Some(span));
                self.callees.insert(call, unit);
                self.graph.node(call).outputs[0]
            }
            Err(mismatch) => {
                let reason = mismatch.reason;
                // An overloaded method (`GRU.forward__0`): PyTorch lists the
                // overloads.
                let overloaded = alias.as_deref().is_some_and(|a| a.starts_with("forward__"));
                let schema = schema.to_string();
                let mut d = if overloaded {
                    errors::arguments_not_valid(span, None).note(format!("{schema}:\n{reason}"))
                } else {
                    errors::arguments_not_valid(span, Some((&schema, &reason)))
                };
                d = d.label(format!("this call does not fit `{name}`'s signature"));
                if let Some(help) = self.refinement_help(positional.iter().chain(keywords.iter().map(|(_, v)| v))) {
                    d = d.help(help);
                }
                self.error(d)
            }
        }
    }

    /// For an Optional passed where its contained type is expected: how to
    /// refine it. An attribute needs a local first (TorchScript never
    /// refines attributes); a parameter needs an `is not None` test.
    pub(super) fn refinement_help<'v>(&self, values: impl Iterator<Item = &'v ValueId>) -> Option<String> {
        let v = values.copied().find(|v| matches!(self.ty(*v), Type::Optional(_)))?;
        let name = self.graph.value(v).name.clone()?;
        let inner = match self.ty(v) {
            Type::Optional(inner) => *inner,
            _ => return None,
        };
        Some(match self.graph.definer(v) {
            Some(node) if node.kind == op::prim::GetAttr => format!(
                "`self.{name}` is `Optional[{inner}]` and TorchScript never refines attributes: copy it into a local and test that: `{name} = self.{name}` then `if {name} is not None:` and use `{name}`"
            ),
            _ => format!(
                "`{name}` is `Optional[{inner}]`: test it first (`if {name} is not None:` or `assert {name} is not None`), then use it"
            ),
        })
    }

    /// Resolves an aten operator against its overloads, in registry order,
    /// and emits the call with defaults as constants.
    /// PyTorch's `boolean_dispatch` (`F.max_pool2d`): the flag is the
    /// positional argument at its index if given, else the keyword, else the
    /// default; given, it must be a constant, and picks the function called.
    fn boolean_dispatch(
        &mut self,
        dispatch: &Instance,
        positional: Vec<ValueId>,
        keywords: Vec<(String, ValueId)>,
        span: Span,
    ) -> ValueId {
        let field = |host: &mut Host<'_>, name: &str| dispatch.attrs.borrow().get(&host.sym(name)).cloned();
        let (Some(Value::Str(arg_name)), Some(Value::Int(index)), Some(default)) =
            (field(self.host, "arg_name"), field(self.host, "arg_index"), field(self.host, "default"))
        else {
            return self.unsupported();
        };
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        let (flag, message) = if let Some(v) = positional.get(index) {
            (self.constant_bool(*v), format!("Argument for boolean dispatch at position {index} was not constant"))
        } else if let Some((_, v)) = keywords.iter().find(|(k, _)| **k == *arg_name) {
            let message = format!("Keyword argument '{arg_name}' for boolean dispatch at position was not constant");
            (self.constant_bool(*v), message)
        } else {
            (Some(default.truthy()), String::new())
        };
        let Some(flag) = flag else {
            return self.error(
                Diagnostic::new(Code::E2017, span, message)
                    .label(format!("`{arg_name}` picks the function this calls, so it must be known when compiling"))
                    .help(format!(
                        "pass `{arg_name}=True` or `{arg_name}=False`, or an attribute listed in `__constants__`"
                    )),
            );
        };
        match field(self.host, if flag { "if_true" } else { "if_false" }) {
            Some(Value::Function(f)) => self.user_call(None, &f, positional, keywords, span, None),
            _ => self.unsupported(),
        }
    }

    pub(super) fn call_aten(
        &mut self,
        name: OpKind,
        positional: Vec<ValueId>,
        keywords: Vec<(String, ValueId)>,
        span: Span,
    ) -> ValueId {
        let types: Vec<Type> = positional.iter().map(|v| self.ty(*v)).collect();
        if types.contains(&Type::Any) || keywords.iter().any(|(_, v)| self.ty(*v) == Type::Any) {
            return self.any();
        }
        let keyword_types: Vec<(String, Type)> = keywords.iter().map(|(k, v)| (k.clone(), self.ty(*v))).collect();
        let overloads = registry().overloads(name.as_str());
        if overloads.is_empty() {
            return self.unsupported();
        }
        let mut failures = Vec::new();
        let mut converting = None;
        for schema in overloads {
            match matching::match_schema(schema, &types, &keyword_types) {
                Ok(plan) if !plan.converts() => return self.emit_plan(schema, plan, &positional, &keywords, span),
                Ok(plan) => {
                    converting.get_or_insert((schema, plan));
                }
                Err(mismatch) => failures.push((schema.to_string(), mismatch)),
            }
        }
        if let Some((schema, plan)) = converting {
            return self.emit_plan(schema, plan, &positional, &keywords, span);
        }
        // The closest overloads first: those that matched the most arguments.
        failures.sort_by_key(|(_, mismatch)| std::cmp::Reverse(mismatch.matched));
        let mut d = if failures.len() == 1 {
            let (schema, mismatch) = &failures[0];
            errors::arguments_not_valid(span, Some((schema, &mismatch.reason)))
                .label("no overload accepts these arguments")
        } else {
            errors::arguments_not_valid(span, None).label(format!("no overload of `{name}` accepts these arguments"))
        };
        let shown = if self.all_overloads { failures.len() } else { 3 };
        for (schema, mismatch) in failures.iter().take(shown) {
            d = d.note(format!("{schema}:\n{}", mismatch.reason));
        }
        if failures.len() > shown {
            let more = failures.len() - shown;
            let (s, verb) = if more == 1 { ("", "does") } else { ("s", "do") };
            d = d
                .note(format!("{more} more overload{s} of `{name}` {verb} not fit either; `--verbose` lists them all"));
        }
        if let Some(help) = self.refinement_help(positional.iter().chain(keywords.iter().map(|(_, v)| v))) {
            d = d.help(help);
        }
        // A misspelled keyword: name the one the overloads take.
        for (keyword, _) in &keywords {
            let known: Vec<&str> = overloads.iter().flat_map(|s| s.arguments.iter().map(|a| a.name.as_str())).collect();
            if !known.contains(&keyword.as_str())
                && let Some(close) = crate::host::similar(keyword, known.iter().copied())
            {
                d = d.help(format!("`{name}` takes a keyword argument `{close}`, not `{keyword}`"));
            }
        }
        self.error(d)
    }

    pub(super) fn emit_plan(
        &mut self,
        schema: &crate::ops::Schema,
        plan: Plan,
        positional: &[ValueId],
        keywords: &[(String, ValueId)],
        span: Span,
    ) -> ValueId {
        let mut inputs = Vec::with_capacity(plan.sources.len());
        for (source, argument) in
            plan.sources.iter().zip(schema.arguments.iter().map(Some).chain(std::iter::repeat(None)))
        {
            let v = match source {
                Source::Positional(i, conversion) => self.apply(positional[*i], conversion, span),
                Source::Keyword(i, conversion) => self.apply(keywords[*i].1, conversion, span),
                Source::Vararg(i) => positional[*i],
                Source::Packed(start, end) => {
                    let element = match argument.map(|a| &a.ty) {
                        Some(Type::List(element)) => (**element).clone(),
                        _ => Type::Int,
                    };
                    let mut items = Vec::with_capacity(end - start);
                    for &v in &positional[*start..*end] {
                        let conversion = matching::convert(&self.ty(v), &element, None, &mut HashMap::new());
                        items.push(self.apply(v, &conversion.unwrap_or(Conversion::None), span));
                    }
                    self.node(op::prim::ListConstruct, items, vec![Type::list(element)], Attr::None, span)[0]
                }
                Source::Default(default) => {
                    let ty = argument.map_or(Type::Any, |a| a.ty.clone());
                    self.default_value(default, &ty)
                }
            };
            inputs.push(v);
        }
        if let Some(folded) = self.fold(OpKind::intern(&schema.name), &inputs) {
            return self.constant(folded, Some(span));
        }
        let outputs = self.node(OpKind::intern(&schema.name), inputs, plan.returns.clone(), Attr::None, span);
        let node = self.graph.block(self.block).nodes.last().copied().expect("just appended");
        self.graph.node_mut(node).overload = Some(schema.overload.clone());
        match outputs.as_slice() {
            [one] => *one,
            [] => self.constant(Constant::None, None),
            many => {
                let types = many.iter().map(|v| self.ty(*v)).collect();
                self.node(op::prim::TupleConstruct, many.to_vec(), vec![Type::Tuple(types)], Attr::None, span)[0]
            }
        }
    }

    pub(super) fn apply(&mut self, v: ValueId, conversion: &Conversion, span: Span) -> ValueId {
        match conversion {
            Conversion::None => v,
            Conversion::TensorTo(t) => self.tensor_to(v, t, span),
            Conversion::Repeat(n) => {
                let items = vec![v; *n];
                self.node(op::prim::ListConstruct, items, vec![Type::list(Type::Int)], Attr::None, span)[0]
            }
            Conversion::StrToDevice => self.str_to_device(v, span),
            Conversion::TupleToList => {
                let Type::Tuple(items) = self.ty(v) else { return v };
                let element = items.first().cloned().unwrap_or(Type::Int);
                // A tuple literal becomes the list of its parts.
                let parts = match self.producer(v) {
                    Some((kind, inputs)) if kind == op::prim::TupleConstruct => inputs,
                    _ => self.node(op::prim::TupleUnpack, vec![v], items, Attr::None, span),
                };
                self.node(op::prim::ListConstruct, parts, vec![Type::list(element)], Attr::None, span)[0]
            }
        }
    }

    /// A string passed for a `Device` is converted by `aten::device`, which
    /// PyTorch folds for a literal: `device="cpu"` becomes a Device constant.
    pub(super) fn str_to_device(&mut self, v: ValueId, span: Span) -> ValueId {
        let literal = match self.graph.constant_value(v) {
            Some(Constant::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match literal {
            Some(device) => self.constant(Constant::Device(device), Some(span)),
            None => self.node(op::aten::device, vec![v], vec![Type::Device], Attr::None, span)[0],
        }
    }

    /// The implicit conversion PyTorch inserts where a Tensor is passed for
    /// an int or float (`aten::IntImplicit`, which checks it is a scalar).
    pub(super) fn tensor_to(&mut self, v: ValueId, t: &Type, span: Span) -> ValueId {
        let kind = match t {
            Type::Int => op::aten::IntImplicit,
            Type::Number => op::aten::ScalarImplicit,
            _ => op::aten::FloatImplicit,
        };
        self.node(kind, vec![v], vec![t.clone()], Attr::None, span)[0]
    }

    pub(super) fn default_value(&mut self, default: &DefaultValue, ty: &Type) -> ValueId {
        match default {
            DefaultValue::None => self.constant(Constant::None, None),
            DefaultValue::Bool(b) => self.constant(Constant::Bool(*b), None),
            DefaultValue::Int(i) => self.constant(Constant::Int(*i), None),
            DefaultValue::Float(f) => self.constant(Constant::Float(*f), None),
            DefaultValue::Str(s) => self.constant(Constant::Str(s.clone()), None),
            DefaultValue::IntList(items) => {
                let values = items.iter().map(|i| self.constant(Constant::Int(*i), None)).collect();
                self.node(op::prim::ListConstruct, values, vec![Type::list(Type::Int)], Attr::None, Span::default())[0]
            }
            _ => {
                let _ = ty;
                self.unsupported()
            }
        }
    }
}

/// A free function's TorchScript name: `__torch__.helper` for the user's
/// file, `__torch__.torch.nn.functional.dropout` for the prelude's. A
/// static method is named like a free function (`__torch__.clip`), as
/// PyTorch names it by `__name__`.
fn qualified_function_name(f: &Function) -> String {
    let name = f.qualname.rsplit('.').next().unwrap_or(&f.qualname);
    match &*f.globals.name {
        "__main__" => format!("__torch__.{name}"),
        module => format!("__torch__.{module}.{name}"),
    }
}
