//! `tsc run`: the entry compiled as `tsc compile` would (optimized unless
//! told otherwise), run in the reference interpreter on the file's example
//! inputs or on a safetensors file of inputs.

use std::path::Path;

use crate::diag::{Code, Diagnostic};
use crate::interp::Converter;
use crate::runtime::{RTensor, RValue};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::Interner;
use crate::types::{ScalarType, Type};

/// What to run and on what.
#[derive(Clone, Default)]
pub struct Options<'p> {
    pub entry: Option<&'p str>,
    pub weights: Option<&'p Path>,
    /// A safetensors file with `input0`, `input1`, ...
    pub inputs: Option<&'p Path>,
    /// The mobile passes, or `None` for the module as scripted.
    pub optimize: Option<crate::passes::Options>,
    /// Trace the entry module on its example inputs (`--trace`).
    pub trace: bool,
    /// Also run the module as scripted and after every stage of the mobile
    /// passes (what the tests that check each pass keeps the numbers use).
    pub stages: bool,
}

/// The entry's outputs, flattened out of tuples and lists, by name
/// (`output0`, ...).
pub struct Outputs {
    pub values: Vec<(String, RValue)>,
    /// What the entry returned, before flattening (the corpus tests compare
    /// its structure with PyTorch's).
    pub returned: Vec<RValue>,
    pub warnings: Vec<Diagnostic>,
    /// With [`Options::stages`]: the outputs of the module as scripted, then
    /// after each stage of the mobile passes, by stage name.
    pub stages: Vec<(String, Vec<RValue>)>,
}

