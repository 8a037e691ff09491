//! Records a traced `forward` that the host runs as Python, as PyTorch's
//! tracer records its run: each operator the host computes on the trace's
//! tensors, parameters and buffers as `prim::GetAttr` chains from `self`,
//! sizes as `aten::size` held in 0-dim tensors (`prim::NumToTensor`) and
//! read back with `aten::Int` where an int is needed, Python values as
//! constants. This is how a `forward` that does not script is traced.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::attributes::Attributes;
use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::host::tape::{Operation, Tape};
use crate::host::value::{EntryKind, Instance, Value};
use crate::ir::{Attr, Constant, Graph, NodeId, ValueId};
use crate::ops::{OpKind, op};
use crate::runtime::RValue;
use crate::source::Span;
use crate::tensor::Tensor;
use crate::types::Type;

fn identity(t: &Rc<Tensor>) -> usize {
    Rc::as_ptr(t) as usize
}

pub(super) struct HostTape {
    pub graph: Graph,
    /// The trace's tensors by identity, held so that no other tensor takes
    /// one's address while the trace runs.
    tensors: HashMap<usize, (Rc<Tensor>, ValueId)>,
    /// The traced module's parameters and buffers by identity: their path.
    state: HashMap<usize, (Rc<Tensor>, Vec<String>)>,
    /// `self`'s attributes read so far.
    attributes: Attributes,
    pub warnings: Vec<Diagnostic>,
    warned: HashSet<Span>,
    /// The first thing the trace could not record: the trace fails.
    pub failure: Option<Diagnostic>,
    /// Scripted submodules by identity: their path.
    scripted: HashMap<*const Instance, Vec<String>>,
    /// Each recorded call of a scripted submodule, and the module.
    pub calls: Vec<(NodeId, Rc<Instance>)>,
}

impl HostTape {
    /// A tape for `module`'s `forward` on `examples`, named as `names`.
    pub(super) fn new(host: &Host<'_>, module: &Rc<Instance>, examples: &[Value], names: &[String]) -> HostTape {
        let mut graph = Graph::new();
        let this = graph.add_input(Type::Class(module.class.qualified_name().into()), Some("self".into()));
        let mut tape = HostTape {
            graph,
            tensors: HashMap::new(),
            state: HashMap::new(),
            attributes: Attributes::new(this, HashMap::new()),
            warnings: Vec::new(),
            warned: HashSet::new(),
            failure: None,
            scripted: HashMap::new(),
            calls: Vec::new(),
        };
        for (i, example) in examples.iter().enumerate() {
            let v = tape.graph.add_input(super::example_type(example), names.get(i).cloned());
            tape.unpack_input(example, v);
        }
        tape.collect_state(host, module, &mut Vec::new(), &mut HashSet::new());
        tape
    }

    /// A trace input's tensors: the input itself, or a tuple's or list's
    /// unpacked right away, a dict's values read in its order.
    fn unpack_input(&mut self, input: &Value, v: ValueId) {
        let top = self.graph.top;
        let items = match input {
            Value::Tensor(t) => {
                self.tensors.insert(identity(t), (t.clone(), v));
                return;
            }
            Value::Tuple(items) => items.to_vec(),
            Value::List(items) => items.borrow().clone(),
            Value::Dict(d) => {
                let entries: Vec<(Value, Value)> = d.borrow().entries.values().cloned().collect();
                for (key, item) in entries {
                    let (key, overload) = match key {
                        Value::Str(s) => (Constant::Str(s.to_string()), "Dict_str"),
                        Value::Int(i) => (Constant::Int(i), "Dict_int"),
                        _ => continue,
                    };
                    let key = self.graph.constant(top, key, None);
                    let ty = super::example_type(&item);
                    let n = self.graph.append(top, op::aten::__getitem__, vec![v, key], vec![ty], Attr::None, None);
                    self.graph.node_mut(n).overload = Some(overload.into());
                    let read = self.graph.node(n).outputs[0];
                    self.unpack_input(&item, read);
                }
                return;
            }
            _ => return,
        };
        let kind = if matches!(input, Value::List(_)) { op::prim::ListUnpack } else { op::prim::TupleUnpack };
        let types = items.iter().map(super::example_type).collect();
        let n = self.graph.append(top, kind, vec![v], types, Attr::None, None);
        for (item, unpacked) in items.iter().zip(self.graph.node(n).outputs.clone()) {
            self.unpack_input(item, unpacked);
        }
    }

