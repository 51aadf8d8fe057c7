//! `sporhund allow-value`: prints the `[[allow.value]]` entry that allows a value, hashed
//! with the config's salt, so the value itself never goes into the file.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::{exit, RuleSourceArgs};
use crate::detect::Engine;
use crate::policy::allowlist::{new_salt, value_hash};
use crate::policy::config::{AllowedValue, Config, FILE_NAME};

/// Arguments of `allow-value`.
#[derive(Debug, Args)]
pub(super) struct AllowValueArgs {
    /// The value as it appears in files (`-` reads it from standard input, which keeps it out
    /// of the shell history).
    value: String,
    /// Only this rule (default: every rule the value is valid for).
    #[arg(long, value_name = "ID")]
    rule: Option<String>,
    /// The config whose salt to use.
    #[arg(long, value_name = "FILE", default_value = FILE_NAME)]
    config: PathBuf,
    /// A note stored with the entry (e.g. "our switchboard").
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    rules: RuleSourceArgs,
}

pub(super) fn run(args: AllowValueArgs) -> i32 {
    match entries(&args) {
        Ok(text) => {
            print!("{text}");
            exit::CLEAN
        }
        Err(e) => {
            eprintln!("sporhund: {e}");
            exit::FATAL
        }
    }
}

/// The text to paste into the config (a whole new config when the file does not exist).
fn entries(args: &AllowValueArgs) -> Result<String, String> {
    let value = if args.value == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("standard input: {e}"))?;
        s
    } else {
        args.value.clone()
    };
    let value = value.trim();
    let (salt, mut text) = if args.config.exists() {
        let config = Config::load(&args.config)?;
        let salt = config.allow.value_salt.ok_or_else(|| {
            format!(
                "{} has no value_salt: add `value_salt = \"{}\"` to its [allow] table and run \
                 this again",
                args.config.display(),
                new_salt()
            )
        })?;
        (salt, String::new())
    } else {
        eprintln!(
            "sporhund: {} does not exist yet: save this as {0}",
            args.config.display()
        );
        let salt = new_salt();
        let text = format!("[allow]\nvalue_salt = \"{salt}\"\n");
        (salt, text)
    };
    let engine =
        Engine::new(&args.rules.load().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let mut scratch = engine.scratch();
    let mut found: Vec<AllowedValue> = Vec::new();
    let wanted = |rule: &str| args.rule.as_ref().is_none_or(|r| r == rule);
    // The value alone, then (for rules that only trust a value next to a keyword, such as
    // bare organisation numbers) after each wanted rule's first context keyword.
    let keyworded = engine.rules().iter().filter_map(|r| {
        let keyword = r.rule.context.keywords.first()?;
        wanted(&r.rule.id).then(|| format!("{keyword} {value}"))
    });
    for text in std::iter::once(value.to_string()).chain(keyworded) {
        engine.scan(&text, text.len(), &mut scratch, |d| {
            let rule = &engine.rules()[d.rule].rule.id;
            let entry = AllowedValue {
                rule: rule.clone(),
                hash: value_hash(&salt, rule, &d.normalized),
                note: args.note.clone(),
            };
            if wanted(rule) && !found.contains(&entry) {
                found.push(entry);
            }
        });
        if !found.is_empty() {
            break;
        }
    }
    if found.is_empty() {
        return Err(match &args.rule {
            Some(r) => format!("the value is not a valid {r} value"),
            None => "no rule recognises the value".into(),
        });
    }
    for entry in found {
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            allow: Values<'a>,
        }
        #[derive(serde::Serialize)]
        struct Values<'a> {
            value: [&'a AllowedValue; 1],
        }
        let toml = toml::to_string(&Entry {
            allow: Values { value: [&entry] },
        })
        .map_err(|e| e.to_string())?;
        text.push('\n');
        text.push_str(&toml);
    }
    Ok(text)
}
