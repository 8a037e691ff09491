//! Tensor operations in code the host runs (module level, `__init__`): a
//! call is matched to an aten schema with TorchScript's rules and computed
//! by the kernels `tsc run` uses, so the host, the interpreter and the
//! tracer compute every operation the same way. Only the operands are
//! materialized: a file that computes nothing touches no weight data.

use std::rc::Rc;

use bytes::Bytes;

use super::call::Args;
use super::eval::{Eval, Host};
use super::tape::{Argument, Operation};
use super::value::Value;
use crate::ops::matching::{Conversion, Plan, Source, match_schema};
use crate::ops::{DefaultValue, OpKind, Schema, op, registry};
use crate::runtime::{KernelError, RTensor, RValue, kernels};
use crate::source::Span;
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};
use crate::tensor::Tensor;
use crate::types::{ScalarType, Type};

/// `name` as the registry holds it, if `aten::{name}` exists: then
/// `torch.{name}` and `t.{name}(...)` are computed here.
pub(super) fn operator(name: &str) -> Option<&'static str> {
    let schema = registry().overloads(&format!("aten::{name}")).first()?;
    schema.name.strip_prefix("aten::")
}

/// Calls `aten::{name}` on the host's values: the first schema that takes
/// them without conversions, else the first that takes them with some (the
/// order PyTorch tries overloads in).
pub(super) fn call(host: &mut Host<'_>, name: &str, args: Args) -> Eval<Value> {
    let span = args.span;
    let qualified = format!("aten::{name}");
    let keywords: Vec<(String, Value)> =
        args.keywords.into_iter().map(|(k, v)| (host.name(k).to_string(), v)).collect();
    let given = (args.positional, keywords);
    let overloads = registry().overloads(&qualified);
    // A size a trace holds as a 0-dim tensor passes where an int goes
    // (`x.view(n, -1)`), as PyTorch's argument parser takes it.
    let mut chosen = chosen_schema(overloads, &given.0, &given.1);
    let mut numbers = None;
    if !matches!(chosen, Some(Some(_))) && host.tape.is_some() {
        let positional: Vec<Value> = given.0.iter().map(sizes_as_ints).collect();
        let keywords: Vec<(String, Value)> = given.1.iter().map(|(k, v)| (k.clone(), sizes_as_ints(v))).collect();
        chosen = chosen_schema(overloads, &positional, &keywords);
        numbers = Some((positional, keywords));
    }
    let (positional, keywords) = numbers.as_ref().map_or((&given.0, &given.1), |(p, k)| (p, k));
    // `x.contiguous()` is `x` itself (the kernel returns its argument),
    // but a fresh tensor where PyTorch's `x` is a reordered view.
    if name == "contiguous"
        && let Some(Value::Tensor(input)) = positional.first()
        && super::tensor_index::copy_of_view(host, input) == Some(super::tensor_index::Order::Reordered)
    {
        let copy = Rc::new(Tensor::from_bytes(input.shape.clone(), input.dtype, input.bytes()));
        if let Some(tape) = host.tape.as_ref().filter(|_| host.traces(input)) {
            let value = RTensor::from_host(input).or_else(|e| kernel_error(host, &e, span))?;
            // (`memory_format=torch.contiguous_format`, 0 to the IR.)
            let args = [
                Argument { given: Some(Value::Tensor(input.clone())), value: RValue::Tensor(value) },
                Argument { given: None, value: RValue::Int(0) },
            ];
            let results = [Value::Tensor(copy.clone())];
            tape.borrow_mut().operation(&Operation {
                kind: op::aten::contiguous,
                overload: "",
                args: &args,
                results: &results,
                span,
            });
        }
        return Ok(Value::Tensor(copy));
    }
    let Some(chosen) = chosen else {
        return host.unsupported(format!("`{qualified}` cannot take these arguments in module-level code yet"), span);
    };
    let Some((schema, plan)) = chosen else {
        let first = overloads.first().map_or_else(String::new, |s| format!(": {s}"));
        return host.raise(
            "RuntimeError",
            format!("no overload of `{qualified}` accepts these arguments{first}"),
            span,
        );
    };
    let mut values = Vec::with_capacity(plan.sources.len());
    // The host value each argument came from: for a kernel that returns
    // its argument itself, and for the trace.
    let mut sources = Vec::with_capacity(plan.sources.len());
    for source in &plan.sources {
        sources.push(match source {
            Source::Positional(i, _) | Source::Vararg(i) => given.0.get(*i).cloned(),
            Source::Keyword(i, _) => given.1.get(*i).map(|(_, v)| v.clone()),
            Source::Packed(start, end) => Some(Value::list(given.0[*start..*end].to_vec())),
            Source::Default(_) => None,
        });
        let value = match source {
            Source::Positional(i, conversion) => convert(host, &positional[*i], conversion, span)?,
            Source::Keyword(i, conversion) => convert(host, &keywords[*i].1, conversion, span)?,
            Source::Default(default) => match default_value(default) {
                Some(v) => v,
                None => return host.unsupported(format!("`{schema}`'s defaults cannot be used here yet"), span),
            },
            Source::Vararg(i) => to_runtime(host, &positional[*i], span)?,
            Source::Packed(start, end) => {
                // `x.view(n, -1)` with a size a trace holds: its int.
                let items = positional[*start..*end].iter().map(|v| to_runtime(host, &sizes_as_ints(v), span));
                RValue::list(items.collect::<Eval<Vec<_>>>()?)
            }
        };
        values.push(value);
    }
    let kind = OpKind::intern(&qualified);
    let outputs = match kernels::call(kind, &schema.overload, &values) {
        Ok(outputs) => outputs,
        Err(e) => return kernel_error(host, &e, span),
    };
    let in_place = name.ends_with('_') && !name.starts_with("__");
    // A result that is an argument itself (`x.to(x.dtype)`) is that host
    // tensor, as PyTorch returns `self`: writes through it reach it. (An
    // in-place kernel's result is new contents, stored below.)
    let mut results = outputs
        .iter()
        .map(|v| match v {
            RValue::Tensor(out) if !in_place => {
                match values.iter().zip(&sources).find_map(|(arg, source)| match (arg, source) {
                    (RValue::Tensor(a), Some(Value::Tensor(t))) if a.same(out) => Some(t.clone()),
                    _ => None,
                }) {
                    Some(t) => Ok(Value::Tensor(t)),
                    None => from_runtime(host, v, span),
                }
            }
            _ => from_runtime(host, v, span),
        })
        .collect::<Eval<Vec<_>>>()?;
    // PyTorch's result would share its input's storage; the host's is a
    // copy, so writing into it in place is refused (see `tensor_index`).
    if crate::runtime::views::may_alias(kind) {
        let order = reorders(kind, positional);
        for result in &results {
            super::tensor_index::mark_copies(host, result, order);
        }
    }
    let result = if results.len() == 1 { results.remove(0) } else { Value::tuple(results) };
    // `t.mul_(2)`: the kernel computed on a copy; `t` takes its value.
    let result = match positional.first() {
        Some(Value::Tensor(receiver)) if in_place => {
            write_into(host, receiver, result, span)?;
            Value::Tensor(receiver.clone())
        }
        _ => result,
    };
    if let Some(tape) = &host.tape {
        let args: Vec<Argument> =
            sources.into_iter().zip(values).map(|(given, value)| Argument { given, value }).collect();
        let results = match &result {
            Value::Tuple(items) if outputs.len() > 1 => items.to_vec(),
            one => vec![one.clone()],
        };
        tape.borrow_mut().operation(&Operation {
            kind,
            overload: &schema.overload,
            args: &args,
            results: &results,
            span,
        });
    }
    Ok(result)
}

