//! The non-tensor operators TorchScript graphs contain: Python arithmetic
//! and comparisons on ints, floats, strings and None; conversions between
//! tensors and numbers; list, string and dict operations.

use std::collections::HashMap;

use super::{Args, Kernel, KernelError};
use crate::ops::{OpKind, op};
use crate::runtime::tensor::RTensor;
use crate::runtime::value::RValue;
use crate::types::ScalarType;

pub(super) fn register(table: &mut HashMap<OpKind, Kernel>) {
    let kernels: &[(OpKind, Kernel)] = &[
        (op::aten::floordiv, floordiv),
        (op::aten::__round_to_zero_floordiv, round_to_zero_floordiv),
        (op::aten::__not__, not),
        (op::aten::__is__, is),
        (op::aten::__isnot__, isnot),
        (op::aten::Bool, to_bool),
        (op::aten::Int, to_int),
        (op::aten::Float, to_float),
        (op::aten::ScalarImplicit, scalar_implicit),
        (op::aten::IntImplicit, int_implicit),
        (op::aten::FloatImplicit, float_implicit),
        (op::aten::item, item),
        (op::prim::NumToTensor, num_to_tensor),
        (op::prim::min, prim_min),
        (op::prim::max, prim_max),
        (op::prim::abs, prim_abs),
        (op::prim::dtype, prim_dtype),
        (op::prim::device, prim_device),
        (op::aten::len, len),
        (op::aten::__getitem__, getitem),
        (op::aten::append, append),
        (op::aten::extend, extend),
        (op::aten::insert, insert),
        (op::aten::pop, pop),
        (op::aten::clear, clear),
        (op::aten::reverse, reverse),
        (op::aten::__contains__, contains),
        (op::aten::list, list),
        (op::aten::format, format),
        (op::aten::str, str_),
        (op::aten::dict, dict),
        (op::aten::keys, keys),
        (op::aten::values, values),
        (op::aten::items, items),
        (op::aten::_set_item, set_item),
        (op::aten::__range_length, range_length),
        (op::aten::__derive_index, derive_index),
        (op::aten::warn, warn),
        (op::aten::tan, |a| math(a, f64::tan)),
        (op::aten::atan, |a| math(a, f64::atan)),
        (op::aten::asin, |a| math(a, f64::asin)),
        (op::aten::acos, |a| math(a, f64::acos)),
        (op::aten::sinh, |a| math(a, f64::sinh)),
        (op::aten::cosh, |a| math(a, f64::cosh)),
        (op::aten::log10, |a| math(a, f64::log10)),
        (op::aten::log1p, |a| math(a, f64::ln_1p)),
        (op::aten::expm1, |a| math(a, f64::exp_m1)),
        (op::aten::isnan, isnan),
        (op::aten::join, join),
    ];
    for (name, kernel) in kernels {
        table.insert(*name, *kernel);
    }
}

fn zero_division(what: &str) -> KernelError {
    KernelError::new(format!("ZeroDivisionError: {what}"))
}

/// Python's int `//`: floors toward negative infinity.
pub(super) fn int_floordiv(a: i64, b: i64) -> Result<i64, KernelError> {
    if b == 0 {
        return Err(zero_division("integer division or modulo by zero"));
    }
    let q = a.wrapping_div(b);
    Ok(if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) { q - 1 } else { q })
}

/// Python's int `%`: the result has the sign of the divisor.
pub(super) fn int_mod(a: i64, b: i64) -> Result<i64, KernelError> {
    if b == 0 {
        return Err(zero_division("integer division or modulo by zero"));
    }
    let r = a.wrapping_rem(b);
    Ok(if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r })
}

/// Python's float `%`.
pub(super) fn float_mod(a: f64, b: f64) -> Result<f64, KernelError> {
    if b == 0.0 {
        return Err(zero_division("float modulo"));
    }
    let r = a % b;
    Ok(if r != 0.0 && ((r < 0.0) != (b < 0.0)) { r + b } else { r })
}

