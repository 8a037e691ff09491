//! Unit tests on hand-built files: safetensors through the crate's own
//! serializer, `torch.save` archives from a pickle emitter that writes what
//! PyTorch's pickler writes.

use std::io::Write;
use std::time::{Duration, Instant};

use ::safetensors::Dtype;
use ::safetensors::tensor::TensorView;
use proptest::prelude::*;

use super::*;

// ---------------------------------------------------------------------------
// Builders

fn safetensors_file(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(name, dtype, shape, data)| (name.to_string(), TensorView::new(*dtype, shape.clone(), data).unwrap()))
        .collect();
    ::safetensors::serialize(views, None).unwrap()
}

/// A pickle emitter for the opcodes PyTorch writes.
#[derive(Default)]
struct Pickle {
    out: Vec<u8>,
    memo: u32,
}

impl Pickle {
    fn op(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }
    fn put(&mut self) -> u32 {
        let i = self.memo;
        self.memo += 1;
        if i < 256 {
            self.op(&[b'q', i as u8]);
        } else {
            self.op(b"r").op(&i.to_le_bytes());
        }
        i
    }
    fn get(&mut self, i: u32) -> &mut Self {
        if i < 256 { self.op(&[b'h', i as u8]) } else { self.op(b"j").op(&i.to_le_bytes()) }
    }
    fn global(&mut self, module: &str, name: &str) -> &mut Self {
        self.op(b"c").op(module.as_bytes()).op(b"\n").op(name.as_bytes()).op(b"\n")
    }
    fn str(&mut self, s: &str) -> &mut Self {
        self.op(b"X").op(&(s.len() as u32).to_le_bytes()).op(s.as_bytes())
    }
    fn int(&mut self, v: i64) -> &mut Self {
        if (0..256).contains(&v) {
            self.op(&[b'K', v as u8])
        } else if (0..65536).contains(&v) {
            self.op(b"M").op(&(v as u16).to_le_bytes())
        } else if i32::try_from(v).is_ok() {
            self.op(b"J").op(&(v as i32).to_le_bytes())
        } else {
            self.op(&[0x8a, 8]).op(&v.to_le_bytes())
        }
    }
    fn ints(&mut self, vs: &[usize]) -> &mut Self {
        match vs.len() {
            0 => self.op(b")"),
            1..=3 => {
                for &v in vs {
                    self.int(v as i64);
                }
                self.op(&[0x84 + vs.len() as u8])
            }
            _ => {
                self.op(b"(");
                for &v in vs {
                    self.int(v as i64);
                }
                self.op(b"t")
            }
        }
    }
}

struct Entry {
    name: &'static str,
    storage: &'static str,
    key: &'static str,
    numel: usize,
    offset: usize,
    size: Vec<usize>,
    stride: Vec<usize>,
    parameter: bool,
}

fn entry(name: &'static str, storage: &'static str, key: &'static str, size: &[usize]) -> Entry {
    let mut stride = vec![1; size.len()];
    for i in (0..size.len().saturating_sub(1)).rev() {
        stride[i] = stride[i + 1] * size[i + 1];
    }
    Entry { name, storage, key, numel: size.iter().product(), offset: 0, size: size.to_vec(), stride, parameter: false }
}

/// A state_dict pickle laid out as PyTorch 2.5.1 writes it (see the
/// `pickletools.dis` of a `torch.save`), including the `_metadata` BUILD.
fn state_dict_pickle(entries: &[Entry]) -> Vec<u8> {
    let mut p = Pickle::default();
    p.op(b"\x80\x02").global("collections", "OrderedDict");
    let od = p.put();
    p.op(b")R");
    p.put();
    p.op(b"(");
    for e in entries {
        p.str(e.name);
        p.put();
        if e.parameter {
            p.global("torch._utils", "_rebuild_parameter");
            p.put();
        }
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.put();
        p.op(b"((").str("storage");
        p.put();
        p.global("torch", e.storage);
        p.put();
        p.str(e.key);
        p.put();
        p.str("cpu");
        p.put();
        p.int(e.numel as i64).op(b"t");
        p.put();
        p.op(b"Q").int(e.offset as i64).ints(&e.size);
        p.put();
        p.ints(&e.stride);
        p.put();
        p.op(b"\x89").get(od).op(b")R");
        p.put();
        p.op(b"t");
        p.put();
        p.op(b"R");
        p.put();
        if e.parameter {
            p.op(b"\x88").get(od).op(b")R");
            p.put();
            p.op(b"\x87");
            p.put();
            p.op(b"R");
            p.put();
        }
    }
    p.op(b"u}");
    p.put();
    p.str("_metadata");
    p.put();
    p.get(od).op(b")R");
    p.put();
    p.str("");
    p.put();
    p.op(b"}");
    p.put();
    p.str("version");
    p.put();
    p.int(1).op(b"sssb.");
    p.out
}

