//! `import`: native modules (`torch`, `math`, `typing`, ...) and the
//! embedded prelude files that implement `torch.nn` in Python.

use std::cell::RefCell;
use std::rc::Rc;

use indexmap::IndexMap;

use super::eval::{Eval, Host};
use super::value::{Namespace, Value};
use crate::source::Span;

include!(concat!(env!("OUT_DIR"), "/prelude_files.rs"));

fn prelude_source(path: &str) -> Option<&'static str> {
    FILES.iter().find(|(module, _)| *module == path).map(|(_, source)| *source)
}

/// A package directory of the prelude with no `__init__.tsy` of its own.
fn is_prelude_package(path: &str) -> bool {
    FILES.iter().any(|(module, _)| {
        module.len() > path.len() && module.starts_with(path) && module.as_bytes()[path.len()] == b'.'
    })
}

pub(super) fn exists(host: &Host<'_>, path: &str) -> bool {
    host.modules.contains_key(path) || prelude_source(path).is_some() || is_prelude_package(path)
}

pub(super) fn import(host: &mut Host<'_>, path: &str, span: Span) -> Eval<Rc<Namespace>> {
    if let Some(ns) = host.modules.get(path) {
        return Ok(ns.clone());
    }
    // Python imports the parent packages first.
    let parent = match path.rsplit_once('.') {
        Some((parent, _)) => Some(import(host, parent, span)?),
        None => None,
    };
    if let Some(ns) = host.modules.get(path) {
        return Ok(ns.clone());
    }
    let ns = if let Some(source) = prelude_source(path) {
        load_prelude(host, path, source)
    } else if is_prelude_package(path) {
        new_namespace(host, path)
    } else if let Some(Err(refused)) = super::sandbox::import(host, path, span) {
        return Err(refused);
    } else {
        return not_found(host, path, span);
    };
    if let (Some(parent), Some((_, last))) = (parent, path.rsplit_once('.')) {
        let key = host.sym(last);
        parent.attrs.borrow_mut().entry(key).or_insert(Value::Namespace(ns.clone()));
    }
    Ok(ns)
}

/// The standard library modules tsc provides (natively or in the prelude),
/// as the unknown-module error lists them.
const STANDARD: &str = "abc, collections, copy, functools, itertools, math, numbers, operator, os.path, re, sys, types, typing, warnings and __future__";

/// `import timm`: a module tsc does not provide, named with what to do.
fn not_found(host: &Host<'_>, path: &str, span: Span) -> Eval<Rc<Namespace>> {
    let top = path.split('.').next().unwrap_or(path);
    let message = if top == "torch" || top == "torchvision" {
        format!("`import {path}`: tsc does not provide `{path}`")
    } else {
        format!(
            "`import {path}`: tsc resolves torch and the standard library modules model files use ({STANDARD}); `{top}` is neither"
        )
    };
    let error = host.unsupported::<()>(message, span).unwrap_err();
    Err(error.help(format!(
        "copy what the model needs from `{top}` into the model file, or remove the import if nothing uses it"
    )))
}

fn new_namespace(host: &mut Host<'_>, path: &str) -> Rc<Namespace> {
    let mut attrs = IndexMap::new();
    attrs.insert(host.sym("__name__"), Value::str(path));
    let ns = Rc::new(Namespace { name: path.into(), attrs: RefCell::new(attrs) });
    host.modules.insert(path.to_string(), ns.clone());
    ns
}

fn load_prelude(host: &mut Host<'_>, path: &str, source: &'static str) -> Rc<Namespace> {
    let ns = new_namespace(host, path);
    let name = format!("<prelude>/{}.tsy", path.replace('.', "/"));
    let file = host.map.add(name, source);
    let parsed = crate::syntax::parse(host.map, file, host.interner);
    host.diagnostics.extend(parsed.diagnostics);
    host.run_module(&parsed.module, file, ns.clone());
    ns
}
