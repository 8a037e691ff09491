//! Add + ReLU fusion (PyTorch's `FuseAddRelu`): a relu that is the only
//! reader of an add becomes one `aten::_add_relu` — in place
//! (`aten::_add_relu_`) when both the add and the relu were. An in-place
//! add followed by an out-of-place relu is left alone: the add's write
//! would be lost.

use std::collections::HashMap;

use super::prepack::replace;
use crate::ir::{Graph, Uses};
use crate::ops::op;

/// Returns how many pairs were fused.
pub fn fuse(graph: &mut Graph) -> usize {
    let uses = Uses::of(graph);
    let mut removed = Vec::new();
    for relu in graph.walk() {
        let node = graph.node(relu);
        if node.kind != op::aten::relu && node.kind != op::aten::relu_ {
            continue;
        }
        let in_place_relu = node.kind == op::aten::relu_;
        let Some(add) = graph.defining_node(node.inputs[0]) else { continue };
        let add_node = graph.node(add);
        let fused = match (add_node.kind, add_node.overload.as_deref(), in_place_relu) {
            (op::aten::add, Some("Tensor"), _) => op::aten::_add_relu,
            (op::aten::add_, Some("Tensor"), true) => op::aten::_add_relu_,
            _ => continue,
        };
        if uses.only_reader(add_node.outputs[0]) != Some(relu) {
            continue;
        }
        let inputs = add_node.inputs.clone();
        let node = graph.node_mut(relu);
        node.kind = fused;
        node.overload = Some("Tensor".into());
        node.inputs = inputs;
        removed.push(add);
    }
    replace(graph, &HashMap::new(), &removed);
    removed.len()
}
