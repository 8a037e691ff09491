//! safetensors files, through the `safetensors` crate.

use ::safetensors::{Dtype, SafeTensorError, SafeTensors};

use super::{StoredTensor, WeightsError};
use crate::types::ScalarType;

/// Reads every tensor, ordered by where its bytes are (`data_offsets`,
/// then name for empty tensors sharing an offset).
pub(super) fn read(bytes: &bytes::Bytes) -> Result<Vec<StoredTensor>, WeightsError> {
    // `read_metadata` checks the header length against the buffer, that the
    // offsets tile the data section exactly, and that each tensor's byte
    // count matches its shape and dtype.
    let (header_len, metadata) = match SafeTensors::read_metadata(bytes) {
        Ok(read) => read,
        Err(SafeTensorError::MetadataIncompleteBuffer) => return Err(length_error(bytes)),
        Err(e) => return Err(e.into()),
    };
    let data_start = 8 + header_len;
    if data_start > bytes.len() {
        return Err(WeightsError::Safetensors(SafeTensorError::InvalidHeaderLength));
    }
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
            if start > end || data_start + end > bytes.len() {
                return Err(WeightsError::Safetensors(SafeTensorError::InvalidOffset(name.clone())));
            }
            // A slice of the file's bytes, not a copy.
            let data = bytes.slice(data_start + start..data_start + end);
            Ok(StoredTensor { name, dtype, shape: info.shape.clone(), data })
        })
        .collect()
}

/// The header parsed, but its offsets do not end where the file does: say
/// by how much.
fn length_error(bytes: &[u8]) -> WeightsError {
    let header_len = bytes.get(..8).map_or(0, |n| u64::from_le_bytes(n.try_into().expect("8 bytes")) as usize);
    let header = bytes
        .get(8..8usize.saturating_add(header_len))
        .and_then(|h| serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(h).ok());
    let expected = header
        .iter()
        .flat_map(|h| h.values())
        .filter_map(|info| info.get("data_offsets")?.get(1)?.as_u64())
        .max()
        .unwrap_or(0);
    WeightsError::SafetensorsLength {
        expected: expected.into(),
        actual: bytes.len().saturating_sub(header_len.saturating_add(8)),
    }
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
