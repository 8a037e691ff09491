//! Loading a state_dict into a module tree, with PyTorch's strict key
//! matching: from a weights file (`--weights FILE`) or from a dict of
//! tensors (`model.load_state_dict(sd)` in module-level code).

use std::rc::Rc;

use super::module::{every_state_entry, state_entries};
use super::value::Instance;
use crate::diag::{Code, Diagnostic};
use crate::source::Span;
use crate::tensor::Tensor;
use crate::types::ScalarType;
use crate::weights::StoredTensor;

/// Why a state_dict does not fit a model, in PyTorch's terms.
#[derive(Debug, Default)]
pub struct Mismatch {
    pub missing: Vec<String>,
    pub unexpected: Vec<String>,
    /// Size and dtype mismatches, one sentence each.
    pub wrong: Vec<String>,
}

impl Mismatch {
    fn quote(keys: &[String]) -> String {
        keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")
    }

    /// The lines of PyTorch's `Error(s) in loading state_dict` message.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.missing.is_empty() {
            out.push(format!("Missing key(s) in state_dict: {}", Mismatch::quote(&self.missing)));
        }
        if !self.unexpected.is_empty() {
            out.push(format!("Unexpected key(s) in state_dict: {}", Mismatch::quote(&self.unexpected)));
        }
        out.extend(self.wrong.iter().cloned());
        out
    }

    fn count(&self) -> usize {
        self.missing.len() + self.unexpected.len() + self.wrong.len()
    }
}

/// Model tensors paired with the index of their source, and the keys that
/// did not pair (allowed when not strict).
pub type Matched = (Vec<(Rc<Tensor>, usize)>, Mismatch);

/// Whose state_dict the sources are.
#[derive(Clone, Copy, PartialEq)]
pub enum Saved {
    /// The eager module's (`model.load_state_dict(sd)` in the file).
    Eager,
    /// Either the eager or the scripted module's (`--weights`): the scripted
    /// one also has the buffers registered with `persistent=False`, which
    /// are then loaded too.
    EagerOrScripted,
}

/// Pairs each state entry of `root` with the source of the same name
/// (given as name, shape, dtype). Strict: every key on both sides must
/// match. Returns (model tensor, source index) pairs, or every problem.
pub fn match_state(
    root: &Rc<Instance>,
    sources: &[(&str, &[usize], ScalarType)],
    strict: bool,
    saved: Saved,
) -> Result<Matched, Mismatch> {
    let entries = if saved == Saved::Eager { state_entries(root) } else { every_state_entry(root) };
    let mut mismatch = Mismatch::default();
    let mut matched = Vec::new();
    for entry in &entries {
        match sources.iter().position(|(name, _, _)| *name == entry.name) {
            None if entry.non_persistent => {}
            None => mismatch.missing.push(entry.name.clone()),
            Some(i) if sources[i].1 != entry.tensor.shape.as_slice() => mismatch.wrong.push(format!(
                "size mismatch for {}: copying a param with shape {:?} from checkpoint, the shape in current model is {:?}",
                entry.name, sources[i].1, entry.tensor.shape
            )),
            Some(i) if sources[i].2 != entry.tensor.dtype => mismatch.wrong.push(format!(
                "dtype mismatch for {}: the checkpoint has {}, the model has {}",
                entry.name,
                sources[i].2.torch_name(),
                entry.tensor.dtype.torch_name()
            )),
            Some(i) => matched.push((entry.tensor.clone(), i)),
        }
    }
    mismatch.unexpected = sources
        .iter()
        .filter(|(name, _, _)| !entries.iter().any(|e| e.name == *name))
        .map(|(name, _, _)| name.to_string())
        .collect();
    if !mismatch.wrong.is_empty() || (strict && (!mismatch.missing.is_empty() || !mismatch.unexpected.is_empty())) {
        return Err(mismatch);
    }
    Ok((matched, mismatch))
}

/// `--weights`: loads a file's tensors into the module tree under `root`,
/// all or nothing; one diagnostic lists every problem.
pub fn load_state(
    root: &Rc<Instance>,
    stored: Vec<StoredTensor>,
    strict: bool,
    span: Span,
) -> Result<usize, Box<Diagnostic>> {
    let sources: Vec<(&str, &[usize], ScalarType)> =
        stored.iter().map(|s| (s.name.as_str(), s.shape.as_slice(), s.dtype)).collect();
    match match_state(root, &sources, strict, Saved::EagerOrScripted) {
        Ok((matched, _)) => {
            let loaded = matched.len();
            for (tensor, i) in matched {
                tensor.set_bytes(stored[i].data.clone());
            }
            Ok(loaded)
        }
        Err(mismatch) => {
            let model = &root.class.name;
            let mut d = Diagnostic::new(
                Code::E5008,
                span,
                format!("Error(s) in loading state_dict for {model}: {} problem(s)", mismatch.count()),
            )
            .label(format!("the weights are loaded into this `{model}`"));
            for line in mismatch.lines() {
                d = d.note(line.replace(
                    "from checkpoint, the shape in current model is",
                    "from the weights file, the shape in the model is",
                ));
            }
            Err(Box::new(d.help(
                "save the state_dict of the same architecture: `torch.save(model.state_dict(), path)` or `safetensors.torch.save_file(model.state_dict(), path)`",
            )))
        }
    }
}
