//! `tsc lsp` driven over a pipe with real JSON-RPC messages, as an editor
//! drives it: initialize, didOpen and the diagnostics it publishes, hover,
//! code actions applied and the diagnostics after them, definition (into
//! the prelude too), shutdown and exit.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{Value, json};

struct Client {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: i32,
}

impl Client {
    fn start(docs: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tsc"))
            .args(["lsp", "--docs", &docs.display().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("tsc lsp starts");
        let input = child.stdin.take().expect("piped");
        let output = BufReader::new(child.stdout.take().expect("piped"));
        Client { child, input, output, next_id: 1 }
    }

    fn send(&mut self, message: Message) {
        message.write(&mut self.input).expect("the server reads");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Notification::new(method.into(), params).into());
    }

    /// Sends a request and returns its result, publishing notifications
    /// that come first to `seen`.
    fn request(&mut self, method: &str, params: Value, seen: &mut Vec<Notification>) -> Value {
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.send(Request::new(id.clone(), method.into(), params).into());
        loop {
            match self.receive() {
                Message::Response(response) if response.id == id => {
                    return response.response_result.unwrap_or_else(|e| panic!("{method}: {e:?}"));
                }
                Message::Notification(notification) => seen.push(notification),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn receive(&mut self) -> Message {
        Message::read(&mut self.output).expect("the server writes").expect("a message, not the end")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, seen: &mut Vec<Notification>) -> Value {
        if let Some(at) = seen.iter().position(|n| n.method == "textDocument/publishDiagnostics") {
            return seen.remove(at).params;
        }
        loop {
            if let Message::Notification(n) = self.receive()
                && n.method == "textDocument/publishDiagnostics"
            {
                return n.params;
            }
        }
    }
}

fn codes(published: &Value) -> Vec<String> {
    published["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["code"].as_str().expect("a code").into())
        .collect()
}

/// Applies LSP text edits (of one document) to `text`.
fn apply(text: &str, edits: &Value) -> String {
    let offset = |p: &Value| {
        let (line, character) =
            (p["line"].as_u64().expect("line") as usize, p["character"].as_u64().expect("col") as usize);
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let rest = &text[start..];
        let mut units = 0;
        for (i, c) in rest.char_indices() {
            if units >= character || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| {
            (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().expect("text").into())
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

/// The position (0-based line, UTF-16 column) of the `nth` occurrence of `needle`, plus `into` bytes.
fn position(text: &str, needle: &str, nth: usize, into: usize) -> Value {
    let at = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("{needle} #{nth}")).0 + into;
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": text[start..at].encode_utf16().count()})
}

fn hover(client: &mut Client, uri: &str, text: &str, needle: &str, nth: usize, into: usize) -> String {
    let params = json!({"textDocument": {"uri": uri}, "position": position(text, needle, nth, into)});
    let result = client.request("textDocument/hover", params, &mut Vec::new());
    result["contents"]["value"].as_str().unwrap_or_default().to_string()
}

#[test]
fn an_editor_session_on_the_unfixed_chatbot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs: PathBuf = std::env::temp_dir().join(format!("tsy-lsp-docs-{}", std::process::id()));
    let path = root.join("examples/chatbot_unfixed.tsy");
    let uri = format!("file://{}", path.display());
    let mut text = std::fs::read_to_string(&path).expect("the example");
    let mut client = Client::start(&docs);
    let mut seen = Vec::new();

    let init = client.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}), &mut seen);
    let capabilities = &init["capabilities"];
    assert_eq!(capabilities["hoverProvider"], json!(true));
    assert_eq!(capabilities["definitionProvider"], json!(true));
    assert_eq!(capabilities["codeActionProvider"]["codeActionKinds"], json!(["quickfix", "source.fixAll.tsy"]));
    client.notify("initialized", json!({}));

    // Diagnostics on open: the recipe's three errors, with codes, links to
    // their explanations and secondary labels as related information.
    let open = json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}});
    client.notify("textDocument/didOpen", open);
    let published = client.diagnostics(&mut seen);
    assert_eq!(published["uri"], json!(uri));
    assert_eq!(published["version"], json!(1));
    assert_eq!(codes(&published), ["E2002", "E2001", "E2001", "E2003"]);
    let device = &published["diagnostics"][1];
    assert_eq!(device["severity"], json!(1));
    assert_eq!(device["source"], json!("tsc"));
    assert_eq!(
        device["range"],
        json!({"start": {"line": 117, "character": 48}, "end": {"line": 117, "character": 54}})
    );
    let related: Vec<&str> = device["relatedInformation"]
        .as_array()
        .expect("related information")
        .iter()
        .map(|r| r["message"].as_str().expect("a message"))
        .collect();
    assert_eq!(
        related,
        ["`device` is assigned here, at module level", "`device` is also used here", "`device` is also used here"]
    );
    let href = device["codeDescription"]["href"].as_str().expect("a link to the explanation");
    let explanation = std::fs::read_to_string(href.strip_prefix("file://").expect("a file")).expect("written");
    assert!(explanation.starts_with("# E2001"), "{explanation}");

    // Hover: what the checker sees.
    let shown = hover(&mut client, &uri, &text, "max_length):", 0, 3);
    assert!(shown.contains("max_length: Tensor (inferred)"), "{shown}");
    let shown = hover(&mut client, &uri, &text, "range(max_length)", 0, 8);
    assert!(shown.contains("max_length: Tensor (inferred)"), "{shown}");
    let shown = hover(&mut client, &uri, &text, "self.n_layers = n_layers", 0, 6);
    assert!(shown.contains("self.n_layers: int"), "{shown}");
    let shown = hover(&mut client, &uri, &text, "self.decoder(", 0, 6);
    assert!(shown.contains("self.decoder: LuongAttnDecoderRNN (traced)") && shown.contains("submodule"), "{shown}");
    let shown = hover(&mut client, &uri, &text, "self.gru(", 0, 6);
    assert!(shown.contains("self.gru: torch.nn.modules.rnn.GRU"), "{shown}");
    // A call: the operator schema the compiler resolved it to, as PyTorch
    // prints it (PyTorch 2.5.1's str of
    // torch._C._jit_get_schemas_for_operator("aten::cat")[0]).
    let shown = hover(&mut client, &uri, &text, "torch.cat((rnn_output", 0, 7);
    assert!(shown.contains("aten::cat(Tensor[] tensors, int dim=0) -> Tensor"), "{shown}");
    let shown = hover(&mut client, &uri, &text, "device=device", 0, 8);
    assert!(shown.contains("device: Device") && shown.contains("global"), "{shown}");

    // The quick fix for `max_length`, applied as the editor applies it.
    let e2003 = published["diagnostics"][3].clone();
    let params = json!({"textDocument": {"uri": uri}, "range": e2003["range"], "context": {"diagnostics": [e2003]}});
    let actions = client.request("textDocument/codeAction", params, &mut seen);
    let fix = actions
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["kind"] == json!("quickfix"))
        .unwrap_or_else(|| panic!("a quick fix in {actions:#}"));
    assert_eq!(fix["title"], json!("annotate `max_length` as an int"));
    assert_eq!(fix["isPreferred"], json!(true));
    text = apply(&text, &fix["edit"]["changes"][&uri]);
    assert!(text.contains("def forward(self, input_seq, input_length, max_length: int):"));
    // Two quick changes: the debounce checks only the last.
    let change = |version: i32, text: &str| json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]});
    client.notify("textDocument/didChange", change(2, "this does not parse ("));
    let started = Instant::now();
    client.notify("textDocument/didChange", change(3, &text));
    let published = client.diagnostics(&mut seen);
    let waited = started.elapsed();
    assert_eq!(published["version"], json!(3), "only the last change is checked");
    assert_eq!(codes(&published), ["E2002", "E2001", "E2001"]);
    eprintln!("re-check after a change: published {waited:?} after it (debounce 150 ms included)");
    assert!(waited >= Duration::from_millis(150), "debounced");

    // The global's fix stores it on `self` in `__init__`, in one action.
    let e2001 = published["diagnostics"][1].clone();
    let params = json!({"textDocument": {"uri": uri}, "range": e2001["range"], "context": {"diagnostics": [e2001]}});
    let actions = client.request("textDocument/codeAction", params, &mut seen);
    let fix = &actions[0];
    assert_eq!(
        fix["title"],
        json!("store it on the module in `__init__`: `self._device = device`, and use the attribute here")
    );
    assert_eq!(fix["edit"]["changes"][&uri].as_array().map(Vec::len), Some(4), "three uses and `__init__`");

    // Fix all: what `tsc check --fix` writes; the structural E2002 is left.
    let params = json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]}});
    let actions = client.request("textDocument/codeAction", params, &mut seen);
    assert_eq!(actions.as_array().map(Vec::len), Some(1), "{actions:#}");
    assert_eq!(actions[0]["kind"], json!("source.fixAll.tsy"));
    text = apply(&text, &actions[0]["edit"]["changes"][&uri]);
    client.notify("textDocument/didChange", change(4, &text));
    let published = client.diagnostics(&mut seen);
    assert_eq!(codes(&published), ["E2002"]);
    assert!(text.contains("        self._device = device\n        self._SOS_token = SOS_token\n"), "{text}");

    // Definition: a global, then a class of the prelude, opened read-only.
    let params =
        |needle: &str, into: usize| json!({"textDocument": {"uri": uri}, "position": position(&text, needle, 0, into)});
    let found = client.request("textDocument/definition", params("* self._SOS_token", 9), &mut seen);
    assert_eq!(found["uri"], json!(uri));
    let found = client.request("textDocument/definition", params("SOS_token\n", 0), &mut seen);
    assert_eq!((found["uri"].clone(), found["range"]["start"]["line"].clone()), (json!(uri), json!(15)));
    let found = client.request("textDocument/definition", params("nn.GRU(", 4), &mut seen);
    let target = found["uri"].as_str().expect("a location");
    assert!(target.ends_with("/prelude/torch/nn/modules/rnn.tsy"), "{target}");
    let prelude = PathBuf::from(target.strip_prefix("file://").expect("a file"));
    assert!(std::fs::metadata(&prelude).expect("written").permissions().readonly());
    let line = found["range"]["start"]["line"].as_u64().expect("a line") as usize;
    let source = std::fs::read_to_string(&prelude).expect("the prelude file");
    assert!(source.lines().nth(line).is_some_and(|l| l.starts_with("class GRU")), "{line}");

    // Closing clears the document's diagnostics; shutdown, then exit.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    assert_eq!(client.diagnostics(&mut seen)["diagnostics"], json!([]));
    assert_eq!(client.request("shutdown", Value::Null, &mut seen), Value::Null);
    // Neovim asks twice.
    assert_eq!(client.request("shutdown", Value::Null, &mut seen), Value::Null);
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("tsc lsp exits");
    assert!(status.success(), "{status}");
    std::fs::remove_dir_all(&docs).ok();
}

