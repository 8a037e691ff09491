//! A small pickle VM for what PyTorch's picklers write: `torch.save`'s
//! `data.pkl` and the lite interpreter's `bytecode.pkl` (read by
//! [`crate::ptl`]).
//!
//! Nothing is executed: globals are names, and calling one either builds one
//! of the few values every reader needs (`collections.OrderedDict`, the
//! tensor rebuild functions of `torch._utils`) or is kept as data for the
//! reader to interpret: `REDUCE` of any other global is an [`Obj::Call`]
//! with its arguments (`torch.jit._pickle.build_intlist([1, 2])`),
//! `NEWOBJ` an [`Obj::Object`] whose state `BUILD` sets.
//!
//! Compound values live in an arena and are referred to by index, so
//! objects shared through the memo stay shared (a dict filled after it was
//! memoized), cycles cost nothing, and dropping a deeply nested structure
//! does not recurse. Memory is linear in the pickle's length.

use std::collections::HashMap;
use std::rc::Rc;

use super::WeightsError;

#[derive(Clone, Debug)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer that does not fit in an `i64`.
    BigInt,
    Float(f64),
    Str(Rc<str>),
    Bytes,
    Obj(usize),
}

#[derive(Debug)]
pub(crate) enum Obj {
    Tuple(Rc<[Value]>),
    List(Vec<Value>),
    Dict(Dict),
    Global {
        module: Rc<str>,
        name: Rc<str>,
    },
    /// What `BINPERSID` makes of a persistent id (a storage reference in
    /// `torch.save` files).
    Persistent(Value),
    /// `torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
    /// stride, ...)` and `_rebuild_tensor`: the arguments, checked when the
    /// tensor is read.
    Tensor(Rc<[Value]>),
    /// `REDUCE` of any other global: `function` is `module.name`.
    Call {
        function: String,
        args: Rc<[Value]>,
    },
    /// `cls.__new__(cls)` (`NEWOBJ`), with the state a later `BUILD` gave it.
    Object {
        class: String,
        state: Option<Value>,
    },
}

/// An insertion-ordered dict; string keys are indexed so `SETITEM` on an
/// existing key replaces it in place, as Python does.
#[derive(Debug, Default)]
pub(crate) struct Dict {
    pub entries: Vec<(Value, Value)>,
    index: HashMap<Rc<str>, usize>,
}

impl Dict {
    fn insert(&mut self, key: Value, value: Value) {
        if let Value::Str(s) = &key {
            if let Some(&i) = self.index.get(s) {
                self.entries[i].1 = value;
                return;
            }
            self.index.insert(s.clone(), self.entries.len());
        }
        self.entries.push((key, value));
    }
}

/// The result of running a pickle: the value `STOP` returned and the arena
/// its objects live in.
pub(crate) struct Unpickled {
    pub value: Value,
    pub arena: Vec<Obj>,
}

impl Unpickled {
    pub(crate) fn obj(&self, value: &Value) -> Option<&Obj> {
        match value {
            Value::Obj(i) => self.arena.get(*i),
            _ => None,
        }
    }

    /// What a value is, for error messages: "an int", "a list", "a
    /// `__main__.Net` object".
    pub(crate) fn describe(&self, value: &Value) -> String {
        match value {
            Value::None => "None".into(),
            Value::Bool(_) => "a bool".into(),
            Value::Int(_) | Value::BigInt => "an int".into(),
            Value::Float(_) => "a float".into(),
            Value::Str(_) => "a string".into(),
            Value::Bytes => "a bytes object".into(),
            Value::Obj(i) => match self.arena.get(*i) {
                Some(Obj::Tuple(_)) => "a tuple".into(),
                Some(Obj::List(_)) => "a list".into(),
                Some(Obj::Dict(_)) => "a dict".into(),
                Some(Obj::Global { module, name }) => format!("the global `{module}.{name}`"),
                Some(Obj::Persistent(_)) => "a storage".into(),
                Some(Obj::Tensor(_)) => "a tensor".into(),
                Some(Obj::Call { function, .. }) => format!("a `{function}(...)` value"),
                Some(Obj::Object { class, .. }) => format!("a `{class}` object"),
                None => "an unknown object".into(),
            },
        }
    }
}

/// How deep `_rebuild_from_type_v2` calls may nest.
const MAX_CALL_DEPTH: usize = 8;

struct Vm<'a> {
    data: &'a [u8],
    record: &'a str,
    pos: usize,
    /// Where the opcode being run starts, for errors.
    op_start: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    arena: Vec<Obj>,
}

