//! `--weights FILE`: a state_dict from a file into the entry module, with
//! PyTorch's strict key matching and one diagnostic for every problem.

use std::rc::Rc;

use super::module::state_entries;
use super::value::Instance;
use super::weights::StoredTensor;
use crate::diag::{Code, Diagnostic};
use crate::source::Span;

/// Loads `stored` into the module tree under `root`. Strict: every key of
/// the model must be in the file and every key of the file in the model,
/// with the same shape and dtype; otherwise nothing is loaded and one
/// diagnostic lists every problem.
pub fn load_state(
    root: &Rc<Instance>,
    stored: Vec<StoredTensor>,
    strict: bool,
    span: Span,
) -> Result<usize, Box<Diagnostic>> {
    let entries = state_entries(root);
    let mut missing = Vec::new();
    let mut mismatched = Vec::new();
    let mut matched = Vec::new();
    for entry in &entries {
        match stored.iter().find(|s| s.name == entry.name) {
            None => missing.push(entry.name.clone()),
            Some(s) if s.shape != entry.tensor.shape => mismatched.push(format!(
                "size mismatch for {}: copying a param with shape {:?} from the weights file, the shape in the model is {:?}",
                entry.name, s.shape, entry.tensor.shape
            )),
            Some(s) if s.dtype != entry.tensor.dtype => mismatched.push(format!(
                "dtype mismatch for {}: the weights file has {}, the model has {}",
                entry.name,
                s.dtype.torch_name(),
                entry.tensor.dtype.torch_name()
            )),
            Some(s) => matched.push((entry.tensor.clone(), s)),
        }
    }
    let unexpected: Vec<String> =
        stored.iter().filter(|s| !entries.iter().any(|e| e.name == s.name)).map(|s| s.name.clone()).collect();
    let key_problems = strict && (!missing.is_empty() || !unexpected.is_empty());
    if key_problems || !mismatched.is_empty() {
        let model = &root.class.name;
        let count = if strict { missing.len() + unexpected.len() } else { 0 } + mismatched.len();
        let mut d = Diagnostic::new(
            Code::E5008,
            span,
            format!("Error(s) in loading state_dict for {model}: {count} problem(s)"),
        )
        .label(format!("the weights are loaded into this `{model}`"));
        let quote = |keys: &[String]| keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
        if strict && !missing.is_empty() {
            d = d.note(format!("Missing key(s) in state_dict: {}", quote(&missing)));
        }
        if strict && !unexpected.is_empty() {
            d = d.note(format!("Unexpected key(s) in state_dict: {}", quote(&unexpected)));
        }
        for m in mismatched {
            d = d.note(m);
        }
        return Err(Box::new(d.help("save the state_dict of the same architecture: `torch.save(model.state_dict(), path)` or `safetensors.torch.save_file(model.state_dict(), path)`")));
    }
    let loaded = matched.len();
    for (tensor, s) in matched {
        tensor.set_bytes(s.data.clone().into());
    }
    Ok(loaded)
}
