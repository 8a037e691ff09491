//! Control flow out of a statement, and Python exceptions as diagnostics.

use std::rc::Rc;

use super::value::{Exception, Value};
use crate::diag::{Code, Diagnostic};
use crate::source::Span;

/// Why evaluation left a block early.
#[derive(Debug)]
pub enum Flow {
    Return(Value),
    Break,
    Continue,
    Raise(Box<Raised>),
}

pub type Eval<T> = Result<T, Flow>;

/// A Python exception on its way up, with where it was raised and the call
/// sites it passed through (innermost first).
#[derive(Debug)]
pub struct Raised {
    pub exception: Rc<Exception>,
    pub code: Code,
    pub span: Span,
    pub traceback: Vec<Span>,
    /// The primary label, if something better than the code's default.
    pub label: Option<String>,
    /// Context the diagnostic should carry (`note:` lines).
    pub notes: Vec<String>,
    pub helps: Vec<String>,
}

impl Raised {
    pub fn into_diagnostic(self) -> Diagnostic {
        let class = &self.exception.class.name;
        let message = if self.exception.message.is_empty() {
            class.to_string()
        } else if matches!(self.code, Code::E5005 | Code::E5006 | Code::E5010) {
            self.exception.message.clone()
        } else {
            format!("{class}: {}", self.exception.message)
        };
        let label = match self.code {
            Code::E5001 => "raised here",
            Code::E5002 => "this call or operation has the wrong arguments",
            Code::E5003 => "not defined",
            Code::E5004 => "no such attribute",
            Code::E5005 => "not supported in a model file",
            Code::E5006 => "evaluation stopped here",
            Code::E5010 => "this would reach the machine",
            _ => "raised here",
        };
        let label = self.label.unwrap_or_else(|| label.to_string());
        let mut diagnostic = Diagnostic::new(self.code, self.span, message).label(label);
        for site in self.traceback {
            if site != self.span {
                diagnostic = diagnostic.secondary(site, "called from here");
            }
        }
        for note in self.notes {
            diagnostic = diagnostic.note(note);
        }
        for help in self.helps {
            diagnostic = diagnostic.help(help);
        }
        diagnostic
    }
}

impl Flow {
    /// Adds a call site to a passing exception's traceback.
    pub fn through(self, call_site: Span) -> Flow {
        match self {
            Flow::Raise(mut raised) => {
                raised.traceback.push(call_site);
                Flow::Raise(raised)
            }
            other => other,
        }
    }

    pub fn note(self, note: impl Into<String>) -> Flow {
        match self {
            Flow::Raise(mut raised) => {
                raised.notes.push(note.into());
                Flow::Raise(raised)
            }
            other => other,
        }
    }

    pub fn label(self, label: impl Into<String>) -> Flow {
        match self {
            Flow::Raise(mut raised) => {
                raised.label = Some(label.into());
                Flow::Raise(raised)
            }
            other => other,
        }
    }

    pub fn help(self, help: impl Into<String>) -> Flow {
        match self {
            Flow::Raise(mut raised) => {
                raised.helps.push(help.into());
                Flow::Raise(raised)
            }
            other => other,
        }
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough
/// to be a likely typo (`weights` → `weight`).
pub fn similar<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb { previous } else { 1 + previous.min(row[j]).min(row[j + 1]) };
            previous = current;
        }
    }
    row[b.len()]
}
