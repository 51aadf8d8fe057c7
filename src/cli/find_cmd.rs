//! `sporhund find`: subject search for access requests.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::progress::ProgressLine;
use super::shared::{exit_code, or_fatal};
use super::{OutputArgs, WalkArgs};
use crate::detect::subject::spec::load_file;
use crate::detect::subject::{Subject, SubjectMatcher};
use crate::detect::{Engine, RuleSet};
use crate::find::Finder;
use crate::report::find::{
    html, human, write_json, FindCollector, SearchedSubject, FIND_SCHEMA_VERSION,
};
use crate::scan::Progress;

/// Output formats of `find`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FindFormat {
    /// Text for people.
    Human,
    /// One JSON document (docs/find-report.schema.json).
    Json,
    /// A self-contained HTML report for the case file.
    Html,
}

/// Arguments of `find`.
#[derive(Debug, Args)]
pub struct FindArgs {
    #[command(flatten)]
    walk: WalkArgs,
    /// The person's full name, e.g. "Åse Mæland" or "Mæland, Åse"; repeatable.
    #[arg(long, value_name = "NAME")]
    name: Vec<String>,
    /// Fødselsnummer or D-number; repeatable.
    #[arg(long, value_name = "NUMBER")]
    fnr: Vec<String>,
    /// E-mail address; repeatable.
    #[arg(long, value_name = "ADDRESS")]
    email: Vec<String>,
    /// Phone number, any grouping, with or without +47; repeatable.
    #[arg(long, value_name = "NUMBER")]
    phone: Vec<String>,
    /// Another identifier (customer number, employee number …); repeatable.
    #[arg(long, value_name = "VALUE")]
    id: Vec<String>,
    /// Label for the subject given by --name/--fnr/--email/--phone/--id (e.g. a case number).
    #[arg(long, value_name = "LABEL")]
    label: Option<String>,
    /// Read subjects from FILE (TOML `[[subject]]` tables or JSON), each with a label;
    /// repeatable. All subjects are searched in one pass.
    #[arg(long = "subject", value_name = "FILE")]
    subject_files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FindFormat::Human)]
    format: FindFormat,
    #[command(flatten)]
    output: OutputArgs,
}

impl FindArgs {
    /// The subjects from the command line and the subject files.
    fn subjects(&self) -> Result<Vec<Subject>, String> {
        let mut subjects = Vec::new();
        let given = Subject {
            label: self.label.clone().unwrap_or_default(),
            name: self.name.clone(),
            fnr: self.fnr.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            id: self.id.clone(),
        };
        if given != Subject::default() {
            subjects.push(given);
        }
        for f in &self.subject_files {
            subjects.extend(load_file(f).map_err(|e| e.to_string())?);
        }
        if subjects.is_empty() {
            return Err("nothing to search for: give --name, --fnr, --email, --phone, --id or --subject FILE".into());
        }
        Ok(subjects)
    }
}

pub(super) fn run(args: FindArgs) -> i32 {
    or_fatal(find(args))
}

fn find(args: FindArgs) -> Result<i32, String> {
    args.walk.check_paths()?;
    let matcher = SubjectMatcher::new(args.subjects()?).map_err(|e| e.to_string())?;
    let rules = RuleSet::builtin().map_err(|e| e.to_string())?;
    let engine = Engine::new(&rules).map_err(|e| e.to_string())?;
    let searched = matcher
        .subjects()
        .iter()
        .map(|c| SearchedSubject::new(&c.label, &c.subject))
        .collect();
    let finder = Finder::new(engine, matcher);
    let walk = args.walk.options(&args.output);
    let mut collector = FindCollector::new(args.walk.header(FIND_SCHEMA_VERSION), searched);
    let mut out = args.output.open()?;
    let progress = Arc::new(Progress::default());
    let line = ProgressLine::start(progress.clone(), args.output.no_progress);
    let result = finder.find(&walk, &mut collector, &progress);
    line.finish();
    let (summary, seconds) = result.map_err(|e| e.to_string())?;
    let report = collector.finish(&summary, seconds);
    match args.format {
        FindFormat::Human => human::write_report(&report, &mut out),
        FindFormat::Json => write_json(&report, &mut out),
        FindFormat::Html => html::write_report(&report, &mut out),
    }
    .and_then(|()| out.finish())
    .map_err(|e| e.to_string())?;
    Ok(exit_code(
        report.summary.complete,
        report.summary.places > 0,
    ))
}
