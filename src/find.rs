//! The subject-search pipeline (`sporhund find`): the same walk, dispatcher and workers as
//! [`crate::scan`], but each file's segments go through the [`SubjectMatcher`] (and the rule
//! engine, to see other people's identifiers) and come out as [`Place`]s: hits grouped by the
//! innermost container (file, archive member, message, attachment) and graded by strength.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::detect::subject::strength::{
    hit_strength, name_hit_note, notes, place_strength, Others,
};
use crate::detect::subject::{Identifier, SubjectMatcher};
use crate::detect::{Engine, Scratch};
use crate::extract::{Dispatcher, ExtractError, Limits, Segment, SegmentSink};
use crate::location::{Location, Step};
use crate::report::find::{FindCollector, Hit, Place, MAX_HITS_LISTED};
use crate::report::mask::snippet_keeping;
use crate::report::{FileError, Summary};
use crate::scan::{collect, run_walk, shown_path, FileResult, LineIndex, Outbox, Progress};
use crate::walk::{FileStat, WalkOptions};

/// Other people's identifiers below this confidence are ignored for namesake notes (the
/// scan's default threshold).
const MIN_CONFIDENCE: f32 = 0.5;

/// Most distinct other identifiers remembered per place (enough to count "several").
const MAX_OTHERS: usize = 64;

/// Everything a subject search needs, shared by the worker threads.
#[derive(Debug)]
pub struct Finder {
    /// The built-in rules, to recognise (and mask) other people's identifiers.
    pub engine: Engine,
    /// Format dispatcher.
    pub dispatcher: Dispatcher,
    /// The subjects.
    pub matcher: SubjectMatcher,
}

impl Finder {
    /// A finder with the default limits.
    pub fn new(engine: Engine, matcher: SubjectMatcher) -> Self {
        Finder {
            engine,
            dispatcher: Dispatcher::new(Limits::default()),
            matcher,
        }
    }

    /// Searches everything under `walk_options.roots`; returns the walk's totals and the
    /// duration in seconds (the collector builds the report from them).
    pub fn find(
        &self,
        walk_options: &WalkOptions,
        sink: &mut FindCollector,
        progress: &Progress,
    ) -> std::io::Result<(Summary, f64)> {
        let work = |path: &Path, _: &FileStat, scratch: &mut Scratch, out: &Outbox<Place>| {
            self.find_file(path, scratch, out)
        };
        run_walk(walk_options, &self.engine, &work, sink, progress)
    }

    /// Searches one file, sending each place where a subject appears to `out`.
    pub fn find_file(&self, path: &Path, scratch: &mut Scratch, out: &Outbox<Place>) -> FileResult {
        let mut sink = PlaceSink::new(self, shown_path(path), scratch, out);
        let outcome = self.dispatcher.extract_file(path, &mut sink);
        sink.flush();
        outcome
    }

    /// Searches a source held in memory as if it were a file named `name` (for tests and
    /// embedding); returns its places and errors.
    pub fn find_bytes(&self, data: &[u8], name: &str) -> (Vec<Place>, Vec<FileError>) {
        let mut scratch = self.engine.scratch();
        collect(|out| {
            let mut sink = PlaceSink::new(self, name.to_string(), &mut scratch, out);
            if let Err(e) = self.dispatcher.extract_bytes(data, name, &mut sink) {
                out.error(FileError {
                    path: name.to_string(),
                    location: Location::root(),
                    message: e.to_string(),
                });
            }
            sink.flush();
        })
    }
}

/// A hit before the place's strength is known.
struct PendingHit {
    identifier: Identifier,
    value: usize,
    written: String,
    variant: Vec<&'static str>,
    location: Location,
    context: String,
}

/// One subject's hits in one place.
#[derive(Default)]
struct SubjectHits {
    hits: Vec<PendingHit>,
    counts: BTreeMap<Identifier, u64>,
}

/// What one place holds so far.
#[derive(Default)]
struct PlaceState {
    subjects: BTreeMap<usize, SubjectHits>,
    fnr: BTreeSet<String>,
    email: BTreeSet<String>,
}

/// Receives one file's segments and groups the subjects' hits by place.
struct PlaceSink<'a> {
    finder: &'a Finder,
    path: String,
    scratch: &'a mut Scratch,
    out: &'a Outbox<Place>,
    places: BTreeMap<Location, PlaceState>,
    /// The place of the last segment: a place left without hits is dropped when the next
    /// begins, so memory follows the places found, not the places read.
    current: Option<Location>,
}

