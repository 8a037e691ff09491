//! Graph invariants: every value is defined once, by a block parameter or a
//! node output, before any use, in its own block or an enclosing one. The
//! compiler checks them after building each graph in debug builds.

use std::collections::HashSet;

use super::graph::{BlockId, Graph, ValueId};

/// The first broken invariant, if any.
pub fn verify(graph: &Graph) -> Result<(), String> {
    let mut defined: HashSet<ValueId> = HashSet::new();
    let mut visible: Vec<ValueId> = Vec::new();
    block(graph, graph.top, &mut defined, &mut visible)
}

fn define(v: ValueId, defined: &mut HashSet<ValueId>, visible: &mut Vec<ValueId>) -> Result<(), String> {
    if !defined.insert(v) {
        return Err(format!("value %{} is defined twice", v.0));
    }
    visible.push(v);
    Ok(())
}

fn block(graph: &Graph, b: BlockId, defined: &mut HashSet<ValueId>, visible: &mut Vec<ValueId>) -> Result<(), String> {
    let scope = visible.len();
    for &p in &graph.block(b).params {
        define(p, defined, visible)?;
    }
    for &n in &graph.block(b).nodes {
        let node = graph.node(n);
        if let Some(&input) = node.inputs.iter().find(|v| !visible.contains(v)) {
            return Err(format!("{} uses %{} before it is defined", node.kind, input.0));
        }
        for &inner in &node.blocks {
            block(graph, inner, defined, visible)?;
        }
        for &out in &node.outputs {
            define(out, defined, visible)?;
        }
    }
    if let Some(&r) = graph.block(b).returns.iter().find(|v| !visible.contains(v)) {
        return Err(format!("block {} returns %{}, which is not defined there", b.0, r.0));
    }
    visible.truncate(scope);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Attr, Constant};
    use crate::ops::op;
    use crate::types::Type;

    #[test]
    fn use_before_definition_is_caught() {
        let mut g = Graph::new();
        let x = g.add_input(Type::Tensor, Some("x".into()));
        let top = g.top;
        let n = g.append(top, op::aten::neg, vec![x], vec![Type::Tensor], Attr::None, None);
        let out = g.node(n).outputs[0];
        g.block_mut(top).returns = vec![out];
        assert_eq!(verify(&g), Ok(()));
        let orphan = g.new_value(Type::Int, None);
        g.append(top, op::aten::neg, vec![orphan], vec![Type::Tensor], Attr::None, None);
        assert!(verify(&g).is_err());
        let mut h = Graph::new();
        let top = h.top;
        let c = h.constant(top, Constant::Int(1), None);
        let node = h.append(top, op::prim::If, vec![c], vec![], Attr::None, None);
        let inner = h.new_block();
        h.node_mut(node).blocks = vec![inner];
        let inside = h.constant(inner, Constant::Int(2), None);
        h.block_mut(top).returns = vec![inside];
        assert!(verify(&h).is_err(), "a value of an inner block is not visible outside it");
    }
}