/// The overload PyTorch calls for these arguments: the first schema that
/// takes them without conversions, else the first that takes them with
/// some; `None` if a value is of no type a schema takes, `Some(None)` if
/// no schema takes them.
#[allow(clippy::type_complexity)]
fn chosen_schema(
    overloads: &'static [Schema],
    positional: &[Value],
    keywords: &[(String, Value)],
) -> Option<Option<(&'static Schema, Plan)>> {
    let types = positional.iter().map(type_of).collect::<Option<Vec<_>>>()?;
    let keyword_types = keywords.iter().map(|(k, v)| type_of(v).map(|t| (k.clone(), t))).collect::<Option<Vec<_>>>()?;
    let mut plans = overloads
        .iter()
        .filter_map(|s| match_schema(s, &types, &keyword_types).ok().map(|p| (s, p)))
        .collect::<Vec<_>>();
    let at = plans.iter().position(|(_, p)| !p.converts()).unwrap_or(0);
    Some((!plans.is_empty()).then(|| plans.swap_remove(at)))
}

/// `v` with 0-dim integer tensors (sizes a trace holds) as the ints they
/// hold, in lists and tuples too.
pub(super) fn sizes_as_ints(v: &Value) -> Value {
    match v {
        Value::Tensor(t) if t.shape.is_empty() && t.dtype == ScalarType::Int64 => {
            match RTensor::from_host(t).ok().and_then(|r| r.to_i64s().ok()) {
                Some(values) => Value::Int(values[0]),
                None => v.clone(),
            }
        }
        Value::List(items) => Value::list(items.borrow().iter().map(sizes_as_ints).collect()),
        Value::Tuple(items) => Value::tuple(items.iter().map(sizes_as_ints).collect()),
        other => other.clone(),
    }
}

