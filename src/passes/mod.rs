//! The mobile passes: what `optimize_for_mobile` does to a scripted module,
//! in PyTorch's order (../spec/mobile-passes.md), on one inlined graph per
//! exported method:
//!
//! 1. eval mode (a train-mode model is optimized as eval, as PyTorch does);
//! 2. conv–batchnorm folding, on the module calls before inlining;
//! 3. inlining and freezing (attributes become constants), constant
//!    propagation and clean-up; conv1d as conv2d;
//! 4. dropout removal — before the clamp fusion, so a dropout between a conv
//!    and its relu does not block the fusion (PyTorch removes it after);
//! 5. XNNPACK prepacking of conv2d, conv_transpose2d and linear into
//!    constant op contexts, and relu/hardtanh fused into their clamp bounds
//!    (linear too, which PyTorch never manages after freezing);
//! 6. add + relu fusion.

pub mod add_relu;
pub mod conv1d;
pub mod conv_bn;
pub mod cse;
pub mod dropout;
pub mod freeze;
pub mod prepack;

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::host::eval::Host;
use crate::host::value::Instance;
use crate::ir::{Function, Graph};
use crate::script::Unit;
use crate::source::Span;

/// A pass that can be switched off (PyTorch's `MobileOptimizerType`
/// blocklist).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pass {
    ConvBnFusion,
    Prepack,
    RemoveDropout,
    FuseAddRelu,
    /// Hoisting quantized conv parameters: nothing to do for float models;
    /// accepted for PyTorch's blocklist.
    HoistConvPackedParams,
}

impl Pass {
    pub const ALL: [Pass; 5] =
        [Pass::ConvBnFusion, Pass::Prepack, Pass::RemoveDropout, Pass::FuseAddRelu, Pass::HoistConvPackedParams];

    /// The name `--skip` and `--print-after` take.
    pub fn name(self) -> &'static str {
        match self {
            Pass::ConvBnFusion => "conv-bn-fusion",
            Pass::Prepack => "prepack",
            Pass::RemoveDropout => "remove-dropout",
            Pass::FuseAddRelu => "fuse-add-relu",
            Pass::HoistConvPackedParams => "hoist-conv-packed-params",
        }
    }
}

/// Stages `--print-after` can name: the passes, and `freeze`.
pub const STAGES: [&str; 6] = ["freeze", "conv-bn-fusion", "remove-dropout", "prepack", "fuse-add-relu", "final"];

#[derive(Default)]
pub struct Options {
    pub skip: BTreeSet<Pass>,
    /// Methods besides `forward` to keep (optimized too); PyTorch drops the
    /// others, `@torch.jit.export` ones included.
    pub preserve: Vec<String>,
}

/// The optimized, inlined, frozen graphs of `units` (methods of `root`:
/// `forward` and the preserved ones). `observe` sees each graph after each
/// stage, by name.
pub fn optimize(
    host: &mut Host<'_>,
    root: &Rc<Instance>,
    units: &[Unit],
    options: &Options,
    observe: &mut dyn FnMut(&str, &Graph),
) -> Result<Vec<Function>, Option<Span>> {
    crate::host::module::set_training(host, root, false);
    let mut memo = crate::script::InlineMemo::new();
    let mut folded = std::collections::HashSet::new();
    let fold = !options.skip.contains(&Pass::ConvBnFusion);
    let mut out = Vec::with_capacity(units.len());
    for unit in units {
        let mut function = crate::script::inlined_with(host, unit, &mut memo, &mut |host, function, callees| {
            if fold {
                conv_bn::fold(host, function, callees, &mut folded);
            }
        })?;
        optimize_graph(host, root, &mut function.graph, options, observe);
        out.push(function);
    }
    Ok(out)
}

/// The passes after inlining, on one method's graph.
fn optimize_graph(
    host: &Host<'_>,
    root: &Rc<Instance>,
    graph: &mut Graph,
    options: &Options,
    observe: &mut dyn FnMut(&str, &Graph),
) {
    freeze::freeze(host, graph, root);
    // (conv1d before the peephole, which would read the rank of a conv1d's
    // output where PyTorch, having rewritten it first, sees a squeeze.)
    conv1d::to_conv2d(graph);
    crate::ir::preoptimize::preoptimize(graph);
    observe("freeze", graph);
    if !options.skip.contains(&Pass::ConvBnFusion) {
        observe("conv-bn-fusion", graph);
    }
    if !options.skip.contains(&Pass::RemoveDropout) {
        dropout::remove(graph);
        observe("remove-dropout", graph);
    }
    if !options.skip.contains(&Pass::Prepack) {
        prepack::insert(graph);
        prepack::fuse_clamp(graph);
        observe("prepack", graph);
    }
    if !options.skip.contains(&Pass::FuseAddRelu) {
        add_relu::fuse(graph);
        observe("fuse-add-relu", graph);
    }
    constant_lists(graph);
    constant_factories(graph);
    constant_transposes(graph);
    identities(graph);
    cse::eliminate(graph);
    crate::ir::cleanup::cleanup(graph);
    observe("final", graph);
}

