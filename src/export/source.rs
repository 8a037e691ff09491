//! `code/`: the TorchScript source of every class and function the module
//! uses, so that `torch.jit.load` (and `torch.jit.mobile._backport_for_mobile`)
//! can open the same file (docs/ptl-format.md §12). The lite interpreter ignores
//! it.
//!
//! Each module instance has a class type; two instances of one Python class
//! whose attributes or compiled methods differ (a `Conv2d` with another
//! stride, a block with a downsample) are different types, named as PyTorch
//! mangles them: `__torch__.torch.nn.modules.conv.___torch_mangle_1.Conv2d`.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::host::eval::Host;
use crate::host::value::{Class, Instance};
use crate::ir::NodeId;
use crate::script::slots::{module_slots, submodule};
use crate::script::{Stop, Unit};

/// The module tree's class types and the source files that define them.
pub struct Sources {
    /// Each instance's (possibly mangled) qualified class name.
    pub names: HashMap<*const Instance, String>,
    /// `code/` records: path under the archive folder, text.
    pub files: Vec<(String, String)>,
}

impl Sources {
    /// Class names without source: each Python class's own name.
    pub fn without_code(root: &Rc<Instance>) -> Sources {
        let mut names = HashMap::new();
        let mut pending = vec![root.clone()];
        while let Some(instance) = pending.pop() {
            names.insert(Rc::as_ptr(&instance), instance.class.qualified_name());
            pending.extend(crate::host::module::child_instances(&instance).into_iter().map(|(_, c)| c));
        }
        Sources { names, files: Vec::new() }
    }
}

/// One class type: its declaration and methods, as the `.py` text.
struct ClassType {
    qualified: String,
    text: String,
}

/// Compiles every method of every module under `root` (and the functions
/// they call) for `code/`; or why the compiler stopped.
pub fn sources(host: &mut Host<'_>, root: &Rc<Instance>) -> Result<Sources, Stop> {
    let mut state =
        State { names: HashMap::new(), types: Vec::new(), keys: HashMap::new(), functions: BTreeMap::new() };
    state.module(host, root)?;
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for class in &state.types {
        let (qualifier, _) = class.qualified.rsplit_once('.').unwrap_or(("__torch__", &class.qualified));
        files.entry(file_of(qualifier)).or_default().push_str(&class.text);
    }
    for (qualified, text) in &state.functions {
        let (qualifier, _) = qualified.rsplit_once('.').unwrap_or(("__torch__", qualified));
        files.entry(file_of(qualifier)).or_default().push_str(text);
    }
    // The named tuple types the code names, declared in their module's file
    // (`class PackedSequence(NamedTuple):` and its fields), as PyTorch does.
    for ty in [crate::types::Type::packed_sequence()] {
        let crate::types::Type::NamedTuple(t) = &ty else { continue };
        if !files.values().any(|text| text.contains(&t.name)) {
            continue;
        }
        let (qualifier, simple) = t.name.rsplit_once('.').unwrap_or(("__torch__", &t.name));
        let mut text = format!("class {simple}(NamedTuple):\n");
        for (field, field_ty) in &t.fields {
            text.push_str(&format!("  {field} : {field_ty}\n"));
        }
        files.entry(file_of(qualifier)).or_default().push_str(&text);
    }
    Ok(Sources { names: state.names, files: files.into_iter().collect() })
}

/// `__torch__.torch.nn.functional` -> `code/__torch__/torch/nn/functional.py`.
fn file_of(qualifier: &str) -> String {
    format!("code/{}.py", qualifier.replace('.', "/"))
}

struct State {
    names: HashMap<*const Instance, String>,
    types: Vec<ClassType>,
    /// (Python class, class text with the name left out) -> qualified name.
    keys: HashMap<(*const Class, String), String>,
    /// Free functions by qualified name -> source.
    functions: BTreeMap<String, String>,
}

impl State {
    /// Names the instance's class type (children first: the declaration
    /// names their types) and records its source.
    fn module(&mut self, host: &mut Host<'_>, instance: &Rc<Instance>) -> Result<(), Stop> {
        for (_, child) in crate::host::module::child_instances(instance) {
            if !self.names.contains_key(&Rc::as_ptr(&child)) {
                self.module(host, &child)?;
            }
        }
        let slots = module_slots(host, instance);
        let mut body = String::new();
        let names = |kind: &str| {
            let state = instance.module.borrow();
            let entries =
                state.as_ref().map(|s| if kind == "p" { s.parameters.entries() } else { s.buffers.entries() });
            entries.unwrap_or_default().into_iter().map(|(n, _)| format!("\"{n}\", ")).collect::<String>()
        };
        body.push_str(&format!("  __parameters__ = [{}]\n", names("p")));
        body.push_str(&format!("  __buffers__ = [{}]\n", names("b")));
        for slot in &slots {
            let ty = match submodule(&slot.value) {
                Some(child) => self.names[&Rc::as_ptr(&child)].clone(),
                None => slot.ty.to_string(),
            };
            let identifier = slot.name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && slot.name.chars().all(|c| c.is_alphanumeric() || c == '_');
            if identifier {
                body.push_str(&format!("  {} : {ty}\n", slot.name));
            } else {
                // `Sequential`'s `0`, `1`: not identifiers.
                body.push_str(&format!("  __annotations__[\"{}\"] = {ty}\n", slot.name));
            }
        }
        for unit in crate::script::module_methods(host, instance) {
            let (function, callees) = crate::script::compiled(host, &unit)?;
            self.callees(host, callees)?;
            for line in function.code().lines() {
                body.push_str("  ");
                body.push_str(line);
                body.push('\n');
            }
        }
        let python = Rc::as_ptr(&instance.class);
        let qualified = match self.keys.get(&(python, body.clone())) {
            Some(name) => name.clone(),
            None => {
                let plain = instance.class.qualified_name();
                let taken = self.types.iter().any(|t| t.qualified == plain);
                let name = if taken {
                    let (qualifier, class) = plain.rsplit_once('.').unwrap_or(("__torch__", &plain));
                    format!("{qualifier}.___torch_mangle_{}.{class}", self.types.len())
                } else {
                    plain
                };
                let simple = name.rsplit('.').next().unwrap_or(&name).to_string();
                self.types
                    .push(ClassType { qualified: name.clone(), text: format!("class {simple}(Module):\n{body}") });
                self.keys.insert((python, body), name.clone());
                name
            }
        };
        self.names.insert(Rc::as_ptr(instance), qualified);
        Ok(())
    }

    /// The free functions a method calls, and theirs.
    fn callees(&mut self, host: &mut Host<'_>, callees: HashMap<NodeId, Unit>) -> Result<(), Stop> {
        let mut pending: Vec<Unit> = callees.into_values().filter(|u| u.owner.is_none()).collect();
        while let Some(unit) = pending.pop() {
            let qualified = crate::script::function_name(host, &unit);
            if self.functions.contains_key(&qualified) {
                continue;
            }
            let (function, more) = crate::script::compiled(host, &unit)?;
            self.functions.insert(qualified, function.code());
            pending.extend(more.into_values().filter(|u| u.owner.is_none()));
        }
        Ok(())
    }
}