fn kernel_error<T>(host: &Host<'_>, e: &KernelError, span: Span) -> Eval<T> {
    if e.unsupported {
        host.unsupported(format!("{} (in module-level code)", e.message), span)
    } else {
        host.raise("RuntimeError", e.message.clone(), span)
    }
}

/// The TorchScript type a host value has as an operator argument; `None`
/// for values no schema takes.
fn type_of(v: &Value) -> Option<Type> {
    Some(match v {
        Value::None => Type::None,
        Value::Bool(_) => Type::Bool,
        Value::Int(_) | Value::Dtype(_) => Type::Int,
        Value::Float(_) => Type::Float,
        Value::Str(_) => Type::Str,
        Value::Device(_) => Type::Device,
        Value::Tensor(_) => Type::Tensor,
        Value::Tuple(items) => Type::Tuple(items.iter().map(type_of).collect::<Option<_>>()?),
        Value::List(items) => {
            let items = items.borrow();
            let mut element: Option<Type> = None;
            for item in items.iter() {
                let t = type_of(item)?;
                element = Some(match element {
                    None => t,
                    Some(e) if e == t => e,
                    // Python lists mix ints and floats; a `float[]` takes both.
                    Some(Type::Int | Type::Float) if matches!(t, Type::Int | Type::Float) => Type::Float,
                    Some(_) => return None,
                });
            }
            Type::list(element.unwrap_or(Type::Int))
        }
        _ => return None,
    })
}

fn convert(host: &mut Host<'_>, v: &Value, conversion: &Conversion, span: Span) -> Eval<RValue> {
    let value = to_runtime(host, v, span)?;
    Ok(match (conversion, value) {
        (Conversion::None | Conversion::StrToDevice, value) => value,
        (Conversion::TensorTo(ty), RValue::Tensor(t)) => {
            let x = t.item().or_else(|e| kernel_error(host, &e, span))?;
            match ty {
                Type::Int => RValue::Int(x as i64),
                // A Scalar keeps the tensor's kind of number.
                Type::Number if t.dtype() == crate::types::ScalarType::Bool => RValue::Bool(x != 0.0),
                Type::Number if !t.dtype().is_floating_point() => RValue::Int(x as i64),
                _ => RValue::Float(x),
            }
        }
        (Conversion::Repeat(n), value) => RValue::list(vec![value; *n]),
        (Conversion::TupleToList, RValue::Tuple(items)) => RValue::list(items.to_vec()),
        (_, value) => value,
    })
}

fn default_value(default: &DefaultValue) -> Option<RValue> {
    Some(match default {
        DefaultValue::None => RValue::None,
        DefaultValue::Bool(b) => RValue::Bool(*b),
        DefaultValue::Int(i) => RValue::Int(*i),
        DefaultValue::Float(f) => RValue::Float(*f),
        DefaultValue::Str(s) => RValue::Str(s.as_str().into()),
        DefaultValue::IntList(items) => RValue::list(items.iter().map(|i| RValue::Int(*i)).collect()),
        DefaultValue::FloatList(items) => RValue::list(items.iter().map(|f| RValue::Float(*f)).collect()),
        DefaultValue::BoolList(items) => RValue::list(items.iter().map(|b| RValue::Bool(*b)).collect()),
        DefaultValue::EmptyList => RValue::list(Vec::new()),
        // `contiguous_format`, `Mean`: enum defaults PyTorch stores as ints.
        DefaultValue::Ident(word) => RValue::Int(match word.as_str() {
            "contiguous_format" | "Mean" => 1,
            "None" => 0,
            _ => return None,
        }),
    })
}