/// Bad input is normal input: text that does not parse, positions past the
/// end, requests about documents never opened, unknown methods; the server
/// answers each and keeps serving.
#[test]
fn odd_requests_get_answers_not_crashes() {
    let docs: PathBuf = std::env::temp_dir().join(format!("tsy-lsp-odd-{}", std::process::id()));
    let mut client = Client::start(&docs);
    let mut seen = Vec::new();
    client.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}), &mut seen);
    client.notify("initialized", json!({}));
    let uri = "untitled:Untitled-1";
    let text = "def f(x:\n    é𝕏 = [1,\n\t\"\"\"\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
    );
    let published = client.diagnostics(&mut seen);
    assert!(!codes(&published).is_empty(), "{published:#}");
    assert!(codes(&published).iter().all(|c| c.starts_with("E1")), "{published:#}");
    for (line, character) in [(0, 0), (0, 6), (1, 5), (9, 99), (u32::MAX, u32::MAX)] {
        let at = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
        assert_eq!(client.request("textDocument/hover", at.clone(), &mut seen), Value::Null);
        assert_eq!(client.request("textDocument/definition", at, &mut seen), Value::Null);
    }
    let everywhere = json!({"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}});
    let params = json!({"textDocument": {"uri": uri}, "range": everywhere, "context": {"diagnostics": []}});
    assert_eq!(client.request("textDocument/codeAction", params, &mut seen), json!([]));
    let unknown = json!({"textDocument": {"uri": "file:///nowhere.tsy"}, "position": {"line": 0, "character": 0}});
    assert_eq!(client.request("textDocument/hover", unknown, &mut seen), Value::Null);
    client.send(Request::new(RequestId::from(99), "workspace/symbol".into(), json!({"query": "x"})).into());
    match client.receive() {
        Message::Response(response) => assert!(response.response_result.is_err(), "MethodNotFound"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.request("shutdown", Value::Null, &mut seen), Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().expect("exits").success());
    std::fs::remove_dir_all(&docs).ok();
}