struct Archive<'a> {
    pickle: Vec<u8>,
    storages: Vec<(&'a str, Vec<u8>)>,
    byteorder: Option<&'a str>,
    deflate: bool,
}

fn torch_zip(a: &Archive<'_>) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let method = if a.deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    let options = SimpleFileOptions::default().compression_method(method);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("archive/data.pkl", options).unwrap();
    w.write_all(&a.pickle).unwrap();
    if let Some(order) = a.byteorder {
        w.start_file("archive/byteorder", options).unwrap();
        w.write_all(order.as_bytes()).unwrap();
    }
    for (key, data) in &a.storages {
        w.start_file(format!("archive/data/{key}"), options).unwrap();
        w.write_all(data).unwrap();
    }
    w.start_file("archive/version", options).unwrap();
    w.write_all(b"3\n").unwrap();
    w.finish().unwrap().into_inner()
}

fn f32_bytes(vs: impl IntoIterator<Item = f32>) -> Vec<u8> {
    vs.into_iter().flat_map(f32::to_le_bytes).collect()
}

fn f32s(data: &[u8]) -> Vec<f32> {
    data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()
}

/// A small `torch.save` file: a 3x4 float32 matrix, its transpose, a
/// non-contiguous slice with an offset, a 0-dim int64, a bool parameter.
fn sample_torch_zip(deflate: bool) -> Vec<u8> {
    let mut t = entry("a.t", "FloatStorage", "0", &[4, 3]);
    t.stride = vec![1, 4];
    let mut s = entry("a.slice", "FloatStorage", "0", &[2, 2]);
    s.offset = 6;
    s.stride = vec![4, 1];
    s.numel = 12;
    let mut flag = entry("flag", "BoolStorage", "2", &[3]);
    flag.parameter = true;
    let entries = [
        entry("z.first", "FloatStorage", "0", &[3, 4]),
        t,
        s,
        entry("num_batches_tracked", "LongStorage", "1", &[]),
        flag,
    ];
    torch_zip(&Archive {
        pickle: state_dict_pickle(&entries),
        storages: vec![
            ("0", f32_bytes((0..12).map(|i| i as f32))),
            ("1", 7i64.to_le_bytes().to_vec()),
            ("2", vec![1, 0, 1]),
        ],
        byteorder: Some("little"),
        deflate,
    })
}

// ---------------------------------------------------------------------------
// safetensors

