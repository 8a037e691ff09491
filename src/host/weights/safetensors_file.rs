//! safetensors files, through the `safetensors` crate.

use ::safetensors::{Dtype, SafeTensors};

use super::{StoredTensor, WeightsError};
use crate::types::ScalarType;

/// Reads every tensor, ordered by where its bytes are (`data_offsets`,
/// then name for empty tensors sharing an offset).
pub(super) fn read(bytes: &[u8]) -> Result<Vec<StoredTensor>, WeightsError> {
    // `read_metadata` checks the header length against the buffer, that the
    // offsets tile the data section exactly, and that each tensor's byte
    // count matches its shape and dtype.
    let (header_len, metadata) = SafeTensors::read_metadata(bytes)?;
    let data = bytes
        .get(8 + header_len..)
        .ok_or(WeightsError::Safetensors(::safetensors::SafeTensorError::InvalidHeaderLength))?;
    let mut infos: Vec<_> = metadata.tensors().into_iter().collect();
    infos.sort_by(|(a_name, a), (b_name, b)| a.data_offsets.cmp(&b.data_offsets).then_with(|| a_name.cmp(b_name)));
    infos
        .into_iter()
        .map(|(name, info)| {
            let dtype = scalar_type(info.dtype).ok_or_else(|| WeightsError::UnsupportedSafetensorsDtype {
                name: name.clone(),
                dtype: format!("{:?}", info.dtype),
            })?;
            let (start, end) = info.data_offsets;
            let data = data
                .get(start..end)
                .ok_or(WeightsError::Safetensors(::safetensors::SafeTensorError::InvalidOffset(name.clone())))?
                .to_vec();
            Ok(StoredTensor { name, dtype, shape: info.shape.clone(), data })
        })
        .collect()
}

fn scalar_type(dtype: Dtype) -> Option<ScalarType> {
    Some(match dtype {
        Dtype::F32 => ScalarType::Float32,
        Dtype::F64 => ScalarType::Float64,
        Dtype::F16 => ScalarType::Float16,
        Dtype::BF16 => ScalarType::BFloat16,
        Dtype::I64 => ScalarType::Int64,
        Dtype::I32 => ScalarType::Int32,
        Dtype::I16 => ScalarType::Int16,
        Dtype::I8 => ScalarType::Int8,
        Dtype::U8 => ScalarType::UInt8,
        Dtype::BOOL => ScalarType::Bool,
        _ => return None,
    })
}
