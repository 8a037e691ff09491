//! The recipe's seq2seq chatbot (`examples/chatbot.tsy`) and its form
//! before the recipe's fixes (`examples/chatbot_unfixed.tsy`), against
//! PyTorch 2.5.1.

use libtest_mimic::Trial;
use serde_json::Value;

use super::run_python;
use crate::harness::trial;

fn example(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name).display().to_string()
}

/// argv: the chatbot file. Runs it as Python, then decodes a few sentences
/// with the scripted searcher and, step by step, with the eager encoder and
/// decoder; prints both.
const DECODE: &str = r#"
import json, runpy, sys, torch
ns = runpy.run_path(sys.argv[1])
searcher, encoder, decoder = ns["scripted_searcher"], ns["encoder"], ns["decoder"]
sentences = [[3, 4, 5], [7, 8, 9, 10, 11, 12], [20]]
out = []
with torch.no_grad():
    for s in sentences:
        seq = torch.tensor(s).unsqueeze(1)
        length = torch.tensor([len(s)])
        tokens, scores = searcher(seq, length, 10)
        # The same greedy search, eagerly.
        outputs, hidden = encoder(seq, length)
        hidden = hidden[: decoder.n_layers]
        step = torch.ones(1, 1, dtype=torch.long) * ns["SOS_token"]
        eager = []
        for _ in range(10):
            output, hidden = decoder(step, hidden, outputs)
            score, step = torch.max(output, dim=1)
            eager.append((step.item(), score.item()))
            step = step.unsqueeze(0)
        out.append({"tokens": tokens.tolist(), "scores": scores.tolist(), "eager": eager})
print(json.dumps(out))
"#;

fn chatbot_is_python_that_pytorch_scripts_and_runs() {
    let report: Value = serde_json::from_str(run_python(DECODE, &[&example("chatbot.tsy")]).trim()).expect("JSON");
    let sentences = report.as_array().expect("a list");
    assert_eq!(sentences.len(), 3);
    for s in sentences {
        let tokens: Vec<i64> = s["tokens"].as_array().expect("tokens").iter().filter_map(Value::as_i64).collect();
        let scores: Vec<f64> = s["scores"].as_array().expect("scores").iter().filter_map(Value::as_f64).collect();
        assert_eq!((tokens.len(), scores.len()), (10, 10), "max_length tokens and scores");
        let eager = s["eager"].as_array().expect("eager");
        for (i, step) in eager.iter().enumerate() {
            assert_eq!(step[0].as_i64(), Some(tokens[i]), "token {i}: scripted and eager search agree");
            let score = step[1].as_f64().expect("a score");
            assert!((score - scores[i]).abs() <= 1e-6 && score > 0.0 && score <= 1.0, "score {i}: {score}");
        }
    }
}

/// argv: the unfixed chatbot. Scripts it as PyTorch does, which stops at
/// the first error; fixes that one as the recipe says and scripts again,
/// until it scripts. Prints each error's first line and line number.
const FIRST_ERRORS: &str = r#"
import json, os, re, runpy, sys, tempfile
source = open(sys.argv[1]).read()
fixes = [
    ("encoder_hidden[: decoder.n_layers]", "encoder_hidden[: 2]"),
    ("device=device", 'device=torch.device("cpu")'),
    ("* SOS_token", "* 1"),
    ("input_length, max_length):", "input_length, max_length: int):"),
]
errors = []
folder = tempfile.mkdtemp()
for step in range(len(fixes) + 1):
    path = os.path.join(folder, f"step{step}.py")
    with open(path, "w") as f:
        f.write(source)
    try:
        runpy.run_path(path)
        errors.append(None)
    except RuntimeError as e:
        text = str(e).strip()
        line = int(re.search(r'File "[^"]*step\d+\.py", line (\d+)', text).group(1))
        errors.append({"message": text.splitlines()[0].rstrip(":").rstrip(), "line": line})
    if step < len(fixes):
        old, new = fixes[step]
        assert old in source, old
        source = source.replace(old, new)
print(json.dumps(errors))
"#;