/// Python's float `//` (CPython's `float_floor_div`).
pub(super) fn float_floordiv(a: f64, b: f64) -> Result<f64, KernelError> {
    if b == 0.0 {
        return Err(zero_division("float floor division by zero"));
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div == 0.0 {
        return Ok(0.0f64.copysign(a / b));
    }
    let floor = div.floor();
    Ok(if div - floor > 0.5 { floor + 1.0 } else { floor })
}

fn int_of(v: &RValue) -> Option<i64> {
    match v {
        RValue::Int(i) => Some(*i),
        RValue::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Arithmetic on Python numbers: `add sub mul div floordiv remainder pow
/// and or xor`, plus `+` on strings and lists, `*` of a list by an int.
pub(super) fn binary(args: &Args<'_>, name: &str) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    let out = match (name, a, b) {
        ("add", RValue::Str(x), RValue::Str(y)) => RValue::Str(format!("{x}{y}").into()),
        ("add", RValue::List(x), RValue::List(y)) => {
            let mut items = x.borrow().clone();
            items.extend(y.borrow().iter().cloned());
            RValue::list(items)
        }
        ("mul", RValue::List(l), n) | ("mul", n, RValue::List(l)) if int_of(n).is_some() => {
            let n = int_of(n).unwrap_or(0).max(0) as usize;
            let items = l.borrow();
            RValue::list((0..n).flat_map(|_| items.iter().cloned()).collect())
        }
        ("and" | "or" | "xor", RValue::Bool(x), RValue::Bool(y)) => RValue::Bool(match name {
            "and" => *x && *y,
            "or" => *x || *y,
            _ => x != y,
        }),
        _ => number_binary(args, name, a, b)?,
    };
    Ok(vec![out])
}

fn number_binary(args: &Args<'_>, name: &str, a: &RValue, b: &RValue) -> Result<RValue, KernelError> {
    if let (Some(x), Some(y)) = (int_of(a), int_of(b)) {
        return Ok(match name {
            "add" => RValue::Int(x.wrapping_add(y)),
            "sub" => RValue::Int(x.wrapping_sub(y)),
            "mul" => RValue::Int(x.wrapping_mul(y)),
            "div" => {
                if y == 0 {
                    return Err(zero_division("division by zero"));
                }
                RValue::Float(x as f64 / y as f64)
            }
            "floordiv" => RValue::Int(int_floordiv(x, y)?),
            "remainder" => RValue::Int(int_mod(x, y)?),
            "pow" if args.overload == "int_to_int" => {
                if y < 0 {
                    return Err(args.error("Integers to negative integer powers are not allowed."));
                }
                RValue::Int(x.wrapping_pow(y.min(i64::from(u32::MAX)) as u32))
            }
            "pow" => RValue::Float((x as f64).powf(y as f64)),
            "and" => RValue::Int(x & y),
            "or" => RValue::Int(x | y),
            "xor" => RValue::Int(x ^ y),
            _ => return Err(KernelError::unsupported(format!("{}: no int kernel for {name}", args.kind))),
        });
    }
    let (x, y) = (args.float(0)?, args.float(1)?);
    Ok(RValue::Float(match name {
        "add" => x + y,
        "sub" => x - y,
        "mul" => x * y,
        "div" => {
            if y == 0.0 {
                return Err(zero_division("float division by zero"));
            }
            x / y
        }
        "floordiv" => float_floordiv(x, y)?,
        "remainder" => float_mod(x, y)?,
        "pow" => x.powf(y),
        _ => {
            return Err(args.error(format!(
                "unsupported operand types for {name}: {} and {}",
                a.type_name(),
                b.type_name()
            )));
        }
    }))
}

fn floordiv(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    binary(args, "floordiv")
}

fn round_to_zero_floordiv(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.int(0)?, args.int(1)?);
    if b == 0 {
        return Err(zero_division("integer division by zero"));
    }
    Ok(vec![RValue::Int(a.wrapping_div(b))])
}

/// Unary math on Python numbers (`neg abs exp log sqrt sin cos floor ceil round`).
pub(super) fn unary(args: &Args<'_>, name: &str) -> Result<Vec<RValue>, KernelError> {
    let a = args.get(0)?;
    if name == "log" && args.len() == 2 {
        return Ok(vec![RValue::Float(args.float(0)?.ln() / args.float(1)?.ln())]);
    }
    let out = match (name, a) {
        ("neg", RValue::Int(i)) => RValue::Int(i.wrapping_neg()),
        ("abs", RValue::Int(i)) => RValue::Int(i.wrapping_abs()),
        ("floor" | "ceil" | "round", RValue::Int(i)) if name != "round" => RValue::Int(*i),
        ("round", RValue::Int(i)) => RValue::Float(*i as f64),
        _ => {
            let x = args.float(0)?;
            match name {
                "neg" => RValue::Float(-x),
                "abs" => RValue::Float(x.abs()),
                "exp" => RValue::Float(x.exp()),
                "log" => RValue::Float(x.ln()),
                "sqrt" => RValue::Float(x.sqrt()),
                "sin" => RValue::Float(x.sin()),
                "cos" => RValue::Float(x.cos()),
                "floor" => RValue::Int(float_to_int(x.floor())?),
                "ceil" => RValue::Int(float_to_int(x.ceil())?),
                "round" => RValue::Float(x.round_ties_even()),
                _ => return Err(KernelError::unsupported(format!("{}: no scalar kernel", args.kind))),
            }
        }
    };
    Ok(vec![out])
}

fn float_to_int(x: f64) -> Result<i64, KernelError> {
    if x.is_nan() {
        return Err(KernelError::new("ValueError: cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(KernelError::new("OverflowError: cannot convert float infinity to integer"));
    }
    Ok(x as i64)
}

fn math(args: &Args<'_>, f: fn(f64) -> f64) -> Result<Vec<RValue>, KernelError> {
    if let RValue::Tensor(t) = args.get(0)? {
        let dtype = if t.dtype().is_floating_point() { t.dtype() } else { ScalarType::Float32 };
        let values: Vec<f64> = t.to_f64s()?.into_iter().map(f).collect();
        return Ok(vec![RValue::Tensor(RTensor::from_f64s(values, &t.shape(), dtype)?)]);
    }
    Ok(vec![RValue::Float(f(args.float(0)?))])
}

fn isnan(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    if let RValue::Tensor(t) = args.get(0)? {
        let values: Vec<f64> = t.to_f64s()?.into_iter().map(|x| f64::from(u8::from(x.is_nan()))).collect();
        return Ok(vec![RValue::Tensor(RTensor::from_f64s(values, &t.shape(), ScalarType::Bool)?)]);
    }
    Ok(vec![RValue::Bool(args.float(0)?.is_nan())])
}

/// Python equality of two values (None for values that do not compare).
pub(super) fn values_equal(a: &RValue, b: &RValue) -> Result<bool, KernelError> {
    Ok(match (a, b) {
        (RValue::None, RValue::None) => true,
        (RValue::None, _) | (_, RValue::None) => false,
        (RValue::Str(x), RValue::Str(y)) => x == y,
        (RValue::Device(x), RValue::Device(y)) => x == y,
        // IValue equality: the same tensor, or bool() of `eq`.
        (RValue::Tensor(x), RValue::Tensor(y)) => x.same(y) || super::membership::tensors_eq_truth(x, y)?,
        (x @ (RValue::List(_) | RValue::Tuple(_)), y @ (RValue::List(_) | RValue::Tuple(_))) => {
            let (xs, ys) = (x.items().unwrap_or_default(), y.items().unwrap_or_default());
            if xs.len() != ys.len() {
                return Ok(false);
            }
            for (p, q) in xs.iter().zip(&ys) {
                // Tensors in a list compare without the identity shortcut.
                let equal = match (p, q) {
                    (RValue::Tensor(p), RValue::Tensor(q)) => super::membership::tensors_eq_truth(p, q)?,
                    _ => values_equal(p, q)?,
                };
                if !equal {
                    return Ok(false);
                }
            }
            true
        }
        (RValue::Dict(x), RValue::Dict(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            if x.len() != y.len() {
                return Ok(false);
            }
            for (k, v) in x.iter() {
                match y.get(k) {
                    Some(w) if values_equal(v, w)? => {}
                    _ => return Ok(false),
                }
            }
            true
        }
        (RValue::Object(x), RValue::Object(y)) => std::rc::Rc::ptr_eq(x, y),
        _ => match (int_of(a), int_of(b)) {
            (Some(x), Some(y)) => x == y,
            _ => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        },
    })
}

fn ordering(args: &Args<'_>, a: &RValue, b: &RValue) -> Result<std::cmp::Ordering, KernelError> {
    use std::cmp::Ordering;
    Ok(match (a, b) {
        (RValue::Str(x), RValue::Str(y)) => x.cmp(y),
        _ => match (int_of(a), int_of(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => {
                    return Err(args.error(format!(
                        "'<' not supported between instances of '{}' and '{}'",
                        a.type_name(),
                        b.type_name()
                    )));
                }
            },
        },
    })
}

/// `eq ne lt le gt ge` on non-tensors.
pub(super) fn compare(args: &Args<'_>, name: &str) -> Result<Vec<RValue>, KernelError> {
    let (a, b) = (args.get(0)?, args.get(1)?);
    let nan = a.as_f64().is_some_and(f64::is_nan) || b.as_f64().is_some_and(f64::is_nan);
    let out = match name {
        "eq" => values_equal(a, b)?,
        "ne" => !values_equal(a, b)?,
        _ if nan => false,
        _ => {
            let o = ordering(args, a, b)?;
            match name {
                "lt" => o.is_lt(),
                "le" => o.is_le(),
                "gt" => o.is_gt(),
                _ => o.is_ge(),
            }
        }
    };
    Ok(vec![RValue::Bool(out)])
}

fn not(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Bool(!args.bool(0)?)])
}

fn identical(a: &RValue, b: &RValue) -> Result<bool, KernelError> {
    use std::rc::Rc;
    Ok(match (a, b) {
        (RValue::None, RValue::None) => true,
        (RValue::None, _) | (_, RValue::None) => false,
        (RValue::Tensor(x), RValue::Tensor(y)) => x.same(y),
        (RValue::List(x), RValue::List(y)) => Rc::ptr_eq(x, y),
        (RValue::Dict(x), RValue::Dict(y)) => Rc::ptr_eq(x, y),
        (RValue::Object(x), RValue::Object(y)) => Rc::ptr_eq(x, y),
        (RValue::Tuple(x), RValue::Tuple(y)) => Rc::ptr_eq(x, y),
        (RValue::Bool(_) | RValue::Int(_) | RValue::Float(_) | RValue::Str(_) | RValue::Device(_), _) => {
            std::mem::discriminant(a) == std::mem::discriminant(b) && values_equal(a, b)?
        }
        _ => false,
    })
}

fn is(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Bool(identical(args.get(0)?, args.get(1)?)?)])
}

