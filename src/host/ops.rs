//! Operators, indexing, comparisons and text conversion on host values,
//! with Python's results and Python's error messages.

use std::rc::Rc;

use super::call::Args;
use super::eval::{Eval, Host};
use super::value::{Dict, Value, range_len};
use crate::diag::Code;
use crate::repr::{float_repr, string_repr};
use crate::source::Span;
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};

/// A number as Python's numeric tower sees it.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::Int(i64::from(*b))),
        Value::Int(i) => Some(Num::Int(*i)),
        Value::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

fn as_f64(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

/// `sequence * n` within the memory budget (Python's `MemoryError` beyond it).
fn repetition(host: &Host<'_>, len: usize, item_size: usize, n: i64, span: Span) -> Eval<()> {
    let count = (len as u128).saturating_mul(n.max(0) as u128);
    crate::budget::check(count, item_size as u128)
        .or_else(|why| host.raise_code(Code::E5006, "MemoryError", format!("the repeated sequence {why}"), span))
}

/// A list being built item by item (a comprehension) within the memory
/// budget: checked as its length passes each power of two, as its buffer grows.
pub fn growing(host: &Host<'_>, len: usize, span: Span) -> Eval<()> {
    if !len.is_power_of_two() {
        return Ok(());
    }
    crate::budget::check(len as u128 * 2, std::mem::size_of::<Value>() as u128)
        .or_else(|why| host.raise_code(Code::E5006, "MemoryError", format!("the list being built {why}"), span))
}

/// `a + b` of `len` items in all within the memory budget: doubling a list
/// or string in a loop outgrows it in a few dozen steps.
pub fn concatenation(host: &Host<'_>, len: usize, item_size: usize, span: Span) -> Eval<()> {
    crate::budget::check(len as u128, item_size as u128)
        .or_else(|why| host.raise_code(Code::E5006, "MemoryError", format!("the concatenated sequence {why}"), span))
}

pub fn binary(host: &mut Host<'_>, op: BinOp, l: Value, r: Value, span: Span) -> Eval<Value> {
    if let (Some(a), Some(b)) = (num(&l), num(&r)) {
        return arithmetic(host, op, a, b, span);
    }
    match (op, &l, &r) {
        (BinOp::Add, Value::Str(a), Value::Str(b)) => {
            concatenation(host, a.len().saturating_add(b.len()), 1, span)?;
            Ok(Value::str(&format!("{a}{b}")))
        }
        (BinOp::Add, Value::List(a), Value::List(b)) => {
            let (a, b) = (a.borrow(), b.borrow());
            concatenation(host, a.len().saturating_add(b.len()), std::mem::size_of::<Value>(), span)?;
            Ok(Value::list(a.iter().chain(b.iter()).cloned().collect()))
        }
        (BinOp::Add, Value::Tuple(a), Value::Tuple(b)) => {
            concatenation(host, a.len().saturating_add(b.len()), std::mem::size_of::<Value>(), span)?;
            Ok(Value::tuple(a.iter().chain(b.iter()).cloned().collect()))
        }
        (BinOp::Mul, Value::Str(s), Value::Int(n)) | (BinOp::Mul, Value::Int(n), Value::Str(s)) => {
            repetition(host, s.len(), 1, *n, span)?;
            Ok(Value::str(&s.repeat((*n).max(0) as usize)))
        }
        (BinOp::Mul, Value::List(items), Value::Int(n)) | (BinOp::Mul, Value::Int(n), Value::List(items)) => {
            let items = items.borrow();
            repetition(host, items.len(), std::mem::size_of::<Value>(), *n, span)?;
            Ok(Value::list((0..(*n).max(0)).flat_map(|_| items.iter().cloned()).collect()))
        }
        (BinOp::Mul, Value::Tuple(items), Value::Int(n)) | (BinOp::Mul, Value::Int(n), Value::Tuple(items)) => {
            repetition(host, items.len(), std::mem::size_of::<Value>(), *n, span)?;
            Ok(Value::tuple((0..(*n).max(0)).flat_map(|_| items.iter().cloned()).collect()))
        }
        (BinOp::Mod, Value::Str(format), args) => percent_format(host, format, args, span),
        (_, Value::Instance(_), _) | (_, _, Value::Instance(_))
            if let Some(result) = dunder_binary(host, op, &l, &r, span) =>
        {
            result
        }
        (_, Value::Tensor(_), _) | (_, _, Value::Tensor(_)) => {
            match super::eager::binary(host, op, l.clone(), r.clone(), span) {
                Some(result) => result,
                None => host.unsupported(
                    format!("tensor arithmetic (`{}`) is not supported in module-level code yet", op.as_str()),
                    span,
                ),
            }
        }
        _ => host.raise(
            "TypeError",
            format!("unsupported operand type(s) for {}: '{}' and '{}'", op.as_str(), l.type_name(), r.type_name()),
            span,
        ),
    }
}

fn arithmetic(host: &mut Host<'_>, op: BinOp, a: Num, b: Num, span: Span) -> Eval<Value> {
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let overflow = || "integer overflow (TorchScript ints are 64-bit)".to_string();
        return Ok(Value::Int(
            match op {
                BinOp::Add => x.checked_add(y).ok_or_else(overflow),
                BinOp::Sub => x.checked_sub(y).ok_or_else(overflow),
                BinOp::Mul => x.checked_mul(y).ok_or_else(overflow),
                BinOp::Div => {
                    if y == 0 {
                        return host.raise("ZeroDivisionError", "division by zero", span);
                    }
                    return Ok(Value::Float(x as f64 / y as f64));
                }
                BinOp::FloorDiv | BinOp::Mod if y == 0 => {
                    return host.raise("ZeroDivisionError", "integer division or modulo by zero", span);
                }
                // Python's: the quotient rounded down, the remainder with the
                // divisor's sign (`-2**63 // -1` alone does not fit).
                BinOp::FloorDiv => x
                    .checked_div(y)
                    .map(|q| if x % y != 0 && (x < 0) != (y < 0) { q - 1 } else { q })
                    .ok_or_else(overflow),
                BinOp::Mod => {
                    let r = x.checked_rem(y).unwrap_or(0);
                    Ok(if r != 0 && (r < 0) != (y < 0) { r + y } else { r })
                }
                BinOp::Pow if y < 0 => return Ok(Value::Float((x as f64).powf(y as f64))),
                BinOp::Pow => u32::try_from(y).ok().and_then(|y| x.checked_pow(y)).ok_or_else(overflow),
                BinOp::LShift | BinOp::RShift if y < 0 => {
                    return host.raise("ValueError", "negative shift count", span);
                }
                // Bits shifted out of 64 are an overflow, as the value would not fit.
                BinOp::LShift if x == 0 => Ok(0),
                BinOp::LShift => {
                    u32::try_from(y).ok().filter(|&y| y < 64 && (x << y) >> y == x).map(|y| x << y).ok_or_else(overflow)
                }
                BinOp::RShift => Ok(x >> y.min(63)),
                BinOp::BitAnd => Ok(x & y),
                BinOp::BitOr => Ok(x | y),
                BinOp::BitXor => Ok(x ^ y),
                BinOp::MatMul => {
                    return host.raise("TypeError", "unsupported operand type(s) for @: 'int' and 'int'", span);
                }
            }
            .or_else(|message| host.raise("OverflowError", message, span))?,
        ));
    }
    let (x, y) = (as_f64(a), as_f64(b));
    Ok(Value::Float(match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div | BinOp::FloorDiv | BinOp::Mod if y == 0.0 => {
            return host.raise("ZeroDivisionError", "float division by zero", span);
        }
        BinOp::Div => x / y,
        BinOp::FloorDiv => (x / y).floor(),
        BinOp::Mod => x - y * (x / y).floor(),
        BinOp::Pow => x.powf(y),
        _ => {
            return host.raise(
                "TypeError",
                format!("unsupported operand type(s) for {}: 'float' and 'float'", op.as_str()),
                span,
            );
        }
    }))
}

