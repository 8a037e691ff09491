//! Diagnostics: one type for every phase, rendered only at the edge.
//!
//! A [`Diagnostic`] has a code, a message that stands alone, one primary label,
//! any number of secondary labels, `note:`s for context, `help:`s for the fix,
//! and suggestions a tool can apply. Renderers (human, short, JSON) live in
//! [`render`], the ariadne one in [`fancy`], the GitHub Actions one in [`github`]; long explanations for `tsc explain` in [`codes`].

pub mod codes;
pub mod fancy;
pub mod github;
pub mod render;

use crate::source::Span;
pub use codes::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A span with a short message; the primary one says what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// How sure a suggestion is, with rustc's meanings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// Applying it is certainly what the user wants and the result compiles.
    MachineApplicable,
    /// It contains placeholders the user must fill in.
    HasPlaceholders,
    /// It may be what the user wants, or not.
    MaybeIncorrect,
    Unspecified,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "machine-applicable",
            Applicability::HasPlaceholders => "has-placeholders",
            Applicability::MaybeIncorrect => "maybe-incorrect",
            Applicability::Unspecified => "unspecified",
        }
    }
}

/// Replace `span` with `replacement`; `message` says what that does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub message: String,
    pub span: Span,
    pub replacement: String,
    /// Edits elsewhere that belong to the same fix and are applied with it,
    /// all or none (a global's other uses, the assignment in `__init__`).
    /// Renderers show the first edit; tools apply them all.
    pub also: Vec<Edit>,
    pub applicability: Applicability,
}

/// Replace `span` with `replacement`: one part of a [`Suggestion`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Suggestion {
    /// Every edit of the fix, the shown one first.
    pub fn edits(&self) -> impl Iterator<Item = Edit> + '_ {
        std::iter::once(Edit { span: self.span, replacement: self.replacement.clone() })
            .chain(self.also.iter().cloned())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a diagnostic built and dropped is a lost error"]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub helps: Vec<String>,
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    /// An error whose primary label is at `span`; its severity comes from the code.
    #[must_use = "a diagnostic built and dropped is a lost error"]
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: Label { span, message: String::new() },
            secondary: Vec::new(),
            notes: Vec::new(),
            helps: Vec::new(),
            suggestions: Vec::new(),
        }
    }

    /// The primary label's text: what is wrong at the primary span.
    #[must_use = "a diagnostic built and dropped is a lost error"]
    pub fn label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    #[must_use = "a diagnostic built and dropped is a lost error"]
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label { span, message: message.into() });
        self
    }

    #[must_use = "a diagnostic built and dropped is a lost error"]
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    #[must_use = "a diagnostic built and dropped is a lost error"]
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.helps.push(help.into());
        self
    }

    #[must_use = "a diagnostic built and dropped is a lost error"]
    pub fn suggest(
        mut self,
        message: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
        applicability: Applicability,
    ) -> Diagnostic {
        self.suggestions.push(Suggestion {
            message: message.into(),
            span,
            replacement: replacement.into(),
            also: Vec::new(),
            applicability,
        });
        self
    }

    /// [`Diagnostic::suggest`] for a fix of several edits applied together;
    /// renderers show `first`.
    #[must_use = "a diagnostic built and dropped is a lost error"]
    pub fn suggest_edits(
        mut self,
        message: impl Into<String>,
        first: Edit,
        also: Vec<Edit>,
        applicability: Applicability,
    ) -> Diagnostic {
        self.suggestions.push(Suggestion {
            message: message.into(),
            span: first.span,
            replacement: first.replacement,
            also,
            applicability,
        });
        self
    }

    pub fn span(&self) -> Span {
        self.primary.span
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics into source order (then by code), the order `check` prints them.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end, d.code));
}
