//! The module object as `data.pkl` holds it: each module an instance of its
//! class with its attributes in slot order (parameters and buffers as
//! tensors over `data/` storages), and the slot tables the bytecode's
//! `GET_ATTR`/`SET_ATTR` index.

use std::collections::HashMap;
use std::rc::Rc;

use super::pickle::{ListKind, Pickle, TensorRef};
use crate::host::eval::Host;
use crate::host::value::{Instance, Value};
use crate::script::slots::{module_slots, submodule};
use crate::tensor::Tensor;
use crate::types::Type;

/// Storages written once each, keyed by the order they are met.
#[derive(Default)]
pub struct Storages {
    keys: HashMap<*const (), String>,
    /// (record key, a tensor over the whole storage) in order: written out
    /// when the archive is, never copied before.
    pub records: Vec<(String, Tensor)>,
    /// Appended to every key: `.storage` for the `constants/` namespace.
    suffix: &'static str,
}

impl Storages {
    pub fn new(suffix: &'static str) -> Storages {
        Storages { suffix, ..Storages::default() }
    }

    /// `requires_grad`: as the module holds it (parameters do); frozen
    /// constants are detached.
    pub fn tensor(&mut self, t: &Tensor, requires_grad: bool) -> TensorRef {
        let id = Rc::as_ptr(&t.storage) as *const ();
        // The whole storage: views of one storage share its record.
        let key = match self.keys.get(&id) {
            Some(key) => key.clone(),
            None => {
                let key = format!("{}{}", self.records.len(), self.suffix);
                self.keys.insert(id, key.clone());
                self.records.push((key.clone(), t.alias(false, false)));
                key
            }
        };
        let shape: Vec<i64> = t.shape.iter().map(|&d| d as i64).collect();
        let strides = crate::ptl::value::contiguous_strides(&shape).into_iter().map(|d| d as usize).collect();
        TensorRef {
            key,
            storage_class: t.dtype.storage_name(),
            storage_numel: t.storage_len() / t.dtype.size(),
            offset: t.offset,
            sizes: t.shape.clone(),
            strides,
            requires_grad,
        }
    }
}

/// The module tree as objects, and each module's slot names.
pub struct Objects {
    pub root: Pickle,
    pub slots: HashMap<*const Instance, Vec<String>>,
    pub storages: Storages,
}

/// Pickles the module tree under `root`. Fails with the path and type of
/// the first attribute that has no pickled form.
/// `names` gives each instance's class type name (see [`super::source`]).
pub fn objects(
    host: &Host<'_>,
    root: &Rc<Instance>,
    names: &HashMap<*const Instance, String>,
) -> Result<Objects, String> {
    let mut out = Objects { root: Pickle::None, slots: HashMap::new(), storages: Storages::new("") };
    out.root = object(host, root, "self", names, &mut out)?;
    Ok(out)
}

fn object(
    host: &Host<'_>,
    instance: &Rc<Instance>,
    path: &str,
    names: &HashMap<*const Instance, String>,
    out: &mut Objects,
) -> Result<Pickle, String> {
    let slots = module_slots(host, instance);
    out.slots.insert(Rc::as_ptr(instance), slots.iter().map(|s| s.name.clone()).collect());
    let mut state = Vec::with_capacity(slots.len());
    for slot in slots {
        let at = format!("{path}.{}", slot.name);
        let value = match submodule(&slot.value) {
            Some(child) => object(host, &child, &at, names, out)?,
            None => value(&slot.value, &slot.ty, &mut out.storages).ok_or_else(|| format!("`{at}` ({})", slot.ty))?,
        };
        state.push((slot.name, value));
    }
    let class = names.get(&Rc::as_ptr(instance)).cloned().unwrap_or_else(|| instance.class.qualified_name());
    Ok(Pickle::Object { class, state: Box::new(Pickle::Dict(state)) })
}

/// A plain value of TorchScript type `ty`, pickled.
pub fn value(v: &Value, ty: &Type, storages: &mut Storages) -> Option<Pickle> {
    Some(match (v, ty) {
        (Value::None, _) => Pickle::None,
        (_, Type::Optional(inner)) => value(v, inner, storages)?,
        (Value::Bool(b), _) => Pickle::Bool(*b),
        (Value::Int(i), Type::Float) => Pickle::Float(*i as f64),
        (Value::Int(i), _) => Pickle::Int(*i),
        (Value::Float(f), _) => Pickle::Float(*f),
        (Value::Str(s), _) => Pickle::Str(s.to_string()),
        (Value::Device(d), _) => Pickle::Device(d.to_string()),
        (Value::Tensor(t), _) => Pickle::Tensor(storages.tensor(t, t.requires_grad || t.is_parameter)),
        (Value::Tuple(items), Type::Tuple(types)) if items.len() == types.len() => Pickle::Tuple(
            items.iter().zip(types).map(|(item, t)| value(item, t, storages)).collect::<Option<Vec<_>>>()?,
        ),
        (Value::List(_) | Value::Tuple(_), Type::List(element)) => {
            let items: Vec<Value> = match v {
                Value::List(items) => items.borrow().clone(),
                Value::Tuple(items) => items.to_vec(),
                _ => unreachable!("matched above"),
            };
            let items = items.iter().map(|item| value(item, element, storages)).collect::<Option<Vec<_>>>()?;
            match **element {
                Type::Int => Pickle::SpecializedList(ListKind::Int, items),
                Type::Float => Pickle::SpecializedList(ListKind::Float, items),
                Type::Bool => Pickle::SpecializedList(ListKind::Bool, items),
                Type::Tensor => Pickle::SpecializedList(ListKind::Tensor, items),
                _ => Pickle::TaggedList { items, tag: ty.to_string() },
            }
        }
        _ => return None,
    })
}
