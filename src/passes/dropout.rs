//! Dropout removal (PyTorch's `removeDropout`): `aten::dropout`,
//! `aten::feature_dropout` and their in-place forms whose `train` argument
//! is the constant `False` are the identity; their readers read the input.

use std::collections::HashMap;

use super::prepack::replace;
use crate::ir::{Constant, Graph};
use crate::ops::{OpKind, op};

const DROPOUTS: [OpKind; 4] =
    [op::aten::dropout, op::aten::dropout_, op::aten::feature_dropout, op::aten::feature_dropout_];

/// Returns how many dropouts went.
pub fn remove(graph: &mut Graph) -> usize {
    let mut substitute = HashMap::new();
    let mut removed = Vec::new();
    for n in graph.walk() {
        let node = graph.node(n);
        if DROPOUTS.contains(&node.kind)
            && node.inputs.len() == 3
            && graph.constant_value(node.inputs[2]) == Some(&Constant::Bool(false))
        {
            substitute.insert(node.outputs[0], node.inputs[0]);
            removed.push(n);
        }
    }
    replace(graph, &substitute, &removed);
    removed.len()
}
