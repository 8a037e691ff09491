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
