//! The native part of `torch` in the host: dtypes, devices, tensor
//! creation, `Parameter`, `torch.nn.init`, `torch.jit`, `typing`, `math`,
//! and the entry points (`torch.jit.script/trace`, `optimize_for_mobile`).

use std::cell::RefCell;
use std::rc::Rc;

use indexmap::IndexMap;

use super::builtins::{aten_builtin, builtin, native_class};
use super::call::Args;
use super::eager;
use super::eval::{Eval, Host};
use super::value::*;
use crate::diag::Code;
use crate::source::Span;
use crate::syntax::Symbol;
use crate::tensor::{Fill, Tensor};
use crate::types::ScalarType;

pub(super) fn namespace(host: &mut Host<'_>, path: &str, entries: Vec<(&str, Value)>) -> Rc<Namespace> {
    let mut attrs = IndexMap::new();
    let name_key = host.sym("__name__");
    attrs.insert(name_key, Value::str(path));
    for (name, value) in entries {
        attrs.insert(host.sym(name), value);
    }
    let ns = Rc::new(Namespace { name: path.into(), attrs: RefCell::new(attrs) });
    host.modules.insert(path.to_string(), ns.clone());
    ns
}

const DTYPES: &[(&str, ScalarType)] = &[
    ("float32", ScalarType::Float32),
    ("float", ScalarType::Float32),
    ("float64", ScalarType::Float64),
    ("double", ScalarType::Float64),
    ("float16", ScalarType::Float16),
    ("half", ScalarType::Float16),
    ("bfloat16", ScalarType::BFloat16),
    ("int64", ScalarType::Int64),
    ("long", ScalarType::Int64),
    ("int32", ScalarType::Int32),
    ("int", ScalarType::Int32),
    ("int16", ScalarType::Int16),
    ("short", ScalarType::Int16),
    ("int8", ScalarType::Int8),
    ("uint8", ScalarType::UInt8),
    ("bool", ScalarType::Bool),
];

pub(super) fn install(host: &mut Host<'_>) {
    let module_class = super::module::install(host);
    let tensor_class = native_class("Tensor", "torch", Vec::new(), NativeKind::Type);
    let parameter_class = native_class("Parameter", "torch.nn.parameter", vec![tensor_class.clone()], NativeKind::Type);
    let device_class = native_class("device", "torch", Vec::new(), NativeKind::Type);
    let dtype_class = native_class("dtype", "torch", Vec::new(), NativeKind::Type);
    for (name, class) in [("Tensor", &tensor_class), ("Parameter", &parameter_class)] {
        host.classes.insert(name, class.clone());
    }
    let new = host.sym("__new__");
    parameter_class.attrs.borrow_mut().insert(new, builtin("Parameter", parameter));
    device_class.attrs.borrow_mut().insert(new, builtin("device", device));

    let mut torch_entries: Vec<(&str, Value)> = DTYPES.iter().map(|(n, d)| (*n, Value::Dtype(*d))).collect();
    let functions: &[(&str, BuiltinFn)] = &[
        ("empty", empty),
        ("zeros", zeros),
        ("ones", ones),
        ("full", full),
        ("rand", rand),
        ("randn", randn),
        ("randint", randint),
        ("arange", arange),
        ("tensor", tensor),
        ("zeros_like", zeros_like),
        ("ones_like", ones_like),
        ("no_grad", context),
        ("enable_grad", context),
        ("inference_mode", context),
        ("set_grad_enabled", context),
        ("manual_seed", manual_seed),
        ("get_default_dtype", default_dtype),
        ("is_tensor", is_tensor),
        ("FloatTensor", float_tensor),
        ("DoubleTensor", double_tensor),
        ("LongTensor", long_tensor),
        ("IntTensor", int_tensor),
        ("BoolTensor", bool_tensor),
        ("ByteTensor", byte_tensor),
    ];
    for (name, f) in functions {
        torch_entries.push((name, builtin(name, *f)));
    }
    torch_entries.push(("Tensor", Value::Class(tensor_class)));
    torch_entries.push(("Size", Value::Class(host.class("tuple"))));
    torch_entries.push(("dtype", Value::Class(dtype_class)));
    torch_entries.push(("__version__", Value::str("2.5.1")));
    torch_entries.push(("device", Value::Class(device_class)));
    namespace(host, "torch", torch_entries);

    let jit: Vec<(&str, Value)> = vec![
        ("script", builtin("script", script)),
        ("trace", builtin("trace", trace)),
        ("ignore", builtin("ignore", decorator)),
        ("unused", builtin("unused", decorator)),
        ("export", builtin("export", decorator)),
        ("_overload_method", builtin("_overload_method", decorator)),
        ("_overload", builtin("_overload", overload)),
        ("is_scripting", builtin("is_scripting", false_fn)),
        ("is_tracing", builtin("is_tracing", false_fn)),
        ("annotate", builtin("annotate", annotate)),
        ("Final", Value::Typing("Final".into())),
        ("Attribute", builtin("Attribute", attribute)),
    ];
    namespace(host, "torch.jit", jit);
    namespace(host, "torch.nn.modules.module", vec![("Module", Value::Class(module_class))]);
    namespace(host, "torch.nn.parameter", vec![("Parameter", Value::Class(parameter_class))]);
    let init: Vec<(&str, Value)> = vec![
        ("calculate_gain", builtin("calculate_gain", calculate_gain)),
        ("_calculate_fan_in_and_fan_out", builtin("_calculate_fan_in_and_fan_out", fan_in_and_fan_out)),
        ("_calculate_correct_fan", builtin("_calculate_correct_fan", correct_fan)),
        ("uniform_", builtin("uniform_", init_uniform)),
        ("normal_", builtin("normal_", init_normal)),
        ("trunc_normal_", builtin("trunc_normal_", init_normal)),
        ("constant_", builtin("constant_", init_constant)),
        ("ones_", builtin("ones_", init_ones)),
        ("zeros_", builtin("zeros_", init_zeros)),
        ("xavier_uniform_", builtin("xavier_uniform_", xavier_uniform)),
        ("xavier_normal_", builtin("xavier_normal_", xavier_normal)),
        ("kaiming_uniform_", builtin("kaiming_uniform_", kaiming_uniform)),
        ("kaiming_normal_", builtin("kaiming_normal_", kaiming_normal)),
    ];
    namespace(host, "torch.nn.init", init);
    let mobile = vec![("optimize_for_mobile", builtin("optimize_for_mobile", optimize_for_mobile))];
    namespace(host, "torch.utils.mobile_optimizer", mobile);
    let jit_internal = vec![
        ("BroadcastingList1", Value::Typing("BroadcastingList1".into())),
        ("BroadcastingList2", Value::Typing("BroadcastingList2".into())),
        ("BroadcastingList3", Value::Typing("BroadcastingList3".into())),
        ("_overload", builtin("_overload", overload)),
    ];
    namespace(host, "torch._jit_internal", jit_internal);
    // PyTorch's usage logging (torchvision's `_log_api_usage_once`) records nothing here.
    namespace(host, "torch._C", vec![("_log_api_usage_once", builtin("_log_api_usage_once", log_api_usage))]);
    for name in ["torch._C._nn", "torch._VF", "torch.utils", "torch.backends"] {
        namespace(host, name, Vec::new());
    }

    super::typing::install(host);
    super::copy::install(host);
    super::re::install(host);
    let ordered_dict = native_class("OrderedDict", "collections", Vec::new(), NativeKind::Type);
    namespace(host, "_collections", vec![("OrderedDict", Value::Class(ordered_dict))]);
    super::math::install(host);
    // `warnings.warn` in code the host runs (`__init__`, module level) says
    // nothing, as `print` there, and the filters change nothing then; in
    // scripted code `warn` is `aten::warn`.
    let warnings = ["warn", "filterwarnings", "simplefilter", "resetwarnings", "catch_warnings"];
    namespace(host, "warnings", warnings.iter().map(|name| (*name, builtin(name, warn))).collect());
}

