//! Documents the server points editors at that are not the user's files:
//! the prelude's `.tsy` sources (go to definition of `nn.Conv2d`) and the
//! explanations of the codes (a diagnostic's `codeDescription`). They are
//! written once into a folder of their own and made read-only, so every
//! client opens them as plain files and none edits them.

use std::path::{Path, PathBuf};

use lsp_types::Uri;

use crate::diag::Code;

/// Where the documents go: `$XDG_CACHE_HOME/tsy/lsp-VERSION`, else
/// `$HOME/.cache/tsy/lsp-VERSION`, else the temporary folder's.
pub fn default_folder() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("tsy").join(format!("lsp-{}", env!("CARGO_PKG_VERSION")))
}

/// The URI of a prelude file (`<prelude>/torch/nn/modules/conv.tsy`) with
/// `text`, written under `folder` if it is not there yet.
pub(super) fn prelude(folder: &Path, name: &str, text: &str) -> Option<Uri> {
    let relative = name.strip_prefix("<prelude>/")?;
    if relative.split('/').any(|part| part.is_empty() || part == "..") {
        return None;
    }
    read_only(&folder.join("prelude").join(relative), text)
}

/// The URI of the explanation of `code` (`tsc explain`'s text, as Markdown).
pub(super) fn explanation(folder: &Path, code: Code) -> Option<Uri> {
    read_only(&folder.join("explain").join(format!("{code}.md")), code.explanation())
}

/// Writes `text` to `path` unless it holds it already, read-only.
fn read_only(path: &Path, text: &str) -> Option<Uri> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent()?).ok()?;
        if let Ok(metadata) = std::fs::metadata(path) {
            let mut permissions = metadata.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(path, permissions).ok()?;
        }
        std::fs::write(path, text).ok()?;
        let mut permissions = std::fs::metadata(path).ok()?.permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(path, permissions).ok()?;
    }
    super::text::uri(path)
}