fn to_runtime(host: &Host<'_>, v: &Value, span: Span) -> Eval<RValue> {
    Ok(match v {
        Value::None => RValue::None,
        Value::Bool(b) => RValue::Bool(*b),
        Value::Int(i) => RValue::Int(*i),
        Value::Float(f) => RValue::Float(*f),
        Value::Str(s) => RValue::Str(s.clone()),
        Value::Device(d) => RValue::Device(d.clone()),
        Value::Dtype(d) => RValue::Int(d.code()),
        Value::Tensor(t) => RValue::Tensor(RTensor::from_host(t).or_else(|e| kernel_error(host, &e, span))?),
        Value::List(items) => {
            let items = items.borrow();
            RValue::list(items.iter().map(|v| to_runtime(host, v, span)).collect::<Eval<_>>()?)
        }
        Value::Tuple(items) => RValue::tuple(items.iter().map(|v| to_runtime(host, v, span)).collect::<Eval<_>>()?),
        other => {
            return host.unsupported(
                format!("a `{}` cannot be passed to a tensor operation in module-level code yet", other.type_name()),
                span,
            );
        }
    })
}

/// A kernel's result as a host value; tensors keep their computed bytes.
pub(super) fn from_runtime(host: &Host<'_>, v: &RValue, span: Span) -> Eval<Value> {
    Ok(match v {
        RValue::None => Value::None,
        RValue::Bool(b) => Value::Bool(*b),
        RValue::Int(i) => Value::Int(*i),
        RValue::Float(f) => Value::Float(*f),
        RValue::Str(s) => Value::Str(s.clone()),
        RValue::Device(d) => Value::Device(d.clone()),
        RValue::Tensor(t) => Value::Tensor(Rc::new(host_tensor(host, t, span)?)),
        RValue::List(items) => {
            let items = items.borrow();
            Value::list(items.iter().map(|v| from_runtime(host, v, span)).collect::<Eval<_>>()?)
        }
        RValue::Tuple(items) => Value::tuple(items.iter().map(|v| from_runtime(host, v, span)).collect::<Eval<_>>()?),
        other => {
            return host.unsupported(
                format!("a `{}` result cannot be used in module-level code yet", other.type_name()),
                span,
            );
        }
    })
}

fn host_tensor(host: &Host<'_>, t: &RTensor, span: Span) -> Eval<Tensor> {
    let bytes = t.to_bytes().or_else(|e| kernel_error(host, &e, span))?;
    Ok(Tensor::from_bytes(t.shape(), t.dtype(), Bytes::from(bytes)))
}

/// `int(t)`, `float(t)`: a one-element tensor's value, in PyTorch's words
/// for any other; `what` it becomes, for the TracerWarning of a trace.
pub(super) fn scalar(host: &Host<'_>, t: &Rc<Tensor>, what: &str, span: Span) -> Eval<Value> {
    host.converted(t, what, span);
    if t.numel() != 1 {
        return host.raise("RuntimeError", "only one element tensors can be converted to Python scalars", span);
    }
    item(host, t, span)
}

/// `t.item()`: a one-element tensor's value in its dtype's Python type.
pub(super) fn item(host: &Host<'_>, t: &Tensor, span: Span) -> Eval<Value> {
    let r = RTensor::from_host(t).or_else(|e| kernel_error(host, &e, span))?;
    if r.numel() != 1 {
        let n = r.numel();
        return host.raise("RuntimeError", format!("a Tensor with {n} elements cannot be converted to Scalar"), span);
    }
    let x = r.item().or_else(|e| kernel_error(host, &e, span))?;
    Ok(match t.dtype {
        ScalarType::Bool => Value::Bool(x != 0.0),
        d if d.is_floating_point() => Value::Float(x),
        _ => Value::Int(r.to_i64s().or_else(|e| kernel_error(host, &e, span))?[0]),
    })
}

