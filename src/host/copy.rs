//! Python's `copy` module: `copy` and `deepcopy` of containers, plain
//! instances, module trees and tensors, as CPython's (a deep copy keeps
//! the sharing among what it copies: one object copied once, tensors that
//! share storage share the copy's storage).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::builtins::builtin;
use super::call::Args;
use super::eval::{Eval, Host};
use super::module::{ModuleState, Table};
use super::torch::namespace;
use super::value::{Dict, Instance, Value};
use crate::tensor::Tensor;

pub(super) fn install(host: &mut Host<'_>) {
    let error = host.class("Exception");
    let entries = vec![
        ("copy", builtin("copy", copy)),
        ("deepcopy", builtin("deepcopy", deepcopy)),
        ("Error", Value::Class(error)),
    ];
    namespace(host, "copy", entries);
}

/// A shallow copy: a new container or instance holding the same items.
fn copy(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = args.bind(host, "copy", &["x"], 1)?.remove(0).expect("required");
    Ok(match &v {
        Value::List(items) => Value::list(items.borrow().clone()),
        Value::Dict(d) => Value::Dict(Rc::new(RefCell::new(d.borrow().clone()))),
        Value::Instance(i) => Value::Instance(Rc::new(Instance {
            class: i.class.clone(),
            attrs: RefCell::new(i.attrs.borrow().clone()),
            module: RefCell::new(i.module.borrow().as_ref().map(|m| ModuleState {
                parameters: Table(Rc::new(RefCell::new(m.parameters.0.borrow().clone()))),
                buffers: Table(Rc::new(RefCell::new(m.buffers.0.borrow().clone()))),
                non_persistent: m.non_persistent.clone(),
                modules: Table(Rc::new(RefCell::new(m.modules.0.borrow().clone()))),
            })),
            created_at: i.created_at,
        })),
        // Immutable values, functions, classes and tensors (whose copy.copy
        // is a deep copy in PyTorch).
        Value::Tensor(_) => return deep(&v, &mut Memo::default()),
        _ => v,
    })
}

fn deepcopy(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "deepcopy", &["x", "memo"], 1)?;
    deep(slots[0].as_ref().expect("required"), &mut Memo::default())
}

/// What one deep copy already copied, by the original's identity.
#[derive(Default)]
struct Memo {
    values: HashMap<usize, Value>,
    storages: HashMap<usize, Rc<RefCell<crate::tensor::Storage>>>,
}

fn deep(v: &Value, memo: &mut Memo) -> Eval<Value> {
    let id = v.identity();
    let shared = matches!(v, Value::List(_) | Value::Dict(_) | Value::Instance(_) | Value::Tensor(_));
    if shared && let Some(done) = memo.values.get(&id) {
        return Ok(done.clone());
    }
    Ok(match v {
        Value::List(items) => {
            let copy = Rc::new(RefCell::new(Vec::new()));
            memo.values.insert(id, Value::List(copy.clone()));
            let items = items.borrow().clone();
            for item in &items {
                let item = deep(item, memo)?;
                copy.borrow_mut().push(item);
            }
            Value::List(copy)
        }
        Value::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(deep(item, memo)?);
            }
            Value::tuple(out)
        }
        Value::Dict(d) => {
            let copy = Rc::new(RefCell::new(Dict::default()));
            memo.values.insert(id, Value::Dict(copy.clone()));
            deep_dict(&d.borrow(), &copy, memo)?;
            Value::Dict(copy)
        }
        Value::Tensor(t) => {
            let storage = memo
                .storages
                .entry(Rc::as_ptr(&t.storage) as usize)
                .or_insert_with(|| Rc::new(RefCell::new(t.storage.borrow().clone())))
                .clone();
            let copy = Value::Tensor(Rc::new(Tensor {
                shape: t.shape.clone(),
                dtype: t.dtype,
                is_parameter: t.is_parameter,
                requires_grad: t.requires_grad,
                storage,
                offset: t.offset,
            }));
            memo.values.insert(id, copy.clone());
            copy
        }
        Value::Instance(i) => {
            let copy = Rc::new(Instance {
                class: i.class.clone(),
                attrs: RefCell::new(Default::default()),
                module: RefCell::new(None),
                created_at: i.created_at,
            });
            memo.values.insert(id, Value::Instance(copy.clone()));
            let attrs: Vec<(crate::syntax::Symbol, Value)> =
                i.attrs.borrow().iter().map(|(k, v)| (*k, v.clone())).collect();
            for (k, v) in attrs {
                let v = deep(&v, memo)?;
                copy.attrs.borrow_mut().insert(k, v);
            }
            let state =
                i.module.borrow().as_ref().map(|m| {
                    (m.parameters.0.clone(), m.buffers.0.clone(), m.non_persistent.clone(), m.modules.0.clone())
                });
            if let Some((parameters, buffers, non_persistent, modules)) = state {
                let tables = [Table::default(), Table::default(), Table::default()];
                for (from, to) in [&parameters, &buffers, &modules].into_iter().zip(&tables) {
                    deep_dict(&from.borrow(), &to.0, memo)?;
                }
                let [parameters, buffers, modules] = tables;
                *copy.module.borrow_mut() = Some(ModuleState { parameters, buffers, non_persistent, modules });
            }
            Value::Instance(copy)
        }
        Value::Method(bound) => Value::Method(Rc::new((deep(&bound.0, memo)?, bound.1.clone()))),
        // Immutable or shared by design: numbers, strings, functions,
        // classes, modules, dtypes, scripted entries.
        other => other.clone(),
    })
}

fn deep_dict(from: &Dict, to: &RefCell<Dict>, memo: &mut Memo) -> Eval<()> {
    for (key, (k, v)) in &from.entries {
        let entry = (deep(k, memo)?, deep(v, memo)?);
        to.borrow_mut().entries.insert(key.clone(), entry);
    }
    Ok(())
}
