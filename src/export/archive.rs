//! The zip container of a `.ptl` (docs/ptl-format.md §2): every record under one
//! folder, stored uncompressed with its data 64-byte aligned (the `FB`
//! extra field PyTorch's writer uses, so tensors can be mapped in place),
//! correct CRCs, no timestamps, records in the order they are added — the
//! same records give the same bytes.

use std::io::{Cursor, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Header id of the alignment padding: the bytes `F`, `B`.
const PADDING_HEADER_ID: u16 = u16::from_le_bytes(*b"FB");

/// Records are written to `W` as they are added: a model's weights go
/// straight to the output file.
pub struct Archive<W: Write + Seek> {
    prefix: String,
    zip: ZipWriter<W>,
}

impl Archive<Cursor<Vec<u8>>> {
    /// An archive in memory. `prefix` names the folder every record lives
    /// in (PyTorch uses the output file's stem; readers take whatever the
    /// first record says).
    pub fn new(prefix: &str) -> Self {
        Archive::to(prefix, Cursor::new(Vec::new()))
    }
}

impl<W: Write + Seek> Archive<W> {
    pub fn to(prefix: &str, sink: W) -> Self {
        Archive { prefix: prefix.to_string(), zip: ZipWriter::new(sink) }
    }

    pub fn add(&mut self, name: &str, data: &[u8]) -> zip::result::ZipResult<()> {
        self.add_with(name, data.len(), |out| out.write_all(data))
    }

    /// A record of `len` bytes that `write` produces, in as many pieces as
    /// it likes (a folded weight computed on the way to the file).
    pub fn add_with(
        &mut self,
        name: &str,
        len: usize,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> zip::result::ZipResult<()> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .last_modified_time(DateTime::default())
            .with_alignment_and_header_id(64, PADDING_HEADER_ID)
            .large_file(len >= u32::MAX as usize);
        self.zip.start_file(format!("{}/{name}", self.prefix), options)?;
        write(&mut self.zip)?;
        Ok(())
    }

    pub fn finish(self) -> zip::result::ZipResult<W> {
        self.zip.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn records_are_aligned_and_read_back() {
        let mut archive = Archive::new("model");
        archive.add("version", b"3\n").expect("in memory");
        archive.add("data/0", &[1, 2, 3, 4, 5]).expect("in memory");
        let bytes = archive.finish().expect("in memory").into_inner();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).expect("a valid zip");
        assert_eq!(zip.len(), 2);
        let mut file = zip.by_name("model/data/0").expect("record present");
        assert_eq!(file.data_start().expect("known") % 64, 0);
        let mut data = Vec::new();
        file.read_to_end(&mut data).expect("readable");
        assert_eq!(data, [1, 2, 3, 4, 5]);
        drop(file);
        let mut again = Archive::new("model");
        again.add("version", b"3\n").expect("in memory");
        again.add("data/0", &[1, 2, 3, 4, 5]).expect("in memory");
        assert_eq!(again.finish().expect("in memory").into_inner(), bytes, "deterministic");
    }
}
