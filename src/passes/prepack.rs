//! XNNPACK prepacking (PyTorch's `insertPrePackedOps` + `FoldPrePackingOps`)
//! and clamp fusion (`fusePrePackedLinearConvWithClamp`). A convolution or
//! linear layer whose weight is a frozen constant becomes a run op on a
//! constant op context — the object the mobile runtime re-packs from its
//! state when it loads the file:
//!
//! ```text
//! aten::conv2d(x, W, b, stride, padding, dilation, groups)
//!   => prepacked::conv2d_clamp_run(x, Conv2dOpContext(W, b, stride, padding, dilation, groups, None, None))
//! aten::linear(x, W, b) => prepacked::linear_clamp_run(x, LinearOpContext(W, b, None, None))
//! ```
//!
//! A relu or hardtanh (with constant bounds) that is the only reader of a
//! run op's result becomes the context's clamp bounds.

use std::collections::HashMap;

use crate::ir::{Attr, Constant, Graph, NodeId, Uses, ValueId};
use crate::ops::{OpKind, op};

const CONV: &str = "__torch__.torch.classes.xnnpack.Conv2dOpContext";
const TRANSPOSED: &str = "__torch__.torch.classes.xnnpack.TransposeConv2dOpContext";
const LINEAR: &str = "__torch__.torch.classes.xnnpack.LinearOpContext";

/// Replaces every convolution and linear layer with constant weights by its
/// prepacked run op; returns how many.
pub fn insert(graph: &mut Graph) -> usize {
    let mut count = 0;
    for b in graph.live_blocks() {
        let mut nodes = Vec::with_capacity(graph.block(b).nodes.len());
        for n in graph.block(b).nodes.clone() {
            if let Some((run, state)) = context(graph, n) {
                let class = match run {
                    op::prepacked::conv2d_clamp_run => CONV,
                    op::prepacked::conv2d_transpose_clamp_run => TRANSPOSED,
                    _ => LINEAR,
                };
                let ctx = constant_node(graph, Constant::Object { class: class.into(), state });
                nodes.push(ctx);
                let x = graph.node(n).inputs[0];
                let ctx_value = graph.node(ctx).outputs[0];
                let node = graph.node_mut(n);
                node.kind = run;
                node.overload = Some(String::new());
                node.inputs = vec![x, ctx_value];
                count += 1;
            }
            nodes.push(n);
        }
        graph.block_mut(b).nodes = nodes;
    }
    count
}

/// A `prim::Constant` not placed in any block yet.
fn constant_node(graph: &mut Graph, value: Constant) -> NodeId {
    let ty = value.ty();
    graph.create(op::prim::Constant, Vec::new(), vec![ty], Attr::Constant(value), None)
}

/// The run op and context state a node becomes, when its weights and
/// settings are constants.
fn context(graph: &Graph, n: NodeId) -> Option<(OpKind, Vec<Constant>)> {
    let node = graph.node(n);
    let c = |i: usize| graph.constant_value(node.inputs[i]).cloned();
    let tensor = |i: usize| matches!(c(i), Some(Constant::Tensor(_))).then(|| c(i)).flatten();
    let optional_tensor = |i: usize| match c(i) {
        Some(v @ (Constant::Tensor(_) | Constant::None)) => Some(v),
        _ => None,
    };
    let ints = |i: usize| int_list(graph, node.inputs[i]).map(Constant::IntList);
    let int = |i: usize| matches!(c(i), Some(Constant::Int(_))).then(|| c(i)).flatten();
    match (node.kind, node.overload.as_deref().unwrap_or(""), node.inputs.len()) {
        (op::aten::linear, "", 3) => Some((
            op::prepacked::linear_clamp_run,
            vec![tensor(1)?, optional_tensor(2)?, Constant::None, Constant::None],
        )),
        // `padding="same"`/`"valid"`: explicit padding when it is symmetric
        // (PyTorch's pass asserts on these instead).
        (op::aten::conv2d, "padding", 7) => {
            let Some(Constant::Tensor(w)) = c(1) else { return None };
            let dilation = int_list(graph, node.inputs[5])?;
            let padding = match c(4)? {
                Constant::Str(mode) if mode == "valid" => vec![0, 0],
                Constant::Str(mode) if mode == "same" => {
                    let kernel = w.0.shape.get(2..4)?;
                    let total: Vec<i64> = kernel.iter().zip(&dilation).map(|(&k, &d)| d * (k as i64 - 1)).collect();
                    if total.iter().any(|t| t % 2 != 0) {
                        return None;
                    }
                    total.iter().map(|t| t / 2).collect()
                }
                _ => return None,
            };
            Some((
                op::prepacked::conv2d_clamp_run,
                vec![
                    tensor(1)?,
                    optional_tensor(2)?,
                    ints(3)?,
                    Constant::IntList(padding),
                    Constant::IntList(dilation),
                    int(6)?,
                    Constant::None,
                    Constant::None,
                ],
            ))
        }
        (op::aten::conv2d, "", 7) => Some((
            op::prepacked::conv2d_clamp_run,
            vec![
                tensor(1)?,
                optional_tensor(2)?,
                ints(3)?,
                ints(4)?,
                ints(5)?,
                int(6)?,
                Constant::None,
                Constant::None,
            ],
        )),
        (op::aten::conv_transpose2d, "input", 8) => Some((
            op::prepacked::conv2d_transpose_clamp_run,
            // (output_padding before dilation and groups, as the context keeps them)
            vec![
                tensor(1)?,
                optional_tensor(2)?,
                ints(3)?,
                ints(4)?,
                ints(5)?,
                ints(7)?,
                int(6)?,
                Constant::None,
                Constant::None,
            ],
        )),
        _ => None,
    }
}