fn chatbot_unfixed_gets_each_of_pytorchs_errors_in_one_check() {
    let file = example("chatbot_unfixed.tsy");
    let theirs: Vec<Value> =
        serde_json::from_str(run_python(FIRST_ERRORS, &[&file]).trim()).expect("FIRST_ERRORS prints JSON");
    assert_eq!(theirs.len(), 5);
    assert_eq!(theirs[4], Value::Null, "the unfixed file scripts once the recipe's fixes are applied");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["check", "--format", "json", &file])
        .output()
        .expect("tsc runs");
    assert_eq!(out.status.code(), Some(1));
    let ours: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON diagnostics");
    for error in &theirs[..4] {
        // PyTorch 2.5.1 misspells "varible"; tsc spells it right.
        let message = error["message"].as_str().expect("message").replace("local varible", "local variable");
        let line = error["line"].as_u64();
        let found = ours.iter().find(|d| d["line"].as_u64() == line && d["message"].as_str() == Some(&message));
        let found = found.unwrap_or_else(|| panic!("PyTorch's `{message}` (line {line:?}) is missing: {ours:#?}"));
        assert!(!found["notes"].as_array().expect("notes").is_empty(), "{message}: a note");
        let helps = found["helps"].as_array().expect("helps").len()
            + found["suggestions"].as_array().expect("suggestions").len();
        assert!(helps > 0, "{message}: a help or a suggested fix");
    }
    assert_eq!(ours.len(), 4, "one diagnostic per problem: {ours:#?}");
}

/// argv: the chatbot file, the work folder. Builds the chatbot as the file
/// does, gives it fresh weights (seeded), saves them as safetensors (the
/// shared embedding under both of its names) and the searcher's own
/// decoding of a few sentences.
const EXPORT_WEIGHTS: &str = r#"
import json, runpy, sys, torch
from safetensors.torch import save_file
ns = runpy.run_path(sys.argv[1])
searcher, out = ns["scripted_searcher"], sys.argv[2]
torch.manual_seed(20261126)
with torch.no_grad():
    for p in searcher.parameters():
        p.uniform_(-0.5, 0.5)
save_file({k: v.detach().clone().contiguous() for k, v in searcher.state_dict().items()}, f"{out}/weights.safetensors")
"#;

/// argv: the chatbot file, the weights, the `.ptl`. PyTorch's own
/// scripted searcher (traced encoder and decoder) with those weights, and
/// our file in the lite interpreter, decode the same sentences.
const DECODE_BOTH: &str = r#"
import json, runpy, sys, torch
from safetensors.torch import load_file
from torch.jit.mobile import _load_for_lite_interpreter
ns = runpy.run_path(sys.argv[1])
searcher = ns["scripted_searcher"]
searcher.load_state_dict(load_file(sys.argv[2]))
ours = _load_for_lite_interpreter(sys.argv[3])
out = []
with torch.no_grad():
    for s in [[3, 4, 5], [7, 8, 9, 10, 11, 12], [20], [49, 1, 2, 0, 17]]:
        seq, length = torch.tensor(s).unsqueeze(1), torch.tensor([len(s)])
        (t1, s1), (t2, s2) = searcher(seq, length, 10), ours(seq, length, 10)
        out.append({"theirs": t1.tolist(), "ours": t2.tolist(), "scores": (s1 - s2).abs().max().item(), "len": len(t2)})
print(json.dumps(out))
"#;

