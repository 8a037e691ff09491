//! TorchScript types. So far: the tensor element types (PyTorch's
//! `ScalarType`), shared by host tensors, weight files and export.

/// A tensor's element type, with PyTorch's names and numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarType {
    UInt8,
    Int8,
    Int16,
    Int32,
    Int64,
    Float16,
    Float32,
    Float64,
    Bool,
    BFloat16,
}

impl ScalarType {
    pub const ALL: [ScalarType; 10] = [
        ScalarType::UInt8,
        ScalarType::Int8,
        ScalarType::Int16,
        ScalarType::Int32,
        ScalarType::Int64,
        ScalarType::Float16,
        ScalarType::Float32,
        ScalarType::Float64,
        ScalarType::Bool,
        ScalarType::BFloat16,
    ];

    /// PyTorch's `c10::ScalarType` number (what `.ptl` constants store).
    pub fn code(self) -> i64 {
        match self {
            ScalarType::UInt8 => 0,
            ScalarType::Int8 => 1,
            ScalarType::Int16 => 2,
            ScalarType::Int32 => 3,
            ScalarType::Int64 => 4,
            ScalarType::Float16 => 5,
            ScalarType::Float32 => 6,
            ScalarType::Float64 => 7,
            ScalarType::Bool => 11,
            ScalarType::BFloat16 => 15,
        }
    }

    pub fn size(self) -> usize {
        match self {
            ScalarType::UInt8 | ScalarType::Int8 | ScalarType::Bool => 1,
            ScalarType::Int16 | ScalarType::Float16 | ScalarType::BFloat16 => 2,
            ScalarType::Int32 | ScalarType::Float32 => 4,
            ScalarType::Int64 | ScalarType::Float64 => 8,
        }
    }

    /// As Python prints it: `torch.float32`.
    /// `c10::toString`'s name, as PyTorch's error messages spell dtypes.
    pub fn c10_name(self) -> &'static str {
        match self {
            ScalarType::UInt8 => "Byte",
            ScalarType::Int8 => "Char",
            ScalarType::Int16 => "Short",
            ScalarType::Int32 => "Int",
            ScalarType::Int64 => "Long",
            ScalarType::Float16 => "Half",
            ScalarType::Float32 => "Float",
            ScalarType::Float64 => "Double",
            ScalarType::Bool => "Bool",
            ScalarType::BFloat16 => "BFloat16",
        }
    }

    pub fn torch_name(self) -> &'static str {
        match self {
            ScalarType::UInt8 => "torch.uint8",
            ScalarType::Int8 => "torch.int8",
            ScalarType::Int16 => "torch.int16",
            ScalarType::Int32 => "torch.int32",
            ScalarType::Int64 => "torch.int64",
            ScalarType::Float16 => "torch.float16",
            ScalarType::Float32 => "torch.float32",
            ScalarType::Float64 => "torch.float64",
            ScalarType::Bool => "torch.bool",
            ScalarType::BFloat16 => "torch.bfloat16",
        }
    }

    /// The storage class name in PyTorch's pickles (`FloatStorage`).
    pub fn storage_name(self) -> &'static str {
        match self {
            ScalarType::UInt8 => "ByteStorage",
            ScalarType::Int8 => "CharStorage",
            ScalarType::Int16 => "ShortStorage",
            ScalarType::Int32 => "IntStorage",
            ScalarType::Int64 => "LongStorage",
            ScalarType::Float16 => "HalfStorage",
            ScalarType::Float32 => "FloatStorage",
            ScalarType::Float64 => "DoubleStorage",
            ScalarType::Bool => "BoolStorage",
            ScalarType::BFloat16 => "BFloat16Storage",
        }
    }

    pub fn is_floating_point(self) -> bool {
        matches!(self, ScalarType::Float16 | ScalarType::Float32 | ScalarType::Float64 | ScalarType::BFloat16)
    }
}