#[test]
fn safetensors_reads_every_dtype_in_data_order() {
    let file = safetensors_file(&[
        ("w", Dtype::F32, vec![2, 2], f32_bytes([1.0, 2.0, 3.0, 4.0])),
        ("b", Dtype::F32, vec![2], f32_bytes([5.0, 6.0])),
        ("d", Dtype::F64, vec![], 2.5f64.to_le_bytes().to_vec()),
        ("h", Dtype::F16, vec![1], vec![0x00, 0x3c]),
        ("bf", Dtype::BF16, vec![1], vec![0x80, 0x3f]),
        ("n", Dtype::I64, vec![], 9i64.to_le_bytes().to_vec()),
        ("i", Dtype::I32, vec![1], 3i32.to_le_bytes().to_vec()),
        ("s", Dtype::I16, vec![1], 4i16.to_le_bytes().to_vec()),
        ("c", Dtype::I8, vec![2], vec![0xff, 1]),
        ("u", Dtype::U8, vec![2], vec![200, 1]),
        ("m", Dtype::BOOL, vec![3], vec![1, 0, 1]),
        ("empty", Dtype::F32, vec![0, 3], vec![]),
    ]);
    let tensors = read_bytes(&file).unwrap();
    let names: Vec<_> = tensors.iter().map(|t| t.name.as_str()).collect();
    // The serializer lays tensors out by its `Dtype` order, last first
    // (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL), then by name;
    // empty tensors take no bytes and sort by name among those at their
    // offset.
    assert_eq!(names, ["n", "d", "b", "empty", "w", "i", "bf", "h", "s", "c", "u", "m"]);
    let get = |n: &str| tensors.iter().find(|t| t.name == n).unwrap();
    assert_eq!(get("w").dtype, ScalarType::Float32);
    assert_eq!(get("w").shape, [2, 2]);
    assert_eq!(f32s(&get("w").data), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(get("d").shape, Vec::<usize>::new());
    assert_eq!(get("d").dtype, ScalarType::Float64);
    assert_eq!(get("h").dtype, ScalarType::Float16);
    assert_eq!(get("bf").dtype, ScalarType::BFloat16);
    assert_eq!(get("n").dtype, ScalarType::Int64);
    assert_eq!(get("i").dtype, ScalarType::Int32);
    assert_eq!(get("s").dtype, ScalarType::Int16);
    assert_eq!(get("c").dtype, ScalarType::Int8);
    assert_eq!(get("u").dtype, ScalarType::UInt8);
    assert_eq!(get("m").dtype, ScalarType::Bool);
    assert_eq!(*get("m").data, [1, 0, 1]);
    assert_eq!(get("empty").shape, [0, 3]);
    assert!(get("empty").data.is_empty());
}

#[test]
fn safetensors_unsupported_dtype_names_the_tensor() {
    let file =
        safetensors_file(&[("ok", Dtype::F32, vec![1], f32_bytes([1.0])), ("wide", Dtype::U16, vec![1], vec![1, 0])]);
    let err = read_bytes(&file).unwrap_err();
    assert!(
        matches!(&err, WeightsError::UnsupportedSafetensorsDtype { name, dtype } if name == "wide" && dtype == "U16"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "tensor `wide` has safetensors dtype U16, which tsy does not support");
}

#[test]
fn safetensors_lying_header_is_an_error() {
    let mut file = safetensors_file(&[("w", Dtype::F32, vec![2], f32_bytes([1.0, 2.0]))]);
    // Header length far past the end.
    let mut lying = file.clone();
    lying[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(read_bytes(&lying), Err(WeightsError::Safetensors(_) | WeightsError::UnknownFormat)));
    // A shape claiming more bytes than the offsets give.
    let text = String::from_utf8_lossy(&file).replace("[2]", "[9]");
    file = text.into_bytes();
    assert!(matches!(read_bytes(&file), Err(WeightsError::Safetensors(_))));
}

// ---------------------------------------------------------------------------
// torch.save

/// Stored storages are taken from the file without a copy, but their CRC
/// is still checked: a changed byte is an error, never wrong weights.
#[test]
fn torch_save_storages_are_checked_when_taken_in_place() {
    let file = sample_torch_zip(false);
    let data = f32_bytes((0..12).map(|i| i as f32));
    let at = file.windows(data.len()).position(|w| w == data).expect("the stored storage is in the file");
    let mut changed = file.clone();
    changed[at + 5] ^= 0x40;
    let err = read_bytes(&changed).unwrap_err();
    assert_eq!(err.to_string(), "cannot read record `archive/data/0`: Invalid checksum");
}

#[test]
fn torch_save_reads_views_in_insertion_order() {
    for deflate in [false, true] {
        let tensors = read_bytes(&sample_torch_zip(deflate)).unwrap();
        let names: Vec<_> = tensors.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["z.first", "a.t", "a.slice", "num_batches_tracked", "flag"]);
        let a: Vec<f32> = (0..12).map(|i| i as f32).collect();
        assert_eq!(f32s(&tensors[0].data), a);
        assert_eq!(tensors[0].shape, [3, 4]);
        assert_eq!(tensors[0].dtype, ScalarType::Float32);
        // The transpose, gathered.
        assert_eq!(tensors[1].shape, [4, 3]);
        let at: Vec<f32> = (0..4).flat_map(|i| (0..3).map(move |j| (j * 4 + i) as f32)).collect();
        assert_eq!(f32s(&tensors[1].data), at);
        // a[1:, 2:]
        assert_eq!(f32s(&tensors[2].data), [6.0, 7.0, 10.0, 11.0]);
        assert_eq!(tensors[3].dtype, ScalarType::Int64);
        assert!(tensors[3].shape.is_empty());
        assert_eq!(*tensors[3].data, 7i64.to_le_bytes());
        assert_eq!(tensors[3].numel(), 1);
        assert_eq!(tensors[4].dtype, ScalarType::Bool);
        assert_eq!(*tensors[4].data, [1, 0, 1]);
    }
}

#[test]
fn torch_save_big_endian_is_swapped_and_missing_byteorder_is_little() {
    let entries = [
        entry("x", "FloatStorage", "0", &[2]),
        entry("h", "HalfStorage", "1", &[1]),
        entry("u", "ByteStorage", "2", &[2]),
    ];
    let be: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|v| v.to_be_bytes()).collect();
    let big = torch_zip(&Archive {
        pickle: state_dict_pickle(&entries),
        storages: vec![("0", be), ("1", vec![0x3c, 0x00]), ("2", vec![1, 2])],
        byteorder: Some("big"),
        deflate: false,
    });
    let tensors = read_bytes(&big).unwrap();
    assert_eq!(f32s(&tensors[0].data), [1.5, -2.0]);
    assert_eq!(*tensors[1].data, [0x00, 0x3c]);
    assert_eq!(*tensors[2].data, [1, 2]);

    let none = torch_zip(&Archive {
        pickle: state_dict_pickle(&entries[..1]),
        storages: vec![("0", f32_bytes([1.5, -2.0]))],
        byteorder: None,
        deflate: false,
    });
    assert_eq!(f32s(&read_bytes(&none).unwrap()[0].data), [1.5, -2.0]);

    let odd = torch_zip(&Archive {
        pickle: state_dict_pickle(&entries[..1]),
        storages: vec![("0", f32_bytes([1.5, -2.0]))],
        byteorder: Some("middle"),
        deflate: false,
    });
    let err = read_bytes(&odd).unwrap_err();
    assert_eq!(err.to_string(), "record `archive/byteorder` says byte order `middle`; expected `little` or `big`");
}

