//! Records the tensor operations of one run into a graph, as PyTorch's
//! tracer does: parameters as `prim::GetAttr` chains from `self`, Python
//! values as constants, lists of them as `prim::ListConstruct`, and
//! convolutions as the `aten::_convolution` PyTorch's tracer records.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::attributes::Attributes;
use crate::diag::{Code, Diagnostic};
use crate::host::value::Instance;
use crate::interp::exec::Observer;
use crate::ir::{Attr, Constant, Graph, NodeId, TensorConstant, ValueId};
use crate::ops::{OpKind, op};
use crate::runtime::value::{Key, Object};
use crate::runtime::{RTensor, RValue};
use crate::source::Span;
use crate::tensor::Tensor;
use crate::types::{ScalarType, Type};

/// Operators that turn a tensor into a Python value, and the word
/// PyTorch's warning uses for each.
const CONVERSIONS: &[(OpKind, &str)] = &[
    (op::aten::Bool, "a Python boolean"),
    (op::aten::Int, "a Python integer"),
    (op::aten::IntImplicit, "a Python integer"),
    (op::aten::Float, "a Python float"),
    (op::aten::FloatImplicit, "a Python float"),
    (op::aten::ScalarImplicit, "a Python number"),
    (op::aten::item, "a Python number"),
];

/// Python int arithmetic that PyTorch's tracer records when an operand is a
/// traced size.
const ARITHMETIC: &[OpKind] = &[op::aten::add, op::aten::sub, op::aten::mul, op::aten::floordiv];

pub(super) struct Recorder {
    pub graph: Graph,
    /// Tensors by identity, to the value that holds them in the trace.
    tensors: HashMap<usize, ValueId>,
    /// Module parameters and buffers by identity: their attribute path.
    state: HashMap<usize, Vec<String>>,
    /// `self`'s attributes read so far.
    attributes: Attributes,
    pub warnings: Vec<Diagnostic>,
    warned: HashSet<Span>,
    /// Submodule objects by identity: their attribute path.
    objects: HashMap<usize, Vec<String>>,
    /// Each recorded call, with the graph and node it was made from.
    pub calls: Vec<(NodeId, *const Graph, NodeId)>,
    /// Python numbers computed from traced tensors (a size, `int(t)`), by
    /// the graph and value that hold them while the run goes on: the trace
    /// value they are, and whether that is the 0-dim tensor PyTorch wraps a
    /// size in (`prim::NumToTensor`), read back with `aten::Int` where used.
    scalars: HashMap<(usize, ValueId), (ValueId, bool)>,
    /// `aten::Int` reads of each wrapped size, by the node that made it, in
    /// the order they were asked for.
    reads: HashMap<NodeId, Vec<NodeId>>,
    /// Whole shapes of traced tensors (`x.size()`), by graph and value:
    /// each dimension's wrapped size in the trace.
    shapes: HashMap<(usize, ValueId), Vec<ValueId>>,
    /// The first operation the trace could not record: the trace fails.
    pub failure: Option<Diagnostic>,
}

impl Recorder {
    /// The trace's inputs: `self`, then one per example input (the traced
    /// forward takes only those).
    pub(super) fn new(
        scripted: &Graph,
        inputs: &[RValue],
        examples: usize,
        this: &Rc<Object>,
        module: &Rc<Instance>,
    ) -> Recorder {
        let mut graph = Graph::new();
        let self_value = graph.add_input(Type::Class(module.class.qualified_name().into()), Some("self".into()));
        let params = &scripted.block(scripted.top).params;
        let mut tensors = HashMap::new();
        for (i, input) in inputs.iter().enumerate().skip(1).take(examples) {
            let source = scripted.value(params[i]);
            let ty = if matches!(input, RValue::Tensor(_)) { Type::Tensor } else { source.ty.clone() };
            let v = graph.add_input(ty, source.name.clone());
            unpack_input(&mut graph, input, v, &mut tensors);
        }
        let mut state = HashMap::new();
        let mut classes = HashMap::new();
        let mut objects = HashMap::new();
        collect_state(this, &mut Vec::new(), &mut state, &mut classes, &mut objects);
        Recorder {
            graph,
            tensors,
            state,
            attributes: Attributes::new(self_value, classes),
            warnings: Vec::new(),
            warned: HashSet::new(),
            objects,
            calls: Vec::new(),
            scalars: HashMap::new(),
            shapes: HashMap::new(),
            reads: HashMap::new(),
            failure: None,
        }
    }

