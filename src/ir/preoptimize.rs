//! What PyTorch does to a function's graph before inlining it into a
//! caller (`preoptimizeGraph`): constants of immutable types propagated
//! (`p < 0.0` with `p = 0.2` passed in), list idioms (`len([a, b])` is 2),
//! the rank of a convolution's output,
//! then the clean-up (ifs on constants keep the branch taken, dead pure
//! nodes go). The root method is inlined without it, as PyTorch's export
//! does; so every callee is folded and the root keeps its own nodes.

use super::cleanup::cleanup;
use super::fold::fold;
use std::collections::HashSet;

use super::graph::{Attr, Constant, Graph, NodeId, ValueId};
use crate::ops::op;
use crate::types::Type;

pub fn preoptimize(graph: &mut Graph) {
    // Each round folds what the last round's If folding exposed (inlining
    // itself turns parameters into constants).
    cleanup(graph);
    for _ in 0..16 {
        let folded = propagate_constants(graph);
        let uncast = remove_redundant_casts(graph);
        if !folded && !uncast {
            break;
        }
        cleanup(graph);
    }
}

/// `prim::unchecked_cast` of a value that already has the target type
/// (an Optional parameter that a caller passed a list to): its readers
/// read the value itself.
fn remove_redundant_casts(graph: &mut Graph) -> bool {
    let mut substitute = std::collections::HashMap::new();
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind == op::prim::unchecked_cast && graph.value(node.inputs[0]).ty == graph.value(node.outputs[0]).ty {
            substitute.insert(node.outputs[0], node.inputs[0]);
        }
    }
    if substitute.is_empty() {
        return false;
    }
    graph.substitute(&substitute);
    true
}

/// Turns nodes whose result is computable from constant inputs into
/// constants (in place: their output values stay the same); true if any.
fn propagate_constants(graph: &mut Graph) -> bool {
    let mut changed = false;
    let written = possibly_written(graph);
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind == op::prim::Constant || node.outputs.len() != 1 || !node.blocks.is_empty() {
            continue;
        }
        let folded = fold(graph, node.kind, &node.inputs)
            .or_else(|| list_length(graph, n, &written))
            .or_else(|| convolution_rank(graph, n, &written))
            .or_else(|| none_test_by_type(graph, n));
        let Some(value) = folded else { continue };
        let ty = graph.value(node.outputs[0]).ty.clone();
        if !matches!(ty, Type::Int | Type::Float | Type::Bool | Type::Str | Type::None) {
            continue;
        }
        let node = graph.node_mut(n);
        node.kind = op::prim::Constant;
        node.overload = None;
        node.inputs.clear();
        node.attr = Attr::Constant(value);
        changed = true;
    }
    changed
}

/// `len(xs)` of a list built right there and never mutated.
fn list_length(graph: &Graph, n: NodeId, written: &HashSet<ValueId>) -> Option<Constant> {
    let node = graph.node(n);
    let [list] = node.inputs.as_slice() else { return None };
    if node.kind != op::aten::len || written.contains(list) {
        return None;
    }
    let producer = graph.definer(*list)?;
    (producer.kind == op::prim::ListConstruct).then_some(Constant::Int(producer.inputs.len() as i64))
}

/// `x.dim()` of a convolution's output: PyTorch's peephole takes batched
/// input for granted (`dim(conv2d(x))` is 4) so conv–batchnorm checks
/// vanish; an output something writes to is left alone.
fn convolution_rank(graph: &Graph, n: NodeId, written: &HashSet<ValueId>) -> Option<Constant> {
    let node = graph.node(n);
    let [x] = node.inputs.as_slice() else { return None };
    if node.kind != op::aten::dim || written.contains(x) {
        return None;
    }
    match graph.definer(*x)?.kind {
        op::aten::conv1d => Some(Constant::Int(3)),
        op::aten::conv2d => Some(Constant::Int(4)),
        op::aten::conv3d => Some(Constant::Int(5)),
        _ => None,
    }
}

