//! The `tsc` binary as a user meets it: exit codes, output formats, colour,
//! `explain`, and never a crash (exit 101) on bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tsc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tsc")).args(args).env_remove("NO_COLOR").output().expect("the tsc binary runs")
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsy-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("temp file");
    path
}

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path).display().to_string()
}

#[test]
fn clean_file_exits_zero_with_no_output() {
    let out = tsc(&["check", &fixture("examples/resnet18.tsy")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn errors_exit_one_and_human_output_goes_to_stderr() {
    let out = tsc(&["check", "--color", "never", &fixture("tests/fixtures/invalid/three_independent.tsy")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("error[E").count(), 3, "{stderr}");
    assert!(stderr.ends_with("error: 3 errors found\n"), "{stderr}");
    assert!(!stderr.contains('\x1b'), "colour must be off with --color never");
}

#[test]
fn color_always_colours_the_output() {
    let out = tsc(&["check", "--color", "always", &fixture("tests/fixtures/invalid/numbers.tsy")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains('\x1b'));
}

#[test]
fn short_format_is_one_line_per_diagnostic() {
    let file = fixture("tests/fixtures/invalid/three_independent.tsy");
    let out = tsc(&["check", "--format", "short", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{file}:5:9: error[E1001]: expected `->` or `:`, found end of line"),
            format!("{file}:10:13: error[E1001]: expected an expression, found `*`"),
            format!("{file}:16:18: error[E1009]: invalid character `$` (U+0024)"),
        ]
    );
}

#[test]
fn json_format_is_an_array_with_the_documented_fields() {
    let file = fixture("tests/fixtures/invalid/numbers.tsy");
    let out = tsc(&["check", "--format", "json", &file]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let items = value.as_array().expect("a JSON array");
    assert_eq!(items.len(), 3);
    let first = &items[0];
    assert_eq!(first["code"], "E1010");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], file.as_str());
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(1), Some(5)));
    assert_eq!((first["end_line"].as_u64(), first["end_column"].as_u64()), (Some(1), Some(7)));
    assert_eq!((first["start"].as_u64(), first["end"].as_u64()), (Some(4), Some(6)));
    for key in ["message", "labels", "notes", "helps", "suggestions"] {
        assert!(first.get(key).is_some(), "missing `{key}` in {first}");
    }
    let leading_zero = &items[2];
    let suggestion = &leading_zero["suggestions"][0];
    assert_eq!(suggestion["replacement"], "0o12");
    assert_eq!(suggestion["applicability"], "maybe-incorrect");
}

#[test]
fn json_of_a_clean_file_is_an_empty_array() {
    let out = tsc(&["check", "--format", "json", &fixture("examples/decision_gate.tsy")]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(value, serde_json::json!([]));
}

#[test]
fn several_files_are_checked_in_one_run() {
    let out = tsc(&[
        "check",
        "--format",
        "short",
        &fixture("examples/resnet18.tsy"),
        &fixture("tests/fixtures/invalid/numbers.tsy"),
        &fixture("tests/fixtures/invalid/mismatched_bracket.tsy"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);
}

#[test]
fn missing_file_and_bad_flags_exit_two() {
    let out = tsc(&["check", "/nonexistent/model.tsy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    assert_eq!(tsc(&["check", "--format", "xml", "a.tsy"]).status.code(), Some(2));
    assert_eq!(tsc(&["check"]).status.code(), Some(2));
    assert_eq!(tsc(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn invalid_utf8_is_a_diagnostic_not_a_crash() {
    let path = temp_file("latin1.tsy", b"x = 1\ny = '\xe9'\n");
    let out = tsc(&["check", "--format", "short", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(":2:6: error[E1009]: source file is not valid UTF-8"), "{stdout}");
}

#[test]
fn garbage_never_crashes_the_binary() {
    for (i, bytes) in
        [&b"\x00\xff\xfe(((("[..], b"def (:\n\t \x0c\r\r\n  )]}", b"f'{'\"\"\"{{}}", b"\\"].iter().enumerate()
    {
        let path = temp_file(&format!("garbage{i}.tsy"), bytes);
        let out = tsc(&["check", &path.display().to_string()]);
        assert_eq!(out.status.code(), Some(1), "input {bytes:?}");
    }
}

#[test]
fn explain_prints_every_code_and_rejects_unknown_ones() {
    for code in tsy::diag::Code::ALL {
        let out = tsc(&["explain", code.as_str()]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.starts_with(&format!("# {}: {}", code.as_str(), code.title())), "{code}: {text}");
        assert!(text.contains("```"), "{code} explanation has no example");
    }
    assert_eq!(tsc(&["explain", "e1001"]).status.code(), Some(0));
    let out = tsc(&["explain", "E9999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn version_and_help() {
    let out = tsc(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tsc "));
    let out = tsc(&["help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("check") && help.contains("explain"));
}

/// A safetensors file written without PyTorch.
fn safetensors_file(name: &str, tensors: &[(&str, Vec<usize>)]) -> PathBuf {
    use safetensors::tensor::{Dtype, TensorView};
    let data: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(n, shape)| (n.to_string(), vec![0u8; shape.iter().product::<usize>() * 4], shape.clone()))
        .collect();
    let views: Vec<(String, TensorView<'_>)> = data
        .iter()
        .map(|(n, bytes, shape)| (n.clone(), TensorView::new(Dtype::F32, shape.clone(), bytes).expect("valid view")))
        .collect();
    let bytes = safetensors::tensor::serialize(views, None).expect("serializes");
    temp_file(name, &bytes)
}

#[test]
fn mismatched_weights_give_one_diagnostic_naming_every_bad_key() {
    let weights = safetensors_file(
        "mismatch.safetensors",
        &[("linear.weight", vec![3, 4]), ("linear.extra", vec![4]), ("other.bias", vec![2])],
    );
    let out = tsc(&[
        "inspect",
        "--color",
        "never",
        "--weights",
        &weights.display().to_string(),
        &fixture("examples/decision_gate.tsy"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&fixture(""), "$DIR/");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("cli__weights_mismatch", stderr);
    });
}

#[test]
fn corrupt_weights_are_a_diagnostic() {
    let weights = temp_file("corrupt.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": [1, 2");
    let out = tsc(&[
        "inspect",
        "--format",
        "short",
        "--weights",
        &weights.display().to_string(),
        &fixture("examples/decision_gate.tsy"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("error[E5008]: cannot load weights from"), "{stdout}");
}

#[test]
fn inspect_json_lists_the_state_dict() {
    let out = tsc(&["inspect", "--format", "json", &fixture("examples/decision_gate.tsy")]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["entry"], "scripted");
    assert_eq!(report["parameters"], 20);
    assert_eq!(report["modules"]["qualified_name"], "__torch__.MyCell");
    assert_eq!(report["modules"]["children"][1]["qualified_name"], "__torch__.torch.nn.modules.linear.Linear");
    let names: Vec<&str> =
        report["state"].as_array().expect("rows").iter().map(|r| r["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["linear.weight", "linear.bias"]);
}

#[test]
fn entry_is_chosen_by_name_or_reported() {
    let out = tsc(&["inspect", "--format", "json", "--entry", "model", &fixture("examples/resnet18.tsy")]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["entry"], "model");
    let out = tsc(&["inspect", "--format", "short", "--entry", "nothing", &fixture("examples/resnet18.tsy")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("error[E5007]: no module-level name `nothing` in this file"), "{stdout}");
    let path = temp_file("no_entry.tsy", b"import torch\nx = 1\n");
    let out = tsc(&["inspect", "--format", "short", &path.display().to_string()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("error[E5007]: no entry module or function to compile"));
}

#[test]
fn check_never_writes_the_files_a_model_saves() {
    let target = std::env::temp_dir().join(format!("tsy-never-written-{}.ptl", std::process::id()));
    let source = format!(
        "import torch\nimport torch.nn as nn\nm = torch.jit.script(nn.Linear(2, 2))\nm._save_for_lite_interpreter({:?})\nm.save({:?})\n",
        target.display().to_string(),
        target.display().to_string()
    );
    let path = temp_file("saves.tsy", source.as_bytes());
    let out = tsc(&["check", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!target.exists(), "check wrote {}", target.display());
}

#[test]
fn compile_prints_code_and_graph_and_writes_outputs_whole() {
    let file = fixture("tests/fixtures/compile/loops.tsy");
    let code = tsc(&["compile", &file, "--emit", "code"]);
    assert_eq!(code.status.code(), Some(0), "{}", String::from_utf8_lossy(&code.stderr));
    let code = String::from_utf8_lossy(&code.stdout).into_owned();
    assert!(code.starts_with("def accumulate(x: Tensor,\n"), "{code}");
    let graph = tsc(&["compile", &file, "--emit", "graph"]);
    let graph = String::from_utf8_lossy(&graph.stdout).into_owned();
    assert!(graph.starts_with("graph(%x.1 : Tensor,\n") && graph.contains("prim::Loop"), "{graph}");

    // `-o` writes exactly what stdout would have shown.
    let out = std::env::temp_dir().join(format!("tsy-cli-{}", std::process::id())).join("loops.code");
    std::fs::create_dir_all(out.parent().expect("has a parent")).expect("temp dir");
    let written = tsc(&["compile", &file, "--emit", "code", "-o", &out.display().to_string()]);
    assert_eq!(written.status.code(), Some(0));
    assert!(written.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&out).expect("written"), code);

    // A failed compile leaves an existing output untouched and creates nothing.
    let broken = temp_file("broken.tsy", b"import torch\ndef f(x, n):\n    for i in range(n):\n        x = x + 1\n    return x\ns = torch.jit.script(f)\n");
    let failed = tsc(&["compile", &broken.display().to_string(), "--emit", "code", "-o", &out.display().to_string()]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("all inputs of range must be ints"));
    assert_eq!(std::fs::read_to_string(&out).expect("still there"), code);
    let fresh = out.with_file_name("never.code");
    let failed = tsc(&["compile", &broken.display().to_string(), "--emit", "code", "-o", &fresh.display().to_string()]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(!fresh.exists());
    let leftovers = std::fs::read_dir(out.parent().expect("has a parent"))
        .expect("temp dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tsc-"))
        .count();
    assert_eq!(leftovers, 0, "temporary files left behind");
}

#[test]
fn compile_says_where_it_stops() {
    // A `with` block: valid TorchScript that this compiler does not lower yet.
    let file = temp_file(
        "with.tsy",
        b"import torch\n\n\ndef halve(x):\n    with torch.no_grad():\n        y = x / 2\n    return y\n\n\nf = torch.jit.script(halve)\n",
    );
    let path = file.display().to_string();
    assert_eq!(tsc(&["check", &path]).status.code(), Some(0));
    let out = tsc(&["compile", &path, "--emit", "code", "--format", "short"]);
    assert_eq!(out.status.code(), Some(1));
    // Short diagnostics go to stdout, like `tsc check`'s; no code is printed.
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("with.tsy:5:5: error[E3010]: tsc cannot compile this statement yet"), "{text}");

    // The same file as a .ptl: the same stop, and no file.
    let out_path = file.with_extension("ptl");
    let ptl = tsc(&["compile", &path, "-o", &out_path.display().to_string(), "--format", "short"]);
    assert_eq!(ptl.status.code(), Some(1));
    assert!(!out_path.exists());
}

#[test]
fn compile_writes_the_same_ptl_twice_and_never_a_partial_file() {
    let dir = std::env::temp_dir().join(format!("tsy-cli-ptl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let gate = fixture("examples/decision_gate.tsy");
    let (first, second) = (dir.join("a.ptl"), dir.join("b.ptl"));
    for out in [&first, &second] {
        let run = tsc(&["compile", &gate, "-o", &out.display().to_string()]);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    }
    let bytes = std::fs::read(&first).expect("written");
    assert_eq!(&bytes[..2], b"PK", "a zip archive");
    // The archive folder is named after the output file, so compare the
    // records: same names under the folder, same contents.
    let records = |path: &Path| -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).expect("readable")).expect("a zip");
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).expect("a record");
                let name = f.name().expect("a UTF-8 name").split_once('/').expect("under one folder").1.to_string();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut data).expect("readable");
                (name, data)
            })
            .collect()
    };
    assert_eq!(records(&first), records(&second), "deterministic output");
    let again = dir.join("a.ptl");
    let run = tsc(&["compile", &gate, "-o", &again.display().to_string()]);
    assert!(run.status.success());
    assert_eq!(std::fs::read(&again).expect("written"), bytes, "byte-identical for the same output name");

    // `--emit bytecode` disassembles what would be written: optimized by
    // default (the linear layer prepacked), as scripted with --no-optimize.
    let run = tsc(&["compile", &gate, "--emit", "bytecode"]);
    assert!(run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("function __torch__.MyCell.forward"), "{text}");
    assert!(text.contains("('prepacked::linear_clamp_run', '', 2)") && text.contains("LinearOpContext"), "{text}");
    let run = tsc(&["compile", &gate, "--emit", "bytecode", "--no-optimize"]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("('aten::linear', '', 3)") && text.contains("TUPLE_CONSTRUCT"), "{text}");

    // An unwritable output path: exit 2, nothing written.
    let missing = dir.join("no/such/folder/m.ptl");
    let run = tsc(&["compile", &gate, "-o", &missing.display().to_string()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("cannot write"));
    assert!(!missing.exists());

    // Bad weights: a diagnostic, and the existing file is left untouched.
    let weights = dir.join("bad.safetensors");
    std::fs::write(&weights, b"not a weights file").expect("temp file");
    let run = tsc(&["compile", &gate, "-o", &first.display().to_string(), "--weights", &weights.display().to_string()]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("error[E5008]"));
    assert_eq!(std::fs::read(&first).expect("still there"), bytes);

    // A scripted function is not a module: E4003, no file.
    let function = temp_file(
        "function.tsy",
        b"import torch\n\n\n@torch.jit.script\ndef twice(x: torch.Tensor) -> torch.Tensor:\n    return x * 2\n",
    );
    let out = dir.join("f.ptl");
    let run = tsc(&["compile", &function.display().to_string(), "-o", &out.display().to_string()]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("error[E4003]"), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn verbose_lists_every_overload_of_a_call_no_overload_accepts() {
    let file = temp_file(
        "overloads.tsy",
        b"import torch\n\n\ndef f(x: torch.Tensor, s: str) -> torch.Tensor:\n    return torch.add(x, s)\n\n\ng = torch.jit.script(f)\n",
    );
    let path = file.display().to_string();
    let overloads = tsy::ops::registry().overloads("aten::add").len();
    let json = |args: &[&str]| -> Vec<String> {
        let out = tsc(&[&["check", &path, "--format", "json"][..], args].concat());
        assert_eq!(out.status.code(), Some(1));
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let notes = value[0]["notes"].as_array().expect("notes").iter();
        notes.map(|n| n.as_str().expect("a note").to_string()).collect()
    };
    let closest = json(&[]);
    assert_eq!(closest.len(), 4, "{closest:#?}");
    assert!(
        closest[3].contains(&format!("{} more overloads of `aten::add` do not fit", overloads - 3)),
        "{closest:#?}"
    );
    let all = json(&["--verbose"]);
    assert_eq!(all.len(), overloads, "{all:#?}");
    assert!(all.iter().all(|n| n.starts_with("aten::add")), "{all:#?}");
}

// ---------------------------------------------------------------------------
// `tsc inspect FILE.ptl`

/// A protocol-2 pickle of `(8, forward)`: one function with two operators
/// and the tables a lite-interpreter file has, as PyTorch lays them out.
fn ptl_bytecode() -> Vec<u8> {
    fn s(out: &mut Vec<u8>, text: &str) {
        out.push(b'X');
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    fn row(out: &mut Vec<u8>, name: &str, body: impl FnOnce(&mut Vec<u8>)) {
        s(out, name);
        body(out);
        out.push(0x86); // TUPLE2
    }
    let mut p = b"\x80\x02(K\x08(".to_vec();
    s(&mut p, "__torch__.Gate.forward");
    p.push(b'(');
    row(&mut p, "instructions", |p| {
        p.push(b'(');
        for (op, x, n) in [("STOREN", 1, 2), ("MOVE", 2, 0), ("OP", 0, 0), ("OP", 1, 0), ("RET", 0, 0)] {
            s(p, op);
            p.extend_from_slice(&[b'K', x, b'K', n, 0x87]);
        }
        p.push(b't');
    });
    row(&mut p, "operators", |p| {
        p.push(b'(');
        for (name, overload, n) in [("aten::neg", "", 1), ("aten::add", "Scalar", 2)] {
            s(p, name);
            s(p, overload);
            p.extend_from_slice(&[b'K', n, 0x87]);
        }
        p.push(b't');
    });
    row(&mut p, "constants", |p| p.push(b')'));
    row(&mut p, "types", |p| p.push(b')'));
    row(&mut p, "register_size", |p| p.extend_from_slice(b"K\x02"));
    p.push(b't');
    p.push(b'(');
    row(&mut p, "arguments", |p| p.push(b')'));
    row(&mut p, "returns", |p| p.push(b')'));
    p.extend_from_slice(b"ttt.");
    p
}

fn zip_bytes(records: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in records {
        w.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
        )
        .expect("a record starts");
        w.write_all(data).expect("in memory");
    }
    w.finish().expect("in memory").into_inner()
}

fn gate_ptl() -> Vec<u8> {
    zip_bytes(&[("gate/bytecode.pkl", &ptl_bytecode()), ("gate/version", b"3\n")])
}

#[test]
fn inspect_ptl_prints_versions_tables_and_disassembly() {
    let path = temp_file("gate.ptl", &gate_ptl()).display().to_string();
    let out = tsc(&["inspect", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "bytecode version: 8",
        "operator version: 3 (record `version`)",
        "function __torch__.Gate.forward",
        "      1  ('aten::add', 'Scalar', 2)",
        "       2: OP                        0   0  # aten::neg",
        "       3: OP                        1   0  # aten::add.Scalar",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
    }

    let ops = tsc(&["inspect", "--ops", &path]);
    assert_eq!(ops.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ops.stdout), "aten::add.Scalar\naten::neg\n");
    let ops = tsc(&["inspect", "--ops", "--format", "json", &path]);
    let ops: serde_json::Value = serde_json::from_slice(&ops.stdout).expect("JSON");
    assert_eq!(ops, serde_json::json!(["aten::add.Scalar", "aten::neg"]));

    let json = tsc(&["inspect", "--format", "json", &path]);
    assert_eq!(json.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["bytecode_version"], 8);
    assert_eq!(report["archive"], "gate");
    assert_eq!(report["functions"][0]["instructions"].as_array().map(Vec::len), Some(5));
    assert_eq!(report["functions"][0]["operators"][1]["num_specified_args"], 2);

    let short = tsc(&["inspect", "--format", "short", &path]);
    assert_eq!(short.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&short.stdout).lines().count(), 1);

    // A zip is read as a .ptl whatever its name.
    let renamed = temp_file("gate.bin", &gate_ptl()).display().to_string();
    let out = tsc(&["inspect", "--ops", &renamed]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "aten::add.Scalar\naten::neg\n");
}

#[test]
fn inspect_ptl_rejects_garbage_and_truncated_files_with_e4001() {
    let gate = gate_ptl();
    let bad_pickle = zip_bytes(&[("gate/bytecode.pkl", b"\x80\x02(K\x08"), ("gate/version", b"3\n")]);
    let no_bytecode = zip_bytes(&[("gate/data.pkl", b"\x80\x02}."), ("gate/version", b"3\n")]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.ptl", Vec::new(), "it is not a zip archive, or it is truncated"),
        ("garbage.ptl", b"\x00\xff garbage \x01\x02".to_vec(), "it is not a zip archive, or it is truncated"),
        ("source.ptl", b"import torch\n".to_vec(), "it is not a zip archive, or it is truncated"),
        ("half.ptl", gate[..gate.len() / 2].to_vec(), "it is not a zip archive, or it is truncated"),
        ("tail.ptl", gate[..gate.len() - 1].to_vec(), "it is not a zip archive, or it is truncated"),
        ("nobytecode.ptl", no_bytecode.clone(), "the archive has no `gate/bytecode.pkl` record"),
        ("nobytecode.zip", no_bytecode, "the archive has no `gate/bytecode.pkl` record"),
        ("badpickle.ptl", bad_pickle, "`gate/bytecode.pkl` ends without a STOP opcode"),
    ];
    for (name, bytes, cause) in cases {
        let path = temp_file(name, &bytes).display().to_string();
        let out = tsc(&["inspect", "--format", "short", &path]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let expected = format!("{path}:1:1: error[E4001]: not a valid .ptl file: {cause}");
        assert!(text.starts_with(&expected), "{name}: {text}");

        let human = tsc(&["inspect", "--color", "never", &path]);
        assert_eq!(human.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&human.stderr);
        assert!(stderr.starts_with("error[E4001]: not a valid .ptl file: "), "{name}: {stderr}");
        assert!(stderr.contains("tsc explain E4001"), "{name}: {stderr}");
    }
    // Every cut of a valid file: an error, never a crash.
    for len in (0..gate.len()).step_by(7) {
        let path = temp_file("cut.ptl", &gate[..len]).display().to_string();
        assert_eq!(tsc(&["inspect", &path]).status.code(), Some(1), "cut to {len} bytes");
    }
}

#[test]
fn inspect_ptl_flags_that_do_not_apply_are_usage_errors() {
    let ptl = temp_file("flags.ptl", &gate_ptl()).display().to_string();
    let out = tsc(&["inspect", "--entry", "model", &ptl]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`--entry` and `--weights` apply to .tsy files"));
    let out = tsc(&["inspect", "--ops", &fixture("examples/decision_gate.tsy")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`--ops` applies to .ptl files"));
    let out = tsc(&["inspect", "/nonexistent/model.ptl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn a_traced_entry_is_traced_or_else_scripted_and_says_so() {
    let gate = std::fs::read_to_string(fixture("examples/decision_gate.tsy")).expect("the example exists");
    let traced = gate.replace("scripted = torch.jit.script(model)", "traced = torch.jit.trace(model, example_inputs)");
    assert_ne!(traced, gate, "the example scripts its model");
    let file = temp_file("traced_gate.tsy", traced.as_bytes());
    let out_path = file.with_extension("ptl");
    let run =
        tsc(&["compile", &file.display().to_string(), "-o", &out_path.display().to_string(), "--format", "short"]);
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains(":11:12: warning[W1001]: TracerWarning: Converting a tensor to a Python boolean"), "{text}");
    assert!(!text.contains("W4002"), "{text}");
    assert!(out_path.exists());

    // An operator the interpreter cannot run yet: the module is scripted.
    let shuffle = temp_file(
        "traced_shuffle.tsy",
        b"import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return torch.cumprod(x, 0)\n\n\ntraced = torch.jit.trace(Net(), (torch.rand(1, 4, 2, 2),))\n",
    );
    let out_path = shuffle.with_extension("ptl");
    let run =
        tsc(&["compile", &shuffle.display().to_string(), "-o", &out_path.display().to_string(), "--format", "short"]);
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("warning[W4002]: this traced module was compiled by scripting it"), "{text}");
    assert!(out_path.exists());
}

/// PyTorch's tracer takes tensors and lists, dicts and tuples of them; a
/// Python number among the example inputs would be baked into the trace, so
/// PyTorch 2.5.1 refuses it (its message, from `torch.jit.trace(m,
/// (torch.ones(2), 3))` under the reference environment) and so does tsc,
/// writing no file.
#[test]
fn a_python_number_is_not_a_trace_input() {
    let file = temp_file(
        "traced_number.tsy",
        b"import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x, n):\n        return x * n\n\n\ntraced = torch.jit.trace(Net(), (torch.ones(2), 3))\n",
    );
    let out_path = file.with_extension("ptl");
    let run = tsc(&["compile", &file.display().to_string(), "-o", &out_path.display().to_string()]);
    assert_eq!(run.status.code(), Some(1));
    let text = String::from_utf8_lossy(&run.stderr);
    assert!(
        text.contains(
            "error[E6001]: Type 'Tuple[Tensor, int]' cannot be traced. Only Tensors and (possibly nested) Lists, Dicts, and Tuples of Tensors can be traced"
        ),
        "{text}"
    );
    assert!(!out_path.exists());
}

#[test]
fn run_prints_and_writes_the_outputs_and_says_what_inputs_are_missing() {
    let gate = fixture("examples/decision_gate.tsy");
    let out_file = std::env::temp_dir().join(format!("tsy-cli-{}/gate-out.safetensors", std::process::id()));
    std::fs::create_dir_all(out_file.parent().expect("a folder")).expect("temp dir");
    let out = tsc(&["run", &gate, "-o", &out_file.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.starts_with("output0: Tensor[3, 4] torch.float32"), "{printed}");
    assert!(printed.contains("output1: Tensor[3, 4] torch.float32"), "{printed}");
    let written = std::fs::read(&out_file).expect("tsc run -o writes the outputs");
    let file = safetensors::SafeTensors::deserialize(&written).expect("a safetensors file");
    let mut names = file.names();
    names.sort();
    assert_eq!(names, ["output0", "output1"]);
    assert_eq!(file.tensor("output0").expect("output0").shape(), [3, 4]);

    // No example inputs in the file: E6002 says where they go.
    let bare = temp_file(
        "no_inputs.tsy",
        b"import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x + 1\n\n\nmodel = Net()\n",
    );
    let out = tsc(&["run", "--color", "never", &bare.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[E6002]") && stderr.contains("example_inputs"), "{stderr}");

    // An inputs file with the wrong names or not a safetensors file: E6003.
    let wrong = safetensors_file("wrong_inputs.safetensors", &[("x", vec![3, 4])]);
    let out = tsc(&["run", "--color", "never", &gate, "--inputs", &wrong.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E6003]"));
    let garbage = temp_file("garbage.safetensors", b"not a safetensors file");
    let out = tsc(&["run", "--color", "never", &gate, "--inputs", &garbage.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E6003]"));
}

#[test]
fn tracing_the_gate_warns_at_its_condition() {
    let out =
        tsc(&["compile", "--trace", "--emit", "graph", "--color", "never", &fixture("examples/decision_gate.tsy")]);
    assert_eq!(out.status.code(), Some(0), "a warning does not fail the compile");
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
        .replace(&fixture(""), "$DIR/");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true, input_file => fixture("examples/decision_gate.tsy")}, {
        insta::assert_snapshot!("cli__trace_gate", text);
    });
}

/// The chatbot before the recipe's fixes: all three documented errors (four
/// diagnostics: the decoder's layer count, the two closed-over globals,
/// `range` of an unannotated parameter) in one run, each with a note and
/// the recipe's fix; the fixed chatbot checks clean.
#[test]
fn chatbot_unfixed_reports_the_recipes_three_errors_at_once() {
    let out = tsc(&["check", "--color", "never", &fixture("examples/chatbot_unfixed.tsy")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&fixture(""), "$DIR/");
    for code in ["E2002", "E2001", "E2003"] {
        assert!(stderr.contains(&format!("error[{code}]")), "{code} missing:\n{stderr}");
    }
    assert!(stderr.matches("   = note: ").count() >= 4, "every error has a note:\n{stderr}");
    assert_eq!(stderr.matches("error[").count(), 4, "{stderr}");
    assert!(stderr.matches("   = help: ").count() >= 4, "every error has a help:\n{stderr}");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true, input_file => fixture("examples/chatbot_unfixed.tsy")}, {
        insta::assert_snapshot!("cli__chatbot_unfixed", stderr);
    });
    let fixed = tsc(&["check", &fixture("examples/chatbot.tsy")]);
    assert_eq!(fixed.status.code(), Some(0), "{}", String::from_utf8_lossy(&fixed.stderr));
}

/// The chatbot's traced encoder as tsc records it: PyTorch's operators
/// (tests/interop/trace.rs compares them with torch.jit.trace's), packed
/// sequences, sizes kept as traced values.
#[test]
fn the_chatbot_encoders_trace() {
    let out = tsc(&[
        "compile",
        "--emit",
        "graph",
        "--entry",
        "traced_encoder",
        "--color",
        "never",
        &fixture("examples/chatbot.tsy"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).replace(&fixture(""), "$DIR/");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true, input_file => fixture("examples/chatbot.tsy")}, {
        insta::assert_snapshot!("cli__trace_chatbot_encoder", text);
    });
}

/// The model's own modules are found beside it and in `--path` folders,
/// and an error in one points into that file (PyTorch's words and place:
/// `undefined value missing` in `helpers.py`, line 6).
#[test]
fn modules_of_the_model_are_imported_from_path_folders_and_checked() {
    let model = temp_file(
        "uses_helpers.tsy",
        b"import torch\nimport torch.nn as nn\nfrom helpers import Twice\n\nmodel = torch.jit.script(Twice())\n",
    );
    let folder = model.parent().expect("a folder").join("path_folder");
    std::fs::create_dir_all(&folder).expect("a folder");
    let helpers = folder.join("helpers.py");
    let source = "import torch.nn as nn\n\n\nclass Twice(nn.Module):\n    def forward(self, x):\n        return x * 2 + missing\n";
    std::fs::write(&helpers, source).expect("helpers.py");
    let out = tsc(&["check", "--format", "short", &model.display().to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("error[E5005]: `import helpers`"), "{stdout}");
    assert!(stdout.contains("`helpers` is none of them"), "{stdout}");
    let path = folder.display().to_string();
    let out = tsc(&["check", "--format", "short", "--path", &path, &model.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = format!("{}:6:24: error[E2004]: undefined value missing", helpers.display());
    assert!(stdout.contains(&expected), "{stdout}");
}

/// A traced forward run in the host that refills a traced tensor in place
/// (`y.zero_()`): the trace cannot record the refill yet, so compile stops
/// at it rather than writing a graph that computes with the old values.
#[test]
fn an_in_place_refill_in_a_forward_traced_by_running_it_is_refused() {
    let source = b"import torch\nimport torch.nn as nn\n\n\nclass Z(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc0 = nn.Linear(3, 3)\n\n    def forward(self, x):\n        y = getattr(self, 'fc' + '0')(x)\n        y.zero_()\n        return y + x\n\n\nmodel = Z().eval()\nexample_inputs = (torch.ones(2, 3),)\ntraced = torch.jit.trace(model, example_inputs)\n";
    let file = temp_file("refill_traced.tsy", source);
    let out_file = file.with_extension("ptl");
    let out =
        tsc(&["compile", "--format", "short", &file.display().to_string(), "-o", &out_file.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(":12:9: error[E6001]: `zero_` of a traced tensor cannot be traced yet"), "{stdout}");
    assert!(!out_file.exists(), "no .ptl is written");
}

/// `print` in compiled code shows values as TorchScript's runtime does
/// (c10's printing): PyTorch 2.5.1 printed `2. 0.10000000000000001 [1.5]
/// a (1, 2.)` for this function (run with the reference python).
#[test]
fn print_in_compiled_code_shows_values_as_torchscript_does() {
    let source = b"import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor) -> torch.Tensor:\n    print(2.0, 0.1, [1.5], \"a\", (1, 2.0))\n    return x + 1\n\n\nexample_inputs = (torch.ones(1),)\n";
    let file = temp_file("print_values.tsy", source);
    let out = tsc(&["run", &file.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().next(), Some("2. 0.10000000000000001 [1.5] a (1, 2.)"), "{stdout}");
}
