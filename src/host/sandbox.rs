//! A model file cannot reach the machine: no files, processes, network,
//! environment or code loaded by name. What would is refused by name with
//! E5010, before it does anything.

use super::call::Args;
use super::eval::{Eval, Host};
use super::value::Namespace;
use crate::diag::Code;
use crate::source::Span;
use crate::syntax::Symbol;

/// Modules that exist to reach the machine, and what they would do.
const MODULES: &[(&str, &str)] = &[
    ("subprocess", "it runs programs"),
    ("socket", "it opens network connections"),
    ("importlib", "it imports code chosen at run time"),
    ("shutil", "it copies and deletes files"),
    ("tempfile", "it creates files"),
    ("glob", "it lists files"),
    ("urllib", "it reads the network"),
    ("http", "it reads the network"),
    ("requests", "it reads the network"),
    ("ctypes", "it calls native code"),
    ("multiprocessing", "it starts processes"),
    ("signal", "it handles process signals"),
    ("pickle", "it runs code stored in a file"),
];

/// `sys` attributes that reach the process, and what they would do.
const SYS: &[(&str, &str)] = &[
    ("argv", "it reads the command line"),
    ("exit", "it ends the process"),
    ("stdin", "it reads the terminal"),
    ("stdout", "it writes to the terminal"),
    ("stderr", "it writes to the terminal"),
    ("path", "it reads where Python finds modules"),
    ("modules", "it reads and changes the loaded modules"),
    ("setrecursionlimit", "it changes the interpreter"),
];

/// `import subprocess`: refused, if the module is one that reaches the machine.
pub(super) fn import(host: &Host<'_>, path: &str, span: Span) -> Option<Eval<()>> {
    let top = path.split('.').next().unwrap_or(path);
    let (_, why) = MODULES.iter().find(|(name, _)| *name == top)?;
    Some(refuse(host, &format!("`import {path}`: {why}"), span))
}

/// `os.environ`, `os.system(...)`, `os.path.exists(...)`, `sys.argv`: the
/// attributes of `os`, `os.path` and `sys` tsc does not provide reach the
/// machine (those modules hold only what computes on strings and numbers).
pub(super) fn attribute(host: &Host<'_>, ns: &Namespace, name: Symbol, span: Span) -> Option<Eval<()>> {
    let attr = host.name(name);
    let why = match &*ns.name {
        "os" => match attr {
            "environ" | "getenv" | "putenv" | "unsetenv" | "environb" => "it reads the environment",
            "system" | "popen" | "fork" | "kill" | "startfile" => "it runs programs",
            a if a.starts_with("exec") || a.starts_with("spawn") => "it runs programs",
            _ => "it reads or changes files and directories",
        },
        "os.path" => "it reads the file system",
        "sys" => SYS.iter().find(|(n, _)| *n == attr)?.1,
        _ => return None,
    };
    Some(refuse(host, &format!("`{}.{attr}`: {why}", ns.name), span))
}

/// The builtins that reach the machine or run code given as text.
pub(super) const BUILTINS: &[(&str, super::value::BuiltinFn)] = &[
    ("open", |h, a| builtin(h, a, "open", "it opens files")),
    ("eval", |h, a| builtin(h, a, "eval", "it runs code given as text")),
    ("exec", |h, a| builtin(h, a, "exec", "it runs code given as text")),
    ("compile", |h, a| builtin(h, a, "compile", "it compiles code given as text")),
    ("__import__", |h, a| builtin(h, a, "__import__", "it imports code chosen at run time")),
    ("input", |h, a| builtin(h, a, "input", "it reads the terminal")),
    ("exit", |h, a| builtin(h, a, "exit", "it ends the process")),
    ("quit", |h, a| builtin(h, a, "quit", "it ends the process")),
    ("breakpoint", |h, a| builtin(h, a, "breakpoint", "it starts a debugger")),
];

fn builtin(host: &mut Host<'_>, args: Args, name: &str, why: &str) -> Eval<super::value::Value> {
    refuse(host, &format!("`{name}(...)`: {why}"), args.span)
}

fn refuse<T>(host: &Host<'_>, what: &str, span: Span) -> Eval<T> {
    let error = host.raise_code::<()>(
        Code::E5010,
        "PermissionError",
        format!("a model file cannot reach the machine: {what}"),
        span,
    );
    Err(error.unwrap_err().help(
        "keep the file to building the model: give tsc the weights with `--weights FILE`, and compute paths, settings and inputs outside it",
    ))
}