/// A list of int constants, built by `prim::ListConstruct` or constant.
fn int_list(graph: &Graph, v: ValueId) -> Option<Vec<i64>> {
    if let Some(Constant::IntList(items)) = graph.constant_value(v) {
        return Some(items.clone());
    }
    let producer = graph.definer(v)?;
    if producer.kind != op::prim::ListConstruct {
        return None;
    }
    producer
        .inputs
        .iter()
        .map(|&i| match graph.constant_value(i)? {
            Constant::Int(x) => Some(*x),
            _ => None,
        })
        .collect()
}

/// Fuses a relu or constant-bound hardtanh that is the only reader of a
/// conv's or linear's run op into the context's bounds (`relu` is
/// `(0.0, None)`, `ReLU6` `(0.0, 6.0)`). Returns how many.
pub fn fuse_clamp(graph: &mut Graph) -> usize {
    let uses = Uses::of(graph);
    let mut substitute = HashMap::new();
    let mut removed = Vec::new();
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != op::prepacked::conv2d_clamp_run && node.kind != op::prepacked::linear_clamp_run {
            continue;
        }
        let out = node.outputs[0];
        let Some(activation) = uses.only_reader(out) else { continue };
        let act = graph.node(activation);
        let bounds = match act.kind {
            op::aten::relu | op::aten::relu_ => (Constant::Float(0.0), Constant::None),
            op::aten::hardtanh | op::aten::hardtanh_ if act.inputs.len() == 3 => {
                let bound = |v: ValueId| match graph.constant_value(v) {
                    Some(c @ (Constant::Int(_) | Constant::Float(_))) => Some(c.clone()),
                    _ => None,
                };
                match (bound(act.inputs[1]), bound(act.inputs[2])) {
                    (Some(lo), Some(hi)) => (lo, hi),
                    _ => continue,
                }
            }
            _ => continue,
        };
        let ctx = node.inputs[1];
        let Some(ctx_node) = graph.defining_node(ctx) else { continue };
        // The context must be this run's own and not clamped yet.
        if uses.count(ctx) != 1 {
            continue;
        }
        let activation_out = act.outputs[0];
        let Attr::Constant(Constant::Object { state, .. }) = &mut graph.node_mut(ctx_node).attr else { continue };
        let len = state.len();
        if state[len - 2] != Constant::None || state[len - 1] != Constant::None {
            continue;
        }
        state[len - 2] = bounds.0;
        state[len - 1] = bounds.1;
        substitute.insert(activation_out, out);
        removed.push(activation);
    }
    replace(graph, &substitute, &removed);
    removed.len()
}

/// Removes `removed` and makes every reader of a key of `substitute` read
/// its value instead.
pub fn replace(graph: &mut Graph, substitute: &HashMap<ValueId, ValueId>, removed: &[NodeId]) {
    graph.remove_nodes(&removed.iter().copied().collect());
    graph.substitute(substitute);
}
