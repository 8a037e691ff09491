//! Loops: `for` over ranges, lists, dicts, `zip`/`enumerate` and unrolled
//! module containers, `while`, and comprehensions, which PyTorch compiles as
//! `for` loops that append to a list or set items of a dict.

use super::*;
use crate::ops::op;

impl Emitter<'_, '_, '_> {
    /// A loop over a module container, unrolled as PyTorch does: `body`
    /// runs once per submodule. Over what `ModuleDict.items()`, `.keys()`
    /// or `.values()` give, each trip's target is the key (a string
    /// constant), the submodule, or both.
    #[allow(clippy::too_many_arguments)]
    fn unrolled_modules<F>(
        &mut self,
        target: &Expr,
        index: Option<Symbol>,
        what: Unrolled,
        container: &Rc<Instance>,
        value: ValueId,
        span: Span,
        body: &mut F,
    ) -> Result<(), Stop>
    where
        F: FnMut(&mut Self) -> Result<Completion, Stop>,
    {
        let (key, name) = match (what, &target.kind) {
            (Unrolled::Modules, ExprKind::Name(n)) => (None, Some(*n)),
            (Unrolled::Keys, ExprKind::Name(n)) => (Some(*n), None),
            (Unrolled::Items, ExprKind::Tuple(items)) => match items.as_slice() {
                [Expr { kind: ExprKind::Name(k), .. }, Expr { kind: ExprKind::Name(m), .. }] => (Some(*k), Some(*m)),
                _ => return Err(self.stop_here()),
            },
            // `for a, b in self.layers`: a submodule is no tuple.
            (Unrolled::Modules, ExprKind::Tuple(_)) => {
                self.error(
                    Diagnostic::new(Code::E2010, target.span, "module cannot be used as a tuple")
                        .label("each trip gives one submodule")
                        .help("loop over the modules with one name, or with `enumerate` for an index too"),
                );
                return Ok(());
            }
            _ => return Err(self.stop_here()),
        };
        let instances = crate::host::module::child_instances(container);
        let keys: Vec<String> = instances.iter().map(|(k, _)| k.clone()).collect();
        // As in PyTorch, every submodule is read first, then the bodies run.
        let children: Vec<ValueId> = instances
            .into_iter()
            .map(|(child_name, child)| {
                let ty = Type::Class(child.class.qualified_name().into());
                let name = submodule_value_name(&child_name);
                let v = self.node(op::prim::GetAttr, vec![value], vec![ty], Attr::Name(child_name), span)[0];
                self.graph.value_mut(v).name = Some(name);
                self.modules.insert(v, child);
                v
            })
            .collect();
        for (k, v) in children.into_iter().enumerate() {
            if let Some(index) = index {
                // `enumerate`'s index is a constant on each unrolled trip.
                let constant = self.constant(Constant::Int(k as i64), None);
                let depth = self.scopes.len();
                self.scopes[depth - 1].insert(index, constant);
            }
            let depth = self.scopes.len();
            if let Some(key) = key {
                let constant = self.constant(Constant::Str(keys[k].clone()), None);
                self.scopes[depth - 1].insert(key, constant);
            }
            if let Some(name) = name {
                self.scopes[depth - 1].insert(name, v);
            }
            let context = exits::LoopContext { carried: Vec::new(), test: None, truth: None, unrolled: true };
            if !matches!(self.in_loop(context, |this| body(this))?, Completion::Falls) {
                return Err(self.stop_here());
            }
        }
        Ok(())
    }

    /// A loop over a tuple's items, unrolled as PyTorch does: the target is
    /// each item in turn, in the enclosing scope (no loop, no carried
    /// values).
    /// With `enumerate`, `index` is the trip's number, a constant.
    fn unrolled_items<F>(
        &mut self,
        target: &Expr,
        index: Option<&Expr>,
        items: Vec<ValueId>,
        span: Span,
        body: &mut F,
    ) -> Result<(), Stop>
    where
        F: FnMut(&mut Self) -> Result<Completion, Stop>,
    {
        for (trip, item) in items.into_iter().enumerate() {
            let mut bindings = Vec::new();
            if let Some(index) = index {
                let number = self.constant(Constant::Int(trip as i64), Some(span));
                self.destructure(index, number, span, &mut bindings)?;
            }
            self.destructure(target, item, span, &mut bindings)?;
            for (name, v) in bindings {
                self.bind(name, v, span);
            }
            let context = exits::LoopContext { carried: Vec::new(), test: None, truth: None, unrolled: true };
            if !matches!(self.in_loop(context, |this| body(this))?, Completion::Falls) {
                return Err(self.stop_here());
            }
        }
        Ok(())
    }

    /// `[elt for target in iter]`, and a generator expression passed to a
    /// call: an empty list and a `for` loop that appends to it. Without an
    /// annotated type, the list takes the type of the first element
    /// compiled (`List[Tensor]` if there is none), as in PyTorch.
    pub(super) fn list_comprehension(
        &mut self,
        elt: &Expr,
        generator: &Comprehension,
        hint: Option<Type>,
        span: Span,
    ) -> Result<ValueId, Stop> {
        let (ty, mut typed) = match hint {
            Some(t @ Type::List(_)) => (t, true),
            Some(Type::Any) | None => (Type::list(Type::Tensor), false),
            Some(_) => return Err(self.stop_here()),
        };
        let list = self.node(op::prim::ListConstruct, vec![], vec![ty], Attr::None, span)[0];
        // The comprehension's names are its own.
        self.scopes.push(HashMap::new());
        let result = self.iterate(&generator.target, &generator.iter, Vec::new(), span, &mut |this| {
            let v = this.value(elt);
            if !typed {
                let element = this.ty(v);
                if element == Type::Any {
                    return Err(this.stop_here());
                }
                this.graph.value_mut(list).ty = Type::list(element);
                typed = true;
            }
            this.call_aten(op::aten::append, vec![list, v], vec![], span);
            Ok(Completion::Falls)
        });
        self.scopes.pop();
        result.map(|()| list)
    }

    /// `{key: value for target in iter}`: an empty dict and a `for` loop
    /// that sets its items; `Dict[str, Tensor]` until the first item says
    /// otherwise.
    pub(super) fn dict_comprehension(
        &mut self,
        key: &Expr,
        value: &Expr,
        generator: &Comprehension,
        hint: Option<Type>,
        span: Span,
    ) -> Result<ValueId, Stop> {
        let (ty, mut typed) = match hint {
            Some(t @ Type::Dict(..)) => (t, true),
            Some(Type::Any) | None => (Type::Dict(Box::new(Type::Str), Box::new(Type::Tensor)), false),
            Some(_) => return Err(self.stop_here()),
        };
        let dict = self.node(op::prim::DictConstruct, vec![], vec![ty], Attr::None, span)[0];
        self.scopes.push(HashMap::new());
        let result = self.iterate(&generator.target, &generator.iter, Vec::new(), span, &mut |this| {
            let k = this.value(key);
            let v = this.value(value);
            if !typed {
                let (kt, vt) = (this.ty(k), this.ty(v));
                if kt == Type::Any || vt == Type::Any {
                    return Err(this.stop_here());
                }
                this.graph.value_mut(dict).ty = Type::Dict(Box::new(kt), Box::new(vt));
                typed = true;
            }
            this.call_aten(op::aten::_set_item, vec![dict, k, v], vec![], span);
            Ok(Completion::Falls)
        });
        self.scopes.pop();
        result.map(|()| dict)
    }

    /// `while test:`: a `prim::Loop` with no trip limit whose condition is
    /// tested before the first trip and again at the end of each.
    pub(super) fn while_loop(&mut self, test: &Expr, body: &[Stmt], span: Span) -> Result<(), Stop> {
        // Locals the body refines are assigned there too.
        let mut carried: Vec<Symbol> = assigned_names(body)
            .into_iter()
            .chain(refine::tested_names(body))
            .filter(|&n| self.lookup(n).is_some())
            .collect();
        // As PyTorch makes them: in the order of the names.
        carried.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        carried.dedup();
        let cond = self.condition(test);
        let unbounded = self.constant(Constant::Int(i64::MAX), None);
        // The condition again, on this trip's values (a condition that
        // failed to type has said so once).
        let failed = self.ty(cond) == Type::Any;
        let next = |this: &mut Self| if failed { cond } else { this.condition(test) };
        let context =
            exits::LoopContext { carried: carried.clone(), test: Some(test.clone()), truth: None, unrolled: false };
        self.in_loop(context, |this| {
            let no_targets = |_: &mut Self, _| Ok(Vec::new());
            this.carried_loop(unbounded, cond, carried, None, span, no_targets, next, &mut |this| this.statements(body))
        })
    }

    pub(super) fn for_loop(&mut self, target: &Expr, iter: &Expr, body: &[Stmt], span: Span) -> Result<(), Stop> {
        // Locals the body refines are assigned there too.
        let mut assigned = assigned_names(body);
        assigned.extend(refine::tested_names(body));
        self.iterate(target, iter, assigned, span, &mut |this| this.statements(body))
    }

    /// A `for` loop binding `target` on each trip over `iter` and running
    /// `body`; `assigned` are the names the body assigns (the outer ones
    /// among them are loop-carried).
    fn iterate<F>(
        &mut self,
        target: &Expr,
        iter: &Expr,
        assigned: Vec<Symbol>,
        span: Span,
        body: &mut F,
    ) -> Result<(), Stop>
    where
        F: FnMut(&mut Self) -> Result<Completion, Stop>,
    {
        // `self.heads.items()` (`.keys()`, `.values()`) of a ModuleDict
        // unrolls; of a dict, it is the method's list.
        if let ExprKind::Call { func, args } = &iter.kind
            && args.is_empty()
            && let ExprKind::Attribute { value, attr } = &func.kind
            && let Some(what) = match self.host.name(attr.name) {
                "items" => Some(Unrolled::Items),
                "keys" => Some(Unrolled::Keys),
                "values" => Some(Unrolled::Modules),
                _ => None,
            }
        {
            match self.expr(value) {
                Sugar::Module(container, holder) => {
                    return self.unrolled_modules(target, None, what, &container, holder, span, body);
                }
                receiver => {
                    let method = self.attribute(receiver, attr, func.span);
                    let Sugar::Value(list) = self.call(method, args, iter.span) else { return Err(self.stop_here()) };
                    return self.iterate_from(target, iter, Some(list), assigned, span, body);
                }
            }
        }
        self.iterate_from(target, iter, None, assigned, span, body)
    }

    /// [`Emitter::iterate`] over `iter`, or over `evaluated` (what `iter`
    /// evaluated to) when given.
    fn iterate_from<F>(
        &mut self,
        target: &Expr,
        iter: &Expr,
        evaluated: Option<ValueId>,
        assigned: Vec<Symbol>,
        span: Span,
        body: &mut F,
    ) -> Result<(), Stop>
    where
        F: FnMut(&mut Self) -> Result<Completion, Stop>,
    {
        // `zip(a, b)` and `enumerate(a)` iterate several sources in step;
        // `enumerate(self.layers)` unrolls like `self.layers`.
        let (form, parts): (&str, Vec<&Expr>) = match &iter.kind {
            ExprKind::Call { func, args } => {
                let name = match func.kind {
                    ExprKind::Name(n) => self.host.name(n).to_string(),
                    _ => String::new(),
                };
                let positional: Option<Vec<&Expr>> = args
                    .iter()
                    .map(|a| match &a.kind {
                        ArgKind::Positional(e) => Some(e),
                        _ => None,
                    })
                    .collect();
                match (name.as_str(), positional) {
                    ("range", Some(p)) if (1..=3).contains(&p.len()) => ("range", p),
                    ("zip", Some(p)) if !p.is_empty() => ("zip", p),
                    ("enumerate", Some(p)) if p.len() == 1 => ("enumerate", p),
                    _ => ("", vec![iter]),
                }
            }
            _ => ("", vec![iter]),
        };
        if form == "enumerate"
            && let ExprKind::Tuple(names) = &target.kind
            && let [index, item] = names.as_slice()
            && let ExprKind::Name(index) = index.kind
            && let Sugar::Module(container, value) = self.expr(parts[0])
        {
            let what = if is_module_dict(&container) { Unrolled::Keys } else { Unrolled::Modules };
            return self.unrolled_modules(item, Some(index), what, &container, value, span, body);
        }
        // Each source is the loop counter (`range`, `enumerate`'s index) or
        // a list read at the counter.
        let mut sources: Vec<Option<(ValueId, Type)>> = Vec::new();
        let mut lengths = Vec::new();
        // `range(lo, hi, step)`: the start and step each trip's index is
        // derived from (`aten::__derive_index`).
        let mut derive = None;
        if form == "range" {
            let bounds: Vec<ValueId> = parts.iter().map(|p| self.value(p)).collect();
            if bounds.iter().any(|b| !matches!(self.ty(*b), Type::Int | Type::Any)) {
                // globals.rs reports range over a Tensor parameter; other
                // cases are left to a later version of this compiler.
                return Err(self.stop_here());
            }
            let n = match bounds.as_slice() {
                [n] => *n,
                [lo, hi, rest @ ..] => {
                    let step = match rest {
                        [step] => *step,
                        _ => self.constant(Constant::Int(1), None),
                    };
                    derive = Some((*lo, step));
                    self.call_aten(op::aten::__range_length, vec![*lo, *hi, step], vec![], iter.span)
                }
                _ => return Err(self.stop_here()),
            };
            sources.push(None);
            lengths.push(n);
        } else {
            if form == "enumerate" {
                sources.push(None);
                lengths.push(self.constant(Constant::Int(i64::MAX), Some(iter.span)));
            }

            // Every iterable is evaluated, then their lengths taken.
            let mut iterables = Vec::with_capacity(parts.len());
            for part in &parts {
                let sugar = match evaluated {
                    Some(v) => Sugar::Value(v),
                    None => self.expr(part),
                };
                match sugar {
                    // `for layer in self.layers:` over a ModuleList or
                    // Sequential is unrolled: the body once per submodule.
                    // A ModuleDict iterates over its keys.
                    Sugar::Module(container, value) if form.is_empty() => {
                        let what = if is_module_dict(&container) { Unrolled::Keys } else { Unrolled::Modules };
                        return self.unrolled_modules(target, None, what, &container, value, span, body);
                    }
                    // A module container unrolls only on its own (or
                    // enumerated), not zipped with a list.
                    Sugar::Module(..) if form == "zip" => {
                        self.error(
                            Diagnostic::new(
                                Code::E3001,
                                iter.span,
                                "Can not iterate over a module list or tuple with a value that does not have a statically determinable length",
                            )
                            .label("a module container in `zip`")
                            .help("iterate with `enumerate` over the modules and index the other list"),
                        );
                        return Ok(());
                    }
                    sugar => {
                        let mut iterable = self.materialize(sugar, part.span);
                        // A dict iterates over its keys.
                        if let Type::Dict(key, _) = self.ty(iterable) {
                            let keys = Type::list(*key);
                            iterable = self.node(op::aten::keys, vec![iterable], vec![keys], Attr::None, iter.span)[0];
                            self.set_overload(iterable);
                        }
                        iterables.push(iterable);
                    }
                }
            }
            // A tuple unrolls: the body once per item (`enumerate`'s index
            // a constant on each trip).
            if let [tuple] = iterables.as_slice()
                && (form.is_empty() || form == "enumerate")
                && let Type::Tuple(items) = self.ty(*tuple)
            {
                let (target, index) = match (&target.kind, form) {
                    (ExprKind::Tuple(names), "enumerate") if names.len() == 2 => (&names[1], Some(&names[0])),
                    (_, "enumerate") => return Err(self.stop_here()),
                    _ => (target, None),
                };
                let parts = match self.producer(*tuple) {
                    Some((kind, inputs)) if kind == op::prim::TupleConstruct => inputs,
                    _ => self.node(op::prim::TupleUnpack, vec![*tuple], items, Attr::None, iter.span),
                };
                return self.unrolled_items(target, index, parts, span, body);
            }
            for iterable in iterables {
                // A list's items, a string's characters, a tensor's rows.
                let element = match self.ty(iterable) {
                    Type::List(element) => *element,
                    Type::Str => Type::Str,
                    Type::Tensor => Type::Tensor,
                    shown @ (Type::Int | Type::Float | Type::Bool | Type::None | Type::Optional(_) | Type::Device) => {
                        self.error(
                            Diagnostic::new(Code::E2012, iter.span, format!("'{shown}' object is not iterable"))
                                .label(format!("a `{shown}` has no items to loop over")),
                        );
                        return Ok(());
                    }
                    _ => return Err(self.stop_here()),
                };
                let n = self.call_aten(op::aten::len, vec![iterable], vec![], iter.span);
                lengths.push(n);
                sources.push(Some((iterable, element)));
            }
        }
        let n = match lengths.as_slice() {
            [one] => *one,
            many => {
                let list = self.node(
                    op::prim::ListConstruct,
                    many.to_vec(),
                    vec![Type::list(Type::Int)],
                    Attr::None,
                    iter.span,
                )[0];
                self.node(op::prim::min, vec![list], vec![Type::Int], Attr::None, iter.span)[0]
            }
        };
        // One target per source: `for i, (a, b) in enumerate(pairs)`.
        let targets: Vec<&Expr> = match (&target.kind, sources.len()) {
            (_, 1) => vec![target],
            (ExprKind::Tuple(items), k) if items.len() == k => items.iter().collect(),
            _ => return Err(self.stop_here()),
        };
        let mut names = Vec::new();
        for t in &targets {
            super::super::each_target_name(t, &mut |e| {
                if let ExprKind::Name(n) = e.kind {
                    names.push(n);
                }
            });
        }
        // Loop-carried: outer variables the body assigns or the loop binds
        // (`i = -1; for i in range(n): ...` leaves the last index in `i`).
        let mut carried: Vec<Symbol> = assigned.into_iter().filter(|n| !names.contains(n)).collect();
        carried.extend(names.iter().copied());
        carried.retain(|&n| self.lookup(n).is_some());
        // As PyTorch makes them: in the order of the names.
        carried.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        carried.dedup();
        let truth = self.constant(Constant::Bool(true), None);
        // The counter takes the name of the target it binds, if one does.
        let counter_label = sources.iter().zip(&targets).find_map(|(source, t)| match (source, &t.kind) {
            (None, ExprKind::Name(n)) if derive.is_none() => Some(self.host.name(*n).to_string()),
            _ => None,
        });
        let bind = |this: &mut Self, i: ValueId| {
            let mut bindings = Vec::with_capacity(names.len());
            for (source, t) in sources.iter().zip(&targets) {
                let element = match source {
                    Some((iterable, element)) => {
                        let v = if this.ty(*iterable) == Type::Tensor {
                            let dim = this.constant(Constant::Int(0), None);
                            this.call_aten(op::aten::select, vec![*iterable, dim, i], vec![], iter.span)
                        } else {
                            let v = this.node(
                                op::aten::__getitem__,
                                vec![*iterable, i],
                                vec![element.clone()],
                                Attr::None,
                                iter.span,
                            )[0];
                            this.set_overload(v);
                            v
                        };
                        if let ExprKind::Name(name) = t.kind {
                            this.graph.value_mut(v).name = Some(this.host.name(name).to_string());
                        }
                        v
                    }
                    None => match derive {
                        Some((lo, step)) => {
                            this.call_aten(op::aten::__derive_index, vec![i, lo, step], vec![], iter.span)
                        }
                        None => i,
                    },
                };
                this.destructure(t, element, iter.span, &mut bindings)?;
            }
            Ok(bindings)
        };
        // The condition stays the constant made before the loop.
        let every_trip = |_: &mut Self| truth;
        let context = exits::LoopContext { carried: carried.clone(), test: None, truth: Some(truth), unrolled: false };
        self.in_loop(context, |this| this.carried_loop(n, truth, carried, counter_label, span, bind, every_trip, body))
    }

    /// The names a loop target binds to parts of `value`: `k, v` of a
    /// tuple through `prim::TupleUnpack`, of a list through
    /// `prim::ListUnpack`.
    fn destructure(
        &mut self,
        target: &Expr,
        value: ValueId,
        span: Span,
        out: &mut Vec<(Symbol, ValueId)>,
    ) -> Result<(), Stop> {
        match &target.kind {
            ExprKind::Name(name) => {
                if self.graph.value(value).name.is_none() {
                    self.graph.value_mut(value).name = Some(self.host.name(*name).to_string());
                }
                out.push((*name, value));
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let types = match self.tuple_view(value) {
                    Type::Tuple(types) if types.len() == items.len() => types,
                    Type::List(element) => vec![*element; items.len()],
                    _ => return Err(self.stop_here()),
                };
                let kind = if matches!(self.tuple_view(value), Type::Tuple(_)) {
                    op::prim::TupleUnpack
                } else {
                    op::prim::ListUnpack
                };
                let parts = self.node(kind, vec![value], types, Attr::None, span);
                for (item, part) in items.iter().zip(parts) {
                    self.destructure(item, part, span, out)?;
                }
                Ok(())
            }
            _ => Err(self.stop_here()),
        }
    }

    /// The registry overload of the operator that made `v`, chosen by the
    /// types of its inputs (for nodes made without `call_aten`).
    fn set_overload(&mut self, v: ValueId) {
        let Some(node) = self.graph.defining_node(v) else { return };
        let n = self.graph.node(node);
        let types: Vec<Type> = n.inputs.iter().map(|&i| self.ty(i)).collect();
        let overload = registry()
            .overloads(n.kind.as_str())
            .iter()
            .find(|s| matching::match_schema(s, &types, &[]).is_ok_and(|plan| !plan.converts()))
            .map(|s| s.overload.clone());
        self.graph.node_mut(node).overload = overload;
    }

    /// A `prim::Loop` running `body` while `cond` (then `next`) holds, at
    /// most `trip` times, carrying the outer variables `carried`: the trip
    /// counter and the carried values are the body's parameters, `bind`
    /// gives the names a trip starts with (a `for` loop's targets, which
    /// shadow their carried parameters), and the loop's outputs rebind the
    /// carried names after it.
    #[allow(clippy::too_many_arguments)]
    fn carried_loop<F>(
        &mut self,
        trip: ValueId,
        cond: ValueId,
        carried: Vec<Symbol>,
        counter_label: Option<String>,
        span: Span,
        bind: impl FnOnce(&mut Self, ValueId) -> Result<Vec<(Symbol, ValueId)>, Stop>,
        next: impl FnOnce(&mut Self) -> ValueId,
        body: &mut F,
    ) -> Result<(), Stop>
    where
        F: FnMut(&mut Self) -> Result<Completion, Stop>,
    {
        let initial: Vec<ValueId> = carried.iter().map(|n| self.lookup(*n).expect("carried names exist")).collect();
        let mut inputs = vec![trip, cond];
        inputs.extend(initial.iter().copied());
        let node = self.graph.append(self.block, op::prim::Loop, inputs, vec![], Attr::None, Some(span));
        let body_block = self.graph.new_block();
        self.graph.node_mut(node).blocks = vec![body_block];
        let i = self.graph.new_value(Type::Int, counter_label);
        self.graph.block_mut(body_block).params.push(i);
        let outer = self.block;
        self.block = body_block;
        self.scopes.push(HashMap::new());
        let bindings = match bind(self, i) {
            Ok(bindings) => bindings,
            Err(stop) => {
                self.scopes.pop();
                self.block = outer;
                return Err(stop);
            }
        };
        let depth = self.scopes.len();
        for (name, init) in carried.iter().zip(&initial) {
            let p = self.graph.new_value(self.ty(*init), Some(self.host.name(*name).to_string()));
            // (Until the body says otherwise: in messages, the outer type.)
            self.graph.value_mut(p).inferred = self.graph.value(*init).inferred;
            self.graph.block_mut(body_block).params.push(p);
            self.scopes[depth - 1].insert(*name, p);
        }
        // A target that is new to the loop belongs to the body (the body
        // may rebind it to another type); one that existed before shadows
        // its carried parameter.
        let (outer_targets, body_targets): (Vec<_>, Vec<_>) =
            bindings.into_iter().partition(|(name, _)| carried.contains(name));
        self.scopes[depth - 1].extend(outer_targets);
        // The body gets a scope of its own inside the block parameters', so
        // assigning a carried variable is checked like any outer variable.
        self.scopes.push(body_targets.into_iter().collect());
        let flow = body(self);
        // A body that ends in an exit has no condition of its own to test
        // (lowering the exits replaces it).
        let next = if matches!(flow, Ok(Completion::Falls)) { next(self) } else { cond };
        let body_scope = self.scopes.pop().expect("pushed above");
        let params_scope = self.scopes.pop().expect("pushed above");
        if !matches!(flow?, Completion::Falls | Completion::Exits | Completion::Raises) {
            return Err(self.stop_here());
        }
        let mut returns = vec![next];
        for name in &carried {
            let v = body_scope.get(name).or_else(|| params_scope.get(name)).copied();
            returns.push(v.expect("carried names have block parameters"));
        }
        self.graph.block_mut(body_block).returns = returns.clone();
        self.block = outer;
        for (k, (name, init)) in carried.iter().zip(&initial).enumerate() {
            let out = self.graph.add_output(node, self.ty(*init), Some(self.host.name(*name).to_string()));
            // Parameter and output have the type object of the body's value.
            let inferred = self.graph.value(returns[1 + k]).inferred;
            let param = self.graph.block(body_block).params[1 + k];
            self.graph.value_mut(param).inferred = inferred;
            self.graph.value_mut(out).inferred = inferred;
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(*name, out);
        }
        Ok(())
    }
}

/// What an unrolled loop over a module container binds each trip.
#[derive(Clone, Copy)]
enum Unrolled {
    /// The submodule.
    Modules,
    /// The key (`ModuleDict.keys()`).
    Keys,
    /// The key and the submodule (`ModuleDict.items()`).
    Items,
}

/// Names assigned anywhere in the statements.
fn assigned_names(body: &[Stmt]) -> Vec<Symbol> {
    let mut out = Vec::new();
    let mut add = |e: &Expr| {
        if let ExprKind::Name(n) = e.kind {
            out.push(n);
        }
    };
    super::super::each_statement_unchecked(body, &mut |s| match &s.kind {
        StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| super::super::each_target_name(t, &mut add)),
        StmtKind::AugAssign { target, .. } | StmtKind::AnnAssign { target, .. } | StmtKind::For { target, .. } => {
            super::super::each_target_name(target, &mut add);
        }
        _ => {}
    });
    out.sort();
    out.dedup();
    out
}

/// Whether a module is an `nn.ModuleDict` (or a subclass of it): iterating
/// it gives its keys.
pub(super) fn is_module_dict(container: &Instance) -> bool {
    container.class.mro().iter().any(|c| &*c.name == "ModuleDict" && c.module_path.starts_with("torch.nn"))
}
