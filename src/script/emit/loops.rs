//! Loops: `for` over ranges, lists, `zip`/`enumerate` and unrolled module
//! containers, `while`, and list comprehensions.

use super::*;

impl Emitter<'_, '_, '_> {
    /// A loop over a module container, unrolled as PyTorch does.
    pub(super) fn unrolled_loop(
        &mut self,
        target: &Expr,
        index: Option<Symbol>,
        container: &Rc<Instance>,
        value: ValueId,
        body: &[Stmt],
        span: Span,
    ) -> Result<(), Incomplete> {
        let ExprKind::Name(name) = target.kind else { return Err(Incomplete) };
        // As in PyTorch, every submodule is read first, then the bodies run.
        let children: Vec<ValueId> = crate::host::module::child_instances(container)
            .into_iter()
            .map(|(child_name, child)| {
                let ty = Type::Class(child.class.qualified_name().into());
                let v = self.node("prim::GetAttr", vec![value], vec![ty], Attr::Name(child_name), span)[0];
                self.modules.insert(v, child);
                v
            })
            .collect();
        for (k, v) in children.into_iter().enumerate() {
            if let Some(index) = index {
                // `enumerate`'s index is a constant on each unrolled trip.
                let constant = self.constant(IrConstant::Int(k as i64), None);
                let depth = self.scopes.len();
                self.scopes[depth - 1].insert(index, constant);
            }
            let depth = self.scopes.len();
            self.scopes[depth - 1].insert(name, v);
            let context = exits::LoopContext { carried: Vec::new(), test: None, truth: None, unrolled: true };
            if !matches!(self.in_loop(context, |this| this.statements(body))?, Flow::Falls) {
                return Err(Incomplete);
            }
        }
        Ok(())
    }

    /// `[elt for x in xs]` / `[elt for i in range(n)]`: an empty list and a
    /// loop that appends to it. The element type is the type `elt` turns
    /// out to have, so the list's type is set once the loop is emitted.
    pub(super) fn list_comprehension(
        &mut self,
        elt: &Expr,
        generator: &Comprehension,
        span: Span,
    ) -> Result<ValueId, Incomplete> {
        let ExprKind::Name(name) = generator.target.kind else { return Err(Incomplete) };
        let range_bound = match &generator.iter.kind {
            ExprKind::Call { func, args } if matches!(func.kind, ExprKind::Name(f) if self.host.name(f) == "range") => {
                match args.as_slice() {
                    [Arg { kind: ArgKind::Positional(bound), .. }] => Some(bound),
                    _ => return Err(Incomplete),
                }
            }
            _ => None,
        };
        let list = self.node("prim::ListConstruct", vec![], vec![Type::list(Type::Any)], Attr::None, span)[0];
        let (n, source) = match range_bound {
            Some(bound) => {
                let n = self.value(bound);
                if self.ty(n) != Type::Int {
                    return Err(Incomplete);
                }
                (n, None)
            }
            None => {
                let iterable = self.value(&generator.iter);
                let Type::List(element) = self.ty(iterable) else { return Err(Incomplete) };
                let n = self.node("aten::len", vec![iterable], vec![Type::Int], Attr::None, span)[0];
                (n, Some((iterable, *element)))
            }
        };
        let truth = self.constant(IrConstant::Bool(true), None);
        let node = self.graph.append(self.block, "prim::Loop", vec![n, truth], vec![], Attr::None, Some(span));
        let body = self.graph.new_block();
        self.graph.node_mut(node).blocks = vec![body];
        let label = Some(self.host.name(name).to_string());
        let i = self.graph.new_value(Type::Int, if source.is_none() { label.clone() } else { None });
        self.graph.block_mut(body).params.push(i);
        let outer = self.block;
        self.block = body;
        let item = match source {
            Some((iterable, element)) => {
                let v = self.node("aten::__getitem__", vec![iterable, i], vec![element], Attr::None, span)[0];
                self.graph.value_mut(v).name = label;
                v
            }
            None => i,
        };
        // The target is local to the comprehension.
        self.scopes.push(HashMap::from([(name, item)]));
        let v = self.value(elt);
        self.scopes.pop();
        let element = self.ty(v);
        if element == Type::Any {
            self.block = outer;
            return Err(Incomplete);
        }
        self.graph.value_mut(list).ty = Type::list(element.clone());
        let append =
            self.graph.append(body, "aten::append", vec![list, v], vec![Type::list(element)], Attr::None, Some(span));
        self.graph.node_mut(append).overload = Some("t".into());
        let truth = self.constant(IrConstant::Bool(true), None);
        self.graph.block_mut(body).returns = vec![truth];
        self.block = outer;
        Ok(list)
    }

    /// `while test:`: a `prim::Loop` with no trip limit whose condition is
    /// tested before the first trip and again at the end of each.
    pub(super) fn while_loop(&mut self, test: &Expr, body: &[Stmt], span: Span) -> Result<(), Incomplete> {
        let mut carried: Vec<Symbol> = assigned_names(body).into_iter().filter(|&n| self.lookup(n).is_some()).collect();
        // As PyTorch makes them: in the order of the names.
        carried.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        let cond = self.condition(test);
        let unbounded = self.constant(IrConstant::Int(i64::MAX), None);
        // The condition again, on this trip's values (a condition that
        // failed to type has said so once).
        let failed = self.ty(cond) == Type::Any;
        let next = |this: &mut Self| if failed { cond } else { this.condition(test) };
        let context =
            exits::LoopContext { carried: carried.clone(), test: Some(test.clone()), truth: None, unrolled: false };
        self.in_loop(context, |this| {
            this.carried_loop(unbounded, cond, carried, None, body, span, |_, _| Vec::new(), next)
        })
    }

    pub(super) fn for_loop(&mut self, target: &Expr, iter: &Expr, body: &[Stmt], span: Span) -> Result<(), Incomplete> {
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
                    ("range", Some(p)) if p.len() == 1 => ("range", p),
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
            return self.unrolled_loop(item, Some(index), &container, value, body, span);
        }
        // Each source is the loop counter (`range`, `enumerate`'s index) or
        // a list read at the counter.
        let mut sources: Vec<Option<(ValueId, Type)>> = Vec::new();
        let mut lengths = Vec::new();
        if form == "range" {
            let n = self.value(parts[0]);
            if !matches!(self.ty(n), Type::Int | Type::Any) {
                // globals.rs reports range over a Tensor parameter; other
                // cases are left to a later version of this compiler.
                return Err(Incomplete);
            }
            sources.push(None);
            lengths.push(n);
        } else {
            if form == "enumerate" {
                sources.push(None);
                lengths.push(self.constant(IrConstant::Int(i64::MAX), Some(iter.span)));
            }
            for part in &parts {
                match self.expr(part) {
                    // `for layer in self.layers:` over a ModuleList or
                    // Sequential is unrolled: the body once per submodule.
                    Sugar::Module(container, value) if form.is_empty() => {
                        return self.unrolled_loop(target, None, &container, value, body, span);
                    }
                    sugar => {
                        let iterable = self.materialize(sugar, part.span);
                        let Type::List(element) = self.ty(iterable) else { return Err(Incomplete) };
                        lengths.push(self.node("aten::len", vec![iterable], vec![Type::Int], Attr::None, iter.span)[0]);
                        sources.push(Some((iterable, *element)));
                    }
                }
            }
        }
        let n = match lengths.as_slice() {
            [one] => *one,
            many => {
                let list =
                    self.node("prim::ListConstruct", many.to_vec(), vec![Type::list(Type::Int)], Attr::None, iter.span)
                        [0];
                self.node("prim::min", vec![list], vec![Type::Int], Attr::None, iter.span)[0]
            }
        };
        // One name per source.
        let names: Vec<Symbol> = match (&target.kind, sources.len()) {
            (ExprKind::Name(name), 1) => vec![*name],
            (ExprKind::Tuple(items), k) if items.len() == k => items
                .iter()
                .map(|t| match t.kind {
                    ExprKind::Name(n) => Ok(n),
                    _ => Err(Incomplete),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(Incomplete),
        };
        // Loop-carried: outer variables the body assigns, and the loop
        // targets last (`i = -1; for i in range(n): ...` leaves the last
        // index in `i`).
        let mut carried: Vec<Symbol> = assigned_names(body).into_iter().filter(|n| !names.contains(n)).collect();
        carried.extend(names.iter().copied());
        carried.retain(|&n| self.lookup(n).is_some());
        // As PyTorch makes them: in the order of the names.
        carried.sort_by(|a, b| self.host.name(*a).cmp(self.host.name(*b)));
        let truth = self.constant(IrConstant::Bool(true), None);
        // The counter takes the name of the target it binds, if any.
        let counter_label = sources.iter().position(Option::is_none).map(|k| self.host.name(names[k]).to_string());
        let bind = |this: &mut Self, i: ValueId| {
            let mut bindings = Vec::with_capacity(names.len());
            for (source, name) in sources.iter().zip(&names) {
                let element = match source {
                    Some((iterable, element)) => {
                        let v = this.node(
                            "aten::__getitem__",
                            vec![*iterable, i],
                            vec![element.clone()],
                            Attr::None,
                            iter.span,
                        )[0];
                        this.graph.value_mut(v).name = Some(this.host.name(*name).to_string());
                        v
                    }
                    None => i,
                };
                bindings.push((*name, element));
            }
            bindings
        };
        // The condition stays the constant made before the loop.
        let every_trip = |_: &mut Self| truth;
        let context = exits::LoopContext { carried: carried.clone(), test: None, truth: Some(truth), unrolled: false };
        self.in_loop(context, |this| this.carried_loop(n, truth, carried, counter_label, body, span, bind, every_trip))
    }

    /// A `prim::Loop` running `body` while `cond` (then `next`) holds, at
    /// most `trip` times, carrying the outer variables `carried`: the trip
    /// counter and the carried values are the body's parameters, `bind`
    /// gives the names a trip starts with (a `for` loop's targets, which
    /// shadow their carried parameters), and the loop's outputs rebind the
    /// carried names after it.
    #[allow(clippy::too_many_arguments)]
    fn carried_loop(
        &mut self,
        trip: ValueId,
        cond: ValueId,
        carried: Vec<Symbol>,
        counter_label: Option<String>,
        body: &[Stmt],
        span: Span,
        bind: impl FnOnce(&mut Self, ValueId) -> Vec<(Symbol, ValueId)>,
        next: impl FnOnce(&mut Self) -> ValueId,
    ) -> Result<(), Incomplete> {
        let initial: Vec<ValueId> = carried.iter().map(|n| self.lookup(*n).expect("carried names exist")).collect();
        let mut inputs = vec![trip, cond];
        inputs.extend(initial.iter().copied());
        let node = self.graph.append(self.block, "prim::Loop", inputs, vec![], Attr::None, Some(span));
        let body_block = self.graph.new_block();
        self.graph.node_mut(node).blocks = vec![body_block];
        let i = self.graph.new_value(Type::Int, counter_label);
        self.graph.block_mut(body_block).params.push(i);
        let outer = self.block;
        self.block = body_block;
        self.scopes.push(HashMap::new());
        let bindings = bind(self, i);
        let depth = self.scopes.len();
        for (name, init) in carried.iter().zip(&initial) {
            let p = self.graph.new_value(self.ty(*init), Some(self.host.name(*name).to_string()));
            self.graph.block_mut(body_block).params.push(p);
            self.scopes[depth - 1].insert(*name, p);
        }
        self.scopes[depth - 1].extend(bindings);
        // The body gets a scope of its own inside the block parameters', so
        // assigning a carried variable is checked like any outer variable.
        self.scopes.push(HashMap::new());
        let flow = self.statements(body);
        // A body that ends in an exit has no condition of its own to test
        // (lowering the exits replaces it).
        let next = if matches!(flow, Ok(Flow::Falls)) { next(self) } else { cond };
        let body_scope = self.scopes.pop().expect("pushed above");
        let params_scope = self.scopes.pop().expect("pushed above");
        if !matches!(flow?, Flow::Falls | Flow::Exits | Flow::Raises) {
            return Err(Incomplete);
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