fn warn(_host: &mut Host<'_>, _args: Args) -> Eval<Value> {
    Ok(Value::None)
}

fn log_api_usage(_host: &mut Host<'_>, _args: Args) -> Eval<Value> {
    Ok(Value::None)
}

/// `torch.relu`, `torch._C._nn.linear` and the other aten functions:
/// computed by their kernels (see [`super::eager`]); a name aten does not
/// have can be named but not run.
pub(super) fn namespace_fallback(host: &mut Host<'_>, ns: &Namespace, name: Symbol) -> Option<Value> {
    let text = host.name(name);
    let native = matches!(&*ns.name, "torch" | "torch._C" | "torch._C._nn" | "torch._VF");
    let qualified = format!("{}.{text}", ns.name);
    (native && !text.starts_with("__")).then(|| match eager::operator(text) {
        Some(op) => aten_builtin(&qualified, op),
        None => builtin(&qualified, aten_stub),
    })
}

fn aten_stub(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    host.unsupported("this torch operation cannot run in module-level code yet", args.span)
}

// ---------------------------------------------------------------- helpers

fn dtype_arg(host: &Host<'_>, v: &Option<Value>, span: Span) -> Eval<Option<ScalarType>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Dtype(d)) => Ok(Some(*d)),
        Some(other) => host.raise("TypeError", format!("dtype must be torch.dtype, not {}", other.type_name()), span),
    }
}

pub(super) fn int_of(host: &Host<'_>, v: &Value, span: Span) -> Eval<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        // A one-element integer tensor reads as its value (`__index__`).
        Value::Tensor(t) if t.numel() == 1 && !t.dtype.is_floating_point() => {
            match eager::scalar(host, t, "a Python index", span)? {
                Value::Int(i) => Ok(i),
                Value::Bool(b) => Ok(i64::from(b)),
                _ => unreachable!("an integer tensor's item is an int or a bool"),
            }
        }
        other => host.raise("TypeError", format!("expected an int, got '{}'", other.type_name()), span),
    }
}

fn float_of(host: &Host<'_>, v: &Value, span: Span) -> Eval<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(i64::from(*b) as f64),
        Value::Float(f) => Ok(*f),
        other => host.raise("TypeError", format!("expected a number, got '{}'", other.type_name()), span),
    }
}

/// A shape given as `f(2, 3)` or `f((2, 3))` or `f([2, 3])`.
fn shape_args(host: &mut Host<'_>, positional: &[Value], span: Span) -> Eval<Vec<usize>> {
    let dims: Vec<Value> = match positional {
        [Value::Tuple(_) | Value::List(_)] => host.iterate(&positional[0], span)?,
        other => other.to_vec(),
    };
    dims.iter()
        .map(|d| {
            let n = int_of(host, d, span)?;
            if n < 0 {
                return host.raise(
                    "RuntimeError",
                    format!("Trying to create tensor with negative dimension {n}"),
                    span,
                );
            }
            Ok(n as usize)
        })
        .collect()
}

/// Refuses a tensor larger than the memory budget, as PyTorch's allocator
/// refuses one larger than the machine ("not enough memory").
fn allocation(host: &Host<'_>, shape: &[usize], dtype: ScalarType, span: Span) -> Eval<()> {
    crate::budget::tensor(shape, dtype.size())
        .or_else(|why| host.raise_code(Code::E5006, "RuntimeError", format!("this tensor {why}"), span))
}

fn keyword(host: &Host<'_>, args: &Args, name: &str) -> Option<Value> {
    args.keywords.iter().find(|(k, _)| host.name(*k) == name).map(|(_, v)| v.clone())
}

/// Keywords a factory function accepts besides `dtype`; anything else is
/// a TypeError as in PyTorch.
fn check_factory_keywords(host: &Host<'_>, args: &Args, function: &str, extra: &[&str]) -> Eval<()> {
    for (k, _) in &args.keywords {
        let k = host.name(*k);
        if !["dtype", "device", "requires_grad", "layout", "pin_memory", "memory_format", "generator", "out"]
            .contains(&k)
            && !extra.contains(&k)
        {
            return host.raise(
                "TypeError",
                format!("{function}() got an unexpected keyword argument '{k}'"),
                args.span,
            );
        }
    }
    Ok(())
}

fn new_seed(host: &mut Host<'_>) -> u64 {
    host.seed = host.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    host.seed
}

