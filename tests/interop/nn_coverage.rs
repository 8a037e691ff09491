//! How much of `torch.nn` tsc covers end to end, as a ratchet:
//! `scripts/nn-coverage.py` enumerates the module classes of
//! `torch.nn.modules.__all__` and the public functions of
//! `torch.nn.functional` in the reference PyTorch and writes a wrapper
//! module for each case with the scripted module's outputs. Each case PyTorch
//! scripts goes through `tsc check`, `tsc compile` (its `.ptl` run in
//! PyTorch's lite interpreter) and `tsc run`, each output within 1e-5 of
//! PyTorch's (relative to max(1, max|ref|); exact for integers). A name is
//! covered when all its cases pass. The cases that do not pass are listed in
//! `tests/nn_coverage_missing.txt`: one that passes but is listed, or fails
//! but is not, fails this test, so coverage only goes up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use libtest_mimic::Trial;
use safetensors::SafeTensors;
use serde_json::Value;
use tsy::runtime::RTensor;

use crate::harness::trial;
use crate::run_python;

const SCRIPT: &str = include_str!("../../scripts/nn-coverage.py");
const MISSING: &str = "tests/nn_coverage_missing.txt";

/// One case to run through tsc.
struct Case {
    /// `module/Upsample[bilinear]`.
    key: String,
    dir: PathBuf,
    weights: bool,
}

/// Runs `tsc ARGS`; the first line of what it printed when it fails.
fn tsc(args: &[&str]) -> Result<(), String> {
    let out =
        Command::new(env!("CARGO_BIN_EXE_tsc")).args(args).args(["--format", "short"]).output().expect("tsc runs");
    if out.status.success() {
        return Ok(());
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let line = text.lines().find(|l| l.contains("error")).or_else(|| text.lines().next()).unwrap_or_default();
    // Without the file's path: the scratch folder differs from run to run.
    Err(line.rsplit_once(".tsy:").map_or(line, |(_, rest)| rest).to_string())
}

fn tensors(path: &Path) -> Result<Vec<(String, RTensor)>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let st = SafeTensors::deserialize(&bytes).map_err(|e| e.to_string())?;
    let mut out: Vec<(String, RTensor)> = st
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let dtype = crate::kernels::dtype_of(view.dtype());
            RTensor::from_bytes(view.data(), dtype, view.shape()).map(|t| (name, t)).map_err(|e| e.message)
        })
        .collect::<Result<_, _>>()?;
    // output0, output1, ..., output10 in order.
    out.sort_by_key(|(name, _)| name.trim_start_matches("output").parse::<usize>().unwrap_or(usize::MAX));
    Ok(out)
}

/// Why tsc run's outputs differ from PyTorch's, if they do.
fn compare(ours: &Path, expected: &Path) -> Result<(), String> {
    let (got, want) = (tensors(ours)?, tensors(expected)?);
    if got.len() != want.len() {
        return Err(format!("{} outputs, expected {}", got.len(), want.len()));
    }
    for ((name, g), (_, w)) in got.iter().zip(&want) {
        if g.shape() != w.shape() || g.dtype() != w.dtype() {
            return Err(format!(
                "{name}: {}{:?}, expected {}{:?}",
                g.dtype().torch_name(),
                g.shape(),
                w.dtype().torch_name(),
                w.shape()
            ));
        }
        let (gv, wv) = (g.to_f64s().map_err(|e| e.message)?, w.to_f64s().map_err(|e| e.message)?);
        let scale = wv.iter().fold(1.0f64, |m, x| if x.is_finite() { m.max(x.abs()) } else { m });
        let exact = !w.dtype().is_floating_point();
        for (i, (p, q)) in gv.iter().zip(&wv).enumerate() {
            let same = p == q || (p.is_nan() && q.is_nan()) || (!exact && (p - q).abs() <= 1e-5 * scale);
            if !same {
                return Err(format!("{name}[{i}] is {p}, PyTorch's {q}"));
            }
        }
    }
    Ok(())
}

/// check, compile, run: the first stage that fails and why. (`tsc compile`
/// reports what `tsc check` reports first, so check runs on its own only to
/// say which of the two stopped.)
fn through_tsc(case: &Case) -> Result<(), String> {
    let file = case.dir.join("case.tsy").display().to_string();
    let weights = case.dir.join("weights.safetensors").display().to_string();
    let weights: &[&str] = if case.weights { &["--weights", &weights] } else { &[] };
    let ptl = case.dir.join("ours.ptl").display().to_string();
    if let Err(e) = tsc(&[&["compile", &file, "-o", &ptl][..], weights].concat()) {
        tsc(&["check", &file]).map_err(|e| format!("check: {e}"))?;
        return Err(format!("compile: {e}"));
    }
    let inputs = case.dir.join("inputs.safetensors").display().to_string();
    let ours = case.dir.join("ours-run.safetensors");
    let ours_arg = ours.display().to_string();
    tsc(&[&["run", &file, "--inputs", &inputs, "-o", &ours_arg][..], weights].concat())
        .map_err(|e| format!("run: {e}"))?;
    compare(&ours, &case.dir.join("expected.safetensors")).map_err(|e| format!("run: {e}"))
}