fn isnot(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Bool(!identical(args.get(0)?, args.get(1)?)?)])
}

/// A one-element tensor's value as the Python number of its dtype.
pub(super) fn tensor_scalar(t: &RTensor) -> Result<RValue, KernelError> {
    let x = t.item()?;
    Ok(match t.dtype() {
        ScalarType::Bool => RValue::Bool(x != 0.0),
        d if d.is_floating_point() => RValue::Float(x),
        _ => RValue::Int(t.to_i64s()?[0]),
    })
}

fn to_bool(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let out = match args.get(0)? {
        RValue::Tensor(t) => t.item()? != 0.0,
        RValue::Bool(b) => *b,
        RValue::Int(i) => *i != 0,
        RValue::Float(f) => *f != 0.0,
        RValue::Str(s) => !s.is_empty(),
        other => return Err(args.error(format!("cannot convert {} to bool", other.type_name()))),
    };
    Ok(vec![RValue::Bool(out)])
}

fn to_int(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let out = match args.get(0)? {
        RValue::Tensor(t) => match tensor_scalar(t)? {
            RValue::Float(f) => float_to_int(f.trunc())?,
            other => int_of(&other).unwrap_or(0),
        },
        RValue::Bool(b) => i64::from(*b),
        RValue::Int(i) => *i,
        RValue::Float(f) => float_to_int(f.trunc())?,
        RValue::Str(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| args.error(format!("ValueError: invalid literal for int() with base 10: '{s}'")))?,
        other => return Err(args.error(format!("cannot convert {} to int", other.type_name()))),
    };
    Ok(vec![RValue::Int(out)])
}

fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        _ => t.parse().ok(),
    }
}

fn to_float(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let out = match args.get(0)? {
        RValue::Tensor(t) => t.item()?,
        RValue::Str(s) => {
            parse_float(s).ok_or_else(|| args.error(format!("ValueError: could not convert string to float: '{s}'")))?
        }
        _ => args.float(0)?,
    };
    Ok(vec![RValue::Float(out)])
}

fn implicit_tensor<'a>(args: &'a Args<'_>) -> Result<&'a RTensor, KernelError> {
    let t = args.tensor(0)?;
    if t.dim() != 0 {
        return Err(args.error(format!(
            "Cannot input a tensor of dimension other than 0 as a scalar argument (got {} dimensions)",
            t.dim()
        )));
    }
    Ok(t)
}

fn scalar_implicit(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![tensor_scalar(implicit_tensor(args)?)?])
}

fn int_implicit(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = implicit_tensor(args)?;
    if t.dtype().is_floating_point() {
        return Err(args.error("Cannot input a tensor of type Float as an integral argument"));
    }
    Ok(vec![RValue::Int(t.to_i64s()?[0])])
}

fn float_implicit(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Float(implicit_tensor(args)?.item()?)])
}

fn item(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![tensor_scalar(args.tensor(0)?)?])
}

