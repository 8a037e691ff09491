//! The order of If and Loop outputs, as PyTorch's `CanonicalizeOutputs`
//! leaves it after scripting: sorted by where each output is first read
//! (a node before the nodes after it, a node before the nodes of its
//! blocks, the true branch before the false one, a block's nodes before its
//! returns); outputs nobody reads keep their order, after the others.

use std::collections::HashMap;

use super::graph::{BlockId, Graph, NodeId, ValueId};
use crate::ops::op;

/// Reorders the outputs of every If and Loop of `graph`.
pub fn canonicalize_outputs(graph: &mut Graph) {
    let top = graph.top;
    block(graph, top);
}

fn block(graph: &mut Graph, b: BlockId) {
    // Outputs are ordered by uses after them: later nodes first, and a
    // node's outputs before what its blocks read.
    for n in graph.block(b).nodes.clone().into_iter().rev() {
        match graph.node(n).kind {
            op::prim::If => {
                let order = first_use_order(graph, &graph.node(n).outputs.clone());
                permute_if(graph, n, &order);
            }
            op::prim::Loop => {
                let order = first_use_order(graph, &graph.node(n).outputs.clone());
                permute_loop(graph, n, &order);
            }
            _ => {}
        }
        for inner in graph.node(n).blocks.clone() {
            block(graph, inner);
        }
    }
}

/// Where a value is read, as a key that sorts in PyTorch's canonical
/// order: the path of (index in block, block index) steps from the top
/// block to the reading node (a block's returns read after its last
/// node), then the input's offset.
type UseKey = (Vec<usize>, usize);

/// The indexes of `values` sorted by their first reads.
fn first_use_order(graph: &Graph, values: &[ValueId]) -> Vec<usize> {
    let firsts: HashMap<ValueId, UseKey> = first_uses(graph, values);
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| match (firsts.get(&values[a]), firsts.get(&values[b])) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(&b),
    });
    order
}

fn first_uses(graph: &Graph, values: &[ValueId]) -> HashMap<ValueId, UseKey> {
    let mut firsts: HashMap<ValueId, UseKey> = HashMap::new();
    let mut note = |v: ValueId, key: UseKey| {
        if values.contains(&v) {
            let entry = firsts.entry(v).or_insert_with(|| key.clone());
            if key < *entry {
                *entry = key;
            }
        }
    };
    fn visit(graph: &Graph, b: BlockId, path: &mut Vec<usize>, note: &mut dyn FnMut(ValueId, UseKey)) {
        let block = graph.block(b);
        for (i, &n) in block.nodes.iter().enumerate() {
            path.push(i);
            for (offset, &v) in graph.node(n).inputs.iter().enumerate() {
                note(v, (path.clone(), offset));
            }
            for (k, &inner) in graph.node(n).blocks.iter().enumerate() {
                path.push(k);
                visit(graph, inner, path, note);
                path.pop();
            }
            path.pop();
        }
        path.push(block.nodes.len());
        for (offset, &v) in block.returns.iter().enumerate() {
            note(v, (path.clone(), offset));
        }
        path.pop();
    }
    visit(graph, graph.top, &mut Vec::new(), &mut note);
    firsts
}

fn permute_if(graph: &mut Graph, n: NodeId, order: &[usize]) {
    let pick = |items: &[ValueId]| order.iter().map(|&i| items[i]).collect::<Vec<_>>();
    let outputs = pick(&graph.node(n).outputs);
    graph.node_mut(n).outputs = outputs;
    for b in graph.node(n).blocks.clone() {
        let returns = pick(&graph.block(b).returns);
        graph.block_mut(b).returns = returns;
    }
}

/// A Loop's carried values move together: input, block parameter, block
/// return and output.
fn permute_loop(graph: &mut Graph, n: NodeId, order: &[usize]) {
    let pick = |items: &[ValueId], skip: usize| {
        let mut out = items[..skip].to_vec();
        out.extend(order.iter().map(|&i| items[skip + i]));
        out
    };
    let outputs = pick(&graph.node(n).outputs, 0);
    let inputs = pick(&graph.node(n).inputs, 2);
    graph.node_mut(n).outputs = outputs;
    graph.node_mut(n).inputs = inputs;
    let body = graph.node(n).blocks[0];
    let params = pick(&graph.block(body).params, 1);
    let returns = pick(&graph.block(body).returns, 1);
    graph.block_mut(body).params = params;
    graph.block_mut(body).returns = returns;
}
