//! A hand-built tiny `.ptl` (pickled as PyTorch's pickler writes it) read
//! and rendered; broken ones give errors, never panics.

use std::io::Write;

use super::*;

/// A value to pickle, in the encodings of docs/ptl-format.md §4.2.
enum P {
    None,
    Int(i64),
    Float(f64),
    Str(&'static str),
    Tuple(Vec<P>),
    IntList(Vec<i64>),
    /// A float32 tensor on storage `key` with `numel` elements.
    Tensor {
        key: &'static str,
        numel: i64,
        shape: Vec<i64>,
    },
    Object {
        class: (&'static str, &'static str),
        state: Box<P>,
    },
}

fn emit(p: &P, out: &mut Vec<u8>) {
    let str_op = |s: &str, out: &mut Vec<u8>| {
        out.push(b'X');
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    let int_op = |v: i64, out: &mut Vec<u8>| {
        if (0..256).contains(&v) {
            out.extend_from_slice(&[b'K', v as u8]);
        } else if let Ok(v) = i32::try_from(v) {
            out.push(b'J');
            out.extend_from_slice(&v.to_le_bytes());
        } else {
            out.extend_from_slice(&[0x8a, 8]);
            out.extend_from_slice(&v.to_le_bytes());
        }
    };
    let ints = |vs: &[i64], out: &mut Vec<u8>| {
        out.push(b'(');
        for &v in vs {
            int_op(v, out);
        }
        out.push(b't');
    };
    match p {
        P::None => out.push(b'N'),
        P::Int(v) => int_op(*v, out),
        P::Float(v) => {
            out.push(b'G');
            out.extend_from_slice(&v.to_be_bytes());
        }
        P::Str(s) => str_op(s, out),
        P::Tuple(items) => {
            out.push(b'(');
            for item in items {
                emit(item, out);
            }
            out.push(b't');
        }
        P::IntList(vs) => {
            out.extend_from_slice(b"ctorch.jit._pickle\nbuild_intlist\n(](");
            for &v in vs {
                int_op(v, out);
            }
            out.extend_from_slice(b"etR");
        }
        P::Tensor { key, numel, shape } => {
            out.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\n((");
            str_op("storage", out);
            out.extend_from_slice(b"ctorch\nFloatStorage\n");
            str_op(key, out);
            str_op("cpu", out);
            int_op(*numel, out);
            out.extend_from_slice(b"tQ");
            int_op(0, out);
            ints(shape, out);
            ints(&value::contiguous_strides(shape), out);
            out.extend_from_slice(b"\x89ccollections\nOrderedDict\n)RtR");
        }
        P::Object { class: (module, name), state } => {
            out.extend_from_slice(format!("c{module}\n{name}\n)").as_bytes());
            out.push(0x81);
            emit(state, out);
            out.push(b'b');
        }
    }
}

fn pickle(p: &P) -> Vec<u8> {
    let mut out = b"\x80\x02".to_vec();
    emit(p, &mut out);
    out.push(b'.');
    out
}

fn row(name: &'static str, value: P) -> P {
    P::Tuple(vec![P::Str(name), value])
}

fn arg(name: &'static str, type_name: &'static str, default: P) -> P {
    P::Tuple(vec![row("name", P::Str(name)), row("type", P::Str(type_name)), row("default_value", default)])
}

fn instruction(op: &'static str, x: i64, n: i64) -> P {
    P::Tuple(vec![P::Str(op), P::Int(x), P::Int(n)])
}

/// `(8, forward)` of a `Tiny` module: a tensor constant, a specialized
/// list, a torchbind object, a jump and a list construction.
fn tiny_bytecode() -> P {
    let conv = P::Object {
        class: ("__torch__.torch.classes.xnnpack", "Conv2dOpContext"),
        state: Box::new(P::Tuple(vec![
            P::Tensor { key: "1", numel: 8, shape: vec![2, 1, 2, 2] },
            P::None,
            P::IntList(vec![1, 1]),
            P::IntList(vec![0, 0]),
            P::IntList(vec![1, 1]),
            P::Int(1),
            P::Float(0.0),
            P::None,
        ])),
    };
    let code = P::Tuple(vec![
        row(
            "instructions",
            P::Tuple(vec![
                instruction("STOREN", 1, 2),
                instruction("DROPR", 1, 0),
                instruction("MOVE", 2, 0),
                instruction("LOADC", 0, 0),
                instruction("OP", 0, 0),
                instruction("LOADC", 3, 0),
                instruction("JF", 2, 0),
                instruction("JMP", 1, 0),
                instruction("LIST_CONSTRUCT", 0, 1),
                instruction("RET", 0, 0),
            ]),
        ),
        row(
            "operators",
            P::Tuple(vec![
                P::Tuple(vec![P::Str("aten::add"), P::Str("Tensor"), P::Int(2)]),
                P::Tuple(vec![P::Str("aten::neg"), P::Str(""), P::Int(1)]),
            ]),
        ),
        row(
            "constants",
            P::Tuple(vec![
                P::Tensor { key: "0", numel: 6, shape: vec![2, 3] },
                P::IntList(vec![2, 3]),
                P::Float(1e-5),
                P::Str("hi"),
                P::None,
                conv,
            ]),
        ),
        row("types", P::Tuple(vec![P::Str("List[Tensor]")])),
        row("register_size", P::Int(2)),
    ]);
    let schema = P::Tuple(vec![
        row(
            "arguments",
            P::Tuple(vec![
                arg("self", "__torch__.Tiny", P::None),
                arg("x", "Tensor", P::None),
                arg("k", "int", P::Int(3)),
            ]),
        ),
        row("returns", P::Tuple(vec![arg("", "Tensor", P::None)])),
    ]);
    P::Tuple(vec![P::Int(8), P::Tuple(vec![P::Str("__torch__.Tiny.forward"), code, schema])])
}

/// Builds a zip of `records` (names taken as given).
fn zip_of(records: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in records {
        w.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
        )
        .expect("a record starts");
        w.write_all(data).expect("in memory");
    }
    w.finish().expect("in memory").into_inner()
}

fn tiny_records(bytecode: Vec<u8>) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("tiny/data.pkl", b"\x80\x02c__torch__\nTiny\n)\x81}b.".to_vec()),
        ("tiny/constants/0", vec![0; 24]),
        ("tiny/constants/1", vec![0; 32]),
        ("tiny/bytecode.pkl", bytecode),
        ("tiny/version", b"3\n".to_vec()),
    ]
}

fn tiny() -> Vec<u8> {
    zip_of(&tiny_records(pickle(&tiny_bytecode())))
}

#[test]
fn reads_the_tables_of_a_hand_built_archive() {
    let model = read_bytes(&tiny()).expect("the tiny archive reads");
    assert_eq!(model.prefix, "tiny");
    assert_eq!(model.bytecode_version, Some(8));
    let version = model.operator_version.as_ref().expect("a version record");
    assert_eq!((version.record.as_str(), version.value), ("version", Some(3)));
    let names: Vec<&str> = model.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["data.pkl", "constants/0", "constants/1", "bytecode.pkl", "version"]);
    assert_eq!(model.records[1].size, 24);

