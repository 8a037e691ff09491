//! `aten::percentFormat`: `"%d items" % n`, as PyTorch 2.5.1's
//! register_prim_ops.cpp formats it — `%d`/`%i` truncate a float to a C
//! `int`, `%e`/`%f` print it as a C `float` with six decimals, `%c` takes an
//! int (a byte) or a one-character string, `%s` prints as `str()` does, `%%`
//! is a percent sign; no widths or precisions.

use super::ivalue_print::{ivalue_str, non_finite};
use super::{Args, KernelError};
use crate::runtime::value::RValue;

pub(super) fn percent_format(args: &Args<'_>) -> Result<Vec<RValue>, KernelError> {
    let template = args.str(0)?.as_bytes();
    let operands: Vec<RValue> = match &args.values[1..] {
        [RValue::Tuple(items)] => items.to_vec(),
        rest => rest.to_vec(),
    };
    let mut out: Vec<u8> = Vec::new();
    let mut used = 0;
    let mut begin = 0;
    while let Some(at) = template[begin..].iter().position(|&c| c == b'%').map(|i| begin + i) {
        out.extend_from_slice(&template[begin..at]);
        let Some(&key) = template.get(at + 1) else {
            return Err(KernelError::new("Incomplete format specifier"));
        };
        begin = at + 2;
        if key == b'%' {
            out.push(b'%');
            continue;
        }
        let Some(arg) = operands.get(used) else {
            return Err(KernelError::new("Too few arguments for format string"));
        };
        used += 1;
        out.extend(specifier(key, arg)?);
    }
    out.extend_from_slice(&template[begin..]);
    if used < operands.len() {
        return Err(KernelError::new("Too many arguments for format string"));
    }
    let text = String::from_utf8(out).map_err(|_| {
        KernelError::unsupported("PyTorch's result splits a UTF-8 character, which a Python str cannot hold")
    })?;
    Ok(vec![RValue::Str(text.into())])
}

/// One `%key` of `arg`, as bytes (`%c` may give any).
fn specifier(key: u8, arg: &RValue) -> Result<Vec<u8>, KernelError> {
    let key_char = char::from(key);
    if !key.is_ascii() {
        return Err(KernelError::unsupported("a format specifier that is not an ASCII character"));
    }
    let number = |arg: &RValue| match arg {
        RValue::Int(_) | RValue::Float(_) => Ok(()),
        // PyTorch fails an internal assertion (`expected double`) here.
        RValue::Bool(_) => Err(KernelError::unsupported(format!("%{key_char} of a bool fails inside PyTorch"))),
        other => Err(KernelError::new(format!("%{key_char} requires a number for formatting, but got {}", tag(other)))),
    };
    match key {
        b'd' | b'i' => {
            number(arg)?;
            Ok(match arg {
                RValue::Int(i) => i.to_string(),
                RValue::Float(d) => c_int(*d).to_string(),
                _ => unreachable!("a number"),
            }
            .into_bytes())
        }
        b'e' | b'f' => {
            number(arg)?;
            let d = match arg {
                RValue::Int(i) => *i as f64,
                RValue::Float(d) => *d,
                _ => unreachable!("a number"),
            };
            // Printed through a C `float`.
            let d = f64::from(d as f32);
            let text = match (d.is_finite(), key) {
                (false, _) => non_finite(d),
                (true, b'f') => format!("{d:.6}"),
                (true, _) => {
                    let scientific = format!("{d:.6e}");
                    let (mantissa, exponent) = scientific.split_once('e').expect("Rust's {:e} has an exponent");
                    let exponent: i32 = exponent.parse().expect("an integer exponent");
                    let sign = if exponent < 0 { '-' } else { '+' };
                    format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
                }
            };
            Ok(text.into_bytes())
        }
        b'c' => match arg {
            // A C `char`: the int's low byte.
            // (A byte above 127 fails the UTF-8 check of the whole result.)
            RValue::Int(i) => Ok(vec![*i as u8]),
            RValue::Str(s) if s.len() == 1 => Ok(s.as_bytes().to_vec()),
            RValue::Float(_) => Err(KernelError::new("%c requires an int or char for formatting, but got Double")),
            other => {
                Err(KernelError::new(format!("%c requires an int or char for formatting, but got {}", tag(other))))
            }
        },
        b's' => Ok(ivalue_str(arg)?.into_bytes()),
        _ => Err(KernelError::new(format!("The specifier %{key_char} is not supported in TorchScript format strings"))),
    }
}

/// `static_cast<int>(d)` as x86-64 computes it: truncated, and the
/// "integer indefinite" value, INT_MIN, where it does not fit (NaN too).
fn c_int(d: f64) -> i32 {
    let t = d.trunc();
    if t.is_nan() || t < f64::from(i32::MIN) || t > f64::from(i32::MAX) { i32::MIN } else { t as i32 }
}

/// The name c10 gives an `IValue`'s tag, as PyTorch's messages show it.
fn tag(v: &RValue) -> &'static str {
    match v {
        RValue::None => "None",
        RValue::Bool(_) => "Bool",
        RValue::Int(_) => "Int",
        RValue::Float(_) => "Double",
        RValue::Str(_) => "String",
        RValue::Device(_) => "Device",
        RValue::Tensor(_) => "Tensor",
        RValue::List(_) => "GenericList",
        RValue::Tuple(_) => "Tuple",
        RValue::Dict(_) => "GenericDict",
        RValue::Object(_) => "Object",
    }
}
