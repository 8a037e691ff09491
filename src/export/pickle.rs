//! A protocol-2 pickle writer for the dialect TorchScript's C++ unpickler
//! reads (docs/ptl-format.md §4): `MARK … APPENDS`/`SETITEMS` even for one item
//! (older loaders lack `APPEND`/`SETITEM`), 8-byte `LONG1`, big-endian
//! `BINFLOAT`, typed lists through `torch.jit._pickle`, tensors through
//! `_rebuild_tensor_v2` with storage persistent ids. Strings, globals and
//! storages are memoized as PyTorch does; the output depends only on the
//! value, so the same model gives the same bytes.

use std::collections::HashMap;

/// A value as TorchScript pickles it.
#[derive(Clone, Debug, PartialEq)]
pub enum Pickle {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Tuple(Vec<Pickle>),
    /// `List[int]`, `List[float]`, `List[bool]`, `List[Tensor]`: rebuilt by
    /// `torch.jit._pickle.build_intlist` and its kin, which give the element
    /// type.
    SpecializedList(ListKind, Vec<Pickle>),
    /// Any other list, with its element type restored from the tag
    /// (`List[str]`).
    TaggedList {
        items: Vec<Pickle>,
        tag: String,
    },
    /// A dict with its type tag (`Dict[str, int]`).
    TaggedDict {
        items: Vec<(Pickle, Pickle)>,
        tag: String,
    },
    /// An object's state dict (attribute order = slot order).
    Dict(Vec<(String, Pickle)>),
    Device(String),
    Tensor(TensorRef),
    /// An instance of a TorchScript class (`__torch__.Net`) or a torchbind
    /// class, rebuilt from its state.
    Object {
        class: String,
        state: Box<Pickle>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Int,
    Float,
    Bool,
    Tensor,
}

impl ListKind {
    fn builder(self) -> &'static str {
        match self {
            ListKind::Int => "build_intlist",
            ListKind::Float => "build_doublelist",
            ListKind::Bool => "build_boollist",
            ListKind::Tensor => "build_tensorlist",
        }
    }
}

/// A tensor: a view of a storage record.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorRef {
    /// The storage's record name under the pickle's tensor folder (`0`,
    /// `1.storage`).
    pub key: String,
    /// `FloatStorage`, `LongStorage`, ...
    pub storage_class: &'static str,
    /// Elements in the whole storage.
    pub storage_numel: usize,
    /// In elements.
    pub offset: usize,
    pub sizes: Vec<usize>,
    pub strides: Vec<usize>,
    pub requires_grad: bool,
}

/// The pickle of one value, `PROTO 2` to `STOP`.
pub fn pickle(value: &Pickle) -> Vec<u8> {
    let mut w = Writer { out: vec![0x80, 2], memo: HashMap::new() };
    w.value(value);
    w.out.push(b'.');
    w.out
}

const MARK: u8 = b'(';
const TUPLE: u8 = b't';
const REDUCE: u8 = b'R';

#[derive(Hash, PartialEq, Eq)]
enum MemoKey {
    Str(String),
    Global(String),
    Storage(String),
}

struct Writer {
    out: Vec<u8>,
    memo: HashMap<MemoKey, u32>,
}

impl Writer {
    fn value(&mut self, value: &Pickle) {
        match value {
            Pickle::None => self.out.push(b'N'),
            Pickle::Bool(true) => self.out.push(0x88),
            Pickle::Bool(false) => self.out.push(0x89),
            Pickle::Int(i) => self.int(*i),
            Pickle::Float(f) => {
                self.out.push(b'G');
                self.out.extend_from_slice(&f.to_be_bytes());
            }
            Pickle::Str(s) => self.str(s),
            Pickle::Tuple(items) => self.tuple(items),
            Pickle::SpecializedList(kind, items) => {
                self.global("torch.jit._pickle", kind.builder());
                self.out.push(MARK);
                self.list(items);
                self.out.extend_from_slice(&[TUPLE, REDUCE]);
            }
            Pickle::TaggedList { items, tag } => {
                self.global("torch.jit._pickle", "restore_type_tag");
                self.list(items);
                self.str(tag);
                self.out.extend_from_slice(&[0x86, REDUCE]);
            }
            Pickle::TaggedDict { items, tag } => {
                self.global("torch.jit._pickle", "restore_type_tag");
                self.out.push(b'}');
                if !items.is_empty() {
                    self.out.push(MARK);
                    for (k, v) in items {
                        self.value(k);
                        self.value(v);
                    }
                    self.out.push(b'u');
                }
                self.str(tag);
                self.out.extend_from_slice(&[0x86, REDUCE]);
            }
            Pickle::Dict(items) => {
                self.out.push(b'}');
                if !items.is_empty() {
                    self.out.push(MARK);
                    for (k, v) in items {
                        self.str(k);
                        self.value(v);
                    }
                    self.out.push(b'u');
                }
            }
            Pickle::Device(name) => {
                self.global("torch", "device");
                self.str(name);
                self.out.extend_from_slice(&[0x85, REDUCE]);
            }
            Pickle::Tensor(t) => self.tensor(t),
            Pickle::Object { class, state } => {
                let (module, name) = class.rsplit_once('.').unwrap_or(("", class));
                self.global(module, name);
                // EMPTY_TUPLE NEWOBJ, then the state and BUILD.
                self.out.extend_from_slice(&[b')', 0x81]);
                self.value(state);
                self.out.push(b'b');
            }
        }
    }

