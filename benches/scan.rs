//! Throughput benchmarks on the generated corpus (`benches/corpus.rs`):
//!
//! * `engine`: [`Engine::scan`] over an in-memory corpus string, one thread;
//! * `pipeline`: [`Scanner::scan`] over a corpus written to a temporary directory (walk, read,
//!   UTF-8 check, detect, fingerprint, collect), all cores and one thread.
//!
//! `cargo bench --bench scan` uses a 20 MB string and a 64 MB directory; under `cargo test`
//! (no `--bench` argument) each benchmark runs once on a small corpus.

#[path = "corpus.rs"]
mod corpus;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use sporhund::detect::{Engine, RuleSet};
use sporhund::report::fingerprint::Fingerprinter;
use sporhund::report::{Collector, Header, Tool, SCHEMA_VERSION};
use sporhund::scan::{FindingOptions, Progress, Scanner};
use sporhund::walk::WalkOptions;

const SEED: u64 = 42;

/// True under `cargo bench`; `cargo test` runs the benchmarks once, on small inputs.
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn engine() -> Engine {
    Engine::new(&RuleSet::builtin().expect("built-in rules")).expect("rules compile")
}

fn engine_only(c: &mut Criterion) {
    let bytes = if bench_mode() { 20 << 20 } else { 256 << 10 };
    let doc = corpus::generate(SEED, bytes);
    let engine = engine();
    let mut scratch = engine.scratch();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(doc.text.len() as u64));
    group.sample_size(10);
    group.bench_function("scan_1_thread", |b| {
        b.iter(|| {
            let mut n = 0usize;
            engine.scan(&doc.text, doc.text.len(), &mut scratch, |_| n += 1);
            n
        })
    });
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (bytes, files) = if bench_mode() {
        (64 << 20, (2 << 20, 6 << 20))
    } else {
        (512 << 10, (96 << 10, 160 << 10))
    };
    let manifest = corpus::write_corpus(dir.path(), bytes, SEED, files).expect("corpus written");
    let scanner = Scanner::new(
        engine(),
        Fingerprinter::from_secret("bench"),
        FindingOptions::default(),
    );
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(manifest.bytes));
    group.sample_size(10);
    for (name, threads) in [("scan_dir_all_cores", 0), ("scan_dir_1_thread", 1)] {
        let walk = WalkOptions {
            roots: vec![dir.path().to_path_buf()],
            excludes: vec!["manifest.json".into()],
            threads,
            ..WalkOptions::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut sink = Collector::new(Header {
                    schema_version: SCHEMA_VERSION.into(),
                    tool: Tool::current(),
                    roots: vec![dir.path().display().to_string()],
                    started_at: "2026-11-07T00:00:00Z".into(),
                });
                let (summary, _) = scanner
                    .scan(&walk, &mut sink, &Progress::default())
                    .expect("scan");
                assert_eq!(summary.findings, manifest.expected_total());
                sink
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    targets = engine_only, pipeline
}
criterion_main!(benches);