    /// Every parameter and buffer of the module tree, by path.
    fn collect_state(
        &mut self,
        host: &Host<'_>,
        module: &Rc<Instance>,
        path: &mut Vec<String>,
        seen: &mut HashSet<*const Instance>,
    ) {
        if !seen.insert(Rc::as_ptr(module)) {
            return;
        }
        let Some(state) = host.module_state(module) else { return };
        let tensors = state
            .parameters
            .0
            .borrow()
            .entries
            .values()
            .chain(state.buffers.0.borrow().entries.values())
            .cloned()
            .collect::<Vec<_>>();
        let children = state.modules.0.borrow().entries.values().cloned().collect::<Vec<_>>();
        drop(state);
        for (name, value) in tensors {
            if let (Value::Str(name), Value::Tensor(t)) = (name, value) {
                path.push(name.to_string());
                self.state.entry(identity(&t)).or_insert_with(|| (t.clone(), path.clone()));
                path.pop();
            }
        }
        for (name, value) in children {
            let Value::Str(name) = name else { continue };
            path.push(name.to_string());
            match value {
                Value::Instance(child) => {
                    self.attributes.classes.insert(path.clone(), child.class.qualified_name());
                    self.collect_state(host, &child, path, seen);
                }
                // A scripted submodule: called, not entered.
                Value::Entry(entry) if entry.kind == EntryKind::Script => {
                    if let Value::Instance(child) = &entry.target {
                        self.attributes.classes.insert(path.clone(), child.class.qualified_name());
                        self.scripted.insert(Rc::as_ptr(child), path.clone());
                    }
                }
                _ => {}
            }
            path.pop();
        }
    }

    /// The trace's value for a tensor: recorded, or a module attribute read.
    fn tensor(&mut self, t: &Rc<Tensor>) -> Result<ValueId, String> {
        if let Some((_, v)) = self.tensors.get(&identity(t)) {
            return Ok(*v);
        }
        let path = self.state.get(&identity(t)).map(|(_, p)| p.clone()).ok_or_else(|| {
            format!("a tensor of shape {:?} that is neither an input, a parameter nor a result of the trace", t.shape)
        })?;
        Ok(self.attribute(&path))
    }

    fn attribute(&mut self, path: &[String]) -> ValueId {
        self.attributes.read(&mut self.graph, path, Type::Tensor)
    }

    /// Appends an operator node; `overload` is the schema's (`""` for the
    /// default one), `None` for `prim` nodes.
    fn append(&mut self, kind: OpKind, overload: Option<&str>, inputs: Vec<ValueId>, ty: Type, span: Span) -> ValueId {
        let top = self.graph.top;
        let n = self.graph.append(top, kind, inputs, vec![ty], Attr::None, Some(span));
        self.graph.node_mut(n).overload = overload.map(str::to_string);
        self.graph.node(n).outputs[0]
    }

