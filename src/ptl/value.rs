//! TorchScript values as `bytecode.pkl` stores them, read out of the pickle
//! VM's arena into an owned tree, with the `torch.jit._pickle` and
//! `torch._utils` calls PyTorch's pickler writes turned back into what they
//! mean (typed lists, tensors, storages, devices).

use std::fmt::Write;

use serde::Serialize;

use crate::weights::pickle::{Obj, Unpickled, Value};
use crate::weights::scalar_type_of_storage;

/// One value of a constant table, a default value or any part of
/// `bytecode.pkl`. The JSON form is `{"kind": ..., "value": ...}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum IValue {
    None,
    Bool(bool),
    Int(i64),
    /// An integer wider than 64 bits (TorchScript has none; the pickle may).
    BigInt,
    Float(f64),
    Str(String),
    Bytes,
    Tuple(Vec<IValue>),
    List(Vec<IValue>),
    /// `torch.jit._pickle.build_intlist([...])` and its `double`, `bool`
    /// and `tensor` siblings: a list whose element type the loader knows.
    SpecializedList {
        element: String,
        items: Vec<IValue>,
    },
    Dict(Vec<(IValue, IValue)>),
    /// `torch.jit._pickle.restore_type_tag(value, 'List[str]')`: a list or
    /// dict with its full TorchScript type.
    Typed {
        type_name: String,
        value: Box<IValue>,
    },
    Tensor(Tensor),
    Storage(StorageRef),
    /// A persistent id that is not a storage reference.
    Persistent(Box<IValue>),
    Device(String),
    Complex(f64, f64),
    /// An instance of a class (`GLOBAL`, `NEWOBJ`, `BUILD`): a torchbind
    /// object such as `__torch__.torch.classes.xnnpack.Conv2dOpContext`
    /// with its `__getstate__` tuple, or a TorchScript class instance.
    Object {
        class: String,
        state: Option<Box<IValue>>,
    },
    /// A call of any other global, kept as written (enums, qschemes).
    Call {
        function: String,
        args: Vec<IValue>,
    },
    Global(String),
}

/// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
/// requires_grad, hooks)` or `_rebuild_qtensor` (with its quantizer).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tensor {
    pub storage: StorageRef,
    /// In elements.
    pub offset: i64,
    pub shape: Vec<i64>,
    pub stride: Vec<i64>,
    pub requires_grad: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantizer: Option<Box<IValue>>,
}

/// The persistent id `('storage', torch.FloatStorage, key, device, numel)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StorageRef {
    /// Names the record (`constants/<key>`).
    pub key: String,
    /// As pickled: `FloatStorage`.
    pub class: String,
    /// `torch.float32`, when tsc knows the storage class.
    pub dtype: Option<String>,
    pub device: String,
    /// In elements.
    pub numel: i64,
}

impl StorageRef {
    /// The bytes `numel` elements take, when the element size is known.
    pub fn nbytes(&self) -> Option<u64> {
        let size = scalar_type_of_storage(&self.class)?.size() as u64;
        u64::try_from(self.numel).ok()?.checked_mul(size)
    }

    /// `float32` for `FloatStorage`; the class name itself when unknown.
    pub fn dtype_short(&self) -> &str {
        match &self.dtype {
            Some(d) => d.strip_prefix("torch.").unwrap_or(d),
            None => &self.class,
        }
    }
}

/// How deep a value may nest; beyond it the pickle is called malformed
/// (TorchScript values of real models nest a handful of levels).
const MAX_DEPTH: usize = 100;

/// Turns the pickle's result into an owned tree. Values shared through the
/// memo are copied, so the number of nodes is capped (`budget`) and so is
/// the depth: a few bytes of pickle cannot ask for an exponential tree.
pub(super) fn convert(u: &Unpickled, budget: usize) -> Result<IValue, String> {
    let mut converter = Converter { u, budget };
    converter.value(&u.value, 0)
}

struct Converter<'u> {
    u: &'u Unpickled,
    budget: usize,
}