/// `int(f)` of a finite or infinite float, as Python's (an int beyond 64
/// bits is an overflow here).
pub fn float_to_int(host: &Host<'_>, f: f64, span: Span) -> Eval<Value> {
    // Exactly the floats in [-2**63, 2**63) convert.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    match f.trunc() {
        t if (-LIMIT..LIMIT).contains(&t) => Ok(Value::Int(t as i64)),
        t if t.is_nan() => host.raise("ValueError", "cannot convert float NaN to integer", span),
        t if t.is_infinite() => host.raise("OverflowError", "cannot convert float infinity to integer", span),
        _ => host.raise("OverflowError", "integer overflow (TorchScript ints are 64-bit)", span),
    }
}

pub fn unary(host: &mut Host<'_>, op: UnaryOp, v: Value, span: Span) -> Eval<Value> {
    match (op, &v) {
        (_, Value::Tensor(_)) => super::eager::unary(host, op, v, span),
        (UnaryOp::Not, _) => Ok(Value::Bool(!host.truth(&v, span)?)),
        (UnaryOp::Neg, Value::Int(i)) => match i.checked_neg() {
            Some(n) => Ok(Value::Int(n)),
            None => host.raise("OverflowError", "integer overflow (TorchScript ints are 64-bit)", span),
        },
        (UnaryOp::Neg, Value::Bool(b)) => Ok(Value::Int(-i64::from(*b))),
        (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
        (UnaryOp::Pos, Value::Int(_) | Value::Float(_)) => Ok(v),
        (UnaryOp::Pos, Value::Bool(b)) => Ok(Value::Int(i64::from(*b))),
        (UnaryOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
        _ => host.raise("TypeError", format!("bad operand type for unary {}: '{}'", op.as_str(), v.type_name()), span),
    }
}

/// Python equality.
pub fn equal(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return match (x, y) {
            (Num::Int(x), Num::Int(y)) => x == y,
            _ => as_f64(x) == as_f64(y),
        };
    }
    match (a, b) {
        (Value::None, Value::None) | (Value::Ellipsis, Value::Ellipsis) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| equal(a, b))
        }
        (Value::Tuple(x), Value::Tuple(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| equal(a, b)),
        (Value::Dtype(x), Value::Dtype(y)) => x == y,
        (Value::Device(x), Value::Device(y)) => x == y,
        (Value::Typing(x), Value::Typing(y)) => x == y,
        (Value::Dict(x), Value::Dict(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.entries.len() == y.entries.len()
                && x.entries.iter().all(|(k, (_, v))| y.entries.get(k).is_some_and(|(_, w)| equal(v, w)))
        }
        (Value::Range { start: a0, stop: a1, step: a2 }, Value::Range { start: b0, stop: b1, step: b2 }) => {
            let (n, m) = (range_len(*a0, *a1, *a2), range_len(*b0, *b1, *b2));
            n == m && (n == 0 || (a0 == b0 && (n == 1 || a2 == b2)))
        }
        // A named tuple equals the tuple of its fields.
        (Value::Instance(i), other) | (other, Value::Instance(i)) if let Some(items) = super::named_tuple::items(i) => {
            match other {
                Value::Tuple(_) => equal(&Value::tuple(items), other),
                Value::Instance(j) if let Some(others) = super::named_tuple::items(j) => {
                    equal(&Value::tuple(items), &Value::tuple(others))
                }
                _ => false,
            }
        }
        _ => a.identity() == b.identity() && std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// `a + b` on a class that defines `__add__` (or `b`'s `__radd__`), as
/// Python tries them; `None` when neither does.
fn dunder_binary(host: &mut Host<'_>, op: BinOp, l: &Value, r: &Value, span: Span) -> Option<Eval<Value>> {
    let name = match op {
        BinOp::Add => "add",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::MatMul => "matmul",
        BinOp::Div => "truediv",
        BinOp::FloorDiv => "floordiv",
        BinOp::Mod => "mod",
        BinOp::Pow => "pow",
        BinOp::LShift => "lshift",
        BinOp::RShift => "rshift",
        BinOp::BitOr => "or",
        BinOp::BitXor => "xor",
        BinOp::BitAnd => "and",
    };
    for (this, other, method) in [(l, r, format!("__{name}__")), (r, l, format!("__r{name}__"))] {
        if let Some(result) = call_dunder(host, this, &method, other, span) {
            match result {
                Ok(Value::Opaque(o)) if &*o == "NotImplemented" => continue,
                other => return Some(other),
            }
        }
    }
    None
}

/// Calls `this.method(other)` if `this` is an instance whose class defines it.
fn call_dunder(host: &mut Host<'_>, this: &Value, method: &str, other: &Value, span: Span) -> Option<Eval<Value>> {
    let Value::Instance(instance) = this else { return None };
    let f = instance.class.lookup(host.sym(method))?;
    let bound = Value::Method(Rc::new((this.clone(), f)));
    Some(host.call(bound, Args::positional(vec![other.clone()], span), span))
}

pub fn compare(host: &mut Host<'_>, op: CmpOp, a: &Value, b: &Value, span: Span) -> Eval<bool> {
    let rich = match op {
        CmpOp::Eq => Some(("__eq__", "__eq__")),
        CmpOp::NotEq => Some(("__ne__", "__ne__")),
        CmpOp::Lt => Some(("__lt__", "__gt__")),
        CmpOp::LtE => Some(("__le__", "__ge__")),
        CmpOp::Gt => Some(("__gt__", "__lt__")),
        CmpOp::GtE => Some(("__ge__", "__le__")),
        _ => None,
    };
    if let Some((method, reflected)) = rich
        && (matches!(a, Value::Instance(_)) || matches!(b, Value::Instance(_)))
    {
        for (this, other, name) in [(a, b, method), (b, a, reflected)] {
            if let Some(result) = call_dunder(host, this, name, other, span) {
                match result? {
                    Value::Opaque(o) if &*o == "NotImplemented" => continue,
                    v => return host.truth(&v, span),
                }
            }
        }
        // `!=` without `__ne__` is the negation of `==`, as object's `__ne__`.
        if op == CmpOp::NotEq {
            return Ok(!compare(host, CmpOp::Eq, a, b, span)?);
        }
    }
    Ok(match op {
        CmpOp::Eq => equal(a, b),
        CmpOp::NotEq => !equal(a, b),
        CmpOp::Is => is(a, b),
        CmpOp::IsNot => !is(a, b),
        CmpOp::In => contains(host, b, a, span)?,
        CmpOp::NotIn => !contains(host, b, a, span)?,
        CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
            let Some(ordering) = order(a, b) else {
                return host.raise(
                    "TypeError",
                    format!(
                        "'{}' not supported between instances of '{}' and '{}'",
                        op.as_str(),
                        a.type_name(),
                        b.type_name()
                    ),
                    span,
                );
            };
            match op {
                CmpOp::Lt => ordering.is_lt(),
                CmpOp::LtE => ordering.is_le(),
                CmpOp::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
    })
}

fn is(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::None, _) | (_, Value::None) => false,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && a.identity() == b.identity(),
    }
}

fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return match (x, y) {
            (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
            _ => as_f64(x).partial_cmp(&as_f64(y)),
        };
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Tuple(x), Value::Tuple(y)) => sequence_order(x, y),
        (Value::List(x), Value::List(y)) => sequence_order(&x.borrow(), &y.borrow()),
        // Named tuples order as the tuples of their fields.
        (Value::Instance(i), _) if let Some(items) = super::named_tuple::items(i) => order(&Value::tuple(items), b),
        (_, Value::Instance(i)) if let Some(items) = super::named_tuple::items(i) => order(a, &Value::tuple(items)),
        _ => None,
    }
}