fn factory(host: &mut Host<'_>, args: Args, function: &str, fill: impl FnOnce(&mut Host<'_>) -> Fill) -> Eval<Value> {
    check_factory_keywords(host, &args, function, &[])?;
    // While a trace runs, a tensor made in `forward` is an operation of the
    // trace (its sizes may be the trace's): computed, and so recorded, by
    // the eager dispatch, as PyTorch's tracer records `aten::zeros`.
    if host.tape.is_some() && matches!(function, "zeros" | "ones" | "empty") {
        return eager::call(host, function, args);
    }
    let shape = shape_args(host, &args.positional, args.span)?;
    let dtype = dtype_arg(host, &keyword(host, &args, "dtype"), args.span)?.unwrap_or(ScalarType::Float32);
    allocation(host, &shape, dtype, args.span)?;
    let fill = fill(host);
    let mut t = Tensor::lazy(shape, dtype, fill);
    t.requires_grad = keyword(host, &args, "requires_grad").is_some_and(|v| v.truthy());
    Ok(Value::Tensor(Rc::new(t)))
}

fn empty(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    factory(host, args, "empty", |_| Fill::Uninitialized)
}

fn zeros(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    factory(host, args, "zeros", |_| Fill::Constant(0.0))
}

fn ones(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    factory(host, args, "ones", |_| Fill::Constant(1.0))
}

fn rand(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    factory(host, args, "rand", |host| Fill::Uniform { low: 0.0, high: 1.0, seed: new_seed(host) })
}

fn randn(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    factory(host, args, "randn", |host| Fill::Normal { mean: 0.0, std: 1.0, seed: new_seed(host) })
}

fn full(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    check_factory_keywords(host, &args, "full", &["size", "fill_value"])?;
    if let Some(size) = keyword(host, &args, "size") {
        args.positional.insert(0, size);
    }
    if let Some(value) = keyword(host, &args, "fill_value") {
        args.positional.push(value);
    }
    if args.positional.len() != 2 {
        return host.raise("TypeError", "full() missing required arguments: 'size' and 'fill_value'", args.span);
    }
    let shape = shape_args(host, &args.positional[..1], args.span)?;
    let value = args.positional[1].clone();
    let default = match value {
        Value::Bool(_) => ScalarType::Bool,
        Value::Int(_) => ScalarType::Int64,
        _ => ScalarType::Float32,
    };
    let dtype = dtype_arg(host, &keyword(host, &args, "dtype"), args.span)?.unwrap_or(default);
    let v = float_of(host, &value, args.span)?;
    allocation(host, &shape, dtype, args.span)?;
    Ok(Value::Tensor(Rc::new(Tensor::lazy(shape, dtype, Fill::Constant(v)))))
}

fn randint(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    check_factory_keywords(host, &args, "randint", &["low", "high", "size"])?;
    let (low, high, size) = match args.positional.as_slice() {
        [high, size] => (0, int_of(host, high, args.span)?, size.clone()),
        [low, high, size] => (int_of(host, low, args.span)?, int_of(host, high, args.span)?, size.clone()),
        _ => {
            return host.raise("TypeError", "randint() expects (high, size) or (low, high, size)", args.span);
        }
    };
    let shape = shape_args(host, &[size], args.span)?;
    let dtype = dtype_arg(host, &keyword(host, &args, "dtype"), args.span)?.unwrap_or(ScalarType::Int64);
    random_bounds(host, low, high, dtype, args.span)?;
    allocation(host, &shape, dtype, args.span)?;
    let seed = new_seed(host);
    let t = Tensor::lazy(shape, dtype, Fill::Integers { low, high, seed });
    Ok(Value::Tensor(Rc::new(t)))
}

/// The legacy constructors (`torch.LongTensor(10, 1)`,
/// `torch.LongTensor([3])`): sizes give an uninitialized tensor, a sequence
/// gives its values, in the constructor's dtype.
fn legacy(host: &mut Host<'_>, mut args: Args, dtype: ScalarType) -> Eval<Value> {
    let key = host.sym("dtype");
    args.keywords.push((key, Value::Dtype(dtype)));
    match args.positional.as_slice() {
        [Value::List(_) | Value::Tuple(_)] => tensor(host, args),
        _ => factory(host, args, dtype.torch_name(), |_| Fill::Uninitialized),
    }
}

fn float_tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    legacy(host, args, ScalarType::Float32)
}

fn double_tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    legacy(host, args, ScalarType::Float64)
}

fn long_tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    legacy(host, args, ScalarType::Int64)
}

fn int_tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    legacy(host, args, ScalarType::Int32)
}

fn bool_tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    legacy(host, args, ScalarType::Bool)
}

fn byte_tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    legacy(host, args, ScalarType::UInt8)
}

fn arange(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    check_factory_keywords(host, &args, "arange", &["start", "end", "step"])?;
    // `arange(end)` or `arange(start, end, step=1)`, any of them by keyword.
    let bounds = Args {
        positional: args.positional.clone(),
        keywords: args
            .keywords
            .iter()
            .filter(|(k, _)| matches!(host.name(*k), "start" | "end" | "step"))
            .cloned()
            .collect(),
        span: args.span,
    };
    let end_keyword = bounds.keywords.iter().any(|(k, _)| host.name(*k) == "end");
    let names: &[&str] =
        if bounds.positional.len() == 1 && !end_keyword { &["end"] } else { &["start", "end", "step"] };
    let slots = bounds.bind(host, "arange", names, 0)?;
    let slot = |name: &str| names.iter().position(|n| *n == name).and_then(|i| slots[i].clone());
    let Some(end) = slot("end") else {
        return host.raise("TypeError", "arange() missing required argument 'end' (pos 1)", args.span);
    };
    let values: Vec<Value> = [slot("start"), Some(end.clone()), slot("step")].into_iter().flatten().collect();
    let start = slot("start").map_or(Ok(0.0), |v| float_of(host, &v, args.span))?;
    let end = float_of(host, &end, args.span)?;
    let step = slot("step").map_or(Ok(1.0), |v| float_of(host, &v, args.span))?;
    if step == 0.0 {
        return host.raise("RuntimeError", "step must be nonzero", args.span);
    }
    let count = ((end - start) / step).ceil().max(0.0) as usize;
    let all_int = values.iter().all(|v| matches!(v, Value::Int(_) | Value::Bool(_)));
    let default = if all_int { ScalarType::Int64 } else { ScalarType::Float32 };
    let dtype = dtype_arg(host, &keyword(host, &args, "dtype"), args.span)?.unwrap_or(default);
    allocation(host, &[count], dtype, args.span)?;
    Ok(Value::Tensor(Rc::new(Tensor::lazy(vec![count], dtype, Fill::Arange { start, step }))))
}

