//! The tables of `bytecode.pkl` (docs/ptl-format.md §6): function tuples with
//! their code and schema, constants, defaults, attribute slots.

use std::collections::HashMap;
use std::rc::Rc;

use super::pickle::{ListKind, Pickle};
use super::{bytecode, object};
use crate::host::eval::Host;
use crate::host::value::Instance;
use crate::ir::{Constant, Function, Graph, NodeId, ValueId};
use crate::ops::DefaultValue;
use crate::ops::op;
use crate::script::slots::submodule;

/// A method's parameters after `self`, with types and defaults: as many as
/// its graph takes (a traced `forward` takes only its example inputs).
pub(super) fn parameters(
    host: &mut Host<'_>,
    unit: &crate::host::unit::Unit,
    function: &Function,
) -> Vec<(String, crate::types::Type, Option<DefaultValue>)> {
    let signature = crate::script::signature::signature(host, unit);
    let graph = &function.graph;
    let inputs = &graph.block(graph.top).params;
    // (The signature lists `self` first.) An unannotated parameter has the
    // type its graph input has: `Tensor`, or in a trace the example input's.
    let positional = unit.def.params.iter().skip(1).take_while(|p| {
        matches!(p.kind, crate::syntax::ast::ParamKind::Normal | crate::syntax::ast::ParamKind::PositionalOnly)
    });
    let mut params: Vec<_> = signature
        .map(|s| s.params.into_iter().skip(1).take(positional.count().min(inputs.len().saturating_sub(1))).collect())
        .unwrap_or_default();
    for (i, (_, ty, _)) in params.iter_mut().enumerate() {
        if unit.def.params.get(i + 1).is_some_and(|p| p.annotation.is_none()) {
            *ty = graph.value(inputs[i + 1]).ty.clone();
        }
    }
    // Inputs no parameter names (a traced `forward(self, *inputs)`): as
    // PyTorch's traced schema names them.
    let named = params.len() + 1;
    for (i, input) in inputs.iter().enumerate().skip(named) {
        params.push((format!("argument_{i}"), graph.value(*input).ty.clone(), None));
    }
    params
}

/// The attribute slot of each `prim::GetAttr`/`prim::SetAttr`, following
/// module values from `self` (the first input) down the submodule tree.
pub(super) fn attribute_slots(
    graph: &Graph,
    root: &Rc<Instance>,
    slots: &HashMap<*const Instance, Vec<String>>,
) -> HashMap<NodeId, usize> {
    let mut modules: HashMap<ValueId, Rc<Instance>> = HashMap::new();
    if let Some(&this) = graph.block(graph.top).params.first() {
        modules.insert(this, root.clone());
    }
    let mut out = HashMap::new();
    for n in graph.walk() {
        let node = graph.node(n);
        if node.kind != op::prim::GetAttr && node.kind != op::prim::SetAttr {
            continue;
        }
        let (Some(instance), crate::ir::Attr::Name(name)) = (modules.get(&node.inputs[0]).cloned(), &node.attr) else {
            continue;
        };
        if let Some(slot) = slots.get(&Rc::as_ptr(&instance)).and_then(|names| names.iter().position(|s| s == name)) {
            out.insert(n, slot);
        }
        let child =
            instance.module.borrow().as_ref().and_then(|state| state.modules.get(name)).and_then(|v| submodule(&v));
        if let (Some(child), op::prim::GetAttr) = (child, node.kind) {
            modules.insert(node.outputs[0], child);
        }
    }
    out
}

fn row(name: &str, value: Pickle) -> Pickle {
    Pickle::Tuple(vec![Pickle::Str(name.into()), value])
}

