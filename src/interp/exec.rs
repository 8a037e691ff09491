//! Runs a graph: control flow, attributes and containers here, every other
//! node through its kernel. Graphs are run inlined (no `prim::CallMethod`),
//! as export and the mobile passes see them.

use std::collections::HashMap;

use super::convert::Converter;
use crate::ir::graph::Node;
use crate::ir::{Attr, BlockId, Graph, NodeId, ValueId};
use crate::ops::op;
use crate::runtime::kernels::{self, KernelError};
use crate::runtime::value::{Object, RValue};
use crate::source::Span;
use crate::types::{ScalarType, Type};

/// The node kinds the interpreter runs itself (control flow, constants,
/// attributes, containers, calls); every other kind needs a kernel
/// (`tests/kernel_coverage.rs` counts both).
pub const INTERPRETED: &[crate::ops::OpKind] = &[
    op::prim::Constant,
    op::prim::If,
    op::prim::Loop,
    op::prim::GetAttr,
    op::prim::SetAttr,
    op::prim::ListConstruct,
    op::prim::TupleConstruct,
    op::prim::DictConstruct,
    op::prim::ListUnpack,
    op::prim::TupleUnpack,
    op::prim::TupleIndex,
    op::prim::unchecked_cast,
    op::prim::data,
    op::prim::r#type,
    op::prim::isinstance,
    op::prim::Uninitialized,
    op::prim::RaiseException,
    op::prim::Print,
    op::prim::CallMethod,
    op::prim::CallFunction,
];

/// Why a run stopped: the node's error, where it was.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{kind}: {error}")]
pub struct RunError {
    pub kind: String,
    pub error: KernelError,
    pub span: Option<Span>,
    /// `prim::RaiseException`: the program raised, as PyTorch would.
    pub raised: bool,
}

/// Sees every operator node run, with its argument and result values
/// (the tracer records them; nothing else needs to).
pub trait Observer {
    fn operator(&mut self, graph: &Graph, node: NodeId, inputs: &[RValue], outputs: &[RValue]);
    /// A branch or loop condition was decided.
    fn decided(&mut self, _graph: &Graph, _node: NodeId, _condition: bool) {}
    /// Values were passed on unchanged: `to[i]` now holds what `from[i]`
    /// held (an If's outputs from the branch taken, a cast).
    fn forwarded(&mut self, _graph: &Graph, _from: &[ValueId], _to: &[ValueId]) {}
    /// A call whose body was observed returned `outputs`.
    fn returned(&mut self, _graph: &Graph, _node: NodeId, _outputs: &[RValue]) {}
    /// A list or tuple was unpacked: `items[i]` holds its element `i`
    /// (`b, c, h, w = x.size()`).
    fn unpacked(&mut self, _graph: &Graph, _list: ValueId, _items: &[ValueId]) {}
}

/// Resolves calls for graphs that are run without inlining every callee
/// (the tracer keeps a scripted submodule's call as a call).
pub trait Calls {
    /// The graph a `prim::CallMethod`/`prim::CallFunction` node of `caller`
    /// runs, and whether the observer sees the call as one operation (its
    /// body unobserved) rather than the operations of its body.
    fn callee(&mut self, caller: &Graph, node: NodeId) -> Option<(std::rc::Rc<Graph>, bool)>;
}

struct Silent;

impl Observer for Silent {
    fn operator(&mut self, _: &Graph, _: NodeId, _: &[RValue], _: &[RValue]) {}
}

/// Runs `graph` on `inputs` (its top block's parameters, `self` first for
/// a method).
pub fn run(graph: &Graph, inputs: Vec<RValue>, converter: &mut Converter) -> Result<Vec<RValue>, RunError> {
    run_observed(graph, inputs, converter, &mut Silent)
}

pub fn run_observed(
    graph: &Graph,
    inputs: Vec<RValue>,
    converter: &mut Converter,
    observer: &mut dyn Observer,
) -> Result<Vec<RValue>, RunError> {
    run_with_calls(graph, inputs, converter, observer, None)
}

