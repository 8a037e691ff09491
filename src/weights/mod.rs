//! Reading a state_dict from a weights file, without Python.
//!
//! Two formats, told apart by their first bytes:
//!
//! - PyTorch's `torch.save` format (PyTorch >= 1.6): a zip archive whose
//!   `<archive>/data.pkl` record is a pickle of the state_dict, with each
//!   storage in its own `<archive>/data/<key>` record. A small pickle VM
//!   ([`pickle`]) runs exactly the opcodes PyTorch's pickler emits; nothing
//!   in the pickle is ever executed, the few callables a state_dict needs
//!   (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
//!   `torch._utils._rebuild_parameter`, ...) are interpreted, every other
//!   global becomes an opaque object.
//! - safetensors: an 8-byte little-endian header length, a JSON header, then
//!   the tensors' bytes.
//!
//! Every tensor comes back contiguous, in C order, with little-endian
//! element bytes, whatever strides, storage offset or byte order the file
//! used.
//!
//! Order of the tensors:
//! - `torch.save`: the state_dict's own (insertion) order.
//! - safetensors: the order of the tensors' bytes in the file, that is by
//!   `data_offsets` (start, then end), ties (several empty tensors at one
//!   offset) broken by name. The JSON header is an object whose key order
//!   the format does not keep meaningful (the `safetensors` crate reads it
//!   into a hash map); the data order is what the writer chose, and for
//!   files written by the `safetensors` libraries it is by dtype
//!   alignment, largest first, then by name.
//!
//! A corrupt or truncated file, whatever its bytes, gives a
//! [`WeightsError`]: never a panic, and no allocation larger than the file
//! justifies (sizes read from headers are checked against the file's
//! length before anything is allocated; see [`output_budget`]).

pub(crate) mod pickle;
mod safetensors_file;
pub(crate) mod torch_save;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crate::types::ScalarType;

/// One tensor of a state_dict: contiguous, little-endian element bytes
/// (shared, so loading it into a model copies nothing; a safetensors file's
/// tensors are slices of its mapping).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTensor {
    pub name: String,
    pub dtype: ScalarType,
    pub shape: Vec<usize>,
    pub data: bytes::Bytes,
}

impl StoredTensor {
    /// The number of elements (1 for a 0-dim tensor).
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Why a weights file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("cannot read `{}`: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("unrecognized weights file: expected a zip archive written by `torch.save` or a safetensors file")]
    UnknownFormat,

    #[error(
        "this is a legacy (non-zip) `torch.save` file, which tsy does not read: re-save it with a current PyTorch (`torch.save(torch.load(path), path)`) or as safetensors"
    )]
    LegacyTorchSave,

    // ---- safetensors ----
    #[error("invalid safetensors file: {0}")]
    Safetensors(#[from] ::safetensors::SafeTensorError),

    #[error(
        "safetensors file is truncated or padded: its header describes {expected} bytes of tensor data, but {actual} follow the header"
    )]
    SafetensorsLength { expected: u128, actual: usize },

    #[error("tensor `{name}` has safetensors dtype {dtype}, which tsy does not support")]
    UnsupportedSafetensorsDtype { name: String, dtype: String },

    // ---- torch.save: the zip archive ----
    #[error("corrupt or truncated zip archive: {}", zip_detail(.0))]
    Zip(#[from] zip::result::ZipError),

    #[error("the zip archive has no `<archive>/data.pkl` record, so it is not a `torch.save` file")]
    NoDataPkl,

    #[error("the archive has no record `{name}`")]
    MissingRecord { name: String },

    #[error("cannot read record `{name}`: {source}")]
    Record { name: String, source: std::io::Error },

    #[error("record `{name}` says byte order `{found}`; expected `little` or `big`")]
    ByteOrder { name: String, found: String },

    // ---- torch.save: the pickle ----
    #[error("`{record}` is truncated: {what} at byte {offset} runs past its end")]
    PickleTruncated { record: String, what: &'static str, offset: usize },

    #[error("`{record}` ends without a STOP opcode")]
    PickleNoStop { record: String },

    #[error("unsupported pickle opcode 0x{opcode:02x} at byte {offset} of `{record}`")]
    PickleOpcode { record: String, opcode: u8, offset: usize },

    #[error("malformed pickle at byte {offset} of `{record}`: {message}")]
    PickleMalformed { record: String, offset: usize, message: String },

    #[error("`{record}` holds {found}, not a state_dict (a dict of names to tensors)")]
    NotStateDict { record: String, found: String },

    #[error(
        "`{record}` holds a pickled `{class}` object, not a state_dict: save `model.state_dict()` instead of the model"
    )]
    WholeModel { record: String, class: String },

    #[error("state_dict key is {found}, expected a string")]
    NonStringKey { found: String },

    #[error("entry `{key}` is {found}, not a tensor")]
    NotATensor { key: String, found: String },

    #[error("tensor `{key}`: {message}")]
    MalformedTensor { key: String, message: String },

    #[error("tensor `{key}` is stored as `{storage}`, which tsy does not support")]
    UnsupportedStorage { key: String, storage: String },

    #[error("tensor `{key}`: record `{record}` holds {actual} bytes, but the pickle says the storage has {expected}")]
    StorageSize { key: String, record: String, expected: usize, actual: usize },

    #[error("tensor `{key}` reaches element {needed} of its storage, which has only {available} elements")]
    OutOfBounds { key: String, needed: usize, available: usize },

    #[error(
        "tensor `{key}` brings the tensors' total to {total} bytes, more than a {file_len}-byte file can hold (limit {limit})"
    )]
    TooLarge { key: String, total: u128, file_len: usize, limit: u128 },
}