/// `torch.tensor(data)`: nested lists of numbers.
fn tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    check_factory_keywords(host, &args, "tensor", &[])?;
    let Some(data) = args.positional.first().cloned() else {
        return host.raise("TypeError", "tensor() missing required argument: 'data'", args.span);
    };
    let mut shape = Vec::new();
    let mut values = Vec::new();
    let mut kinds = (false, false, false); // (any float, any int, any bool)
    flatten(host, &data, 0, &mut shape, &mut values, &mut kinds, args.span)?;
    let default = if kinds.0 {
        ScalarType::Float32
    } else if kinds.1 {
        ScalarType::Int64
    } else if kinds.2 {
        ScalarType::Bool
    } else {
        ScalarType::Float32
    };
    let dtype = dtype_arg(host, &keyword(host, &args, "dtype"), args.span)?.unwrap_or(default);
    Ok(Value::Tensor(Rc::new(Tensor::lazy(shape, dtype, Fill::Values(values.into())))))
}

fn flatten(
    host: &mut Host<'_>,
    v: &Value,
    depth: usize,
    shape: &mut Vec<usize>,
    values: &mut Vec<f64>,
    kinds: &mut (bool, bool, bool),
    span: Span,
) -> Eval<()> {
    match v {
        Value::List(_) | Value::Tuple(_) => {
            let items = host.iterate(v, span)?;
            if shape.len() == depth {
                shape.push(items.len());
            } else if shape[depth] != items.len() {
                return host.raise(
                    "ValueError",
                    format!("expected sequence of length {} at dim {depth} (got {})", shape[depth], items.len()),
                    span,
                );
            }
            for item in &items {
                flatten(host, item, depth + 1, shape, values, kinds, span)?;
            }
            Ok(())
        }
        Value::Float(f) => {
            kinds.0 = true;
            values.push(*f);
            Ok(())
        }
        Value::Int(i) => {
            // Values are kept as f64, exact up to 2^53; refuse beyond.
            if i.unsigned_abs() > 1 << 53 {
                return host.unsupported(
                    format!(
                        "`torch.tensor` of the integer {i} (beyond 2^53) is not supported in module-level code yet"
                    ),
                    span,
                );
            }
            kinds.1 = true;
            values.push(*i as f64);
            Ok(())
        }
        Value::Bool(b) => {
            kinds.2 = true;
            values.push(i64::from(*b) as f64);
            Ok(())
        }
        other => host.raise("TypeError", format!("new(): invalid data type '{}'", other.type_name()), span),
    }
}

fn like(host: &mut Host<'_>, args: Args, value: f64) -> Eval<Value> {
    match args.positional.first() {
        Some(Value::Tensor(t)) => {
            let dtype = dtype_arg(host, &keyword(host, &args, "dtype"), args.span)?.unwrap_or(t.dtype);
            Ok(Value::Tensor(Rc::new(Tensor::lazy(t.shape.clone(), dtype, Fill::Constant(value)))))
        }
        _ => host.raise("TypeError", "expected a tensor", args.span),
    }
}

fn zeros_like(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    like(host, args, 0.0)
}

fn ones_like(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    like(host, args, 1.0)
}

fn device(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "device", &["type", "index"], 1)?;
    match (&slots[0], &slots[1]) {
        (Some(Value::Str(s)), None) => Ok(Value::Device(s.clone())),
        (Some(Value::Str(s)), Some(Value::Int(i))) => Ok(Value::Device(format!("{s}:{i}").into())),
        (Some(Value::Device(d)), _) => Ok(Value::Device(d.clone())),
        _ => host.raise("TypeError", "device() expects a string such as 'cpu'", args.span),
    }
}

fn context(_host: &mut Host<'_>, _args: Args) -> Eval<Value> {
    Ok(Value::Opaque("context manager".into()))
}

fn manual_seed(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let seed = args.bind(host, "manual_seed", &["seed"], 1)?.remove(0).expect("required");
    host.seed = int_of(host, &seed, args.span)? as u64;
    Ok(Value::None)
}

fn default_dtype(_host: &mut Host<'_>, _args: Args) -> Eval<Value> {
    Ok(Value::Dtype(ScalarType::Float32))
}

fn is_tensor(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let v = args.bind(host, "is_tensor", &["obj"], 1)?.remove(0).expect("required");
    Ok(Value::Bool(matches!(v, Value::Tensor(_))))
}

/// `nn.Parameter(data=None, requires_grad=True)`.
fn parameter(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "Parameter", &["data", "requires_grad"], 0)?;
    let requires_grad = slots[1].as_ref().is_none_or(Value::truthy);
    let t = match &slots[0] {
        None | Some(Value::None) => Tensor::lazy(vec![0], ScalarType::Float32, Fill::Uninitialized),
        Some(Value::Tensor(t)) => t.alias(true, requires_grad),
        Some(other) => {
            return host.raise(
                "TypeError",
                format!("Parameter data must be a Tensor, not {}", other.type_name()),
                args.span,
            );
        }
    };
    let mut t = t;
    t.is_parameter = true;
    Ok(Value::Tensor(Rc::new(t)))
}

// ---------------------------------------------------------------- tensors

