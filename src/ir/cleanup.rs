//! What PyTorch's scripting does to a fresh graph before anyone sees it
//! (constant propagation, dead-code elimination), reduced to the rewrites
//! that change `.graph` and `.code`: an `if` on a constant keeps only the
//! branch taken; an `if` output that both branches give the same value (or
//! equal constants) is that value; nodes without side effects whose results
//! nothing reads are dropped. Each round is linear; rounds repeat while one
//! changes something (a handful at most).

use std::collections::HashMap;

use super::graph::{Attr, Constant, Graph, NodeId, ValueId};
use super::uses::Uses;
use crate::ops::op;

/// Rewrites `graph` in place.
pub fn cleanup(graph: &mut Graph) {
    for _ in 0..16 {
        let folded = fold_ifs(graph);
        let lowered = lower_simple_tuples(graph);
        let unchanged = remove_unchanged_loop_outputs(graph);
        let unread = remove_unread_outputs(graph);
        let unobserved = remove_unobserved_writes(graph);
        let removed = remove_dead(graph);
        if !folded && !lowered && !unchanged && !unread && !unobserved && !removed {
            break;
        }
    }
    // Invariant: the rewrites keep every value defined before its uses.
    #[cfg(debug_assertions)]
    if let Err(problem) = super::verify::verify(graph) {
        panic!("cleanup broke the graph: {problem}");
    }
}

/// Folds the `prim::If`s of every block; true if anything changed.
fn fold_ifs(graph: &mut Graph) -> bool {
    let mut substitute: HashMap<ValueId, ValueId> = HashMap::new();
    let mut changed = false;
    for block in graph.live_blocks() {
        let mut nodes = Vec::with_capacity(graph.block(block).nodes.len());
        for n in std::mem::take(&mut graph.block_mut(block).nodes) {
            if graph.node(n).kind != op::prim::If {
                nodes.push(n);
                continue;
            }
            let cond = graph.node(n).inputs[0];
            if let Some(&super::Constant::Bool(taken)) = graph.constant_value(cond) {
                // Keep the branch taken, in place of the If.
                let branch = graph.node(n).blocks[usize::from(!taken)];
                nodes.extend(std::mem::take(&mut graph.block_mut(branch).nodes));
                let returns = graph.block(branch).returns.clone();
                for (&out, ret) in graph.node(n).outputs.iter().zip(returns) {
                    substitute.insert(out, ret);
                }
                changed = true;
                continue;
            }
            // Outputs both branches give alike. The same value from both is
            // defined outside the If (a branch cannot see the other's).
            let (then_block, else_block) = (graph.node(n).blocks[0], graph.node(n).blocks[1]);
            let mut k = 0;
            while k < graph.node(n).outputs.len() {
                let (t, e) = (graph.block(then_block).returns[k], graph.block(else_block).returns[k]);
                let same = if t == e {
                    Some(t)
                } else {
                    match (graph.constant_value(t), graph.constant_value(e)) {
                        (Some(a), Some(b)) if a == b => {
                            let a = Attr::Constant(a.clone());
                            // A copy of the constant before the If, where the
                            // output's readers can see it.
                            let ty = graph.value(t).ty.clone();
                            // (`block`'s nodes are in `nodes` meanwhile.)
                            let copy = graph.create(op::prim::Constant, Vec::new(), vec![ty], a, None);
                            nodes.push(copy);
                            Some(graph.node(copy).outputs[0])
                        }
                        _ => None,
                    }
                };
                match same {
                    Some(v) => {
                        let out = graph.node_mut(n).outputs.remove(k);
                        graph.block_mut(then_block).returns.remove(k);
                        graph.block_mut(else_block).returns.remove(k);
                        substitute.insert(out, v);
                        changed = true;
                    }
                    None => k += 1,
                }
            }
            nodes.push(n);
        }
        graph.block_mut(block).nodes = nodes;
    }
    graph.substitute(&substitute);
    changed
}