    /// An argument of a recorded operator: a traced tensor, a traced size
    /// read back as an int, lists and tuples built from them, else the
    /// constant the kernel took.
    fn argument(&mut self, given: Option<&Value>, value: &RValue, span: Span) -> Result<ValueId, String> {
        match (given, value) {
            (Some(Value::Tensor(t)), RValue::Tensor(_)) => return self.tensor(t),
            (Some(Value::Tensor(t)), RValue::Int(_)) if self.traces(t) => {
                let size = self.tensor(t)?;
                return Ok(self.append(op::aten::Int, Some("Tensor"), vec![size], Type::Int, span));
            }
            (Some(Value::Tensor(t)), RValue::Float(_)) if self.traces(t) => {
                let number = self.tensor(t)?;
                return Ok(self.append(op::aten::Float, Some("Tensor"), vec![number], Type::Float, span));
            }
            _ => {}
        }
        let top = self.graph.top;
        let items = |g: Option<&Value>| -> Option<Vec<Value>> {
            match g? {
                Value::List(items) => Some(items.borrow().clone()),
                Value::Tuple(items) => Some(items.to_vec()),
                _ => None,
            }
        };
        Ok(match value {
            RValue::List(_) | RValue::Tuple(_) => {
                let values = value.items().unwrap_or_default();
                let given = items(given).filter(|g| g.len() == values.len());
                let inputs = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.argument(given.as_ref().map(|g| &g[i]), v, span))
                    .collect::<Result<Vec<_>, _>>()?;
                let (kind, ty) = match value {
                    RValue::List(_) => (op::prim::ListConstruct, Type::list(list_element(&values))),
                    _ => (op::prim::TupleConstruct, value_type(value)),
                };
                let n = self.graph.append(top, kind, inputs, vec![ty], Attr::None, Some(span));
                self.graph.node(n).outputs[0]
            }
            RValue::Tensor(_) => return Err("a tensor the trace did not make".into()),
            RValue::None => self.graph.constant(top, Constant::None, Some(span)),
            RValue::Bool(b) => self.graph.constant(top, Constant::Bool(*b), Some(span)),
            RValue::Int(i) => self.graph.constant(top, Constant::Int(*i), Some(span)),
            RValue::Float(f) => self.graph.constant(top, Constant::Float(*f), Some(span)),
            RValue::Str(s) => self.graph.constant(top, Constant::Str(s.to_string()), Some(span)),
            RValue::Device(d) => self.graph.constant(top, Constant::Device(d.to_string()), Some(span)),
            other => return Err(format!("a {} cannot be recorded in a trace", other.type_name())),
        })
    }

    fn record(&mut self, op: &Operation<'_>) -> Result<(), String> {
        let produces_tensors = op.results.iter().any(|r| match r {
            Value::Tensor(_) => true,
            Value::List(items) => items.borrow().iter().any(|i| matches!(i, Value::Tensor(_))),
            _ => false,
        });
        // Python values computed from the trace's tensors (`x.dim()`) are
        // constants to PyTorch's tracer too, but for sizes, which it traces
        // (`t.size(0)`, `t.numel()` give the 0-dim tensors the trace
        // holds; `torch.numel(t)` would give a constant); operations making
        // tensors from constants alone (a mask) are recorded, as PyTorch
        // records them.
        if matches!(op.kind, op::aten::size | op::aten::numel | op::aten::sym_size | op::aten::sym_numel)
            && op.args.iter().any(|a| matches!(&a.given, Some(Value::Tensor(t)) if self.traces(t)))
        {
            return Err(format!("`{}` of a traced tensor cannot be traced yet: use the tensor's method", op.kind));
        }
        if !produces_tensors {
            return Ok(());
        }
        let inputs = op
            .args
            .iter()
            .map(|a| self.argument(a.given.as_ref(), &a.value, op.span))
            .collect::<Result<Vec<_>, _>>()?;
        let types = op.results.iter().map(super::example_type).collect();
        let top = self.graph.top;
        let n = self.graph.append(top, op.kind, inputs, types, Attr::None, Some(op.span));
        self.graph.node_mut(n).overload = Some(op.overload.to_string());
        let outputs = self.graph.node(n).outputs.clone();
        for (result, v) in op.results.iter().zip(outputs) {
            match result {
                Value::Tensor(t) => {
                    self.tensors.insert(identity(t), (t.clone(), v));
                }
                // `chunk`, `split`, `unbind`: unpacked right away, as
                // PyTorch's tracer does.
                Value::List(items) => {
                    let items = items.borrow().clone();
                    let types = vec![Type::Tensor; items.len()];
                    let n = self.graph.append(top, op::prim::ListUnpack, vec![v], types, Attr::None, Some(op.span));
                    for (item, u) in items.iter().zip(self.graph.node(n).outputs.clone()) {
                        if let Value::Tensor(t) = item {
                            self.tensors.insert(identity(t), (t.clone(), u));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `t[key]` as PyTorch's tracer records basic indexing: a `select`
    /// per int, a `slice` per slice, an `unsqueeze` per `None`.
    fn record_index(&mut self, t: &Rc<Tensor>, key: &[Value], span: Span) -> Result<ValueId, String> {
        let mut current = self.tensor(t)?;
        let consuming = key.iter().filter(|k| !matches!(k, Value::None | Value::Ellipsis)).count();
        let mut d = 0i64;
        for item in key {
            let dim = self.int(&Value::Int(d), span)?;
            current = match item {
                Value::Slice(parts) => {
                    let (start, end) = (self.int(&parts[0], span)?, self.int(&parts[1], span)?);
                    let step = match &parts[2] {
                        Value::None => self.int(&Value::Int(1), span)?,
                        step => self.int(step, span)?,
                    };
                    d += 1;
                    self.append(
                        op::aten::slice,
                        Some("Tensor"),
                        vec![current, dim, start, end, step],
                        Type::Tensor,
                        span,
                    )
                }
                Value::None => {
                    d += 1;
                    self.append(op::aten::unsqueeze, Some(""), vec![current, dim], Type::Tensor, span)
                }
                Value::Ellipsis => {
                    d += t.shape.len().saturating_sub(consuming) as i64;
                    continue;
                }
                index => {
                    let index = self.int(index, span)?;
                    self.append(op::aten::select, Some("int"), vec![current, dim, index], Type::Tensor, span)
                }
            };
        }
        Ok(current)
    }

    /// An int argument: a Python int or `None` as a constant, a size the
    /// trace holds read back with `aten::Int`.
    fn int(&mut self, v: &Value, span: Span) -> Result<ValueId, String> {
        let top = self.graph.top;
        Ok(match v {
            Value::Int(i) => self.graph.constant(top, Constant::Int(*i), Some(span)),
            Value::None => self.graph.constant(top, Constant::None, Some(span)),
            Value::Tensor(t) => {
                let size = self.tensor(t)?;
                self.append(op::aten::Int, Some("Tensor"), vec![size], Type::Int, span)
            }
            other => return Err(format!("an index of type {} cannot be traced yet", other.type_name())),
        })
    }

    /// `self.sub(args)` of a scripted submodule as PyTorch's tracer keeps
    /// it: one `prim::CallMethod`, a tuple result unpacked right away.
    fn record_call(&mut self, module: &Rc<Instance>, args: &[Value], result: &Value, span: Span) -> Result<(), String> {
        let path = self.scripted.get(&Rc::as_ptr(module)).cloned().ok_or_else(|| {
            format!("a scripted module of class {} that is not a submodule of the traced one", module.class.name)
        })?;
        let mut inputs = vec![self.attribute(&path)];
        for arg in args {
            inputs.push(self.call_argument(arg, span)?);
        }
        let top = self.graph.top;
        let ty = super::example_type(result);
        let n = self.graph.append(
            top,
            op::prim::CallMethod,
            inputs,
            vec![ty.clone()],
            Attr::Name("forward".into()),
            Some(span),
        );
        self.calls.push((n, module.clone()));
        let v = self.graph.node(n).outputs[0];
        match result {
            Value::Tensor(t) => {
                self.tensors.insert(identity(t), (t.clone(), v));
            }
            Value::Tuple(items) if items.iter().all(|i| matches!(i, Value::Tensor(_))) => {
                let types = vec![Type::Tensor; items.len()];
                let n = self.graph.append(top, op::prim::TupleUnpack, vec![v], types, Attr::None, Some(span));
                for (item, u) in items.iter().zip(self.graph.node(n).outputs.clone()) {
                    if let Value::Tensor(t) = item {
                        self.tensors.insert(identity(t), (t.clone(), u));
                    }
                }
            }
            _ => return Err("a scripted module returning other than tensors cannot be traced yet".into()),
        }
        Ok(())
    }

    /// An argument of a recorded call: the trace's tensors, Python values
    /// as constants, tuples and lists built from them.
    fn call_argument(&mut self, v: &Value, span: Span) -> Result<ValueId, String> {
        let (kind, items) = match v {
            Value::Tensor(t) => return self.tensor(t),
            Value::Tuple(items) => (op::prim::TupleConstruct, items.to_vec()),
            Value::List(items) => (op::prim::ListConstruct, items.borrow().clone()),
            Value::None => return self.argument(None, &RValue::None, span),
            Value::Bool(b) => return self.argument(None, &RValue::Bool(*b), span),
            Value::Int(i) => return self.argument(None, &RValue::Int(*i), span),
            Value::Float(f) => return self.argument(None, &RValue::Float(*f), span),
            Value::Str(s) => return self.argument(None, &RValue::Str(s.clone()), span),
            other => {
                return Err(format!("a {} cannot be passed to a scripted module in a trace yet", other.type_name()));
            }
        };
        let inputs = items.iter().map(|i| self.call_argument(i, span)).collect::<Result<Vec<_>, _>>()?;
        let top = self.graph.top;
        let n = self.graph.append(top, kind, inputs, vec![super::example_type(v)], Attr::None, Some(span));
        Ok(self.graph.node(n).outputs[0])
    }

    fn fail(&mut self, message: String, span: Span) {
        if self.failure.is_none() {
            self.failure = Some(Diagnostic::new(Code::E6001, span, message).label("the trace cannot record this"));
        }
    }

    /// The trace's graph, returning what `forward` returned.
    pub(super) fn finish(&mut self, output: &Value, span: Span) -> Result<Graph, String> {
        let v = self.output(output, span)?;
        let top = self.graph.top;
        self.graph.block_mut(top).returns.push(v);
        crate::ir::cleanup::remove_dead_code(&mut self.graph);
        Ok(std::mem::take(&mut self.graph))
    }

    fn output(&mut self, v: &Value, span: Span) -> Result<ValueId, String> {
        let top = self.graph.top;
        let (kind, items, ty): (OpKind, Vec<Value>, Type) = match v {
            Value::Tensor(t) => return self.tensor(t),
            Value::Tuple(items) => {
                let ty = Type::Tuple(items.iter().map(super::example_type).collect());
                (op::prim::TupleConstruct, items.to_vec(), ty)
            }
            Value::List(items) => {
                let items = items.borrow().clone();
                let ty = Type::list(items.first().map_or(Type::Tensor, super::example_type));
                (op::prim::ListConstruct, items, ty)
            }
            other => {
                return Err(format!(
                    "Only tensors, lists, tuples of tensors, or dictionary of tensors can be output from traced \
                     functions (got {})",
                    other.type_name()
                ));
            }
        };
        let inputs = items.iter().map(|i| self.output(i, span)).collect::<Result<Vec<_>, _>>()?;
        let n = self.graph.append(top, kind, inputs, vec![ty], Attr::None, Some(span));
        Ok(self.graph.node(n).outputs[0])
    }
}

impl Tape for HostTape {
    fn traces(&self, t: &Rc<Tensor>) -> bool {
        self.tensors.contains_key(&identity(t)) || self.state.contains_key(&identity(t))
    }

    fn operation(&mut self, op: &Operation<'_>) {
        if let Err(message) = self.record(op) {
            self.fail(message, op.span);
        }
    }

    fn size(&mut self, t: &Rc<Tensor>, dim: Option<usize>, size: &Rc<Tensor>, span: Span) {
        let x = match self.tensor(t) {
            Ok(x) => x,
            Err(message) => return self.fail(message, span),
        };
        let top = self.graph.top;
        let n = match dim {
            Some(dim) => {
                let d = self.graph.constant(top, Constant::Int(dim as i64), Some(span));
                self.append(op::aten::size, Some("int"), vec![x, d], Type::Int, span)
            }
            None => self.append(op::aten::numel, Some(""), vec![x], Type::Int, span),
        };
        let wrapped = self.append(op::prim::NumToTensor, None, vec![n], Type::Tensor, span);
        self.tensors.insert(identity(size), (size.clone(), wrapped));
    }

    fn index(&mut self, t: &Rc<Tensor>, key: &[Value], result: &Rc<Tensor>, span: Span) {
        match self.record_index(t, key, span) {
            Ok(v) => {
                self.tensors.insert(identity(result), (result.clone(), v));
            }
            Err(message) => self.fail(message, span),
        }
    }

    fn scripted_call(&mut self, module: &Rc<Instance>, args: &[Value], result: &Value, span: Span) {
        if let Err(message) = self.record_call(module, args, result, span) {
            self.fail(message, span);
        }
    }

    fn converted(&mut self, _t: &Rc<Tensor>, what: &str, span: Span) {
        if self.warned.insert(span) {
            self.warnings.push(super::recorder::tracer_warning(span, what));
        }
    }

    fn refuse(&mut self, message: String, span: Span) {
        self.fail(message, span);
    }
}

/// The interpreter recorder's types, but a list's element type as
/// [`list_element`] gives it.
fn value_type(v: &RValue) -> Type {
    match v {
        RValue::List(items) => Type::list(list_element(&items.borrow())),
        RValue::Tuple(items) => Type::Tuple(items.iter().map(value_type).collect()),
        other => super::recorder::value_type(other),
    }
}

/// A list argument's element type: `Tensor?` for indices mixing `None`
/// and tensors (`x[:, idx]`), else its first element's.
fn list_element(values: &[RValue]) -> Type {
    let tensors = values.iter().any(|v| matches!(v, RValue::Tensor(_)));
    let nones = values.iter().any(|v| matches!(v, RValue::None));
    match (tensors, nones) {
        (true, true) => Type::optional(Type::Tensor),
        _ => values.first().map_or(Type::Tensor, value_type),
    }
}