/// Attributes and methods of host tensors.
pub(super) fn tensor_attr(host: &mut Host<'_>, t: &Rc<Tensor>, name: &str, span: Span) -> Eval<Value> {
    Ok(match name {
        "shape" => shape_of(host, t, span),
        "dtype" => Value::Dtype(t.dtype),
        "device" => Value::Device("cpu".into()),
        "ndim" => Value::Int(t.shape.len() as i64),
        "requires_grad" => Value::Bool(t.requires_grad),
        "is_leaf" => Value::Bool(true),
        "data" => Value::Tensor(Rc::new(t.alias(false, false))),
        "size" | "dim" | "numel" | "uniform_" | "random_" | "normal_" | "zero_" | "fill_" | "detach" | "to"
        | "float" | "double" | "long" | "int" | "half" | "bool" | "requires_grad_" | "cpu" | "item"
        | "is_floating_point" | "element_size" => {
            let f: BuiltinFn = match name {
                "size" => tensor_size,
                "dim" => tensor_dim,
                "numel" => tensor_numel,
                "uniform_" => tensor_uniform,
                "random_" => tensor_random,
                "normal_" => tensor_normal,
                "zero_" => tensor_zero,
                "fill_" => tensor_fill,
                "float" => tensor_float,
                "double" => tensor_double,
                "long" => tensor_long,
                "int" => tensor_int,
                "half" => tensor_half,
                "bool" => tensor_bool,
                "is_floating_point" => tensor_is_floating_point,
                "element_size" => tensor_element_size,
                "item" => tensor_item,
                "to" => tensor_to,
                _ => tensor_same,
            };
            Value::Method(Rc::new((Value::Tensor(t.clone()), builtin(name, f))))
        }
        "tolist" => Value::Method(Rc::new((Value::Tensor(t.clone()), builtin(name, tensor_tolist)))),
        _ => match eager::operator(name) {
            Some(op) => Value::Method(Rc::new((Value::Tensor(t.clone()), aten_builtin(name, op)))),
            None => {
                return host.unsupported(format!("`Tensor.{name}` cannot be used in module-level code yet"), span);
            }
        },
    })
}

/// `t.tolist()`: nested lists of Python numbers.
fn tensor_tolist(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    host.converted(&t, "a Python list", args.span);
    eager::to_list(host, &t, args.span)
}

fn receiver_tensor(args: &mut Args) -> Rc<Tensor> {
    match args.positional.remove(0) {
        Value::Tensor(t) => t,
        _ => unreachable!("tensor methods are bound to tensors"),
    }
}

fn tensor_size(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    let slots = args.bind(host, "size", &["dim"], 0)?;
    match &slots[0] {
        None => Ok(shape_of(host, &t, args.span)),
        Some(d) => {
            let d = int_of(host, d, args.span)?;
            let rank = t.shape.len() as i64;
            let at = if d < 0 { d + rank } else { d };
            if !(0..rank).contains(&at) {
                return host.raise(
                    "IndexError",
                    format!(
                        "Dimension out of range (expected to be in range of [{}, {}], but got {d})",
                        -rank,
                        rank - 1
                    ),
                    args.span,
                );
            }
            Ok(size_of(host, &t, at as usize, args.span))
        }
    }
}

/// `t.shape`, `t.size()`: ints, or while `t` is traced the 0-dim tensors
/// PyTorch's tracer returns, so that sizes stay values of the trace.
fn shape_of(host: &Host<'_>, t: &Rc<Tensor>, span: Span) -> Value {
    Value::tuple((0..t.shape.len()).map(|d| size_of(host, t, d, span)).collect())
}

fn size_of(host: &Host<'_>, t: &Rc<Tensor>, dim: usize, span: Span) -> Value {
    traced_size(host, t, Some(dim), t.shape[dim] as i64, span)
}

/// A size `n` of `t` (dimension `dim`, else its element count): an int,
/// or the trace's 0-dim tensor while `t` is traced.
fn traced_size(host: &Host<'_>, t: &Rc<Tensor>, dim: Option<usize>, n: i64, span: Span) -> Value {
    if !host.traces(t) {
        return Value::Int(n);
    }
    let size = Rc::new(Tensor::from_bytes(Vec::new(), ScalarType::Int64, n.to_le_bytes().to_vec().into()));
    if let Some(tape) = &host.tape {
        tape.borrow_mut().size(t, dim, &size, span);
    }
    Value::Tensor(size)
}

fn tensor_dim(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    Ok(Value::Int(receiver_tensor(&mut args).shape.len() as i64))
}

fn tensor_numel(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    Ok(traced_size(host, &t, None, t.numel() as i64, args.span))
}

fn tensor_uniform(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    refillable(host, &t, "uniform_", args.span)?;
    let slots = args.bind(host, "uniform_", &["from", "to"], 0)?;
    let low = slots[0].as_ref().map_or(Ok(0.0), |v| float_of(host, v, args.span))?;
    let high = slots[1].as_ref().map_or(Ok(1.0), |v| float_of(host, v, args.span))?;
    let seed = new_seed(host);
    t.refill(Fill::Uniform { low, high, seed });
    Ok(Value::Tensor(t))
}

/// PyTorch's checks of `[low, high)` for integers of `dtype`, with its
/// words (which name the C type).
fn random_bounds(host: &mut Host<'_>, low: i64, high: i64, dtype: ScalarType, span: Span) -> Eval<()> {
    if low >= high {
        let message = format!("random_ expects 'from' to be less than 'to', but got from={low} >= to={high}");
        return host.raise("RuntimeError", message, span);
    }
    let (min, max, name) = match dtype {
        ScalarType::Bool => (0, 1, "bool"),
        ScalarType::UInt8 => (0, i64::from(u8::MAX), "unsigned char"),
        ScalarType::Int8 => (i64::from(i8::MIN), i64::from(i8::MAX), "signed char"),
        ScalarType::Int16 => (i64::from(i16::MIN), i64::from(i16::MAX), "short"),
        ScalarType::Int32 => (i64::from(i32::MIN), i64::from(i32::MAX), "int"),
        _ => return Ok(()),
    };
    if !(min..=max).contains(&low) {
        return host.raise("RuntimeError", format!("from is out of bounds for {name}"), span);
    }
    if !(min..=max).contains(&(high - 1)) {
        return host.raise("RuntimeError", format!("to - 1 is out of bounds for {name}"), span);
    }
    Ok(())
}

/// `t.random_(to)`, `t.random_(from, to)`: integers in `[from, to)`, from
/// tsc's own random stream.
fn tensor_random(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    refillable(host, &t, "random_", args.span)?;
    let bounds: Vec<i64> = args.positional.iter().map(|v| int_of(host, v, args.span)).collect::<Eval<_>>()?;
    let (low, high) = match bounds[..] {
        [to] => (0, to),
        [from, to] => (from, to),
        _ => return host.unsupported("`random_` without bounds is not supported in module-level code", args.span),
    };
    random_bounds(host, low, high, t.dtype, args.span)?;
    let seed = new_seed(host);
    t.refill(Fill::Integers { low, high, seed });
    Ok(Value::Tensor(t))
}