    /// Whether a list or tuple operation only regroups tensors the trace
    /// already has (its outputs are lists or tuples of them, or them
    /// unpacked): Python values to PyTorch's tracer.
    fn only_regroups(&self, kind: OpKind, outputs: &[RValue]) -> bool {
        let mut leaves = Vec::new();
        outputs.iter().for_each(|o| tensor_leaves(o, &mut leaves));
        let containers = outputs.iter().all(|o| matches!(o, RValue::List(_) | RValue::Tuple(_)))
            || [op::prim::ListUnpack, op::prim::TupleUnpack, op::prim::TupleIndex].contains(&kind);
        containers && leaves.iter().all(|t| self.tensors.contains_key(&t.identity()))
    }

    fn is_traced(&self, t: &RTensor) -> bool {
        self.tensors.contains_key(&t.identity()) || self.state.contains_key(&t.identity())
    }

    /// The trace's value for a tensor: recorded, or a module attribute read.
    fn tensor(&mut self, t: &RTensor) -> Result<ValueId, String> {
        if let Some(v) = self.tensors.get(&t.identity()) {
            return Ok(*v);
        }
        let path = self.state.get(&t.identity()).cloned().ok_or_else(|| {
            format!("a tensor of shape {:?} that is neither an input, a parameter nor a result of the trace", t.shape())
        })?;
        Ok(self.attribute(&path, Type::Tensor))
    }

    fn attribute(&mut self, path: &[String], ty: Type) -> ValueId {
        self.attributes.read(&mut self.graph, path, ty)
    }

    /// A value as an input of a recorded node.
    fn input(&mut self, v: &RValue, span: Option<Span>) -> Result<ValueId, String> {
        let top = self.graph.top;
        let constant = |g: &mut Graph, c: Constant| g.constant(top, c, span);
        Ok(match v {
            RValue::Tensor(t) => self.tensor(t)?,
            RValue::None => constant(&mut self.graph, Constant::None),
            RValue::Bool(b) => constant(&mut self.graph, Constant::Bool(*b)),
            RValue::Int(i) => constant(&mut self.graph, Constant::Int(*i)),
            RValue::Float(f) => constant(&mut self.graph, Constant::Float(*f)),
            RValue::Str(s) => constant(&mut self.graph, Constant::Str(s.to_string())),
            RValue::Device(d) => constant(&mut self.graph, Constant::Device(d.to_string())),
            RValue::List(items) => {
                let items = items.borrow().clone();
                let elem = items.first().map_or(Type::Tensor, value_type);
                let inputs = items.iter().map(|i| self.input(i, span)).collect::<Result<Vec<_>, _>>()?;
                let n =
                    self.graph.append(top, op::prim::ListConstruct, inputs, vec![Type::list(elem)], Attr::None, span);
                self.graph.node(n).outputs[0]
            }
            RValue::Tuple(items) => {
                let types = items.iter().map(value_type).collect();
                let inputs = items.iter().map(|i| self.input(i, span)).collect::<Result<Vec<_>, _>>()?;
                let n = self.graph.append(
                    top,
                    op::prim::TupleConstruct,
                    inputs,
                    vec![Type::Tuple(types)],
                    Attr::None,
                    span,
                );
                self.graph.node(n).outputs[0]
            }
            RValue::Object(o) => {
                let path = self.objects.get(&(Rc::as_ptr(o) as *const () as usize)).cloned();
                let path = path.ok_or_else(|| format!("an object of class {} that is not a submodule", o.class))?;
                self.attribute(&path, Type::Class(o.class.as_str().into()))
            }
            other => return Err(format!("a {} cannot be recorded in a trace", other.type_name())),
        })
    }