/// [`run_observed`], with the calls of `graph` (and of its callees)
/// resolved by `calls`.
pub fn run_with_calls<'c>(
    graph: &Graph,
    inputs: Vec<RValue>,
    converter: &'c mut Converter,
    observer: &'c mut dyn Observer,
    calls: Option<&'c mut dyn Calls>,
) -> Result<Vec<RValue>, RunError> {
    let top = graph.block(graph.top);
    if inputs.len() != top.params.len() {
        return Err(RunError {
            kind: "forward".into(),
            error: KernelError::new(format!("expected {} inputs, got {}", top.params.len(), inputs.len())),
            span: None,
            raised: false,
        });
    }
    let mut frame = Frame { graph, values: HashMap::new(), converter, observer, calls };
    for (p, v) in top.params.iter().zip(inputs) {
        frame.values.insert(*p, v);
    }
    frame.block(graph.top)?;
    Ok(top.returns.iter().map(|r| frame.get(*r)).collect())
}

struct Frame<'g, 'c> {
    graph: &'g Graph,
    values: HashMap<ValueId, RValue>,
    converter: &'c mut Converter,
    observer: &'c mut dyn Observer,
    calls: Option<&'c mut dyn Calls>,
}

impl Frame<'_, '_> {
    fn get(&self, v: ValueId) -> RValue {
        self.values.get(&v).cloned().unwrap_or(RValue::None)
    }

    fn block(&mut self, block: BlockId) -> Result<(), RunError> {
        for &node in &self.graph.block(block).nodes {
            self.node(node)?;
        }
        Ok(())
    }

    fn fail(&self, node: &Node, error: KernelError) -> RunError {
        RunError { kind: node.kind.to_string(), error, span: node.span, raised: false }
    }

    fn set_outputs(&mut self, node: &Node, outputs: Vec<RValue>) -> Result<(), RunError> {
        if outputs.len() != node.outputs.len() {
            let message = format!("produced {} values for {} outputs", outputs.len(), node.outputs.len());
            return Err(self.fail(node, KernelError::new(message)));
        }
        for (o, v) in node.outputs.iter().zip(outputs) {
            self.values.insert(*o, v);
        }
        Ok(())
    }