impl Converter<'_> {
    fn value(&mut self, value: &Value, depth: usize) -> Result<IValue, String> {
        if depth > MAX_DEPTH {
            return Err(format!("values nest more than {MAX_DEPTH} levels deep"));
        }
        self.budget = self.budget.checked_sub(1).ok_or("its values (with shared ones copied) are too many to show")?;
        Ok(match value {
            Value::None => IValue::None,
            Value::Bool(b) => IValue::Bool(*b),
            Value::Int(i) => IValue::Int(*i),
            Value::BigInt => IValue::BigInt,
            Value::Float(f) => IValue::Float(*f),
            Value::Str(s) => IValue::Str(s.to_string()),
            Value::Bytes => IValue::Bytes,
            Value::Obj(_) => match self.u.obj(value) {
                None => return Err("a value refers to an object that does not exist".into()),
                Some(obj) => self.obj(obj, depth)?,
            },
        })
    }

    fn all(&mut self, values: &[Value], depth: usize) -> Result<Vec<IValue>, String> {
        values.iter().map(|v| self.value(v, depth + 1)).collect()
    }

    fn obj(&mut self, obj: &Obj, depth: usize) -> Result<IValue, String> {
        Ok(match obj {
            Obj::Tuple(items) => IValue::Tuple(self.all(items, depth)?),
            Obj::List(items) => IValue::List(self.all(items, depth)?),
            Obj::Dict(dict) => {
                let mut entries = Vec::with_capacity(dict.entries.len());
                for (k, v) in &dict.entries {
                    entries.push((self.value(k, depth + 1)?, self.value(v, depth + 1)?));
                }
                IValue::Dict(entries)
            }
            Obj::Global { module, name } => IValue::Global(format!("{module}.{name}")),
            Obj::Persistent(pid) => {
                let pid = self.value(pid, depth + 1)?;
                match storage_ref(&pid) {
                    Some(storage) => IValue::Storage(storage),
                    None => IValue::Persistent(Box::new(pid)),
                }
            }
            Obj::Tensor(args) => {
                let args = self.all(args, depth)?;
                tensor(&args, false).map_or_else(
                    || IValue::Call { function: "torch._utils._rebuild_tensor_v2".into(), args },
                    IValue::Tensor,
                )
            }
            Obj::Call { function, args } => {
                let args = self.all(args, depth)?;
                interpret_call(function, args)
            }
            Obj::Object { class, state } => {
                let state = match state {
                    Some(s) => Some(Box::new(self.value(s, depth + 1)?)),
                    None => None,
                };
                IValue::Object { class: class.clone(), state }
            }
        })
    }
}

/// The calls of TorchScript's pickler, back to the values they build.
fn interpret_call(function: &str, mut args: Vec<IValue>) -> IValue {
    let element = match function {
        "torch.jit._pickle.build_intlist" => Some("int"),
        "torch.jit._pickle.build_doublelist" => Some("float"),
        "torch.jit._pickle.build_boollist" => Some("bool"),
        "torch.jit._pickle.build_tensorlist" => Some("Tensor"),
        _ => None,
    };
    match (function, element, args.as_mut_slice()) {
        (_, Some(element), [IValue::List(items)]) => {
            IValue::SpecializedList { element: element.into(), items: std::mem::take(items) }
        }
        ("torch.jit._pickle.restore_type_tag", _, [value, IValue::Str(type_name)]) => IValue::Typed {
            type_name: std::mem::take(type_name),
            value: Box::new(std::mem::replace(value, IValue::None)),
        },
        ("torch.device", _, [IValue::Str(device)]) => IValue::Device(std::mem::take(device)),
        ("torch.device", _, [IValue::Str(device), IValue::Int(index)]) => IValue::Device(format!("{device}:{index}")),
        ("builtins.complex", _, [IValue::Float(re), IValue::Float(im)]) => IValue::Complex(*re, *im),
        ("torch._utils._rebuild_qtensor", _, _) => match tensor(&args, true) {
            Some(t) => IValue::Tensor(t),
            None => IValue::Call { function: function.into(), args },
        },
        _ => IValue::Call { function: function.into(), args },
    }
}

/// `('storage', torch.<X>Storage, key, device, numel)`.
fn storage_ref(pid: &IValue) -> Option<StorageRef> {
    let IValue::Tuple(items) = pid else { return None };
    let [IValue::Str(tag), IValue::Global(class), IValue::Str(key), IValue::Str(device), IValue::Int(numel)] =
        items.as_slice()
    else {
        return None;
    };
    let class = class.strip_prefix("torch.")?;
    if tag != "storage" {
        return None;
    }
    Some(StorageRef {
        key: key.clone(),
        class: class.to_string(),
        dtype: scalar_type_of_storage(class).map(|t| t.torch_name().to_string()),
        device: device.clone(),
        numel: *numel,
    })
}