fn sequence_order(x: &[Value], y: &[Value]) -> Option<std::cmp::Ordering> {
    for (a, b) in x.iter().zip(y) {
        if !equal(a, b) {
            return order(a, b);
        }
    }
    Some(x.len().cmp(&y.len()))
}

fn contains(host: &mut Host<'_>, container: &Value, item: &Value, span: Span) -> Eval<bool> {
    Ok(match container {
        Value::List(items) => items.borrow().iter().any(|v| equal(v, item)),
        Value::Tuple(items) => items.iter().any(|v| equal(v, item)),
        Value::Dict(d) => item.key().is_some_and(|k| d.borrow().entries.contains_key(&k)),
        Value::Str(s) => match item {
            Value::Str(sub) => s.contains(&**sub),
            _ => {
                return host.raise("TypeError", "'in <string>' requires string as left operand", span);
            }
        },
        Value::Range { start, stop, step } => match item {
            Value::Int(i) => {
                let (i, start, step) = (*i, *start, *step);
                let inside = if step > 0 { start <= i && i < *stop } else { *stop < i && i <= start };
                inside && (i - start) % step == 0
            }
            _ => false,
        },
        Value::Instance(_) => {
            let contains = host.sym("__contains__");
            let method = host.get_attr(container, contains, span)?;
            host.call(method, Args::positional(vec![item.clone()], span), span)?.truthy()
        }
        other => {
            return host.raise("TypeError", format!("argument of type '{}' is not iterable", other.type_name()), span);
        }
    })
}