fn num_to_tensor(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let t = match args.get(0)? {
        RValue::Int(i) => RTensor::from_i64s(vec![*i], &[], ScalarType::Int64)?,
        RValue::Bool(b) => RTensor::scalar(i64::from(*b) as f64, ScalarType::Bool)?,
        RValue::Float(f) => RTensor::scalar(*f, ScalarType::Float64)?,
        other => return Err(args.error(format!("expected a number, got {}", other.type_name()))),
    };
    Ok(vec![RValue::Tensor(t)])
}

fn list_arg(args: &Args<'_>, i: usize) -> Result<Vec<RValue>, KernelError> {
    let v = args.get(i)?;
    v.items().ok_or_else(|| args.error(format!("argument {i} must be a list, not {}", v.type_name())))
}

/// `prim::min` / `prim::max`: of two numbers, of one list, or the
/// lexicographically smaller/larger of two lists.
fn extremum(args: &Args<'_>, want_max: bool) -> Result<Vec<RValue>, KernelError> {
    let pick = |a: &RValue, b: &RValue| -> Result<bool, KernelError> {
        // true when b should replace a
        let o = ordering(args, b, a)?;
        let nan = b.as_f64().is_some_and(f64::is_nan);
        Ok(nan || if want_max { o.is_gt() } else { o.is_lt() })
    };
    if args.len() == 1 {
        let items = list_arg(args, 0)?;
        let mut best = items.first().cloned().ok_or_else(|| {
            args.error(format!("{}() arg is an empty sequence", if want_max { "max" } else { "min" }))
        })?;
        for item in &items[1..] {
            if pick(&best, item)? {
                best = item.clone();
            }
        }
        return Ok(vec![best]);
    }
    let (a, b) = (args.get(0)?, args.get(1)?);
    if let (Some(x), Some(y)) = (a.items(), b.items()) {
        let mut order = std::cmp::Ordering::Equal;
        for (p, q) in x.iter().zip(&y) {
            order = ordering(args, p, q)?;
            if order.is_ne() {
                break;
            }
        }
        if order.is_eq() {
            order = x.len().cmp(&y.len());
        }
        let first = if want_max { order.is_ge() } else { order.is_le() };
        return Ok(vec![RValue::list(if first { x } else { y })]);
    }
    // Mixed int/float pairs give a float.
    let mixed = matches!((a, b), (RValue::Int(_), RValue::Float(_)) | (RValue::Float(_), RValue::Int(_)));
    let best = if pick(a, b)? { b } else { a };
    Ok(vec![if mixed { RValue::Float(best.as_f64().unwrap_or(f64::NAN)) } else { best.clone() }])
}

fn prim_min(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    extremum(args, false)
}

fn prim_max(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    extremum(args, true)
}

fn prim_abs(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    unary(args, "abs")
}

fn prim_dtype(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Int(args.tensor(0)?.dtype().code())])
}

fn prim_device(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    args.tensor(0)?;
    Ok(vec![RValue::Device("cpu".into())])
}

fn len(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let n = match args.get(0)? {
        RValue::List(l) => l.borrow().len(),
        RValue::Tuple(t) => t.len(),
        RValue::Str(s) => s.chars().count(),
        RValue::Dict(d) => d.borrow().len(),
        RValue::Tensor(t) => {
            if t.dim() == 0 {
                return Err(args.error("len() of a 0-d tensor"));
            }
            t.shape()[0]
        }
        other => return Err(args.error(format!("object of type '{}' has no len()", other.type_name()))),
    };
    Ok(vec![RValue::Int(n as i64)])
}

/// A Python index into a sequence of `len` items.
pub(super) fn seq_index(index: i64, len: usize, what: &str) -> Result<usize, KernelError> {
    let i = if index < 0 { index + len as i64 } else { index };
    if i < 0 || i >= len as i64 {
        return Err(KernelError::new(format!("IndexError: {what} index out of range")));
    }
    Ok(i as usize)
}

fn key_of(args: &Args<'_>, v: &RValue) -> Result<crate::runtime::value::Key, KernelError> {
    v.dict_key().ok_or_else(|| args.error(format!("unhashable key of type {}", v.type_name())))
}

