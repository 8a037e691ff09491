//! Python's `math` module: the C library's functions (glibc's, as CPython's
//! on Linux), with CPython's argument rules and error messages.

use super::builtins::builtin;
use super::call::Args;
use super::eval::{Eval, Host};
use super::ops;
use super::torch::namespace;
use super::value::{BuiltinFn, Value};
use crate::source::Span;
use crate::syntax::ast::BinOp;

pub(super) fn install(host: &mut Host<'_>) {
    let unary: &[(&str, BuiltinFn)] = &[
        ("sqrt", |h, a| unary(h, a, "sqrt", f64::sqrt)),
        ("exp", |h, a| unary(h, a, "exp", f64::exp)),
        ("expm1", |h, a| unary(h, a, "expm1", f64::exp_m1)),
        ("log2", |h, a| unary(h, a, "log2", f64::log2)),
        ("log10", |h, a| unary(h, a, "log10", f64::log10)),
        ("log1p", |h, a| unary(h, a, "log1p", f64::ln_1p)),
        ("sin", |h, a| unary(h, a, "sin", f64::sin)),
        ("cos", |h, a| unary(h, a, "cos", f64::cos)),
        ("tan", |h, a| unary(h, a, "tan", f64::tan)),
        ("asin", |h, a| unary(h, a, "asin", f64::asin)),
        ("acos", |h, a| unary(h, a, "acos", f64::acos)),
        ("atan", |h, a| unary(h, a, "atan", f64::atan)),
        ("sinh", |h, a| unary(h, a, "sinh", f64::sinh)),
        ("cosh", |h, a| unary(h, a, "cosh", f64::cosh)),
        ("tanh", |h, a| unary(h, a, "tanh", f64::tanh)),
        ("asinh", |h, a| unary(h, a, "asinh", f64::asinh)),
        ("acosh", |h, a| unary(h, a, "acosh", f64::acosh)),
        ("atanh", |h, a| unary(h, a, "atanh", f64::atanh)),
        ("fabs", |h, a| unary(h, a, "fabs", f64::abs)),
        ("degrees", |h, a| unary(h, a, "degrees", f64::to_degrees)),
        ("radians", |h, a| unary(h, a, "radians", f64::to_radians)),
    ];
    let mut entries: Vec<(&str, Value)> = vec![
        ("pi", Value::Float(std::f64::consts::PI)),
        ("e", Value::Float(std::f64::consts::E)),
        ("tau", Value::Float(std::f64::consts::TAU)),
        ("inf", Value::Float(f64::INFINITY)),
        ("nan", Value::Float(f64::NAN)),
    ];
    entries.extend(unary.iter().map(|(name, f)| (*name, builtin(name, *f))));
    let functions: &[(&str, BuiltinFn)] = &[
        ("log", log),
        ("pow", pow),
        ("atan2", atan2),
        ("copysign", copysign),
        ("fmod", fmod),
        ("hypot", hypot),
        ("floor", floor),
        ("ceil", ceil),
        ("trunc", trunc),
        ("isnan", |h, a| test(h, a, "isnan", f64::is_nan)),
        ("isinf", |h, a| test(h, a, "isinf", f64::is_infinite)),
        ("isfinite", |h, a| test(h, a, "isfinite", f64::is_finite)),
        ("isclose", isclose),
        ("prod", prod),
        ("fsum", fsum),
        ("gcd", gcd),
        ("lcm", lcm),
        ("factorial", factorial),
        ("comb", comb),
        ("perm", perm),
        ("isqrt", isqrt),
    ];
    entries.extend(functions.iter().map(|(name, f)| (*name, builtin(name, *f))));
    namespace(host, "math", entries);
}

/// A real number argument, as CPython's `math` accepts it.
fn real(host: &Host<'_>, v: &Value, span: Span) -> Eval<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Float(f) => Ok(*f),
        Value::Tensor(t) if t.numel() == 1 => match super::eager::scalar(host, t, "a Python float", span)? {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            Value::Bool(b) => Ok(f64::from(u8::from(b))),
            _ => host.raise("TypeError", "must be real number, not Tensor", span),
        },
        other => host.raise("TypeError", format!("must be real number, not {}", other.type_name()), span),
    }
}

/// An integer argument (`factorial`, `comb`, `gcd`).
fn integer(host: &Host<'_>, v: &Value, span: Span) -> Eval<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        other => {
            host.raise("TypeError", format!("'{}' object cannot be interpreted as an integer", other.type_name()), span)
        }
    }
}

/// CPython's check of a libm result: NaN from a number is a domain error,
/// infinity from a finite number an overflow.
fn checked(host: &Host<'_>, x: f64, y: f64, span: Span) -> Eval<Value> {
    if y.is_nan() && !x.is_nan() {
        return host.raise("ValueError", "math domain error", span);
    }
    if y.is_infinite() && x.is_finite() {
        return host.raise("OverflowError", "math range error", span);
    }
    Ok(Value::Float(y))
}

