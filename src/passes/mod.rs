//! The mobile passes: what `optimize_for_mobile` does to a scripted module,
//! in PyTorch's order (docs/mobile-passes.md), on one inlined graph per
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
//! 6. add + relu fusion;
//! 7. the canonical optimizations that change what the bytecode calls
//!    (`canonical.rs`, `cse.rs`).

pub mod add_relu;
pub mod canonical;
pub mod constant_pooling;
pub mod conv1d;
pub mod conv_bn;
pub mod conv_bn_traced;
pub mod convolution;
pub mod cse;
pub mod dropout;
pub mod freeze;
pub mod prepack;

use std::collections::BTreeSet;
use std::rc::Rc;

use crate::host::eval::Host;
use crate::host::unit::Unit;
use crate::host::value::Instance;
use crate::ir::{Function, Graph};

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

#[derive(Clone, Default)]
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
) -> Result<Vec<Function>, crate::script::Stop> {
    crate::host::module::set_training(host, root, false);
    let mut memo = crate::script::InlineMemo::new();
    let mut folded = std::collections::HashSet::new();
    let fold = !options.skip.contains(&Pass::ConvBnFusion);
    if fold {
        conv_bn_traced::fold_traced(host, &mut folded);
    }
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
    convolution::to_aten_conv(graph);
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
    canonical::constant_lists(graph);
    canonical::constant_membership(graph);
    canonical::constant_factories(graph);
    canonical::constant_transposes(graph);
    canonical::identities(graph);
    cse::eliminate(graph);
    constant_pooling::pool(graph);
    crate::ir::cleanup::cleanup(graph);
    observe("final", graph);
}
