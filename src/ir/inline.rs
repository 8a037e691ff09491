//! Inlining: a copy of a graph in which each call of a compiled method or
//! function is replaced by the callee's body, as PyTorch's `Inline` pass
//! does before emitting bytecode (the lite interpreter has no calls into
//! module methods). One pass over the caller and each callee copy: linear
//! in the size of the result.

use std::collections::HashMap;

use super::graph::{BlockId, Graph, NodeId, ValueId};

/// `graph` with every node of `callees` (a `prim::CallMethod` or
/// `prim::CallFunction`) replaced by the nodes of its callee's graph, which
/// must be inlined already.
pub fn inline(graph: &Graph, callees: &HashMap<NodeId, Graph>) -> Graph {
    let mut out = Graph::new();
    let mut map = HashMap::new();
    for &p in &graph.block(graph.top).params {
        let data = graph.value(p);
        map.insert(p, out.add_input(data.ty.clone(), data.name.clone()));
    }
    let top = out.top;
    let returns = copy_block(graph, graph.top, &mut out, top, &mut map, callees);
    out.block_mut(top).returns = returns;
    out
}

/// Copies the nodes of `from` (in `src`) to the end of `to` (in `out`);
/// returns the mapped block returns. `map` takes `src` values to `out`
/// values and must hold the block's parameters.
fn copy_block(
    src: &Graph,
    from: BlockId,
    out: &mut Graph,
    to: BlockId,
    map: &mut HashMap<ValueId, ValueId>,
    callees: &HashMap<NodeId, Graph>,
) -> Vec<ValueId> {
    for &n in &src.block(from).nodes {
        let node = src.node(n);
        let inputs: Vec<ValueId> = node.inputs.iter().map(|v| map[v]).collect();
        if let Some(callee) = callees.get(&n) {
            // The callee's parameters are the call's inputs; its results
            // replace the call's outputs.
            let mut inner: HashMap<ValueId, ValueId> =
                callee.block(callee.top).params.iter().copied().zip(inputs).collect();
            let results = copy_block(callee, callee.top, out, to, &mut inner, &HashMap::new());
            for (&o, r) in node.outputs.iter().zip(results) {
                map.insert(o, r);
            }
            continue;
        }
        let types = node.outputs.iter().map(|&o| src.value(o).ty.clone()).collect();
        let copy = out.append(to, node.kind, inputs, types, node.attr.clone(), node.span);
        out.node_mut(copy).overload = node.overload.clone();
        for (i, &o) in node.outputs.iter().enumerate() {
            let new = out.node(copy).outputs[i];
            out.value_mut(new).name = src.value(o).name.clone();
            map.insert(o, new);
        }
        for &b in &node.blocks {
            let block = out.new_block();
            for &p in &src.block(b).params {
                let data = src.value(p);
                let new = out.new_value(data.ty.clone(), data.name.clone());
                out.block_mut(block).params.push(new);
                map.insert(p, new);
            }
            let returns = copy_block(src, b, out, block, map, callees);
            out.block_mut(block).returns = returns;
            out.node_mut(copy).blocks.push(block);
        }
    }
    src.block(from).returns.iter().map(|v| map[v]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Attr;
    use crate::ops::op;
    use crate::types::Type;

    #[test]
    fn a_call_becomes_the_callee_body() {
        // callee(self, x) = neg(x)
        let mut callee = Graph::new();
        let _self = callee.add_input(Type::Class("__torch__.M".into()), Some("self".into()));
        let x = callee.add_input(Type::Tensor, Some("x".into()));
        let top = callee.top;
        let neg = callee.append(top, op::aten::neg, vec![x], vec![Type::Tensor], Attr::None, None);
        callee.block_mut(top).returns = vec![callee.node(neg).outputs[0]];
        // caller(self, y) = tanh(self.forward(y))
        let mut caller = Graph::new();
        let s = caller.add_input(Type::Class("__torch__.M".into()), Some("self".into()));
        let y = caller.add_input(Type::Tensor, Some("y".into()));
        let top = caller.top;
        let call = caller.append(
            top,
            op::prim::CallMethod,
            vec![s, y],
            vec![Type::Tensor],
            Attr::Name("forward".into()),
            None,
        );
        let r = caller.node(call).outputs[0];
        let tanh = caller.append(top, op::aten::tanh, vec![r], vec![Type::Tensor], Attr::None, None);
        caller.block_mut(top).returns = vec![caller.node(tanh).outputs[0]];

        let inlined = inline(&caller, &HashMap::from([(call, callee)]));
        assert_eq!(inlined.node_kinds(), ["aten::neg", "aten::tanh"]);
        let nodes = &inlined.block(inlined.top).nodes;
        let (neg, tanh) = (inlined.node(nodes[0]), inlined.node(nodes[1]));
        assert_eq!(neg.inputs, [inlined.block(inlined.top).params[1]]);
        assert_eq!(tanh.inputs, neg.outputs);
        assert_eq!(inlined.block(inlined.top).returns, tanh.outputs);
        crate::ir::verify::verify(&inlined).expect("well formed");
    }
}
