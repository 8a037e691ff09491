//! Dict methods (`get`, `setdefault`, `update`, `popitem`, `copy`) and
//! `del` of a dict key or a list item, as PyTorch 2.5.1's
//! register_prim_ops.cpp runs them: in insertion order, with its messages
//! (`KeyError: x`, `popitem(): dictionary is empty`, `list index out of
//! range`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::value::{Key, RValue};

type Dict = Rc<RefCell<IndexMap<Key, RValue>>>;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::get, get),
        (op::aten::setdefault, setdefault),
        (op::aten::update, update),
        (op::aten::popitem, popitem),
        (op::aten::copy, copy),
        (op::aten::Delete, delete),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

fn dict<'a>(args: &'a Args<'_>, i: usize) -> Result<&'a Dict, KernelError> {
    match args.get(i)? {
        RValue::Dict(d) => Ok(d),
        other => Err(args.error(format!("argument {i} must be a dict, not {}", other.type_name()))),
    }
}

fn key(args: &Args<'_>, i: usize) -> Result<Key, KernelError> {
    let v = args.get(i)?;
    v.dict_key().ok_or_else(|| args.error(format!("unhashable key of type {}", v.type_name())))
}

/// PyTorch's message for a missing key: the key as `str()` prints it.
pub(super) fn key_error(key: &RValue) -> KernelError {
    match super::ivalue_print::ivalue_str(key) {
        Ok(shown) => KernelError::new(format!("KeyError: {shown}")),
        Err(e) => e,
    }
}

/// `d.get(key)` (None when missing) and `d.get(key, default)`.
fn get(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let found = dict(args, 0)?.borrow().get(&key(args, 1)?).cloned();
    Ok(vec![found.unwrap_or_else(|| args.values.get(2).cloned().unwrap_or(RValue::None))])
}

/// `d.setdefault(key, default)`: the value, inserting `default` if missing.
fn setdefault(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let d = dict(args, 0)?;
    let value = d.borrow_mut().entry(key(args, 1)?).or_insert_with(|| args.values[2].clone()).clone();
    Ok(vec![value])
}

/// `d.update(other)`: other's items, in its order; existing keys keep
/// their place.
fn update(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let added: Vec<(Key, RValue)> = dict(args, 1)?.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut d = dict(args, 0)?.borrow_mut();
    for (k, v) in added {
        d.insert(k, v);
    }
    Ok(vec![])
}

/// `d.popitem()`: the first item inserted, as PyTorch pops it (Python pops
/// the last).
fn popitem(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (k, v) = dict(args, 0)?
        .borrow_mut()
        .shift_remove_index(0)
        .ok_or_else(|| KernelError::new("popitem(): dictionary is empty"))?;
    Ok(vec![RValue::tuple(vec![RValue::from_key(&k), v])])
}

/// `l.copy()`, `d.copy()`: a shallow copy.
fn copy(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    match args.get(0)? {
        RValue::List(l) => Ok(vec![RValue::list(l.borrow().clone())]),
        RValue::Dict(d) => Ok(vec![RValue::Dict(Rc::new(RefCell::new(d.borrow().clone())))]),
        other => Err(args.error(format!("argument 0 must be a list or dict, not {}", other.type_name()))),
    }
}

/// `del l[i]`, `del d[key]`.
fn delete(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    match args.get(0)? {
        RValue::Dict(d) => {
            if d.borrow_mut().shift_remove(&key(args, 1)?).is_none() {
                return Err(key_error(args.get(1)?));
            }
        }
        RValue::List(l) => {
            let mut items = l.borrow_mut();
            let i = args.int(1)?;
            let at = if i < 0 { i + items.len() as i64 } else { i };
            if at < 0 || at >= items.len() as i64 {
                return Err(KernelError::new("list index out of range"));
            }
            items.remove(at as usize);
        }
        other => return Err(args.error(format!("argument 0 must be a list or dict, not {}", other.type_name()))),
    }
    Ok(vec![])
}
