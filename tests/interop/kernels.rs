//! The reference interpreter's kernels against PyTorch 2.5.1:
//! `scripts/kernel-cases.py` calls each operator with seeded inputs and
//! every schema argument explicit; each call is replayed through
//! `tsy::runtime::kernels::call` and the outputs compared (shape, dtype,
//! values: 1e-5 relative/absolute for floats, exact otherwise), or, where
//! PyTorch raises, the kernel fails with its message.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use libtest_mimic::Trial;
use safetensors::SafeTensors;
use serde_json::Value;
use tsy::runtime::kernels;
use tsy::runtime::value::Object;
use tsy::runtime::{RTensor, RValue};
use tsy::types::ScalarType;

use crate::harness::trial;
use crate::run_python;

const SCRIPT: &str = include_str!("../../scripts/kernel-cases.py");

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsy-kernel-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

pub(crate) fn dtype_of(d: safetensors::Dtype) -> ScalarType {
    use safetensors::Dtype as S;
    match d {
        S::F32 => ScalarType::Float32,
        S::F64 => ScalarType::Float64,
        S::F16 => ScalarType::Float16,
        S::BF16 => ScalarType::BFloat16,
        S::I64 => ScalarType::Int64,
        S::I32 => ScalarType::Int32,
        S::I16 => ScalarType::Int16,
        S::I8 => ScalarType::Int8,
        S::U8 => ScalarType::UInt8,
        S::BOOL => ScalarType::Bool,
        other => panic!("unexpected dtype {other:?} in the cases file"),
    }
}

/// A decoded argument or output; every tensor read fresh from the file, so
/// in-place kernels cannot disturb other cases.
fn decode(v: &Value, st: &SafeTensors<'_>) -> RValue {
    match v {
        Value::Null => RValue::None,
        Value::Object(m) => {
            let (tag, inner) = m.iter().next().expect("a tagged value");
            match tag.as_str() {
                "t" => {
                    let view = st.tensor(inner.as_str().expect("a tensor name")).expect("the tensor is stored");
                    RValue::Tensor(
                        RTensor::from_bytes(view.data(), dtype_of(view.dtype()), view.shape()).expect("tensor bytes"),
                    )
                }
                "b" => RValue::Bool(inner.as_bool().expect("a bool")),
                "i" => RValue::Int(inner.as_i64().expect("an int")),
                "f" => RValue::Float(inner.as_str().and_then(parse_float).expect("a float")),
                "s" => RValue::Str(inner.as_str().expect("a str").into()),
                "device" => RValue::Device(inner.as_str().expect("a device").into()),
                "list" => RValue::list(items(inner, st)),
                "tuple" => RValue::tuple(items(inner, st)),
                "dict" => {
                    let pairs = items(inner, st).into_iter().map(|pair| {
                        let kv = pair.items().expect("a key-value pair");
                        (kv[0].dict_key().expect("a dict key"), kv[1].clone())
                    });
                    RValue::Dict(std::rc::Rc::new(std::cell::RefCell::new(pairs.collect())))
                }
                "obj" => {
                    let mut attrs = IndexMap::new();
                    attrs.insert("state".to_string(), RValue::tuple(items(&m["state"], st)));
                    RValue::Object(Object::new(inner.as_str().expect("a class"), attrs))
                }
                other => panic!("unknown tag {other}"),
            }
        }
        other => panic!("unexpected JSON {other}"),
    }
}

