//! `t[...]` and `t[...] = v` in code the host runs, for PyTorch's basic
//! indexing (ints, slices, `None`, `...`). A read copies the elements it
//! picks; a write stores into the storage every alias of `t` shares.

use std::rc::Rc;

use bytes::Bytes;

use super::call::Args;
use super::eval::{Eval, Host};
use super::value::Value;
use crate::source::Span;
use crate::tensor::Tensor;

/// Where basic indexing takes its elements from: the result's shape and
/// each result element's index into the storage, in row-major order.
struct Picked {
    shape: Vec<usize>,
    positions: Vec<usize>,
}

/// The items of an index: a tuple's, or the one.
fn key_items(key: &Value) -> Vec<Value> {
    match key {
        Value::Tuple(items) => items.to_vec(),
        other => vec![other.clone()],
    }
}

/// An index item with 0-dim integer tensors (sizes a trace holds) as the
/// ints they hold, as PyTorch indexes with them (`x[:, :n]`).
fn index_as_int(item: &Value) -> Value {
    match item {
        Value::Slice(parts) => Value::Slice(Rc::new(parts.each_ref().map(super::eager::sizes_as_ints))),
        Value::Tensor(t) if t.shape.is_empty() && t.dtype == crate::types::ScalarType::Int64 => {
            super::eager::sizes_as_ints(item)
        }
        other => other.clone(),
    }
}

/// `None` when the index is not basic (a tensor or list index).
fn pick(host: &Host<'_>, t: &Tensor, key: &Value, span: Span) -> Option<Eval<Picked>> {
    let items: Vec<Value> = key_items(key).iter().map(index_as_int).collect();
    if items.iter().any(|v| !matches!(v, Value::Int(_) | Value::Slice(_) | Value::None | Value::Ellipsis)) {
        return None;
    }
    Some(pick_basic(host, t, &items, span))
}

fn pick_basic(host: &Host<'_>, t: &Tensor, items: &[Value], span: Span) -> Eval<Picked> {
    let rank = t.shape.len();
    let mut strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * t.shape[d + 1];
    }
    let consuming = items.iter().filter(|v| matches!(v, Value::Int(_) | Value::Slice(_))).count();
    if consuming > rank {
        return host.raise("IndexError", format!("too many indices for tensor of dimension {rank}"), span);
    }
    let mut base = t.offset;
    // Per result dimension: the storage offset each of its indices adds.
    let mut dims: Vec<Vec<usize>> = Vec::new();
    let mut d = 0;
    let full = |d: usize| (0..t.shape[d]).map(|i| i * strides[d]).collect::<Vec<_>>();
    for item in items {
        match item {
            Value::Int(i) => {
                let size = t.shape[d] as i64;
                let at = if *i < 0 { i + size } else { *i };
                if !(0..size).contains(&at) {
                    return host.raise(
                        "IndexError",
                        format!("index {i} is out of bounds for dimension {d} with size {size}"),
                        span,
                    );
                }
                base += at as usize * strides[d];
                d += 1;
            }
            Value::Slice(parts) => {
                if let Value::Int(step) = &parts[2]
                    && *step <= 0
                {
                    return host.raise("ValueError", "step must be greater than zero", span);
                }
                let picked = super::ops::slice_positions(host, parts, t.shape[d], span)?;
                dims.push(picked.into_iter().map(|i| i * strides[d]).collect());
                d += 1;
            }
            Value::None => dims.push(vec![0]),
            Value::Ellipsis => {
                for _ in 0..rank - consuming {
                    dims.push(full(d));
                    d += 1;
                }
            }
            _ => unreachable!("pick keeps basic indices only"),
        }
    }
    while d < rank {
        dims.push(full(d));
        d += 1;
    }
    let shape: Vec<usize> = dims.iter().map(Vec::len).collect();
    let count: usize = shape.iter().product();
    let mut positions = Vec::with_capacity(count);
    let mut odometer = vec![0usize; dims.len()];
    for _ in 0..count {
        positions.push(base + odometer.iter().zip(&dims).map(|(&i, offsets)| offsets[i]).sum::<usize>());
        for k in (0..dims.len()).rev() {
            odometer[k] += 1;
            if odometer[k] < dims[k].len() {
                break;
            }
            odometer[k] = 0;
        }
    }
    Ok(Picked { shape, positions })
}

/// `t[key]` for a key other than one int (which [`Tensor::select`] reads
/// as an alias): basic indexing copies; a tensor or list index is aten's
/// `index`.
pub(super) fn get(host: &mut Host<'_>, t: &Rc<Tensor>, key: Value, span: Span) -> Eval<Value> {
    let Some(picked) = pick(host, t, &key, span) else {
        let indices = match key {
            Value::Tuple(items) => Value::list(items.to_vec()),
            other => Value::list(vec![other]),
        };
        return super::eager::call(host, "index", Args::positional(vec![Value::Tensor(t.clone()), indices], span));
    };
    let picked = picked?;
    let size = t.dtype.size();
    let storage = t.storage_bytes();
    let mut out = Vec::with_capacity(picked.positions.len() * size);
    for &p in &picked.positions {
        out.extend_from_slice(&storage[p * size..(p + 1) * size]);
    }
    let copy = Rc::new(Tensor::from_bytes(picked.shape, t.dtype, Bytes::from(out)));
    if let Some(tape) = host.tape.as_ref().filter(|_| host.traces(t)) {
        tape.borrow_mut().index(t, &key_items(&key), &copy, span);
    }
    let copy = Value::Tensor(copy);
    mark_copies(host, &copy, Order::InOrder);
    Ok(copy)
}