/// `torch.zeros`, `torch.ones`, `torch.full` of constant sizes, on the CPU:
/// constant tensors, as PyTorch's full constant propagation makes them
/// (created lazily; their bytes exist only when the file is written).
fn constant_factories(graph: &mut Graph) {
    use crate::host::tensor::{Fill, Tensor};
    use crate::ir::{Constant, TensorConstant};
    use crate::types::ScalarType;
    for n in graph.walk() {
        let node = graph.node(n);
        let c = |i: usize| graph.constant_value(node.inputs[i]);
        let (fill, rest) = match (node.kind.as_str(), node.overload.as_deref(), node.inputs.len()) {
            ("aten::zeros", Some(""), 5) => (Some(0.0), 1),
            ("aten::ones", Some(""), 5) => (Some(1.0), 1),
            ("aten::full", Some(""), 6) => match c(1) {
                Some(Constant::Int(v)) => (Some(*v as f64), 2),
                Some(Constant::Float(v)) => (Some(*v), 2),
                _ => (None, 0),
            },
            _ => (None, 0),
        };
        let Some(fill) = fill else { continue };
        let Some(Constant::IntList(size)) = c(0) else { continue };
        let dtype = match c(rest) {
            Some(Constant::None) => match node.kind.as_str() {
                // `full` with an int fill and no dtype makes int64.
                "aten::full" if matches!(c(1), Some(Constant::Int(_))) => Some(ScalarType::Int64),
                _ => Some(ScalarType::Float32),
            },
            Some(Constant::Int(code)) => ScalarType::ALL.into_iter().find(|t| t.code() == *code),
            _ => None,
        };
        let cpu = matches!(c(rest + 2), Some(Constant::None) | Some(Constant::Device(_)))
            && match c(rest + 2) {
                Some(Constant::Device(d)) => d == "cpu",
                _ => true,
            };
        let plain = matches!(c(rest + 1), Some(Constant::None))
            && matches!(c(rest + 3), Some(Constant::None) | Some(Constant::Bool(false)));
        let (Some(dtype), true, true) = (dtype, cpu, plain) else { continue };
        let Ok(shape) = size.iter().map(|&d| usize::try_from(d)).collect::<Result<Vec<_>, _>>() else { continue };
        let tensor = Tensor::lazy(shape, dtype, Fill::Constant(fill));
        let node = graph.node_mut(n);
        node.kind = "prim::Constant".into();
        node.overload = None;
        node.inputs.clear();
        node.attr = crate::ir::Attr::Constant(Constant::Tensor(TensorConstant(Rc::new(tensor))));
    }
}

/// `w.t()` of a frozen weight (a tied embedding read as a projection): a
/// constant, transposed once now, as PyTorch's constant propagation does.
fn constant_transposes(graph: &mut Graph) {
    use crate::host::tensor::Tensor;
    use crate::ir::{Constant, TensorConstant};
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != "aten::t" || node.inputs.len() != 1 {
            continue;
        }
        let Some(Constant::Tensor(t)) = graph.constant_value(node.inputs[0]) else { continue };
        let t = &t.0;
        let transposed = match t.shape.as_slice() {
            [rows, cols] => {
                let size = t.dtype.size();
                let bytes = t.bytes();
                let data = &bytes[t.offset * size..(t.offset + rows * cols) * size];
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
            [] | [_] => {
                let size = t.dtype.size();
                let data = &t.bytes()[t.offset * size..(t.offset + t.numel()) * size];
                Tensor::from_bytes(t.shape.clone(), t.dtype, data.into())
            }
            _ => continue,
        };
        let node = graph.node_mut(n);
        node.kind = "prim::Constant".into();
        node.overload = None;
        node.inputs.clear();
        node.attr = crate::ir::Attr::Constant(Constant::Tensor(TensorConstant(Rc::new(transposed))));
    }
}

/// PyTorch's peephole identities: `x * 1`, `x / 1`, `x + 0`, `x - 0` of a
/// tensor and a constant scalar are `x`.
fn identities(graph: &mut Graph) {
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
        let identity = match (node.kind.as_str(), node.inputs.as_slice()) {
            ("aten::mul" | "aten::div", [_, other]) => is(graph, *other, 1.0),
            ("aten::add" | "aten::sub", [_, other, alpha]) => is(graph, *other, 0.0) && is(graph, *alpha, 1.0),
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
fn constant_lists(graph: &mut Graph) {
    let written = crate::ir::preoptimize::possibly_written(graph);
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != "prim::ListConstruct" || written.contains(&node.outputs[0]) {
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
        node.kind = "prim::Constant".into();
        node.inputs.clear();
        node.attr = crate::ir::Attr::Constant(crate::ir::Constant::IntList(items));
    }
}