pub fn run(
    map: &mut SourceMap,
    file: FileId,
    interner: &mut Interner,
    options: &Options<'_>,
) -> Result<Outputs, Vec<Diagnostic>> {
    let file_span = map.get(file).span();
    let crate::Prepared { mut evaluated, selected, warnings } =
        crate::prepare(map, file, interner, options.entry, options.weights, options.trace)?;
    let host = &mut evaluated.host;
    let unit = crate::script::entry_unit(host, &selected).ok_or_else(|| {
        vec![Diagnostic::new(Code::E5007, Span::point(file_span.start), "the entry has no function to run")]
    })?;
    let at = unit.def.name.span;
    let stops = |stop: crate::script::Stop| {
        vec![crate::script::errors::cannot_compile_yet(stop.span_or(at), crate::script::errors::Purpose::Run)]
    };
    let root = selected.root_module();
    let optimize = options.optimize.as_ref().zip(root.as_ref());
    // The module as scripted: what runs without the passes, and what every
    // stage's outputs are compared with.
    let scripted = match optimize.is_none() || options.stages {
        true => Some(crate::script::inlined(host, &unit, &mut crate::script::InlineMemo::new()).map_err(stops)?),
        false => None,
    };
    let optimized = match (optimize, options.stages) {
        (Some((passes, root)), false) => Some(
            crate::passes::optimize(host, root, std::slice::from_ref(&unit), passes, &mut |_, _| {})
                .map_err(stops)?
                .remove(0),
        ),
        _ => None,
    };
    let Some(first) = scripted.as_ref().or(optimized.as_ref()) else {
        unreachable!("one of the two is compiled: no passes, or stages, or the passes")
    };
    let mut converter = Converter::new();
    let this = match (first.method, &root) {
        (true, Some(root)) => {
            Some(RValue::Object(converter.module(host, root).map_err(|e| vec![run_failed(e.message, at)])?))
        }
        _ => None,
    };
    let params = &first.graph.block(first.graph.top).params;
    let wanted: Vec<Type> = params[this.iter().len()..].iter().map(|p| first.graph.value(*p).ty.clone()).collect();
    let given = match options.inputs {
        Some(path) => inputs_file(path, &wanted, at)?,
        None => {
            let examples =
                crate::trace::example_inputs(&evaluated.globals, &selected.value, host).ok_or_else(|| {
                    vec![
                        Diagnostic::new(Code::E6002, at, "no inputs to run the entry on")
                            .label("this function's parameters need values")
                            .help("add `example_inputs = (...)` to the file, or pass `--inputs FILE.safetensors`"),
                    ]
                })?;
            let mut values = Vec::new();
            for v in examples {
                values.push(converter.value(host, &v).map_err(|e| vec![run_failed(e.message, at)])?);
            }
            values
        }
    };
    if given.len() != wanted.len() {
        return Err(vec![
            Diagnostic::new(
                Code::E6003,
                at,
                format!("the entry takes {} inputs, {} were given", wanted.len(), given.len()),
            )
            .label("this function's parameters"),
        ]);
    }
    let inputs: Vec<RValue> = this.into_iter().chain(given).collect();
    let run_graph = |graph: &crate::ir::Graph, converter: &mut Converter| {
        crate::interp::run(graph, inputs.clone(), converter).map_err(|e| {
            let span = e.span.unwrap_or(at);
            let message = if e.raised { format!("the model raised: {}", e.error) } else { e.error.to_string() };
            vec![run_failed(message, span).label(format!("`{}` failed here", e.kind))]
        })
    };
    let mut stages = Vec::new();
    let outputs = match (optimize, optimized, scripted) {
        (_, Some(optimized), _) => run_graph(&optimized.graph, &mut converter)?,
        (Some((passes, root)), None, Some(scripted)) => {
            // Stages: the scripted module runs before the passes fold its
            // weights, then each stage's graph.
            stages.push(("scripted".to_string(), run_graph(&scripted.graph, &mut converter)?));
            let mut observed = Vec::new();
            let mut optimized =
                crate::passes::optimize(host, root, std::slice::from_ref(&unit), passes, &mut |stage, graph| {
                    observed.push((stage.to_string(), graph.clone()));
                })
                .map_err(stops)?;
            // A fresh converter: folding may have rewritten a weight in
            // place, which the first one has already copied.
            let mut converter = Converter::new();
            for (stage, graph) in observed {
                stages.push((stage, run_graph(&graph, &mut converter)?));
            }
            run_graph(&optimized.remove(0).graph, &mut converter)?
        }
        (_, None, Some(scripted)) => run_graph(&scripted.graph, &mut converter)?,
        (_, None, None) => unreachable!("one of the two is compiled (see `first`)"),
    };
    let mut values = Vec::new();
    for v in outputs.iter().cloned() {
        flatten(v, &mut values);
    }
    let values = values.into_iter().enumerate().map(|(i, v)| (format!("output{i}"), v)).collect();
    Ok(Outputs { values, returned: outputs, warnings, stages })
}

fn run_failed(message: impl Into<String>, span: Span) -> Diagnostic {
    Diagnostic::new(Code::E6001, span, message).help("`tsc explain E6001`")
}

fn flatten(v: RValue, out: &mut Vec<RValue>) {
    match v {
        RValue::Tuple(items) => items.iter().cloned().for_each(|i| flatten(i, out)),
        RValue::List(items) => items.borrow().iter().cloned().for_each(|i| flatten(i, out)),
        other => out.push(other),
    }
}

/// `input0`, `input1`, ... of a safetensors file, each converted to what
/// its parameter takes (a 0-dim tensor for an `int`, `float` or `bool`).
fn inputs_file(path: &Path, wanted: &[Type], at: Span) -> Result<Vec<RValue>, Vec<Diagnostic>> {
    let unfit = |message: String| {
        vec![
            Diagnostic::new(Code::E6003, at, message)
                .label("the inputs are for this function")
                .help("`tsc explain E6003`"),
        ]
    };
    let stored =
        crate::weights::read(path).map_err(|e| unfit(format!("cannot read inputs from `{}`: {e}", path.display())))?;
    let extra = stored
        .iter()
        .find(|t| t.name.strip_prefix("input").and_then(|n| n.parse::<usize>().ok()).is_none_or(|n| n >= wanted.len()));
    if let Some(extra) = extra {
        return Err(unfit(format!("`{}` is not an input: the entry takes {} (input0...)", extra.name, wanted.len())));
    }
    let mut values = Vec::new();
    for (i, ty) in wanted.iter().enumerate() {
        let name = format!("input{i}");
        let t = stored.iter().find(|t| t.name == name).ok_or_else(|| unfit(format!("`{name}` is missing")))?;
        let tensor = RTensor::from_bytes(&t.data, t.dtype, &t.shape).map_err(|e| unfit(e.message))?;
        let scalar = || tensor.item().map_err(|e| unfit(format!("`{name}`: {}", e.message)));
        values.push(match ty {
            Type::Int => RValue::Int(scalar()? as i64),
            Type::Float => RValue::Float(scalar()?),
            Type::Bool => RValue::Bool(scalar()? != 0.0),
            _ => RValue::Tensor(tensor),
        });
    }
    Ok(values)
}

