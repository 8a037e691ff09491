//! PyTorch's `torch.save` format (PyTorch >= 1.6): a zip archive.
//!
//! Records, all under one top folder `<archive>` (the file's stem when
//! PyTorch wrote it):
//! - `<archive>/data.pkl`: a protocol-2 pickle of the state_dict;
//! - `<archive>/data/<key>`: the bytes of one storage, referred to from
//!   the pickle by the persistent id
//!   `('storage', torch.FloatStorage, key, location, numel)`;
//! - `<archive>/byteorder`: `little` or `big` (absent before PyTorch 1.12:
//!   then little);
//! - `<archive>/version` and others, not needed.

use bytes::Bytes;
use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};
use zip::ZipArchive;
use zip::result::ZipError;

use super::pickle::{self, Obj, Unpickled, Value};
use super::{StoredTensor, WeightsError, output_budget, scalar_type_of_storage};
use crate::types::ScalarType;

type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

pub(super) fn read(shared: &Bytes) -> Result<Vec<StoredTensor>, WeightsError> {
    let bytes: &[u8] = shared;
    let mut archive = ZipArchive::new(Cursor::new(bytes))?;
    let prefix = archive_prefix(&archive).ok_or(WeightsError::NoDataPkl)?;
    let pkl_name = format!("{prefix}/data.pkl");
    let pkl = read_record(&mut archive, &pkl_name, bytes.len())?;

    let byteorder_name = format!("{prefix}/byteorder");
    let big_endian = match read_record(&mut archive, &byteorder_name, bytes.len()) {
        Ok(order) => match order.as_slice() {
            b"little" => false,
            b"big" => true,
            other => {
                return Err(WeightsError::ByteOrder {
                    name: byteorder_name,
                    found: String::from_utf8_lossy(other).chars().take(40).collect(),
                });
            }
        },
        Err(WeightsError::MissingRecord { .. }) => false,
        Err(e) => return Err(e),
    };

    let unpickled = pickle::unpickle(&pkl, &pkl_name)?;
    let specs = state_dict(&unpickled, &pkl_name)?;

    let budget = output_budget(bytes.len());
    let mut total: u128 = 0;
    let mut storages: HashMap<String, Bytes> = HashMap::new();
    let mut out = Vec::with_capacity(specs.len().min(bytes.len()));
    for spec in specs {
        let record = format!("{prefix}/data/{}", spec.storage_key);
        let storage = match storages.get(&spec.storage_key) {
            Some(storage) => storage.clone(),
            None => {
                let data = read_storage(&mut archive, &record, shared)?;
                storages.insert(spec.storage_key.clone(), data.clone());
                data
            }
        };
        let elsize = spec.dtype.size();
        let expected = spec.storage_numel.checked_mul(elsize);
        if expected != Some(storage.len()) {
            return Err(WeightsError::StorageSize {
                key: spec.name,
                record,
                expected: expected.unwrap_or(usize::MAX),
                actual: storage.len(),
            });
        }
        let numel = check_bounds(&spec)?;
        let nbytes = numel as u128 * elsize as u128;
        total += nbytes;
        if total > budget {
            return Err(WeightsError::TooLarge { key: spec.name, total, file_len: bytes.len(), limit: budget });
        }
        let little = !big_endian || elsize == 1;
        let data = if little && is_contiguous(&spec.shape, &spec.stride) {
            // The storage's own bytes (a slice of the mapped file when the
            // record is stored uncompressed): not copied.
            let start = spec.storage_offset * elsize;
            storage.slice(start..start + nbytes as usize)
        } else {
            let mut data = Vec::with_capacity(nbytes as usize);
            gather(&storage, elsize, spec.storage_offset, &spec.shape, &spec.stride, &mut data);
            if !little {
                for element in data.chunks_exact_mut(elsize) {
                    element.reverse();
                }
            }
            data.into()
        };
        out.push(StoredTensor { name: spec.name, dtype: spec.dtype, shape: spec.shape, data });
    }
    Ok(out)
}

/// The `<archive>` folder: the one holding `data.pkl` at its top.
fn archive_prefix(archive: &Archive<'_>) -> Option<String> {
    archive
        .file_names_raw()
        .filter_map(|name| name.strip_suffix(b"/data.pkl"))
        .filter_map(|prefix| std::str::from_utf8(prefix).ok())
        .filter(|prefix| !prefix.contains('/'))
        .min_by_key(|prefix| prefix.len())
        .map(str::to_string)
}

