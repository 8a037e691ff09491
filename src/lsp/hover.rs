//! Hover: the TorchScript type the checker gives the name under the
//! cursor. A parameter has its annotation, or `Tensor (inferred)` without
//! one (TorchScript's rule); `self.x` has the type the compiler infers
//! from the value `__init__` stored (a submodule its class); a global its
//! value's type; a call the operator schema the compiler resolved it to.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::symbols::{self, Dotted};
use crate::host::Evaluated;
use crate::host::value::Value;
use crate::syntax::ast::{FunctionDef, Module};

/// The hover for file-local `offset` of the document `text`.
pub(super) fn hover(name: &str, text: &str, offset: usize) -> Option<Hover> {
    let dotted = symbols::dotted(text, offset)?;
    let called = text[dotted.end..].trim_start().starts_with('(');
    let shown = symbols::evaluated(name, text, |module, file, evaluated| {
        let base = evaluated.host.map.get(file).base;
        let at = base + offset as u32;
        let schema = if called { schema_at(evaluated, file, at) } else { None };
        schema.or_else(|| describe(module, evaluated, at, &dotted))
    })?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: shown }),
        range: Some(super::text::local_range(text, dotted.start, dotted.end)),
    })
}

/// The operator schema the compiler resolved the innermost call at `at`
/// to, as PyTorch prints a schema; `None` where the functions around it do
/// not compile (an error in them, or a construct tsc cannot lower yet).
fn schema_at(evaluated: &mut Evaluated<'_>, file: crate::source::FileId, at: u32) -> Option<String> {
    let file_span = evaluated.host.map.get(file).span();
    let selected = crate::host::select_entry(evaluated, None, file_span).ok()?;
    let compiled = crate::script::compile_all(&mut evaluated.host, &selected);
    let node = compiled
        .iter()
        .filter_map(|(_, function)| function.as_ref().ok())
        .flat_map(|function| &function.graph.nodes)
        // prim:: nodes (list construction, unpacking) share the call's span.
        .filter(|node| !node.kind.as_str().starts_with("prim::") && node.schema().is_some())
        .filter(|node| node.span.is_some_and(|span| span.start <= at && at <= span.end))
        .min_by_key(|node| node.span.map_or(u32::MAX, crate::source::Span::len))?;
    Some(format!("```python\n{}\n```\nthe operator this call resolves to", node.schema()?))
}

/// Markdown for the name: its type in a code block, then what it is.
fn describe(module: &Module, evaluated: &Evaluated<'_>, offset: u32, dotted: &Dotted) -> Option<String> {
    let (class, function) = symbols::enclosing(module, offset);
    let shown = dotted.parts.join(".");
    let param = match (dotted.parts.as_slice(), &function) {
        ([only], Some(function)) => parameter(function, evaluated, only),
        _ => None,
    };
    let (type_text, what) = match (param, dotted.parts.as_slice()) {
        (Some((_, what)), _) if what == "self" => {
            let class = class.as_ref()?;
            (evaluated.host.name(class.name.name).to_string(), "the module the method runs on".to_string())
        }
        (Some(found), _) => found,
        (None, [receiver, attribute]) if receiver == "self" => {
            let instance = symbols::instance_of(evaluated, class.as_ref()?)?;
            let value = symbols::module_attribute(evaluated, &instance, attribute)?;
            let kind = instance.module.borrow().as_ref().map_or("attribute", |state| {
                if state.parameters.contains(attribute) {
                    "parameter"
                } else if state.buffers.contains(attribute) {
                    "buffer"
                } else if state.modules.contains(attribute) {
                    "submodule"
                } else {
                    "attribute"
                }
            });
            (type_of(&value), format!("{kind} of `{}`", instance.class.name))
        }
        (None, parts) => {
            let value = symbols::resolve(evaluated, parts)?;
            let what = if parts.len() == 1 { "global" } else { "module-level value" };
            (type_of(&value), what.to_string())
        }
    };
    Some(format!("```python\n{shown}: {type_text}\n```\n{what}"))
}

/// A parameter's type as TorchScript takes it, and what it is: its
/// annotation's text, or `Tensor (inferred)`; `self` for the receiver.
fn parameter(function: &FunctionDef, evaluated: &Evaluated<'_>, name: &str) -> Option<(String, String)> {
    let (index, param) = function.params.iter().enumerate().find(|(_, p)| evaluated.host.name(p.name.name) == name)?;
    if index == 0 && name == "self" {
        return Some((String::new(), "self".into()));
    }
    let function_name = evaluated.host.name(function.name.name);
    Some(match &param.annotation {
        Some(annotation) => {
            let file = evaluated.host.map.get(evaluated.host.map.file_of(annotation.span.start));
            (file.slice(annotation.span).to_string(), format!("parameter of `{function_name}`"))
        }
        None => (
            "Tensor (inferred)".to_string(),
            format!("parameter of `{function_name}` without an annotation: TorchScript types it as `Tensor`"),
        ),
    })
}

/// The type TorchScript gives a value: an attribute's inferred type, a
/// module's class, a class or function by its qualified name.
fn type_of(value: &Value) -> String {
    match value {
        Value::Instance(instance) if instance.module.borrow().is_some() => qualified(&instance.class),
        Value::Entry(entry) => {
            let how = match entry.kind {
                crate::host::value::EntryKind::Script => "scripted",
                crate::host::value::EntryKind::Trace => "traced",
                crate::host::value::EntryKind::OptimizeForMobile => "optimized for mobile",
            };
            format!("{} ({how})", type_of(&entry.target))
        }
        Value::Class(class) => format!("type[{}]", qualified(class)),
        Value::Function(function) => format!("def {}", function.qualname),
        Value::Namespace(namespace) => format!("module {}", namespace.name),
        other => crate::script::signature::attribute_type(other).map_or_else(|| other.type_name(), |t| t.to_string()),
    }
}

/// `torch.nn.modules.rnn.GRU`; a class of the file by its name alone.
fn qualified(class: &crate::host::value::Class) -> String {
    if &*class.module_path == "__main__" || class.module_path.is_empty() {
        class.name.to_string()
    } else {
        format!("{}.{}", class.module_path, class.name)
    }
}
