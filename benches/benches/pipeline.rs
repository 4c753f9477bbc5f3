//! Pipeline evaluation: the compiled engine against its floor (a hand-written function of
//! each standard deployment) and against the reference interpreter, in one run so the
//! ratios are meaningful (`benches/ratios.py` prints them).
//!
//! - `standard/{engine,engine-filter,handwritten,providers,reference}/<strategy>`: every
//!   request of a standard scenario table, through the whole deployment (MapOrg, then the
//!   post-authentication pipeline for IFD). `engine` is compiled as `compile` chooses
//!   (these small pipelines walk their steps), `engine-filter` forced to take the step
//!   filter; `handwritten` the same deployment written out by hand with the same provider
//!   calls (`crmauth_benches::handwritten`, tested to decide alike); `providers` only the
//!   provider calls of those evaluations, the part every evaluator shares. Requests are
//!   prepared beforehand, as the server does before its pipeline runs.
//! - `scaling/{engine-steps,engine-filter,reference}/<n>`: a request that goes through all
//!   `n` steps (linear for the step walk and the reference, nearly flat for the filter).
//! - `crossover/{engine-steps,engine-filter}/<n>`: the same for small `n`, to place
//!   `Walk::FILTER_FROM_STEPS`.
//! - `first_step/…/<n>`: a request decided at step 0 of `n` (flat).
//! - `compile/<pipeline>`: `CompiledPipeline::compile`, and `xml::parse` for comparison.
//!
//! Short settings by default (`cargo bench` runs every group in under 5 minutes); the
//! command line overrides them.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use crmauth::pipeline::outcome::NoObserver;
use crmauth::pipeline::providers::{self, Context};
use crmauth::pipeline::request::Scope;
use crmauth::pipeline::{reference, xml, CompiledPipeline, Environment, Walk};
use crmauth_benches::handwritten::HandWritten;
use crmauth_benches::{corpus_dir, first_step_pipeline, linear_pipeline, web_request, Workload};
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 4] = [1, 10, 100, 1000];
const CROSSOVER: [usize; 7] = [2, 4, 6, 8, 10, 12, 16];
const FIRST_STEP: [usize; 2] = [1, 1000];

/// The default settings of these benches: short, for a whole run under 5 minutes.
fn short() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

fn standard(c: &mut Criterion) {
    let mut g = c.benchmark_group("standard");
    for w in Workload::standard() {
        g.throughput(Throughput::Elements(w.requests.len() as u64));
        let env = &w.table.env;
        let filtered = w.compiled_walk(Walk::Filter);
        for (name, deployment) in [("engine", &w.table.compiled), ("engine-filter", &filtered)] {
            g.bench_function(BenchmarkId::new(name, w.name), |b| {
                b.iter(|| {
                    for r in &w.requests {
                        black_box(deployment.evaluate_observed(
                            black_box(r),
                            env,
                            &mut NoObserver,
                            &mut NoObserver,
                        ));
                    }
                })
            });
        }
        let hw = HandWritten::default();
        let strategy = w.table.compiled.strategy;
        g.bench_function(BenchmarkId::new("handwritten", w.name), |b| {
            b.iter(|| {
                for r in &w.requests {
                    black_box(hw.decide(strategy, black_box(r), env));
                }
            })
        });
        let runs = w.provider_runs();
        g.bench_function(BenchmarkId::new("providers", w.name), |b| {
            b.iter(|| {
                for &(i, provider, scope) in &runs {
                    let cx = Context { request: &w.requests[i], env, scope };
                    black_box(providers::authenticate(black_box(provider), cx));
                }
            })
        });
        g.bench_function(BenchmarkId::new("reference", w.name), |b| {
            b.iter(|| {
                for r in &w.requests {
                    black_box(w.table.reference.evaluate_observed(
                        black_box(r),
                        env,
                        &mut NoObserver,
                        &mut NoObserver,
                    ));
                }
            })
        });
    }
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let env = Environment::default();
    let miss = web_request("/elsewhere.aspx");
    let hit = web_request("/first.aspx");
    for (group, build, request, sizes, reference) in [
        ("scaling", linear_pipeline as fn(usize) -> _, &miss, &SIZES[..], true),
        ("crossover", linear_pipeline as fn(usize) -> _, &miss, &CROSSOVER[..], false),
        ("first_step", first_step_pipeline as fn(usize) -> _, &hit, &FIRST_STEP[..], true),
    ] {
        let mut g = c.benchmark_group(group);
        for &n in sizes {
            let pipeline = build(n);
            for (name, walk) in [("engine-steps", Walk::Steps), ("engine-filter", Walk::Filter)] {
                let compiled = CompiledPipeline::compile_walk(&pipeline, walk);
                g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                    b.iter(|| {
                        black_box(compiled.evaluate(black_box(request), &env, Scope::windows(None)))
                    })
                });
            }
            if !reference {
                continue;
            }
            g.bench_with_input(BenchmarkId::new("reference", n), &n, |b, _| {
                b.iter(|| {
                    black_box(reference::evaluate_observed(
                        &pipeline,
                        black_box(request),
                        &env,
                        Scope::windows(None),
                        &mut NoObserver,
                    ))
                })
            });
        }
        g.finish();
    }
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    for name in ["onpremise.crmauthentication", "ifd.crmauthentication", "passport.crmpassport"] {
        let text =
            std::fs::read_to_string(corpus_dir().join("pipelines").join(format!("{name}.xml")))
                .expect("standard pipeline");
        let pipeline = xml::parse(&text).expect("standard pipeline parses");
        g.bench_function(BenchmarkId::new("compile", name), |b| {
            b.iter(|| black_box(CompiledPipeline::compile(black_box(&pipeline))))
        });
        g.bench_function(BenchmarkId::new("parse", name), |b| {
            b.iter(|| black_box(xml::parse(black_box(&text))))
        });
    }
    let big = linear_pipeline(1000);
    g.bench_function(BenchmarkId::new("compile", "linear-1000"), |b| {
        b.iter(|| black_box(CompiledPipeline::compile(black_box(&big))))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = short();
    targets = standard, scaling, compile
}
criterion_main!(benches);
