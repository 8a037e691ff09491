//! The traced module's attributes in a trace: `self.a.b.c` read as a chain
//! of `prim::GetAttr` from the trace's `self`, each link read once and
//! typed with its submodule's class, as PyTorch's tracer reads parameters.

use std::collections::HashMap;

use crate::ir::{Attr, Graph, ValueId};
use crate::ops::op;
use crate::types::Type;

pub(super) struct Attributes {
    this: ValueId,
    /// Class names of submodules by path.
    pub classes: HashMap<Vec<String>, String>,
    reads: HashMap<Vec<String>, ValueId>,
}

impl Attributes {
    pub(super) fn new(this: ValueId, classes: HashMap<Vec<String>, String>) -> Attributes {
        Attributes { this, classes, reads: HashMap::new() }
    }

    /// The value of `self.{path}`; `ty` is its type where it is not a
    /// submodule (a parameter's `Tensor`).
    pub(super) fn read(&mut self, graph: &mut Graph, path: &[String], ty: Type) -> ValueId {
        let Some((name, parent)) = path.split_last() else { return self.this };
        if let Some(v) = self.reads.get(path) {
            return *v;
        }
        let parent = self.read(graph, parent, Type::None);
        let ty = self.classes.get(path).map_or(ty, |class| Type::Class(class.as_str().into()));
        let top = graph.top;
        let node = graph.append(top, op::prim::GetAttr, vec![parent], vec![ty], Attr::Name(name.clone()), None);
        let v = graph.node(node).outputs[0];
        graph.value_mut(v).name = Some(name.clone());
        self.reads.insert(path.to_vec(), v);
        v
    }
}