/// Runs the pickle `data` (the record `record`, named in errors).
pub(crate) fn unpickle(data: &[u8], record: &str) -> Result<Unpickled, WeightsError> {
    let mut vm = Vm {
        data,
        record,
        pos: 0,
        op_start: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        arena: Vec::new(),
    };
    let value = vm.run()?;
    Ok(Unpickled { value, arena: vm.arena })
}

impl<'a> Vm<'a> {
    fn malformed(&self, message: impl Into<String>) -> WeightsError {
        WeightsError::PickleMalformed {
            record: self.record.to_string(),
            offset: self.op_start,
            message: message.into(),
        }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WeightsError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        match end {
            Some(end) => {
                let bytes = &self.data[self.pos..end];
                self.pos = end;
                Ok(bytes)
            }
            None => Err(WeightsError::PickleTruncated { record: self.record.to_string(), what, offset: self.op_start }),
        }
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, WeightsError> {
        Ok(self.take(1, what)?[0])
    }

    fn le<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], WeightsError> {
        let bytes = self.take(N, what)?;
        let mut out = [0; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// A length prefix of `N` bytes (little-endian, unsigned).
    fn len<const N: usize>(&mut self, what: &'static str) -> Result<usize, WeightsError> {
        let bytes = self.le::<N>(what)?;
        let mut wide = [0u8; 8];
        wide[..N].copy_from_slice(&bytes);
        // Anything past the end is caught by `take`.
        Ok(usize::try_from(u64::from_le_bytes(wide)).unwrap_or(usize::MAX))
    }

    fn line(&mut self, what: &'static str) -> Result<&'a str, WeightsError> {
        let rest = &self.data[self.pos..];
        let Some(n) = rest.iter().position(|&b| b == b'\n') else {
            return Err(WeightsError::PickleTruncated { record: self.record.to_string(), what, offset: self.op_start });
        };
        let line = &rest[..n];
        self.pos += n + 1;
        std::str::from_utf8(line).map_err(|_| self.malformed(format!("{what} is not UTF-8")))
    }

    fn string(&mut self, n: usize, what: &'static str) -> Result<Value, WeightsError> {
        let bytes = self.take(n, what)?;
        let s = std::str::from_utf8(bytes).map_err(|_| self.malformed(format!("{what} is not valid UTF-8")))?;
        Ok(Value::Str(s.into()))
    }

    fn alloc(&mut self, obj: Obj) -> Value {
        self.arena.push(obj);
        Value::Obj(self.arena.len() - 1)
    }

    fn pop(&mut self) -> Result<Value, WeightsError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.malformed("the stack is empty"));
        }
        Ok(self.stack.pop().expect("checked above"))
    }