/// A TorchScript type.
///
/// Three spellings exist: Python annotation syntax (`Optional[List[int]]`,
/// what error messages and `.code` print), IR syntax (`int[]?`, what
/// `.graph` prints) and schema syntax (`int[]?`, `ScalarType?`, type
/// variables such as `t`). `Display` gives the annotation syntax.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Tensor,
    Int,
    Float,
    Bool,
    Str,
    Complex,
    /// `Scalar` in schemas, `number` in the IR: an int, float or complex.
    Number,
    None,
    Device,
    /// Passed as ints in TorchScript; schemas spell them out.
    ScalarType,
    Layout,
    MemoryFormat,
    Generator,
    Storage,
    Stream,
    /// `QScheme`: a quantization scheme.
    QScheme,
    Any,
    /// `AnyClassType` in schemas: any class instance.
    AnyClass,
    /// `AnyEnumType` in schemas: any enum value.
    AnyEnum,
    Optional(Box<Type>),
    List(Box<Type>),
    Tuple(Vec<Type>),
    Dict(Box<Type>, Box<Type>),
    Future(Box<Type>),
    Await(Box<Type>),
    RRef(Box<Type>),
    Union(Vec<Type>),
    /// A module or class type, by qualified name (`__torch__.Net`).
    Class(std::sync::Arc<str>),
    /// A type variable of a schema (`t`, `t1`).
    Var(std::sync::Arc<str>),
    /// A `NamedTuple` class: a tuple whose items have names
    /// (`torch.nn.utils.rnn.PackedSequence`).
    NamedTuple(std::sync::Arc<NamedTuple>),
}

/// A `NamedTuple` class type: its qualified name and its fields in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamedTuple {
    /// `__torch__.torch.nn.utils.rnn.PackedSequence`.
    pub name: String,
    pub fields: Vec<(String, Type)>,
}

impl NamedTuple {
    /// The item types, in order.
    pub fn types(&self) -> Vec<Type> {
        self.fields.iter().map(|(_, t)| t.clone()).collect()
    }

    /// The position of a field.
    pub fn index(&self, field: &str) -> Option<usize> {
        self.fields.iter().position(|(name, _)| name == field)
    }
}

impl Type {
    pub fn optional(inner: Type) -> Type {
        Type::Optional(Box::new(inner))
    }

    pub fn list(inner: Type) -> Type {
        Type::List(Box::new(inner))
    }

    /// `torch.nn.utils.rnn.PackedSequence`, which TorchScript types as
    /// `NamedTuple(data, batch_sizes, sorted_indices, unsorted_indices)`.
    pub fn packed_sequence() -> Type {
        let field = |name: &str, ty: Type| (name.to_string(), ty);
        Type::NamedTuple(std::sync::Arc::new(NamedTuple {
            name: "__torch__.torch.nn.utils.rnn.PackedSequence".into(),
            fields: vec![
                field("data", Type::Tensor),
                field("batch_sizes", Type::Tensor),
                field("sorted_indices", Type::optional(Type::Tensor)),
                field("unsorted_indices", Type::optional(Type::Tensor)),
            ],
        }))
    }

    /// The item types of a tuple or named tuple.
    pub fn tuple_items(&self) -> Option<Vec<Type>> {
        match self {
            Type::Tuple(items) => Some(items.clone()),
            Type::NamedTuple(t) => Some(t.types()),
            _ => None,
        }
    }

    /// The type two values unify to where control flow merges them
    /// (PyTorch's `unifyTypes` with `default_to_union`): equal types stay,
    /// `None` and `T` make `Optional[T]`, anything else a `Union`.
    pub fn unify(&self, other: &Type) -> Type {
        match (self, other) {
            (a, b) if a == b => a.clone(),
            (Type::Any, _) | (_, Type::Any) => Type::Any,
            (Type::None, Type::Optional(_)) => other.clone(),
            (Type::Optional(_), Type::None) => self.clone(),
            (Type::None, t) | (t, Type::None) => Type::optional(t.clone()),
            (Type::Optional(inner), t) | (t, Type::Optional(inner)) if **inner == *t => Type::optional(t.clone()),
            (a, b) => Type::Union(vec![a.clone(), b.clone()]),
        }
    }

