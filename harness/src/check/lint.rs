//! `LINT-EXACT` (PROTOCOL 1.7, section 3): the analysis of [`crate::pipeline::analysis`]
//! against a brute-force enumeration of concrete requests on generated pipelines.
//!
//! The enumeration shares no code with the analysis: it builds concrete requests from
//! every configured path and method (as configured, case-flipped, with a query), an
//! unconfigured path and method, cookie or not, loopback or an external address, and every
//! server-role value over the bits the generator's masks use; it runs them through the
//! reference interpreter on *opaque* copies of the pipelines (every provider that may
//! decline replaced by `Reject`, which declines, so the trace lists every provider the
//! pipeline would run until an always-handling one). Checked, both ways:
//! - reported unreachable ⇔ no concrete request runs the step; reported contradictory ⇔ no
//!   request satisfies the step's predicates;
//! - reported redundant ⇔ the step runs, and on every request it runs for an identical
//!   provider ran before it; and removing such a step (or a redundant predicate) changes
//!   nothing on any request;
//! - `diff` says equivalent ⇔ every request gets the same normalized provider sequence;
//! - every witness, replayed through the reference interpreter and the compiled engine on
//!   both pipelines, runs a different sequence (and the two evaluators agree).

use super::runner::check_property;
use super::{Case, Settings, Status, Suite};
use crate::pipeline::analysis::{self, Analyser, Run};
use crate::pipeline::model::AuthenticationTypes;
use crate::pipeline::outcome::Trace;
use crate::pipeline::request::Scope;
use crate::pipeline::{
    reference, xml, CompiledPipeline, Environment, Pipeline, Predicate, PreparedRequest, Provider,
    Request, Step,
};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// Paths the lint generator configures: case variants and a query on purpose.
const PATHS: &[&str] = &[
    "/MSCRMServices/2007/CrmService.asmx",
    "/mscrmservices/2007/CRMSERVICE.asmx",
    "/signin.aspx",
    "/SignIn.aspx",
    "/a",
    "/a?b",
    "/A",
];
const METHODS: &[&str] = &["POST", "post", "GET", "Get", "PUT"];
/// The role bits generated masks use (three bits: masks 0..8).
const ROLE_BITS: u32 = 3;

/// A predicate over the lint pools.
pub fn arb_lint_predicate() -> impl Strategy<Value = Predicate> {
    prop_oneof![
        3 => prop::collection::btree_set(select(PATHS), 1..3).prop_map(|set| {
            let paths: BTreeMap<String, String> = set
                .into_iter()
                .enumerate()
                .map(|(i, p)| (format!("path{i}"), p.to_string()))
                .collect();
            Predicate::UrlPath { paths }
        }),
        2 => select(METHODS).prop_map(|m| Predicate::HttpMethod { method: m.to_string() }),
        1 => Just(Predicate::Always),
        2 => (0u32..1 << ROLE_BITS).prop_map(|roles| Predicate::ServerRole { roles }),
        2 => Just(Predicate::CookieExist),
        2 => Just(Predicate::InternalRequestAddress),
        2 => Just(Predicate::ExternalRequestAddress),
    ]
}

/// A provider from a small pool, so that identical providers repeat.
pub fn arb_lint_provider() -> impl Strategy<Value = Provider> {
    let mosh = |t: u8| Provider::MultipleOrganizationSoapHeader {
        authentication_types: AuthenticationTypes([t].into_iter().collect()),
    };
    prop_oneof![
        3 => Just(Provider::PassThrough),
        2 => Just(Provider::Reject),
        3 => Just(Provider::Windows),
        1 => Just(Provider::CrmPostAuthentication),
        1 => select(&["/x", "/y"][..]).prop_map(|u| Provider::Redirect { url: u.into() }),
        1 => Just(Provider::IfdRedirect),
        2 => Just(mosh(0)),
        1 => Just(mosh(2)),
        1 => Just(Provider::CookieAndSoapHeader),
    ]
}

/// A pipeline of 0 to 7 steps over the lint pools.
pub fn arb_lint_pipeline() -> impl Strategy<Value = Pipeline> {
    let step = (prop::collection::vec(arb_lint_predicate(), 0..4), arb_lint_provider())
        .prop_map(|(predicates, provider)| Step { predicates, provider });
    prop::collection::vec(step, 0..8).prop_map(|steps| Pipeline { steps })
}