impl<'a> PlaceSink<'a> {
    fn new(
        finder: &'a Finder,
        path: String,
        scratch: &'a mut Scratch,
        out: &'a Outbox<Place>,
    ) -> Self {
        PlaceSink {
            finder,
            path,
            scratch,
            out,
            places: BTreeMap::new(),
            current: None,
        }
    }

    /// Grades every place with hits and hands it over.
    fn flush(self) {
        let subjects = self.finder.matcher.subjects();
        for (location, state) in self.places {
            for (s, found) in state.subjects {
                let subject = &subjects[s];
                let n = &subject.normalized;
                let has_id = found.counts.keys().any(|i| *i != Identifier::Name);
                let has_name = found.counts.contains_key(&Identifier::Name);
                let others = Others {
                    fnr: if n.fnr.is_empty() {
                        0
                    } else {
                        state.fnr.iter().filter(|f| !n.fnr.contains(f)).count()
                    },
                    email: if n.email.is_empty() {
                        0
                    } else {
                        state.email.iter().filter(|e| !n.email.contains(e)).count()
                    },
                };
                let namesake = name_hit_note(has_id, others);
                let hits = found
                    .hits
                    .into_iter()
                    .map(|h| Hit {
                        identifier: h.identifier,
                        value: subject
                            .subject
                            .values(h.identifier)
                            .get(h.value)
                            .cloned()
                            .unwrap_or_default(),
                        written: h.written,
                        variant: h.variant.into_iter().map(str::to_string).collect(),
                        strength: hit_strength(h.identifier, has_id),
                        note: (h.identifier == Identifier::Name)
                            .then(|| namesake.clone())
                            .flatten(),
                        location: h.location,
                        context: h.context,
                    })
                    .collect();
                self.out.item(Place {
                    subject: subject.label.clone(),
                    path: self.path.clone(),
                    location: location.clone(),
                    strength: place_strength(has_id),
                    counts: found.counts,
                    hits,
                    notes: notes(has_name, has_id, others),
                });
            }
        }
    }
}

impl SegmentSink for PlaceSink<'_> {
    fn text(&mut self, segment: Segment<'_>) {
        let finder = self.finder;
        let place = segment.location.container();
        if self.current.as_ref() != Some(&place) {
            if let Some(previous) = self.current.take() {
                if self
                    .places
                    .get(&previous)
                    .is_some_and(|p| p.subjects.is_empty())
                {
                    self.places.remove(&previous);
                }
            }
            self.current = Some(place.clone());
        }
        let in_cell = matches!(
            segment.location.steps().last(),
            Some(Step::Cell { .. } | Step::Record { .. })
        );
        let matches = finder
            .matcher
            .find(segment.text, segment.report_before, in_cell);
        let mut detected = Vec::new();
        finder
            .engine
            .scan(segment.text, segment.report_before, self.scratch, |d| {
                if d.confidence >= MIN_CONFIDENCE {
                    detected.push(d);
                }
            });
        let state = self.places.entry(place).or_default();
        for d in &detected {
            let category = finder.engine.rules()[d.rule].rule.category.as_str();
            let set = match category {
                "national_id" => &mut state.fnr,
                "email" => &mut state.email,
                _ => continue,
            };
            if set.len() < MAX_OTHERS {
                set.insert(d.normalized.clone());
            }
        }
        if matches.is_empty() {
            return;
        }
        let mut lines = LineIndex::default();
        for m in &matches {
            // The subject's own values stay readable; everything else detected is masked.
            let keep: Vec<(usize, usize)> = matches
                .iter()
                .filter(|o| o.subject == m.subject)
                .map(|o| (o.start, o.end))
                .collect();
            let others: Vec<(usize, usize)> = detected
                .iter()
                .map(|d| (d.start, d.end))
                .filter(|&(s, e)| !keep.iter().any(|&(ks, ke)| ks <= s && e <= ke))
                .collect();
            let location = lines.location(&segment, m.start);
            let found = state.subjects.entry(m.subject).or_default();
            *found.counts.entry(m.identifier).or_default() += 1;
            if found.hits.len() < MAX_HITS_LISTED {
                found.hits.push(PendingHit {
                    identifier: m.identifier,
                    value: m.value,
                    written: segment.text[m.start..m.end]
                        .chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect(),
                    variant: m.variant.clone(),
                    location,
                    context: snippet_keeping(segment.text, m.start, m.end, &keep, &others),
                });
            }
        }
    }

    fn error(&mut self, location: &Location, error: &ExtractError) {
        self.out.error_at(&self.path, location, error);
    }

    fn skipped(&mut self, location: &Location, reason: &str) {
        self.out.skipped_at(&self.path, location, reason);
    }
}