fn arguments<const N: usize>(host: &Host<'_>, args: &Args, name: &str) -> Eval<[f64; N]> {
    let names = ["x", "y", "z"];
    let slots = args.bind(host, name, &names[..N], N)?;
    let mut out = [0.0; N];
    for (slot, value) in out.iter_mut().zip(&slots) {
        *slot = real(host, value.as_ref().expect("required"), args.span)?;
    }
    Ok(out)
}

fn unary(host: &mut Host<'_>, args: Args, name: &str, f: fn(f64) -> f64) -> Eval<Value> {
    let [x] = arguments(host, &args, name)?;
    // The poles are domain errors in CPython, not infinities.
    let pole = match name {
        "log2" | "log10" => x == 0.0,
        "log1p" => x == -1.0,
        "atanh" => x.abs() == 1.0,
        _ => false,
    };
    if pole {
        return host.raise("ValueError", "math domain error", args.span);
    }
    checked(host, x, f(x), args.span)
}

fn test(host: &mut Host<'_>, args: Args, name: &str, f: fn(f64) -> bool) -> Eval<Value> {
    let [x] = arguments(host, &args, name)?;
    Ok(Value::Bool(f(x)))
}

fn log(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "log", &["x", "base"], 1)?;
    let x = real(host, slots[0].as_ref().expect("required"), args.span)?;
    if x <= 0.0 {
        return host.raise("ValueError", "math domain error", args.span);
    }
    match &slots[1] {
        Some(b) => {
            let base = real(host, b, args.span)?;
            if base <= 0.0 {
                return host.raise("ValueError", "math domain error", args.span);
            }
            if base == 1.0 {
                return host.raise("ZeroDivisionError", "float division by zero", args.span);
            }
            Ok(Value::Float(x.ln() / base.ln()))
        }
        None => Ok(Value::Float(x.ln())),
    }
}

fn pow(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let [x, y] = arguments(host, &args, "pow")?;
    if x == 0.0 && y < 0.0 {
        return host.raise("ValueError", "math domain error", args.span);
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return host.raise("OverflowError", "math range error", args.span);
    }
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return host.raise("ValueError", "math domain error", args.span);
    }
    Ok(Value::Float(r))
}

fn atan2(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let [y, x] = arguments(host, &args, "atan2")?;
    Ok(Value::Float(y.atan2(x)))
}

fn copysign(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let [x, y] = arguments(host, &args, "copysign")?;
    Ok(Value::Float(x.copysign(y)))
}

fn fmod(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let [x, y] = arguments(host, &args, "fmod")?;
    if y == 0.0 && !x.is_nan() || x.is_infinite() && !y.is_nan() {
        return host.raise("ValueError", "math domain error", args.span);
    }
    Ok(Value::Float(x % y))
}

fn hypot(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    if !args.keywords.is_empty() {
        return host.raise("TypeError", "hypot() takes no keyword arguments", args.span);
    }
    let mut values = Vec::with_capacity(args.positional.len());
    for v in &args.positional {
        values.push(real(host, v, args.span)?);
    }
    // CPython 3.11 scales and sums with extra precision; two arguments (the
    // common case) are libm's hypot, which is correctly rounded as well.
    match values.as_slice() {
        [] => Ok(Value::Float(0.0)),
        [x] => Ok(Value::Float(x.abs())),
        [x, y] => Ok(Value::Float(x.hypot(*y))),
        _ => host.unsupported("math.hypot of more than two coordinates is not supported", args.span),
    }
}

/// `floor`/`ceil`/`trunc`: an int stays itself (exact beyond 2^53).
fn rounding(host: &mut Host<'_>, args: Args, name: &str, f: fn(f64) -> f64) -> Eval<Value> {
    let v = args.bind(host, name, &["x"], 1)?.remove(0).expect("required");
    match v {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Bool(b) => Ok(Value::Int(i64::from(b))),
        v => {
            let x = real(host, &v, args.span)?;
            if x.is_nan() {
                return host.raise("ValueError", "cannot convert float NaN to integer", args.span);
            }
            if x.is_infinite() {
                return host.raise("OverflowError", "cannot convert float infinity to integer", args.span);
            }
            let y = f(x);
            if y.abs() >= 9_223_372_036_854_775_808.0 {
                return host.unsupported("an integer beyond 64 bits", args.span);
            }
            Ok(Value::Int(y as i64))
        }
    }
}

fn floor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    rounding(host, args, "floor", f64::floor)
}

fn ceil(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    rounding(host, args, "ceil", f64::ceil)
}

fn trunc(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    rounding(host, args, "trunc", f64::trunc)
}

fn isclose(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "isclose", &["a", "b", "rel_tol", "abs_tol"], 2)?;
    let get = |i: usize, default: f64| match &slots[i] {
        Some(v) => real(host, v, args.span),
        None => Ok(default),
    };
    let (a, b, rel_tol, abs_tol) = (get(0, 0.0)?, get(1, 0.0)?, get(2, 1e-9)?, get(3, 0.0)?);
    if rel_tol < 0.0 || abs_tol < 0.0 {
        return host.raise("ValueError", "tolerances must be non-negative", args.span);
    }
    if a == b {
        return Ok(Value::Bool(true));
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(Value::Bool(false));
    }
    let diff = (b - a).abs();
    Ok(Value::Bool(diff <= (rel_tol * b).abs() || diff <= (rel_tol * a).abs() || diff <= abs_tol))
}

