//! Common subexpressions (PyTorch's `EliminateCommonSubexpression`, part
//! of the canonical optimizations): a pure, deterministic node equal to one
//! already computed in its block or an enclosing one reads that result
//! instead (`input.dim()` asked three times by a rank check is asked once).

use std::collections::HashMap;

use super::prepack::replace;
use crate::ir::preoptimize::possibly_written;
use crate::ir::{Attr, BlockId, Graph, NodeId, ValueId};
use crate::ops::op;

/// Returns how many nodes went.
pub fn eliminate(graph: &mut Graph) -> usize {
    let written = possibly_written(graph);
    let mut substitute = HashMap::new();
    let mut removed = Vec::new();
    let mut seen: Vec<HashMap<String, ValueId>> = Vec::new();
    visit(graph, graph.top, &written, &mut seen, &mut substitute, &mut removed);
    replace(graph, &substitute, &removed);
    removed.len()
}

fn visit(
    graph: &Graph,
    block: BlockId,
    written: &std::collections::HashSet<ValueId>,
    seen: &mut Vec<HashMap<String, ValueId>>,
    substitute: &mut HashMap<ValueId, ValueId>,
    removed: &mut Vec<NodeId>,
) {
    seen.push(HashMap::new());
    for &n in &graph.block(block).nodes {
        let node = graph.node(n);
        for &inner in &node.blocks {
            visit(graph, inner, written, seen, substitute, removed);
        }
        let Some(key) = key(graph, n, written, substitute) else { continue };
        match seen.iter().rev().find_map(|scope| scope.get(&key)) {
            Some(&earlier) => {
                substitute.insert(node.outputs[0], earlier);
                removed.push(n);
            }
            None => {
                seen.last_mut().expect("pushed above").insert(key, node.outputs[0]);
            }
        }
    }
    seen.pop();
}

/// What makes two nodes the same computation, for nodes that may share one:
/// one output, no blocks, an operator that writes nothing and is not
/// random, inputs nothing writes. Inputs are named after substitution.
fn key(
    graph: &Graph,
    n: NodeId,
    written: &std::collections::HashSet<ValueId>,
    substitute: &HashMap<ValueId, ValueId>,
) -> Option<String> {
    let node = graph.node(n);
    if node.outputs.len() != 1 || !node.blocks.is_empty() || node.kind == op::prim::Constant {
        return None;
    }
    let random = ["rand", "dropout", "bernoulli", "normal", "uniform", "multinomial", "poisson"];
    if random.iter().any(|r| node.kind.as_str().contains(r)) || written.contains(&node.outputs[0]) {
        return None;
    }
    let pure = match node.kind {
        op::prim::dtype | op::prim::device | op::prim::ListConstruct | op::prim::TupleConstruct => true,
        kind if kind.namespace() == "aten" => node.schema().is_some_and(|s| !s.is_mutable() && !s.returns.is_empty()),
        _ => false,
    };
    if !pure || node.inputs.iter().any(|v| written.contains(v)) {
        return None;
    }
    let inputs: Vec<String> = node
        .inputs
        .iter()
        .map(|v| {
            let v = substitute.get(v).copied().unwrap_or(*v);
            match graph.constant_value(v) {
                // Equal constants are the same input (PyTorch pools them first).
                Some(c) => format!("{c:?}"),
                None => format!("%{}", v.0),
            }
        })
        .collect();
    let attr = match &node.attr {
        Attr::None => String::new(),
        other => format!("{other:?}"),
    };
    Some(format!("{}.{}({}){attr}", node.kind, node.overload.as_deref().unwrap_or(""), inputs.join(",")))
}