/// One line per output: its shape, dtype and a summary of its values.
pub fn describe(name: &str, v: &RValue) -> String {
    match v {
        RValue::Tensor(t) => {
            let shape: Vec<String> = t.shape().iter().map(usize::to_string).collect();
            let values = t.to_f64s().unwrap_or_default();
            let integral = !matches!(
                t.dtype(),
                ScalarType::Float16 | ScalarType::Float32 | ScalarType::Float64 | ScalarType::BFloat16
            );
            let summary = if values.is_empty() {
                "empty".to_string()
            } else if integral {
                let head: Vec<String> = values.iter().take(8).map(|x| format!("{}", *x as i64)).collect();
                let more = if values.len() > 8 { ", ..." } else { "" };
                let min = values.iter().copied().fold(f64::INFINITY, f64::min) as i64;
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max) as i64;
                format!("min {min}  max {max}  [{}{more}]", head.join(", "))
            } else {
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                let head: Vec<String> = values.iter().take(4).map(|x| format!("{x:.6}")).collect();
                let more = if values.len() > 4 { ", ..." } else { "" };
                format!("min {min:.6}  max {max:.6}  mean {mean:.6}  [{}{more}]", head.join(", "))
            };
            format!("{name}: Tensor[{}] {}  {summary}", shape.join(", "), t.dtype().torch_name())
        }
        other => format!("{name}: {} {other:?}", other.type_name()),
    }
}

/// The outputs as a safetensors file (scalars as 0-dim tensors).
pub fn outputs_safetensors(outputs: &[(String, RValue)]) -> Result<Vec<u8>, String> {
    use safetensors::tensor::{Dtype, TensorView};
    let mut tensors = Vec::new();
    for (name, v) in outputs {
        let t = match v {
            RValue::Tensor(t) => t.clone(),
            RValue::Int(i) => RTensor::from_i64s(vec![*i], &[], ScalarType::Int64).map_err(|e| e.message)?,
            RValue::Float(f) => RTensor::from_f64s(vec![*f], &[], ScalarType::Float64).map_err(|e| e.message)?,
            RValue::Bool(b) => RTensor::from_i64s(vec![i64::from(*b)], &[], ScalarType::Bool).map_err(|e| e.message)?,
            other => return Err(format!("`{name}` is a {}, which a safetensors file cannot hold", other.type_name())),
        };
        let dtype = match t.dtype() {
            ScalarType::Float32 => Dtype::F32,
            ScalarType::Float64 => Dtype::F64,
            ScalarType::Float16 => Dtype::F16,
            ScalarType::BFloat16 => Dtype::BF16,
            ScalarType::Int64 => Dtype::I64,
            ScalarType::Int32 => Dtype::I32,
            ScalarType::Int16 => Dtype::I16,
            ScalarType::Int8 => Dtype::I8,
            ScalarType::UInt8 => Dtype::U8,
            ScalarType::Bool => Dtype::BOOL,
        };
        tensors.push((name.clone(), dtype, t.shape(), t.to_bytes().map_err(|e| e.message)?));
    }
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s, b)| TensorView::new(*d, s.clone(), b).map(|v| (n.clone(), v)).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    safetensors::tensor::serialize(views, None).map_err(|e| e.to_string())
}
