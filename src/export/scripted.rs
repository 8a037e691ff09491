//! The scripted module as `_save_for_lite_interpreter` writes it.

use std::rc::Rc;

use super::pickle::Pickle;
use super::tables::{attribute_slots, function_tuple, parameters};
use super::{Contents, Options, bytecode, cannot_export, gave_up, object, source};
use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::host::value::Instance;

/// What `_save_for_lite_interpreter` writes for the scripted module: the
/// module tree, every compiled method of the root inlined, `code/`.
pub(super) fn contents(
    host: &mut Host<'_>,
    root: &Rc<Instance>,
    options: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Contents, Box<Diagnostic>> {
    // `code/` needs every method of every submodule class; the bytecode
    // only what the model calls. Without the one, the file still runs.
    let sources = match source::sources(host, root) {
        Ok(sources) => sources,
        Err(stopped) => {
            let mut warning = Diagnostic::new(
                Code::W4001,
                root.created_at,
                "writing the .ptl file without `code/`: torch.jit.load will not open it",
            )
            .label("a method of a submodule of this module does not compile yet")
            .note("the lite interpreter runs the bytecode, which holds every method the model calls")
            .help("`tsc explain W4001`");
            if let crate::script::Stop::Unsupported(at) = stopped {
                warning = warning.secondary(at, "the script compiler stops here");
            }
            warnings.push(warning);
            source::Sources::without_code(root)
        }
    };
    let class = sources.names[&Rc::as_ptr(root)].clone();
    let objects = object::objects(host, root, &sources.names).map_err(|what| {
        Box::new(
            Diagnostic::new(
                Code::E4002,
                root.created_at,
                format!("cannot write the attribute {what} into a .ptl file"),
            )
            .label("this module holds it"),
        )
    })?;
    let version = options.bytecode_version;
    let mut contents = Contents {
        data: objects.storages,
        data_pkl: objects.root,
        code: sources.files,
        constants: object::Storages::new(".storage"),
        constants_pkl: Pickle::Tuple(Vec::new()),
        functions: Vec::new(),
        operators: Vec::new(),
    };
    let mut memo = crate::script::InlineMemo::new();
    for unit in crate::script::module_methods(host, root) {
        let function =
            crate::script::inlined(host, &unit, &mut memo).map_err(|stop| gave_up(stop, unit.def.name.span))?;
        let slots = attribute_slots(&function.graph, root, &objects.slots);
        let code =
            bytecode::emit(&function.graph, &slots, version).map_err(|p| cannot_export(p, unit.def.name.span))?;
        contents.operators.extend(code.operators.iter().map(|o| o.name.clone()));
        let params = parameters(host, &unit, &function);
        contents.functions.push(function_tuple(&class, &function, &params, code, version, &mut contents.constants));
    }
    Ok(contents)
}