    /// An argument of a recorded node: a traced Python number where the run
    /// computed it from tensors, a list built from such numbers, or as
    /// [`Recorder::input`] records any value.
    fn argument(
        &mut self,
        scripted: &Graph,
        source: Option<ValueId>,
        v: &RValue,
        span: Option<Span>,
    ) -> Result<ValueId, String> {
        let Some(source) = source else { return self.input(v, span) };
        let key = (scripted as *const Graph as usize, source);
        if let Some(&(traced, wrapped)) = self.scalars.get(&key) {
            if !wrapped {
                return Ok(traced);
            }
            return Ok(self.read_int(traced, span));
        }
        // A whole shape (`x.view(y.size())`): its sizes, each read back.
        if let Some(dims) = self.shapes.get(&key).cloned() {
            let inputs = dims.into_iter().map(|d| self.read_int(d, span)).collect();
            let top = self.graph.top;
            let n =
                self.graph.append(top, op::prim::ListConstruct, inputs, vec![Type::list(Type::Int)], Attr::None, span);
            return Ok(self.graph.node(n).outputs[0]);
        }
        if let RValue::List(items) = v
            && let Some(built) = scripted.definer(source).filter(|d| d.kind == op::prim::ListConstruct)
            && built.inputs.len() == items.borrow().len()
            && built.inputs.iter().any(|i| self.scalars.contains_key(&(key.0, *i)))
        {
            let sources = built.inputs.clone();
            let items = items.borrow().clone();
            let elem = items.first().map_or(Type::Int, value_type);
            let inputs = sources
                .iter()
                .zip(&items)
                .map(|(s, i)| self.argument(scripted, Some(*s), i, span))
                .collect::<Result<Vec<_>, _>>()?;
            let top = self.graph.top;
            let n = self.graph.append(top, op::prim::ListConstruct, inputs, vec![Type::list(elem)], Attr::None, span);
            return Ok(self.graph.node(n).outputs[0]);
        }
        self.input(v, span)
    }

    /// `aten::size(t, dim)` of a traced tensor: recorded, and wrapped in a
    /// 0-dim tensor as PyTorch's tracer keeps sizes (`prim::NumToTensor`).
    /// A tensor turned into a number (`aten::Int`): recorded.
    fn record_scalar(
        &mut self,
        scripted: &Graph,
        id: NodeId,
        inputs: &[RValue],
        outputs: &[RValue],
    ) -> Result<(), String> {
        let node = scripted.node(id);
        let ins = inputs
            .iter()
            .zip(&node.inputs)
            .map(|(v, s)| self.argument(scripted, Some(*s), v, node.span))
            .collect::<Result<Vec<_>, _>>()?;
        let top = self.graph.top;
        let ty = value_type(&outputs[0]);
        // PyTorch's tracer records implicit conversions as the explicit ones.
        let (kind, overload) = match node.kind {
            op::aten::IntImplicit => (op::aten::Int, Some("Tensor".to_string())),
            op::aten::FloatImplicit => (op::aten::Float, Some("Tensor".to_string())),
            kind => (kind, node.overload.clone()),
        };
        let n = self.graph.append(top, kind, ins, vec![ty], Attr::None, node.span);
        self.graph.node_mut(n).overload = overload;
        let mut traced = self.graph.node(n).outputs[0];
        let wrapped = node.kind == op::aten::size;
        if wrapped {
            let n =
                self.graph.append(top, op::prim::NumToTensor, vec![traced], vec![Type::Tensor], Attr::None, node.span);
            traced = self.graph.node(n).outputs[0];
        }
        self.scalars.insert((scripted as *const Graph as usize, node.outputs[0]), (traced, wrapped));
        Ok(())
    }