/// `t.tolist()`: nested lists of Python numbers in the tensor's shape.
pub(super) fn to_list(host: &Host<'_>, t: &Tensor, span: Span) -> Eval<Value> {
    let r = RTensor::from_host(t).or_else(|e| kernel_error(host, &e, span))?;
    let scalars: Vec<Value> = match t.dtype {
        ScalarType::Bool => {
            r.to_i64s().or_else(|e| kernel_error(host, &e, span))?.into_iter().map(|v| Value::Bool(v != 0)).collect()
        }
        d if d.is_floating_point() => {
            r.to_f64s().or_else(|e| kernel_error(host, &e, span))?.into_iter().map(Value::Float).collect()
        }
        _ => r.to_i64s().or_else(|e| kernel_error(host, &e, span))?.into_iter().map(Value::Int).collect(),
    };
    fn nest(items: &mut std::vec::IntoIter<Value>, shape: &[usize]) -> Value {
        match shape.split_first() {
            None => items.next().unwrap_or(Value::None),
            Some((&n, rest)) => Value::list((0..n).map(|_| nest(items, rest)).collect()),
        }
    }
    Ok(nest(&mut scalars.into_iter(), &t.shape))
}

/// `a op b` with a tensor operand, as `torch.Tensor`'s operators compute
/// it; `None` for an operator tensors do not have.
pub(super) fn binary(host: &mut Host<'_>, op: BinOp, l: Value, r: Value, span: Span) -> Option<Eval<Value>> {
    let call = |host: &mut Host<'_>, name: &str, args: Vec<Value>| call(host, name, Args::positional(args, span));
    let tensor_left = matches!(l, Value::Tensor(_));
    Some(if tensor_left {
        let name = match op {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::MatMul => "matmul",
            BinOp::Div => "div",
            BinOp::FloorDiv => "floor_divide",
            BinOp::Mod => "remainder",
            BinOp::Pow => "pow",
            BinOp::LShift => "__lshift__",
            BinOp::RShift => "__rshift__",
            BinOp::BitOr => "bitwise_or",
            BinOp::BitXor => "bitwise_xor",
            BinOp::BitAnd => "bitwise_and",
        };
        call(host, name, vec![l, r])
    } else {
        // A number on the left: the tensor's reflected operator
        // (`Tensor.__rsub__` and friends in torch/_tensor.py).
        match op {
            BinOp::Add => call(host, "add", vec![r, l]),
            BinOp::Mul => call(host, "mul", vec![r, l]),
            BinOp::Sub => call(host, "rsub", vec![r, l]),
            BinOp::Div => match call(host, "reciprocal", vec![r]) {
                Ok(reciprocal) => call(host, "mul", vec![reciprocal, l]),
                Err(e) => Err(e),
            },
            BinOp::Pow => call(host, "pow", vec![l, r]),
            BinOp::Mod => call(host, "remainder", vec![l, r]),
            BinOp::BitOr => call(host, "bitwise_or", vec![r, l]),
            BinOp::BitXor => call(host, "bitwise_xor", vec![r, l]),
            BinOp::BitAnd => call(host, "bitwise_and", vec![r, l]),
            _ => return None,
        }
    })
}

/// `a op b` comparing a tensor: an elementwise bool tensor.
pub(super) fn compare(host: &mut Host<'_>, op: CmpOp, l: Value, r: Value, span: Span) -> Option<Eval<Value>> {
    // A number on the left compares as the tensor's reflected operator.
    let (op, l, r) = if matches!(l, Value::Tensor(_)) { (op, l, r) } else { (reflected(op)?, r, l) };
    let name = match op {
        CmpOp::Eq => "eq",
        CmpOp::NotEq => "ne",
        CmpOp::Lt => "lt",
        CmpOp::LtE => "le",
        CmpOp::Gt => "gt",
        CmpOp::GtE => "ge",
        _ => return None,
    };
    Some(call(host, name, Args::positional(vec![l, r], span)))
}

fn reflected(op: CmpOp) -> Option<CmpOp> {
    Some(match op {
        CmpOp::Eq => CmpOp::Eq,
        CmpOp::NotEq => CmpOp::NotEq,
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::LtE => CmpOp::GtE,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::GtE => CmpOp::LtE,
        _ => return None,
    })
}

/// `-t`, `~t`, `+t`.
pub(super) fn unary(host: &mut Host<'_>, op: UnaryOp, t: Value, span: Span) -> Eval<Value> {
    match op {
        UnaryOp::Neg => call(host, "neg", Args::positional(vec![t], span)),
        UnaryOp::Invert => call(host, "bitwise_not", Args::positional(vec![t], span)),
        UnaryOp::Pos => Ok(t),
        UnaryOp::Not => {
            let Value::Tensor(t) = &t else { unreachable!("called with a tensor") };
            host.converted(t, "a Python boolean", span);
            Ok(Value::Bool(!truth(host, t, span)?))
        }
    }
}

