//! A traced convolution (`aten::_convolution`, what PyTorch's tracer
//! records) back to the operator scripting would have called —
//! `aten::conv1d`, `aten::conv2d` or `aten::conv_transpose2d` — so the
//! prepacking passes see one form (PyTorch's `replaceConvolutionWithAtenConv`).
//! Runs after freezing, when the weight's rank is known.

use crate::ir::{Constant, Graph};
use crate::ops::op;

pub fn to_aten_conv(graph: &mut Graph) {
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != op::aten::_convolution || node.inputs.len() != 13 {
            continue;
        }
        let rank = match graph.constant_value(node.inputs[1]) {
            Some(Constant::Tensor(t)) => t.0.shape.len(),
            _ => continue,
        };
        let transposed = match graph.constant_value(node.inputs[6]) {
            Some(Constant::Bool(b)) => *b,
            _ => continue,
        };
        let i = node.inputs.clone();
        let (kind, inputs) = match (rank, transposed) {
            (3, false) => (op::aten::conv1d, vec![i[0], i[1], i[2], i[3], i[4], i[5], i[8]]),
            (4, false) => (op::aten::conv2d, vec![i[0], i[1], i[2], i[3], i[4], i[5], i[8]]),
            (4, true) => (op::aten::conv_transpose2d, vec![i[0], i[1], i[2], i[3], i[4], i[7], i[8], i[5]]),
            _ => continue,
        };
        let node = graph.node_mut(n);
        node.kind = kind;
        node.overload = (kind == op::aten::conv_transpose2d).then(|| "input".to_string());
        node.inputs = inputs;
    }
}