fn getitem(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let out = match args.get(0)? {
        RValue::List(l) => {
            let l = l.borrow();
            l[seq_index(args.int(1)?, l.len(), "list")?].clone()
        }
        RValue::Tuple(t) => t[seq_index(args.int(1)?, t.len(), "tuple")?].clone(),
        RValue::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            RValue::Str(chars[seq_index(args.int(1)?, chars.len(), "string")?].to_string().into())
        }
        RValue::Dict(d) => {
            let key = key_of(args, args.get(1)?)?;
            d.borrow().get(&key).cloned().ok_or_else(|| super::dict_methods::key_error(&args.values[1]))?
        }
        other => return Err(args.error(format!("'{}' object is not subscriptable", other.type_name()))),
    };
    Ok(vec![out])
}

fn list_ref<'a>(args: &'a Args<'_>, i: usize) -> Result<&'a std::rc::Rc<std::cell::RefCell<Vec<RValue>>>, KernelError> {
    match args.get(i)? {
        RValue::List(l) => Ok(l),
        other => Err(args.error(format!("argument {i} must be a list, not {}", other.type_name()))),
    }
}

fn append(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let l = list_ref(args, 0)?;
    l.borrow_mut().push(args.get(1)?.clone());
    Ok(vec![RValue::List(l.clone())])
}

fn extend(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let l = list_ref(args, 0)?;
    let other = list_arg(args, 1)?;
    l.borrow_mut().extend(other);
    Ok(vec![])
}

fn insert(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let l = list_ref(args, 0)?;
    let mut items = l.borrow_mut();
    let n = items.len() as i64;
    let i = args.int(1)?;
    let i = if i < 0 { (i + n).max(0) } else { i.min(n) };
    items.insert(i as usize, args.get(2)?.clone());
    Ok(vec![])
}

fn pop(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    match args.get(0)? {
        RValue::Dict(d) => {
            let key = key_of(args, args.get(1)?)?;
            let removed = d.borrow_mut().shift_remove(&key);
            match (removed, args.values.get(2)) {
                (Some(v), _) => Ok(vec![v]),
                (None, Some(default)) => Ok(vec![default.clone()]),
                (None, None) => Err(super::dict_methods::key_error(args.get(1)?)),
            }
        }
        _ => {
            let l = list_ref(args, 0)?;
            let mut items = l.borrow_mut();
            if items.is_empty() {
                return Err(KernelError::new("pop from empty list"));
            }
            let idx = args.opt_int(1)?.unwrap_or(-1);
            let i = seq_index(idx, items.len(), "list")?;
            Ok(vec![items.remove(i)])
        }
    }
}

fn clear(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    match args.get(0)? {
        RValue::Dict(d) => d.borrow_mut().clear(),
        _ => list_ref(args, 0)?.borrow_mut().clear(),
    }
    Ok(vec![])
}

fn reverse(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    list_ref(args, 0)?.borrow_mut().reverse();
    Ok(vec![])
}

fn contains(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let item = args.get(1)?;
    let out = match args.get(0)? {
        RValue::Dict(d) => d.borrow().contains_key(&key_of(args, item)?),
        RValue::Str(s) => match item {
            RValue::Str(sub) => s.contains(&**sub),
            _ => false,
        },
        other => {
            let items = other.items().ok_or_else(|| args.error("argument 0 must be a list or dict"))?;
            let mut found = false;
            for x in &items {
                if values_equal(x, item)? {
                    found = true;
                    break;
                }
            }
            found
        }
    };
    Ok(vec![RValue::Bool(out)])
}

fn list(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let out = match args.get(0)? {
        RValue::Str(s) => s.chars().map(|c| RValue::Str(c.to_string().into())).collect(),
        _ => list_arg(args, 0)?,
    };
    Ok(vec![RValue::list(out)])
}

/// `aten::format`: each `{}` takes the next argument's `str()`.
fn format(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let template = args.str(0)?;
    let mut out = String::new();
    let mut rest = template;
    let mut next = 1;
    while let Some(pos) = rest.find("{}") {
        out.push_str(&rest[..pos]);
        match args.values.get(next) {
            Some(v) => out.push_str(&super::ivalue_print::ivalue_str(v)?),
            None => return Err(args.error("not enough arguments for format string")),
        }
        next += 1;
        rest = &rest[pos + 2..];
    }
    out.push_str(rest);
    Ok(vec![RValue::Str(out.into())])
}

