//! Accepted means it runs: every corpus case PyTorch 2.5.1 accepts that has
//! inputs (`# inputs: (...)` lines, recorded with PyTorch's outputs in
//! `tests/corpus/harvest.jsonl` by `scripts/record-harvest.py`) runs in
//! `tsc run` with PyTorch's outputs, or raises what PyTorch raised. The cases
//! that do not yet are listed in `tests/corpus/runs-known.txt` with the
//! reason; a case that fails and is not listed fails the test, and so does
//! a listed case that now runs (the list only shrinks).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use tsy::runtime::RValue;
use tsy::source::SourceMap;
use tsy::syntax::Interner;

/// A value as the recording script's `show` writes it: tensors as their
/// nested values and dtype, tuples and lists as arrays, dicts as key-value
/// pairs.
fn show(v: &RValue) -> Value {
    match v {
        RValue::None => Value::Null,
        RValue::Bool(b) => json!(b),
        RValue::Int(i) => json!(i),
        RValue::Float(f) if f.is_nan() => json!("nan"),
        RValue::Float(f) => json!(f),
        RValue::Str(s) => json!(&**s),
        RValue::Device(d) => json!({ "repr": format!("device(type='{d}')") }),
        RValue::Tensor(t) => {
            let items: Vec<Value> = match t.dtype() {
                tsy::types::ScalarType::Bool => {
                    t.to_i64s().expect("values").into_iter().map(|x| json!(x != 0)).collect()
                }
                d if d.is_floating_point() => t.to_f64s().expect("values").into_iter().map(|x| json!(x)).collect(),
                _ => t.to_i64s().expect("values").into_iter().map(|x| json!(x)).collect(),
            };
            json!({ "tensor": nest(&t.shape(), &mut items.into_iter()), "dtype": t.dtype().torch_name() })
        }
        RValue::List(items) => Value::Array(items.borrow().iter().map(show).collect()),
        RValue::Tuple(items) => Value::Array(items.iter().map(show).collect()),
        RValue::Dict(items) => json!({
            "dict": items.borrow().iter().map(|(k, v)| json!([show(&RValue::from_key(k)), show(v)])).collect::<Vec<_>>()
        }),
        RValue::Object(o) => json!({ "repr": o.class }),
    }
}

/// Row-major `items` as nested arrays of `shape` (a scalar for 0-dim).
fn nest(shape: &[usize], items: &mut impl Iterator<Item = Value>) -> Value {
    match shape.split_first() {
        None => items.next().expect("one value per element"),
        Some((n, rest)) => Value::Array((0..*n).map(|_| nest(rest, items)).collect()),
    }
}

/// Why a case does not run as PyTorch ran it, in one line; `None` when it
/// does.
fn mismatch(case: &str, text: &str, calls: &[&str], outputs: &[Value]) -> Option<String> {
    for (call, want) in calls.iter().zip(outputs) {
        let program = format!("{text}\nexample_inputs = {call}\n");
        let mut map = SourceMap::new();
        let file = map.add(format!("cases/{case}.py"), program);
        let options = tsy::run::Options { entry: Some("f"), ..Default::default() };
        let ours = tsy::run::run(&mut map, file, &mut Interner::new(), &options);
        let reason = match (ours, want.get("raised").and_then(Value::as_str)) {
            (Ok(outputs), None) => {
                let got = match &outputs.returned[..] {
                    [one] => show(one),
                    many => Value::Array(many.iter().map(show).collect()),
                };
                (got != want["value"]).then(|| format!("wrong output on {call}: {got}, PyTorch {}", want["value"]))
            }
            (Ok(outputs), Some(raised)) => {
                let got: Vec<Value> = outputs.returned.iter().map(show).collect();
                Some(format!("runs on {call} where PyTorch raises `{raised}`: {}", Value::Array(got)))
            }
            (Err(diagnostics), raised) => {
                let first = diagnostics.iter().find(|d| d.is_error()).expect("a failed run reports an error");
                let message = first.message.strip_prefix("the model raised: ").unwrap_or(&first.message);
                let line = map.get(file).line_col(first.span().start).0;
                match raised {
                    Some(raised) if message == raised => None,
                    Some(raised) => {
                        Some(format!("{} on {call}, line {line}: {message} (PyTorch raises `{raised}`)", first.code))
                    }
                    None => Some(format!("{} on {call}, line {line}: {message}", first.code)),
                }
            }
        };
        if reason.is_some() {
            return reason;
        }
    }
    None
}

#[test]
fn accepted_cases_run_as_pytorch_ran() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let recorded = std::fs::read_to_string(root.join("harvest.jsonl")).expect("the harvest");
    let known_text = std::fs::read_to_string(root.join("runs-known.txt")).expect("the list of known failures");
    let known: BTreeMap<&str, &str> = known_text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once(": ").expect("`case: reason` lines"))
        .collect();
    let mut failing = BTreeMap::new();
    let mut cases = 0;
    for line in recorded.lines() {
        let record: Value = serde_json::from_str(line).expect("JSON lines");
        let Some(outputs) = record["outputs"].as_array().filter(|_| record["accepted"] == true) else { continue };
        let case = record["case"].as_str().expect("case name").to_string();
        let text = std::fs::read_to_string(root.join("cases").join(format!("{case}.py"))).expect("case file");
        let calls: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# inputs: ")).collect();
        assert_eq!(calls.len(), outputs.len(), "{case}: one recorded outcome per `# inputs:` line");
        cases += 1;
        if let Some(reason) = mismatch(&case, &text, &calls, outputs) {
            failing.insert(case, reason);
        }
    }
    let kind = |reason: &str| reason.split(" on ").next().unwrap_or_default().to_string();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for reason in failing.values() {
        *by_kind.entry(kind(reason)).or_default() += 1;
    }
    println!("{} of {cases} accepted cases with inputs run with PyTorch's outputs", cases - failing.len());
    for (kind, n) in &by_kind {
        println!("  {n:>3} {kind}");
    }
    let new: Vec<String> = failing
        .iter()
        .filter(|(case, reason)| known.get(case.as_str()) != Some(&reason.as_str()))
        .map(|(case, reason)| format!("{case}: {reason}"))
        .collect();
    let fixed: Vec<&&str> = known.keys().filter(|case| !failing.contains_key(**case)).collect();
    let listing: String = failing.iter().map(|(case, reason)| format!("{case}: {reason}\n")).collect();
    assert!(
        new.is_empty() && fixed.is_empty(),
        "tests/corpus/runs-known.txt is out of date.\nfailing and not listed (or for another reason):\n  {}\n\
         listed and now running: {fixed:?}\nthe list as it is now:\n{listing}",
        new.join("\n  ")
    );
}