/// `x is None` where `x`'s type cannot hold None (a list passed for an
/// Optional parameter), or must (None itself).
fn none_test_by_type(graph: &Graph, n: NodeId) -> Option<Constant> {
    let node = graph.node(n);
    let is = match node.kind {
        op::aten::__is__ => true,
        op::aten::__isnot__ => false,
        _ => return None,
    };
    let [a, b] = node.inputs.as_slice() else { return None };
    let can_be_none = |t: &Type| matches!(t, Type::Optional(_) | Type::None | Type::Any | Type::Union(_));
    let (ta, tb) = (&graph.value(*a).ty, &graph.value(*b).ty);
    let same = match (ta, tb) {
        (Type::None, Type::None) => true,
        (Type::None, other) | (other, Type::None) if !can_be_none(other) => false,
        _ => return None,
    };
    Some(Constant::Bool(same == is))
}

/// Values some node may write to: inputs of anything but an operator
/// whose schema writes nothing, a query of a tensor's dtype or device, or
/// a container operation; and with each, whatever may alias it (a view of
/// it, a tuple or list holding it, an item read from one). Never a value of
/// an immutable type (an int, a string, a dtype...).
pub fn possibly_written(graph: &Graph) -> HashSet<ValueId> {
    use crate::ops::op;
    const CONTAINERS: &[crate::ops::OpKind] = &[
        op::prim::TupleConstruct,
        op::prim::TupleUnpack,
        op::prim::TupleIndex,
        op::prim::ListConstruct,
        op::prim::ListUnpack,
        op::prim::DictConstruct,
    ];
    let mut classes = Classes::default();
    let mut direct = Vec::new();
    for n in graph.walk() {
        let node = graph.node(n);
        let schema = node.schema().filter(|_| matches!(node.kind.namespace(), "aten" | "prepacked"));
        // (`prepacked::` run operators read their input too.)
        let reads_only = schema.is_some_and(|s| !s.is_mutable())
            || [op::prim::dtype, op::prim::device].contains(&node.kind)
            || CONTAINERS.contains(&node.kind);
        if !reads_only {
            direct.extend(node.inputs.iter().copied());
        }
        // What the outputs may alias: a container's items, a view's base.
        let aliased: Vec<ValueId> = if CONTAINERS.contains(&node.kind) {
            node.inputs.clone()
        } else if let Some(s) = schema {
            node.inputs.iter().zip(&s.arguments).filter(|(_, a)| a.alias.is_some()).map(|(v, _)| *v).collect()
        } else {
            Vec::new()
        };
        for v in aliased.into_iter().chain(node.outputs.iter().copied()).filter(|_| !node.outputs.is_empty()) {
            classes.union(v, node.outputs[0]);
        }
        // An `If`'s outputs are its branches' results; a `Loop`'s carried
        // values are its inputs (after the trip count and condition), its
        // body's parameters (after the trip number) and results (after the
        // condition), and its outputs.
        let looping = node.kind == op::prim::Loop;
        let skip = usize::from(looping);
        for (i, &out) in node.outputs.iter().enumerate() {
            let mut same: Vec<ValueId> = Vec::new();
            for &b in &node.blocks {
                let block = graph.block(b);
                same.extend(block.returns.get(i + skip));
                if looping {
                    same.extend(block.params.get(i + skip));
                }
            }
            if looping {
                same.extend(node.inputs.get(i + 2));
            }
            for v in same {
                classes.union(v, out);
            }
        }
    }
    let written: HashSet<ValueId> = direct.into_iter().map(|v| classes.find(v)).collect();
    (0..graph.values.len() as u32)
        .map(ValueId)
        .filter(|v| !immutable(&graph.value(*v).ty) && written.contains(&classes.find(*v)))
        .collect()
}

/// Values that may alias each other, as disjoint sets.
#[derive(Default)]
struct Classes(std::collections::HashMap<ValueId, ValueId>);

impl Classes {
    fn find(&mut self, v: ValueId) -> ValueId {
        let mut root = v;
        while let Some(&parent) = self.0.get(&root).filter(|p| **p != root) {
            root = parent;
        }
        // Path compression keeps later finds short.
        let mut at = v;
        while let Some(&parent) = self.0.get(&at).filter(|p| **p != root) {
            self.0.insert(at, root);
            at = parent;
        }
        root
    }

    fn union(&mut self, a: ValueId, b: ValueId) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0.insert(a, b);
        }
    }
}

/// Types whose values nothing can write to.
fn immutable(ty: &Type) -> bool {
    match ty {
        Type::Int | Type::Float | Type::Bool | Type::Str | Type::Complex | Type::Number | Type::None => true,
        Type::Device | Type::ScalarType | Type::Layout | Type::MemoryFormat | Type::QScheme => true,
        Type::Optional(inner) => immutable(inner),
        _ => false,
    }
}