/// A Python index into a sequence of `len`, negative from the end.
fn index(host: &Host<'_>, i: &Value, len: usize, what: &str, span: Span) -> Eval<usize> {
    let i = match i {
        Value::Int(i) => *i,
        Value::Bool(b) => i64::from(*b),
        other => {
            return host.raise(
                "TypeError",
                format!("{what} indices must be integers or slices, not {}", other.type_name()),
                span,
            );
        }
    };
    let at = if i < 0 { i + len as i64 } else { i };
    if at < 0 || at >= len as i64 {
        return host.raise("IndexError", format!("{what} index out of range"), span);
    }
    Ok(at as usize)
}

/// The positions a slice selects from a sequence of `len`.
pub(super) fn slice_positions(host: &Host<'_>, parts: &[Value; 3], len: usize, span: Span) -> Eval<Vec<usize>> {
    let int = |v: &Value| -> Eval<Option<i64>> {
        match v {
            Value::None => Ok(None),
            Value::Int(i) => Ok(Some(*i)),
            other => host.raise(
                "TypeError",
                format!("slice indices must be integers or None, not {}", other.type_name()),
                span,
            ),
        }
    };
    let len = len as i64;
    let step = int(&parts[2])?.unwrap_or(1);
    if step == 0 {
        return host.raise("ValueError", "slice step cannot be zero", span);
    }
    let clamp = |v: Option<i64>, default: i64, low: i64, high: i64| match v {
        None => default,
        Some(v) if v < 0 => (v + len).clamp(low, high),
        Some(v) => v.clamp(low, high),
    };
    let (start, stop) = if step > 0 {
        (clamp(int(&parts[0])?, 0, 0, len), clamp(int(&parts[1])?, len, 0, len))
    } else {
        (clamp(int(&parts[0])?, len - 1, -1, len - 1), clamp(int(&parts[1])?, -1, -1, len - 1))
    };
    let count = range_len(start, stop, step);
    Ok((0..count).map(|i| (start + i * step) as usize).collect())
}

