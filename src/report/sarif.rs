//! SARIF 2.1.0 (`--format sarif`), for code-scanning dashboards and CI annotations.
//!
//! - Each rule is a `reportingDescriptor` (id, name, description, default level, and a
//!   `security-severity` that GitHub code scanning ranks by).
//! - Each finding is a `result`: level from severity (critical and high → error, medium →
//!   warning, low and info → note), a message with the masked value, and one location whose
//!   `physicalLocation` names the file on disk relative to its scan root (`uriBaseId` `ROOT0`,
//!   `ROOT1` … for each root, resolved in `originalUriBaseIds`), with a `region` when the value
//!   is on a known line of that file.
//! - A value inside a container (zip entry › sheet cell, message › attachment › page) keeps
//!   the file as its physical location; the whole step path is its logical location
//!   (`fullyQualifiedName` such as `entry lønn.xlsx › Ark1!B7`) and, as data, the
//!   `properties.location` steps of the JSON report. Archive members and attachments are
//!   nested `artifacts` (`parentIndex` → the container), referenced by
//!   `properties.memberArtifactIndex`.
//! - `partialFingerprints` carry the keyed value fingerprint and the baseline identity, so
//!   dashboards track a finding across runs without learning the value.
//! - Files that could not be scanned are `toolExecutionNotifications` of the invocation.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::roots::Roots;
use super::{Finding, Report};
use crate::detect::{Rule, Severity};
use crate::location::{Location, Step};

/// The official schema's address (the errata 01 OASIS standard).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// What a SARIF log needs besides the report.
pub struct SarifInput<'a> {
    /// Every rule the scan ran with.
    pub rules: &'a [&'a Rule],
    /// The scan roots (findings' paths are made relative to them).
    pub roots: &'a Roots,
    /// The baseline identity of a finding (`partialFingerprints`).
    pub identity: &'a dyn Fn(&Finding) -> String,
}

/// Writes `report` as a SARIF 2.1.0 log with one run (compact JSON). Results are written one
/// at a time, so memory holds the report and the artifact list, not a tree of the whole log.
pub fn write_report(
    report: &Report,
    input: &SarifInput<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rule_index: HashMap<&str, usize> = input
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let rules: Vec<Value> = input.rules.iter().map(|r| descriptor(r)).collect();
    let driver = json!({ "driver": {
        "name": report.header.tool.name,
        "version": report.header.tool.version,
        "semanticVersion": report.header.tool.version,
        "rules": rules,
    }});
    write!(
        out,
        "{{\"$schema\":{},\"version\":\"2.1.0\",\"runs\":[{{\"tool\":",
        Value::from(SCHEMA_URI)
    )?;
    serde_json::to_writer(&mut *out, &driver)?;
    out.write_all(b",\"results\":[")?;
    let mut artifacts = Artifacts::default();
    // Each result is serialised into memory, then written at once: serialising into `out`
    // itself made a call through `dyn Write` for every quote, key and comma.
    let mut text = Vec::new();
    for (n, f) in report.findings.iter().enumerate() {
        text.clear();
        if n > 0 {
            text.push(b',');
        }
        let index = rule_index.get(f.rule.as_str()).copied();
        let r = result(f, index.map(|i| (i, input.rules[i])), input, &mut artifacts);
        serde_json::to_writer(&mut text, &r)?;
        out.write_all(&text)?;
    }
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": e.message },
                "locations": [location(&e.path, &e.location, input.roots, &mut artifacts)],
            })
        })
        .collect();
    let bases: Map<String, Value> = input
        .roots
        .paths()
        .iter()
        .enumerate()
        .map(|(i, root)| (base_id(i), base_uri(root)))
        .collect();
    let rest = json!({
        "invocations": [{
            "executionSuccessful": report.summary.complete,
            "startTimeUtc": report.header.started_at,
            "toolExecutionNotifications": notifications,
        }],
        "originalUriBaseIds": bases,
        "artifacts": artifacts.list,
        "columnKind": "unicodeCodePoints",
        "properties": { "summary": report.summary },
    });
    // The remaining run properties, spliced in after the results.
    let rest = serde_json::to_string(&rest)?;
    out.write_all(b"],")?;
    out.write_all(&rest.as_bytes()[1..])?;
    out.write_all(b"]}\n")
}