    fn top(&mut self) -> Result<&mut Value, WeightsError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(self.malformed("the stack is empty"));
        }
        Ok(self.stack.last_mut().expect("checked above"))
    }

    /// The items pushed since the last MARK, which is dropped.
    fn pop_mark(&mut self) -> Result<Vec<Value>, WeightsError> {
        let Some(mark) = self.marks.pop() else {
            return Err(self.malformed("no MARK to pop to"));
        };
        if mark > self.stack.len() {
            return Err(self.malformed("the stack shrank below its MARK"));
        }
        Ok(self.stack.split_off(mark))
    }

    fn memo_get(&self, index: u32) -> Result<Value, WeightsError> {
        self.memo.get(&index).cloned().ok_or_else(|| self.malformed(format!("memo entry {index} was never stored")))
    }

    fn memo_put(&mut self, index: u32) -> Result<(), WeightsError> {
        let value = self.top()?.clone();
        self.memo.insert(index, value);
        Ok(())
    }

    /// `SETITEM(S)`: adds pairs to the dict at the stack's top.
    fn set_items(&mut self, items: Vec<Value>) -> Result<(), WeightsError> {
        if !items.len().is_multiple_of(2) {
            return Err(self.malformed("SETITEMS with an odd number of items"));
        }
        let target = self.top()?.clone();
        let Value::Obj(i) = target else {
            return Err(self.malformed("SETITEM on something that is not a dict"));
        };
        let Some(Obj::Dict(dict)) = self.arena.get_mut(i) else {
            // A dict subclass or other object filled via SETITEM: its
            // contents are not needed.
            return match self.arena.get(i) {
                Some(Obj::Object { .. }) => Ok(()),
                _ => Err(self.malformed("SETITEM on something that is not a dict")),
            };
        };
        let mut items = items.into_iter();
        while let (Some(k), Some(v)) = (items.next(), items.next()) {
            dict.insert(k, v);
        }
        Ok(())
    }

    /// `APPEND(S)`: adds items to the list at the stack's top.
    fn append(&mut self, items: Vec<Value>) -> Result<(), WeightsError> {
        let target = self.top()?.clone();
        let Value::Obj(i) = target else {
            return Err(self.malformed("APPEND on something that is not a list"));
        };
        match self.arena.get_mut(i) {
            Some(Obj::List(list)) => {
                list.extend(items);
                Ok(())
            }
            Some(Obj::Object { .. }) => Ok(()),
            _ => Err(self.malformed("APPEND on something that is not a list")),
        }
    }

    fn global_name(&self, value: &Value) -> Option<(Rc<str>, Rc<str>)> {
        match value {
            Value::Obj(i) => match self.arena.get(*i) {
                Some(Obj::Global { module, name }) => Some((module.clone(), name.clone())),
                _ => None,
            },
            _ => None,
        }
    }

    fn tuple_items(&self, value: &Value) -> Option<Rc<[Value]>> {
        match value {
            Value::Obj(i) => match self.arena.get(*i) {
                Some(Obj::Tuple(items)) => Some(items.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `REDUCE`: `func(*args)`.
    fn call(&mut self, func: Value, args: Value, depth: usize) -> Result<Value, WeightsError> {
        let Some((module, name)) = self.global_name(&func) else {
            // A callable made by another call (`getattr(...)`): kept opaque.
            return Ok(self.alloc(Obj::Call { function: "<unknown>".into(), args: Rc::from([]) }));
        };
        let Some(args) = self.tuple_items(&args) else {
            return Err(self.malformed(format!("the arguments of `{module}.{name}` are not a tuple")));
        };
        match (&*module, &*name) {
            ("collections", "OrderedDict") | ("builtins" | "__builtin__", "dict") => {
                // PyTorch pickles dicts as `OrderedDict()` then SETITEMS.
                if !args.is_empty() {
                    return Err(self.malformed(format!("`{module}.{name}` called with arguments")));
                }
                Ok(self.alloc(Obj::Dict(Dict::default())))
            }
            ("torch._utils", "_rebuild_tensor_v2" | "_rebuild_tensor") => Ok(self.alloc(Obj::Tensor(args))),
            ("torch._utils", "_rebuild_parameter" | "_rebuild_parameter_with_state") => {
                args.first().cloned().ok_or_else(|| self.malformed(format!("`{module}.{name}` without a tensor")))
            }
            ("torch._utils", "_rebuild_from_type_v2") => {
                // (func, new_type, args, state): a tensor (subclass) with
                // Python attributes; the attributes are not needed.
                let [inner, _, inner_args, ..] = &*args else {
                    return Err(self.malformed(format!("`{module}.{name}` with too few arguments")));
                };
                if depth >= MAX_CALL_DEPTH {
                    return Err(self.malformed(format!("`{module}.{name}` nested too deeply")));
                }
                self.call(inner.clone(), inner_args.clone(), depth + 1)
            }
            _ => Ok(self.alloc(Obj::Call { function: format!("{module}.{name}"), args })),
        }
    }

    fn run(&mut self) -> Result<Value, WeightsError> {
        loop {
            self.op_start = self.pos;
            let Some(&op) = self.data.get(self.pos) else {
                return Err(WeightsError::PickleNoStop { record: self.record.to_string() });
            };
            self.pos += 1;
            match op {
                // PROTO
                0x80 => {
                    let proto = self.u8("PROTO")?;
                    if proto > 5 {
                        return Err(self.malformed(format!("unknown pickle protocol {proto}")));
                    }
                }
                // FRAME: a length hint only.
                0x95 => {
                    self.take(8, "FRAME")?;
                }
                // STOP
                b'.' => {
                    return self.pop();
                }
                // MARK
                b'(' => self.marks.push(self.stack.len()),
                // POP, POP_MARK, DUP
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let top = self.top()?.clone();
                    self.stack.push(top);
                }
                // Constants.
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool(true)),
                0x89 => self.stack.push(Value::Bool(false)),
                // BININT, BININT1, BININT2
                b'J' => {
                    let v = i32::from_le_bytes(self.le("BININT")?);
                    self.stack.push(Value::Int(v.into()));
                }
                b'K' => {
                    let v = self.u8("BININT1")?;
                    self.stack.push(Value::Int(v.into()));
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.le("BININT2")?);
                    self.stack.push(Value::Int(v.into()));
                }
                // LONG1, LONG4: little-endian two's complement.
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.u8("LONG1")? as usize
                    } else {
                        let n = i32::from_le_bytes(self.le("LONG4")?);
                        usize::try_from(n).map_err(|_| self.malformed("LONG4 with a negative length"))?
                    };
                    let bytes = self.take(n, "a long integer")?;
                    self.stack.push(long(bytes));
                }
                // BINFLOAT: big-endian.
                b'G' => {
                    let v = f64::from_be_bytes(self.le("BINFLOAT")?);
                    self.stack.push(Value::Float(v));
                }
                // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                b'X' => {
                    let n = self.len::<4>("BINUNICODE")?;
                    let s = self.string(n, "a BINUNICODE string")?;
                    self.stack.push(s);
                }
                0x8c => {
                    let n = self.len::<1>("SHORT_BINUNICODE")?;
                    let s = self.string(n, "a SHORT_BINUNICODE string")?;
                    self.stack.push(s);
                }
                0x8d => {
                    let n = self.len::<8>("BINUNICODE8")?;
                    let s = self.string(n, "a BINUNICODE8 string")?;
                    self.stack.push(s);
                }
                // BINSTRING, SHORT_BINSTRING (Python 2 `str`), BINBYTES,
                // SHORT_BINBYTES, BINBYTES8
                b'T' | b'U' | b'B' | b'C' | 0x8e => {
                    let n = match op {
                        b'U' | b'C' => self.len::<1>("a byte string length")?,
                        0x8e => self.len::<8>("a byte string length")?,
                        _ => self.len::<4>("a byte string length")?,
                    };
                    let bytes = self.take(n, "a byte string")?;
                    let value = if matches!(op, b'T' | b'U') {
                        Value::Str(String::from_utf8_lossy(bytes).into())
                    } else {
                        Value::Bytes
                    };
                    self.stack.push(value);
                }
                // EMPTY_TUPLE, TUPLE1-3, TUPLE
                b')' => {
                    let v = self.alloc(Obj::Tuple(Rc::from([])));
                    self.stack.push(v);
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    let v = self.alloc(Obj::Tuple(items.into()));
                    self.stack.push(v);
                }
                b't' => {
                    let items = self.pop_mark()?;
                    let v = self.alloc(Obj::Tuple(items.into()));
                    self.stack.push(v);
                }
                // EMPTY_LIST, LIST, EMPTY_DICT, DICT
                b']' => {
                    let v = self.alloc(Obj::List(Vec::new()));
                    self.stack.push(v);
                }
                b'l' => {
                    let items = self.pop_mark()?;
                    let v = self.alloc(Obj::List(items));
                    self.stack.push(v);
                }
                b'}' => {
                    let v = self.alloc(Obj::Dict(Dict::default()));
                    self.stack.push(v);
                }
                b'd' => {
                    let items = self.pop_mark()?;
                    let v = self.alloc(Obj::Dict(Dict::default()));
                    self.stack.push(v);
                    self.set_items(items)?;
                }
                // APPEND, APPENDS, SETITEM, SETITEMS
                b'a' => {
                    let item = self.pop()?;
                    self.append(vec![item])?;
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    self.append(items)?;
                }
                b's' => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    self.set_items(vec![key, value])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    self.set_items(items)?;
                }
                // BINPUT, LONG_BINPUT, MEMOIZE
                b'q' => {
                    let i = self.u8("BINPUT")?;
                    self.memo_put(i.into())?;
                }
                b'r' => {
                    let i = u32::from_le_bytes(self.le("LONG_BINPUT")?);
                    self.memo_put(i)?;
                }
                0x94 => {
                    let i = u32::try_from(self.memo.len()).map_err(|_| self.malformed("the memo is full"))?;
                    self.memo_put(i)?;
                }
                // BINGET, LONG_BINGET
                b'h' => {
                    let i = self.u8("BINGET")?;
                    let v = self.memo_get(i.into())?;
                    self.stack.push(v);
                }
                b'j' => {
                    let i = u32::from_le_bytes(self.le("LONG_BINGET")?);
                    let v = self.memo_get(i)?;
                    self.stack.push(v);
                }
                // GLOBAL, STACK_GLOBAL
                b'c' => {
                    let module = self.line("a GLOBAL module name")?;
                    let name = self.line("a GLOBAL name")?;
                    let v = self.alloc(Obj::Global { module: module.into(), name: name.into() });
                    self.stack.push(v);
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return Err(self.malformed("STACK_GLOBAL of something other than strings"));
                    };
                    let v = self.alloc(Obj::Global { module, name });
                    self.stack.push(v);
                }
                // BINPERSID
                b'Q' => {
                    let pid = self.pop()?;
                    let v = self.alloc(Obj::Persistent(pid));
                    self.stack.push(v);
                }
                // REDUCE
                b'R' => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let v = self.call(func, args, 0)?;
                    self.stack.push(v);
                }
                // NEWOBJ, NEWOBJ_EX: `cls.__new__(cls, *args)`.
                0x81 | 0x92 => {
                    if op == 0x92 {
                        self.pop()?; // kwargs
                    }
                    self.pop()?; // args
                    let cls = self.pop()?;
                    let class = match self.global_name(&cls) {
                        Some((module, name)) => format!("{module}.{name}"),
                        None => "<unknown>".into(),
                    };
                    let v = self.alloc(Obj::Object { class, state: None });
                    self.stack.push(v);
                }
                // BUILD: sets an object's state (a module's attributes, a
                // torchbind object's `__getstate__` tuple); on anything
                // else (a state_dict's `_metadata`) it is not needed.
                b'b' => {
                    let state = self.pop()?;
                    if let Value::Obj(i) = self.top()?.clone()
                        && let Some(Obj::Object { state: slot, .. }) = self.arena.get_mut(i)
                    {
                        *slot = Some(state);
                    }
                }
                _ => {
                    return Err(WeightsError::PickleOpcode {
                        record: self.record.to_string(),
                        opcode: op,
                        offset: self.op_start,
                    });
                }
            }
        }
    }
}

