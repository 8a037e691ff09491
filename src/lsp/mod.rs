//! `tsc lsp`: a Language Server Protocol server (on rust-analyzer's
//! `lsp-server` and `lsp-types`). It checks an open document as `tsc check`
//! does, on open and, debounced, on change, and publishes the diagnostics;
//! it answers hover (the type the checker gives a name or attribute), go to
//! definition (into the prelude too) and code actions (the machine-applicable
//! fixes, one by one and all at once as `source.fixAll.tsy`). Documents are
//! synchronized whole; what the editor holds is what is checked, saved or not.

mod actions;
mod definition;
pub mod docs;
mod hover;
mod publish;
mod symbols;
mod text;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Exit, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, GotoDefinition, HoverRequest, Request as _, Shutdown};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability, OneOf,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap};
use crate::syntax::Interner;

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the prelude's sources and the explanations are written for
    /// editors to open ([`docs::default_folder`]).
    pub docs: PathBuf,
    /// How long after the last change a document is checked again.
    pub debounce: Duration,
}

/// The code action kind of "apply every fix of this file".
pub const FIX_ALL: &str = "source.fixAll.tsy";

/// An open document: the editor's text and what checking it found.
struct Document {
    text: String,
    version: Option<i32>,
    /// The checked text's map and diagnostics; `None` while a change waits
    /// for its debounced check.
    checked: Option<Checked>,
}

struct Checked {
    map: SourceMap,
    file: FileId,
    diagnostics: Vec<Diagnostic>,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Serves one client on `connection` until it shuts down or hangs up.
pub fn serve(connection: &Connection, options: &Options) -> Result<(), Failure> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::new(FIX_ALL)]),
            ..Default::default()
        })),
        ..Default::default()
    };
    let (id, _params) = connection.initialize_start()?;
    let info = ServerInfo { name: "tsc".into(), version: Some(env!("CARGO_PKG_VERSION").into()) };
    connection.initialize_finish(id, serde_json::json!({ "capabilities": capabilities, "serverInfo": info }))?;
    let mut server = Server { connection, options, documents: HashMap::new(), due: HashMap::new(), shut_down: false };
    server.run()
}

