//! Conv–BatchNorm folding (PyTorch's module-level `FoldConvBatchNorm`):
//! `self.bn(self.conv(x))` of an `nn.Conv2d` and an `nn.BatchNorm2d` (or the
//! 3-d pair) called back to back, the conv's output read only by the
//! BatchNorm, becomes the conv alone with folded weights:
//!
//! ```text
//! s     = rsqrt(running_var + eps)
//! W_new = W * (gamma * s).reshape([-1, 1, 1, 1])
//! b_new = (b - running_mean) * s * gamma + beta
//! ```
//!
//! in float32, evaluated left to right as PyTorch does, so the folded
//! weights are bit-identical to its. Runs on each compiled function before
//! its calls are inlined, where the two calls are still module calls.

use std::collections::HashMap;
use std::rc::Rc;

use crate::host::eval::Host;
use crate::host::unit::Unit;
use crate::host::value::{Instance, Value};
use crate::ir::{Attr, Function, Graph, NodeId, Uses};
use crate::ops::op;
use crate::tensor::Tensor;
use crate::types::ScalarType;

const PAIRS: [(&str, &str); 2] = [
    ("__torch__.torch.nn.modules.conv.Conv2d", "__torch__.torch.nn.modules.batchnorm.BatchNorm2d"),
    ("__torch__.torch.nn.modules.conv.Conv3d", "__torch__.torch.nn.modules.batchnorm.BatchNorm3d"),
];

/// Folds every conv → batchnorm pair of module calls in `function`; the
/// conv modules' parameters are replaced (once: `folded` remembers the
/// convs already folded for another method), the batchnorm calls removed.
pub fn fold(
    host: &mut Host<'_>,
    function: &mut Function,
    callees: &mut HashMap<NodeId, Unit>,
    folded: &mut std::collections::HashSet<*const Instance>,
) {
    let graph = &mut function.graph;
    let uses = Uses::of(graph);
    let forward_of = |n: NodeId, graph: &Graph| -> Option<Rc<Instance>> {
        let node = graph.node(n);
        if node.kind != op::prim::CallMethod || node.attr != Attr::Name("forward".into()) {
            return None;
        }
        callees.get(&n)?.owner.clone()
    };
    let mut substitute = HashMap::new();
    let mut removed = Vec::new();
    for conv_call in graph.walk() {
        let Some(conv) = forward_of(conv_call, graph) else { continue };
        let out = graph.node(conv_call).outputs[0];
        let Some(bn_call) = uses.only_reader(out) else { continue };
        let Some(bn) = forward_of(bn_call, graph) else { continue };
        let (conv_class, bn_class) = (conv.class.qualified_name(), bn.class.qualified_name());
        if !PAIRS.iter().any(|(c, b)| *c == conv_class && *b == bn_class) {
            continue;
        }
        if folded.contains(&Rc::as_ptr(&conv)) || fold_parameters(host, &conv, &bn).is_some() {
            folded.insert(Rc::as_ptr(&conv));
            substitute.insert(graph.node(bn_call).outputs[0], out);
            removed.push(bn_call);
        }
    }
    if removed.is_empty() {
        return;
    }
    for n in &removed {
        callees.remove(n);
    }
    graph.remove_nodes(&removed.into_iter().collect());
    graph.substitute(&substitute);
}

/// Writes the folded weight and bias into the conv module; `None` (and no
/// change) when a precondition fails: float32 tensors, running statistics.
pub(super) fn fold_parameters(host: &Host<'_>, conv: &Rc<Instance>, bn: &Rc<Instance>) -> Option<()> {
    let tensor = |m: &Rc<Instance>, name: &str| -> Option<Option<Rc<Tensor>>> {
        match m.module.borrow().as_ref()?.get(name)? {
            Value::Tensor(t) if t.dtype == ScalarType::Float32 => Some(Some(t)),
            Value::None => Some(None),
            _ => None,
        }
    };
    let weight = tensor(conv, "weight")??;
    let bias = tensor(conv, "bias")?;
    let mean = tensor(bn, "running_mean")??;
    let var = tensor(bn, "running_var")??;
    let gamma = tensor(bn, "weight")?;
    let beta = tensor(bn, "bias")?;
    let eps = match host.interner.get("eps").and_then(|k| bn.attrs.borrow().get(&k).cloned()) {
        Some(Value::Float(e)) => e,
        _ => bn.class.lookup(host.interner.get("eps")?).and_then(|v| match v {
            Value::Float(e) => Some(e),
            _ => None,
        })?,
    };
    let channels = *weight.shape.first()?;
    if channels == 0 || weight.numel() == 0 || weight.numel() % channels != 0 {
        return None;
    }
    // (`bytes()` is the tensor's own elements, wherever its view starts.)
    let floats = |t: &Tensor| -> Vec<f32> {
        t.bytes().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    };
    let (mean, var) = (floats(&mean), floats(&var));
    if mean.len() != channels || var.len() != channels {
        return None;
    }
    let gamma = gamma.map_or(vec![1.0; channels], |g| floats(&g));
    let beta = beta.map_or(vec![0.0; channels], |b| floats(&b));
    let bias = bias.map_or(vec![0.0; channels], |b| floats(&b));
    let eps = eps as f32;
    let scale: Vec<f32> = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
    let factors: Vec<f32> = (0..channels).map(|c| gamma[c] * scale[c]).collect();
    // The folded weight is computed as the archive is written (`Storage::
    // Scaled`): a model's weights are read once, from wherever they are.
    let folded_w = Tensor::scaled(weight.shape.clone(), weight.bytes(), factors.into());
    let mut folded_b = Vec::with_capacity(channels * 4);
    for c in 0..channels {
        let b = (bias[c] - mean[c]) * scale[c] * gamma[c] + beta[c];
        folded_b.extend_from_slice(&b.to_le_bytes());
    }
    let parameter = |t: Tensor| Value::Tensor(Rc::new(t.alias(true, true)));
    let state = conv.module.borrow();
    let state = state.as_ref()?;
    state.parameters.insert("weight", parameter(folded_w));
    state
        .parameters
        .insert("bias", parameter(Tensor::from_bytes(vec![channels], ScalarType::Float32, folded_b.into())));
    Some(())
}