    /// `int(size)` of a wrapped size: read back right after the size is
    /// made, where PyTorch's tracer puts each `aten::Int` (placed when the
    /// trace finishes).
    fn read_int(&mut self, traced: ValueId, span: Option<Span>) -> ValueId {
        let n = self.graph.create(op::aten::Int, vec![traced], vec![Type::Int], Attr::None, span);
        match self.graph.defining_node(traced) {
            Some(producer) => self.reads.entry(producer).or_default().push(n),
            None => {
                let top = self.graph.top;
                self.graph.block_mut(top).nodes.push(n);
            }
        }
        self.graph.node(n).outputs[0]
    }

    /// `x.size()` of a traced tensor: every dimension as `aten::size(x, i)`
    /// wrapped in `prim::NumToTensor`, as PyTorch's `torch.Size` holds them
    /// while tracing (the ones nothing uses go with the dead code).
    fn record_shape(&mut self, scripted: &Graph, id: NodeId, inputs: &[RValue]) -> Result<(), String> {
        let node = scripted.node(id);
        let [RValue::Tensor(t)] = inputs else { return Ok(()) };
        let x = self.tensor(t)?;
        let top = self.graph.top;
        let mut dims = Vec::new();
        for i in 0..t.shape().len() {
            let dim = self.graph.constant(top, Constant::Int(i as i64), node.span);
            let n = self.graph.append(top, op::aten::size, vec![x, dim], vec![Type::Int], Attr::None, node.span);
            self.graph.node_mut(n).overload = Some("int".into());
            let size = self.graph.node(n).outputs[0];
            let n =
                self.graph.append(top, op::prim::NumToTensor, vec![size], vec![Type::Tensor], Attr::None, node.span);
            dims.push(self.graph.node(n).outputs[0]);
        }
        self.shapes.insert((scripted as *const Graph as usize, node.outputs[0]), dims);
        Ok(())
    }

    /// Python arithmetic on traced sizes (`c // g`, `h * w + 1`), recorded
    /// as PyTorch's tracer records it on the 0-dim tensors that stand for
    /// them: a Python int operand becomes a tensor constant (`n * 2` is
    /// `aten::mul(n, tensor(2))`; `2 * n` the same), except that `10 - n` is
    /// `aten::rsub(n, 10, 1)`.
    fn record_arithmetic(&mut self, scripted: &Graph, id: NodeId, inputs: &[RValue]) -> Result<(), String> {
        let node = scripted.node(id);
        let g = scripted as *const Graph as usize;
        let wrapped = |i: usize| self.scalars.get(&(g, node.inputs[i])).filter(|(_, w)| *w).map(|(v, _)| *v);
        let (a, b) = (wrapped(0), wrapped(1));
        let top = self.graph.top;
        let span = node.span;
        let mut long = |i: usize| -> Result<ValueId, String> {
            let RValue::Int(value) = inputs[i] else { return Err(format!("{} of a size and a non-int", node.kind)) };
            let t = Tensor::from_bytes(Vec::new(), ScalarType::Int64, value.to_le_bytes().to_vec().into());
            Ok(self.graph.constant(top, Constant::Tensor(TensorConstant(Rc::new(t))), span))
        };
        let kind = node.kind;
        let (kind, overload, mut args) = match (kind, a, b) {
            (op::aten::floordiv, Some(a), Some(b)) => (op::aten::floor_divide, None, vec![a, b]),
            (op::aten::floordiv, Some(a), None) => (op::aten::floor_divide, None, vec![a, long(1)?]),
            (op::aten::floordiv, None, Some(b)) => (op::aten::floor_divide, None, vec![long(0)?, b]),
            (op::aten::sub, None, Some(b)) => {
                let other = self.graph.constant(top, Constant::Int(inputs[0].as_int().unwrap_or(0)), span);
                (op::aten::rsub, Some("Scalar"), vec![b, other])
            }
            (_, Some(a), Some(b)) => (kind, Some("Tensor"), vec![a, b]),
            (_, Some(a), None) => (kind, Some("Tensor"), vec![a, long(1)?]),
            (_, None, Some(b)) => (kind, Some("Tensor"), vec![b, long(0)?]),
            (_, None, None) => return Ok(()),
        };
        if matches!(kind, op::aten::add | op::aten::sub | op::aten::rsub) {
            args.push(self.graph.constant(top, Constant::Int(1), span));
        }
        let n = self.graph.append(top, kind, args, vec![Type::Tensor], Attr::None, span);
        self.graph.node_mut(n).overload = overload.map(str::to_string);
        let result = self.graph.node(n).outputs[0];
        self.scalars.insert((g, node.outputs[0]), (result, true));
        Ok(())
    }

