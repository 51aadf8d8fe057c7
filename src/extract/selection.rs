//! Which sources and messages the user asked for, beyond the walk's own filters
//! (`--older-than`). Carried by the [`Dispatcher`](super::Dispatcher) so every extractor sees
//! the same cut-off.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Format, Input};

/// What to scan of the files the walk finds.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only what is older than this instant: messages by their `Date` header, other files on
    /// disk by their modification time. `None` scans everything.
    pub older_than: Option<SystemTime>,
}

impl Selection {
    /// Why a file on disk of `format` is left out, or `None` to scan it. Mailboxes are never
    /// left out by modification time (new mail changes it): their messages are selected one by
    /// one with [`Selection::keeps_message`].
    pub fn leaves_out_file(&self, input: Input<'_>, format: Format) -> Option<String> {
        let cutoff = self.older_than?;
        let Input::File(path) = input else {
            return None;
        };
        if format.is_mail() {
            return None;
        }
        let modified = std::fs::metadata(path).ok()?.modified().ok()?;
        (modified >= cutoff).then(|| "modified more recently than --older-than".to_string())
    }

    /// True when a message sent at `sent` (seconds since the Unix epoch; `None` when it has no
    /// readable `Date` header) is to be scanned. Messages without a usable date are kept: a
    /// scan must not miss data because a header is broken.
    pub fn keeps_message(&self, sent: Option<i64>) -> bool {
        let (Some(cutoff), Some(sent)) = (self.older_than, sent) else {
            return true;
        };
        let cutoff = match cutoff.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        };
        sent < cutoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn messages_are_kept_when_older_or_undated() {
        let all = Selection::default();
        assert!(all.keeps_message(Some(i64::MAX)));
        let old = Selection {
            older_than: Some(UNIX_EPOCH + Duration::from_secs(1_000)),
        };
        assert!(old.keeps_message(Some(999)));
        assert!(!old.keeps_message(Some(1_000)));
        assert!(old.keeps_message(None));
    }

    #[test]
    fn files_by_modification_time_but_never_mailboxes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "hei").unwrap();
        let sel = Selection {
            older_than: Some(SystemTime::now() - Duration::from_secs(3600)),
        };
        let input = Input::File(&path);
        assert_eq!(
            sel.leaves_out_file(input, Format::Text).as_deref(),
            Some("modified more recently than --older-than")
        );
        assert_eq!(sel.leaves_out_file(input, Format::Mbox), None);
        assert_eq!(
            Selection::default().leaves_out_file(input, Format::Text),
            None
        );
        assert_eq!(sel.leaves_out_file(Input::Bytes(b"x"), Format::Text), None);
    }
}
