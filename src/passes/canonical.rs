//! PyTorch's canonical optimizations after the mobile rewrites
//! (`runCanonicalOptimizations`), as far as they change what the bytecode
//! calls: constant propagation of lists, factories and transposes of
//! frozen weights, and the `x * 1`-style peephole identities.

use std::rc::Rc;

use super::prepack;
use crate::ir::Graph;
use crate::ops::op;

/// `torch.zeros`, `torch.ones`, `torch.full` of constant sizes, on the CPU:
/// constant tensors, as PyTorch's full constant propagation makes them
/// (created lazily; their bytes exist only when the file is written).
pub fn constant_factories(graph: &mut Graph) {
    use crate::ir::{Constant, TensorConstant};
    use crate::tensor::{Fill, Tensor};
    use crate::types::ScalarType;
    for n in graph.walk() {
        let node = graph.node(n);
        let c = |i: usize| graph.constant_value(node.inputs[i]);
        let (fill, rest) = match (node.kind, node.overload.as_deref(), node.inputs.len()) {
            (op::aten::zeros, Some(""), 5) => (Some(0.0), 1),
            (op::aten::ones, Some(""), 5) => (Some(1.0), 1),
            (op::aten::full, Some(""), 6) => match c(1) {
                Some(Constant::Int(v)) => (Some(*v as f64), 2),
                Some(Constant::Float(v)) => (Some(*v), 2),
                _ => (None, 0),
            },
            _ => (None, 0),
        };
        let Some(fill) = fill else { continue };
        let Some(Constant::IntList(size)) = c(0) else { continue };
        let dtype = match c(rest) {
            Some(Constant::None) => match node.kind {
                // `full` with an int fill and no dtype makes int64.
                op::aten::full if matches!(c(1), Some(Constant::Int(_))) => Some(ScalarType::Int64),
                _ => Some(ScalarType::Float32),
            },
            Some(Constant::Int(code)) => ScalarType::ALL.into_iter().find(|t| t.code() == *code),
            _ => None,
        };
        let cpu = matches!(c(rest + 2), Some(Constant::None | Constant::Device(_)))
            && match c(rest + 2) {
                Some(Constant::Device(d)) => d == "cpu",
                _ => true,
            };
        let plain = matches!(c(rest + 1), Some(Constant::None))
            && matches!(c(rest + 3), Some(Constant::None | Constant::Bool(false)));
        let (Some(dtype), true, true) = (dtype, cpu, plain) else { continue };
        let Ok(shape) = size.iter().map(|&d| usize::try_from(d)).collect::<Result<Vec<_>, _>>() else { continue };
        // Beyond the memory budget the factory stays, to be refused where it runs.
        if crate::budget::tensor(&shape, dtype.size()).is_err() {
            continue;
        }
        let tensor = Tensor::lazy(shape, dtype, Fill::Constant(fill));
        let node = graph.node_mut(n);
        node.kind = op::prim::Constant;
        node.overload = None;
        node.inputs.clear();
        node.attr = crate::ir::Attr::Constant(Constant::Tensor(TensorConstant(Rc::new(tensor))));
    }
}

/// `w.t()` of a frozen weight (a tied embedding read as a projection): a
/// constant, transposed once now, as PyTorch's constant propagation does.
pub fn constant_transposes(graph: &mut Graph) {
    use crate::ir::{Constant, TensorConstant};
    use crate::tensor::Tensor;
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != op::aten::t || node.inputs.len() != 1 {
            continue;
        }
        let Some(Constant::Tensor(t)) = graph.constant_value(node.inputs[0]) else { continue };
        let t = &t.0;
        let transposed = match t.shape.as_slice() {
            [rows, cols] => {
                let size = t.dtype.size();
                // (`bytes()` is the tensor's own elements, wherever its view starts.)
                let data = t.bytes();
                let mut out = vec![0u8; data.len()];
                for r in 0..*rows {
                    for c in 0..*cols {
                        let (from, to) = ((r * cols + c) * size, (c * rows + r) * size);
                        out[to..to + size].copy_from_slice(&data[from..from + size]);
                    }
                }
                Tensor::from_bytes(vec![*cols, *rows], t.dtype, out.into())
            }
            // `t()` of a 0-d or 1-d tensor is the tensor.
            [] | [_] => Tensor::from_bytes(t.shape.clone(), t.dtype, t.bytes()),
            _ => continue,
        };
        let node = graph.node_mut(n);
        node.kind = op::prim::Constant;
        node.overload = None;
        node.inputs.clear();
        node.attr = crate::ir::Attr::Constant(Constant::Tensor(TensorConstant(Rc::new(transposed))));
    }
}

/// PyTorch's peephole identities: `x * 1`, `x / 1`, `x + 0`, `x - 0` of a
/// tensor and a constant scalar are `x`.
pub fn identities(graph: &mut Graph) {
    use crate::ir::Constant;
    let is = |graph: &Graph, v: crate::ir::ValueId, target: f64| match graph.constant_value(v) {
        Some(Constant::Int(i)) => *i as f64 == target,
        Some(Constant::Float(f)) => *f == target,
        _ => false,
    };
    let mut substitute = std::collections::HashMap::new();
    let mut removed = Vec::new();
    for n in graph.walk() {
        let node = graph.node(n);
        if node.overload.as_deref() != Some("Scalar") {
            continue;
        }
        let identity = match (node.kind, node.inputs.as_slice()) {
            (op::aten::mul | op::aten::div, [_, other]) => is(graph, *other, 1.0),
            (op::aten::add | op::aten::sub, [_, other, alpha]) => is(graph, *other, 0.0) && is(graph, *alpha, 1.0),
            _ => false,
        };
        if identity {
            substitute.insert(node.outputs[0], node.inputs[0]);
            removed.push(n);
        }
    }
    prepack::replace(graph, &substitute, &removed);
}

/// Lists of int constants become list constants (PyTorch's final constant
/// propagation does so): the bytecode loads them instead of building them.
pub fn constant_lists(graph: &mut Graph) {
    let written = crate::ir::preoptimize::possibly_written(graph);
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != op::prim::ListConstruct || written.contains(&node.outputs[0]) {
            continue;
        }
        let items: Option<Vec<i64>> = node
            .inputs
            .iter()
            .map(|&v| match graph.constant_value(v) {
                Some(crate::ir::Constant::Int(i)) => Some(*i),
                _ => None,
            })
            .collect();
        let Some(items) = items else { continue };
        let node = graph.node_mut(n);
        node.kind = op::prim::Constant;
        node.inputs.clear();
        node.attr = crate::ir::Attr::Constant(crate::ir::Constant::IntList(items));
    }
}

/// `n in [3, 4]` and `not` of constants (a rank check on a convolution's
/// output, `F.dropout2d`'s): PyTorch's final constant propagation folds
/// them, and the branch they guard then goes with the cleanup.
pub fn constant_membership(graph: &mut Graph) {
    use crate::ir::{Attr, fold::fold};
    for n in graph.walk() {
        let node = graph.node(n);
        if !matches!(node.kind, op::aten::__contains__ | op::aten::__not__) {
            continue;
        }
        let Some(value) = fold(graph, node.kind, &node.inputs) else { continue };
        let node = graph.node_mut(n);
        node.kind = op::prim::Constant;
        node.overload = None;
        node.inputs.clear();
        node.attr = Attr::Constant(value);
    }
}
