//! `tsc check --fix` against PyTorch 2.5.1: what it writes is a model
//! PyTorch scripts, and it computes what the recipe's own fix computes.

use libtest_mimic::Trial;
use serde_json::Value;

use super::run_python;
use crate::harness::trial;

fn example(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

fn tsc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tsc")).args(args).output().expect("tsc runs")
}

/// The one fix `--fix` leaves as a help (E2002's: the constructor takes
/// `decoder.n_layers`), applied as that help says.
const N_LAYERS_BY_HAND: &[(&str, &str)] = &[
    ("def __init__(self, encoder, decoder):", "def __init__(self, encoder, decoder, decoder_n_layers):"),
    (
        "        self.decoder = decoder\n",
        "        self.decoder = decoder\n        self._decoder_n_layers = decoder_n_layers\n",
    ),
    (
        "decoder_hidden = encoder_hidden[: decoder.n_layers]",
        "decoder_hidden = encoder_hidden[: self._decoder_n_layers]",
    ),
    (
        "GreedySearchDecoder(traced_encoder, traced_decoder)",
        "GreedySearchDecoder(traced_encoder, traced_decoder, decoder.n_layers)",
    ),
];

/// argv: two chatbot files. Runs both as Python (each scripts its searcher
/// at module level, with the same seeded weights) and prints each
/// searcher's decoding of a few sentences.
const DECODE_BOTH: &str = r#"
import json, runpy, sys, torch
out = []
for path in sys.argv[1:]:
    searcher = runpy.run_path(path)["scripted_searcher"]
    assert isinstance(searcher, torch.jit.ScriptModule), type(searcher)
    with torch.no_grad():
        decoded = []
        for s in [[3, 4, 5], [7, 8, 9, 10, 11, 12], [20]]:
            tokens, scores = searcher(torch.tensor(s).unsqueeze(1), torch.tensor([len(s)]), 10)
            decoded.append({"tokens": tokens.tolist(), "scores": scores.tolist()})
    out.append(decoded)
print(json.dumps(out))
"#;

/// `--fix` on the unfixed chatbot applies the fixes of `max_length`,
/// `device` and `SOS_token` and leaves only E2002; with that one fixed by
/// hand as its help says, tsc checks it clean and PyTorch scripts it, and
/// its searcher decodes as the recipe's fixed chatbot's does.
fn fixed_chatbot_scripts_in_pytorch() {
    let dir = std::env::temp_dir().join(format!("tsy-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    let file = dir.join("chatbot_fixed.tsy");
    std::fs::copy(example("chatbot_unfixed.tsy"), &file).expect("copied");
    let shown = file.display().to_string();

    let out = tsc(&["check", "--fix", "--format", "json", &shown]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("3 fixes applied"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON diagnostics");
    let codes: Vec<&str> = left.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(codes, ["E2002"], "only the structural fix is left: {left:#?}");

    let mut text = std::fs::read_to_string(&file).expect("the fixed file");
    for fixed in ["max_length: int)", "self._device = device", "self._SOS_token = SOS_token", "* self._SOS_token"] {
        assert!(text.contains(fixed), "`{fixed}` missing from:\n{text}");
    }
    for (old, new) in N_LAYERS_BY_HAND {
        assert_eq!(text.matches(old).count(), 1, "`{old}` once in:\n{text}");
        text = text.replace(old, new);
    }
    std::fs::write(&file, &text).expect("written");
    let clean = tsc(&["check", &shown]);
    assert_eq!(clean.status.code(), Some(0), "{}", String::from_utf8_lossy(&clean.stderr));

    let recipe = example("chatbot.tsy").display().to_string();
    let decoded: Vec<Value> =
        serde_json::from_str(run_python(DECODE_BOTH, &[&shown, &recipe]).trim()).expect("DECODE_BOTH prints JSON");
    assert_eq!(decoded.len(), 2);
    assert_eq!(decoded[0], decoded[1], "the fixed file decodes as the recipe's chatbot");
    assert_eq!(decoded[0][0]["tokens"].as_array().map(Vec::len), Some(10));
    std::fs::remove_dir_all(&dir).ok();
}

pub(crate) fn tests() -> Vec<Trial> {
    vec![trial("fix::fixed_chatbot_scripts_in_pytorch", fixed_chatbot_scripts_in_pytorch)]
}
