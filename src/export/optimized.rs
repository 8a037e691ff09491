//! The module as `optimize_for_mobile(...)._save_for_lite_interpreter`
//! writes it.

use std::collections::HashMap;
use std::rc::Rc;

use super::pickle::Pickle;
use super::tables::{constant, function_tuple, parameters};
use super::{Contents, Options, bytecode, cannot_export, gave_up, object};
use crate::diag::{Code, Diagnostic};
use crate::host::eval::Host;
use crate::host::value::Instance;
use crate::ir::{Attr, NodeId};
use crate::ops::op;

/// What `optimize_for_mobile(...)._save_for_lite_interpreter` writes:
/// `forward` and the preserved methods, frozen and optimized; the module
/// object keeps only what they still read, and `mobile_optimized`.
pub(super) fn contents(
    host: &mut Host<'_>,
    root: &Rc<Instance>,
    passes: &crate::passes::Options,
    options: &Options,
    stages: &mut Vec<(String, String)>,
) -> Result<Contents, Box<Diagnostic>> {
    let methods = crate::script::module_methods(host, root);
    let mut units = Vec::new();
    for wanted in std::iter::once("forward").chain(passes.preserve.iter().map(String::as_str)) {
        match methods.iter().find(|u| host.name(u.def.name.name) == wanted) {
            Some(unit) => units.push(unit.clone()),
            None => {
                let known: Vec<&str> = methods.iter().map(|u| host.name(u.def.name.name)).collect();
                return Err(Box::new(
                    Diagnostic::new(
                        Code::E4002,
                        root.created_at,
                        format!("the module has no compiled method `{wanted}` to keep"),
                    )
                    .label("this module")
                    .note(format!("its methods: {}", known.join(", ")))
                    .help("define it (and mark it `@torch.jit.export` if forward does not call it), or drop the name"),
                ));
            }
        }
    }
    let print = |stage: &str| options.print_after.iter().any(|p| p == stage || p == "all");
    let fallback = units[0].def.name.span;
    let functions = crate::passes::optimize(host, root, &units, passes, &mut |stage, graph| {
        if print(stage) {
            stages.push((stage.to_string(), crate::ir::print::graph(graph, None)));
        }
    })
    .map_err(|stop| gave_up(stop, fallback))?;
    let class = root.class.qualified_name();
    // The attributes the methods still read (written ones), then the flag.
    let mut kept: Vec<String> = Vec::new();
    for function in &functions {
        let this = function.graph.block(function.graph.top).params.first().copied();
        for n in function.graph.walk() {
            let node = function.graph.node(n);
            if let (Attr::Name(name), Some(this)) = (&node.attr, this)
                && matches!(node.kind, op::prim::GetAttr | op::prim::SetAttr)
                && node.inputs.first() == Some(&this)
                && !kept.contains(name)
            {
                kept.push(name.clone());
            }
        }
    }
    let slots_of = module_slots_in_order(host, root, &kept);
    let mut data = object::Storages::new("");
    let mut state = Vec::new();
    let mut declarations = String::new();
    for (name, ty, value) in &slots_of {
        let pickled = object::value(value, ty, &mut data).ok_or_else(|| {
            Box::new(
                Diagnostic::new(
                    Code::E4002,
                    root.created_at,
                    format!("cannot write the attribute `self.{name}` ({ty}) into a .ptl file"),
                )
                .label("this module holds it"),
            )
        })?;
        state.push((name.clone(), pickled));
        declarations.push_str(&format!("  {name} : {ty}\n"));
    }
    state.push(("mobile_optimized".to_string(), Pickle::Bool(true)));
    let mut names: Vec<String> = slots_of.iter().map(|(n, _, _)| n.clone()).collect();
    names.push("mobile_optimized".into());
    let simple = class.rsplit('.').next().unwrap_or(&class);
    let mut text = format!(
        "class {simple}(Module):\n  __parameters__ = []\n  __buffers__ = []\n{declarations}  mobile_optimized : bool\n"
    );
    let (qualifier, _) = class.rsplit_once('.').unwrap_or(("__torch__", &class));
    let mut contents = Contents {
        data,
        data_pkl: Pickle::Object { class: class.clone(), state: Box::new(Pickle::Dict(state)) },
        code: Vec::new(),
        constants: object::Storages::new(".storage"),
        constants_pkl: Pickle::None,
        functions: Vec::new(),
        operators: Vec::new(),
    };
    // `code/`: the one class, its methods reading `CONSTANTS.cN`.
    let mut constants = Vec::new();
    let version = options.bytecode_version;
    for (unit, function) in units.iter().zip(&functions) {
        let slots: HashMap<NodeId, usize> = function
            .graph
            .walk()
            .into_iter()
            .filter_map(|n| {
                let node = function.graph.node(n);
                let Attr::Name(name) = &node.attr else { return None };
                if !matches!(node.kind, op::prim::GetAttr | op::prim::SetAttr) {
                    return None;
                }
                names.iter().position(|k| k == name).map(|slot| (n, slot))
            })
            .collect();
        let code =
            bytecode::emit(&function.graph, &slots, version).map_err(|p| cannot_export(p, unit.def.name.span))?;
        let source = crate::ir::python_print::function_with_constants(
            &function.graph,
            &function.name,
            true,
            &function.defaults,
            &mut constants,
        );
        for line in source.lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        contents.operators.extend(code.operators.iter().map(|o| o.name.clone()));
        let params = parameters(host, unit, function);
        contents.functions.push(function_tuple(&class, function, &params, code, version, &mut contents.constants));
    }
    contents.code.push((format!("code/{}.py", qualifier.replace('.', "/")), text));
    contents.constants_pkl = Pickle::Tuple(constants.iter().map(|c| constant(c, &mut contents.constants)).collect());
    Ok(contents)
}

/// The root's attributes named in `kept`, in slot order, with their types
/// and values.
fn module_slots_in_order(
    host: &Host<'_>,
    root: &Rc<Instance>,
    kept: &[String],
) -> Vec<(String, crate::types::Type, crate::host::value::Value)> {
    crate::script::slots::module_slots(host, root)
        .into_iter()
        .filter(|s| kept.contains(&s.name))
        .map(|s| (s.name, s.ty, s.value))
        .collect()
}
