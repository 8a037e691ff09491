//! conv1d as conv2d (PyTorch's `transformConv1dToConv2d`), so XNNPACK runs
//! it: `conv1d(x, w, b, [s], [p], [d], g)` becomes
//! `squeeze(conv2d(unsqueeze(x, 2), w', b, [1, s], [0, p], [1, d], g), 2)`
//! where `w'` is the frozen weight seen as `[C_out, C_in/g, 1, k]`. The
//! `squeeze` in between keeps activations and BatchNorm1d from fusing, as
//! in PyTorch.

use std::rc::Rc;

use crate::ir::{Attr, Constant, Graph, NodeId, TensorConstant};
use crate::ops::op;
use crate::tensor::Tensor;
use crate::types::Type;

/// Returns how many convolutions were rewritten.
pub fn to_conv2d(graph: &mut Graph) -> usize {
    let mut count = 0;
    for b in graph.live_blocks() {
        let mut nodes = Vec::with_capacity(graph.block(b).nodes.len());
        for n in graph.block(b).nodes.clone() {
            match rewrite(graph, n) {
                Some((before, after)) => {
                    nodes.extend(before);
                    nodes.push(n);
                    nodes.extend(after);
                    count += 1;
                }
                None => nodes.push(n),
            }
        }
        graph.block_mut(b).nodes = nodes;
    }
    count
}

/// The nodes to put before and after `n` once it is a conv2d.
fn rewrite(graph: &mut Graph, n: NodeId) -> Option<(Vec<NodeId>, Vec<NodeId>)> {
    let node = graph.node(n);
    if node.kind != op::aten::conv1d || !node.overload.as_deref().unwrap_or("").is_empty() || node.inputs.len() != 7 {
        return None;
    }
    let Some(Constant::Tensor(weight)) = graph.constant_value(node.inputs[1]) else { return None };
    let list = |i: usize| match graph.definer(node.inputs[i]) {
        Some(p) if p.kind == op::prim::ListConstruct && p.inputs.len() == 1 => {
            match graph.constant_value(p.inputs[0]) {
                Some(Constant::Int(v)) => Some(*v),
                _ => None,
            }
        }
        _ => match graph.constant_value(node.inputs[i]) {
            Some(Constant::IntList(v)) if v.len() == 1 => Some(v[0]),
            _ => None,
        },
    };
    let (stride, padding, dilation) = (list(3)?, list(4)?, list(5)?);
    let w = &weight.0;
    if w.shape.len() != 3 {
        return None;
    }
    let seen_2d = Tensor {
        shape: vec![w.shape[0], w.shape[1], 1, w.shape[2]],
        dtype: w.dtype,
        is_parameter: false,
        requires_grad: false,
        storage: w.storage.clone(),
        offset: w.offset,
    };
    let (x, bias, groups, out) = (node.inputs[0], node.inputs[2], node.inputs[6], node.outputs[0]);
    let mut before = Vec::new();
    let mut constant = |graph: &mut Graph, c: Constant| {
        let ty = c.ty();
        let k = graph.create(op::prim::Constant, vec![], vec![ty], Attr::Constant(c), None);
        before.push(k);
        graph.node(k).outputs[0]
    };
    let two = constant(graph, Constant::Int(2));
    let weight_2d = constant(graph, Constant::Tensor(TensorConstant(Rc::new(seen_2d))));
    let stride = constant(graph, Constant::IntList(vec![1, stride]));
    let padding = constant(graph, Constant::IntList(vec![0, padding]));
    let dilation = constant(graph, Constant::IntList(vec![1, dilation]));
    let unsqueeze = graph.create(op::aten::unsqueeze, vec![x, two], vec![Type::Tensor], Attr::None, None);
    graph.node_mut(unsqueeze).overload = Some(String::new());
    before.push(unsqueeze);
    let x_2d = graph.node(unsqueeze).outputs[0];
    // The conv2d's own output, squeezed into the old output value.
    let conv_out = graph.new_value(Type::Tensor, None);
    let conv = graph.node_mut(n);
    conv.kind = op::aten::conv2d;
    conv.inputs = vec![x_2d, weight_2d, bias, stride, padding, dilation, groups];
    conv.outputs = vec![conv_out];
    graph.set_definer(conv_out, n);
    let squeeze = graph.create(op::aten::squeeze, vec![conv_out, two], vec![], Attr::None, None);
    graph.node_mut(squeeze).overload = Some("dim".into());
    graph.node_mut(squeeze).outputs = vec![out];
    graph.set_definer(out, squeeze);
    Some((before, vec![squeeze]))
}
