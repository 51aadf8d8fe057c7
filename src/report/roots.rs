//! Scan roots, and file paths relative to them: the same file gets the same name whichever
//! directory a checkout or share is mounted in (baselines, allowlists and SARIF rely on it).

use std::path::{Component, Path, PathBuf};

/// The roots of one scan, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots(Vec<PathBuf>);

impl Roots {
    /// The roots of a scan.
    pub fn new(roots: Vec<PathBuf>) -> Self {
        Roots(roots)
    }

    /// The roots, in the order given.
    pub fn paths(&self) -> &[PathBuf] {
        &self.0
    }

    /// The index of the root `path` was found under, and `path` relative to that root with `/`
    /// separators. A root that is itself a file gives its file name; a path under no root is
    /// returned whole (root index `None`).
    pub fn relative(&self, path: &Path) -> (Option<usize>, String) {
        let best = self
            .0
            .iter()
            .enumerate()
            .filter_map(|(i, root)| {
                let rest = path.strip_prefix(root).ok()?;
                Some((i, root.components().count(), rest))
            })
            .max_by_key(|&(_, depth, _)| depth);
        match best {
            Some((i, _, rest)) if rest.as_os_str().is_empty() => (
                Some(i),
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            Some((i, _, rest)) => (Some(i), slash_path(rest)),
            None => (None, slash_path(path)),
        }
    }
}

/// `path`'s normal components joined by `/` (`.` and a leading `/` dropped).
fn slash_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_to_the_deepest_matching_root() {
        let roots = Roots::new(vec![
            PathBuf::from("."),
            PathBuf::from("/srv/share"),
            PathBuf::from("/srv/share/hr"),
            PathBuf::from("one/file.txt"),
        ]);
        assert_eq!(
            roots.relative(Path::new("./a/b.txt")),
            (Some(0), "a/b.txt".to_string())
        );
        assert_eq!(
            roots.relative(Path::new("/srv/share/x.pdf")),
            (Some(1), "x.pdf".to_string())
        );
        assert_eq!(
            roots.relative(Path::new("/srv/share/hr/cv.docx")),
            (Some(2), "cv.docx".to_string())
        );
        assert_eq!(
            roots.relative(Path::new("one/file.txt")),
            (Some(3), "file.txt".to_string())
        );
        assert_eq!(
            roots.relative(Path::new("/elsewhere/y")),
            (None, "elsewhere/y".to_string())
        );
    }
}