/// `prim::TupleIndex` and `prim::TupleUnpack` of a tuple built by
/// `prim::TupleConstruct` read its parts (PyTorch's `LowerSimpleTuples`:
/// `result = torch.max(x, 1)` then `result[0]` reads the operator's output,
/// which keeps no name); true if any went.
fn lower_simple_tuples(graph: &mut Graph) -> bool {
    let mut substitute: Vec<(ValueId, ValueId)> = Vec::new();
    let mut dropped = Vec::new();
    for n in graph.walk() {
        let node = graph.node(n);
        let Some(tuple) = node.inputs.first().and_then(|&t| graph.definer(t)) else { continue };
        if tuple.kind != op::prim::TupleConstruct {
            continue;
        }
        match node.kind {
            op::prim::TupleUnpack => {
                substitute.extend(node.outputs.iter().copied().zip(tuple.inputs.iter().copied()));
                dropped.push(n);
            }
            op::prim::TupleIndex => {
                let Some(Constant::Int(i)) = graph.constant_value(node.inputs[1]) else { continue };
                // (`t[-1]` is the last part.)
                let i = if *i < 0 { *i + tuple.inputs.len() as i64 } else { *i };
                let Some(&part) = usize::try_from(i).ok().and_then(|i| tuple.inputs.get(i)) else { continue };
                substitute.push((node.outputs[0], part));
                dropped.push(n);
            }
            _ => {}
        }
    }
    // (`substitute` follows chains: a part may itself be a lowered read,
    // `result[1:][0]`.) One pass over the graph for all of them.
    graph.substitute(&substitute.into_iter().collect());
    let changed = !dropped.is_empty();
    graph.remove_nodes(&dropped.into_iter().collect());
    changed
}

/// A loop-carried value the body passes through unchanged is the loop's
/// input (PyTorch's `removeExtraLoopOutputs`); true if any went.
fn remove_unchanged_loop_outputs(graph: &mut Graph) -> bool {
    let mut changed = false;
    for n in graph.walk() {
        if graph.node(n).kind != op::prim::Loop {
            continue;
        }
        let body = graph.node(n).blocks[0];
        for i in (0..graph.node(n).outputs.len()).rev() {
            let param = graph.block(body).params[1 + i];
            if graph.block(body).returns[1 + i] != param {
                continue;
            }
            let input = graph.node(n).inputs[2 + i];
            let output = graph.node(n).outputs[i];
            graph.replace_all_uses(output, input);
            graph.replace_all_uses(param, input);
            graph.node_mut(n).outputs.remove(i);
            graph.node_mut(n).inputs.remove(2 + i);
            graph.block_mut(body).params.remove(1 + i);
            graph.block_mut(body).returns.remove(1 + i);
            changed = true;
        }
    }
    changed
}

/// Outputs of Ifs nobody reads, and loop-carried values neither the body
/// nor anything after the loop reads (PyTorch's dead-code elimination of
/// block outputs); true if any went.
fn remove_unread_outputs(graph: &mut Graph) -> bool {
    let uses = Uses::of(graph);
    let mut changed = false;
    for n in graph.walk() {
        let blocks = graph.node(n).blocks.clone();
        match graph.node(n).kind {
            op::prim::If => {
                for i in (0..graph.node(n).outputs.len()).rev() {
                    if !uses.is_used(graph.node(n).outputs[i]) {
                        graph.node_mut(n).outputs.remove(i);
                        for &b in &blocks {
                            graph.block_mut(b).returns.remove(i);
                        }
                        changed = true;
                    }
                }
            }
            op::prim::Loop => {
                let body = blocks[0];
                for i in (0..graph.node(n).outputs.len()).rev() {
                    let param = graph.block(body).params[1 + i];
                    if !uses.is_used(graph.node(n).outputs[i]) && !uses.is_used(param) {
                        graph.node_mut(n).outputs.remove(i);
                        graph.node_mut(n).inputs.remove(2 + i);
                        graph.block_mut(body).params.remove(1 + i);
                        graph.block_mut(body).returns.remove(1 + i);
                        changed = true;
                    }
                }
            }
            _ => {}
        }
    }
    changed
}

/// Where each live node is, in print order.
#[derive(Default)]
struct Places {
    /// (Index in block, block index) steps from the top block.
    path: HashMap<NodeId, Vec<usize>>,
    /// Whether the node is inside a loop.
    in_loop: HashMap<NodeId, bool>,
}

impl Places {
    fn of(graph: &Graph) -> Places {
        let mut places = Places::default();
        places.visit(graph, graph.top, &mut Vec::new(), false);
        places
    }

    fn visit(&mut self, graph: &Graph, block: super::graph::BlockId, prefix: &mut Vec<usize>, looped: bool) {
        for (i, &n) in graph.block(block).nodes.iter().enumerate() {
            prefix.push(i);
            self.path.insert(n, prefix.clone());
            self.in_loop.insert(n, looped);
            let looping = looped || graph.node(n).kind == op::prim::Loop;
            for (k, &b) in graph.node(n).blocks.iter().enumerate() {
                prefix.push(k);
                self.visit(graph, b, prefix, looping);
                prefix.pop();
            }
            prefix.pop();
        }
    }
}