pub fn get_item(host: &mut Host<'_>, object: &Value, key: Value, span: Span) -> Eval<Value> {
    match (object, &key) {
        (Value::List(items), Value::Slice(parts)) => {
            let items = items.borrow();
            let positions = slice_positions(host, parts, items.len(), span)?;
            Ok(Value::list(positions.into_iter().map(|i| items[i].clone()).collect()))
        }
        (Value::Tuple(items), Value::Slice(parts)) => {
            let positions = slice_positions(host, parts, items.len(), span)?;
            Ok(Value::tuple(positions.into_iter().map(|i| items[i].clone()).collect()))
        }
        (Value::Str(s), Value::Slice(parts)) => {
            let chars: Vec<char> = s.chars().collect();
            let positions = slice_positions(host, parts, chars.len(), span)?;
            Ok(Value::str(&positions.into_iter().map(|i| chars[i]).collect::<String>()))
        }
        (Value::List(items), _) => {
            let items = items.borrow();
            let i = index(host, &key, items.len(), "list", span)?;
            Ok(items[i].clone())
        }
        (Value::Tuple(items), _) => {
            let i = index(host, &key, items.len(), "tuple", span)?;
            Ok(items[i].clone())
        }
        (Value::Str(s), _) => {
            let chars: Vec<char> = s.chars().collect();
            let i = index(host, &key, chars.len(), "string", span)?;
            Ok(Value::str(&chars[i].to_string()))
        }
        (Value::Range { start, stop, step }, _) => {
            let i = index(host, &key, range_len(*start, *stop, *step) as usize, "range object", span)?;
            Ok(Value::Int(start + i as i64 * step))
        }
        (Value::Dict(d), _) => {
            let found = key.key().and_then(|k| d.borrow().entries.get(&k).map(|(_, v)| v.clone()));
            match found {
                Some(v) => Ok(v),
                None => {
                    let text = repr(host, &key);
                    host.raise("KeyError", text, span)
                }
            }
        }
        (Value::Typing(form), _) => {
            let inner = match &key {
                Value::Tuple(items) => items.iter().map(|v| annotation_text(host, v)).collect::<Vec<_>>().join(", "),
                other => annotation_text(host, other),
            };
            Ok(Value::Typing(format!("{form}[{inner}]").into()))
        }
        (Value::Instance(instance), _) if let Some(items) = super::named_tuple::items(instance) => {
            get_item(host, &Value::tuple(items), key, span)
        }
        (Value::Instance(_), _) => {
            let getitem = host.sym("__getitem__");
            let method = host.get_attr(object, getitem, span)?;
            host.call(method, Args::positional(vec![key], span), span)
        }
        (Value::Class(class), _) if class.name.as_ref() == "OrderedDict" || class.name.as_ref() == "list" => {
            Ok(Value::Class(class.clone()))
        }
        (Value::Tensor(t), Value::Int(_)) if !t.shape.is_empty() => {
            let size = t.shape[0];
            let Value::Int(i) = key else { unreachable!("matched an int") };
            let at = if i < 0 { i + size as i64 } else { i };
            if at < 0 || at >= size as i64 {
                return host.raise(
                    "IndexError",
                    format!("index {i} is out of bounds for dimension 0 with size {size}"),
                    span,
                );
            }
            let row = Rc::new(t.select(at as usize));
            if let Some(tape) = host.tape.as_ref().filter(|_| host.traces(t)) {
                tape.borrow_mut().index(t, &[key], &row, span);
            }
            Ok(Value::Tensor(row))
        }
        (Value::Tensor(t), _) => super::tensor_index::get(host, t, key, span),
        _ => host.raise("TypeError", format!("'{}' object is not subscriptable", object.type_name()), span),
    }
}