fn items(v: &Value, st: &SafeTensors<'_>) -> Vec<RValue> {
    v.as_array().expect("a list").iter().map(|x| decode(x, st)).collect()
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

fn close(got: f64, want: f64) -> bool {
    (got.is_nan() && want.is_nan()) || got == want || (got - want).abs() <= 1e-5 + 1e-5 * want.abs()
}

/// Why `got` differs from `want`, if it does.
fn mismatch(got: &RValue, want: &RValue) -> Option<String> {
    match (got, want) {
        (RValue::Tensor(g), RValue::Tensor(w)) => {
            if g.shape() != w.shape() {
                return Some(format!("shape {:?}, expected {:?}", g.shape(), w.shape()));
            }
            if g.dtype() != w.dtype() {
                return Some(format!("dtype {}, expected {}", g.dtype().torch_name(), w.dtype().torch_name()));
            }
            let (gv, wv) = (g.to_f64s().ok()?, w.to_f64s().ok()?);
            let exact = !w.dtype().is_floating_point();
            for (i, (p, q)) in gv.iter().zip(&wv).enumerate() {
                if (exact && p != q) || (!exact && !close(*p, *q)) {
                    return Some(format!("element {i}: {p}, expected {q}"));
                }
            }
            None
        }
        (RValue::Float(g), RValue::Float(w)) => (!close(*g, *w)).then(|| format!("{g}, expected {w}")),
        (RValue::Int(g), RValue::Int(w)) => (g != w).then(|| format!("{g}, expected {w}")),
        (RValue::Bool(g), RValue::Bool(w)) => (g != w).then(|| format!("{g}, expected {w}")),
        (RValue::Str(g), RValue::Str(w)) => (g != w).then(|| format!("{g:?}, expected {w:?}")),
        (RValue::Device(g), RValue::Device(w)) => (g != w).then(|| format!("{g:?}, expected {w:?}")),
        (RValue::None, RValue::None) => None,
        (g @ (RValue::List(_) | RValue::Tuple(_)), w @ (RValue::List(_) | RValue::Tuple(_))) => {
            let (gi, wi) = (g.items()?, w.items()?);
            if gi.len() != wi.len() {
                return Some(format!("{} items, expected {}", gi.len(), wi.len()));
            }
            gi.iter().zip(&wi).enumerate().find_map(|(i, (p, q))| mismatch(p, q).map(|m| format!("item {i}: {m}")))
        }
        (RValue::Dict(g), RValue::Dict(w)) => {
            let (g, w) = (g.borrow(), w.borrow());
            if g.keys().ne(w.keys()) {
                return Some(format!("keys {:?}, expected {:?}", g.keys(), w.keys()));
            }
            g.values()
                .zip(w.values())
                .enumerate()
                .find_map(|(i, (p, q))| mismatch(p, q).map(|m| format!("value {i}: {m}")))
        }
        (g, w) => Some(format!("{g:?}, expected {w:?}")),
    }
}

fn kernels_match_pytorch() {
    let dir = scratch();
    let dir_arg = dir.to_string_lossy().into_owned();
    run_python(SCRIPT, &[&dir_arg]);
    let cases: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).expect("cases.json")).expect("cases parse");
    let bytes = std::fs::read(dir.join("tensors.safetensors")).expect("tensors.safetensors");
    let st = SafeTensors::deserialize(&bytes).expect("the tensors parse");
    let cases = cases.as_array().expect("a list of cases");
    let mut failures = Vec::new();
    let mut ops = std::collections::BTreeSet::new();
    for c in cases {
        let id = c["id"].as_str().expect("an id");
        let op = c["op"].as_str().expect("an op");
        let overload = c["overload"].as_str().expect("an overload");
        ops.insert(format!("{op}.{overload}"));
        let args = items(&c["args"], &st);
        let got = kernels::call(tsy::ops::OpKind::intern(op), overload, &args);
        if let Some(raised) = c["raises"].as_str() {
            let verdict = match got {
                Err(e) if e.message.ends_with(raised) => None,
                Err(e) => Some(format!("error `{}`, PyTorch raised `{raised}`", e.message)),
                Ok(got) => Some(format!("{got:?}, PyTorch raised `{raised}`")),
            };
            let status = if verdict.is_none() { "ok" } else { "FAIL" };
            println!("{status:4} {id:55} {}", verdict.clone().unwrap_or_default());
            failures.extend(verdict.map(|v| format!("{id}: {v}")));
            continue;
        }
        let want = items(&c["out"], &st);
        let verdict = match got {
            Err(e) => Some(format!("error: {}", e.message)),
            Ok(got) if got.len() != want.len() => Some(format!("{} outputs, expected {}", got.len(), want.len())),
            Ok(got) => {
                let inplace_lost = op.ends_with('_')
                    && !op.ends_with("__")
                    && matches!((&got[0], &args[0]), (RValue::Tensor(g), RValue::Tensor(a)) if !g.same(a));
                if inplace_lost {
                    Some("an in-place op must return its self".into())
                } else {
                    got.iter()
                        .zip(&want)
                        .enumerate()
                        .find_map(|(i, (g, w))| mismatch(g, w).map(|m| format!("output {i}: {m}")))
                }
            }
        };
        let status = if verdict.is_none() { "ok" } else { "FAIL" };
        println!("{status:4} {id:55} {}", verdict.clone().unwrap_or_default());
        if let Some(v) = verdict {
            failures.push(format!("{id}: {v}"));
        }
    }
    println!("{} cases, {} operator/overload combinations, {} failures", cases.len(), ops.len(), failures.len());
    let _ = std::fs::remove_dir_all(Path::new(&dir));
    assert!(ops.len() >= 80, "too few operator/overload combinations: {}", ops.len());
    assert!(failures.is_empty(), "kernels differ from PyTorch:\n{}", failures.join("\n"));
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![trial("kernels::kernels_match_pytorch", kernels_match_pytorch)]
}