    /// Runs one node: the kinds of [`INTERPRETED`] here, every other kind
    /// through its kernel.
    fn node(&mut self, id: NodeId) -> Result<(), RunError> {
        let graph = self.graph;
        let node = graph.node(id);
        self.converter.steps += 1;
        let limit = crate::budget::step_limit();
        if self.converter.steps > limit {
            let message = format!("the run stopped after {limit} operations; is there an endless loop?");
            return Err(self.fail(node, KernelError::new(message)));
        }
        let inputs: Vec<RValue> = node.inputs.iter().map(|v| self.get(*v)).collect();
        let outputs = match node.kind {
            op::prim::Constant => match &node.attr {
                Attr::Constant(c) => vec![self.converter.constant(c).map_err(|e| self.fail(node, e))?],
                _ => vec![RValue::None],
            },
            op::prim::If => {
                let condition = truthy(&inputs[0]);
                self.observer.decided(graph, id, condition);
                let block = node.blocks[if condition { 0 } else { 1 }];
                self.block(block)?;
                self.observer.forwarded(graph, &graph.block(block).returns, &node.outputs);
                graph.block(block).returns.iter().map(|r| self.get(*r)).collect()
            }
            op::prim::Loop => self.run_loop(node, id, &inputs)?,
            op::prim::GetAttr => {
                let name = attr_name(node);
                match &inputs[0] {
                    RValue::Object(o) => vec![o.get(name).ok_or_else(|| {
                        self.fail(node, KernelError::new(format!("'{}' object has no attribute '{name}'", o.class)))
                    })?],
                    other => {
                        let message = format!("cannot read `{name}` of a {}", other.type_name());
                        return Err(self.fail(node, KernelError::new(message)));
                    }
                }
            }
            op::prim::SetAttr => {
                if let RValue::Object(o) = &inputs[0] {
                    o.attrs.borrow_mut().insert(attr_name(node).to_string(), inputs[1].clone());
                }
                vec![]
            }
            op::prim::ListConstruct => vec![RValue::list(inputs)],
            op::prim::TupleConstruct => vec![RValue::tuple(inputs)],
            op::prim::DictConstruct => {
                let mut map = indexmap::IndexMap::new();
                for pair in inputs.chunks(2) {
                    let key = pair[0].dict_key().ok_or_else(|| self.fail(node, KernelError::new("unhashable key")))?;
                    map.insert(key, pair[1].clone());
                }
                vec![RValue::Dict(std::rc::Rc::new(std::cell::RefCell::new(map)))]
            }
            op::prim::ListUnpack | op::prim::TupleUnpack => {
                let items = inputs[0].items().unwrap_or_default();
                if items.len() != node.outputs.len() {
                    let message = format!("expected {} elements, found {}", node.outputs.len(), items.len());
                    return Err(self.fail(node, KernelError::new(message)));
                }
                self.observer.unpacked(graph, node.inputs[0], &node.outputs);
                items
            }
            op::prim::TupleIndex => {
                let items = inputs[0].items().unwrap_or_default();
                let i = inputs[1].as_int().unwrap_or(0);
                let i = if i < 0 { i + items.len() as i64 } else { i };
                vec![
                    items
                        .get(i as usize)
                        .cloned()
                        .ok_or_else(|| self.fail(node, KernelError::new("tuple index out of range")))?,
                ]
            }
            op::prim::unchecked_cast | op::prim::data => {
                self.observer.forwarded(graph, &node.inputs, &node.outputs);
                vec![inputs[0].clone()]
            }
            op::prim::r#type => match &inputs[0] {
                // `device.type`: the device's kind, without its index.
                RValue::Device(d) => vec![RValue::Str(d.split(':').next().unwrap_or_default().into())],
                other => return Err(self.fail(node, KernelError::new(format!("no type of a {}", other.type_name())))),
            },
            op::prim::isinstance => {
                let Attr::Types(types) = &node.attr else { return Err(self.fail(node, KernelError::new("no types"))) };
                vec![RValue::Bool(types.iter().any(|t| is_instance(&inputs[0], t)))]
            }
            op::prim::Uninitialized => vec![RValue::None],
            op::prim::RaiseException => {
                let message = match inputs.first() {
                    Some(RValue::Str(s)) => s.to_string(),
                    _ => "Exception".into(),
                };
                return Err(RunError {
                    kind: node.kind.to_string(),
                    error: KernelError::new(message),
                    span: node.span,
                    raised: true,
                });
            }
            op::prim::Print => {
                let text: Vec<String> = inputs.iter().map(print_form).collect();
                println!("{}", text.join(" "));
                vec![]
            }
            op::prim::CallMethod | op::prim::CallFunction => {
                let Some((callee, opaque)) = self.calls.as_mut().and_then(|c| c.callee(graph, id)) else {
                    let message = "calls run inlined; this graph still calls a function";
                    return Err(self.fail(node, KernelError::unsupported(message)));
                };
                // A traced forward takes only its example inputs; the call
                // passes the source's defaults too.
                let mut inputs = inputs;
                inputs.truncate(callee.block(callee.top).params.len());
                let outputs = if opaque {
                    let outputs = run_with_calls(&callee, inputs.clone(), self.converter, &mut Silent, None)?;
                    self.observer.operator(graph, id, &inputs, &outputs);
                    outputs
                } else {
                    let calls = self.calls.as_mut().map(|c| &mut **c as &mut dyn Calls);
                    let outputs = run_with_calls(&callee, inputs, self.converter, self.observer, calls)?;
                    self.observer.returned(graph, id, &outputs);
                    outputs
                };
                // A function's results come back as its block returns.
                outputs
            }
            kind => {
                let overload = node.overload.as_deref().unwrap_or("");
                let mut outputs = match static_dtype(graph, node, &inputs) {
                    Some(given) => kernels::call(kind, overload, &given),
                    None => kernels::call(kind, overload, &inputs),
                }
                .map_err(|e| self.fail(node, e))?;
                crate::runtime::views::alias(kind, overload, &inputs, &mut outputs).map_err(|e| self.fail(node, e))?;
                self.observer.operator(graph, id, &inputs, &outputs);
                outputs
            }
        };
        self.set_outputs(node, outputs)
    }

    /// `prim::Loop(max_trip_count, condition, carried...)`: the body's
    /// parameters are (iteration, carried...), its returns (condition,
    /// carried...).
    fn run_loop(&mut self, node: &Node, id: NodeId, inputs: &[RValue]) -> Result<Vec<RValue>, RunError> {
        let graph = self.graph;
        let body = graph.block(node.blocks[0]);
        let max = inputs[0].as_int().unwrap_or(i64::MAX);
        let mut condition = truthy(&inputs[1]);
        let mut carried: Vec<RValue> = inputs[2..].to_vec();
        let mut i = 0;
        while condition && i < max {
            self.values.insert(body.params[0], RValue::Int(i));
            for (p, v) in body.params[1..].iter().zip(&carried) {
                self.values.insert(*p, v.clone());
            }
            self.block(node.blocks[0])?;
            condition = truthy(&self.get(body.returns[0]));
            self.observer.decided(graph, id, condition);
            carried = body.returns[1..].iter().map(|r| self.get(*r)).collect();
            i += 1;
        }
        Ok(carried)
    }
}