/// One finding as a SARIF `result`.
fn result<'a>(
    f: &'a Finding,
    rule: Option<(usize, &Rule)>,
    input: &SarifInput<'_>,
    artifacts: &'a mut Artifacts,
) -> SarifResult<'a> {
    SarifResult {
        level: level(f.severity),
        message: Text {
            text: message(f, rule.map(|(_, r)| r)),
        },
        partial_fingerprints: PartialFingerprints {
            finding_identity: (input.identity)(f),
            value_fingerprint: &f.fingerprint,
        },
        properties: ResultProperties {
            category: &f.category,
            // Two decimals, as in the JSON report (not f32 widened to f64).
            confidence: (f64::from(f.confidence) * 100.0).round() / 100.0,
            kind: f.kind.as_deref(),
            severity: f.severity,
        },
        rule_id: &f.rule,
        rule_index: rule.map(|(i, _)| i),
        locations: [location(
            f.path.as_str(),
            &f.location,
            input.roots,
            artifacts,
        )],
    }
}

// The SARIF objects written for every result, serialised straight from borrowed fields
// instead of built as `Value` trees (a map allocated and freed per object). Members are
// declared in the order serde_json's `Map` sorts keys, so the log is byte for byte what the
// `Value`s gave.

/// A `result`.
#[derive(Serialize)]
struct SarifResult<'a> {
    level: &'static str,
    locations: [SarifLocation<'a>; 1],
    message: Text,
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: PartialFingerprints<'a>,
    properties: ResultProperties<'a>,
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

/// A `message`.
#[derive(Serialize)]
struct Text {
    text: String,
}

/// A result's `partialFingerprints`.
#[derive(Serialize)]
struct PartialFingerprints<'a> {
    #[serde(rename = "findingIdentity/v1")]
    finding_identity: String,
    #[serde(rename = "valueFingerprint/v1")]
    value_fingerprint: &'a str,
}

/// A result's `properties`.
#[derive(Serialize)]
struct ResultProperties<'a> {
    category: &'a str,
    confidence: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    severity: Severity,
}

/// A `location` (see [`location`]).
#[derive(Serialize)]
struct SarifLocation<'a> {
    #[serde(rename = "logicalLocations", skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation; 1]>,
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<LocationProperties>,
}

/// A `logicalLocation`.
#[derive(Serialize)]
struct LogicalLocation {
    #[serde(rename = "fullyQualifiedName")]
    fully_qualified_name: String,
    kind: &'static str,
    name: String,
}

/// A `physicalLocation`.
#[derive(Serialize)]
struct PhysicalLocation<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

/// An `artifactLocation`: in a result with the artifact's index, in the artifact list without.
#[derive(Serialize)]
struct ArtifactLocation<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    uri: &'a str,
    #[serde(rename = "uriBaseId", skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'a str>,
}

/// A `region`: a line and column.
#[derive(Serialize)]
struct Region {
    #[serde(rename = "startColumn")]
    start_column: u64,
    #[serde(rename = "startLine")]
    start_line: u64,
}

/// A location's `properties`: the steps as in the JSON report (as a `Value`, whose keys
/// serde_json sorts as it always did here) and the member artifact.
#[derive(Serialize)]
struct LocationProperties {
    location: Value,
    #[serde(
        rename = "memberArtifactIndex",
        skip_serializing_if = "Option::is_none"
    )]
    member_artifact_index: Option<usize>,
}

/// The SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` (0–10) for a severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// A rule as a `reportingDescriptor`.
fn descriptor(r: &Rule) -> Value {
    let mut d = json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.name },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "category": r.category,
            "tags": ["privacy", r.category],
            "security-severity": security_severity(r.severity),
        },
    });
    if !r.description.is_empty() {
        d["fullDescription"] = json!({ "text": r.description });
    }
    d
}

/// The result message: rule name, sub-type and the (masked) value.
fn message(f: &Finding, rule: Option<&Rule>) -> String {
    let name = rule.map_or(f.rule.as_str(), |r| r.name.as_str());
    let value: String = f
        .value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match &f.kind {
        Some(kind) => format!("{name} ({kind}): {value}"),
        None => format!("{name}: {value}"),
    }
}

/// The `uriBaseId` of root `i`.
fn base_id(i: usize) -> String {
    format!("ROOT{i}")
}

/// The absolute `file:` URI of a root's directory (a file root: its directory).
fn base_uri(root: &Path) -> Value {
    let dir = match root.canonicalize() {
        Ok(p) if p.is_file() => p.parent().map(Path::to_path_buf).unwrap_or(p),
        Ok(p) => p,
        Err(_) => return json!({ "description": { "text": root.display().to_string() } }),
    };
    let mut uri = format!("file://{}", encode(&dir.to_string_lossy()));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    json!({ "uri": uri, "description": { "text": root.display().to_string() } })
}