/// `t[key] = value`: `value` (a tensor or a number) converted to `t`'s
/// dtype and broadcast to the picked shape, stored element by element.
pub(super) fn set(host: &mut Host<'_>, t: &Rc<Tensor>, key: Value, value: Value, span: Span) -> Eval<()> {
    check_writable(host, t, span)?;
    host.refuse_traced(t, || "assigning into a traced tensor's elements cannot be traced yet".into(), span);
    let Some(picked) = pick(host, t, &key, span) else {
        return host
            .unsupported("assigning through a tensor or list index is not supported in module-level code yet", span);
    };
    let picked = picked?;
    let source = match value {
        Value::Tensor(v) => Value::Tensor(v),
        number @ (Value::Int(_) | Value::Float(_) | Value::Bool(_)) => {
            super::eager::call(host, "scalar_tensor", Args::positional(vec![number], span))?
        }
        other => {
            return host.raise(
                "TypeError",
                format!("can't assign a {} to a {} tensor", other.type_name(), t.dtype.torch_name()),
                span,
            );
        }
    };
    let Value::Tensor(converted) =
        super::eager::call(host, "to", Args::positional(vec![source, Value::Dtype(t.dtype)], span))?
    else {
        unreachable!("`to` returns a tensor")
    };
    if !broadcasts(&converted.shape, &picked.shape) {
        return host.raise(
            "RuntimeError",
            format!(
                "shape mismatch: value tensor of shape {:?} cannot be broadcast to indexing result of shape {:?}",
                converted.shape, picked.shape
            ),
            span,
        );
    }
    let shape = Value::list(picked.shape.iter().map(|&n| Value::Int(n as i64)).collect());
    let Value::Tensor(expanded) =
        super::eager::call(host, "expand", Args::positional(vec![Value::Tensor(converted), shape], span))?
    else {
        unreachable!("`expand` returns a tensor")
    };
    let bytes = expanded.bytes();
    let size = t.dtype.size();
    let mut storage = t.storage_bytes().to_vec();
    for (k, &p) in picked.positions.iter().enumerate() {
        storage[p * size..(p + 1) * size].copy_from_slice(&bytes[k * size..(k + 1) * size]);
    }
    t.set_bytes(Bytes::from(storage));
    Ok(())
}

/// Whether a `from`-shaped tensor broadcasts to `to` (trailing dimensions
/// equal or 1, no more dimensions than `to` beyond leading 1s).
fn broadcasts(from: &[usize], to: &[usize]) -> bool {
    let extra = from.len().saturating_sub(to.len());
    from[..extra].iter().all(|&n| n == 1)
        && from[extra..].iter().rev().zip(to.iter().rev()).all(|(&f, &t)| f == t || f == 1)
}

/// How a view PyTorch would return keeps its input's elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Order {
    /// In order (`x[1:]`, `x.view(-1)`): contiguous where `x` is.
    InOrder,
    /// Dimensions swapped (`x.t()`, `x.permute(...)`): not contiguous.
    Reordered,
}

/// Records the tensors in `v` as copies of what PyTorch would return as
/// views, so that writing into them in place is refused.
pub(super) fn mark_copies(host: &mut Host<'_>, v: &Value, order: Order) {
    match v {
        Value::Tensor(t) => host.copied_views.push((Rc::downgrade(t), order)),
        Value::Tuple(items) => items.iter().for_each(|i| mark_copies(host, i, order)),
        Value::List(items) => items.borrow().iter().for_each(|i| mark_copies(host, i, order)),
        _ => {}
    }
}

/// How `t` stands for a view PyTorch would have made, if it does.
pub(super) fn copy_of_view(host: &mut Host<'_>, t: &Rc<Tensor>) -> Option<Order> {
    host.copied_views.retain(|(w, _)| w.strong_count() > 0);
    host.copied_views.iter().find(|(w, _)| std::ptr::eq(w.as_ptr(), Rc::as_ptr(t))).map(|(_, order)| *order)
}

/// In-place writes into a copy that [`get`] made would not reach the
/// tensor it was read from, as they do in PyTorch: refused.
pub(super) fn check_writable(host: &mut Host<'_>, t: &Rc<Tensor>, span: Span) -> Eval<()> {
    if copy_of_view(host, t).is_some() {
        return host.unsupported(
            "writing in place into a view (a slice, `view`, `transpose`, ...) in module-level code is not supported yet: tsc's views there are copies; assign through the original (`t[...] = value`)",
            span,
        );
    }
    Ok(())
}
