//! Constant pooling (PyTorch's `ConstantPooling`, part of the canonical
//! optimizations): identical constants are merged into the first one, and
//! the survivors are hoisted to the top of the graph, in order of first
//! appearance. Tensors and op contexts are identical only to themselves;
//! contexts are hoisted but never merged (each conv keeps its own).

use std::collections::{HashMap, HashSet};

use crate::ir::{Attr, Constant, Graph};
use crate::ops::op;

/// What makes two constants the same.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    /// Scalars, strings, devices, int lists and tuples of them, by their
    /// printed value and type.
    Value(String, String),
    /// A tensor, by identity.
    Tensor(usize),
    /// An op context or a tuple holding tensors: never merged (each is its
    /// own node's).
    Unique(crate::ir::NodeId),
}

fn key(c: &Constant, node: crate::ir::NodeId) -> Key {
    fn plain(c: &Constant) -> bool {
        match c {
            Constant::Tensor(_) | Constant::TensorList(_) | Constant::Object { .. } => false,
            Constant::Tuple(items) => items.iter().all(plain),
            _ => true,
        }
    }
    match c {
        Constant::Tensor(t) => Key::Tensor(std::rc::Rc::as_ptr(&t.0) as usize),
        // (Floats by their bits: `1.0` and `1` differ by type already.)
        Constant::Float(f) => Key::Value(f.to_bits().to_string(), "float".into()),
        c if plain(c) => Key::Value(format!("{c:?}"), c.ty().to_string()),
        _ => Key::Unique(node),
    }
}

pub fn pool(graph: &mut Graph) {
    let mut first = HashMap::new();
    let mut substitute = HashMap::new();
    let mut merged = HashSet::new();
    let mut hoisted = Vec::new();
    for n in graph.walk() {
        let node = graph.node(n);
        let (Attr::Constant(c), op::prim::Constant) = (&node.attr, node.kind) else { continue };
        match first.get(&key(c, n)) {
            Some(&survivor) => {
                substitute.insert(node.outputs[0], survivor);
                merged.insert(n);
            }
            None => {
                first.insert(key(c, n), node.outputs[0]);
                hoisted.push(n);
            }
        }
    }
    let moving: HashSet<_> = hoisted.iter().copied().chain(merged.iter().copied()).collect();
    graph.remove_nodes(&moving);
    let top = graph.top;
    let rest = std::mem::take(&mut graph.block_mut(top).nodes);
    graph.block_mut(top).nodes = hoisted.into_iter().chain(rest).collect();
    graph.substitute(&substitute);
}