/// Two versions of a pipeline; printed as XML in counterexamples.
#[derive(Clone)]
pub struct LintCase {
    /// The version before.
    pub old: Pipeline,
    /// The version after.
    pub new: Pipeline,
}

impl fmt::Debug for LintCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\nold:\n{}new:\n{}", xml::print(&self.old), xml::print(&self.new))
    }
}

/// How the new version is made from the old: edits that often keep it equivalent, and
/// unrelated pipelines.
#[derive(Debug, Clone)]
enum Edit {
    Unrelated(Pipeline),
    SwapAdjacent(Index),
    Duplicate(Index),
    InsertReject(Index),
    Remove(Index),
    Same,
}

fn apply(old: &Pipeline, edit: Edit) -> Pipeline {
    let mut steps = old.steps.clone();
    let n = steps.len();
    match edit {
        Edit::Unrelated(p) => return p,
        Edit::SwapAdjacent(i) if n >= 2 => {
            let i = i.index(n - 1);
            steps.swap(i, i + 1);
        }
        Edit::Duplicate(i) if n >= 1 => {
            let i = i.index(n);
            steps.insert(i + 1, steps[i].clone());
        }
        Edit::InsertReject(i) => {
            let step = Step { predicates: vec![], provider: Provider::Reject };
            steps.insert(i.index(n + 1), step);
        }
        Edit::Remove(i) if n >= 1 => {
            steps.remove(i.index(n));
        }
        _ => {}
    }
    Pipeline { steps }
}

/// Pairs of pipelines for LINT-EXACT.
pub fn arb_lint_case() -> impl Strategy<Value = LintCase> {
    let edit = prop_oneof![
        3 => arb_lint_pipeline().prop_map(Edit::Unrelated),
        2 => any::<Index>().prop_map(Edit::SwapAdjacent),
        1 => any::<Index>().prop_map(Edit::Duplicate),
        1 => any::<Index>().prop_map(Edit::InsertReject),
        1 => any::<Index>().prop_map(Edit::Remove),
        1 => Just(Edit::Same),
    ];
    (arb_lint_pipeline(), edit).prop_map(|(old, edit)| {
        let new = apply(&old, edit);
        LintCase { old, new }
    })
}

/// Every provider that may decline replaced by `Reject`: the trace then lists every
/// provider the pipeline would run (PROTOCOL 1.7, providers opaque).
fn opaque(p: &Pipeline) -> Pipeline {
    let steps = p
        .steps
        .iter()
        .map(|s| Step {
            predicates: s.predicates.clone(),
            provider: if analysis::always_handles(&s.provider) {
                s.provider.clone()
            } else {
                Provider::Reject
            },
        })
        .collect();
    Pipeline { steps }
}

/// Every provider replaced by `Reject`: the trace then shows which steps' predicates hold.
fn all_reject(p: &Pipeline) -> Pipeline {
    let steps = p
        .steps
        .iter()
        .map(|s| Step { predicates: s.predicates.clone(), provider: Provider::Reject })
        .collect();
    Pipeline { steps }
}

fn ran(trace: &Trace) -> Vec<usize> {
    trace.steps.iter().filter(|s| s.provider.is_some()).map(|s| s.step).collect()
}

/// The normalized sequence (providers only) of the original pipeline's steps that ran.
fn sequence(p: &Pipeline, ran: &[usize]) -> Vec<Provider> {
    analysis::normalize(ran.iter().map(|&s| (s, &p.steps[s].provider)))
        .into_iter()
        .map(|r| r.provider)
        .collect()
}

fn flip_case(s: &str) -> String {
    s.chars()
        .map(
            |c| {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            },
        )
        .collect()
}