/// Writes nobody can observe, which PyTorch's alias-aware dead-code
/// elimination drops: an operator that only writes into a list or dict this
/// graph made fresh (`x.shape[0] = 3` sets an item of the list `aten::size`
/// returned; `del d["k"]` of a local dict never read again), when nothing
/// reads it after the write and no other value can alias it. Conservative:
/// a write inside a loop, or into a container anything else holds, stays.
/// True if any went.
fn remove_unobserved_writes(graph: &mut Graph) -> bool {
    let registry = crate::ops::registry();
    let schema = |n: NodeId| {
        let node = graph.node(n);
        node.overload.as_deref().and_then(|o| registry.get(node.kind.as_str(), o))
    };
    let places = Places::of(graph);
    let (path, in_loop) = (&places.path, &places.in_loop);
    let uses = Uses::of(graph);
    // Whether a schema's results may alias one of its arguments (a `*`
    // result holds values that escaped into containers, never a container
    // this graph just made).
    let aliases_arguments = |s: &crate::ops::Schema| {
        let sets: Vec<&String> =
            s.arguments.iter().filter_map(|a| a.alias.as_ref()).flat_map(|a| a.before.iter()).collect();
        s.returns.iter().filter_map(|r| r.alias.as_ref()).any(|r| r.before.iter().any(|set| sets.contains(&set)))
    };
    let fresh = |v: ValueId| match graph.definer(v) {
        Some(node) if matches!(node.kind, op::prim::ListConstruct | op::prim::DictConstruct) => true,
        Some(_) => graph.defining_node(v).and_then(schema).is_some_and(|s| !s.is_mutable() && !aliases_arguments(s)),
        None => false,
    };
    let mut dead = Vec::new();
    for (&n, at) in path {
        let Some(s) = schema(n) else { continue };
        if !s.is_mutable() || in_loop[&n] || graph.node(n).outputs.iter().any(|&o| uses.is_used(o)) {
            continue;
        }
        let written: Vec<ValueId> = s
            .arguments
            .iter()
            .zip(&graph.node(n).inputs)
            .filter(|(a, _)| a.alias.as_ref().is_some_and(|al| al.is_write))
            .map(|(_, &v)| v)
            .collect();
        let unobserved = written.iter().all(|&w| {
            matches!(graph.value(w).ty, crate::types::Type::List(_) | crate::types::Type::Dict(..))
                && fresh(w)
                && !uses.is_returned(w)
                && uses.readers(w).all(|r| {
                    // Another reader: before the write, and making nothing
                    // that could hold or alias the container.
                    r == n
                        || (path[&r] < *at
                            && !at.starts_with(&path[&r])
                            && schema(r).is_some_and(|rs| !rs.is_mutable() && !aliases_arguments(rs)))
                })
        });
        if unobserved && !written.is_empty() {
            dead.push(n);
        }
    }
    for b in graph.live_blocks() {
        graph.block_mut(b).nodes.retain(|n| !dead.contains(n));
    }
    !dead.is_empty()
}

/// Drops nodes without side effects whose results nothing reads, until
/// none is left (and nothing else: a trace keeps its tuple traffic).
pub fn remove_dead_code(graph: &mut Graph) {
    while remove_dead(graph) {}
}

/// Drops nodes without side effects whose results nothing reads; true if
/// any went.
fn remove_dead(graph: &mut Graph) -> bool {
    let live = graph.live_blocks();
    let uses = Uses::of(graph);
    let registry = crate::ops::registry();
    let mut removed = false;
    for b in live {
        let nodes = std::mem::take(&mut graph.block_mut(b).nodes);
        let kept: Vec<NodeId> = nodes
            .into_iter()
            .filter(|&n| {
                let node = graph.node(n);
                let unread = node.outputs.iter().all(|&v| !uses.is_used(v));
                let pure = match node.kind {
                    op::prim::Constant
                    | op::prim::TupleConstruct
                    | op::prim::ListConstruct
                    | op::prim::GetAttr
                    | op::prim::Uninitialized
                    | op::prim::unchecked_cast
                    | op::prim::TupleIndex
                    | op::prim::NumToTensor => true,
                    // An If that does nothing: no outputs, empty branches.
                    op::prim::If => node.blocks.iter().all(|&b| graph.block(b).nodes.is_empty()),
                    kind if kind.namespace() == "aten" => node
                        .overload
                        .as_deref()
                        .and_then(|o| registry.get(kind.as_str(), o))
                        .is_some_and(|s| !s.is_mutable() && !s.returns.is_empty()),
                    _ => false,
                };
                let dead = unread && pure;
                removed |= dead;
                !dead
            })
            .collect();
        graph.block_mut(b).nodes = kept;
    }
    removed
}