fn tensor_normal(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    refillable(host, &t, "normal_", args.span)?;
    let slots = args.bind(host, "normal_", &["mean", "std"], 0)?;
    let mean = slots[0].as_ref().map_or(Ok(0.0), |v| float_of(host, v, args.span))?;
    let std = slots[1].as_ref().map_or(Ok(1.0), |v| float_of(host, v, args.span))?;
    let seed = new_seed(host);
    t.refill(Fill::Normal { mean, std, seed });
    Ok(Value::Tensor(t))
}

fn tensor_zero(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    refillable(host, &t, "zero_", args.span)?;
    t.refill(Fill::Constant(0.0));
    Ok(Value::Tensor(t))
}

fn tensor_fill(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    refillable(host, &t, "fill_", args.span)?;
    let v = args.bind(host, "fill_", &["value"], 1)?.remove(0).expect("required");
    t.refill(Fill::Constant(float_of(host, &v, args.span)?));
    Ok(Value::Tensor(t))
}

/// Whether `t` may be refilled in place (`t.zero_()`, `t.normal_()`): not
/// a copy PyTorch would hold as a view, and not a tensor a running trace
/// holds (the refill is not one of its operations yet).
fn refillable(host: &mut Host<'_>, t: &Rc<Tensor>, method: &str, span: Span) -> Eval<()> {
    super::tensor_index::check_writable(host, t, span)?;
    host.refuse_traced(t, || format!("`{method}` of a traced tensor cannot be traced yet"), span);
    Ok(())
}

fn tensor_same(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    Ok(Value::Tensor(receiver_tensor(&mut args)))
}

/// `t.to("cpu")` is `t` itself (tsc computes on the CPU); `t.to(dtype)` and
/// the other forms are aten's `to`.
fn tensor_to(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let device_only =
        args.keywords.is_empty() && args.positional[1..].iter().all(|v| matches!(v, Value::Device(_) | Value::Str(_)));
    if device_only {
        return Ok(args.positional[0].clone());
    }
    eager::call(host, "to", args)
}

/// `t.float()` and the like: a lazy fill stays lazy in the new dtype;
/// data is converted by the kernel.
fn retyped(host: &mut Host<'_>, mut args: Args, dtype: ScalarType) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    if t.dtype == dtype {
        return Ok(Value::Tensor(t));
    }
    let fill = match &*t.storage.borrow() {
        crate::tensor::Storage::Lazy { fill, patches, numel }
            if patches.is_empty() && t.offset == 0 && *numel == t.numel() =>
        {
            Some(fill.clone())
        }
        _ => None,
    };
    match fill {
        Some(fill) => Ok(Value::Tensor(Rc::new(Tensor::lazy(t.shape.clone(), dtype, fill)))),
        None => eager::call(host, "to", Args::positional(vec![Value::Tensor(t), Value::Dtype(dtype)], args.span)),
    }
}

fn tensor_float(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    retyped(host, args, ScalarType::Float32)
}

fn tensor_double(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    retyped(host, args, ScalarType::Float64)
}

fn tensor_long(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    retyped(host, args, ScalarType::Int64)
}

fn tensor_int(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    retyped(host, args, ScalarType::Int32)
}

fn tensor_half(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    retyped(host, args, ScalarType::Float16)
}

fn tensor_bool(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    retyped(host, args, ScalarType::Bool)
}

fn tensor_is_floating_point(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    Ok(Value::Bool(receiver_tensor(&mut args).dtype.is_floating_point()))
}

fn tensor_element_size(_host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    Ok(Value::Int(receiver_tensor(&mut args).dtype.size() as i64))
}

fn tensor_item(host: &mut Host<'_>, mut args: Args) -> Eval<Value> {
    let t = receiver_tensor(&mut args);
    host.converted(&t, "a Python number", args.span);
    if t.numel() != 1 {
        return host.raise(
            "RuntimeError",
            format!("a Tensor with {} elements cannot be converted to Scalar", t.numel()),
            args.span,
        );
    }
    match &*t.storage.borrow() {
        crate::tensor::Storage::Lazy { fill: Fill::Constant(c), patches, .. } if patches.is_empty() => {
            Ok(if t.dtype.is_floating_point() { Value::Float(*c) } else { Value::Int(*c as i64) })
        }
        crate::tensor::Storage::Lazy { fill: Fill::Values(v), patches, .. } if patches.is_empty() => {
            let c = v.get(t.offset).copied().unwrap_or(0.0);
            Ok(if t.dtype.is_floating_point() { Value::Float(c) } else { Value::Int(c as i64) })
        }
        _ => eager::item(host, &t, args.span),
    }
}

// ---------------------------------------------------------------- init

fn tensor_arg(host: &Host<'_>, v: &Option<Value>, span: Span) -> Eval<Rc<Tensor>> {
    match v {
        Some(Value::Tensor(t)) => Ok(t.clone()),
        Some(other) => host.raise("TypeError", format!("expected a Tensor, got '{}'", other.type_name()), span),
        None => host.raise("TypeError", "missing tensor argument", span),
    }
}

fn fans(host: &Host<'_>, t: &Tensor, span: Span) -> Eval<(f64, f64)> {
    if t.shape.len() < 2 {
        return host.raise(
            "ValueError",
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions",
            span,
        );
    }
    let receptive: usize = t.shape[2..].iter().product();
    Ok(((t.shape[1] * receptive) as f64, (t.shape[0] * receptive) as f64))
}

fn fan_in_and_fan_out(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "_calculate_fan_in_and_fan_out", &["tensor"], 1)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    let (fan_in, fan_out) = fans(host, &t, args.span)?;
    Ok(Value::tuple(vec![Value::Int(fan_in as i64), Value::Int(fan_out as i64)]))
}

fn mode_fan(host: &Host<'_>, t: &Tensor, mode: &Option<Value>, span: Span) -> Eval<f64> {
    let (fan_in, fan_out) = fans(host, t, span)?;
    match mode {
        None => Ok(fan_in),
        Some(Value::Str(m)) if &**m == "fan_in" => Ok(fan_in),
        Some(Value::Str(m)) if &**m == "fan_out" => Ok(fan_out),
        Some(other) => {
            let text = super::ops::repr(host, other);
            host.raise("ValueError", format!("Mode {text} not supported, please use one of fan_in, fan_out"), span)
        }
    }
}