/// A LONG1/LONG4 payload: little-endian two's complement.
fn long(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Int(0);
    }
    let negative = bytes[bytes.len() - 1] & 0x80 != 0;
    if bytes.len() > 8 {
        // Fits only if the extra bytes are all sign extension.
        let (low, high) = bytes.split_at(8);
        let fill = if negative { 0xff } else { 0 };
        let low_negative = low[7] & 0x80 != 0;
        if high.iter().any(|&b| b != fill) || low_negative != negative {
            return Value::BigInt;
        }
        return long(low);
    }
    let mut wide = if negative { [0xff; 8] } else { [0; 8] };
    wide[..bytes.len()].copy_from_slice(bytes);
    Value::Int(i64::from_le_bytes(wide))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longs() {
        let int = |b: &[u8]| match long(b) {
            Value::Int(v) => Some(v),
            _ => None,
        };
        assert_eq!(int(&[]), Some(0));
        assert_eq!(int(&[0xff]), Some(-1));
        assert_eq!(int(&[0x80, 0x00]), Some(128));
        assert_eq!(int(&[0x00, 0x80]), Some(-32768));
        assert_eq!(int(&[1, 0, 0, 0, 0, 0, 0, 0, 0]), Some(1));
        assert_eq!(int(&[0xff; 12]), Some(-1));
        assert_eq!(int(&[0, 0, 0, 0, 0, 0, 0, 0x80, 0]), None);
        assert_eq!(int(&[0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]), None);
    }

    #[test]
    fn objects_keep_their_state_and_calls_their_arguments() {
        // (Ctx.__new__(Ctx) with state (1.5, True), build_intlist([7]))
        let data = b"\x80\x02(cm\nCtx\n)\x81G?\xf8\x00\x00\x00\x00\x00\x00\x88\x86b\
                     ctorch.jit._pickle\nbuild_intlist\n(](K\x07etRt.";
        let u = unpickle(data, "test.pkl").expect("a valid pickle");
        let Some(Obj::Tuple(items)) = u.obj(&u.value) else { panic!("a tuple") };
        let Some(Obj::Object { class, state: Some(state) }) = u.obj(&items[0]) else { panic!("an object") };
        assert_eq!(class, "m.Ctx");
        let Some(Obj::Tuple(state)) = u.obj(state) else { panic!("a state tuple") };
        assert!(matches!(&state[..], [Value::Float(f), Value::Bool(true)] if *f == 1.5));
        let Some(Obj::Call { function, args }) = u.obj(&items[1]) else { panic!("a call") };
        assert_eq!(function, "torch.jit._pickle.build_intlist");
        let Some(Obj::List(list)) = u.obj(&args[0]) else { panic!("a list argument") };
        assert!(matches!(&list[..], [Value::Int(7)]));
    }
}