fn str_(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![RValue::Str(super::ivalue_print::ivalue_str(args.get(0)?)?.into())])
}

fn dict(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let mut map = indexmap::IndexMap::new();
    match args.values.first() {
        None => {}
        Some(RValue::Dict(d)) => map = d.borrow().clone(),
        Some(other) => {
            for pair in other.items().ok_or_else(|| args.error("dict() takes a list of pairs"))? {
                let kv = pair.items().filter(|kv| kv.len() == 2).ok_or_else(|| args.error("dict() takes pairs"))?;
                map.insert(key_of(args, &kv[0])?, kv[1].clone());
            }
        }
    }
    Ok(vec![RValue::Dict(std::rc::Rc::new(std::cell::RefCell::new(map)))])
}

fn dict_ref<'a>(
    args: &'a Args<'_>,
) -> Result<&'a std::rc::Rc<std::cell::RefCell<indexmap::IndexMap<crate::runtime::value::Key, RValue>>>, KernelError> {
    match args.get(0)? {
        RValue::Dict(d) => Ok(d),
        other => Err(args.error(format!("argument 0 must be a dict, not {}", other.type_name()))),
    }
}

fn keys(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let d = dict_ref(args)?;
    Ok(vec![RValue::list(d.borrow().keys().map(RValue::from_key).collect())])
}

fn values(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let d = dict_ref(args)?;
    Ok(vec![RValue::list(d.borrow().values().cloned().collect())])
}

fn items(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let d = dict_ref(args)?;
    let pairs = d.borrow().iter().map(|(k, v)| RValue::tuple(vec![RValue::from_key(k), v.clone()])).collect();
    Ok(vec![RValue::list(pairs)])
}

fn set_item(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    match args.get(0)? {
        RValue::Dict(d) => {
            let key = key_of(args, args.get(1)?)?;
            d.borrow_mut().insert(key, args.get(2)?.clone());
            Ok(vec![])
        }
        _ => {
            let l = list_ref(args, 0)?;
            {
                let mut items = l.borrow_mut();
                let i = seq_index(args.int(1)?, items.len(), "list assignment")?;
                items[i] = args.get(2)?.clone();
            }
            Ok(vec![RValue::List(l.clone())])
        }
    }
}

fn range_length(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (lo, hi, step) = (args.int(0)?, args.int(1)?, args.int(2)?);
    if step == 0 {
        return Err(args.error("range() arg 3 must not be zero"));
    }
    Ok(vec![RValue::Int(range_length_of(lo, hi, step))])
}

/// PyTorch's `aten::__range_length` (register_prim_ops.cpp), in its int64
/// arithmetic: a range longer than `i64::MAX` wraps there, and here alike.
pub(crate) fn range_length_of(lo: i64, hi: i64, step: i64) -> i64 {
    if step > 0 && lo < hi {
        hi.wrapping_sub(1).wrapping_sub(lo).wrapping_div(step).wrapping_add(1)
    } else if step < 0 && lo > hi {
        lo.wrapping_sub(1).wrapping_sub(hi).wrapping_div(step.wrapping_neg()).wrapping_add(1)
    } else {
        0
    }
}

fn derive_index(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let (index, start, step) = (args.int(0)?, args.int(1)?, args.int(2)?);
    Ok(vec![RValue::Int(start + index * step)])
}

fn warn(_args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    Ok(vec![])
}