fn correct_fan(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "_calculate_correct_fan", &["tensor", "mode"], 2)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    Ok(Value::Int(mode_fan(host, &t, &slots[1], args.span)? as i64))
}

fn gain(host: &Host<'_>, nonlinearity: &Option<Value>, param: &Option<Value>, span: Span) -> Eval<f64> {
    let name = match nonlinearity {
        Some(Value::Str(s)) => s.to_string(),
        None => "leaky_relu".to_string(),
        Some(other) => {
            return host.raise("ValueError", format!("Unsupported nonlinearity {}", other.type_name()), span);
        }
    };
    Ok(match name.as_str() {
        "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
        | "sigmoid" => 1.0,
        "tanh" => 5.0 / 3.0,
        "relu" => 2f64.sqrt(),
        "leaky_relu" => {
            let slope = match param {
                None | Some(Value::None) => 0.01,
                Some(v) => float_of(host, v, span)?,
            };
            (2.0 / (1.0 + slope * slope)).sqrt()
        }
        "selu" => 3.0 / 4.0,
        other => {
            return host.raise("ValueError", format!("Unsupported nonlinearity {other}"), span);
        }
    })
}

fn calculate_gain(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "calculate_gain", &["nonlinearity", "param"], 1)?;
    Ok(Value::Float(gain(host, &slots[0], &slots[1], args.span)?))
}

fn init_uniform(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "uniform_", &["tensor", "a", "b", "generator"], 1)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    let low = slots[1].as_ref().map_or(Ok(0.0), |v| float_of(host, v, args.span))?;
    let high = slots[2].as_ref().map_or(Ok(1.0), |v| float_of(host, v, args.span))?;
    let seed = new_seed(host);
    t.refill(Fill::Uniform { low, high, seed });
    Ok(Value::Tensor(t))
}

fn init_normal(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "normal_", &["tensor", "mean", "std", "a", "b", "generator"], 1)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    let mean = slots[1].as_ref().map_or(Ok(0.0), |v| float_of(host, v, args.span))?;
    let std = slots[2].as_ref().map_or(Ok(1.0), |v| float_of(host, v, args.span))?;
    let seed = new_seed(host);
    t.refill(Fill::Normal { mean, std, seed });
    Ok(Value::Tensor(t))
}

fn init_constant(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "constant_", &["tensor", "val"], 2)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    let v = float_of(host, slots[1].as_ref().expect("required"), args.span)?;
    t.refill(Fill::Constant(v));
    Ok(Value::Tensor(t))
}

fn init_ones(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "ones_", &["tensor"], 1)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    t.refill(Fill::Constant(1.0));
    Ok(Value::Tensor(t))
}

fn init_zeros(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "zeros_", &["tensor"], 1)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    t.refill(Fill::Constant(0.0));
    Ok(Value::Tensor(t))
}

fn xavier(host: &mut Host<'_>, args: Args, name: &str, uniform: bool) -> Eval<Value> {
    let slots = args.bind(host, name, &["tensor", "gain", "generator"], 1)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    let gain = slots[1].as_ref().map_or(Ok(1.0), |v| float_of(host, v, args.span))?;
    let (fan_in, fan_out) = fans(host, &t, args.span)?;
    let std = gain * (2.0 / (fan_in + fan_out)).sqrt();
    let seed = new_seed(host);
    t.refill(if uniform {
        let a = 3f64.sqrt() * std;
        Fill::Uniform { low: -a, high: a, seed }
    } else {
        Fill::Normal { mean: 0.0, std, seed }
    });
    Ok(Value::Tensor(t))
}

fn xavier_uniform(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    xavier(host, args, "xavier_uniform_", true)
}

fn xavier_normal(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    xavier(host, args, "xavier_normal_", false)
}

fn kaiming(host: &mut Host<'_>, args: Args, name: &str, uniform: bool) -> Eval<Value> {
    let slots = args.bind(host, name, &["tensor", "a", "mode", "nonlinearity", "generator"], 1)?;
    let t = tensor_arg(host, &slots[0], args.span)?;
    if t.shape.contains(&0) {
        return Ok(Value::Tensor(t));
    }
    let fan = mode_fan(host, &t, &slots[2], args.span)?;
    let a = slots[1].clone().or(Some(Value::Int(0)));
    let gain = gain(host, &slots[3], &a, args.span)?;
    let std = gain / fan.sqrt();
    let seed = new_seed(host);
    t.refill(if uniform {
        let bound = 3f64.sqrt() * std;
        Fill::Uniform { low: -bound, high: bound, seed }
    } else {
        Fill::Normal { mean: 0.0, std, seed }
    });
    Ok(Value::Tensor(t))
}

fn kaiming_uniform(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    kaiming(host, args, "kaiming_uniform_", true)
}

fn kaiming_normal(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    kaiming(host, args, "kaiming_normal_", false)
}

// ---------------------------------------------------------------- jit and entries

fn record_entry(
    host: &mut Host<'_>,
    kind: EntryKind,
    target: Value,
    example_inputs: Option<Value>,
    span: Span,
) -> Value {
    let entry = Rc::new(Entry { kind, target, example_inputs, preserved_methods: Vec::new(), span });
    host.entries.push(entry.clone());
    Value::Entry(entry)
}

fn script(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "script", &["obj", "optimize", "_frames_up", "_rcb", "example_inputs"], 1)?;
    let target = slots[0].clone().expect("required");
    match &target {
        Value::Instance(i) if i.class.is_module() => {}
        Value::Function(_) | Value::Entry(_) => {}
        Value::Class(_) => {
            return host.unsupported("scripting a class directly is not supported yet", args.span);
        }
        other => {
            return host.raise(
                "RuntimeError",
                format!(
                    "Type '{}' cannot be compiled since it inherits from nn.Module, pass an instance instead",
                    other.type_name()
                ),
                args.span,
            );
        }
    }
    if let Value::Entry(_) = target {
        return Ok(target);
    }
    Ok(record_entry(host, EntryKind::Script, target, None, args.span))
}