/// The arguments of `_rebuild_tensor_v2` (`quantized`: of `_rebuild_qtensor`,
/// which has the quantizer before `requires_grad`).
fn tensor(args: &[IValue], quantized: bool) -> Option<Tensor> {
    let [storage, offset, size, stride, rest @ ..] = args else { return None };
    let (quantizer, rest) = if quantized {
        let (q, rest) = rest.split_first()?;
        (Some(Box::new(q.clone())), rest)
    } else {
        (None, rest)
    };
    let IValue::Storage(storage) = storage else { return None };
    let IValue::Int(offset) = offset else { return None };
    let ints = |v: &IValue| match v {
        IValue::Tuple(items) | IValue::List(items) => {
            items.iter().map(|i| if let IValue::Int(i) = i { Some(*i) } else { None }).collect::<Option<Vec<_>>>()
        }
        _ => None,
    };
    let requires_grad = matches!(rest.first(), Some(IValue::Bool(true)));
    Some(Tensor {
        storage: storage.clone(),
        offset: *offset,
        shape: ints(size)?,
        stride: ints(stride)?,
        requires_grad,
        quantizer,
    })
}

/// How many items of a list, tuple or dict a summary shows.
const SHOWN_ITEMS: usize = 16;

impl IValue {
    /// A one-line rendering close to Python's `repr` of what the loader
    /// builds, in the spelling of the pickle for typed lists
    /// (`build_intlist([1, 1])`); long sequences are cut.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        self.write_summary(&mut out);
        out
    }

    fn write_summary(&self, out: &mut String) {
        match self {
            IValue::None => out.push_str("None"),
            IValue::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            IValue::Int(i) => {
                let _ = write!(out, "{i}");
            }
            IValue::BigInt => out.push_str("<int wider than 64 bits>"),
            IValue::Float(f) => out.push_str(&py_float(*f)),
            IValue::Str(s) => out.push_str(&py_str(s)),
            IValue::Bytes => out.push_str("b'...'"),
            IValue::Tuple(items) => {
                out.push('(');
                write_items(out, items);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            IValue::List(items) => {
                out.push('[');
                write_items(out, items);
                out.push(']');
            }
            IValue::SpecializedList { element, items } => {
                let builder = match element.as_str() {
                    "int" => "build_intlist",
                    "float" => "build_doublelist",
                    "bool" => "build_boollist",
                    _ => "build_tensorlist",
                };
                let _ = write!(out, "{builder}([");
                write_items(out, items);
                out.push_str("])");
            }
            IValue::Dict(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i == SHOWN_ITEMS {
                        let _ = write!(out, ", ... ({} more)", entries.len() - i);
                        break;
                    }
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_summary(out);
                    out.push_str(": ");
                    v.write_summary(out);
                }
                out.push('}');
            }
            IValue::Typed { type_name, value } => {
                out.push_str("restore_type_tag(");
                value.write_summary(out);
                let _ = write!(out, ", {})", py_str(type_name));
            }
            IValue::Tensor(t) => {
                let _ =
                    write!(out, "Tensor({}{:?}, storage={}", t.storage.dtype_short(), t.shape, py_str(&t.storage.key));
                if t.offset != 0 {
                    let _ = write!(out, ", offset={}", t.offset);
                }
                if t.stride != contiguous_strides(&t.shape) {
                    let _ = write!(out, ", stride={:?}", t.stride);
                }
                if t.requires_grad {
                    out.push_str(", requires_grad=True");
                }
                if let Some(q) = &t.quantizer {
                    out.push_str(", quantizer=");
                    q.write_summary(out);
                }
                out.push(')');
            }
            IValue::Storage(s) => {
                let _ = write!(out, "{}[{}, {}, {}]", s.class, py_str(&s.key), s.device, s.numel);
            }
            IValue::Persistent(pid) => {
                out.push_str("persistent_id(");
                pid.write_summary(out);
                out.push(')');
            }
            IValue::Device(d) => {
                let _ = write!(out, "device({})", py_str(d));
            }
            IValue::Complex(re, im) => {
                let _ = write!(out, "complex({}, {})", py_float(*re), py_float(*im));
            }
            IValue::Object { class, state } => {
                let _ = write!(out, "<{class}");
                if let Some(state) = state {
                    out.push_str(" state=");
                    state.write_summary(out);
                }
                out.push('>');
            }
            IValue::Call { function, args } => {
                let _ = write!(out, "{function}(");
                write_items(out, args);
                out.push(')');
            }
            IValue::Global(name) => out.push_str(name),
        }
    }
}