/// How a type annotation value reads as source text (`List[int]`).
fn annotation_text(host: &Host<'_>, v: &Value) -> String {
    match v {
        Value::Typing(t) => t.to_string(),
        Value::Class(c) => c.name.to_string(),
        Value::None => "None".into(),
        Value::Str(s) => s.to_string(),
        Value::Dtype(_) | Value::Namespace(_) => v.type_name(),
        other => repr(host, other),
    }
}

pub fn set_item(host: &mut Host<'_>, object: &Value, key: Value, value: Value, span: Span) -> Eval<()> {
    match object {
        Value::List(items) => {
            let len = items.borrow().len();
            let i = index(host, &key, len, "list assignment", span)?;
            items.borrow_mut()[i] = value;
            Ok(())
        }
        Value::Dict(d) => {
            let mut dict = d.borrow_mut();
            dict_insert(host, &mut dict, key, value, span)
        }
        Value::Tensor(t) => super::tensor_index::set(host, t, key, value, span),
        Value::Instance(_) => {
            let setitem = host.sym("__setitem__");
            let method = host.get_attr(object, setitem, span)?;
            host.call(method, Args::positional(vec![key, value], span), span)?;
            Ok(())
        }
        other => {
            host.raise("TypeError", format!("'{}' object does not support item assignment", other.type_name()), span)
        }
    }
}

pub fn del_item(host: &mut Host<'_>, object: &Value, key: Value, span: Span) -> Eval<()> {
    match object {
        Value::List(items) => {
            let len = items.borrow().len();
            let i = index(host, &key, len, "list assignment", span)?;
            items.borrow_mut().remove(i);
            Ok(())
        }
        Value::Dict(d) => {
            let removed = key.key().and_then(|k| d.borrow_mut().entries.shift_remove(&k));
            if removed.is_none() {
                let text = repr(host, &key);
                return host.raise("KeyError", text, span);
            }
            Ok(())
        }
        other => {
            host.raise("TypeError", format!("'{}' object does not support item deletion", other.type_name()), span)
        }
    }
}

pub fn dict_insert(host: &mut Host<'_>, dict: &mut Dict, key: Value, value: Value, span: Span) -> Eval<()> {
    match key.key() {
        Some(k) => {
            dict.entries.insert(k, (key, value));
            Ok(())
        }
        None => host.raise("TypeError", format!("unhashable type: '{}'", key.type_name()), span),
    }
}

// ---------------------------------------------------------------- text

/// `str(value)`.
pub fn to_str(host: &Host<'_>, v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Exception(e) => e.message.clone(),
        other => repr(host, other),
    }
}

