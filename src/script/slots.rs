//! A module's TorchScript class type: its attributes in slot order, as
//! PyTorch's `infer_concrete_type_builder` lays them out — parameters,
//! buffers, `None` submodules, the instance's plain attributes (`training`,
//! `_is_full_backward_hook`, then the user's, in assignment order), then
//! submodules. `__constants__` and `Final` names are constants, not slots;
//! values without a TorchScript type are left out. `GET_ATTR` in the
//! bytecode and the object's state in `data.pkl` both index this list.

use std::rc::Rc;

use crate::host::eval::Host;
use crate::host::value::{EntryKind, Instance, Value};
use crate::types::Type;

use super::emit::attributes::{class_annotation, class_list_contains, is_final};
use super::signature::attribute_type;

/// One attribute of a module object.
pub struct Slot {
    pub name: String,
    pub ty: Type,
    pub value: Value,
}

/// The attributes of `instance`'s class type, in slot order.
pub fn module_slots(host: &Host<'_>, instance: &Rc<Instance>) -> Vec<Slot> {
    let typed = |name: &str, value: &Value| -> Option<Type> {
        let annotated = host.interner.get(name).and_then(|symbol| class_annotation(host, instance, symbol));
        annotated.or_else(|| attribute_type(value))
    };
    let mut slots = Vec::new();
    let mut submodules = Vec::new();
    if let Some(state) = instance.module.borrow().as_ref() {
        for (name, value) in state.parameters.entries().into_iter().chain(state.buffers.entries()) {
            if let Some(ty) = typed(&name, &value) {
                slots.push(Slot { name, ty, value });
            }
        }
        for (name, value) in state.modules.entries() {
            match submodule(&value) {
                Some(child) => submodules.push(Slot {
                    name,
                    ty: Type::Class(child.class.qualified_name().into()),
                    value: Value::Instance(child),
                }),
                None if matches!(value, Value::None) => slots.push(Slot { name, ty: Type::None, value }),
                None => {}
            }
        }
    }
    for (i, (symbol, value)) in instance.attrs.borrow().iter().enumerate() {
        let name = host.name(*symbol).to_string();
        let constant = class_list_contains(host, instance, "__constants__", &name) || is_final(host, instance, *symbol);
        if !constant && let Some(ty) = typed(&name, value) {
            slots.push(Slot { name, ty, value: value.clone() });
        }
        if i == 0 {
            // `Module.__init__` sets it right after `training`; the host
            // keeps no backward hooks.
            slots.push(Slot {
                name: "_is_full_backward_hook".into(),
                ty: Type::optional(Type::Bool),
                value: Value::None,
            });
        }
    }
    slots.extend(submodules);
    slots
}

/// The module a submodule entry holds: an instance, or a module scripted
/// or traced before it was assigned.
pub fn submodule(value: &Value) -> Option<Rc<Instance>> {
    match value {
        Value::Instance(i) if i.class.is_module() => Some(i.clone()),
        Value::Entry(e) if matches!(e.kind, EntryKind::Script | EntryKind::Trace) => match &e.target {
            Value::Instance(i) if i.class.is_module() => Some(i.clone()),
            _ => None,
        },
        _ => None,
    }
}
