//! The static analysis of PROTOCOL 1.7 (`crmauth lint`, `crmauth diff`) on pairs of
//! structured pipelines: an arbitrary old version and a new one made from it by an edit
//! (swap, duplicate, remove a step, insert a `Reject`) or drawn on its own.
//!
//! - LINT-EXACT: every witness of `diff`, replayed through the reference interpreter and
//!   the compiled engine on opaque copies of both pipelines (providers that may decline
//!   replaced by `Reject`), runs the provider sequences `diff` reported, and they differ;
//!   the two evaluators agree.
//! - LINT-EXACT: a pipeline is equivalent to itself; `diff` is symmetric in its verdict and
//!   in its number of differences.
//! - LINT-EXACT (soundness of lint): removing a step that `lint` reports unreachable or
//!   redundant gives an equivalent pipeline.
//! - The analysis never panics; refusing (too many classes) is a typed error.
#![no_main]

use crmauth::pipeline::analysis::{self, always_handles, Run};
use crmauth::pipeline::request::Scope;
use crmauth::pipeline::{reference, CompiledPipeline, Pipeline, Provider, Step};
use crmauth_fuzz::ArbPipeline;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Edit {
    Unrelated,
    Swap(u8),
    Duplicate(u8),
    Remove(u8),
    InsertReject(u8),
}

#[derive(Arbitrary)]
struct Input {
    old: ArbPipeline,
    other: ArbPipeline,
    edit: Edit,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("old", &self.old.0)
            .field("other", &self.other.0)
            .field("edit", &self.edit)
            .finish()
    }
}

fn edited(old: &Pipeline, other: Pipeline, edit: &Edit) -> Pipeline {
    let mut steps = old.steps.clone();
    let n = steps.len();
    match *edit {
        Edit::Unrelated => return other,
        Edit::Swap(i) if n >= 2 => {
            steps.swap(usize::from(i) % (n - 1), usize::from(i) % (n - 1) + 1)
        }
        Edit::Duplicate(i) if n >= 1 => {
            let i = usize::from(i) % n;
            steps.insert(i + 1, steps[i].clone());
        }
        Edit::Remove(i) if n >= 1 => {
            steps.remove(usize::from(i) % n);
        }
        Edit::InsertReject(i) => steps.insert(
            usize::from(i) % (n + 1),
            Step { predicates: vec![], provider: Provider::Reject },
        ),
        _ => {}
    }
    Pipeline { steps }
}

fn opaque(p: &Pipeline) -> Pipeline {
    let steps = p
        .steps
        .iter()
        .map(|s| Step {
            predicates: s.predicates.clone(),
            provider: if always_handles(&s.provider) {
                s.provider.clone()
            } else {
                Provider::Reject
            },
        })
        .collect();
    Pipeline { steps }
}

fn runs(p: &Pipeline, trace: &crmauth::pipeline::Trace) -> Vec<Run> {
    analysis::normalize(
        trace
            .steps
            .iter()
            .filter(|s| s.provider.is_some())
            .map(|s| (s.step, &p.steps[s.step].provider)),
    )
}

fuzz_target!(|input: Input| {
    let old = input.old.0;
    let new = edited(&old, input.other.0, &input.edit);
    let Ok(d) = analysis::diff(&old, &new, None) else { return };
    let back = analysis::diff(&new, &old, None).expect("the same classes both ways");
    assert_eq!(d.equivalent, back.equivalent, "LINT-EXACT: diff is symmetric");
    assert_eq!(d.differences.len(), back.differences.len(), "LINT-EXACT: diff is symmetric");
    assert_eq!(d.equivalent, d.differences.is_empty());
    assert!(
        analysis::diff(&old, &old, None).expect("fewer classes").equivalent,
        "LINT-EXACT: p ≡ p"
    );

    let (oo, on) = (opaque(&old), opaque(&new));
    let (co, cn) = (CompiledPipeline::compile(&oo), CompiledPipeline::compile(&on));
    for x in &d.differences {
        let request = x.witness.request.clone().prepare();
        let env = x.witness.environment();
        let a = runs(&old, &reference::interpret(&oo, &request, &env, Scope::windows(None)).1);
        let b = runs(&new, &reference::interpret(&on, &request, &env, Scope::windows(None)).1);
        assert_eq!(
            runs(&old, &co.evaluate_traced(&request, &env, Scope::windows(None)).1),
            a,
            "PIPE-ORACLE"
        );
        assert_eq!(
            runs(&new, &cn.evaluate_traced(&request, &env, Scope::windows(None)).1),
            b,
            "PIPE-ORACLE"
        );
        assert_ne!(a, b, "LINT-EXACT: the witness {:?} runs the same on both", x.witness);
        assert_eq!(
            (&a, &b),
            (&x.old.runs, &x.new.runs),
            "LINT-EXACT: the witness replays as reported"
        );
    }

    let lint = analysis::lint(&old).expect("fewer classes than the pair");
    for (s, r) in lint.steps.iter().enumerate() {
        if !r.reachable || r.redundant() {
            let mut without = old.clone();
            without.steps.remove(s);
            let e = analysis::diff(&old, &without, None).expect("fewer classes");
            assert!(e.equivalent, "LINT-EXACT: step {s} ({r:?}) changes something: {e:?}");
        }
    }
});
