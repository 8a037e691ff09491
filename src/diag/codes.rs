//! Every diagnostic code, its severity, a one-line title and the long
//! explanation `tsc explain` prints (Markdown files in `explain/`).
//!
//! Codes are grouped by phase: E1xxx syntax, E2xxx names and types, E3xxx
//! unsupported constructs, E4xxx export, E5xxx host evaluation, E6xxx running (`tsc run`), W1xxx
//! tracing warnings, W4xxx export warnings.

use super::Severity;

macro_rules! codes {
    ($($code:ident: $title:literal,)*) => {
        /// A diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($code,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            /// A one-line description of what the code is about.
            pub fn title(self) -> &'static str {
                match self { $(Code::$code => $title,)* }
            }

            /// The long explanation, with an example and the fix.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$code => include_str!(concat!("explain/", stringify!($code), ".md")),)* }
            }
        }
    };
}

codes! {
    E1001: "invalid syntax",
    E1002: "unexpected indent",
    E1003: "unindent does not match any outer indentation level",
    E1004: "inconsistent use of tabs and spaces in indentation",
    E1005: "expected an indented block",
    E1006: "unclosed delimiter",
    E1007: "mismatched or unmatched closing delimiter",
    E1008: "unterminated string literal",
    E1009: "invalid character in source text",
    E1010: "invalid numeric literal",
    E1011: "invalid f-string",
    E1012: "invalid assignment or deletion target",
    E1013: "invalid parameter list",
    E1014: "statement outside of its context",
    E1015: "brackets, blocks or an expression nested too deeply",
    E2001: "a global Python value is used in compiled code",
    E2002: "attribute lookup on a global Python value in compiled code",
    E2003: "all inputs of range must be ints",
    E2004: "undefined value in compiled code",
    E2005: "a scripted module that is not a submodule is used in compiled code",
    E2006: "a variable's type does not match",
    E2007: "a function annotated to return a value does not return along all paths",
    E2008: "a default value does not have the parameter's type",
    E2009: "a return value does not have the function's return type",
    E2010: "tuple indexing, unpacking or assignment does not fit the tuple",
    E2011: "a value cannot be used as a condition",
    E2012: "no such attribute, method or call on a value",
    E2013: "a module has no such attribute in compiled code",
    E2014: "no overload of an operator accepts the arguments",
    E2015: "a recursive call in compiled code",
    E2016: "a module is constructed in compiled code",
    E2017: "a boolean-dispatch argument is not a constant",
    E2018: "an annotation names no TorchScript type",
    E3001: "a Python construct TorchScript does not support",
    E3002: "variable or keyword-only arguments in a compiled function",
    E3003: "else branch of a loop in compiled code",
    E3004: "comprehension with an if clause in compiled code",
    E3005: "dict or keyword-argument expansion in compiled code",
    E3006: "format spec in an f-string in compiled code",
    E3007: "bytes literal in compiled code",
    E3008: "a Python builtin TorchScript does not support",
    E3009: "getattr with a name that is not a string literal",
    E3010: "a construct this version of tsc cannot compile yet",
    E4001: "not a valid .ptl file",
    E4002: "the model holds something a .ptl file cannot carry",
    E4003: "only modules can be written as .ptl files",
    E5001: "an exception was raised while evaluating the model file",
    E5002: "wrong arguments or operand types (TypeError)",
    E5003: "a name is not defined (NameError)",
    E5004: "an object has no such attribute (AttributeError)",
    E5005: "a Python feature that module-level code cannot use in tsy",
    E5006: "evaluation limit exceeded",
    E5007: "no entry module or function to compile",
    E5008: "the weights file does not fit the model",
    E5009: "a runtime error in module-level code (IndexError, KeyError, ValueError, ...)",
    E5010: "a model file cannot reach the machine (files, processes, network, environment)",
    E6001: "the model failed while running",
    E6002: "no inputs to run the model on",
    E6003: "the inputs file does not fit the model",
    W1001: "a traced tensor was converted to a Python value (TracerWarning)",
    W4001: "the .ptl file has no TorchScript source: the lite interpreter loads it, torch.jit.load cannot",
    W4002: "a traced entry was compiled by scripting",
}

impl Code {
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') { Severity::Warning } else { Severity::Error }
    }

    /// Looks a code up by its name, case-insensitively (`e1001` works).
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
