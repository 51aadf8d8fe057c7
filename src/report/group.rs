//! `--group-by message`: findings gathered per mail message, so a nightly job can list the
//! messages holding personal data (and an admin can find and delete them).
//!
//! A message is the outermost `message` step of a finding's location: a finding in an
//! attachment, or in a message forwarded inside it, belongs to the message that was sent and
//! would be deleted. Findings outside any message are not grouped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Finding;
use crate::detect::Severity;
use crate::location::{Location, Step};

/// One message with personal data in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageGroup {
    /// The mailbox or mail store on disk.
    pub path: String,
    /// The steps from the file to the message, ending with its `message` step.
    pub location: Location,
    /// Number of findings in the message, its parts and attachments.
    pub findings: u64,
    /// Findings per category.
    pub findings_by_category: BTreeMap<String, u64>,
    /// The most serious finding's severity.
    pub highest_severity: Severity,
}

/// Gathers findings per message, in any order; memory grows with the number of messages that
/// have findings, not with the number of findings.
#[derive(Debug, Default)]
pub struct MessageGrouper {
    groups: BTreeMap<(String, Location), MessageGroup>,
}

impl MessageGrouper {
    /// Counts `finding` towards its message, if it is inside one.
    pub fn add(&mut self, finding: &Finding) {
        let Some(message) = message_of(&finding.location) else {
            return;
        };
        let group = self
            .groups
            .entry((finding.path.clone(), message.clone()))
            .or_insert_with(|| MessageGroup {
                path: finding.path.clone(),
                location: message,
                findings: 0,
                findings_by_category: BTreeMap::new(),
                highest_severity: finding.severity,
            });
        group.findings += 1;
        *group
            .findings_by_category
            .entry(finding.category.clone())
            .or_default() += 1;
        group.highest_severity = group.highest_severity.max(finding.severity);
    }

    /// The groups, ordered by file and position in it.
    pub fn finish(self) -> Vec<MessageGroup> {
        self.groups.into_values().collect()
    }
}

/// The location of the outermost message containing `location`, if any.
pub fn message_of(location: &Location) -> Option<Location> {
    let end = location
        .steps()
        .iter()
        .position(|s| matches!(s, Step::Message { .. }))?;
    Some(Location(location.steps()[..=end].to_vec()))
}

/// Groups already collected findings.
pub fn group_by_message(findings: &[Finding]) -> Vec<MessageGroup> {
    let mut grouper = MessageGrouper::default();
    for f in findings {
        grouper.add(f);
    }
    grouper.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(index: u64) -> Step {
        Step::Message {
            index: Some(index),
            message_id: Some(format!("m{index}@example.no")),
            date: None,
            from: None,
            subject: Some("Søknad".into()),
            folder: None,
        }
    }

    fn finding(path: &str, steps: Vec<Step>, category: &str, severity: Severity) -> Finding {
        Finding {
            rule: "r".into(),
            category: category.into(),
            kind: None,
            severity,
            confidence: 1.0,
            path: path.into(),
            location: Location(steps),
            value: "*".into(),
            fingerprint: "f".into(),
            context: String::new(),
            related: None,
        }
    }

    #[test]
    fn findings_group_under_the_outermost_message() {
        let line = Step::Line { line: 1, column: 1 };
        let attachment = Step::Attachment {
            filename: "fwd.eml".into(),
        };
        let findings = vec![
            finding(
                "a.mbox",
                vec![message(2), line.clone()],
                "email",
                Severity::Medium,
            ),
            // In a forwarded message inside message 2: still message 2.
            finding(
                "a.mbox",
                vec![message(2), attachment, message(1), line.clone()],
                "national_id",
                Severity::High,
            ),
            finding(
                "a.mbox",
                vec![message(1), line.clone()],
                "phone",
                Severity::Medium,
            ),
            // Same message number in another mailbox is another message.
            finding(
                "b.mbox",
                vec![message(2), line.clone()],
                "phone",
                Severity::Low,
            ),
            // Not in a message: not grouped.
            finding("notes.txt", vec![line], "phone", Severity::Medium),
        ];
        let groups = group_by_message(&findings);
        let summary: Vec<(String, String, u64, Severity)> = groups
            .iter()
            .map(|g| {
                (
                    g.path.clone(),
                    g.location.to_string(),
                    g.findings,
                    g.highest_severity,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "a.mbox".to_string(),
                    "message #1 <m1@example.no> \"Søknad\"".to_string(),
                    1,
                    Severity::Medium
                ),
                (
                    "a.mbox".to_string(),
                    "message #2 <m2@example.no> \"Søknad\"".to_string(),
                    2,
                    Severity::High
                ),
                (
                    "b.mbox".to_string(),
                    "message #2 <m2@example.no> \"Søknad\"".to_string(),
                    1,
                    Severity::Low
                ),
            ]
        );
        assert_eq!(
            groups[1].findings_by_category,
            BTreeMap::from([("email".to_string(), 1), ("national_id".to_string(), 1)])
        );
    }
}