/// `(name, code table, schema)` for `bytecode.pkl` (docs/ptl-format.md §6.1).
pub(super) fn function_tuple(
    class: &str,
    function: &Function,
    params: &[(String, crate::types::Type, Option<DefaultValue>)],
    code: bytecode::CodeTable,
    version: u32,
    storages: &mut object::Storages,
) -> Pickle {
    let instructions = code
        .instructions
        .iter()
        .map(|i| Pickle::Tuple(vec![Pickle::Str(i.op.into()), Pickle::Int(i.x), Pickle::Int(i.n)]))
        .collect();
    let operators = code
        .operators
        .iter()
        .map(|o| {
            let mut entry = vec![Pickle::Str(o.name.clone()), Pickle::Str(o.overload.clone())];
            if version >= 6
                && let Some(n) = o.num_args
            {
                entry.push(Pickle::Int(n));
            }
            Pickle::Tuple(entry)
        })
        .collect();
    let constants = code.constants.iter().map(|c| constant(c, storages)).collect();
    let types = code.types.iter().map(|t| Pickle::Str(t.clone())).collect();
    let table = Pickle::Tuple(vec![
        row("instructions", Pickle::Tuple(instructions)),
        row("operators", Pickle::Tuple(operators)),
        row("constants", Pickle::Tuple(constants)),
        row("types", Pickle::Tuple(types)),
        row("register_size", Pickle::Int(code.register_size)),
    ]);
    let argument = |name: &str, ty: String, default: Pickle| {
        Pickle::Tuple(vec![
            row("name", Pickle::Str(name.into())),
            row("type", Pickle::Str(ty)),
            row("default_value", default),
        ])
    };
    let mut arguments = vec![argument("self", class.to_string(), Pickle::None)];
    for (name, ty, default) in params {
        arguments.push(argument(name, ty.to_string(), default.as_ref().map_or(Pickle::None, default_value)));
    }
    let returns: Vec<Pickle> = function
        .graph
        .block(function.graph.top)
        .returns
        .iter()
        .map(|&v| argument("", function.graph.value(v).ty.to_string(), Pickle::None))
        .collect();
    let schema =
        Pickle::Tuple(vec![row("arguments", Pickle::Tuple(arguments)), row("returns", Pickle::Tuple(returns))]);
    Pickle::Tuple(vec![Pickle::Str(format!("{class}.{}", function.name)), table, schema])
}

/// A constant of the bytecode or `constants.pkl`; tensors go to the
/// `constants/` storages.
pub(super) fn constant(c: &Constant, storages: &mut object::Storages) -> Pickle {
    match c {
        Constant::None => Pickle::None,
        Constant::Bool(b) => Pickle::Bool(*b),
        Constant::Int(i) => Pickle::Int(*i),
        Constant::Float(f) => Pickle::Float(*f),
        Constant::Str(s) => Pickle::Str(s.clone()),
        Constant::Device(d) => Pickle::Device(d.clone()),
        Constant::IntList(items) => {
            Pickle::SpecializedList(ListKind::Int, items.iter().map(|i| Pickle::Int(*i)).collect())
        }
        Constant::Tuple(items) => Pickle::Tuple(items.iter().map(|c| constant(c, storages)).collect()),
        Constant::Tensor(t) => Pickle::Tensor(storages.tensor(&t.0, false)),
        Constant::TensorList(items) => Pickle::SpecializedList(
            ListKind::Tensor,
            items.iter().map(|t| Pickle::Tensor(storages.tensor(&t.0, false))).collect(),
        ),
        Constant::Object { class, state } => Pickle::Object {
            class: class.clone(),
            state: Box::new(Pickle::Tuple(state.iter().map(|c| constant(c, storages)).collect())),
        },
    }
}

fn default_value(d: &DefaultValue) -> Pickle {
    match d {
        DefaultValue::None | DefaultValue::Ident(_) => Pickle::None,
        DefaultValue::Bool(b) => Pickle::Bool(*b),
        DefaultValue::Int(i) => Pickle::Int(*i),
        DefaultValue::Float(f) => Pickle::Float(*f),
        DefaultValue::Str(s) => Pickle::Str(s.clone()),
        DefaultValue::IntList(items) => {
            Pickle::SpecializedList(ListKind::Int, items.iter().map(|i| Pickle::Int(*i)).collect())
        }
        DefaultValue::FloatList(items) => {
            Pickle::SpecializedList(ListKind::Float, items.iter().map(|f| Pickle::Float(*f)).collect())
        }
        DefaultValue::BoolList(items) => {
            Pickle::SpecializedList(ListKind::Bool, items.iter().map(|b| Pickle::Bool(*b)).collect())
        }
        DefaultValue::EmptyList => Pickle::TaggedList { items: Vec::new(), tag: "List[int]".into() },
    }
}
