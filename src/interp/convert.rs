//! Host values (module instances, lazily filled tensors) and IR constants
//! as run-time values. Each host tensor becomes one run-time tensor, so a
//! parameter read twice is the same tensor (identity matters to `is`, to
//! in-place ops and to the tracer).

use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;

use crate::host::eval::Host;
use crate::host::value::{Instance, Value};
use crate::ir::Constant;
use crate::runtime::kernels::KernelError;
use crate::runtime::tensor::RTensor;
use crate::runtime::value::{Object, RValue};
use crate::tensor::Tensor;

/// What one run shares across its frames: the run-time values of host
/// values, and the nodes it has run (an endless loop stops at the budget).
#[derive(Default)]
pub struct Converter {
    tensors: HashMap<*const Tensor, (Rc<Tensor>, RTensor)>,
    objects: HashMap<*const Instance, (Rc<Instance>, Rc<Object>)>,
    pub(super) steps: u64,
}

impl Converter {
    pub fn new() -> Converter {
        Converter::default()
    }

    pub fn tensor(&mut self, t: &Rc<Tensor>) -> Result<RTensor, KernelError> {
        if let Some((_, r)) = self.tensors.get(&Rc::as_ptr(t)) {
            return Ok(r.clone());
        }
        let r = RTensor::from_host(t)?;
        self.tensors.insert(Rc::as_ptr(t), (t.clone(), r.clone()));
        Ok(r)
    }

    /// A `prim::Constant`'s value.
    pub fn constant(&mut self, c: &Constant) -> Result<RValue, KernelError> {
        Ok(match c {
            Constant::None => RValue::None,
            Constant::Bool(b) => RValue::Bool(*b),
            Constant::Int(i) => RValue::Int(*i),
            Constant::Float(f) => RValue::Float(*f),
            Constant::Str(s) => RValue::Str(s.as_str().into()),
            Constant::Device(d) => RValue::Device(d.as_str().into()),
            Constant::IntList(items) => RValue::list(items.iter().map(|i| RValue::Int(*i)).collect()),
            Constant::Tuple(items) => RValue::tuple(items.iter().map(|c| self.constant(c)).collect::<Result<_, _>>()?),
            Constant::Tensor(t) => RValue::Tensor(self.tensor(&t.0)?),
            Constant::TensorList(items) => {
                RValue::list(items.iter().map(|t| self.tensor(&t.0).map(RValue::Tensor)).collect::<Result<_, _>>()?)
            }
            Constant::Object { class, state } => {
                let state = RValue::tuple(state.iter().map(|c| self.constant(c)).collect::<Result<_, _>>()?);
                RValue::Object(Object::new(class.clone(), IndexMap::from([("state".to_string(), state)])))
            }
        })
    }

    /// A module instance as an object with its TorchScript slots.
    pub fn module(&mut self, host: &Host<'_>, instance: &Rc<Instance>) -> Result<Rc<Object>, KernelError> {
        if let Some((_, o)) = self.objects.get(&Rc::as_ptr(instance)) {
            return Ok(o.clone());
        }
        let object = Object::new(instance.class.qualified_name(), IndexMap::new());
        self.objects.insert(Rc::as_ptr(instance), (instance.clone(), object.clone()));
        for slot in crate::script::slots::module_slots(host, instance) {
            let value = self.value(host, &slot.value)?;
            object.attrs.borrow_mut().insert(slot.name, value);
        }
        Ok(object)
    }

    /// A host value: tensors, modules, scalars and containers of them.
    pub fn value(&mut self, host: &Host<'_>, v: &Value) -> Result<RValue, KernelError> {
        Ok(match v {
            Value::None => RValue::None,
            Value::Bool(b) => RValue::Bool(*b),
            Value::Int(i) => RValue::Int(*i),
            Value::Float(f) => RValue::Float(*f),
            Value::Str(s) => RValue::Str(s.clone()),
            Value::Device(d) => RValue::Device(d.clone()),
            Value::Dtype(d) => RValue::Int(d.code()),
            Value::Tensor(t) => RValue::Tensor(self.tensor(t)?),
            Value::List(items) => {
                RValue::list(items.borrow().iter().map(|i| self.value(host, i)).collect::<Result<_, _>>()?)
            }
            Value::Tuple(items) => RValue::tuple(items.iter().map(|i| self.value(host, i)).collect::<Result<_, _>>()?),
            Value::Dict(d) => {
                let mut map = IndexMap::new();
                for (key, value) in d.borrow().entries.values() {
                    let key = self.value(host, key)?;
                    let key = key.dict_key().ok_or_else(|| KernelError::new("unhashable dict key"))?;
                    map.insert(key, self.value(host, value)?);
                }
                RValue::Dict(Rc::new(std::cell::RefCell::new(map)))
            }
            Value::Instance(i) if i.class.is_module() => RValue::Object(self.module(host, i)?),
            Value::Entry(e) => self.value(host, &e.target)?,
            other => {
                return Err(KernelError::unsupported(format!("a {} has no run-time value", other.type_name())));
            }
        })
    }
}