    let [f] = model.functions.as_slice() else { panic!("one function, got {}", model.functions.len()) };
    assert_eq!(f.name, "__torch__.Tiny.forward");
    assert_eq!(f.register_size, 2);
    assert_eq!(f.instructions.len(), 10);
    assert_eq!(f.instructions[6], Instruction { opcode: "JF".into(), x: 2, n: 0 });
    assert_eq!(
        f.operators[0],
        Operator { name: "aten::add".into(), overload: "Tensor".into(), num_specified_args: Some(2) }
    );
    assert_eq!(f.types, ["List[Tensor]"]);
    let schema = f.schema.as_ref().expect("a schema");
    let args: Vec<(&str, &str)> = schema.arguments.iter().map(|a| (a.name.as_str(), a.type_name.as_str())).collect();
    assert_eq!(args, [("self", "__torch__.Tiny"), ("x", "Tensor"), ("k", "int")]);
    assert_eq!(schema.arguments[2].default, IValue::Int(3));
    assert_eq!(schema.returns[0].type_name, "Tensor");

    let IValue::Tensor(t) = &f.constants[0] else { panic!("a tensor: {:?}", f.constants[0]) };
    assert_eq!(
        (t.storage.key.as_str(), t.storage.dtype.as_deref(), t.shape.as_slice()),
        ("0", Some("torch.float32"), &[2, 3][..])
    );
    assert_eq!(
        f.constants[1],
        IValue::SpecializedList { element: "int".into(), items: vec![IValue::Int(2), IValue::Int(3)] }
    );
    assert_eq!(f.constants[2], IValue::Float(1e-5));
    let IValue::Object { class, state: Some(state) } = &f.constants[5] else { panic!("an object") };
    assert_eq!(class, "__torch__.torch.classes.xnnpack.Conv2dOpContext");
    assert!(matches!(&**state, IValue::Tuple(items) if items.len() == 8));

    let storages: Vec<(&str, Option<u64>)> = model.storages.iter().map(|s| (s.record.as_str(), s.bytes)).collect();
    assert_eq!(storages, [("constants/0", Some(24)), ("constants/1", Some(32))]);
    assert_eq!(model.root_operators().into_iter().collect::<Vec<_>>(), ["aten::add.Tensor", "aten::neg"]);
}