    /// The IR spelling, as `.graph` prints value types.
    pub fn ir(&self) -> String {
        match self {
            Type::Number => "Scalar".into(),
            Type::ScalarType | Type::Layout | Type::MemoryFormat => "int".into(),
            Type::Optional(inner) => format!("{}?", inner.ir()),
            Type::List(inner) => format!("{}[]", inner.ir()),
            Type::Tuple(items) => format!("({})", items.iter().map(Type::ir).collect::<Vec<_>>().join(", ")),
            Type::Dict(k, v) => format!("Dict({}, {})", k.ir(), v.ir()),
            Type::Future(inner) => format!("Future({})", inner.ir()),
            Type::Await(inner) => format!("Await({})", inner.ir()),
            Type::RRef(inner) => format!("RRef({})", inner.ir()),
            Type::Union(items) => format!("Union({})", items.iter().map(Type::ir).collect::<Vec<_>>().join(", ")),
            Type::NamedTuple(t) => format!(
                "NamedTuple({})",
                t.fields.iter().map(|(name, ty)| format!("{name} : {}", ty.ir())).collect::<Vec<_>>().join(", ")
            ),
            other => other.to_string(),
        }
    }

    /// The schema spelling, as schemas in error messages print argument types.
    pub fn schema(&self) -> String {
        match self {
            Type::Number => "Scalar".into(),
            Type::Optional(inner) => format!("{}?", inner.schema()),
            Type::List(inner) => format!("{}[]", inner.schema()),
            Type::Tuple(items) => format!("({})", items.iter().map(Type::schema).collect::<Vec<_>>().join(", ")),
            Type::Dict(k, v) => format!("Dict({}, {})", k.schema(), v.schema()),
            Type::Future(inner) => format!("Future({})", inner.schema()),
            Type::Await(inner) => format!("Await({})", inner.schema()),
            Type::RRef(inner) => format!("RRef({})", inner.schema()),
            Type::Union(items) => format!("Union({})", items.iter().map(Type::schema).collect::<Vec<_>>().join(", ")),
            other => other.to_string(),
        }
    }
}

impl std::fmt::Display for Type {
    /// Annotation syntax: `Optional[Tensor]`, `Tuple[Tensor, int]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let join = |items: &[Type]| items.iter().map(Type::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Type::Tensor => f.write_str("Tensor"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Bool => f.write_str("bool"),
            Type::Str => f.write_str("str"),
            Type::Complex => f.write_str("complex"),
            Type::Number => f.write_str("number"),
            Type::None => f.write_str("NoneType"),
            Type::Device => f.write_str("Device"),
            Type::ScalarType => f.write_str("ScalarType"),
            Type::Layout => f.write_str("Layout"),
            Type::MemoryFormat => f.write_str("MemoryFormat"),
            Type::Generator => f.write_str("Generator"),
            Type::Storage => f.write_str("Storage"),
            Type::Stream => f.write_str("Stream"),
            Type::QScheme => f.write_str("QScheme"),
            Type::Any => f.write_str("Any"),
            Type::AnyClass => f.write_str("AnyClassType"),
            Type::AnyEnum => f.write_str("AnyEnumType"),
            Type::Optional(inner) => write!(f, "Optional[{inner}]"),
            Type::List(inner) => write!(f, "List[{inner}]"),
            Type::Tuple(items) if items.is_empty() => f.write_str("Tuple[()]"),
            Type::Tuple(items) => write!(f, "Tuple[{}]", join(items)),
            Type::Dict(k, v) => write!(f, "Dict[{k}, {v}]"),
            Type::Future(inner) => write!(f, "Future[{inner}]"),
            Type::Await(inner) => write!(f, "Await[{inner}]"),
            Type::RRef(inner) => write!(f, "RRef[{inner}]"),
            Type::Union(items) => write!(f, "Union[{}]", join(items)),
            Type::Class(name) => f.write_str(name),
            Type::Var(name) => f.write_str(name),
            Type::NamedTuple(t) => f.write_str(&t.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Type;

    #[test]
    fn three_spellings() {
        let t = Type::optional(Type::list(Type::Int));
        assert_eq!(t.to_string(), "Optional[List[int]]");
        assert_eq!(t.ir(), "int[]?");
        let d = Type::Dict(Box::new(Type::Str), Box::new(Type::Tuple(vec![Type::Tensor, Type::ScalarType])));
        assert_eq!(d.to_string(), "Dict[str, Tuple[Tensor, ScalarType]]");
        assert_eq!(d.ir(), "Dict(str, (Tensor, int))");
        assert_eq!(d.schema(), "Dict(str, (Tensor, ScalarType))");
    }
}