struct Server<'c> {
    connection: &'c Connection,
    options: &'c Options,
    documents: HashMap<Uri, Document>,
    /// Changed documents and when their debounced check is due.
    due: HashMap<Uri, Instant>,
    /// Whether the client asked to shut down (then only `exit` is expected).
    shut_down: bool,
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), Failure> {
        loop {
            let next = self.due.values().min().copied();
            let message = match next {
                Some(at) => self.connection.receiver.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => self.connection.receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match message {
                // After `shutdown` only `exit` is expected; a client may ask
                // to shut down twice (Neovim does), so that is answered again.
                Ok(Message::Request(request)) if request.method == Shutdown::METHOD => {
                    self.shut_down = true;
                    self.connection.sender.send(Response::new_ok(request.id, ()).into())?;
                }
                Ok(Message::Request(request)) if self.shut_down => {
                    let refused = Response::new_err(request.id, ErrorCode::InvalidRequest as i32, "shut down".into());
                    self.connection.sender.send(refused.into())?;
                }
                Ok(Message::Request(request)) => self.request(request)?,
                Ok(Message::Notification(notification)) if notification.method == Exit::METHOD => return Ok(()),
                Ok(Message::Notification(notification)) => self.notification(notification)?,
                Ok(Message::Response(_)) => {}
                Err(RecvTimeoutError::Timeout) => {
                    let now = Instant::now();
                    let ready: Vec<Uri> =
                        self.due.iter().filter(|(_, at)| **at <= now).map(|(u, _)| u.clone()).collect();
                    for uri in ready {
                        self.check(&uri)?;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }

    fn notification(&mut self, notification: Notification) -> Result<(), Failure> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let params: lsp_types::DidOpenTextDocumentParams = notification.extract(DidOpenTextDocument::METHOD)?;
                let document = params.text_document;
                let opened = Document { text: document.text, version: Some(document.version), checked: None };
                self.documents.insert(document.uri.clone(), opened);
                self.check(&document.uri)?;
            }
            DidChangeTextDocument::METHOD => {
                let params: lsp_types::DidChangeTextDocumentParams =
                    notification.extract(DidChangeTextDocument::METHOD)?;
                let uri = params.text_document.uri;
                // Whole-document sync: the last change holds the whole text.
                if let (Some(document), Some(change)) = (self.documents.get_mut(&uri), params.content_changes.last()) {
                    document.text.clone_from(&change.text);
                    document.version = Some(params.text_document.version);
                    document.checked = None;
                    self.due.insert(uri, Instant::now() + self.options.debounce);
                }
            }
            DidCloseTextDocument::METHOD => {
                let params: lsp_types::DidCloseTextDocumentParams =
                    notification.extract(DidCloseTextDocument::METHOD)?;
                let uri = params.text_document.uri;
                self.documents.remove(&uri);
                self.due.remove(&uri);
                self.publish(uri, Vec::new(), None)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn request(&mut self, request: Request) -> Result<(), Failure> {
        let id = request.id.clone();
        let docs = &self.options.docs;
        let result = match request.method.as_str() {
            HoverRequest::METHOD => {
                let params: lsp_types::HoverParams = serde_json::from_value(request.params)?;
                let at = params.text_document_position_params;
                let found = self.document(&at.text_document.uri)?.and_then(|(name, document)| {
                    hover::hover(&name, &document.text, text::offset(&document.text, at.position))
                });
                serde_json::to_value(found)?
            }
            GotoDefinition::METHOD => {
                let params: lsp_types::GotoDefinitionParams = serde_json::from_value(request.params)?;
                let at = params.text_document_position_params;
                let uri = at.text_document.uri;
                let found = self.document(&uri)?.and_then(|(name, document)| {
                    let offset = text::offset(&document.text, at.position);
                    definition::definition(&name, &document.text, offset, &uri, docs)
                });
                serde_json::to_value(found.map(lsp_types::GotoDefinitionResponse::Scalar))?
            }
            CodeActionRequest::METHOD => {
                let params: lsp_types::CodeActionParams = serde_json::from_value(request.params)?;
                let uri = params.text_document.uri.clone();
                let found = self.document(&uri)?.and_then(|(name, document)| {
                    let checked = document.checked.as_ref()?;
                    Some(actions::actions(&name, &document.text, checked, &params, docs))
                });
                serde_json::to_value(found.unwrap_or_default())?
            }
            _ => {
                let response = Response::new_err(id, ErrorCode::MethodNotFound as i32, request.method);
                self.connection.sender.send(response.into())?;
                return Ok(());
            }
        };
        self.connection.sender.send(Response::new_ok(id, result).into())?;
        Ok(())
    }

    /// An open document, checked: a request about it answers what the
    /// editor shows now, so a debounced check waiting for it runs first.
    fn document(&mut self, uri: &Uri) -> Result<Option<(String, &Document)>, Failure> {
        if self.documents.get(uri).is_some_and(|d| d.checked.is_none()) {
            self.check(uri)?;
        }
        Ok(self.documents.get(uri).map(|d| (name(uri), d)))
    }

    /// Checks a document and publishes what it found.
    fn check(&mut self, uri: &Uri) -> Result<(), Failure> {
        self.due.remove(uri);
        let Some(document) = self.documents.get_mut(uri) else { return Ok(()) };
        let mut map = SourceMap::new();
        let file = map.add(name(uri), document.text.as_str());
        let mut interner = Interner::new();
        let diagnostics = crate::check(&mut map, file, &mut interner);
        let published =
            diagnostics.iter().map(|d| publish::diagnostic(&map, file, uri, &self.options.docs, d)).collect();
        document.checked = Some(Checked { map, file, diagnostics });
        let version = document.version;
        self.publish(uri.clone(), published, version)
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) -> Result<(), Failure> {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.connection.sender.send(Notification::new(PublishDiagnostics::METHOD.into(), params).into())?;
        Ok(())
    }
}

/// The name a document is checked under: its path, or its URI when it is
/// not a file (an unsaved buffer).
fn name(uri: &Uri) -> String {
    text::path(uri).map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string())
}

/// `tsc lsp`: serves the client on standard input and output.
pub fn stdio(options: &Options) -> Result<(), Failure> {
    let (connection, threads) = Connection::stdio();
    serve(&connection, options)?;
    drop(connection);
    threads.join()?;
    Ok(())
}