fn prod(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "prod", &["iterable", "start"], 1)?;
    let mut product = slots[1].clone().unwrap_or(Value::Int(1));
    for item in host.iterate(slots[0].as_ref().expect("required"), args.span)? {
        product = ops::binary(host, BinOp::Mul, product, item, args.span)?;
    }
    Ok(product)
}

/// Shewchuk's exact partial sums, as CPython's `fsum`.
fn fsum(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = args.bind(host, "fsum", &["seq"], 1)?.remove(0).expect("required");
    let mut partials: Vec<f64> = Vec::new();
    for item in host.iterate(&v, args.span)? {
        let mut x = real(host, &item, args.span)?;
        let mut kept = 0;
        for i in 0..partials.len() {
            let mut y = partials[i];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    if partials.iter().any(|p| !p.is_finite()) {
        let sum: f64 = partials.iter().sum();
        if sum.is_nan() && partials.iter().all(|p| !p.is_nan()) {
            return host.raise("ValueError", "-inf + inf in fsum", args.span);
        }
        return Ok(Value::Float(sum));
    }
    // Round the exact sum of the partials once, with CPython's half-even fix-up.
    let mut hi = 0.0;
    if let Some(mut n) = partials.len().checked_sub(1) {
        hi = partials[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = partials[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(Value::Float(hi))
}

fn integers(host: &Host<'_>, args: &Args) -> Eval<Vec<i64>> {
    if !args.keywords.is_empty() {
        return host.raise("TypeError", "takes no keyword arguments", args.span);
    }
    args.positional.iter().map(|v| integer(host, v, args.span)).collect()
}

fn gcd_of(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a as i64
}

fn gcd(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    Ok(Value::Int(integers(host, &args)?.into_iter().fold(0, gcd_of)))
}

fn lcm(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let mut acc: i64 = 1;
    for n in integers(host, &args)? {
        if n == 0 || acc == 0 {
            acc = 0;
            continue;
        }
        let g = gcd_of(acc, n);
        acc = match (acc / g).checked_mul(n.abs()) {
            Some(v) => v.abs(),
            None => return host.unsupported("an integer beyond 64 bits", args.span),
        };
    }
    Ok(Value::Int(acc))
}

/// `n * (n-1) * ... * (n-k+1)`, or an E5005 beyond 64 bits.
fn falling(host: &Host<'_>, n: i64, k: i64, span: Span) -> Eval<i64> {
    let mut acc: i64 = 1;
    for i in 0..k {
        acc = match acc.checked_mul(n - i) {
            Some(v) => v,
            None => return host.unsupported("an integer beyond 64 bits", span),
        };
    }
    Ok(acc)
}

fn factorial(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = args.bind(host, "factorial", &["n"], 1)?.remove(0).expect("required");
    let n = integer(host, &v, args.span)?;
    if n < 0 {
        return host.raise("ValueError", "factorial() not defined for negative values", args.span);
    }
    Ok(Value::Int(falling(host, n, n, args.span)?))
}

fn comb_perm(host: &mut Host<'_>, args: Args, name: &str) -> Eval<Value> {
    let slots = args.bind(host, name, &["n", "k"], if name == "perm" { 1 } else { 2 })?;
    let n = integer(host, slots[0].as_ref().expect("required"), args.span)?;
    let k = match &slots[1] {
        Some(v) if !matches!(v, Value::None) => integer(host, v, args.span)?,
        _ => n,
    };
    if n < 0 {
        return host.raise("ValueError", "n must be a non-negative integer", args.span);
    }
    if k < 0 {
        return host.raise("ValueError", "k must be a non-negative integer", args.span);
    }
    if k > n {
        return Ok(Value::Int(0));
    }
    if name == "perm" {
        return Ok(Value::Int(falling(host, n, k, args.span)?));
    }
    let k = k.min(n - k);
    let mut acc: i64 = 1;
    for i in 0..k {
        // acc * (n - i) / (i + 1) stays an integer at every step.
        let g = gcd_of(acc, i + 1);
        let (a, d) = (acc / g, (i + 1) / g);
        acc = match a.checked_mul((n - i) / d) {
            Some(v) => v,
            None => return host.unsupported("an integer beyond 64 bits", args.span),
        };
    }
    Ok(Value::Int(acc))
}

fn comb(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    comb_perm(host, args, "comb")
}

fn perm(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    comb_perm(host, args, "perm")
}

fn isqrt(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = args.bind(host, "isqrt", &["n"], 1)?.remove(0).expect("required");
    let n = integer(host, &v, args.span)?;
    if n < 0 {
        return host.raise("ValueError", "isqrt() argument must be nonnegative", args.span);
    }
    let mut r = (n as f64).sqrt() as i64;
    while r.checked_mul(r).is_none_or(|sq| sq > n) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|sq| sq <= n) {
        r += 1;
    }
    Ok(Value::Int(r))
}
