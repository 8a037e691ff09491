//! `str()` of a value as TorchScript computes it: c10's `IValue` printing
//! (`operator<<` in ivalue.cpp), not Python's `str`. A float is `2.` when
//! it is an integral int64, else C's `%.17g` (`0.10000000000000001`);
//! strings inside containers print unquoted (`[a, b]`). A tensor prints as
//! C++ prints it and an object with its address: both are refused.

use super::KernelError;
use crate::runtime::value::RValue;

/// `str(v)` in TorchScript.
pub fn ivalue_str(v: &RValue) -> Result<String, KernelError> {
    let mut out = String::new();
    write(v, &mut out)?;
    Ok(out)
}

fn write(v: &RValue, out: &mut String) -> Result<(), KernelError> {
    match v {
        RValue::None => out.push_str("None"),
        RValue::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        RValue::Int(i) => out.push_str(&i.to_string()),
        RValue::Float(d) => out.push_str(&double_str(*d)),
        RValue::Str(s) => out.push_str(s),
        RValue::Device(d) => out.push_str(d),
        RValue::List(items) => items_str(&items.borrow(), "[", "]", out)?,
        RValue::Tuple(items) => items_str(items, "(", if items.len() == 1 { ",)" } else { ")" }, out)?,
        RValue::Dict(items) => {
            out.push('{');
            for (i, (k, v)) in items.borrow().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(&RValue::from_key(k), out)?;
                out.push_str(": ");
                write(v, out)?;
            }
            out.push('}');
        }
        RValue::Tensor(_) | RValue::Object(_) => {
            return Err(KernelError::unsupported(format!(
                "str() of a {} prints as PyTorch's C++ printer does, which tsc does not reproduce",
                v.type_name()
            )));
        }
    }
    Ok(())
}

fn items_str(items: &[RValue], open: &str, close: &str, out: &mut String) -> Result<(), KernelError> {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(item, out)?;
    }
    out.push_str(close);
    Ok(())
}

/// A float as `IValue` prints it.
pub(super) fn double_str(d: f64) -> String {
    // An integral float that an int64 holds prints as that int and a point.
    if d.is_finite() && (-(2f64.powi(63))..2f64.powi(63)).contains(&d) && d == d.trunc() {
        return format!("{}.", d as i64);
    }
    general(d, 17)
}

/// C's `%.{precision}g`.
pub(super) fn general(d: f64, precision: usize) -> String {
    if !d.is_finite() {
        return non_finite(d);
    }
    let precision = precision.max(1);
    // The decimal exponent after rounding to `precision` digits.
    let scientific = format!("{:.*e}", precision - 1, d);
    let (mantissa, exponent) = scientific.split_once('e').expect("Rust's {:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    if exponent < -4 || exponent >= precision as i32 {
        let mantissa = trim_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent) as usize;
        trim_zeros(&format!("{d:.decimals$}")).to_string()
    }
}

/// `inf`, `-inf` and `nan` as C prints them.
pub(super) fn non_finite(d: f64) -> String {
    match d {
        d if d.is_nan() && d.is_sign_negative() => "-nan".into(),
        d if d.is_nan() => "nan".into(),
        d if d > 0.0 => "inf".into(),
        _ => "-inf".into(),
    }
}

/// Without the trailing zeros of a fraction (and its point, if nothing is
/// left after it), as `%g` prints.
fn trim_zeros(s: &str) -> &str {
    match s.contains('.') {
        true => s.trim_end_matches('0').trim_end_matches('.'),
        false => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_ivalue_prints_them() {
        // What PyTorch 2.5.1 printed for `str(x)` in a scripted function.
        assert_eq!(double_str(2.0), "2.");
        assert_eq!(double_str(-0.0), "0.");
        assert_eq!(double_str(1.5), "1.5");
        assert_eq!(double_str(0.1), "0.10000000000000001");
        assert_eq!(double_str(1e20), "1e+20");
        assert_eq!(double_str(1e17), "100000000000000000.");
        assert_eq!(double_str(2f64.powi(63)), "9.2233720368547758e+18");
        assert_eq!(double_str(1e-7), "9.9999999999999995e-08");
        assert_eq!(double_str(f64::INFINITY), "inf");
    }

    #[test]
    fn containers_print_items_unquoted() {
        let l = RValue::list(vec![RValue::Str("a".into()), RValue::Str("b'".into())]);
        assert_eq!(ivalue_str(&l).unwrap(), "[a, b']");
        let t = RValue::tuple(vec![RValue::Str("s".into()), RValue::Float(-0.0)]);
        assert_eq!(ivalue_str(&t).unwrap(), "(s, 0.)");
        assert_eq!(ivalue_str(&RValue::tuple(vec![RValue::Int(1)])).unwrap(), "(1,)");
    }
}
