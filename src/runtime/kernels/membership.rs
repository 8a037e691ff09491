//! Finding a value in a list (`==`, `index`, `count`, `remove`) as
//! PyTorch compares: tensors by `eq` and then bool() of the result, which
//! raises for more than one element or none (register_ops_utils.cpp's
//! `tensor_list_equal`, `listIndex<Tensor>`, ...).

use super::args::Args;
use super::{Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;

pub(super) fn register(table: &mut std::collections::HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[(op::aten::count, count), (op::aten::remove, remove)];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

/// `bool(a == b)` of two tensors (`at::native::is_nonzero`).
pub(super) fn tensors_eq_truth(a: &RTensor, b: &RTensor) -> Result<bool, KernelError> {
    let eq = super::call(op::aten::eq, "Tensor", &[RValue::Tensor(a.clone()), RValue::Tensor(b.clone())])?;
    let Some(RValue::Tensor(eq)) = eq.first() else {
        return Err(KernelError::unsupported("aten::eq.Tensor returned no tensor"));
    };
    match eq.numel() {
        0 => Err(KernelError::new("Boolean value of Tensor with no values is ambiguous")),
        1 => Ok(eq.item()? != 0.0),
        _ => Err(KernelError::new("Boolean value of Tensor with more than one value is ambiguous")),
    }
}

/// Whether a list item matches `el`.
fn matches(item: &RValue, el: &RValue) -> Result<bool, KernelError> {
    match (item, el) {
        (RValue::Tensor(x), RValue::Tensor(y)) => tensors_eq_truth(y, x),
        _ => super::scalars::values_equal(item, el),
    }
}

fn items(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let v = args.get(0)?;
    v.items().ok_or_else(|| args.error(format!("argument 0 must be a list, not {}", v.type_name())))
}

/// `list.index(el)`: the first match.
pub(super) fn list_index(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let el = args.get(1)?;
    for (i, x) in items(args)?.iter().enumerate() {
        if matches(x, el)? {
            return Ok(vec![RValue::Int(i as i64)]);
        }
    }
    Err(KernelError::new(format!("'{}' is not in list", shown(el))))
}

/// An element as PyTorch's `operator<<` prints it in a message.
fn shown(v: &RValue) -> String {
    match v {
        RValue::Str(s) => s.to_string(),
        other => format!("{other:?}"),
    }
}

fn count(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if args.overload.is_empty() {
        return super::str_search::count(args);
    }
    let el = args.get(1)?;
    let mut n = 0;
    for x in &items(args)? {
        n += i64::from(matches(x, el)?);
    }
    Ok(vec![RValue::Int(n)])
}

fn remove(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let RValue::List(list) = args.get(0)? else {
        return Err(args.error("argument 0 must be a list"));
    };
    let el = args.get(1)?;
    let snapshot = list.borrow().clone();
    for (i, x) in snapshot.iter().enumerate() {
        if matches(x, el)? {
            list.borrow_mut().remove(i);
            return Ok(vec![]);
        }
    }
    Err(KernelError::new("list.remove(x): x not in list"))
}