fn write_items(out: &mut String, items: &[IValue]) {
    for (i, item) in items.iter().enumerate() {
        if i == SHOWN_ITEMS {
            let _ = write!(out, ", ... ({} more)", items.len() - i);
            return;
        }
        if i > 0 {
            out.push_str(", ");
        }
        item.write_summary(out);
    }
}

/// The strides of a contiguous tensor of this shape.
pub fn contiguous_strides(shape: &[i64]) -> Vec<i64> {
    let mut strides = vec![1i64; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1].saturating_mul(shape[i + 1].max(1));
    }
    strides
}

/// Python's `repr` of a float (`1e-05`, `0.1`, `6.0`).
pub fn py_float(v: f64) -> String {
    crate::repr::float_repr(v)
}

/// Python's `repr` of a str (single quotes unless the text has one and no
/// double quote), cut after 200 characters.
pub fn py_str(s: &str) -> String {
    crate::repr::string_repr_cut(s, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (6.0, "6.0"),
            (0.1, "0.1"),
            (0.5, "0.5"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (123456.789, "123456.789"),
            (1e16, "1e+16"),
            (1.25e22, "1.25e+22"),
            (9999999999999998.0, "9999999999999998.0"),
            (-2.5, "-2.5"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (value, expected) in cases {
            assert_eq!(py_float(value), expected, "{value:e}");
        }
    }

    #[test]
    fn strings_print_as_python_repr() {
        assert_eq!(py_str("a"), "'a'");
        assert_eq!(py_str("it's"), "\"it's\"");
        assert_eq!(py_str("'\""), "'\\'\"'");
        assert_eq!(py_str("a\nb\\"), "'a\\nb\\\\'");
        assert_eq!(py_str(&"x".repeat(300)).len(), 200 + 2 + 3);
    }

    #[test]
    fn summaries() {
        let storage = StorageRef {
            key: "0.storage".into(),
            class: "FloatStorage".into(),
            dtype: Some("torch.float32".into()),
            device: "cpu".into(),
            numel: 6,
        };
        let t = |offset, shape: Vec<i64>, stride: Vec<i64>| {
            IValue::Tensor(Tensor {
                storage: storage.clone(),
                offset,
                shape,
                stride,
                requires_grad: false,
                quantizer: None,
            })
        };
        assert_eq!(t(0, vec![2, 3], vec![3, 1]).summary(), "Tensor(float32[2, 3], storage='0.storage')");
        assert_eq!(
            t(1, vec![3, 2], vec![1, 3]).summary(),
            "Tensor(float32[3, 2], storage='0.storage', offset=1, stride=[1, 3])"
        );
        let object = IValue::Object {
            class: "__torch__.torch.classes.xnnpack.LinearOpContext".into(),
            state: Some(Box::new(IValue::Tuple(vec![t(0, vec![2, 3], vec![3, 1]), IValue::None]))),
        };
        assert_eq!(
            object.summary(),
            "<__torch__.torch.classes.xnnpack.LinearOpContext state=(Tensor(float32[2, 3], storage='0.storage'), None)>"
        );
        let list = IValue::SpecializedList { element: "int".into(), items: vec![IValue::Int(1), IValue::Int(1)] };
        assert_eq!(list.summary(), "build_intlist([1, 1])");
        assert_eq!(IValue::Tuple(vec![IValue::Bool(true)]).summary(), "(True,)");
        let long = IValue::List((0..20).map(IValue::Int).collect());
        assert!(long.summary().ends_with("15, ... (4 more)]"), "{}", long.summary());
        let typed = IValue::Typed {
            type_name: "Dict[str, int]".into(),
            value: Box::new(IValue::Dict(vec![(IValue::Str("a".into()), IValue::Int(1))])),
        };
        assert_eq!(typed.summary(), "restore_type_tag({'a': 1}, 'Dict[str, int]')");
    }
}