/// The zip crate's message without its own "invalid Zip archive: " prefix.
fn zip_detail(e: &zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::InvalidArchive(message) => message.to_string(),
        other => other.to_string(),
    }
}

/// Reads every tensor of the weights file at `path`, in the file's order.
pub fn read(path: &Path) -> Result<Vec<StoredTensor>, WeightsError> {
    let io = |source| WeightsError::Io { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return read_bytes(&[]);
    }
    // Mapped, not read: a safetensors file's tensors are never copied (they
    // are slices of the mapping, written out from it, or folded on the way).
    // SAFETY: the mapping is private and only read. A file changed under it
    // while tsc runs gives wrong bytes (or SIGBUS if truncated), as for any
    // program that maps its input; nothing here writes through it.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(io)?;
    read_shared(&bytes::Bytes::from_owner(map))
}

/// Reads every tensor of a weights file held in memory, in the file's order.
pub fn read_bytes(bytes: &[u8]) -> Result<Vec<StoredTensor>, WeightsError> {
    read_shared(&bytes::Bytes::copy_from_slice(bytes))
}

fn read_shared(bytes: &bytes::Bytes) -> Result<Vec<StoredTensor>, WeightsError> {
    if bytes.starts_with(b"PK\x03\x04") {
        torch_save::read(bytes)
    } else if is_legacy_torch_save(bytes) {
        Err(WeightsError::LegacyTorchSave)
    } else if bytes.len() > 8 && bytes[8] == b'{' {
        safetensors_file::read(bytes)
    } else {
        Err(WeightsError::UnknownFormat)
    }
}

/// `torch.save(..., _use_new_zipfile_serialization=False)` starts with a
/// protocol-2 pickle of a magic number (`LONG1 0x1950a86a20f9469cfc6c`);
/// PyTorch before 0.4 wrote a tar archive.
fn is_legacy_torch_save(bytes: &[u8]) -> bool {
    const MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
    bytes.starts_with(MAGIC) || bytes.get(257..262) == Some(b"ustar")
}

/// How many bytes of tensors a file of `file_len` bytes may produce.
///
/// Contiguous tensors produce at most the file's own bytes, but a
/// `torch.save` file can legitimately hold views that read the same storage
/// more than once (tied weights, broadcast views with zero strides). The
/// total is capped at 8 times the file's length plus 64 MiB, checked
/// before each tensor is allocated, so a few hundred bytes of pickle cannot
/// ask for terabytes.
pub(crate) fn output_budget(file_len: usize) -> u128 {
    8 * file_len as u128 + (64 << 20)
}

/// Maps a storage class name of PyTorch's pickles (`FloatStorage`) to its
/// element type.
pub(crate) fn scalar_type_of_storage(name: &str) -> Option<ScalarType> {
    ScalarType::ALL.into_iter().find(|t| t.storage_name() == name)
}
