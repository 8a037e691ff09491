//! `import`: native modules (`torch`, `math`, `typing`, ...), the
//! embedded prelude files that implement `torch.nn` in Python, and the
//! model's own modules: `.py`/`.tsy` files and packages beside the model
//! file or in a `--path` folder, as Python finds them on `sys.path`.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Mutex;

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
    host.modules.contains_key(path)
        || prelude_source(path).is_some()
        || is_prelude_package(path)
        || local(host, path).is_some()
}

/// Folders searched for the model's own modules after the model file's
/// (`--path`), for every file the process checks.
static SEARCH_PATH: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub fn set_search_path(folders: Vec<PathBuf>) {
    *SEARCH_PATH.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = folders;
}

/// Where local modules are found: the model file's folder, then `--path`.
pub(super) fn search_path(model_file: &str) -> Vec<PathBuf> {
    // (An empty folder is the working one: `layers.py`, not `./layers.py`.)
    let own = Path::new(model_file).parent().filter(|p| p.as_os_str().is_empty() || p.is_dir());
    let extra = SEARCH_PATH.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    own.map(Path::to_path_buf).into_iter().chain(extra).collect()
}

/// A local module: its file (`None` for a folder without `__init__`, a
/// namespace package), and whether it is a package.
struct Local {
    file: Option<PathBuf>,
    package: bool,
}

fn local(host: &Host<'_>, path: &str) -> Option<Local> {
    let relative = path.replace('.', "/");
    for folder in &host.search_path {
        let base = folder.join(&relative);
        for ext in ["py", "tsy"] {
            let file = base.with_extension(ext);
            if file.is_file() {
                return Some(Local { file: Some(file), package: false });
            }
        }
        for init in ["__init__.py", "__init__.tsy"] {
            if base.join(init).is_file() {
                return Some(Local { file: Some(base.join(init)), package: true });
            }
        }
        if base.is_dir() {
            return Some(Local { file: None, package: true });
        }
    }
    None
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
    } else if let Some(found) = local(host, path) {
        load_local(host, path, found, span)?
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
            "`import {path}`: tsc resolves torch, the standard library modules model files use ({STANDARD}) and the model's own modules; `{top}` is none of them"
        )
    };
    let error = host.unsupported::<()>(message, span).unwrap_err();
    Err(error.help(format!(
        "tsc looks for `{top}.py` or a `{top}/` package beside the model file and in each `--path` folder; or copy what the model needs from `{top}` into the model file, or remove the import if nothing uses it"
    )))
}

fn new_namespace(host: &mut Host<'_>, path: &str) -> Rc<Namespace> {
    let mut attrs = IndexMap::new();
    attrs.insert(host.sym("__name__"), Value::str(path));
    let ns = Rc::new(Namespace { name: path.into(), attrs: RefCell::new(attrs) });
    host.modules.insert(path.to_string(), ns.clone());
    ns
}

/// Runs a local module's file as the module `path`; its classes and
/// functions are `__torch__.{path}.…` to the compiler, as PyTorch names them.
fn load_local(host: &mut Host<'_>, path: &str, found: Local, span: Span) -> Eval<Rc<Namespace>> {
    let ns = new_namespace(host, path);
    let package = if found.package { path } else { path.rsplit_once('.').map_or("", |(parent, _)| parent) };
    let key = host.sym("__package__");
    ns.attrs.borrow_mut().insert(key, Value::str(package));
    let Some(file) = found.file else { return Ok(ns) };
    let source = match std::fs::read_to_string(&file) {
        Ok(source) => source,
        Err(e) => {
            host.modules.remove(path);
            return host.raise("ImportError", format!("cannot read `{}`: {e}", file.display()), span);
        }
    };
    let id = host.map.add(file.display().to_string(), source);
    let parsed = crate::syntax::parse(host.map, id, host.interner);
    host.diagnostics.extend(parsed.diagnostics);
    host.run_module(&parsed.module, id, ns.clone());
    Ok(ns)
}

/// The module `from {dots}{module} import …` names in the module whose
/// globals are `importer` (its `__package__`; the model file's folder is
/// the top level).
pub(super) fn relative(
    host: &mut Host<'_>,
    importer: &Namespace,
    level: u32,
    module: &str,
    span: Span,
) -> Eval<String> {
    let key = host.sym("__package__");
    let package = match importer.attrs.borrow().get(&key) {
        Some(Value::Str(p)) => p.to_string(),
        _ => String::new(),
    };
    let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
    for _ in 1..level {
        if parts.pop().is_none() {
            return host.raise("ImportError", "attempted relative import beyond top-level package", span);
        }
    }
    parts.extend(module.split('.').filter(|p| !p.is_empty()));
    Ok(parts.join("."))
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
