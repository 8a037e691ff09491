//! `tsc inspect model.tsy`: the entry module as `print(model)` shows it, and
//! its state_dict (names, shapes, dtypes) in PyTorch's order.

use std::fmt::Write;
use std::rc::Rc;

use serde::Serialize;

use super::eval::{Eval, Host};
use super::module::{child_instances, named_module_list, state_entries};
use super::value::Instance;
use crate::source::Span;

#[derive(Serialize)]
pub struct Report {
    /// The module-level name of the entry shown.
    pub entry: String,
    /// `print(model)`.
    pub repr: String,
    pub modules: ModuleNode,
    pub state: Vec<StateRow>,
    /// Elements in `model.parameters()` (each shared tensor once).
    pub parameters: usize,
}

#[derive(Serialize)]
pub struct ModuleNode {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub qualified_name: String,
    pub children: Vec<ModuleNode>,
}

#[derive(Serialize)]
pub struct StateRow {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: String,
    pub kind: &'static str,
    /// SHA-256 of the little-endian element bytes, for tensors whose data
    /// exists (loaded from `--weights`); lazy tensors are never materialized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

pub fn report(host: &mut Host<'_>, entry: &str, root: &Rc<Instance>, span: Span) -> Eval<Report> {
    let repr = super::module::repr_module(host, root, span)?;
    let state = state_entries(root)
        .into_iter()
        .map(|e| StateRow {
            name: e.name,
            shape: e.tensor.shape.clone(),
            dtype: e.tensor.dtype.torch_name().to_string(),
            kind: if e.is_parameter { "parameter" } else { "buffer" },
            sha256: e.tensor.is_materialized().then(|| digest(&e.tensor.bytes())),
        })
        .collect();
    let mut seen = Vec::new();
    let mut parameters = 0;
    for (_, module) in named_module_list(root) {
        if let Some(state) = module.module.borrow().as_ref() {
            for (_, t) in state.parameters.tensors() {
                if !seen.contains(&Rc::as_ptr(&t)) {
                    seen.push(Rc::as_ptr(&t));
                    parameters += t.numel();
                }
            }
        }
    }
    Ok(Report { entry: entry.to_string(), repr, modules: tree(String::new(), root), state, parameters })
}

fn digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn tree(name: String, module: &Rc<Instance>) -> ModuleNode {
    ModuleNode {
        name,
        type_name: module.class.name.to_string(),
        qualified_name: module.class.qualified_name(),
        children: child_instances(module).into_iter().map(|(n, m)| tree(n, &m)).collect(),
    }
}

/// The human form: the module tree, then a table of the state_dict.
pub fn human(report: &Report) -> String {
    let mut out = format!("{}\n\n", report.repr);
    let name_width = report.state.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let shapes: Vec<String> = report.state.iter().map(|r| format!("{:?}", r.shape)).collect();
    let shape_width = shapes.iter().map(String::len).max().unwrap_or(5).max(5);
    let _ = writeln!(out, "{:<name_width$}  {:<shape_width$}  {:<14}  kind", "name", "shape", "dtype");
    for (row, shape) in report.state.iter().zip(&shapes) {
        let _ = writeln!(out, "{:<name_width$}  {:<shape_width$}  {:<14}  {}", row.name, shape, row.dtype, row.kind);
    }
    let buffers = report.state.iter().filter(|r| r.kind == "buffer").count();
    let _ = writeln!(
        out,
        "\n{} parameters in {} tensors; {} buffers",
        group(report.parameters),
        report.state.len() - buffers,
        buffers
    );
    out
}

fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