#[test]
fn disassembly_names_what_instructions_refer_to() {
    let model = read_bytes(&tiny()).expect("reads");
    let text = disasm::human(&model, "tiny.ptl");
    for line in [
        "bytecode version: 8",
        "operator version: 3 (record `version`)",
        "  arguments: self: __torch__.Tiny, x: Tensor, k: int = 3",
        "  returns:   Tensor",
        "      0  ('aten::add', 'Tensor', 2)",
        "      0  Tensor(float32[2, 3], storage='0')",
        "      1  build_intlist([2, 3])",
        "      2  1e-05",
        "      5  <__torch__.torch.classes.xnnpack.Conv2dOpContext state=(Tensor(float32[2, 1, 2, 2], storage='1'), None, build_intlist([1, 1]), build_intlist([0, 0]), build_intlist([1, 1]), 1, 0.0, None)>",
        "       3: LOADC                     0   0  # Tensor(float32[2, 3], storage='0')",
        "       4: OP                        0   0  # aten::add.Tensor",
        "       5: LOADC                     3   0  # 'hi'",
        "       6: JF                        2   0  # -> 8",
        "       8: LIST_CONSTRUCT            0   1  # type List[Tensor]",
        "       9: RET                       0   0",
        "constants: 6 in 1 function; 2 tensors; 1 × __torch__.torch.classes.xnnpack.Conv2dOpContext",
        "  constants/0  24 bytes  (6 × float32 on cpu)",
        "root operators (2): aten::add.Tensor, aten::neg",
    ] {
        assert!(text.lines().any(|l| l == line), "missing line {line:?} in:\n{text}");
    }
    assert_eq!(disasm::ops_lines(&model), "aten::add.Tensor\naten::neg\n");
    assert_eq!(
        disasm::short(&model, "tiny.ptl"),
        "tiny.ptl: .ptl bytecode v8, operator version 3, 1 function, 10 instructions, 2 root operators, 5 records, 2 storages\n"
    );
}

#[test]
fn json_holds_the_same_tables() {
    let model = read_bytes(&tiny()).expect("reads");
    let json = disasm::json(&model, "tiny.ptl");
    assert_eq!(json["bytecode_version"], 8);
    assert_eq!(json["operator_version"], 3);
    assert_eq!(json["operator_version_record"], "version");
    assert_eq!(json["missing_records"], serde_json::json!([]));
    assert_eq!(json["records"][3]["name"], "bytecode.pkl");
    let f = &json["functions"][0];
    assert_eq!(f["instructions"].as_array().map(Vec::len), Some(10));
    assert_eq!(f["instructions"][4]["comment"], "aten::add.Tensor");
    assert_eq!(f["instructions"][0]["comment"], serde_json::Value::Null);
    assert_eq!(f["operators"][1], serde_json::json!({"name": "aten::neg", "overload": "", "num_specified_args": 1}));
    assert_eq!(f["constants"][0]["value"]["kind"], "tensor");
    assert_eq!(f["constants"][0]["value"]["value"]["shape"], serde_json::json!([2, 3]));
    assert_eq!(f["schema"]["arguments"][2]["default"], serde_json::json!({"kind": "int", "value": 3}));
    assert_eq!(f["schema"]["arguments"][1]["default"], serde_json::Value::Null);
    assert_eq!(json["root_operators"], serde_json::json!(["aten::add.Tensor", "aten::neg"]));
    assert_eq!(json["constants"]["objects"]["__torch__.torch.classes.xnnpack.Conv2dOpContext"], 1);
    assert_eq!(json["storages"][1]["bytes"], 32);
    assert_eq!(disasm::ops_json(&model), serde_json::json!(["aten::add.Tensor", "aten::neg"]));
}