/// `repr(value)`; module instances print as PyTorch prints them.
pub fn repr(host: &Host<'_>, v: &Value) -> String {
    match v {
        Value::None => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => string_repr(s),
        Value::List(items) => {
            format!("[{}]", items.borrow().iter().map(|v| repr(host, v)).collect::<Vec<_>>().join(", "))
        }
        Value::Tuple(items) if items.len() == 1 => format!("({},)", repr(host, &items[0])),
        Value::Tuple(items) => format!("({})", items.iter().map(|v| repr(host, v)).collect::<Vec<_>>().join(", ")),
        Value::Dict(d) => format!(
            "{{{}}}",
            d.borrow()
                .entries
                .values()
                .map(|(k, v)| format!("{}: {}", repr(host, k), repr(host, v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Range { start, stop, step } if *step == 1 => format!("range({start}, {stop})"),
        Value::Range { start, stop, step } => format!("range({start}, {stop}, {step})"),
        Value::Slice(p) => format!("slice({}, {}, {})", repr(host, &p[0]), repr(host, &p[1]), repr(host, &p[2])),
        Value::Ellipsis => "Ellipsis".into(),
        Value::Function(f) => format!("<function {}>", f.qualname),
        Value::Builtin(b) => format!("<built-in function {}>", b.name),
        Value::Method(_) => "<bound method>".into(),
        // Builtin types print without their module, as in CPython.
        Value::Class(c) if matches!(&*c.module_path, "builtins" | "_builtins") => format!("<class '{}'>", c.name),
        Value::Class(c) => format!("<class '{}.{}'>", c.module_path, c.name),
        Value::Instance(_) => super::module::repr_instance(host, v),
        Value::Tensor(t) => format!("tensor(<{} elements of {}>)", t.numel(), t.dtype.torch_name()),
        Value::Device(d) => format!("device(type='{d}')"),
        Value::Dtype(d) => d.torch_name().to_string(),
        Value::Namespace(ns) => format!("<module '{}'>", ns.name),
        Value::Typing(t) => format!("typing.{t}"),
        Value::Entry(e) => repr(host, &e.target),
        Value::Exception(e) => format!("{}({})", e.class.name, string_repr(&e.message)),
        Value::Opaque(what) => format!("<{what}>"),
        Value::Super(_) => "<super>".into(),
        Value::Descriptor(_) => format!("<{} object>", v.type_name()),
    }
}

/// `format(value, spec)` for the spec mini-language's common parts:
/// `[[fill]align][sign][0][width][,][.precision][type]`.
pub fn format_value(host: &mut Host<'_>, value: &Value, spec: &str, span: Span) -> Eval<String> {
    if spec.is_empty() {
        return Ok(to_str(host, value));
    }
    let mut chars: Vec<char> = spec.chars().collect();
    let mut fill = ' ';
    let mut align = None;
    if chars.len() >= 2 && matches!(chars[1], '<' | '>' | '^' | '=') {
        fill = chars[0];
        align = Some(chars[1]);
        chars.drain(..2);
    } else if !chars.is_empty() && matches!(chars[0], '<' | '>' | '^' | '=') {
        align = Some(chars[0]);
        chars.remove(0);
    }
    let mut sign = '-';
    if !chars.is_empty() && matches!(chars[0], '+' | '-' | ' ') {
        sign = chars.remove(0);
    }
    if chars.first() == Some(&'0') {
        fill = '0';
        align = align.or(Some('='));
        chars.remove(0);
    }
    let rest: String = chars.iter().collect();
    let type_char = rest.chars().last().filter(|c| c.is_ascii_alphabetic() || *c == '%');
    let body = match type_char {
        Some(_) => &rest[..rest.len() - 1],
        None => &rest[..],
    };
    let (width, precision) = match body.split_once('.') {
        Some((w, p)) => (w, Some(p)),
        None => (body, None),
    };
    let grouping = width.ends_with(',');
    let width: usize = width.trim_end_matches(',').parse().unwrap_or(0);
    let precision: Option<usize> = match precision.map(str::parse) {
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => {
            return host.raise("ValueError", format!("Invalid format specifier '{spec}'"), span);
        }
        None => None,
    };
    let number = num(value);
    let mut text = match (type_char, number) {
        (Some('d'), Some(Num::Int(i))) => i.to_string(),
        (Some('f' | 'F'), Some(n)) => format!("{:.*}", precision.unwrap_or(6), as_f64(n)),
        (Some('e' | 'E'), Some(n)) => python_exp(as_f64(n), precision.unwrap_or(6)),
        (Some('%'), Some(n)) => format!("{:.*}%", precision.unwrap_or(6), as_f64(n) * 100.0),
        (Some('g' | 'G') | None, Some(Num::Float(f))) if precision.is_some() => general(f, precision.unwrap_or(6)),
        (Some('g' | 'G'), Some(n)) => general(as_f64(n), precision.unwrap_or(6)),
        (Some('x'), Some(Num::Int(i))) => format!("{i:x}"),
        (Some('X'), Some(Num::Int(i))) => format!("{i:X}"),
        (Some('b'), Some(Num::Int(i))) => format!("{i:b}"),
        (Some('o'), Some(Num::Int(i))) => format!("{i:o}"),
        (Some('s') | None, _) => {
            let s = to_str(host, value);
            match precision {
                Some(p) if number.is_none() => s.chars().take(p).collect(),
                _ => s,
            }
        }
        _ => {
            return host.raise(
                "ValueError",
                format!(
                    "Unknown format code '{}' for object of type '{}'",
                    type_char.unwrap_or('?'),
                    value.type_name()
                ),
                span,
            );
        }
    };
    if grouping {
        text = group_thousands(&text);
    }
    if number.is_some() && sign != '-' && !text.starts_with('-') {
        text.insert(0, if sign == '+' { '+' } else { ' ' });
    }
    let len = text.chars().count();
    if width > len {
        let pad: String = std::iter::repeat_n(fill, width - len).collect();
        let default_align = if number.is_some() { '>' } else { '<' };
        text = match align.unwrap_or(default_align) {
            '<' => format!("{text}{pad}"),
            '^' => {
                let left: String = pad.chars().take((width - len) / 2).collect();
                let right: String = pad.chars().skip((width - len) / 2).collect();
                format!("{left}{text}{right}")
            }
            '=' if text.starts_with(['-', '+', ' ']) => {
                format!("{}{pad}{}", &text[..1], &text[1..])
            }
            _ => format!("{pad}{text}"),
        };
    }
    Ok(text)
}

fn group_thousands(text: &str) -> String {
    let (sign, rest) = text.split_at(if text.starts_with('-') { 1 } else { 0 });
    let (int, frac) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

fn python_exp(f: f64, precision: usize) -> String {
    let s = format!("{f:.precision$e}");
    let (m, e) = s.split_once('e').expect("`{:e}` always has an exponent");
    let e: i32 = e.parse().expect("`{:e}` writes an integer exponent");
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

fn general(f: f64, precision: usize) -> String {
    let p = precision.max(1);
    if f == 0.0 {
        return "0".into();
    }
    let exponent = f.abs().log10().floor() as i32;
    if exponent < -4 || exponent >= p as i32 {
        let s = python_exp(f, p - 1);
        let (m, e) = s.split_once('e').expect("python_exp writes an exponent");
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        format!("{m}e{e}")
    } else {
        let decimals = (p as i32 - 1 - exponent).max(0) as usize;
        let s = format!("{f:.decimals$}");
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
    }
}

/// `"%d items" % n` and friends.
fn percent_format(host: &mut Host<'_>, format: &str, args: &Value, span: Span) -> Eval<Value> {
    let values: Vec<Value> = match args {
        Value::Tuple(items) => items.to_vec(),
        other => vec![other.clone()],
    };
    let mut values = values.into_iter();
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&n) = chars.peek() {
            chars.next();
            if n.is_ascii_alphabetic() || n == '%' {
                spec.push(n);
                break;
            }
            spec.push(n);
        }
        if spec == "%" {
            out.push('%');
            continue;
        }
        let Some(value) = values.next() else {
            return host.raise("TypeError", "not enough arguments for format string", span);
        };
        let kind = spec.pop().unwrap_or('s');
        let value = match kind {
            'r' => Value::str(&repr(host, &value)),
            _ => value,
        };
        let translated = match kind {
            'i' | 'u' => format!("{spec}d"),
            'r' => format!("{spec}s"),
            k => format!("{spec}{k}"),
        };
        out.push_str(&format_value(host, &value, &translated, span)?);
    }
    Ok(Value::Str(Rc::from(out)))
}

#[cfg(test)]
mod tests {
    use crate::repr::float_repr;

    #[test]
    fn floats_print_like_python() {
        for (f, text) in [
            (1e-5, "1e-05"),
            (0.1, "0.1"),
            (1.0, "1.0"),
            (0.0001, "0.0001"),
            (123.5, "123.5"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (-2.5, "-2.5"),
            (1e15, "1000000000000000.0"),
            (0.5, "0.5"),
        ] {
            assert_eq!(float_repr(f), text);
        }
    }
}