fn trace(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let names = ["func", "example_inputs", "optimize", "check_trace", "check_inputs", "check_tolerance", "strict"];
    let slots = args.bind(host, "trace", &names, 1)?;
    let target = slots[0].clone().expect("required");
    let inputs = slots[1].clone();
    if inputs.is_none() {
        return host.raise("RuntimeError", "example_inputs must be provided to torch.jit.trace", args.span);
    }
    Ok(record_entry(host, EntryKind::Trace, target, inputs, args.span))
}

fn optimize_for_mobile(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let names = ["script_module", "optimization_blocklist", "preserved_methods", "backend"];
    let slots = args.bind(host, "optimize_for_mobile", &names, 1)?;
    let target = slots[0].clone().expect("required");
    if !matches!(target, Value::Entry(_)) {
        return host.raise(
            "TypeError",
            format!("optimize_for_mobile expects a torch.jit.ScriptModule, got '{}'", target.type_name()),
            args.span,
        );
    }
    // `preserved_methods=["features"]`: kept for `tsc compile`.
    let preserved_methods = match &slots[2] {
        Some(Value::List(items)) => items
            .borrow()
            .iter()
            .filter_map(|v| match v {
                Value::Str(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let entry = Rc::new(Entry {
        kind: EntryKind::OptimizeForMobile,
        target,
        example_inputs: None,
        preserved_methods,
        span: args.span,
    });
    host.entries.push(entry.clone());
    Ok(Value::Entry(entry))
}

/// Decorators that mark methods for the script compiler (`@torch.jit.export`,
/// `ignore`, `unused`); the compiler reads them from the source.
fn decorator(_host: &mut Host<'_>, args: Args) -> Eval<Value> {
    match args.positional.first() {
        Some(v @ (Value::Function(_) | Value::Builtin(_))) => Ok(v.clone()),
        // `@torch.jit.ignore(drop=True)`: a decorator factory.
        _ => Ok(builtin("decorator", decorator)),
    }
}

/// `@torch.jit._overload`: records the declaration in its module's globals.
fn overload(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let Some(Value::Function(f)) = args.positional.first() else { return decorator(host, args) };
    let key = host.sym(&f.overloads_key());
    let mut attrs = f.globals.attrs.borrow_mut();
    match attrs.get(&key) {
        Some(Value::List(list)) => list.borrow_mut().push(Value::Function(f.clone())),
        _ => {
            attrs.insert(key, Value::list(vec![Value::Function(f.clone())]));
        }
    }
    Ok(Value::Function(f.clone()))
}

fn false_fn(_host: &mut Host<'_>, _args: Args) -> Eval<Value> {
    Ok(Value::Bool(false))
}

fn annotate(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "annotate", &["the_type", "the_value"], 2)?;
    Ok(slots[1].clone().expect("required"))
}

fn attribute(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let slots = args.bind(host, "Attribute", &["value", "type"], 2)?;
    Ok(slots[0].clone().expect("required"))
}

/// Attributes of a scripted/traced module: recorded saves, opaque `.code`
/// and `.graph`, and the wrapped module's attributes.
pub(super) fn entry_attr(host: &mut Host<'_>, entry: &Rc<Entry>, name: Symbol, span: Span) -> Eval<Value> {
    let this = Value::Entry(entry.clone());
    match host.name(name) {
        "save" | "_save_for_lite_interpreter" => Ok(Value::Method(Rc::new((this, builtin("save", save))))),
        "code" | "graph" | "inlined_graph" | "original_name" => Ok(Value::Opaque("TorchScript text".into())),
        "eval" => Ok(Value::Method(Rc::new((this, builtin("eval", entry_eval))))),
        "train" => Ok(Value::Method(Rc::new((this, builtin("train", entry_train))))),
        "to" | "cpu" | "float" => Ok(Value::Method(Rc::new((this, builtin("to", entry_same))))),
        _ => host.get_attr(&entry.target, name, span),
    }
}

fn save(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let path = match args.positional.get(1) {
        Some(Value::Str(s)) => s.to_string(),
        _ => return host.raise("TypeError", "save() expects a file name", args.span),
    };
    host.saves.push((path, args.span));
    Ok(Value::None)
}

/// Sets the training flag of the module an entry wraps; returns the entry.
fn set_entry_training(host: &mut Host<'_>, entry: &Value, mode: bool) {
    if let Value::Entry(e) = entry
        && let Value::Instance(i) = &e.target
    {
        super::module::set_training(host, i, mode);
    }
}

fn entry_eval(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let entry = args.positional[0].clone();
    set_entry_training(host, &entry, false);
    Ok(entry)
}

fn entry_train(host: &mut Host<'_>, args: Args) -> Eval<Value> {
    let entry = args.positional[0].clone();
    let mode = args.positional.get(1).is_none_or(Value::truthy);
    set_entry_training(host, &entry, mode);
    Ok(entry)
}

fn entry_same(_host: &mut Host<'_>, args: Args) -> Eval<Value> {
    Ok(args.positional[0].clone())
}

/// Calling `torch.jit.script(m)` at module level runs `m`'s Python forward
/// eagerly: for a program TorchScript accepts, what its graph computes. A
/// traced module runs the graph recorded on its example inputs; that is
/// the eager run only on those same inputs, the only ones tsc runs it on.
pub(super) fn call_entry(host: &mut Host<'_>, entry: &Rc<Entry>, args: Args, span: Span) -> Eval<Value> {
    if entry.kind == EntryKind::Trace && !traced_on(entry, &args) {
        return host.unsupported(
            "a traced module runs the graph recorded when it was traced; tsc runs it in module-level code only on the example inputs it was traced with",
            span,
        );
    }
    match &entry.target {
        Value::Instance(instance) => super::module::call_module(host, instance, args, span),
        Value::Entry(inner) => call_entry(host, inner, args, span),
        target => host.call(target.clone(), args, span),
    }
}

/// Whether `args` are the very example inputs `entry` was traced with.
fn traced_on(entry: &Entry, args: &Args) -> bool {
    let examples = match &entry.example_inputs {
        Some(Value::Tuple(items)) => items.to_vec(),
        Some(one) => vec![one.clone()],
        None => return false,
    };
    args.keywords.is_empty()
        && args.positional.len() == examples.len()
        && args.positional.iter().zip(&examples).all(|(a, b)| match (a, b) {
            (Value::Tensor(a), Value::Tensor(b)) => Rc::ptr_eq(a, b),
            (a, b) => super::ops::equal(a, b),
        })
}
