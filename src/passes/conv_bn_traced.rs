//! Conv–BatchNorm folding in a traced graph, where there are no module
//! calls to pair: `aten::batch_norm` reading only an `aten::_convolution`
//! (or `aten::conv2d`) whose weight and BatchNorm state are attribute reads.
//! The conv module's parameters are folded as in [`super::conv_bn`], and the
//! conv then reads its module's (new) `bias` — where PyTorch 2.5.1 keeps the
//! trace's constant `None` of a `Conv2d(bias=False)` and loses the folded
//! bias, getting a traced ResNet wrong.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::freeze::child;
use crate::host::eval::Host;
use crate::host::value::Instance;
use crate::ir::{Attr, Constant, Graph, NodeId, Uses, ValueId};
use crate::ops::{OpKind, op};
use crate::types::Type;

const CONVS: [OpKind; 2] = [op::aten::_convolution, op::aten::conv2d];

/// Folds the pairs of every traced module's recorded forward.
pub fn fold_traced(host: &mut Host<'_>, folded: &mut HashSet<*const Instance>) {
    let traced: Vec<_> = host.traced.iter().map(|(k, t)| (*k, t.clone())).collect();
    for (key, mut traced) in traced {
        let mut function = (*traced.function).clone();
        if fold(host, &traced.module, &mut function.graph, folded) > 0 {
            traced.function = Rc::new(function);
            host.traced.insert(key, traced);
        }
    }
}

/// Folds the pairs of `graph`, whose first input is `root`; returns how many.
pub fn fold(host: &Host<'_>, root: &Rc<Instance>, graph: &mut Graph, folded: &mut HashSet<*const Instance>) -> usize {
    let Some(&this) = graph.block(graph.top).params.first() else { return 0 };
    let mut modules: HashMap<ValueId, Rc<Instance>> = HashMap::from([(this, root.clone())]);
    // The module and name each attribute read reads.
    let mut reads: HashMap<ValueId, (ValueId, String)> = HashMap::new();
    let top = graph.top;
    for &n in &graph.block(top).nodes {
        let node = graph.node(n);
        if let (Attr::Name(name), op::prim::GetAttr) = (&node.attr, node.kind) {
            reads.insert(node.outputs[0], (node.inputs[0], name.clone()));
            if let Some(child) = modules.get(&node.inputs[0]).and_then(|owner| child(owner, name)) {
                modules.insert(node.outputs[0], child);
            }
        }
    }
    let uses = Uses::of(graph);
    let owner_of = |v: ValueId, name: &str| -> Option<ValueId> {
        let (owner, read) = reads.get(&v)?;
        (read == name).then_some(*owner)
    };
    let mut pairs: Vec<(NodeId, NodeId, ValueId)> = Vec::new();
    for &n in &graph.block(top).nodes {
        let bn = graph.node(n);
        if bn.kind != op::aten::batch_norm || graph.constant_value(bn.inputs[5]) != Some(&Constant::Bool(false)) {
            continue;
        }
        let Some(conv_node) = graph.defining_node(bn.inputs[0]) else { continue };
        let conv = graph.node(conv_node);
        if !CONVS.contains(&conv.kind) || uses.count(bn.inputs[0]) != 1 {
            continue;
        }
        if conv.kind == op::aten::_convolution && graph.constant_value(conv.inputs[6]) != Some(&Constant::Bool(false)) {
            continue;
        }
        let Some(conv_module) = owner_of(conv.inputs[1], "weight") else { continue };
        let Some(bn_module) = owner_of(bn.inputs[1], "weight") else { continue };
        let same_bn = [(2, "bias"), (3, "running_mean"), (4, "running_var")]
            .iter()
            .all(|(i, name)| owner_of(bn.inputs[*i], name) == Some(bn_module));
        let (Some(c), Some(b)) = (modules.get(&conv_module), modules.get(&bn_module)) else { continue };
        if !same_bn {
            continue;
        }
        if folded.contains(&Rc::as_ptr(c)) || super::conv_bn::fold_parameters(host, c, b).is_some() {
            folded.insert(Rc::as_ptr(c));
            pairs.push((conv_node, n, conv_module));
        }
    }
    if pairs.is_empty() {
        return 0;
    }
    // The conv reads its module's folded bias, whatever it read before.
    let mut bias_reads = HashMap::new();
    let mut removed = HashSet::new();
    let mut substitute = HashMap::new();
    for (conv_node, bn_node, conv_module) in &pairs {
        let read =
            graph.create(op::prim::GetAttr, vec![*conv_module], vec![Type::Tensor], Attr::Name("bias".into()), None);
        let bias = graph.node(read).outputs[0];
        graph.value_mut(bias).name = Some("bias".into());
        graph.node_mut(*conv_node).inputs[2] = bias;
        bias_reads.insert(*conv_node, read);
        let bn = graph.node(*bn_node);
        substitute.insert(bn.outputs[0], bn.inputs[0]);
        removed.insert(*bn_node);
    }
    let nodes = std::mem::take(&mut graph.block_mut(top).nodes);
    let mut placed = Vec::with_capacity(nodes.len() + bias_reads.len());
    for n in nodes {
        if let Some(read) = bias_reads.get(&n) {
            placed.push(*read);
        }
        placed.push(n);
    }
    graph.block_mut(top).nodes = placed;
    graph.remove_nodes(&removed);
    graph.substitute(&substitute);
    pairs.len()
}