/// Whether a run-time value has TorchScript type `ty` (`prim::isinstance`).
fn is_instance(v: &RValue, ty: &crate::types::Type) -> bool {
    use crate::types::Type;
    match (v, ty) {
        (_, Type::Any) => true,
        (RValue::None, Type::None) => true,
        (RValue::Tensor(_), Type::Tensor) => true,
        (RValue::Int(_), Type::Int) | (RValue::Float(_), Type::Float) | (RValue::Bool(_), Type::Bool) => true,
        (RValue::Str(_), Type::Str) | (RValue::Device(_), Type::Device) => true,
        (RValue::List(_), Type::List(_)) | (RValue::Dict(_), Type::Dict(..)) => true,
        (RValue::Tuple(items), Type::Tuple(types)) => items.len() == types.len(),
        (RValue::Tuple(items), Type::NamedTuple(t)) => items.len() == t.fields.len(),
        (v, Type::Optional(inner)) => matches!(v, RValue::None) || is_instance(v, inner),
        (v, Type::Union(items)) => items.iter().any(|t| is_instance(v, t)),
        (RValue::Object(o), Type::Class(name)) => o.class == **name,
        _ => false,
    }
}

fn attr_name(node: &Node) -> &str {
    match &node.attr {
        Attr::Name(n) => n,
        _ => "",
    }
}

fn truthy(v: &RValue) -> bool {
    match v {
        RValue::Bool(b) => *b,
        RValue::Int(i) => *i != 0,
        RValue::None => false,
        _ => true,
    }
}

/// As `print()` shows a value in TorchScript: c10's printing (`2.` for
/// 2.0, strings in containers unquoted). A tensor or an object, which
/// PyTorch prints with C++'s layout, shows tsc's own form.
fn print_form(v: &RValue) -> String {
    crate::runtime::kernels::ivalue_str(v).unwrap_or_else(|_| format!("{v:?}"))
}

/// A fresh object with the given attributes (used for torchbind contexts).
pub fn object(class: &str, attrs: Vec<(String, RValue)>) -> RValue {
    RValue::Object(Object::new(class, attrs.into_iter().collect()))
}

/// `torch.tensor(list)` without a dtype: TorchScript takes the dtype from
/// the list's static element type (int64, the default float32, bool), not
/// from its values as eager Python does, so an empty `List[int]` makes an
/// int64 tensor (register_special_ops.cpp). The inputs with that dtype
/// filled in, where it applies.
fn static_dtype(graph: &Graph, node: &Node, inputs: &[RValue]) -> Option<Vec<RValue>> {
    if !matches!(node.kind, op::aten::tensor | op::aten::as_tensor) || !matches!(inputs.get(1), Some(RValue::None)) {
        return None;
    }
    let mut ty = &graph.value(*node.inputs.first()?).ty;
    if !matches!(ty, Type::List(_)) {
        return None;
    }
    while let Type::List(inner) = ty {
        ty = inner;
    }
    let dtype = match ty {
        Type::Int => ScalarType::Int64,
        Type::Float => ScalarType::Float32,
        Type::Bool => ScalarType::Bool,
        _ => return None,
    };
    let mut given = inputs.to_vec();
    given[1] = RValue::Int(dtype.code());
    Some(given)
}
