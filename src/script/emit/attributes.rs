//! Attribute reads: of modules (submodules, parameters, constants, plain
//! attributes typed by value or class annotation), namespaces and values.

use super::*;
use crate::ops::{OpKind, op};

impl Emitter<'_, '_, '_> {
    pub(super) fn attribute(&mut self, object: Sugar, attr: &Ident, span: Span) -> Sugar {
        let name = self.host.name(attr.name).to_string();
        match object {
            Sugar::Namespace(path) => {
                let full = format!("{path}.{name}");
                match (path.as_str(), name.as_str()) {
                    ("torch", "long" | "int64") => Sugar::Value(self.constant(Constant::Int(4), None)),
                    ("torch", "float" | "float32") => Sugar::Value(self.constant(Constant::Int(6), None)),
                    ("torch", "int" | "int32") => Sugar::Value(self.constant(Constant::Int(3), None)),
                    ("torch", "bool") => Sugar::Value(self.constant(Constant::Int(11), None)),
                    ("torch", "double" | "float64") => Sugar::Value(self.constant(Constant::Int(7), None)),
                    // Memory formats are ints too (`c10::MemoryFormat`).
                    ("torch", "contiguous_format" | "legacy_contiguous_format") => {
                        Sugar::Value(self.constant(Constant::Int(0), None))
                    }
                    ("torch", "preserve_format") => Sugar::Value(self.constant(Constant::Int(1), None)),
                    ("torch", "channels_last") => Sugar::Value(self.constant(Constant::Int(2), None)),
                    ("torch", "nn" | "jit" | "_C") | ("torch._C", "_nn") => Sugar::Namespace(full),
                    // `torch._C._nn.adaptive_avg_pool2d`: the aten operator.
                    ("torch._C._nn", _) if registry().contains(&format!("aten::{name}")) => {
                        Sugar::Aten(OpKind::intern(&format!("aten::{name}")))
                    }
                    ("math", "pi") => Sugar::Value(self.constant(Constant::Float(std::f64::consts::PI), Some(span))),
                    ("math", "e") => Sugar::Value(self.constant(Constant::Float(std::f64::consts::E), Some(span))),
                    ("math", "tau") => Sugar::Value(self.constant(Constant::Float(std::f64::consts::TAU), Some(span))),
                    ("math", "inf") => Sugar::Value(self.constant(Constant::Float(f64::INFINITY), Some(span))),
                    ("math", "nan") => Sugar::Value(self.constant(Constant::Float(f64::NAN), Some(span))),
                    ("warnings", "warn") => Sugar::Aten(op::aten::warn),
                    // `math.sqrt(x)` is `aten::sqrt.int` / `.float` on numbers.
                    ("math", _) if registry().contains(&format!("aten::{name}")) => {
                        Sugar::Aten(OpKind::intern(&format!("aten::{name}")))
                    }
                    (_, _) if self.namespace_module_class(&path, attr.name).is_some() => {
                        Sugar::ModuleClass(self.namespace_module_class(&path, attr.name).expect("checked"))
                    }
                    // A function PyTorch's `torch.nn.functional` has and the
                    // prelude lacks is a gap in tsc, named where it is called;
                    // any other name is PyTorch's missing attribute.
                    ("torch.nn.functional", _)
                        if self
                            .host
                            .modules
                            .get(&path)
                            .is_some_and(|ns| !ns.attrs.borrow().contains_key(&attr.name)) =>
                    {
                        let d = if crate::script::functional_names::PYTORCH_FUNCTIONALS.contains(&name.as_str()) {
                            Diagnostic::new(Code::E3010, attr.span, format!("tsc does not provide `{full}` yet"))
                                .label(format!("`{name}` is missing from tsc's torch.nn.functional"))
                                .note("PyTorch scripts it: this is a gap in tsc, not an error in the model")
                                .help("`tsc explain E3010` lists what the compiler handles today")
                        } else {
                            Diagnostic::new(Code::E2012, attr.span, format!("object has no attribute {name}"))
                                .label(format!("`torch.nn.functional` has no function `{name}`"))
                        };
                        Sugar::Value(self.sure_error(d))
                    }
                    ("torch", _) => {
                        if registry().contains(&format!("aten::{name}")) {
                            Sugar::Aten(OpKind::intern(&format!("aten::{name}")))
                        } else if self
                            .host
                            .modules
                            .get(&path)
                            .is_some_and(|ns| ns.attrs.borrow().contains_key(&attr.name))
                        {
                            Sugar::Opaque
                        } else {
                            let v = self.error(
                                Diagnostic::new(Code::E2012, attr.span, format!("object has no attribute {name}"))
                                    .label(format!("`torch` has no function `{name}`")),
                            );
                            Sugar::Value(v)
                        }
                    }
                    _ => {
                        // `F.dropout` is a Python function of the prelude;
                        // `F.conv2d` is `torch.conv2d`, an aten operator.
                        let value =
                            self.host.modules.get(&path).and_then(|ns| ns.attrs.borrow().get(&attr.name).cloned());
                        match value {
                            Some(Value::Function(f)) => function_sugar(f),
                            Some(Value::Instance(i)) if is_boolean_dispatch(&i) => Sugar::BooleanDispatch(i),
                            // `nn.functional`, `torch.nn.init`: a module of a module.
                            Some(Value::Namespace(ns)) => Sugar::Namespace(ns.name.to_string()),
                            Some(Value::Builtin(b)) => {
                                let op = format!("aten::{}", b.name.rsplit('.').next().unwrap_or_default());
                                if registry().contains(&op) { Sugar::Aten(OpKind::intern(&op)) } else { Sugar::Opaque }
                            }
                            _ => Sugar::Opaque,
                        }
                    }
                }
            }
            Sugar::Module(instance, value) => self.module_attribute(&instance, value, attr, span),
            // `Net.clip`: a static method of a module class.
            Sugar::ModuleClass(class) => match class.lookup(attr.name) {
                Some(Value::Descriptor(d)) => match &*d {
                    Descriptor::Static(Value::Function(f)) => Sugar::Function(f.clone()),
                    _ => Sugar::Value(self.unsupported()),
                },
                // `Decoder.n_layers`: the class's attribute is a Python value
                // to compiled code, as a global one is.
                Some(
                    value @ (Value::Int(_)
                    | Value::Float(_)
                    | Value::Bool(_)
                    | Value::Str(_)
                    | Value::List(_)
                    | Value::Tuple(_)
                    | Value::Dict(_)),
                ) => {
                    let type_name = value.type_name();
                    let class_name = class.name.clone();
                    Sugar::Value(self.error(
                        Diagnostic::new(
                            Code::E2001,
                            span,
                            format!("python value of type '{type_name}' cannot be used as a value. Perhaps it is a closed over global variable? If so, please consider passing it in as an argument or use a local variable instead."),
                        )
                        .label(format!("`{class_name}.{name}` is a class attribute, a `{type_name}`"))
                        .help(format!("read it through the module: `self.{name}`")),
                    ))
                }
                _ => Sugar::Value(self.unsupported()),
            },
            Sugar::Value(v) if self.ty(v) == Type::Tensor => {
                if let Some(op) = tensor_property(&name) {
                    // `x.dtype` is `prim::dtype(x)`, `x.T` is `aten::numpy_T(x)`.
                    Sugar::Value(self.call_aten(op, vec![v], vec![], span))
                } else if let Some(dtype) = cast_method(&name) {
                    Sugar::TensorCast(v, dtype)
                } else if registry().contains(&format!("aten::{name}")) {
                    Sugar::TensorMethod(v, OpKind::intern(&format!("aten::{name}")))
                } else if name == "shape" {
                    Sugar::Value(self.call_aten(op::aten::size, vec![v], vec![], span))
                } else if name == "tolist" {
                    // Its result type comes only from an annotation, which
                    // the call did not have (see `expr`).
                    Sugar::Value(
                        self.sure_error(
                            Diagnostic::new(Code::E2012, span, "Expected type hint for result of tolist()")
                                .label("the list's element type and depth are not known here")
                                .help("assign it to an annotated variable: `values: List[float] = x.tolist()`"),
                        ),
                    )
                } else {
                    Sugar::Value(self.no_attribute(v, &name, format!("tensors have no method `{name}`"), span))
                }
            }
            // Methods of lists, dicts and strings are aten operators too
            // (`xs.append(v)` is `aten::append`, `s.format(...)` `aten::format`).
            Sugar::Value(v) if builtin_method(&self.ty(v), &name) => {
                Sugar::TensorMethod(v, OpKind::intern(&format!("aten::{name}")))
            }
            Sugar::Value(v) if self.ty(v) == Type::Any => Sugar::Value(v),
            // `x.device.type`: `prim::type`, the device's kind as a string.
            Sugar::Value(v) if self.ty(v) == Type::Device && name == "type" => {
                Sugar::Value(self.call_aten(op::prim::r#type, vec![v], vec![], span))
            }
            // `sequence.batch_sizes`: the field's item of the named tuple.
            Sugar::Value(v) if matches!(self.ty(v), Type::NamedTuple(_)) => {
                let Type::NamedTuple(class) = self.ty(v) else { unreachable!("matched a named tuple") };
                match class.index(&name) {
                    Some(i) => {
                        let at = self.constant(Constant::Int(i as i64), None);
                        let ty = class.fields[i].1.clone();
                        Sugar::Value(self.node(op::prim::TupleIndex, vec![v, at], vec![ty], Attr::None, span)[0])
                    }
                    None => Sugar::Value(self.unsupported()),
                }
            }
            Sugar::Value(v) if has_no_attributes(&self.ty(v)) => {
                let label = format!("`{}` has no attribute or method `{name}`", self.type_text(v));
                Sugar::Value(self.no_attribute(v, &name, label, span))
            }
            _ => Sugar::Value(self.unsupported()),
        }
    }

    /// `self.x` on a module: a parameter, buffer, submodule, method, or a
    /// plain attribute with a TorchScript type.
    /// PyTorch's `'int' object has no attribute or method 'foo'.` (E2012).
    fn no_attribute(&mut self, v: ValueId, name: &str, label: String, span: Span) -> ValueId {
        let shown = self.type_text(v);
        let message = format!("'{shown}' object has no attribute or method '{name}'.");
        self.error(Diagnostic::new(Code::E2012, span, message).label(label))
    }

    pub(super) fn module_attribute(
        &mut self,
        instance: &Rc<Instance>,
        value: ValueId,
        attr: &Ident,
        span: Span,
    ) -> Sugar {
        let name = self.host.name(attr.name).to_string();
        let class = instance.class.name.clone();
        if self.class_list_contains(instance, "__jit_ignored_attributes__", &name) {
            return Sugar::Value(
                self.sure_error(
                    Diagnostic::new(
                        Code::E2013,
                        span,
                        format!("Module '{class}' has no attribute '{name}' attribute was ignored during compilation"),
                    )
                    .label(format!("`{name}` is listed in `__jit_ignored_attributes__`"))
                    .help(format!(
                        "remove `{name}` from `__jit_ignored_attributes__`, or pass the value to the constructor"
                    )),
                ),
            );
        }
        let state_value = instance.module.borrow().as_ref().and_then(|s| s.get(&name));
        let plain = instance.attrs.borrow().get(&attr.name).cloned();
        // A traced module keeps only its parameters, buffers and submodules
        // (and its forward): its plain Python attributes are gone.
        if self.traced.contains(&value) && state_value.is_none() && name != "forward" {
            let receiver = self.graph.value(value).name.clone().unwrap_or_else(|| "module".into());
            return Sugar::Value(self.sure_error(traced_attribute(&class, &receiver, &name, span)));
        }
        let mut traced = false;
        let found = state_value.or(plain).map(|v| match v {
            // A submodule scripted before it was handed in compiles like the
            // module itself; a traced one runs its recorded forward and
            // keeps only its state.
            Value::Entry(entry) if entry.kind == crate::host::value::EntryKind::Script => entry.target.clone(),
            Value::Entry(entry) if entry.kind == crate::host::value::EntryKind::Trace => {
                traced = true;
                entry.target.clone()
            }
            other => other,
        });
        let annotated = self.class_annotation(instance, attr.name);
        if let (Some(Value::List(items)), None) = (&found, &annotated) {
            let items = items.borrow().clone();
            let reason = if items.is_empty() {
                Some("List trace inputs must have elements".to_string())
            } else if items.iter().all(|v| matches!(v, Value::Instance(i) if i.class.is_module())) {
                Some("Could not infer type of list element: Cannot infer concrete type of torch.nn.Module".to_string())
            } else {
                None
            };
            if let Some(reason) = reason {
                let help = if items.is_empty() {
                    format!("annotate the attribute on the class: `{name}: List[float]`")
                } else {
                    format!("hold the modules in an `nn.ModuleList`: `self.{name} = nn.ModuleList([...])`")
                };
                return Sugar::Value(self.sure_error(
                    Diagnostic::new(
                        Code::E2013,
                        span,
                        format!(
                            "Module '{class}' has no attribute '{name}' (This attribute exists on the Python module, but we failed to convert Python type: 'list' to a TorchScript type. {reason}. Its type was inferred; try adding a type annotation for the attribute.)"
                        ),
                    )
                    .label(format!("`self.{name}` has no TorchScript type"))
                    .help(help),
                ));
            }
        }
        if let Some(found) = &found {
            // `__constants__` and `Final` attributes are constants in the graph.
            if self.is_constant_name(instance, &name) || self.is_final(instance, attr.name) {
                if let Some(c) = constant_of(found) {
                    return Sugar::Value(self.constant(c, Some(span)));
                }
                // A constant tuple (`stride = (2, 2)`): its items are constants.
                if let Value::Tuple(items) = found
                    && let Some(items) = items.iter().map(constant_of).collect::<Option<Vec<_>>>()
                {
                    let types: Vec<Type> = items.iter().map(Constant::ty).collect();
                    let values: Vec<ValueId> = items.into_iter().map(|c| self.constant(c, Some(span))).collect();
                    let tuple =
                        self.node(op::prim::TupleConstruct, values, vec![Type::Tuple(types)], Attr::None, span)[0];
                    return Sugar::Value(tuple);
                }
            }
        }
        if let Some(found) = found {
            let ty = match &found {
                // `bias: Optional[Tensor]` on the class: typed as annotated.
                Value::Tensor(_) => annotated.clone().unwrap_or(Type::Tensor),
                Value::Instance(child) if child.class.is_module() => {
                    let ty = Type::Class(child.class.qualified_name().into());
                    let v = self.node(op::prim::GetAttr, vec![value], vec![ty], Attr::Name(name.clone()), span)[0];
                    self.graph.value_mut(v).name = Some(name);
                    self.modules.insert(v, child.clone());
                    if traced {
                        self.traced.insert(v);
                    }
                    return Sugar::Module(child.clone(), v);
                }
                // `self.gate_fn = hard_sigmoid`: calling it calls the
                // function, as PyTorch compiles it.
                Value::Function(f) => return function_sugar(f.clone()),
                other => match annotated.clone().or_else(|| attribute_type(other)) {
                    Some(t) => t,
                    None => return Sugar::Value(self.unsupported()),
                },
            };
            let v = self.node(op::prim::GetAttr, vec![value], vec![ty], Attr::Name(name.clone()), span)[0];
            self.graph.value_mut(v).name = Some(name);
            return Sugar::Value(v);
        }
        if let Some(method) = instance.class.lookup(attr.name) {
            return match method {
                Value::Function(_) => Sugar::Method(instance.clone(), value, attr.name),
                Value::Descriptor(d) => match &*d {
                    // `self.clip(...)` of a static method calls the function.
                    Descriptor::Static(Value::Function(f)) => Sugar::Function(f.clone()),
                    // `self.out_dim` of a property calls its getter,
                    // compiled as the method `__out_dim_getter`.
                    Descriptor::Property { get: Value::Function(f), .. } => {
                        let getter: Rc<str> = format!("__{name}_getter").into();
                        let object = Some((value, instance.clone()));
                        Sugar::Value(self.user_call(object, f, Vec::new(), Vec::new(), span, Some(getter)))
                    }
                    _ => Sugar::Value(self.unsupported()),
                },
                _ => {
                    // A plain class variable is invisible through `self`
                    // unless listed in `__constants__`.
                    if self.is_constant_name(instance, &name) {
                        match constant_of(&method) {
                            Some(c) => Sugar::Value(self.constant(c, Some(span))),
                            None => Sugar::Value(self.unsupported()),
                        }
                    } else {
                        let class = instance.class.name.clone();
                        Sugar::Value(
                            self.sure_error(
                                Diagnostic::new(
                                    Code::E2013,
                                    span,
                                    format!("Module '{class}' has no attribute '{name}' "),
                                )
                                .label(format!(
                                    "`{name}` is a class variable of `{class}`, which compiled code cannot see"
                                ))
                                .help(format!(
                                    "list it in `__constants__ = [\"{name}\"]`, or set `self.{name}` in `__init__`"
                                )),
                            ),
                        )
                    }
                }
            };
        }
        // Nothing of that name on the instance or its class.
        let class = instance.class.name.clone();
        Sugar::Value(
            self.sure_error(
                Diagnostic::new(Code::E2013, span, format!("Module '{class}' has no attribute '{name}' "))
                    .label(format!("`{class}` has no attribute or method `{name}`"))
                    .help(format!("set `self.{name}` in `__init__` on every path, or define the method `{name}`")),
            ),
        )
    }

    pub(super) fn is_final(&self, instance: &Rc<Instance>, name: Symbol) -> bool {
        is_final(self.host, instance, name)
    }

    pub(super) fn class_annotation(&self, instance: &Rc<Instance>, name: Symbol) -> Option<Type> {
        class_annotation(self.host, instance, name)
    }

    /// The module class that a namespace holds under `name`.
    pub(super) fn namespace_module_class(&self, path: &str, name: Symbol) -> Option<Rc<crate::host::value::Class>> {
        let ns = self.host.modules.get(path)?;
        match ns.attrs.borrow().get(&name)? {
            Value::Class(c) if c.is_module() => Some(c.clone()),
            _ => None,
        }
    }

    pub(super) fn is_constant_name(&mut self, instance: &Rc<Instance>, name: &str) -> bool {
        class_list_contains(self.host, instance, "__constants__", name)
    }

    pub(super) fn class_list_contains(&mut self, instance: &Rc<Instance>, list: &str, name: &str) -> bool {
        class_list_contains(self.host, instance, list, name)
    }
}

/// The operator a Tensor property reads.
fn tensor_property(name: &str) -> Option<OpKind> {
    Some(match name {
        "dtype" => op::prim::dtype,
        "device" => op::prim::device,
        "layout" => op::prim::layout,
        "is_cuda" => op::prim::is_cuda,
        "is_cpu" => op::prim::is_cpu,
        "is_xpu" => op::prim::is_xpu,
        "is_mps" => op::prim::is_mps,
        "is_ipu" => op::prim::is_ipu,
        "is_mtia" => op::prim::is_mtia,
        "is_maia" => op::prim::is_maia,
        "is_vulkan" => op::prim::is_vulkan,
        "is_meta" => op::prim::is_meta,
        "is_sparse" => op::prim::is_sparse,
        "is_sparse_csr" => op::prim::is_sparse_csr,
        "is_mkldnn" => op::prim::is_mkldnn,
        "is_quantized" => op::prim::is_quantized,
        "is_nested" => op::prim::is_nested,
        "is_leaf" => op::aten::is_leaf,
        "requires_grad" => op::prim::requires_grad,
        "data" => op::prim::data,
        "grad" => op::prim::grad,
        "ndim" => op::aten::dim,
        "itemsize" => op::prim::itemsize,
        "nbytes" => op::prim::nbytes,
        "T" => op::aten::numpy_T,
        "mT" => op::aten::mT,
        "H" => op::aten::matrix_H,
        "mH" => op::aten::mH,
        "real" => op::aten::real,
        "imag" => op::aten::imag,
        _ => return None,
    })
}

/// Whether the class annotates the attribute `Final[...]`.
pub(crate) fn is_final(host: &Host<'_>, instance: &Rc<Instance>, name: Symbol) -> bool {
    instance.class.mro().iter().any(|class| {
        class.def.as_ref().is_some_and(|(def, _)| {
            def.body.iter().any(|stmt| match &stmt.kind {
                StmtKind::AnnAssign { target, annotation, .. } => {
                    matches!(target.kind, ExprKind::Name(n) if n == name)
                        && matches!(&annotation.kind, ExprKind::Subscript { value, .. }
                            if matches!(&value.kind, ExprKind::Name(f) if host.name(*f) == "Final")
                                || matches!(&value.kind, ExprKind::Attribute { attr, .. } if host.name(attr.name) == "Final"))
                }
                _ => false,
            })
        })
    })
}

/// The type a class body annotates an attribute with (`history: List[float]`).
pub(crate) fn class_annotation(host: &Host<'_>, instance: &Rc<Instance>, name: Symbol) -> Option<Type> {
    for class in instance.class.mro() {
        let Some((def, _)) = &class.def else { continue };
        for stmt in &def.body {
            if let StmtKind::AnnAssign { target, annotation, .. } = &stmt.kind
                && matches!(target.kind, ExprKind::Name(n) if n == name)
            {
                return annotation::parse(host, annotation);
            }
        }
    }
    None
}

/// Whether a class-level list of names (`__constants__`,
/// `__jit_ignored_attributes__`) holds `name`.
pub(crate) fn class_list_contains(host: &Host<'_>, instance: &Rc<Instance>, list: &str, name: &str) -> bool {
    let Some(key) = host.interner.get(list) else { return false };
    match instance.class.lookup(key) {
        Some(Value::List(items)) => items.borrow().iter().any(|v| matches!(v, Value::Str(s) if &**s == name)),
        _ => false,
    }
}

/// `traced.n_layers`: PyTorch's error for a plain attribute of a traced
/// module, which tracing dropped.
fn traced_attribute(class: &str, receiver: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(Code::E2013, span, format!("Module '{class}' has no attribute '{name}'"))
        .label(format!("`{receiver}` is a traced `{class}`; `{name}` did not survive the trace"))
        .note("a traced module keeps only its parameters, buffers and submodules; plain Python attributes are gone")
        .help(format!(
            "pass `{receiver}.{name}` to the constructor (`{receiver}_{name}`), store it in `__init__` (`self._{receiver}_{name} = {receiver}_{name}`) and read `self._{receiver}_{name}` here"
        ))
}

/// A constant attribute's value as an IR constant, if it is one.
fn constant_of(value: &Value) -> Option<Constant> {
    Some(match value {
        Value::Int(i) => Constant::Int(*i),
        Value::Float(f) => Constant::Float(*f),
        Value::Bool(b) => Constant::Bool(*b),
        Value::Str(s) => Constant::Str(s.to_string()),
        Value::Device(d) => Constant::Device(d.to_string()),
        Value::None => Constant::None,
        _ => return None,
    })
}

/// The dtype of a cast method (`x.float()`), as TorchScript's
/// `builtin_cast_method_to_scalar_type` lists them: `bool` is not one.
fn cast_method(name: &str) -> Option<crate::types::ScalarType> {
    use crate::types::ScalarType;
    Some(match name {
        "byte" => ScalarType::UInt8,
        "char" => ScalarType::Int8,
        "short" => ScalarType::Int16,
        "int" => ScalarType::Int32,
        "long" => ScalarType::Int64,
        "half" => ScalarType::Float16,
        "float" => ScalarType::Float32,
        "double" => ScalarType::Float64,
        _ => return None,
    })
}

/// Whether `value.name` is a builtin method, as PyTorch's
/// `BuiltinFunction::tryCreate` decides: an overload of `aten::name` takes
/// the value as its first argument, named `self` (`xs.count` is
/// `aten::count(t[] self, t el)`; `aten::add.t(t[] a, t[] b)` makes no
/// `xs.add`).
fn builtin_method(ty: &Type, name: &str) -> bool {
    registry().overloads(&format!("aten::{name}")).iter().any(|schema| {
        schema
            .arguments
            .first()
            .is_some_and(|first| first.name == "self" && matching::is_subtype(ty, &first.ty, &mut HashMap::new()))
    })
}

/// Types whose attributes are builtin methods only: anything else read
/// from them is PyTorch's "object has no attribute or method".
fn has_no_attributes(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Int
            | Type::Float
            | Type::Bool
            | Type::Str
            | Type::List(_)
            | Type::Dict(..)
            | Type::Tuple(_)
            | Type::Optional(_)
    )
}