fn decodes_as_pytorch(tag: &str, extra: &[&str]) {
    let dir = std::env::temp_dir().join(format!("tsy-chatbot-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    let file = example("chatbot.tsy");
    run_python(EXPORT_WEIGHTS, &[&file, &dir.display().to_string()]);
    let weights = dir.join("weights.safetensors");
    let ptl = dir.join("chatbot.ptl");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tsc"))
        .args(["compile", &file, "-o"])
        .arg(&ptl)
        .arg("--weights")
        .arg(&weights)
        .args(extra)
        .output()
        .expect("tsc runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning["), "the encoder and decoder are traced, without a warning:\n{stderr}");
    let report: Vec<Value> = serde_json::from_str(
        run_python(DECODE_BOTH, &[&file, &weights.display().to_string(), &ptl.display().to_string()]).trim(),
    )
    .expect("DECODE_BOTH prints JSON");
    assert_eq!(report.len(), 4);
    // The same operators as PyTorch's own export of its searcher (traced
    // encoder and decoder inside), optimized or not.
    let optimize = if extra.contains(&"--no-optimize") { "plain" } else { "optimize" };
    let ops = r#"
import json, runpy, sys, torch
from torch.jit.mobile import _load_for_lite_interpreter, _export_operator_list
from torch.utils.mobile_optimizer import optimize_for_mobile
searcher = runpy.run_path(sys.argv[1])["scripted_searcher"]
if sys.argv[3] == "optimize":
    searcher = optimize_for_mobile(searcher)
searcher._save_for_lite_interpreter(sys.argv[2] + ".pytorch")
print(json.dumps([sorted(_export_operator_list(_load_for_lite_interpreter(p))) for p in (sys.argv[2], sys.argv[2] + ".pytorch")]))
"#;
    let lists: Vec<Value> =
        serde_json::from_str(run_python(ops, &[&file, &ptl.display().to_string(), optimize]).trim()).expect("JSON");
    assert_eq!(lists[0], lists[1], "{tag}: the operators differ from PyTorch's export of its searcher");
    for sentence in &report {
        assert_eq!(sentence["len"], 10, "max_length tokens");
        assert_eq!(sentence["ours"], sentence["theirs"], "the same tokens");
        let error = sentence["scores"].as_f64().expect("a difference");
        assert!(error <= 1e-5, "scores differ by {error}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The chatbot as `_save_for_lite_interpreter` writes the scripted searcher
/// (no mobile passes): greedy decoding in the lite interpreter agrees with
/// PyTorch's own scripted searcher, token for token.
fn chatbot_decodes_as_pytorch_in_the_lite_interpreter() {
    decodes_as_pytorch("scripted", &["--no-optimize"]);
}

/// The chatbot optimized as `optimize_for_mobile` does (the default): the
/// GRUs' frozen weight lists, prepacked linear layers; the same tokens, and
/// scores within 1e-5 of PyTorch's scripted searcher.
fn optimized_chatbot_decodes_as_pytorch_in_the_lite_interpreter() {
    decodes_as_pytorch("optimized", &[]);
}

/// argv: the chatbot file, the weights, the work folder. Writes each
/// sentence's inputs for `tsc run` (`inputs{i}.safetensors`: the tokens,
/// the length, max_length as a 0-dim tensor) and PyTorch's decoding of it
/// (`expected{i}.safetensors`).
const RUN_INPUTS: &str = r#"
import runpy, sys, torch
from safetensors.torch import load_file, save_file
ns = runpy.run_path(sys.argv[1])
searcher = ns["scripted_searcher"]
searcher.load_state_dict(load_file(sys.argv[2]))
with torch.no_grad():
    for i, s in enumerate([[3, 4, 5], [7, 8, 9, 10, 11, 12], [20], [49, 1, 2, 0, 17]]):
        seq, length = torch.tensor(s).unsqueeze(1), torch.tensor([len(s)])
        save_file({"input0": seq, "input1": length, "input2": torch.tensor(10)}, f"{sys.argv[3]}/inputs{i}.safetensors")
        tokens, scores = searcher(seq, length, 10)
        save_file({"tokens": tokens, "scores": scores}, f"{sys.argv[3]}/expected{i}.safetensors")
"#;

/// `tsc run` decodes as PyTorch's scripted searcher does: the same tokens,
/// scores within 1e-5, as scripted and optimized.
fn tsc_run_decodes_as_pytorch() {
    let dir = std::env::temp_dir().join(format!("tsy-chatbot-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    let file = example("chatbot.tsy");
    let dir_arg = dir.display().to_string();
    run_python(EXPORT_WEIGHTS, &[&file, &dir_arg]);
    let weights = dir.join("weights.safetensors").display().to_string();
    run_python(RUN_INPUTS, &[&file, &weights, &dir_arg]);
    let compare = r#"
import sys
from safetensors.torch import load_file
ours, theirs = load_file(sys.argv[1]), load_file(sys.argv[2])
assert ours["output0"].tolist() == theirs["tokens"].tolist(), (ours["output0"], theirs["tokens"])
print(float((ours["output1"] - theirs["scores"]).abs().max()))
"#;
    for mode in [&["--no-optimize"][..], &[]] {
        for i in 0..4 {
            let outputs = dir.join(format!("ours{i}.safetensors"));
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_tsc"))
                .args(["run", &file, "--weights", &weights, "--inputs"])
                .arg(dir.join(format!("inputs{i}.safetensors")))
                .arg("-o")
                .arg(&outputs)
                .args(mode)
                .output()
                .expect("tsc runs");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let expected = dir.join(format!("expected{i}.safetensors")).display().to_string();
            let error: f64 = run_python(compare, &[&outputs.display().to_string(), &expected])
                .trim()
                .parse()
                .expect("the scores' difference");
            assert!(error <= 1e-5, "sentence {i} {mode:?}: scores differ by {error}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![
        trial(
            "chatbot::chatbot_is_python_that_pytorch_scripts_and_runs",
            chatbot_is_python_that_pytorch_scripts_and_runs,
        ),
        trial(
            "chatbot::chatbot_unfixed_gets_each_of_pytorchs_errors_in_one_check",
            chatbot_unfixed_gets_each_of_pytorchs_errors_in_one_check,
        ),
        trial(
            "chatbot::chatbot_decodes_as_pytorch_in_the_lite_interpreter",
            chatbot_decodes_as_pytorch_in_the_lite_interpreter,
        ),
        trial(
            "chatbot::optimized_chatbot_decodes_as_pytorch_in_the_lite_interpreter",
            optimized_chatbot_decodes_as_pytorch_in_the_lite_interpreter,
        ),
        trial("chatbot::tsc_run_decodes_as_pytorch", tsc_run_decodes_as_pytorch),
    ]
}