#[test]
fn old_layouts_and_missing_version_are_shown_not_rejected() {
    // Bytecode v5: 2-tuple operators, tensors under `bytecode/`, `.data/version`.
    let code = P::Tuple(vec![
        row("instructions", P::Tuple(vec![instruction("RET", 0, 0)])),
        row("operators", P::Tuple(vec![P::Tuple(vec![P::Str("aten::mul"), P::Str("Scalar")])])),
        row("constants", P::Tuple(vec![P::Tensor { key: "0", numel: 1, shape: vec![] }])),
        row("types", P::Tuple(vec![])),
        row("register_size", P::Int(0)),
    ]);
    let schema = P::Tuple(vec![row("arguments", P::Tuple(vec![])), row("returns", P::Tuple(vec![]))]);
    let bytecode = pickle(&P::Tuple(vec![P::Int(5), P::Tuple(vec![P::Str("f"), code, schema])]));
    let file = zip_of(&[
        ("old/bytecode.pkl", bytecode.clone()),
        ("old/bytecode/0", vec![0; 2]),
        ("old/.data/version", b"10\n".to_vec()),
    ]);
    let model = read_bytes(&file).expect("reads");
    assert_eq!(model.bytecode_version, Some(5));
    assert_eq!(model.functions[0].operators[0].num_specified_args, None);
    assert_eq!(model.storages[0].record, "bytecode/0");
    assert_eq!(model.storages[0].bytes, Some(2));
    assert_eq!(model.operator_version.as_ref().and_then(|v| v.value), Some(10));
    let text = disasm::human(&model, "old.ptl");
    assert!(text.contains("      0  ('aten::mul', 'Scalar')\n"), "{text}");
    assert!(text.contains("  bytecode/0  2 bytes, short of 4  (1 × float32 on cpu)\n"), "{text}");

    let file = zip_of(&[("old/bytecode.pkl", bytecode)]);
    let model = read_bytes(&file).expect("reads");
    assert!(model.operator_version.is_none());
    assert!(model.storages[0].bytes.is_none());
    let text = disasm::human(&model, "old.ptl");
    assert!(text.contains("operator version: missing"), "{text}");
    assert!(
        text.contains("missing records:  data.pkl, version, constants/0 (the lite loader requires them)\n"),
        "{text}"
    );
    assert_eq!(model.missing_records(), ["data.pkl", "version", "constants/0"]);
    assert!(text.contains("  constants/0  missing  (1 × float32 on cpu)"), "{text}");
    assert!(text.contains("  arguments: (none)\n  returns:   (none)\n"), "{text}");
}

fn error(bytes: &[u8]) -> String {
    match read_bytes(bytes) {
        Ok(model) => panic!("expected an error, read {} functions", model.functions.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_files_give_errors() {
    assert!(error(b"").starts_with("it is not a zip archive, or it is truncated ("), "{}", error(b""));
    assert!(error(b"print('hello')\n").starts_with("it is not a zip archive, or it is truncated ("));
    assert_eq!(
        error(b"\x1c\x00\x00\x00PTMF\x00\x00"),
        "it is a FlatBuffer model (bytecode version 9), which tsc does not read"
    );
    assert_eq!(error(&zip_of(&[])), "the zip archive has no records");
    assert_eq!(
        error(&zip_of(&[("tiny/version", b"3\n".to_vec())])),
        "the archive has no `tiny/bytecode.pkl` record, which holds the lite-interpreter program"
    );
    assert_eq!(
        error(&zip_of(&[("tiny/bytecode.pkl", pickle(&tiny_bytecode())), ("stray", vec![])])),
        "record `stray` is not inside the archive's folder `tiny/` (the lite loader rejects such archives)"
    );
    let bad_pickle = zip_of(&tiny_records(b"\x80\x02(K\x08".to_vec()));
    assert_eq!(error(&bad_pickle), "`tiny/bytecode.pkl` ends without a STOP opcode");
    let not_a_tuple = zip_of(&tiny_records(pickle(&P::Int(8))));
    assert_eq!(
        error(&not_a_tuple),
        "`tiny/bytecode.pkl` is not laid out as a lite-interpreter program: the top level: the pickled value is an int, expected a tuple"
    );
    let wrong_row =
        P::Tuple(vec![P::Int(8), P::Tuple(vec![P::Str("f"), P::Tuple(vec![row("operators", P::Tuple(vec![]))])])]);
    assert_eq!(
        error(&zip_of(&tiny_records(pickle(&wrong_row)))),
        "`tiny/bytecode.pkl` is not laid out as a lite-interpreter program: function 0 `f`: row 0 is `operators`, expected `instructions`"
    );
}

#[test]
fn every_truncation_and_byte_flip_is_an_error_or_a_model_never_a_panic() {
    let file = tiny();
    for len in 0..file.len() {
        assert!(read_bytes(&file[..len]).is_err(), "a file cut to {len} bytes read");
    }
    for at in 0..file.len() {
        let mut flipped = file.clone();
        flipped[at] ^= 0x5a;
        // Either outcome is fine; reaching here means no panic.
        let _ = read_bytes(&flipped).map(|m| disasm::human(&m, "x.ptl"));
    }
}

#[test]
fn pickles_that_would_explode_are_refused() {
    // 60 levels of `(t, t)` sharing one memo entry: 2^60 nodes if copied.
    let mut exponential = b"\x80\x02)".to_vec();
    for _ in 0..60 {
        exponential.extend_from_slice(b"q\x00h\x00\x86");
    }
    exponential.push(b'.');
    let message = error(&zip_of(&tiny_records(exponential)));
    assert!(message.ends_with("its values (with shared ones copied) are too many to show"), "{message}");
    // 200k nested 1-tuples.
    let mut deep = b"\x80\x02)".to_vec();
    deep.extend(std::iter::repeat_n(0x85u8, 200_000));
    deep.push(b'.');
    let message = error(&zip_of(&tiny_records(deep)));
    assert!(message.ends_with("values nest more than 100 levels deep"), "{message}");
}
