//! Every `tsc explain` text is checked as rustc checks its error-code docs:
//! the erroneous example (a fenced block marked `python,compile_fail`) must
//! report its code, and the fixed one (`python,fixed`) must not, with the
//! command that reports the code.

use std::path::{Path, PathBuf};
use std::process::Command;

use tsy::diag::Code;

/// Codes whose text has no checked example, and why.
const UNCHECKED: &[(Code, &str)] = &[(
    Code::E4001,
    "its subject is a .ptl archive `tsc inspect` cannot read, not a model file; tests/cli.rs inspects such archives",
)];

/// The marked example of `kind` in `text`; `→` and the spaces that draw
/// it mark a tab, as E1004 says.
fn example(code: Code, text: &str, kind: &str) -> String {
    let fence = format!("```python,{kind}");
    let mut blocks = text.split("\n```").filter_map(|b| b.strip_prefix(&fence[3..]).map(|b| b.trim_start_matches(' ')));
    let block = blocks.next().unwrap_or_else(|| panic!("{code} has no `{fence}` example"));
    assert!(blocks.next().is_none(), "{code} has more than one `{fence}` example");
    let body = block.strip_prefix('\n').unwrap_or_else(|| panic!("{code}: `{fence}` has text after it"));
    format!("{body}\n").replace("→       ", "\t")
}

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsy-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A safetensors file of `float32` tensors filled with ones.
fn safetensors(path: &Path, tensors: &[(&str, &[usize])]) {
    let data: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(name, shape)| (name.to_string(), 1f32.to_le_bytes().repeat(shape.iter().product()), shape.to_vec()))
        .collect();
    let views = data.iter().map(|(name, bytes, shape)| {
        (
            name.clone(),
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes).expect("a tensor"),
        )
    });
    std::fs::write(path, safetensors::serialize(views, None).expect("serialized")).expect("written");
}

/// The command that reports `code`, on `file`, and the files it needs.
fn command(code: Code, file: &Path) -> Vec<String> {
    let file = file.display().to_string();
    let ptl = format!("{file}.ptl");
    let dir = dir();
    let mut args: Vec<String> = match code.as_str() {
        "E5008" => {
            let weights = dir.join("w.safetensors");
            safetensors(
                &weights,
                &[("conv.weight", &[16, 3, 3, 3]), ("conv.bias", &[16]), ("fc.weight", &[5, 16]), ("fc.bias", &[5])],
            );
            vec!["compile".into(), file, "-o".into(), ptl, "--weights".into(), weights.display().to_string()]
        }
        "E6003" => {
            let inputs = dir.join("inputs.safetensors");
            safetensors(&inputs, &[("input0", &[2, 3])]);
            vec!["run".into(), file, "--inputs".into(), inputs.display().to_string()]
        }
        "E3010" => vec!["compile".into(), file, "--emit".into(), "graph".into()],
        "E4002" => vec!["compile".into(), file, "-o".into(), ptl, "--preserve-method".into(), "scale".into()],
        "W4001" => vec!["compile".into(), file, "-o".into(), ptl, "--no-optimize".into()],
        c if c.starts_with("E6") => vec!["run".into(), file],
        c if ["E4", "W4", "W1"].iter().any(|p| c.starts_with(p)) || c == "E5007" => {
            vec!["compile".into(), file, "-o".into(), ptl]
        }
        _ => vec!["check".into(), file],
    };
    args.extend(["--format".into(), "json".into()]);
    args
}

/// The exit status and the codes `tsc` reports for `source`, and its stderr.
fn report(code: Code, kind: &str, source: &str) -> (Option<i32>, Vec<(String, String)>, String) {
    let file = dir().join(format!("{code}.{kind}.tsy"));
    std::fs::write(&file, source).expect("example written");
    let out = Command::new(env!("CARGO_BIN_EXE_tsc")).args(command(code, &file)).output().expect("tsc runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reported = if stdout.trim_start().starts_with('[') {
        let items: Vec<serde_json::Value> = serde_json::from_str(&stdout).expect("JSON diagnostics");
        items
            .iter()
            .map(|d| (d["code"].as_str().unwrap_or("").to_string(), d["severity"].as_str().unwrap_or("").to_string()))
            .collect()
    } else {
        Vec::new()
    };
    (out.status.code(), reported, format!("{}{stdout}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn every_explanation_example_reports_its_code_and_its_fix_does_not() {
    let mut failures = Vec::new();
    for &code in Code::ALL {
        let text = code.explanation();
        if UNCHECKED.iter().any(|(c, _)| *c == code) {
            assert!(!text.contains("```python,"), "{code} is listed as unchecked but has marked examples");
            continue;
        }
        let (_, reported, output) = report(code, "compile_fail", &example(code, text, "compile_fail"));
        if !reported.iter().any(|(c, _)| c == code.as_str()) {
            failures.push(format!("{code}: the erroneous example does not report it\n{output}"));
        }
        let (status, reported, output) = report(code, "fixed", &example(code, text, "fixed"));
        let clean =
            status == Some(0) && !reported.iter().any(|(c, severity)| c == code.as_str() || severity == "error");
        if !clean {
            failures.push(format!("{code}: the fixed example is not clean (exit {status:?})\n{output}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explain_prints_examples_without_their_marks() {
    for code in Code::ALL {
        let out = Command::new(env!("CARGO_BIN_EXE_tsc")).args(["explain", code.as_str()]).output().expect("tsc runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("```python,"), "{code}: {text}");
    }
}