/// The bytes of one record, never allocating more up front than the file
/// holds.
pub(crate) fn read_record<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    name: &str,
    file_len: usize,
) -> Result<Vec<u8>, WeightsError> {
    let mut file = match archive.by_name(name) {
        Ok(file) => file,
        Err(ZipError::FileNotFound) => {
            return Err(WeightsError::MissingRecord { name: name.to_string() });
        }
        Err(e) => return Err(WeightsError::Zip(e)),
    };
    let declared = file.size();
    let capacity = usize::try_from(declared).unwrap_or(usize::MAX).min(file_len);
    let mut data = Vec::with_capacity(capacity);
    let record_error = |source| WeightsError::Record { name: name.to_string(), source };
    // A deflated record can still expand past the file's length; `take`
    // stops it at its declared size, which the zip reader then checks.
    (&mut file).take(declared).read_to_end(&mut data).map_err(record_error)?;
    if data.len() as u64 != declared {
        return Err(record_error(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("{} bytes instead of the declared {declared}", data.len()),
        )));
    }
    // The zip reader checks the CRC when a read past the end returns
    // nothing; `take` alone never asks it.
    let mut past_end = [0u8; 1];
    if file.read(&mut past_end).map_err(record_error)? != 0 {
        return Err(record_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("more than the declared {declared} bytes"),
        )));
    }
    Ok(data)
}

/// A storage record: a slice of `file` when it is stored uncompressed (as
/// `torch.save` writes them) and its CRC checks out, else read and
/// checked by the zip reader.
fn read_storage(archive: &mut Archive<'_>, name: &str, file: &Bytes) -> Result<Bytes, WeightsError> {
    if let Ok(record) = archive.by_name(name)
        && record.compression() == zip::CompressionMethod::Stored
        && let Some(start) = record.data_start().and_then(|s| usize::try_from(s).ok())
        && let Some(end) = usize::try_from(record.size()).ok().and_then(|len| start.checked_add(len))
        && end <= file.len()
        && crc32fast::hash(&file[start..end]) == record.crc32()
    {
        return Ok(file.slice(start..end));
    }
    Ok(read_record(archive, name, file.len())?.into())
}

/// One entry of the state_dict, as the pickle describes it.
#[derive(Debug)]
struct TensorSpec {
    name: String,
    dtype: ScalarType,
    storage_key: String,
    storage_numel: usize,
    storage_offset: usize,
    shape: Vec<usize>,
    stride: Vec<usize>,
}

/// The state_dict's entries, in order.
fn state_dict(u: &Unpickled, record: &str) -> Result<Vec<TensorSpec>, WeightsError> {
    let entries = match u.obj(&u.value) {
        Some(Obj::Dict(dict)) => &dict.entries,
        Some(Obj::Object { class, .. } | Obj::Call { function: class, .. }) => {
            return Err(WeightsError::WholeModel { record: record.to_string(), class: class.clone() });
        }
        _ => {
            return Err(WeightsError::NotStateDict { record: record.to_string(), found: u.describe(&u.value) });
        }
    };
    entries
        .iter()
        .map(|(key, value)| {
            let Value::Str(name) = key else {
                return Err(WeightsError::NonStringKey { found: u.describe(key) });
            };
            tensor_spec(u, name, value)
        })
        .collect()
}