    fn int(&mut self, i: i64) {
        match i {
            0..=0xff => self.out.extend_from_slice(&[b'K', i as u8]),
            0x100..=0xffff => {
                self.out.push(b'M');
                self.out.extend_from_slice(&(i as u16).to_le_bytes());
            }
            _ if i32::try_from(i).is_ok() => {
                self.out.push(b'J');
                self.out.extend_from_slice(&(i as i32).to_le_bytes());
            }
            _ => {
                // LONG1 with exactly 8 bytes: the only length the reader takes.
                self.out.extend_from_slice(&[0x8a, 8]);
                self.out.extend_from_slice(&i.to_le_bytes());
            }
        }
    }

    fn str(&mut self, s: &str) {
        let key = MemoKey::Str(s.to_string());
        if self.get(&key) {
            return;
        }
        self.out.push(b'X');
        self.out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.out.extend_from_slice(s.as_bytes());
        self.put(key);
    }

    fn global(&mut self, module: &str, name: &str) {
        let key = MemoKey::Global(format!("{module}\n{name}"));
        if self.get(&key) {
            return;
        }
        self.out.push(b'c');
        self.out.extend_from_slice(module.as_bytes());
        self.out.push(b'\n');
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'\n');
        self.put(key);
    }

    fn tuple(&mut self, items: &[Pickle]) {
        if items.is_empty() {
            self.out.push(b')');
            return;
        }
        if items.len() > 3 {
            self.out.push(MARK);
        }
        for item in items {
            self.value(item);
        }
        self.out.push(match items.len() {
            1 => 0x85,
            2 => 0x86,
            3 => 0x87,
            _ => TUPLE,
        });
    }

    /// `EMPTY_LIST`, then `MARK items APPENDS` when there are items.
    fn list(&mut self, items: &[Pickle]) {
        self.out.push(b']');
        if !items.is_empty() {
            self.out.push(MARK);
            for item in items {
                self.value(item);
            }
            self.out.push(b'e');
        }
    }

    fn tensor(&mut self, t: &TensorRef) {
        self.global("torch._utils", "_rebuild_tensor_v2");
        self.out.push(MARK);
        let key = MemoKey::Storage(t.key.clone());
        if !self.get(&key) {
            self.out.push(MARK);
            self.str("storage");
            self.global("torch", t.storage_class);
            self.str(&t.key);
            self.str("cpu");
            self.int(t.storage_numel as i64);
            self.out.extend_from_slice(&[TUPLE, b'Q']);
            self.put(key);
        }
        self.int(t.offset as i64);
        for dims in [&t.sizes, &t.strides] {
            self.out.push(MARK);
            for d in dims {
                self.int(*d as i64);
            }
            self.out.push(TUPLE);
        }
        self.out.push(if t.requires_grad { 0x88 } else { 0x89 });
        // Backward hooks: always an empty OrderedDict.
        self.global("collections", "OrderedDict");
        self.out.extend_from_slice(&[b')', REDUCE, TUPLE, REDUCE]);
    }

    /// Emits `BINGET` for a memoized key; false if it is new.
    fn get(&mut self, key: &MemoKey) -> bool {
        let Some(&index) = self.memo.get(key) else { return false };
        if index < 256 {
            self.out.extend_from_slice(&[b'h', index as u8]);
        } else {
            self.out.push(b'j');
            self.out.extend_from_slice(&index.to_le_bytes());
        }
        true
    }

    fn put(&mut self, key: MemoKey) {
        let index = self.memo.len() as u32;
        if index < 256 {
            self.out.extend_from_slice(&[b'q', index as u8]);
        } else {
            self.out.push(b'r');
            self.out.extend_from_slice(&index.to_le_bytes());
        }
        self.memo.insert(key, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_use_the_smallest_form_and_eight_byte_long1() {
        assert_eq!(pickle(&Pickle::Int(7)), b"\x80\x02K\x07.");
        assert_eq!(pickle(&Pickle::Int(300)), b"\x80\x02M\x2c\x01.");
        assert_eq!(pickle(&Pickle::Int(-1)), b"\x80\x02J\xff\xff\xff\xff.");
        let mut big = b"\x80\x02\x8a\x08".to_vec();
        big.extend_from_slice(&i64::MAX.to_le_bytes());
        big.push(b'.');
        assert_eq!(pickle(&Pickle::Int(i64::MAX)), big);
    }

    #[test]
    fn floats_are_big_endian() {
        let mut expected = b"\x80\x02G".to_vec();
        expected.extend_from_slice(&1.5f64.to_be_bytes());
        expected.push(b'.');
        assert_eq!(pickle(&Pickle::Float(1.5)), expected);
    }

    #[test]
    fn one_item_lists_and_dicts_use_mark_appends_and_setitems() {
        let list = pickle(&Pickle::SpecializedList(ListKind::Int, vec![Pickle::Int(2)]));
        assert_eq!(list, b"\x80\x02ctorch.jit._pickle\nbuild_intlist\nq\x00(](K\x02etR.");
        let dict = pickle(&Pickle::Dict(vec![("a".into(), Pickle::None)]));
        assert_eq!(dict, b"\x80\x02}(X\x01\x00\x00\x00aq\x00Nu.");
    }

    #[test]
    fn strings_and_storages_are_memoized() {
        let tensor = |offset| {
            Pickle::Tensor(TensorRef {
                key: "0".into(),
                storage_class: "FloatStorage",
                storage_numel: 4,
                offset,
                sizes: vec![2],
                strides: vec![1],
                requires_grad: false,
            })
        };
        let bytes = pickle(&Pickle::Tuple(vec![tensor(0), tensor(2), Pickle::Str("cpu".into())]));
        let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
        assert_eq!(count(b"FloatStorage"), 1);
        assert_eq!(count(b"cpu"), 1);
        assert_eq!(count(b"Q"), 1, "one persistent id");
    }
}