/// `bool(t)`, `if t:`: a one-element tensor's value; PyTorch refuses more.
pub(super) fn truth(host: &Host<'_>, t: &Tensor, span: Span) -> Eval<bool> {
    if t.numel() != 1 {
        return host.raise(
            "RuntimeError",
            format!(
                "Boolean value of Tensor with {} values is ambiguous",
                if t.numel() == 0 { "no" } else { "more than one" }
            ),
            span,
        );
    }
    Ok(match item(host, t, span)? {
        Value::Bool(b) => b,
        Value::Int(i) => i != 0,
        Value::Float(f) => f != 0.0,
        _ => true,
    })
}

/// Stores `result` (an in-place operation's value) into `target`'s
/// elements, where every alias of `target` sees it.
pub(super) fn write_into(host: &mut Host<'_>, target: &Rc<Tensor>, result: Value, span: Span) -> Eval<()> {
    super::tensor_index::check_writable(host, target, span)?;
    let converted = in_place_result(host, target, result, span)?;
    let size = target.dtype.size();
    let mut storage = target.storage_bytes().to_vec();
    storage[target.offset * size..(target.offset + target.numel()) * size].copy_from_slice(&converted.bytes());
    target.set_bytes(Bytes::from(storage));
    Ok(())
}

/// An in-place operation's `result` as `target` can hold it: PyTorch's
/// checks (the shape cannot change, the dtype cannot be cast down), then
/// converted to `target`'s dtype.
pub(super) fn in_place_result(host: &mut Host<'_>, target: &Tensor, result: Value, span: Span) -> Eval<Rc<Tensor>> {
    let Value::Tensor(result) = result else { unreachable!("tensor operations return tensors") };
    if result.shape != target.shape {
        return host.raise(
            "RuntimeError",
            format!("output with shape {:?} doesn't match the broadcast shape {:?}", target.shape, result.shape),
            span,
        );
    }
    let (from, to) = (result.dtype, target.dtype);
    if (from.is_floating_point() && !to.is_floating_point()) || (to == ScalarType::Bool && from != ScalarType::Bool) {
        return host.raise(
            "RuntimeError",
            format!("result type {} can't be cast to the desired output type {}", from.c10_name(), to.c10_name()),
            span,
        );
    }
    if from == to {
        return Ok(result);
    }
    match call(host, "to", Args::positional(vec![Value::Tensor(result), Value::Dtype(to)], span))? {
        Value::Tensor(t) => Ok(t),
        _ => unreachable!("`to` returns a tensor"),
    }
}

/// Whether a view operator's result has its input's non-trivial dimensions
/// in another order (PyTorch's result is then not contiguous).
fn reorders(kind: OpKind, positional: &[Value]) -> super::tensor_index::Order {
    use super::tensor_index::Order;
    let Some(Value::Tensor(input)) = positional.first() else { return Order::InOrder };
    let size = |d: &Value| match d {
        Value::Int(d) => {
            let rank = input.shape.len() as i64;
            let d = if *d < 0 { d + rank } else { *d };
            usize::try_from(d).ok().and_then(|d| input.shape.get(d).copied()).unwrap_or(1)
        }
        _ => 1,
    };
    let reordered = match kind {
        op::aten::transpose | op::aten::swapaxes => {
            positional.get(1).is_some_and(|a| size(a) > 1) && positional.get(2).is_some_and(|b| size(b) > 1)
        }
        op::aten::t | op::aten::numpy_T => input.shape.iter().filter(|&&n| n > 1).count() > 1,
        op::aten::permute => match positional.get(1) {
            Some(Value::List(dims)) => {
                let kept: Vec<usize> =
                    dims.borrow().iter().filter(|d| size(d) > 1).map(|d| size_index(d, input.shape.len())).collect();
                kept.windows(2).any(|w| w[0] > w[1])
            }
            _ => true,
        },
        op::aten::movedim | op::aten::moveaxis => true,
        _ => false,
    };
    if reordered { Order::Reordered } else { Order::InOrder }
}

fn size_index(d: &Value, rank: usize) -> usize {
    match d {
        Value::Int(d) if *d < 0 => (*d + rank as i64).max(0) as usize,
        Value::Int(d) => *d as usize,
        _ => 0,
    }
}