/// Concrete requests and environments covering every class the pipelines distinguish
/// (and more): built from the configuration by brute force, not by the analysis.
fn concrete(pipelines: &[&Pipeline]) -> Vec<(PreparedRequest, Environment)> {
    let predicates = || pipelines.iter().flat_map(|p| p.steps.iter().flat_map(|s| &s.predicates));
    let mut paths = vec!["/nowhere".to_string()];
    let mut methods = vec!["DELETE".to_string()];
    let mut roles_used = false;
    for p in predicates() {
        match p {
            Predicate::UrlPath { paths: ps } => {
                for v in ps.values() {
                    paths.extend([v.clone(), flip_case(v), format!("{v}?q=1")]);
                }
            }
            Predicate::HttpMethod { method } => {
                methods.extend([method.clone(), flip_case(method)]);
            }
            Predicate::ServerRole { .. } => roles_used = true,
            _ => {}
        }
    }
    paths.sort();
    paths.dedup();
    methods.sort();
    methods.dedup();
    let roles: Vec<u32> = if roles_used { (0..1 << ROLE_BITS).collect() } else { vec![u32::MAX] };
    let addresses = [IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7))];
    let mut out = Vec::new();
    for path in &paths {
        for method in &methods {
            for cookie in [None, Some("a=1; MSCRMSession=ticket=abc")] {
                for address in addresses {
                    for &r in &roles {
                        let request = Request {
                            method: method.clone(),
                            path: path.clone(),
                            client_address: address,
                            cookie: cookie.map(str::to_string),
                            headers: Default::default(),
                            body: None,
                            windows_identity: None,
                        };
                        let env = Environment { server_roles: r, ..Environment::default() };
                        out.push((request.prepare(), env));
                    }
                }
            }
        }
    }
    out
}

/// What brute force finds about one pipeline on the concrete requests.
struct Truth {
    satisfiable: Vec<bool>,
    reachable: Vec<bool>,
    /// Runs, and on every request it runs for an identical provider ran before it.
    redundant: Vec<bool>,
    /// The normalized sequence on each concrete request.
    sequences: Vec<Vec<Provider>>,
}

fn truth(p: &Pipeline, requests: &[(PreparedRequest, Environment)]) -> Truth {
    let n = p.steps.len();
    let (op, ar) = (opaque(p), all_reject(p));
    let mut t = Truth {
        satisfiable: vec![false; n],
        reachable: vec![false; n],
        redundant: vec![true; n],
        sequences: Vec::with_capacity(requests.len()),
    };
    for (request, env) in requests {
        for s in ran(&reference::interpret(&ar, request, env, Scope::windows(None)).1) {
            t.satisfiable[s] = true;
        }
        let steps = ran(&reference::interpret(&op, request, env, Scope::windows(None)).1);
        for (k, &s) in steps.iter().enumerate() {
            t.reachable[s] = true;
            if !steps[..k].iter().any(|&e| p.steps[e].provider == p.steps[s].provider) {
                t.redundant[s] = false;
            }
        }
        t.sequences.push(sequence(p, &steps));
    }
    for s in 0..n {
        t.redundant[s] &= t.reachable[s] && p.steps[s].provider != Provider::Reject;
    }
    t
}

fn equal_everywhere(a: &Pipeline, b: &Pipeline, reqs: &[(PreparedRequest, Environment)]) -> bool {
    let (oa, ob) = (opaque(a), opaque(b));
    reqs.iter().all(|(r, e)| {
        sequence(a, &ran(&reference::interpret(&oa, r, e, Scope::windows(None)).1))
            == sequence(b, &ran(&reference::interpret(&ob, r, e, Scope::windows(None)).1))
    })
}

fn fail(message: String) -> Result<(), TestCaseError> {
    Err(TestCaseError::fail(message))
}