fn join(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let sep = args.str(0)?;
    let parts: Vec<String> =
        list_arg(args, 1)?.iter().map(super::ivalue_print::ivalue_str).collect::<Result<_, _>>()?;
    Ok(vec![RValue::Str(parts.join(sep).into())])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: OpKind, overload: &str, values: Vec<RValue>) -> RValue {
        let out = super::super::call(kind, overload, &values).expect("the kernel runs");
        out.into_iter().next().expect("one output")
    }

    #[test]
    fn int_division_floors_toward_negative_infinity() {
        assert!(matches!(run(op::aten::floordiv, "int", vec![RValue::Int(-7), RValue::Int(2)]), RValue::Int(-4)));
        assert!(matches!(run(op::aten::remainder, "int", vec![RValue::Int(-7), RValue::Int(3)]), RValue::Int(2)));
        assert!(matches!(run(op::aten::remainder, "int", vec![RValue::Int(7), RValue::Int(-3)]), RValue::Int(-2)));
        assert!(
            matches!(run(op::aten::div, "int", vec![RValue::Int(7), RValue::Int(2)]), RValue::Float(x) if x == 3.5)
        );
        assert!(super::super::call(op::aten::floordiv, "int", &[RValue::Int(1), RValue::Int(0)]).is_err());
    }

    #[test]
    fn float_floordiv_and_mod_follow_python() {
        assert_eq!(float_floordiv(-7.5, 2.0).unwrap(), -4.0);
        assert_eq!(float_mod(-7.5, 2.0).unwrap(), 0.5);
        assert_eq!(float_mod(7.5, -2.0).unwrap(), -0.5);
    }

    #[test]
    fn range_length_counts_like_python() {
        let n = |a, b, c| match run(op::aten::__range_length, "", vec![RValue::Int(a), RValue::Int(b), RValue::Int(c)])
        {
            RValue::Int(n) => n,
            _ => -1,
        };
        assert_eq!(n(0, 10, 3), 4);
        assert_eq!(n(10, 0, -3), 4);
        assert_eq!(n(0, 0, 1), 0);
        assert_eq!(n(5, 0, 1), 0);
        // Beyond i64 (it panicked): PyTorch 2.5.1's int64 arithmetic wraps, so a
        // scripted `for i in range(-2**63, 2**63 - 1)` runs no time (length -1)
        // and `range(2**63 - 1, -2**63, -2**63)` once (Python's has two items).
        assert_eq!(n(i64::MIN, i64::MAX, 1), -1);
        assert_eq!(n(i64::MAX, i64::MIN, i64::MIN), 1);
    }

    #[test]
    fn format_and_str() {
        let out = run(op::aten::format, "", vec![RValue::Str("{} x {}".into()), RValue::Int(1), RValue::Float(2.0)]);
        // As PyTorch 2.5.1 prints them: c10's IValue printing.
        assert!(matches!(out, RValue::Str(s) if &*s == "1 x 2."));
        let l = RValue::list(vec![RValue::Str("a".into()), RValue::None]);
        assert!(matches!(run(op::aten::str, "", vec![l]), RValue::Str(s) if &*s == "[a, None]"));
    }

    #[test]
    fn lists_mutate_in_place() {
        let l = RValue::list(vec![RValue::Int(1)]);
        run(op::aten::append, "t", vec![l.clone(), RValue::Int(2)]);
        super::super::call(op::aten::insert, "t", &[l.clone(), RValue::Int(-10), RValue::Int(0)]).unwrap();
        assert!(matches!(run(op::aten::pop, "t", vec![l.clone(), RValue::Int(-1)]), RValue::Int(2)));
        assert!(matches!(run(op::aten::len, "t", vec![l.clone()]), RValue::Int(2)));
        assert!(matches!(run(op::aten::__getitem__, "t", vec![l, RValue::Int(0)]), RValue::Int(0)));
    }

    #[test]
    fn min_max_of_lists_and_mixed_numbers() {
        let l = RValue::list(vec![RValue::Int(3), RValue::Int(1), RValue::Int(2)]);
        assert!(matches!(run(op::prim::min, "self_int", vec![l]), RValue::Int(1)));
        assert!(
            matches!(run(op::prim::max, "int_float", vec![RValue::Int(3), RValue::Float(2.5)]), RValue::Float(x) if x == 3.0)
        );
        let a = RValue::list(vec![RValue::Int(1), RValue::Int(5)]);
        let b = RValue::list(vec![RValue::Int(2)]);
        let out = run(op::prim::max, "int_list", vec![a, b]);
        assert_eq!(out.int_list(), Some(vec![2]));
    }

    #[test]
    fn is_compares_identity_and_none() {
        assert!(matches!(run(op::aten::__is__, "", vec![RValue::None, RValue::None]), RValue::Bool(true)));
        assert!(matches!(run(op::aten::__isnot__, "", vec![RValue::Int(1), RValue::None]), RValue::Bool(true)));
        let t = RTensor::scalar(1.0, ScalarType::Float32).unwrap();
        let u = RTensor::scalar(1.0, ScalarType::Float32).unwrap();
        assert!(matches!(
            run(op::aten::__is__, "", vec![RValue::Tensor(t.clone()), RValue::Tensor(u)]),
            RValue::Bool(false)
        ));
        assert!(matches!(
            run(op::aten::__is__, "", vec![RValue::Tensor(t.clone()), RValue::Tensor(t)]),
            RValue::Bool(true)
        ));
    }
}