/// Percent-encodes a path for a URI reference (keeps unreserved characters and `/`).
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The run's `artifacts`: files on disk and, nested in them, archive members and attachments.
#[derive(Default)]
struct Artifacts {
    list: Vec<Value>,
    index: HashMap<(Option<usize>, String), usize>,
    /// The file of the last result: the next results are mostly in the same file.
    last: Option<FileArtifact>,
}

/// A file on disk as its results' locations name it.
struct FileArtifact {
    /// The path as reported.
    path: String,
    /// The root it was found under.
    root: Option<usize>,
    /// Its path relative to that root.
    relative: String,
    /// `relative`, percent-encoded.
    uri: String,
    /// The `uriBaseId` of its root.
    base: Option<String>,
    /// Its index in the artifact list.
    index: usize,
}

impl FileArtifact {
    /// Its `artifactLocation`, with `index` or (in the artifact list) without.
    fn location(&self, index: Option<usize>) -> ArtifactLocation<'_> {
        ArtifactLocation {
            index,
            uri: &self.uri,
            uri_base_id: self.base.as_deref(),
        }
    }
}

impl Artifacts {
    fn get(&mut self, key: (Option<usize>, String), make: impl FnOnce() -> Value) -> usize {
        let next = self.list.len();
        *self.index.entry(key).or_insert_with(|| {
            self.list.push(make());
            next
        })
    }

    /// The artifact of the file at `path`, listed when new. The last one is kept: a file's
    /// results come together, and its relative path, encoding and lookup cost more than the
    /// rest of a result's location.
    fn file(&mut self, path: &str, roots: &Roots) -> &FileArtifact {
        if self.last.as_ref().is_some_and(|f| f.path == path) {
            return self.last.as_ref().expect("just checked");
        }
        let (root, relative) = roots.relative(Path::new(path));
        let mut file = FileArtifact {
            path: path.to_string(),
            root,
            uri: encode(&relative),
            base: root.map(base_id),
            relative,
            index: 0,
        };
        let listed = json!({ "location": file.location(None), "roles": ["analysisTarget"] });
        file.index = self.get((root, file.relative.clone()), || listed);
        self.last.insert(file)
    }
}

/// A result's location: see the module docs.
fn location<'a>(
    path: &str,
    loc: &Location,
    roots: &Roots,
    artifacts: &'a mut Artifacts,
) -> SarifLocation<'a> {
    let file = artifacts.file(path, roots);
    let (root, file_index) = (file.root, file.index);
    let mut member = None;
    // The key of the innermost member so far, made on the first member step.
    let mut key: Option<String> = None;
    for step in loc.steps() {
        if let Step::Entry { name: member_name }
        | Step::Attachment {
            filename: member_name,
        } = step
        {
            let key = key.get_or_insert_with(|| {
                let file = artifacts.last.as_ref().expect("the file just looked up");
                file.relative.clone()
            });
            key.push('\0');
            key.push_str(member_name);
            let parent = member.unwrap_or(file_index);
            member = Some(artifacts.get(
                (root, key.clone()),
                || json!({ "location": { "uri": encode(member_name) }, "parentIndex": parent }),
            ));
        }
    }
    let region = match loc.steps() {
        [Step::Line { line, column }] => Some(Region {
            start_column: *column,
            start_line: *line,
        }),
        _ => None,
    };
    let (logical_locations, properties) = match loc.is_root() {
        true => (None, None),
        false => {
            // Named after the innermost step that is not just a line and column.
            let last = loc
                .steps()
                .iter()
                .rev()
                .find(|s| !matches!(s, Step::Line { .. }))
                .or(loc.steps().last())
                .map(ToString::to_string)
                .unwrap_or_default();
            let logical = LogicalLocation {
                fully_qualified_name: loc.to_string(),
                kind: "element",
                name: last,
            };
            let properties = LocationProperties {
                location: serde_json::to_value(loc).expect("steps serialise"),
                member_artifact_index: member,
            };
            (Some([logical]), Some(properties))
        }
    };
    let file = artifacts.last.as_ref().expect("the file just looked up");
    SarifLocation {
        logical_locations,
        physical_location: PhysicalLocation {
            artifact_location: file.location(Some(file_index)),
            region,
        },
        properties,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode("a b/æ.txt"), "a%20b/%C3%A6.txt");
        assert_eq!(encode("x#1?.pdf"), "x%231%3F.pdf");
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Info), "note");
    }
}
