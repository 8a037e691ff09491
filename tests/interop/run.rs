//! `tsc run` against PyTorch 2.5.1 on the files of `tests/fixtures/run/`:
//! every module instance a file defines at its top level is an entry, run
//! on the file's `example_inputs` by `torch.jit.script(entry)` and by tsc's
//! interpreter (no mobile passes); the outputs must be the same values of
//! the same dtypes, and where PyTorch raises, tsc must fail with PyTorch's
//! message.

use std::path::{Path, PathBuf};

use libtest_mimic::Trial;
use serde_json::Value;
use tsy::runtime::RValue;

use crate::harness::file_trials;
use crate::run_python;

/// argv: the file. Prints, as JSON, each entry's name and either its
/// flattened outputs rendered as [`render`] renders them or the last line
/// of the message PyTorch raised with.
const OUTCOMES: &str = r#"
import json, runpy, sys, torch
ns = runpy.run_path(sys.argv[1], run_name="__main__")
def render(v, out):
    if isinstance(v, (tuple, list)):
        for x in v:
            render(x, out)
    elif isinstance(v, torch.Tensor):
        values = ", ".join(repr(float(x)) if v.is_floating_point() else str(int(x)) for x in v.flatten().tolist())
        out.append("tensor(%s, %s, [%s])" % (str(v.dtype), list(v.shape), values))
    elif isinstance(v, str):
        out.append(json.dumps(v, ensure_ascii=False))
    else:
        out.append(repr(v))
outcomes = {}
for name, m in ns.items():
    if not isinstance(m, torch.nn.Module) or isinstance(m, torch.jit.ScriptModule):
        continue
    try:
        out = []
        render(torch.jit.script(m)(*ns["example_inputs"]), out)
        outcomes[name] = {"outputs": out}
    except Exception as e:
        outcomes[name] = {"error": str(e).strip().splitlines()[-1].split("Error: ", 1)[-1]}
print(json.dumps(outcomes))
"#;

fn render(v: &RValue) -> String {
    match v {
        RValue::Tensor(t) => {
            let floating = t.dtype().is_floating_point();
            let values: Vec<String> = if floating {
                t.to_f64s().expect("values").into_iter().map(tsy::repr::float_repr).collect()
            } else {
                t.to_i64s().expect("values").into_iter().map(|x| x.to_string()).collect()
            };
            format!("tensor({}, {:?}, [{}])", t.dtype().torch_name(), t.shape(), values.join(", "))
        }
        RValue::Str(s) => serde_json::to_string(&**s).expect("a string"),
        other => python_repr(other),
    }
}

/// Python's `repr` of a value that is not a tensor (a dict's items, say),
/// as the Python side prints it.
fn python_repr(v: &RValue) -> String {
    let items = |items: &[RValue]| items.iter().map(python_repr).collect::<Vec<_>>().join(", ");
    match v {
        RValue::None => "None".into(),
        RValue::Bool(b) => if *b { "True" } else { "False" }.into(),
        RValue::Int(i) => i.to_string(),
        RValue::Float(f) => tsy::repr::float_repr(*f),
        RValue::Str(s) => format!("'{s}'"),
        RValue::List(l) => format!("[{}]", items(&l.borrow())),
        RValue::Tuple(t) if t.len() == 1 => format!("({},)", items(t)),
        RValue::Tuple(t) => format!("({})", items(t)),
        RValue::Dict(d) => {
            let pairs: Vec<String> = d
                .borrow()
                .iter()
                .map(|(k, v)| format!("{}: {}", python_repr(&RValue::from_key(k)), python_repr(v)))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn runs_as_pytorch_runs(file: &Path) {
    let theirs: Value = serde_json::from_str(run_python(OUTCOMES, &[&file.display().to_string()]).trim())
        .expect("OUTCOMES prints JSON");
    let theirs = theirs.as_object().expect("entries by name");
    assert!(!theirs.is_empty(), "{}: no module entries", file.display());
    let text = std::fs::read_to_string(file).expect("the fixture reads");
    let mut failures = Vec::new();
    for (entry, want) in theirs {
        let mut map = tsy::source::SourceMap::new();
        let id = map.add(file.display().to_string(), text.clone());
        let options = tsy::run::Options { entry: Some(entry), ..Default::default() };
        let ours = tsy::run::run(&mut map, id, &mut tsy::syntax::Interner::new(), &options);
        let failure = match (ours, want.get("error").and_then(Value::as_str)) {
            (Ok(outputs), None) => {
                let got: Vec<String> = outputs.values.iter().map(|(_, v)| render(v)).collect();
                let expected: Vec<String> = serde_json::from_value(want["outputs"].clone()).expect("outputs");
                (got != expected).then(|| format!("{entry}: outputs {got:?}, PyTorch's {expected:?}"))
            }
            (Ok(outputs), Some(error)) => {
                let got: Vec<String> = outputs.values.iter().map(|(_, v)| render(v)).collect();
                Some(format!("{entry}: PyTorch raises `{error}`, tsc run gave {got:?}"))
            }
            (Err(diagnostics), expected) => {
                let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
                match expected {
                    None => Some(format!("{entry}: tsc run failed where PyTorch runs: {messages:?}")),
                    Some(error) => (!messages.iter().any(|m| m.ends_with(error)))
                        .then(|| format!("{entry}: PyTorch raises `{error}`, tsc run said {messages:?}")),
                }
            }
        };
        failures.extend(failure);
    }
    assert!(failures.is_empty(), "{}: tsc run differs from PyTorch:\n{}", file.display(), failures.join("\n"));
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).expect("fixtures").flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "tsy"));
    files.sort();
    files
}

pub(crate) fn tests() -> Vec<Trial> {
    file_trials("run::runs_as_pytorch_runs", fixtures(), runs_as_pytorch_runs)
}
