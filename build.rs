//! Generates the LR(1) parser from `grammar/tsy.lalrpop`, and the table of
//! embedded `torch.nn` prelude files under `src/host/prelude/`, into OUT_DIR.

use std::path::{Path, PathBuf};

fn main() {
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .set_out_dir(&out_dir)
        .emit_rerun_directives(true)
        .process()
        .expect("the grammar in grammar/ must generate a parser");
    prelude_table(Path::new(&out_dir));
}

/// `pub const FILES: &[(&str, &str)]`: (dotted module path, source) for every
/// `.tsy` file of the prelude; `pkg/__init__.tsy` is the package `pkg`.
fn prelude_table(out_dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/host/prelude");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut table =
        String::from("/// Embedded prelude files: (module path, source).\npub const FILES: &[(&str, &str)] = &[\n");
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(&root).expect("collected under the prelude root");
        let mut module = relative.with_extension("").to_string_lossy().replace(std::path::MAIN_SEPARATOR, ".");
        if let Some(package) = module.strip_suffix(".__init__") {
            module = package.to_string();
        }
        table.push_str(&format!("    ({module:?}, include_str!({:?})),\n", file.display().to_string()));
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("prelude_files.rs"), table).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "tsy") {
            out.push(path);
        }
    }
}
