//! `tsc lsp` with a real editor as its client: Neovim, headless, with its
//! built-in LSP client and tests/nvim/session.lua, on a copy of the
//! unfixed chatbot. Where Neovim is not installed the test says so and
//! passes, unless TSY_REQUIRE_NVIM is set (scripts/test.sh installs it
//! and sets it).

use std::process::Command;

#[test]
fn neovim_gets_diagnostics_hover_and_the_max_length_fix() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if Command::new("nvim").arg("--version").output().is_err() {
        assert!(std::env::var_os("TSY_REQUIRE_NVIM").is_none(), "TSY_REQUIRE_NVIM is set but nvim does not run");
        eprintln!("SKIPPED: nvim is not installed (scripts/test.sh installs it)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("tsy-nvim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("chatbot_unfixed.tsy");
    std::fs::copy(root.join("examples/chatbot_unfixed.tsy"), &file).expect("copied");
    let out = dir.join("session.json");
    let ran = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", root.join("tests/nvim/session.lua").display()))
        .env("TSY_NVIM_FILE", &file)
        .env("TSY_NVIM_TSC", env!("CARGO_BIN_EXE_tsc"))
        .env("TSY_NVIM_DOCS", dir.join("docs"))
        .env("TSY_NVIM_OUT", &out)
        .current_dir(&dir)
        .output()
        .expect("nvim runs");
    assert!(ran.status.success(), "{}", ran.status);
    // Neovim reports a server that ends badly (`Client 1 quit with exit code 2`).
    let said = String::from_utf8_lossy(&ran.stderr);
    assert!(!said.contains("quit with exit code"), "{said}");
    let seen: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the session's report")).expect("JSON");
    assert!(seen.get("error").is_none(), "{seen:#}");
    assert_eq!(seen["opened"], serde_json::json!(["E2001", "E2001", "E2002", "E2003"]), "{seen:#}");
    let hover = seen["hover"].as_str().expect("a hover");
    assert!(hover.contains("max_length: Tensor (inferred)"), "{hover}");
    assert_eq!(seen["action"], "annotate `max_length` as an int");
    assert_eq!(seen["line"], "    def forward(self, input_seq, input_length, max_length: int):");
    assert_eq!(seen["fixed"], serde_json::json!(["E2001", "E2001", "E2002"]), "{seen:#}");
    // Nothing was saved: the fix lives in the editor's buffer.
    assert_eq!(std::fs::read(&file).ok(), std::fs::read(root.join("examples/chatbot_unfixed.tsy")).ok());
    std::fs::remove_dir_all(&dir).ok();
}