/// The lint half of LINT-EXACT on one pipeline.
fn check_lint(
    analyser: &Analyser,
    p: &Pipeline,
    reqs: &[(PreparedRequest, Environment)],
) -> Result<(), TestCaseError> {
    let lint = match analyser.lint(p) {
        Ok(l) => l,
        Err(e) => return fail(format!("lint refused: {e}")),
    };
    let t = truth(p, reqs);
    for (s, r) in lint.steps.iter().enumerate() {
        if r.reachable != t.reachable[s] {
            return fail(format!(
                "step {s}: lint says {}, but concrete requests {} it",
                if r.reachable { "reachable" } else { "unreachable" },
                if t.reachable[s] { "run" } else { "never run" }
            ));
        }
        if r.satisfiable != t.satisfiable[s] {
            return fail(format!(
                "step {s}: lint says satisfiable={}, brute force {}",
                r.satisfiable, t.satisfiable[s]
            ));
        }
        if r.redundant() != t.redundant[s] {
            return fail(format!(
                "step {s}: lint says redundant={}, brute force {}",
                r.redundant(),
                t.redundant[s]
            ));
        }
        if r.redundant() {
            let mut without = p.clone();
            without.steps.remove(s);
            if !equal_everywhere(p, &without, reqs) {
                return fail(format!("step {s} is reported redundant, but removing it matters"));
            }
        }
        if !r.redundant_predicates.is_empty() {
            // Deleting every reported predicate of the step at once changes nothing.
            let mut without = p.clone();
            for rp in r.redundant_predicates.iter().rev() {
                without.steps[s].predicates.remove(rp.index);
            }
            let (a, b) = (all_reject(p), all_reject(&without));
            let same = reqs.iter().all(|(q, e)| {
                ran(&reference::interpret(&a, q, e, Scope::windows(None)).1).contains(&s)
                    == ran(&reference::interpret(&b, q, e, Scope::windows(None)).1).contains(&s)
            });
            if !same {
                let list: Vec<usize> = r.redundant_predicates.iter().map(|x| x.index).collect();
                return fail(format!(
                    "step {s}: predicates {list:?} are reported redundant, but deleting them matters"
                ));
            }
        }
        for &h in &r.taken_by {
            if h >= s || !analysis::always_handles(&p.steps[h].provider) {
                return fail(format!("step {s}: taken by step {h}, not an earlier always-handler"));
            }
        }
        if !r.reachable && r.satisfiable && r.taken_by.is_empty() {
            return fail(format!("step {s}: unreachable without a step that takes it"));
        }
    }
    Ok(())
}

/// The normalized sequence a pipeline runs on a witness, by one evaluator.
fn replay(p: &Pipeline, request: &PreparedRequest, env: &Environment, compiled: bool) -> Vec<Run> {
    let op = opaque(p);
    let trace = if compiled {
        CompiledPipeline::compile(&op).evaluate_traced(request, env, Scope::windows(None)).1
    } else {
        reference::interpret(&op, request, env, Scope::windows(None)).1
    };
    analysis::normalize(ran(&trace).into_iter().map(|s| (s, &p.steps[s].provider)))
}

/// The diff half of LINT-EXACT on a pair.
fn check_diff(analyser: &Analyser, case: &LintCase) -> Result<(), TestCaseError> {
    let (old, new) = (&case.old, &case.new);
    let d = match analyser.diff(old, new, None) {
        Ok(d) => d,
        Err(e) => return fail(format!("diff refused: {e}")),
    };
    let reqs = concrete(&[old, new]);
    let equal = equal_everywhere(old, new, &reqs);
    if d.equivalent != equal {
        return fail(format!(
            "diff says equivalent={}, brute force over {} requests says {equal}",
            d.equivalent,
            reqs.len()
        ));
    }
    for w in &d.differences {
        let request = w.witness.request.clone().prepare();
        let env = w.witness.environment();
        let a = replay(old, &request, &env, false);
        let b = replay(new, &request, &env, false);
        if replay(old, &request, &env, true) != a || replay(new, &request, &env, true) != b {
            return fail("the reference and the compiled engine disagree on a witness".into());
        }
        if a == b {
            return fail(format!(
                "witness {} runs the same on both: {a:?}",
                serde_json::to_string(&w.witness.request).unwrap_or_default()
            ));
        }
        if a != w.old.runs || b != w.new.runs {
            return fail(format!("the witness runs {a:?} / {b:?}, diff said {w:?}"));
        }
    }
    Ok(())
}

/// LINT-EXACT with `analyser` (the exact one, or a planted bug in tests).
pub fn lint_exact_case(analyser: Analyser) -> Case {
    Case::new(
        "LINT-EXACT",
        "1.7",
        Suite::Pipeline,
        "lint reports exactly the unreachable steps, diff exactly the differences (brute force)",
        move |settings: &Settings| {
            check_property(settings, arb_lint_case(), |case| {
                check_lint(&analyser, &case.old, &concrete(&[&case.old]))?;
                check_lint(&analyser, &case.new, &concrete(&[&case.new]))?;
                check_diff(&analyser, &case)
            })
        },
    )
}

/// The cases of this module, with the exact analysis.
pub fn cases() -> Vec<Case> {
    vec![lint_exact_case(Analyser::exact())]
}

/// Runs LINT-EXACT once (for tests): the status of the case.
pub fn run_lint_exact(analyser: Analyser, settings: &Settings) -> Status {
    lint_exact_case(analyser).run(settings).status
}