fn tensor_spec(u: &Unpickled, name: &str, value: &Value) -> Result<TensorSpec, WeightsError> {
    let bad = |message: String| WeightsError::MalformedTensor { key: name.to_string(), message };
    let Some(Obj::Tensor(args)) = u.obj(value) else {
        return Err(WeightsError::NotATensor { key: name.to_string(), found: u.describe(value) });
    };
    let [storage, offset, size, stride, ..] = &**args else {
        return Err(bad(format!("the tensor is rebuilt from {} arguments, expected at least 4", args.len())));
    };

    // The storage: a persistent id ('storage', <storage class>, key,
    // location, numel).
    let Some(Obj::Persistent(pid)) = u.obj(storage) else {
        return Err(bad(format!("its storage is {}, not a storage reference", u.describe(storage))));
    };
    let Some(Obj::Tuple(pid)) = u.obj(pid) else {
        return Err(bad(format!("its storage id is {}", u.describe(pid))));
    };
    let [kind, class, key, _location, numel] = &**pid else {
        return Err(bad(format!("its storage id has {} items, expected 5", pid.len())));
    };
    if !matches!(kind, Value::Str(s) if &**s == "storage") {
        return Err(bad("its persistent id is not a storage".into()));
    }
    let Some(Obj::Global { module, name: class }) = u.obj(class) else {
        return Err(bad(format!("its storage class is {}", u.describe(class))));
    };
    let dtype = (&**module == "torch").then(|| scalar_type_of_storage(class)).flatten().ok_or_else(|| {
        WeightsError::UnsupportedStorage { key: name.to_string(), storage: format!("{module}.{class}") }
    })?;
    let storage_key = match key {
        Value::Str(s) => s.to_string(),
        other => return Err(bad(format!("its storage key is {}", u.describe(other)))),
    };
    let storage_numel = non_negative(numel)
        .ok_or_else(|| bad(format!("its storage size is {}, expected a non-negative int", u.describe(numel))))?;

    let storage_offset = non_negative(offset)
        .ok_or_else(|| bad(format!("its storage offset is {}, expected a non-negative int", u.describe(offset))))?;
    let shape = int_list(u, size)
        .ok_or_else(|| bad(format!("its size is {}, expected a tuple of non-negative ints", u.describe(size))))?;
    let stride = int_list(u, stride)
        .ok_or_else(|| bad(format!("its stride is {}, expected a tuple of non-negative ints", u.describe(stride))))?;
    if shape.len() != stride.len() {
        return Err(bad(format!("its size has {} dimensions but its stride {}", shape.len(), stride.len())));
    }
    Ok(TensorSpec { name: name.to_string(), dtype, storage_key, storage_numel, storage_offset, shape, stride })
}

fn non_negative(value: &Value) -> Option<usize> {
    match value {
        Value::Int(v) => usize::try_from(*v).ok(),
        _ => None,
    }
}

fn int_list(u: &Unpickled, value: &Value) -> Option<Vec<usize>> {
    let items: &[Value] = match u.obj(value)? {
        Obj::Tuple(items) => items,
        Obj::List(items) => items,
        _ => return None,
    };
    items.iter().map(non_negative).collect()
}

/// Checks that every element of the view lies inside its storage; returns
/// the view's element count.
fn check_bounds(spec: &TensorSpec) -> Result<usize, WeightsError> {
    let too_big = || WeightsError::MalformedTensor {
        key: spec.name.clone(),
        message: format!("its size {:?} overflows", spec.shape),
    };
    let numel = spec.shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or_else(too_big)?;
    if numel == 0 {
        return Ok(0);
    }
    // The last element's index in the storage.
    let last = spec
        .shape
        .iter()
        .zip(&spec.stride)
        .try_fold(spec.storage_offset, |acc, (&d, &s)| (d - 1).checked_mul(s).and_then(|x| acc.checked_add(x)))
        .ok_or_else(too_big)?;
    if last >= spec.storage_numel {
        return Err(WeightsError::OutOfBounds { key: spec.name.clone(), needed: last, available: spec.storage_numel });
    }
    Ok(numel)
}

/// Row-major without gaps (dims of size 1 may have any stride).
fn is_contiguous(shape: &[usize], stride: &[usize]) -> bool {
    let mut expected = 1;
    shape.iter().zip(stride).rev().all(|(&d, &s)| {
        let ok = d == 1 || s == expected;
        expected *= d;
        ok
    })
}

/// Copies a strided view (bounds already checked) into `out`, contiguous.
fn gather(storage: &[u8], elsize: usize, offset: usize, shape: &[usize], stride: &[usize], out: &mut Vec<u8>) {
    let numel: usize = shape.iter().product();
    if numel == 0 {
        return;
    }
    if is_contiguous(shape, stride) {
        out.extend_from_slice(&storage[offset * elsize..(offset + numel) * elsize]);
        return;
    }
    // Otherwise walk the outer dimensions, copying the innermost one.
    let (inner_len, inner_stride) = (shape[shape.len() - 1], stride[stride.len() - 1]);
    let outer = &shape[..shape.len() - 1];
    let mut index = vec![0usize; outer.len()];
    loop {
        let base = offset + index.iter().zip(stride).map(|(&i, &s)| i * s).sum::<usize>();
        if inner_stride == 1 {
            out.extend_from_slice(&storage[base * elsize..(base + inner_len) * elsize]);
        } else {
            for i in 0..inner_len {
                let at = (base + i * inner_stride) * elsize;
                out.extend_from_slice(&storage[at..at + elsize]);
            }
        }
        // Next outer index, last dimension fastest.
        let mut dim = outer.len();
        loop {
            if dim == 0 {
                return;
            }
            dim -= 1;
            index[dim] += 1;
            if index[dim] < outer[dim] {
                break;
            }
            index[dim] = 0;
        }
    }
}