fn nn_coverage() {
    let dir = std::env::temp_dir().join(format!("tsy-nn-coverage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let dir_arg = dir.display().to_string();
    run_python(SCRIPT, &["generate", &dir_arg]);
    let listing: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).expect("cases.json")).expect("cases.json parses");
    let listing = listing.as_array().expect("a list of names");

    // Every case PyTorch scripts, through tsc, on every core.
    let mut cases = Vec::new();
    for entry in listing {
        for case in entry["cases"].as_array().expect("cases") {
            if case.get("pytorch_refuses").is_none() {
                cases.push(Case {
                    key: format!("{}/{}", entry["kind"].as_str().expect("a kind"), case["id"].as_str().expect("an id")),
                    dir: PathBuf::from(case["dir"].as_str().expect("a folder")),
                    weights: case["weights"] == true,
                });
            }
        }
    }
    let results = Mutex::new(BTreeMap::new());
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get).min(8);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = through_tsc(case);
                    results.lock().expect("no worker panics").insert(case.key.clone(), result);
                }
            });
        }
    });
    let mut results = results.into_inner().expect("no worker panicked");

    // The .ptl files in the lite interpreter, in one python.
    run_python(SCRIPT, &["lite", &dir_arg]);
    let lite: Value =
        serde_json::from_slice(&std::fs::read(dir.join("lite.json")).expect("lite.json")).expect("lite.json parses");
    for (key, result) in &mut results {
        if result.is_err() {
            continue;
        }
        *result = match &lite[key.as_str()] {
            Value::Number(error) if error.as_f64().is_some_and(|e| e <= 1e-5) => Ok(()),
            Value::Number(error) => Err(format!("lite interpreter: outputs differ from PyTorch's by {error}")),
            Value::String(why) => Err(format!("lite interpreter: {why}")),
            _ => Err("lite interpreter: the .ptl was not run".into()),
        };
    }

    // The table, by name.
    let mut missing = BTreeMap::new();
    let mut refused = Vec::new();
    let mut covered: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut passed_cases = 0;
    for entry in listing {
        let kind = entry["kind"].as_str().expect("a kind");
        let name = entry["name"].as_str().expect("a name");
        if let Some(why) = entry["excluded"].as_str() {
            println!("{kind:10} {name:40} not counted: {why}");
            continue;
        }
        let all: Vec<&Value> = entry["cases"].as_array().expect("cases").iter().collect();
        let scripted: Vec<&&Value> = all.iter().filter(|c| c.get("pytorch_refuses").is_none()).collect();
        for case in all.iter().filter(|c| c.get("pytorch_refuses").is_some()) {
            let why = case["pytorch_refuses"].as_str().unwrap_or_default();
            println!(
                "{kind:10} {:40} not counted: PyTorch does not script it ({why})",
                case["id"].as_str().unwrap_or(name)
            );
            refused.push(format!("{kind}/{name}"));
        }
        if !all.is_empty() && scripted.is_empty() {
            continue;
        }
        let count = covered.entry(kind).or_default();
        count.1 += 1;
        if let Some(why) = entry["without_case"].as_str() {
            println!("{kind:10} {name:40} MISSING: {why}");
            missing.insert(format!("{kind} {name}"), why.to_string());
            continue;
        }
        let mut all_pass = true;
        for case in scripted {
            let key = format!("{kind}/{}", case["id"].as_str().expect("an id"));
            match &results[&key] {
                Ok(()) => {
                    passed_cases += 1;
                    println!("{kind:10} {:40} ok", case["id"].as_str().unwrap_or_default());
                }
                Err(why) => {
                    all_pass = false;
                    println!("{kind:10} {:40} MISSING: {why}", case["id"].as_str().unwrap_or_default());
                    missing.insert(format!("{kind} {}", case["id"].as_str().expect("an id")), why.clone());
                }
            }
        }
        count.0 += usize::from(all_pass);
    }
    for (kind, (done, of)) in &covered {
        println!("coverage: {kind}s {done} of {of}");
    }
    println!("coverage: cases {passed_cases} of {}", results.len());

    // The ratchet.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed: BTreeSet<String> = std::fs::read_to_string(root.join(MISSING))
        .expect("the list of missing cases")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split("  #").next().unwrap_or_default().trim().to_string())
        .collect();
    let now: BTreeSet<String> = missing.keys().cloned().collect();
    let regressed: Vec<&String> = now.difference(&listed).collect();
    let fixed: Vec<&String> = listed.difference(&now).collect();
    if regressed.is_empty() && fixed.is_empty() {
        std::fs::remove_dir_all(&dir).ok();
        return;
    }
    let fresh = root.join("target/nn_coverage_missing.txt");
    let header: String = std::fs::read_to_string(root.join(MISSING))
        .unwrap_or_default()
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let body: String = missing.iter().map(|(k, why)| format!("{k}  # {why}\n")).collect();
    std::fs::write(&fresh, header + &body).expect("target/ is writable");
    panic!(
        "torch.nn coverage changed.\nNo longer passing (regressions): {regressed:?}\nNow passing (take them off the \
         list): {fixed:?}\nThe list as it is now: {} (copy it to {MISSING} when the change is wanted)",
        fresh.display()
    );
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![trial("nn_coverage::nn_coverage", nn_coverage)]
}
