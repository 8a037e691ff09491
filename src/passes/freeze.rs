//! Freezing (PyTorch's `freeze_module`): in an inlined graph, every
//! attribute read through `self` — parameters, buffers, numbers, strings,
//! `training` — becomes a `prim::Constant` holding its value, except
//! attributes some `prim::SetAttr` writes. Module-valued reads are left to
//! the clean-up, which drops them once nothing reads through them.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::host::eval::Host;
use crate::host::value::{Instance, Value};
use crate::ir::{Attr, Constant, Graph, TensorConstant, ValueId};
use crate::ops::op;
use crate::script::slots::submodule;
use crate::types::Type;

/// Freezes `graph`, whose first input is `root`; returns how many reads
/// became constants.
pub fn freeze(host: &Host<'_>, graph: &mut Graph, root: &Rc<Instance>) -> usize {
    let mut modules: HashMap<ValueId, Rc<Instance>> = HashMap::new();
    if let Some(&this) = graph.block(graph.top).params.first() {
        modules.insert(this, root.clone());
    }
    // Attributes written anywhere stay attributes.
    let mut written: HashSet<(*const Instance, String)> = HashSet::new();
    let order = graph.walk();
    for &n in &order {
        let node = graph.node(n);
        if let (crate::ir::Attr::Name(name), op::prim::GetAttr) = (&node.attr, node.kind)
            && let Some(owner) = modules.get(&node.inputs[0]).cloned()
            && let Some(child) = child(&owner, name)
        {
            modules.insert(node.outputs[0], child);
        }
        if node.kind == op::prim::SetAttr
            && let (Some(owner), Attr::Name(name)) = (modules.get(&node.inputs[0]), &node.attr)
        {
            written.insert((Rc::as_ptr(owner), name.clone()));
        }
    }
    // A list some operator writes to (`self.history.append(x)`) stays.
    let mutated = crate::ir::preoptimize::possibly_written(graph);
    let mut frozen = 0;
    for n in order {
        let node = graph.node(n);
        let Attr::Name(name) = &node.attr else { continue };
        if node.kind != op::prim::GetAttr || modules.contains_key(&node.outputs[0]) {
            continue;
        }
        let Some(owner) = modules.get(&node.inputs[0]) else { continue };
        if written.contains(&(Rc::as_ptr(owner), name.clone())) {
            continue;
        }
        let Some(value) = attribute(host, owner, name) else { continue };
        if matches!(value, Value::List(_)) && mutated.contains(&node.outputs[0]) {
            continue;
        }
        // A tuple in an attribute declared `List[int]`
        // (`Conv2d._reversed_padding_repeated_twice`) is a list to
        // compiled code: TorchScript converts it when it makes the slot.
        let value = match (value, &graph.value(node.outputs[0]).ty) {
            (Value::Tuple(items), Type::List(_)) => Value::list(items.to_vec()),
            (value, _) => value,
        };
        let Some(value) = constant(&value) else { continue };
        let node = graph.node_mut(n);
        node.kind = op::prim::Constant;
        node.inputs.clear();
        node.attr = Attr::Constant(value);
        frozen += 1;
    }
    frozen
}

pub(super) fn child(owner: &Rc<Instance>, name: &str) -> Option<Rc<Instance>> {
    let value = owner.module.borrow().as_ref()?.modules.get(name)?;
    submodule(&value)
}

/// A parameter, buffer or plain attribute of a module.
fn attribute(host: &Host<'_>, owner: &Rc<Instance>, name: &str) -> Option<Value> {
    if let Some(v) = owner.module.borrow().as_ref().and_then(|s| s.get(name)) {
        return Some(v);
    }
    owner.attrs.borrow().get(&host.interner.get(name)?).cloned()
}

/// The constant a frozen attribute value becomes, if it has one.
fn constant(value: &Value) -> Option<Constant> {
    Some(match value {
        Value::None => Constant::None,
        Value::Bool(b) => Constant::Bool(*b),
        Value::Int(i) => Constant::Int(*i),
        Value::Float(f) => Constant::Float(*f),
        Value::Str(s) => Constant::Str(s.to_string()),
        Value::Device(d) => Constant::Device(d.to_string()),
        Value::Tensor(t) => Constant::Tensor(TensorConstant(t.clone())),
        Value::Tuple(items) => Constant::Tuple(items.iter().map(constant).collect::<Option<_>>()?),
        // (A list something writes to is not frozen: see `freeze`.)
        Value::List(items)
            if !items.borrow().is_empty() && items.borrow().iter().all(|v| matches!(v, Value::Tensor(_))) =>
        {
            Constant::TensorList(
                items
                    .borrow()
                    .iter()
                    .filter_map(|v| match v {
                        Value::Tensor(t) => Some(TensorConstant(t.clone())),
                        _ => None,
                    })
                    .collect(),
            )
        }
        Value::List(items) => Constant::IntList(
            items
                .borrow()
                .iter()
                .map(|v| match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}