#[test]
fn torch_save_shared_storage_and_broadcast_views() {
    // Two names on one storage (tied weights), and a zero-stride view.
    let mut bias = entry("bias", "FloatStorage", "0", &[2]);
    bias.numel = 3;
    bias.offset = 1;
    let mut wide = entry("wide", "FloatStorage", "0", &[2, 3]);
    wide.stride = vec![0, 1];
    wide.numel = 3;
    let entries = [entry("w", "FloatStorage", "0", &[3]), bias, wide];
    let file = torch_zip(&Archive {
        pickle: state_dict_pickle(&entries),
        storages: vec![("0", f32_bytes([1.0, 2.0, 3.0]))],
        byteorder: Some("little"),
        deflate: false,
    });
    let tensors = read_bytes(&file).unwrap();
    assert_eq!(f32s(&tensors[0].data), [1.0, 2.0, 3.0]);
    assert_eq!(f32s(&tensors[1].data), [2.0, 3.0]);
    assert_eq!(f32s(&tensors[2].data), [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
}

#[test]
fn torch_save_huge_broadcast_view_is_refused_before_allocating() {
    let mut huge = entry("huge", "FloatStorage", "0", &[1 << 40]);
    huge.stride = vec![0];
    huge.numel = 1;
    let file = torch_zip(&Archive {
        pickle: state_dict_pickle(&[huge]),
        storages: vec![("0", f32_bytes([1.0]))],
        byteorder: Some("little"),
        deflate: false,
    });
    let err = read_bytes(&file).unwrap_err();
    assert!(matches!(&err, WeightsError::TooLarge { key, .. } if key == "huge"), "{err}");
}

#[test]
fn torch_save_errors_name_the_tensor() {
    let check = |entries: &[Entry], storages: Vec<(&str, Vec<u8>)>, expected: &str| {
        let file = torch_zip(&Archive {
            pickle: state_dict_pickle(entries),
            storages,
            byteorder: Some("little"),
            deflate: false,
        });
        assert_eq!(read_bytes(&file).unwrap_err().to_string(), expected);
    };
    let mut oob = entry("w", "FloatStorage", "0", &[2, 2]);
    oob.offset = 1;
    check(
        &[oob],
        vec![("0", f32_bytes([0.0; 4]))],
        "tensor `w` reaches element 4 of its storage, which has only 4 elements",
    );
    check(
        &[entry("w", "FloatStorage", "0", &[4])],
        vec![("0", f32_bytes([0.0; 3]))],
        "tensor `w`: record `archive/data/0` holds 12 bytes, but the pickle says the storage has 16",
    );
    check(
        &[entry("c", "ComplexFloatStorage", "0", &[1])],
        vec![("0", vec![0; 8])],
        "tensor `c` is stored as `torch.ComplexFloatStorage`, which tsy does not support",
    );
    check(
        &[entry("w", "FloatStorage", "7", &[1])],
        vec![("0", vec![0; 4])],
        "the archive has no record `archive/data/7`",
    );
    let mut rank = entry("w", "FloatStorage", "0", &[2]);
    rank.stride = vec![1, 1];
    check(&[rank], vec![("0", vec![0; 8])], "tensor `w`: its size has 1 dimensions but its stride 2");
}

#[test]
fn torch_save_of_a_whole_model_says_to_save_the_state_dict() {
    // What `torch.save(model)` starts with: NEWOBJ of the module's class,
    // then BUILD with its attributes.
    let mut p = Pickle::default();
    p.op(b"\x80\x02").global("__main__", "Net");
    p.put();
    p.op(b")\x81");
    p.put();
    p.op(b"}");
    p.put();
    p.op(b"(").str("training").op(b"\x88u");
    p.op(b"b.");
    let file = torch_zip(&Archive { pickle: p.out, storages: vec![], byteorder: Some("little"), deflate: false });
    let err = read_bytes(&file).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`archive/data.pkl` holds a pickled `__main__.Net` object, not a state_dict: save `model.state_dict()` instead of the model"
    );
}

#[test]
fn torch_save_other_top_levels_and_entries() {
    let run = |pickle: Vec<u8>| {
        read_bytes(&torch_zip(&Archive { pickle, storages: vec![], byteorder: None, deflate: false }))
    };
    // A plain (empty) dict is an empty state_dict.
    assert_eq!(run(b"\x80\x02}q\x00.".to_vec()).unwrap(), vec![]);
    // A list is not.
    assert_eq!(
        run(b"\x80\x02]q\x00.".to_vec()).unwrap_err().to_string(),
        "`archive/data.pkl` holds a list, not a state_dict (a dict of names to tensors)"
    );
    // A checkpoint with a non-tensor entry.
    let mut p = Pickle::default();
    p.op(b"\x80\x02}(").str("epoch").int(3).op(b"u.");
    assert_eq!(run(p.out).unwrap_err().to_string(), "entry `epoch` is an int, not a tensor");
    // Non-string keys.
    let mut p = Pickle::default();
    p.op(b"\x80\x02}(").int(1).int(3).op(b"u.");
    assert_eq!(run(p.out).unwrap_err().to_string(), "state_dict key is an int, expected a string");
}

#[test]
fn pickle_errors_name_opcode_and_offset() {
    let run = |pickle: &[u8]| {
        read_bytes(&torch_zip(&Archive { pickle: pickle.to_vec(), storages: vec![], byteorder: None, deflate: false }))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(run(b"\x80\x02}\xff."), "unsupported pickle opcode 0xff at byte 3 of `archive/data.pkl`");
    assert_eq!(run(b"\x80\x02}"), "`archive/data.pkl` ends without a STOP opcode");
    assert_eq!(
        run(b"\x80\x02X\xff\x00\x00\x00ab"),
        "`archive/data.pkl` is truncated: a BINUNICODE string at byte 2 runs past its end"
    );
    assert_eq!(
        run(b"\x80\x02h\x05."),
        "malformed pickle at byte 2 of `archive/data.pkl`: memo entry 5 was never stored"
    );
    assert_eq!(run(b"\x80\x02t."), "malformed pickle at byte 2 of `archive/data.pkl`: no MARK to pop to");
    assert_eq!(run(b"\x80\x02(."), "malformed pickle at byte 3 of `archive/data.pkl`: the stack is empty");
}

#[test]
fn pickle_deep_nesting_and_cycles_do_not_overflow() {
    // 200k nested 1-tuples: the arena drops them without recursing.
    let mut deep = b"\x80\x02)".to_vec();
    deep.extend(std::iter::repeat_n(0x85u8, 200_000));
    deep.push(b'.');
    let file = torch_zip(&Archive { pickle: deep, storages: vec![], byteorder: None, deflate: false });
    assert!(matches!(read_bytes(&file), Err(WeightsError::NotStateDict { .. })));
    // A list that holds itself, in a dict's value.
    let cyclic = b"\x80\x02}q\x00(X\x01\x00\x00\x00a]q\x01h\x01au.";
    let file = torch_zip(&Archive { pickle: cyclic.to_vec(), storages: vec![], byteorder: None, deflate: false });
    assert_eq!(read_bytes(&file).unwrap_err().to_string(), "entry `a` is a list, not a tensor");
}

#[test]
fn rebuild_from_type_v2_and_protocol_4_opcodes() {
    // `_rebuild_from_type_v2(_rebuild_tensor_v2, torch.Tensor, args, {})`,
    // with protocol-4 FRAME, SHORT_BINUNICODE, STACK_GLOBAL and MEMOIZE.
    let mut p = Pickle::default();
    p.op(b"\x80\x04\x95").op(&0u64.to_le_bytes());
    p.op(b"}\x94(");
    p.op(b"\x8c\x01w\x94");
    p.op(b"\x8c\x0ctorch._utils\x94\x8c\x15_rebuild_from_type_v2\x94\x93\x94");
    p.op(b"(\x8c\x0ctorch._utils\x94\x8c\x12_rebuild_tensor_v2\x94\x93\x94");
    p.op(b"\x8c\x05torch\x94\x8c\x06Tensor\x94\x93\x94");
    p.op(b"((\x8c\x07storage\x94\x8c\x05torch\x94\x8c\x0dDoubleStorage\x94\x93\x94");
    p.op(b"\x8c\x010\x94\x8c\x03cpu\x94K\x02tQK\x00K\x02\x85K\x01\x85\x89")
        .op(b"\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94t\x94");
    p.op(b"}\x94t\x94R\x94u.");
    let file = torch_zip(&Archive {
        pickle: p.out,
        storages: vec![("0", [1.0f64, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect())],
        byteorder: Some("little"),
        deflate: false,
    });
    let tensors = read_bytes(&file).unwrap();
    assert_eq!(tensors.len(), 1);
    assert_eq!(tensors[0].name, "w");
    assert_eq!(tensors[0].dtype, ScalarType::Float64);
    assert_eq!(tensors[0].shape, [2]);
}

// ---------------------------------------------------------------------------
// Formats, truncation, corruption

#[test]
fn sniffing() {
    let legacy = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.\x80\x02";
    assert!(matches!(read_bytes(legacy), Err(WeightsError::LegacyTorchSave)));
    assert!(WeightsError::LegacyTorchSave.to_string().contains("re-save it with a current PyTorch"));
    assert!(matches!(read_bytes(b""), Err(WeightsError::UnknownFormat)));
    assert!(matches!(read_bytes(b"hello world, this is text"), Err(WeightsError::UnknownFormat)));
    // A zip without data.pkl.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("x/other", zip::write::SimpleFileOptions::default()).unwrap();
    w.write_all(b"x").unwrap();
    let file = w.finish().unwrap().into_inner();
    assert!(matches!(read_bytes(&file), Err(WeightsError::NoDataPkl)));
}

#[test]
fn read_from_path_and_missing_path() {
    let dir = std::env::temp_dir().join(format!("tsy-weights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("w.pt");
    std::fs::write(&path, sample_torch_zip(false)).unwrap();
    assert_eq!(read(&path).unwrap().len(), 5);
    std::fs::remove_dir_all(&dir).unwrap();
    let err = read(&dir.join("nope.pt")).unwrap_err();
    assert!(matches!(err, WeightsError::Io { .. }));
    assert!(err.to_string().starts_with("cannot read `"), "{err}");
}

fn sample_safetensors() -> Vec<u8> {
    safetensors_file(&[
        ("w", Dtype::F32, vec![2, 2], f32_bytes([1.0, 2.0, 3.0, 4.0])),
        ("n", Dtype::I64, vec![], 9i64.to_le_bytes().to_vec()),
        ("m", Dtype::BOOL, vec![3], vec![1, 0, 1]),
    ])
}

#[test]
fn safetensors_truncated_says_how_much_is_missing() {
    let file = sample_safetensors();
    let err = read_bytes(&file[..file.len() - 3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "safetensors file is truncated or padded: its header describes 27 bytes of tensor data, but 24 follow the header"
    );
}

#[test]
fn every_prefix_is_an_error() {
    for file in [sample_safetensors(), sample_torch_zip(false), sample_torch_zip(true)] {
        assert!(read_bytes(&file).is_ok());
        for n in 0..file.len() {
            assert!(read_bytes(&file[..n]).is_err(), "prefix of {n} bytes");
        }
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate(rng: &mut Rng, file: &[u8]) -> Vec<u8> {
    let mut out = file.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len());
        match rng.below(4) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => out[at] = rng.next() as u8,
            // Interesting values for lengths and counts.
            2 => out[at] = [0, 0x7f, 0x80, 0xff][rng.below(4)],
            _ => {
                out.remove(at);
            }
        }
    }
    out
}

#[test]
fn random_mutations_never_panic() {
    let start = Instant::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let files = [sample_safetensors(), sample_torch_zip(false)];
    let entries = [entry("a", "FloatStorage", "0", &[2, 2]), entry("b", "LongStorage", "1", &[])];
    let pickle = state_dict_pickle(&entries);
    let mut rounds = 0;
    while rounds < 3000 && start.elapsed() < Duration::from_millis(1500) {
        rounds += 1;
        // Whole files (the zip's CRCs catch most changes to stored data).
        for file in &files {
            let _ = read_bytes(&mutate(&mut rng, file));
        }
        // The pickle itself, in a well-formed archive.
        let file = torch_zip(&Archive {
            pickle: mutate(&mut rng, &pickle),
            storages: vec![("0", f32_bytes([1.0; 4])), ("1", vec![0; 8])],
            byteorder: Some("little"),
            deflate: false,
        });
        let _ = read_bytes(&file);
    }
    assert!(rounds > 100, "only {rounds} rounds");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_pickles_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut pickle = b"\x80\x02".to_vec();
        pickle.extend(body);
        let file = torch_zip(&Archive {
            pickle,
            storages: vec![("0", vec![0; 16])],
            byteorder: None,
            deflate: false,
        });
        let _ = read_bytes(&file);
    }

    #[test]
    fn arbitrary_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..300), zip in any::<bool>()) {
        if zip && bytes.len() >= 4 {
            bytes[..4].copy_from_slice(b"PK\x03\x04");
        } else if bytes.len() > 8 {
            bytes[8] = b'{';
        }
        let _ = read_bytes(&bytes);
    }
}