    fn record(&mut self, scripted: &Graph, id: NodeId, inputs: &[RValue], outputs: &[RValue]) -> Result<(), String> {
        let node = scripted.node(id);
        let (kind, overload, args) = traced_form(node.kind, node.overload.as_deref(), inputs);
        let ins = args
            .iter()
            .map(|(a, i)| self.argument(scripted, i.map(|i| node.inputs[i]), a, node.span))
            .collect::<Result<Vec<_>, _>>()?;
        let types = outputs.iter().map(value_type).collect();
        let top = self.graph.top;
        let attr = if node.kind == op::prim::CallMethod { node.attr.clone() } else { Attr::None };
        let n = self.graph.append(top, kind, ins, types, attr, node.span);
        self.graph.node_mut(n).overload = overload;
        if node.kind == op::prim::CallMethod {
            self.calls.push((n, scripted as *const Graph, id));
        }
        let recorded = self.graph.node(n).outputs.clone();
        for ((out, v), source) in outputs.iter().zip(&recorded).zip(&node.outputs) {
            self.graph.value_mut(*v).name = scripted.value(*source).name.clone();
            match out {
                // An in-place op's result replaces its input from here on.
                RValue::Tensor(t) => {
                    self.tensors.insert(t.identity(), *v);
                }
                // A call's tuple of tensors, or an operator's list of them
                // (`chunk`, `split`, `unbind`), unpacked right away as
                // PyTorch's tracer does.
                RValue::Tuple(_) | RValue::List(_)
                    if out.items().is_some_and(|items| items.iter().all(|i| matches!(i, RValue::Tensor(_)))) =>
                {
                    let items = out.items().unwrap_or_default();
                    let unpack =
                        if matches!(out, RValue::List(_)) { op::prim::ListUnpack } else { op::prim::TupleUnpack };
                    let types = vec![Type::Tensor; items.len()];
                    let n = self.graph.append(top, unpack, vec![*v], types, Attr::None, node.span);
                    let unpacked = self.graph.node(n).outputs.clone();
                    for (item, u) in items.iter().zip(unpacked) {
                        if let RValue::Tensor(t) = item {
                            self.tensors.insert(t.identity(), u);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn warn(&mut self, span: Option<Span>, what: &str) {
        let Some(span) = span else { return };
        if self.warned.insert(span) {
            self.warnings.push(tracer_warning(span, what));
        }
    }

    /// The trace's outputs: the forward's, tuples rebuilt.
    pub(super) fn finish(&mut self, outputs: &[RValue]) -> Result<Graph, String> {
        for out in outputs {
            let v = self.input(out, None)?;
            let top = self.graph.top;
            self.graph.block_mut(top).returns.push(v);
        }
        // Each size's reads right after it, the last asked first (as each
        // is inserted right after the size in PyTorch's trace).
        let top = self.graph.top;
        let nodes = std::mem::take(&mut self.graph.block_mut(top).nodes);
        let mut placed = Vec::with_capacity(nodes.len());
        for n in nodes {
            placed.push(n);
            if let Some(reads) = self.reads.remove(&n) {
                placed.extend(reads.into_iter().rev());
            }
        }
        self.graph.block_mut(top).nodes = placed;
        // What the run computed but the outputs do not need (a gate's
        // condition) is not part of the trace.
        crate::ir::cleanup::remove_dead_code(&mut self.graph);
        Ok(std::mem::take(&mut self.graph))
    }
}

impl Observer for Recorder {
    /// What a submodule's `forward` returns as a tuple crosses the module
    /// boundary as PyTorch's tracer passes it: its tensors built into one
    /// tuple in the callee and unpacked in the caller.
    fn returned(&mut self, graph: &Graph, node: NodeId, outputs: &[RValue]) {
        let call = graph.node(node);
        let forward = matches!(&call.attr, Attr::Name(name) if name.starts_with("forward"));
        if call.kind != op::prim::CallMethod || !forward {
            return;
        }
        let mut leaves = Vec::new();
        for out in outputs {
            if let RValue::Tuple(items) = out {
                items.iter().for_each(|item| tensor_leaves(item, &mut leaves));
            }
        }
        leaves.retain(|t| self.is_traced(t));
        if leaves.is_empty() {
            return;
        }
        let Ok(inputs) = leaves.iter().map(|t| self.tensor(t)).collect::<Result<Vec<_>, _>>() else { return };
        let top = self.graph.top;
        let types = vec![Type::Tensor; leaves.len()];
        let built = self.graph.append(
            top,
            op::prim::TupleConstruct,
            inputs,
            vec![Type::Tuple(types.clone())],
            Attr::None,
            call.span,
        );
        let tuple = self.graph.node(built).outputs[0];
        let n = self.graph.append(top, op::prim::TupleUnpack, vec![tuple], types, Attr::None, call.span);
        let unpacked = self.graph.node(n).outputs.clone();
        for (t, v) in leaves.iter().zip(unpacked) {
            self.tensors.insert(t.identity(), v);
        }
    }

    fn unpacked(&mut self, graph: &Graph, list: ValueId, items: &[ValueId]) {
        let g = graph as *const Graph as usize;
        if let Some(dims) = self.shapes.get(&(g, list)).filter(|d| d.len() == items.len()).cloned() {
            for (item, dim) in items.iter().zip(dims) {
                self.scalars.insert((g, *item), (dim, true));
            }
        }
    }

    fn forwarded(&mut self, graph: &Graph, from: &[ValueId], to: &[ValueId]) {
        let g = graph as *const Graph as usize;
        for (f, t) in from.iter().zip(to) {
            if let Some(&traced) = self.scalars.get(&(g, *f)) {
                self.scalars.insert((g, *t), traced);
            }
        }
    }

    fn operator(&mut self, graph: &Graph, node: NodeId, inputs: &[RValue], outputs: &[RValue]) {
        let kind = graph.node(node).kind;
        let g = graph as *const Graph as usize;
        let traced_input = matches!(inputs.first(), Some(RValue::Tensor(t)) if self.is_traced(t));
        let result = if let Some((_, what)) = CONVERSIONS.iter().find(|(k, _)| *k == kind) {
            if !traced_input {
                return;
            }
            self.warn(graph.node(node).span, what);
            if kind == op::aten::Bool {
                // A condition: control flow, which the trace does not keep.
                return;
            }
            self.record_scalar(graph, node, inputs, outputs)
        } else if kind == op::aten::size && traced_input && matches!(outputs, [RValue::Int(_)]) {
            self.record_scalar(graph, node, inputs, outputs)
        } else if kind == op::aten::size && traced_input && matches!(outputs, [RValue::List(_)]) {
            self.record_shape(graph, node, inputs)
        } else if kind == op::aten::__getitem__ && self.shapes.contains_key(&(g, graph.node(node).inputs[0])) {
            // `x.shape[i]`: that dimension's size.
            let dims = &self.shapes[&(g, graph.node(node).inputs[0])];
            let index = inputs[1].as_int().unwrap_or(0);
            let index = if index < 0 { index + dims.len() as i64 } else { index };
            if let Some(&dim) = usize::try_from(index).ok().and_then(|i| dims.get(i)) {
                self.scalars.insert((g, graph.node(node).outputs[0]), (dim, true));
            }
            return;
        } else if kind == op::aten::__getitem__
            && matches!(outputs, [RValue::Tensor(t)] if self.tensors.contains_key(&t.identity()))
        {
            // An element of a list the trace already unpacked.
            return;
        } else if ARITHMETIC.contains(&kind)
            && matches!(outputs, [RValue::Int(_)])
            && graph.node(node).inputs.iter().any(|v| matches!(self.scalars.get(&(g, *v)), Some((_, true))))
        {
            self.record_arithmetic(graph, node, inputs)
        } else if !outputs.iter().any(|o| {
            let mut leaves = Vec::new();
            tensor_leaves(o, &mut leaves);
            !leaves.is_empty()
        }) {
            // Other Python values computed from tensors (dims, whole
            // shapes) become constants where they are used.
            return;
        } else if self.only_regroups(kind, outputs) {
            // Lists are Python values to PyTorch's tracer: building,
            // appending to or unpacking a list of traced tensors records
            // nothing; the tensors keep their traced values.
            return;
        } else {
            self.record(graph, node, inputs, outputs)
        };
        if let Err(message) = result
            && self.failure.is_none()
        {
            let at = graph.node(node).span.unwrap_or(Span::point(0));
            self.failure = Some(Diagnostic::new(Code::E6001, at, message).label("the trace cannot record this"));
        }
    }
}

/// PyTorch's TracerWarning for a traced tensor turned into `what` (a
/// Python value), at the conversion.
pub(super) fn tracer_warning(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::W1001,
        span,
        format!(
            "TracerWarning: Converting a tensor to {what} might cause the trace to be incorrect. We can't record \
             the data flow of Python values, so this value will be treated as a constant in the future. This \
             means that the trace might not generalize to other inputs!"
        ),
    )
    .label("this value is computed from the traced inputs; the trace keeps the one the example inputs gave")
    .note("the trace records tensor operations only: control flow that depends on tensor values is frozen")
    .help("script this module instead (`torch.jit.script`), which keeps the control flow; `tsc explain W1001`")
}

/// The node PyTorch's tracer records for a call: convolutions are recorded
/// as the `aten::_convolution` they dispatch to, a split by sizes as
/// `split_with_sizes`.
/// Each argument comes with the index of the call's input it is, if any.
#[allow(clippy::type_complexity)]
fn traced_form(
    kind: OpKind,
    overload: Option<&str>,
    inputs: &[RValue],
) -> (OpKind, Option<String>, Vec<(RValue, Option<usize>)>) {
    let ints = |v: Vec<i64>| RValue::list(v.into_iter().map(RValue::Int).collect());
    match (kind, inputs) {
        (op::aten::conv1d | op::aten::conv2d | op::aten::conv3d, [x, w, b, stride, padding, dilation, groups])
            if !matches!(padding, RValue::Str(_)) =>
        {
            let n = stride.int_list().map_or(2, |s| s.len());
            let given = |v: &RValue, i: usize| (v.clone(), Some(i));
            let fixed = |v: RValue| (v, None);
            let args = vec![
                given(x, 0),
                given(w, 1),
                given(b, 2),
                given(stride, 3),
                given(padding, 4),
                given(dilation, 5),
                fixed(RValue::Bool(false)),
                fixed(ints(vec![0; n])),
                given(groups, 6),
                fixed(RValue::Bool(false)),
                fixed(RValue::Bool(false)),
                fixed(RValue::Bool(true)),
                fixed(RValue::Bool(true)),
            ];
            (op::aten::_convolution, None, args)
        }
        // `x.split([1, 3])` is `split_with_sizes` in Python.
        (op::aten::split, _) if overload == Some("sizes") => {
            (op::aten::split_with_sizes, None, inputs.iter().cloned().zip((0..).map(Some)).collect())
        }
        _ => (kind, overload.map(str::to_string), inputs.iter().cloned().zip((0..).map(Some)).collect()),
    }
}

pub(super) fn value_type(v: &RValue) -> Type {
    match v {
        RValue::Tensor(_) => Type::Tensor,
        RValue::Int(_) => Type::Int,
        RValue::Float(_) => Type::Float,
        RValue::Bool(_) => Type::Bool,
        RValue::Str(_) => Type::Str,
        RValue::Device(_) => Type::Device,
        RValue::None => Type::None,
        RValue::List(items) => Type::list(items.borrow().first().map_or(Type::Tensor, value_type)),
        RValue::Tuple(items) => Type::Tuple(items.iter().map(value_type).collect()),
        _ => Type::None,
    }
}

/// A trace input's tensors: the input itself, or a tuple's or list's
/// unpacked right away (recursively), as PyTorch's tracer unpacks them.
fn unpack_input(graph: &mut Graph, input: &RValue, v: ValueId, tensors: &mut HashMap<usize, ValueId>) {
    let (kind, items) = match input {
        RValue::Tensor(t) => {
            tensors.insert(t.identity(), v);
            return;
        }
        RValue::Tuple(items) => (op::prim::TupleUnpack, items.to_vec()),
        RValue::List(items) => (op::prim::ListUnpack, items.borrow().clone()),
        // A dict's values read one by one, in its order.
        RValue::Dict(entries) => {
            let top = graph.top;
            for (key, item) in entries.borrow().iter() {
                let (key, overload) = match key {
                    Key::Str(s) => (Constant::Str(s.to_string()), "Dict_str"),
                    Key::Int(i) => (Constant::Int(*i), "Dict_int"),
                    _ => continue,
                };
                let key = graph.constant(top, key, None);
                let n =
                    graph.append(top, op::aten::__getitem__, vec![v, key], vec![value_type(item)], Attr::None, None);
                graph.node_mut(n).overload = Some(overload.into());
                let read = graph.node(n).outputs[0];
                unpack_input(graph, item, read, tensors);
            }
            return;
        }
        _ => return,
    };
    let types = items.iter().map(value_type).collect();
    let top = graph.top;
    let n = graph.append(top, kind, vec![v], types, Attr::None, None);
    for (item, unpacked) in items.iter().zip(graph.node(n).outputs.clone()) {
        unpack_input(graph, item, unpacked, tensors);
    }
}

/// The tensors a value holds, depth first.
fn tensor_leaves(v: &RValue, out: &mut Vec<RTensor>) {
    match v {
        RValue::Tensor(t) => out.push(t.clone()),
        RValue::Tuple(items) => items.iter().for_each(|i| tensor_leaves(i, out)),
        RValue::List(items) => items.borrow().iter().for_each(|i| tensor_leaves(i, out)),
        _ => {}
    }
}

/// Every tensor attribute of the module tree, by path.
fn collect_state(
    object: &Rc<Object>,
    path: &mut Vec<String>,
    state: &mut HashMap<usize, Vec<String>>,
    classes: &mut HashMap<Vec<String>, String>,
    objects: &mut HashMap<usize, Vec<String>>,
) {
    let key = Rc::as_ptr(object) as *const () as usize;
    if objects.contains_key(&key) {
        return;
    }
    objects.insert(key, path.clone());
    for (name, value) in object.attrs.borrow().iter() {
        path.push(name.clone());
        match value {
            RValue::Tensor(t) => {
                state.entry(t.identity()).or_insert_with(|| path.clone());
            }
            RValue::Object(child) => {
                classes.insert(path.clone(), child.class.clone());
                collect_state(child, path, state, classes, objects);
            }
            _ => {}
        }
        path.pop();
    }
}
