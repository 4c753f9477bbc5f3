//! Static analysis of pipelines (PROTOCOL 1.7): which steps can run, which change nothing,
//! and whether two versions of a pipeline decide every request alike — decided exactly,
//! not guessed, by enumerating the classes of facts the pipelines' own configuration
//! distinguishes.
//!
//! Providers are opaque: `Reject` never handles, `PassThrough` and the three redirects
//! ([`always_handles`]) handle every request they see, every other provider may handle,
//! decline or fail. A predicate reads one fact, so a request's *class* is a choice of:
//!
//! - **path**: each configured path (ASCII case-insensitive; a configured path with `?`
//!   matches no request, whose path ends before its query), or "any other path";
//! - **method**: each configured method (case-insensitive), or "any other method";
//! - **cookie**: an `MSCRMSession` ticket cookie exists, or not;
//! - **address**: internal or external;
//! - **server roles**: for the distinct masks `m₁…mₖ` the `ServerRolePredicate`s use, the
//!   set `{i : roles & mᵢ ≠ 0}`. The bits split into *atoms* (bits in the same masks); a
//!   role value is a union of atoms, so the classes are the union-closure of the atoms'
//!   sets, `∅` (no role bit at all) included. A handful for real pipelines.
//!
//! Each dimension is first reduced to the values that accept different sets of steps (a
//! step bitset per value; values with equal bitsets are one class), then the product is
//! enumerated: a class's accepting steps are the AND of its five bitsets.
//!
//! **Cost: classes × steps.** With `N` steps and `C` classes (the product of the reduced
//! dimensions, at most (paths + 1) × (methods + 1) × 2 × 2 × role classes): the step
//! bitsets of each dimension's values cost O(configured paths + (methods + role classes)
//! × predicates + paths × N / 64), enumerating the classes O(C × N / 64) word operations,
//! and walking each *distinct* accepting set O(the steps it runs) — O(C × N) at worst.
//! `C` above [`MAX_CLASSES`] is refused with [`AnalysisError::TooManyClasses`]
//! (fail closed, never a guess). Measured on a 1,000-step pipeline with 300 paths, 4
//! methods and 4 role masks (`tests/suite/lint.rs`, which bounds it at one second): lint 7 ms,
//! diff 12 ms in a release build; 115 ms and 185 ms unoptimized.
//!
//! This module knows nothing of HTTP servers, files or the command line.

use super::model::{Pipeline, Predicate, Provider, ProviderKind, Step};
use super::request::{Environment, Request};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};

/// The most classes (after reduction) the analysis enumerates.
pub const MAX_CLASSES: usize = 1 << 22;

/// The client address of an internal witness: loopback is internal whatever the
/// `IfdInternalNetworkAddress` (PROTOCOL 1.3).
pub const INTERNAL_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// The client address of an external witness (TEST-NET-1; external with no internal ranges).
pub const EXTERNAL_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
/// The `Cookie` header of a witness with a session cookie (CookieExist true; not a ticket).
pub const WITNESS_COOKIE: &str = "MSCRMSession=ticket=WITNESS";

/// Why the analysis could not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    /// The configurations distinguish more classes of facts than the bound; the analysis
    /// refuses rather than guess.
    #[error(
        "the pipelines distinguish more than {limit} classes of requests ({what}); \
         the analysis refuses rather than guess"
    )]
    TooManyClasses {
        /// What was enumerated, e.g. `"requests"` or `"server role combinations"`.
        what: &'static str,
        /// The most classes the analysis enumerates (e.g. [`MAX_CLASSES`]).
        limit: usize,
    },
}

/// Deliberate analysis bugs (feature `mutants`, tests only), each of which LINT-EXACT
/// must catch with a shrunk counterexample.
#[cfg(feature = "mutants")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    /// Compares paths case-sensitively (PROTOCOL 1.3 says case-insensitive).
    PathCaseSensitive,
    /// Treats `ServerRolePredicate` as `roles == mask` instead of `roles & mask != 0`.
    RoleMaskEquality,
}

/// Whether a provider handles every request it sees (PROTOCOL 1.4, 1.7).
pub fn always_handles(p: &Provider) -> bool {
    matches!(
        p.kind(),
        ProviderKind::PassThrough
            | ProviderKind::Redirect
            | ProviderKind::CrmServiceRedirect
            | ProviderKind::IfdRedirect
    )
}

/// Whether a provider can authenticate a request (so that a post-authentication pipeline
/// runs after it): anything but a redirect or `Reject`.
fn may_authenticate(p: &Provider) -> bool {
    !matches!(
        p.kind(),
        ProviderKind::Reject
            | ProviderKind::Redirect
            | ProviderKind::CrmServiceRedirect
            | ProviderKind::IfdRedirect
    )
}

/// The analysis, exact unless a mutation is planted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Analyser {
    #[cfg(feature = "mutants")]
    mutation: Option<Mutation>,
}

/// What the analysis found about one pipeline, step by step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// One report per step, in pipeline order (index = 0-based step number).
    pub steps: Vec<StepReport>,
}

/// What the analysis found about one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    /// Some request satisfies all its predicates.
    pub satisfiable: bool,
    /// Why not, when not satisfiable (which predicates contradict).
    pub contradiction: Option<String>,
    /// Some request and environment make its provider run (PROTOCOL 1.7).
    pub reachable: bool,
    /// When satisfiable but unreachable: the earlier always-handling steps that take the
    /// requests it accepts.
    pub taken_by: Vec<usize>,
    /// The step runs, but on every request it runs for an earlier step with the identical
    /// provider and configuration has run before it (those steps): it never changes an
    /// outcome. Empty when the step is not redundant. Never set for `Reject`.
    pub repeat_of: Vec<usize>,
    /// Predicates implied by the others or always true.
    pub redundant_predicates: Vec<RedundantPredicate>,
    /// The provider is `Reject`: it never handles.
    pub never_handles: bool,
}

impl StepReport {
    /// Whether the step runs but never changes an outcome (see [`StepReport::repeat_of`]).
    pub fn redundant(&self) -> bool {
        !self.repeat_of.is_empty()
    }
}

/// A predicate that never changes whether its step runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedundantPredicate {
    /// Its index in the step.
    pub index: usize,
    /// The other predicates of the step that imply it (empty: it is always true).
    pub implied_by: Vec<usize>,
    /// Why it is redundant, in words.
    pub reason: String,
}

/// A request (and environment) that stands for a class of facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// The request: address [`INTERNAL_ADDRESS`] or [`EXTERNAL_ADDRESS`], cookie
    /// [`WITNESS_COOKIE`] or none.
    pub request: Request,
    /// `server_roles` for the environment, when the pipelines read server roles.
    pub server_roles: Option<u32>,
}

impl Witness {
    /// The environment JSON `crmauth eval --env` accepts: `{}` or `{"server_roles": r}`.
    pub fn env_json(&self) -> serde_json::Value {
        match self.server_roles {
            Some(r) => serde_json::json!({ "server_roles": r }),
            None => serde_json::json!({}),
        }
    }

    /// The environment the witness means: its server roles (every role when it names
    /// none), the defaults otherwise (no internal ranges: the witness's address is
    /// internal or external by the default classification).
    pub fn environment(&self) -> Environment {
        Environment {
            server_roles: self.server_roles.unwrap_or(u32::MAX),
            ..Environment::default()
        }
    }
}

/// One provider a pipeline would run, and the (first) step it runs at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// 0-based index of the step the provider runs at (first occurrence).
    pub step: usize,
    /// The provider, with its configuration.
    pub provider: Provider,
}

/// What one version of a deployment runs on a class: the normalized provider sequence of
/// the authentication pipeline and, when that can authenticate, of the post pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behaviour {
    /// The normalized provider sequence of the authentication pipeline (PROTOCOL 1.7).
    pub runs: Vec<Run>,
    /// Only with post-authentication pipelines; `None` when the first pipeline can never
    /// authenticate this class (so the post pipeline does not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_runs: Option<Vec<Run>>,
}

/// A class of requests on which two versions differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// A request (and environment) in the class.
    pub witness: Witness,
    /// What the old version runs on it.
    pub old: Behaviour,
    /// What the new version runs on it.
    pub new: Behaviour,
}

/// The result of comparing two versions (PROTOCOL 1.7 equivalence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Whether the two versions decide every request and environment the same (PROTOCOL 1.7).
    pub equivalent: bool,
    /// One witness for each distinct pair of behaviours that differ.
    pub differences: Vec<Difference>,
}

/// [`Analyser::lint`] with the exact analysis.
pub fn lint(pipeline: &Pipeline) -> Result<Lint, AnalysisError> {
    Analyser::exact().lint(pipeline)
}

/// [`Analyser::diff`] with the exact analysis.
pub fn diff(
    old: &Pipeline,
    new: &Pipeline,
    post: Option<(&Pipeline, &Pipeline)>,
) -> Result<Diff, AnalysisError> {
    Analyser::exact().diff(old, new, post)
}

/// The normalized provider sequence of PROTOCOL 1.7 from the providers that ran, in order:
/// `Reject` and repeats of an earlier identical provider removed.
pub fn normalize<'p>(ran: impl IntoIterator<Item = (usize, &'p Provider)>) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (step, p) in ran {
        if p.kind() != ProviderKind::Reject && !out.iter().any(|r| r.provider == *p) {
            out.push(Run { step, provider: p.clone() });
        }
    }
    out
}

type Bits = Vec<u64>;
/// Normalized runs of a first and (maybe) a post pipeline: (step, provider id) pairs.
type Seq = (Vec<(usize, usize)>, Option<Vec<(usize, usize)>>);
/// The provider ids of a [`Seq`]: what equivalence compares.
type Ids = (Vec<usize>, Option<Vec<usize>>);

fn set(b: &mut [u64], i: usize) {
    b[i / 64] |= 1 << (i % 64);
}

/// The set bits of `b` in `lo..hi`, in order.
fn ones(b: &[u64], lo: usize, hi: usize) -> impl Iterator<Item = usize> + '_ {
    let (first, last) = (lo / 64, hi.div_ceil(64));
    (first..last).flat_map(move |w| {
        let mut word = b[w];
        if w == first {
            word &= u64::MAX << (lo % 64);
        }
        let end = hi - w * 64;
        if end < 64 {
            word &= (1u64 << end) - 1;
        }
        std::iter::from_fn(move || {
            (word != 0).then(|| {
                let t = word.trailing_zeros() as usize;
                word &= word - 1;
                w * 64 + t
            })
        })
    })
}

/// One value of one fact dimension (a representative) and the steps it lets through.
struct Dim<T> {
    values: Vec<T>,
    bits: Vec<Bits>,
}

impl<T> Dim<T> {
    /// Keeps one value per distinct step bitset (values with equal bitsets are one class).
    fn reduced(values: Vec<T>, bits: Vec<Bits>) -> Self {
        let mut seen: HashMap<Bits, ()> = HashMap::new();
        let mut out = Dim { values: Vec::new(), bits: Vec::new() };
        for (v, b) in values.into_iter().zip(bits) {
            if seen.insert(b.clone(), ()).is_none() {
                out.values.push(v);
                out.bits.push(b);
            }
        }
        out
    }
}

/// A class's facts, as indexes into the reduced dimensions.
#[derive(Debug, Clone, Copy)]
struct Class {
    path: usize,
    method: usize,
    cookie: usize,
    address: usize,
    role: usize,
}

/// The classes of the given steps (of one or more pipelines, concatenated), each distinct
/// accepting set once with the first class that has it.
struct Universe<'p> {
    steps: Vec<&'p Step>,
    paths: Dim<String>,
    methods: Dim<String>,
    cookies: Dim<bool>,
    /// `true`: internal.
    addresses: Dim<bool>,
    roles: Dim<u32>,
    uses_roles: bool,
    /// Each distinct accepting set of steps, and the first class with it.
    groups: Vec<(Bits, Class)>,
    /// The provider of each step as an index into `providers` (identical ones share it).
    provider_id: Vec<usize>,
    providers: Vec<&'p Provider>,
}

impl Analyser {
    /// The analysis as specified.
    pub fn exact() -> Self {
        Analyser::default()
    }

    /// The analysis with a deliberate bug (feature `mutants`, tests only).
    #[cfg(feature = "mutants")]
    pub fn mutated(mutation: Mutation) -> Self {
        Analyser { mutation: Some(mutation) }
    }

    #[cfg(feature = "mutants")]
    fn mutant(&self, m: Mutation) -> bool {
        self.mutation == Some(m)
    }

    fn path_key(&self, p: &str) -> String {
        #[cfg(feature = "mutants")]
        if self.mutant(Mutation::PathCaseSensitive) {
            return p.to_string();
        }
        p.to_ascii_lowercase()
    }

    fn role_holds(&self, mask: u32, roles: u32) -> bool {
        #[cfg(feature = "mutants")]
        if self.mutant(Mutation::RoleMaskEquality) {
            return roles == mask;
        }
        roles & mask != 0
    }

    fn universe<'p>(&self, pipelines: &[&'p Pipeline]) -> Result<Universe<'p>, AnalysisError> {
        let steps: Vec<&Step> = pipelines.iter().flat_map(|p| p.steps.iter()).collect();
        let words = steps.len().div_ceil(64).max(1);
        let all_predicates = || steps.iter().flat_map(|s| s.predicates.iter());

        // Paths: each configured one (by key), then one no step configures.
        let mut path_keys: Vec<String> = Vec::new();
        let mut paths: Vec<String> = Vec::new();
        for p in all_predicates() {
            if let Predicate::UrlPath { paths: configured } = p {
                for v in configured.values().filter(|v| !v.contains('?')) {
                    let key = self.path_key(v);
                    if !path_keys.contains(&key) {
                        path_keys.push(key);
                        paths.push(v.clone());
                    }
                }
            }
        }
        paths.push(fresh("/crmauth-lint/other", |c| path_keys.contains(&self.path_key(c))));

        // Methods: each configured one (case-insensitive), then one no step configures.
        let mut methods: Vec<String> = Vec::new();
        for p in all_predicates() {
            if let Predicate::HttpMethod { method } = p {
                if !methods.iter().any(|m| m.eq_ignore_ascii_case(method)) {
                    methods.push(method.clone());
                }
            }
        }
        let other = fresh("OTHER", |c| methods.iter().any(|m| m.eq_ignore_ascii_case(c)));
        methods.push(other);

        // Server roles: the union-closure of the atoms' mask sets.
        let masks: Vec<u32> = {
            let mut m: Vec<u32> = all_predicates()
                .filter_map(|p| match p {
                    // A mask of 0 (no role) has no bit, so it adds no atom: kept as it is.
                    Predicate::ServerRole { roles } => Some(*roles),
                    _ => None,
                })
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        let uses_roles = all_predicates().any(|p| matches!(p, Predicate::ServerRole { .. }));
        let roles = if uses_roles { role_classes(&masks)? } else { vec![u32::MAX] };

        let dim_bits = |accepts: &dyn Fn(&Predicate) -> Option<bool>| -> Bits {
            let mut b = vec![0u64; words];
            for (i, s) in steps.iter().enumerate() {
                if s.predicates.iter().all(|p| accepts(p).unwrap_or(true)) {
                    set(&mut b, i);
                }
            }
            b
        };
        // Paths by key: each step sets its bit in the classes every one of its UrlPath
        // predicates names (all classes when it has none), so this costs the configured
        // paths plus classes × words, not classes × steps × paths.
        let key_index: HashMap<&str, usize> =
            path_keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let mut path_bits: Vec<Bits> = vec![vec![0u64; words]; paths.len()];
        let mut any_path = vec![0u64; words];
        for (i, s) in steps.iter().enumerate() {
            let mut allowed: Option<BTreeSet<usize>> = None;
            for p in &s.predicates {
                if let Predicate::UrlPath { paths: configured } = p {
                    let named: BTreeSet<usize> = configured
                        .values()
                        .filter(|v| !v.contains('?'))
                        .filter_map(|v| key_index.get(self.path_key(v).as_str()).copied())
                        .collect();
                    allowed = Some(match allowed {
                        None => named,
                        Some(a) => a.intersection(&named).copied().collect(),
                    });
                }
            }
            match allowed {
                None => set(&mut any_path, i),
                Some(classes) => classes.into_iter().for_each(|k| set(&mut path_bits[k], i)),
            }
        }
        for b in &mut path_bits {
            b.iter_mut().zip(&any_path).for_each(|(w, a)| *w |= a);
        }
        let method_bits: Vec<Bits> = methods
            .iter()
            .map(|m| {
                dim_bits(&|p| match p {
                    Predicate::HttpMethod { method } => Some(method.eq_ignore_ascii_case(m)),
                    _ => None,
                })
            })
            .collect();
        let cookie_bits: Vec<Bits> = [false, true]
            .iter()
            .map(|&c| {
                dim_bits(&|p| match p {
                    Predicate::CookieExist => Some(c),
                    _ => None,
                })
            })
            .collect();
        let address_bits: Vec<Bits> = [false, true]
            .iter()
            .map(|&internal| {
                dim_bits(&|p| match p {
                    Predicate::InternalRequestAddress => Some(internal),
                    Predicate::ExternalRequestAddress => Some(!internal),
                    _ => None,
                })
            })
            .collect();
        let role_bits: Vec<Bits> = roles
            .iter()
            .map(|&r| {
                dim_bits(&|p| match p {
                    Predicate::ServerRole { roles } => Some(self.role_holds(*roles, r)),
                    _ => None,
                })
            })
            .collect();

        let paths = Dim::reduced(paths, path_bits);
        let methods = Dim::reduced(methods, method_bits);
        let cookies = Dim::reduced(vec![false, true], cookie_bits);
        let addresses = Dim::reduced(vec![false, true], address_bits);
        let roles = Dim::reduced(roles, role_bits);

        let sizes = [
            paths.values.len(),
            methods.values.len(),
            cookies.values.len(),
            addresses.values.len(),
        ];
        let classes = sizes
            .iter()
            .try_fold(roles.values.len(), |acc, &n| acc.checked_mul(n))
            .filter(|&c| c <= MAX_CLASSES);
        if classes.is_none() {
            return Err(AnalysisError::TooManyClasses { what: "requests", limit: MAX_CLASSES });
        }

        let mut index: HashMap<Bits, usize> = HashMap::new();
        let mut groups: Vec<(Bits, Class)> = Vec::new();
        let mut acc = vec![0u64; words];
        for path in 0..paths.values.len() {
            for method in 0..methods.values.len() {
                for cookie in 0..cookies.values.len() {
                    for address in 0..addresses.values.len() {
                        for role in 0..roles.values.len() {
                            for (w, a) in acc.iter_mut().enumerate() {
                                *a = paths.bits[path][w]
                                    & methods.bits[method][w]
                                    & cookies.bits[cookie][w]
                                    & addresses.bits[address][w]
                                    & roles.bits[role][w];
                            }
                            if !index.contains_key(&acc) {
                                index.insert(acc.clone(), groups.len());
                                let class = Class { path, method, cookie, address, role };
                                groups.push((acc.clone(), class));
                            }
                        }
                    }
                }
            }
        }

        let mut providers: Vec<&Provider> = Vec::new();
        let provider_id = steps
            .iter()
            .map(|s| match providers.iter().position(|p| **p == s.provider) {
                Some(i) => i,
                None => {
                    providers.push(&s.provider);
                    providers.len() - 1
                }
            })
            .collect();

        Ok(Universe {
            steps,
            paths,
            methods,
            cookies,
            addresses,
            roles,
            uses_roles,
            groups,
            provider_id,
            providers,
        })
    }

    /// Analyses one pipeline: reachability, redundancy and contradictions of every step.
    pub fn lint(&self, pipeline: &Pipeline) -> Result<Lint, AnalysisError> {
        let u = self.universe(&[pipeline])?;
        let n = u.steps.len();
        let mut satisfiable = vec![false; n];
        let mut reachable = vec![false; n];
        let mut first_of_provider = vec![false; n];
        let mut repeat_of: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
        let mut seen: Vec<(usize, usize)> = vec![(usize::MAX, 0); u.providers.len()];
        for (g, (accept, _)) in u.groups.iter().enumerate() {
            for s in ones(accept, 0, n) {
                satisfiable[s] = true;
            }
            for s in ones(accept, 0, n) {
                reachable[s] = true;
                let id = u.provider_id[s];
                if u.steps[s].provider.kind() != ProviderKind::Reject {
                    if seen[id].0 == g {
                        repeat_of[s].insert(seen[id].1);
                    } else {
                        seen[id] = (g, s);
                        first_of_provider[s] = true;
                    }
                }
                if always_handles(&u.steps[s].provider) {
                    break;
                }
            }
        }
        let mut taken_by: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
        if (0..n).any(|s| satisfiable[s] && !reachable[s]) {
            for (accept, _) in &u.groups {
                let mut handler = None;
                for s in ones(accept, 0, n) {
                    match handler {
                        Some(h) if !reachable[s] => {
                            taken_by[s].insert(h);
                        }
                        Some(_) => {}
                        None if always_handles(&u.steps[s].provider) => handler = Some(s),
                        None => {}
                    }
                }
            }
        }
        let steps = (0..n)
            .map(|s| {
                let step = u.steps[s];
                StepReport {
                    satisfiable: satisfiable[s],
                    contradiction: (!satisfiable[s]).then(|| contradiction(step)),
                    reachable: reachable[s],
                    taken_by: taken_by[s].iter().copied().collect(),
                    repeat_of: if reachable[s] && !first_of_provider[s] {
                        repeat_of[s].iter().copied().collect()
                    } else {
                        Vec::new()
                    },
                    redundant_predicates: if satisfiable[s] {
                        redundant_predicates(step)
                    } else {
                        Vec::new()
                    },
                    never_handles: step.provider.kind() == ProviderKind::Reject,
                }
            })
            .collect();
        Ok(Lint { steps })
    }

    /// Compares two versions of a pipeline (and, for IFD, of the post-authentication
    /// pipeline) under PROTOCOL 1.7, with a witness for each difference.
    pub fn diff(
        &self,
        old: &Pipeline,
        new: &Pipeline,
        post: Option<(&Pipeline, &Pipeline)>,
    ) -> Result<Diff, AnalysisError> {
        let mut all = vec![old, new];
        if let Some((a, b)) = post {
            all.extend([a, b]);
        }
        let u = self.universe(&all)?;
        let mut bounds = Vec::new();
        let mut lo = 0;
        for p in &all {
            bounds.push((lo, lo + p.steps.len()));
            lo += p.steps.len();
        }
        // The normalized provider ids a segment runs on an accepting set, and their steps.
        let runs = |accept: &Bits, (lo, hi): (usize, usize)| -> Vec<(usize, usize)> {
            let mut out: Vec<(usize, usize)> = Vec::new();
            for s in ones(accept, lo, hi) {
                let id = u.provider_id[s];
                let p = &u.steps[s].provider;
                if p.kind() != ProviderKind::Reject && !out.iter().any(|&(_, i)| i == id) {
                    out.push((s - lo, id));
                }
                if always_handles(p) {
                    break;
                }
            }
            out
        };
        // What a version runs on an accepting set: its first pipeline, then its post
        // pipeline when the first can authenticate.
        let behaviour = |accept: &Bits, auth: usize, post_seg: Option<usize>| -> Seq {
            let first = runs(accept, bounds[auth]);
            let may = first.iter().any(|&(_, id)| may_authenticate(u.providers[id]));
            let second = post_seg.and_then(|p| may.then(|| runs(accept, bounds[p])));
            (first, second)
        };
        let ids = |(first, second): &Seq| -> Ids {
            let ids = |v: &Vec<(usize, usize)>| v.iter().map(|r| r.1).collect::<Vec<_>>();
            (ids(first), second.as_ref().map(ids))
        };
        let to_behaviour = |(first, second): Seq| {
            let conv = |v: Vec<(usize, usize)>| -> Vec<Run> {
                v.into_iter()
                    .map(|(step, id)| Run { step, provider: u.providers[id].clone() })
                    .collect()
            };
            Behaviour { runs: conv(first), post_runs: second.map(conv) }
        };
        let mut seen: HashMap<(Ids, Ids), ()> = HashMap::new();
        let mut differences = Vec::new();
        for (accept, class) in &u.groups {
            let a = behaviour(accept, 0, post.map(|_| 2));
            let b = behaviour(accept, 1, post.map(|_| 3));
            let (ia, ib) = (ids(&a), ids(&b));
            if ia == ib || seen.insert((ia, ib), ()).is_some() {
                continue;
            }
            let mut old_b = to_behaviour(a);
            let mut new_b = to_behaviour(b);
            if post.is_some() {
                // Show the post pipeline's runs even where it does not run as `[]`.
                old_b.post_runs.get_or_insert_with(Vec::new);
                new_b.post_runs.get_or_insert_with(Vec::new);
            }
            differences.push(Difference { witness: u.witness(class), old: old_b, new: new_b });
        }
        Ok(Diff { equivalent: differences.is_empty(), differences })
    }
}

impl Universe<'_> {
    fn witness(&self, c: &Class) -> Witness {
        let internal = self.addresses.values[c.address];
        Witness {
            request: Request {
                method: self.methods.values[c.method].clone(),
                path: self.paths.values[c.path].clone(),
                client_address: if internal { INTERNAL_ADDRESS } else { EXTERNAL_ADDRESS },
                cookie: self.cookies.values[c.cookie].then(|| WITNESS_COOKIE.to_string()),
                headers: Default::default(),
                body: None,
                windows_identity: None,
            },
            server_roles: self.uses_roles.then(|| self.roles.values[c.role]),
        }
    }
}

/// `base`, or `base` with a number appended, whichever `taken` does not refuse first.
fn fresh(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut candidate = base.to_string();
    let mut n = 0u64;
    while taken(&candidate) {
        n += 1;
        candidate = format!("{base}{n}");
    }
    candidate
}

/// The role-mask classes: representative role values, one per distinct set of masks the
/// value intersects, from the union-closure of the atoms (bits in the same masks).
fn role_classes(masks: &[u32]) -> Result<Vec<u32>, AnalysisError> {
    const MAX_ROLE_CLASSES: usize = 1 << 16;
    let words = masks.len().div_ceil(64).max(1);
    // Atoms: bits grouped by the set of masks that contain them.
    let mut atoms: Vec<(Bits, u32)> = Vec::new();
    for bit in 0..32 {
        let b = 1u32 << bit;
        let mut signature = vec![0u64; words];
        for (i, m) in masks.iter().enumerate() {
            if m & b != 0 {
                set(&mut signature, i);
            }
        }
        if signature.iter().all(|&w| w == 0) {
            continue;
        }
        if !atoms.iter().any(|(s, _)| *s == signature) {
            atoms.push((signature, b));
        }
    }
    let mut family: Vec<(Bits, u32)> = vec![(vec![0u64; words], 0)];
    let mut index: HashMap<Bits, ()> = HashMap::new();
    index.insert(vec![0u64; words], ());
    for (signature, b) in &atoms {
        for k in 0..family.len() {
            let union: Bits = family[k].0.iter().zip(signature).map(|(x, y)| x | y).collect();
            if index.insert(union.clone(), ()).is_none() {
                let roles = family[k].1 | b;
                family.push((union, roles));
                if family.len() > MAX_ROLE_CLASSES {
                    return Err(AnalysisError::TooManyClasses {
                        what: "server role combinations",
                        limit: MAX_ROLE_CLASSES,
                    });
                }
            }
        }
    }
    // Most roles first: witnesses then read like the default environment where possible.
    family.sort_by_key(|(s, _)| std::cmp::Reverse(s.iter().map(|w| w.count_ones()).sum::<u32>()));
    Ok(family.into_iter().map(|(_, r)| r).collect())
}

/// Why a step's predicates can never all be true.
fn contradiction(step: &Step) -> String {
    let ps = &step.predicates;
    if ps.contains(&Predicate::InternalRequestAddress)
        && ps.contains(&Predicate::ExternalRequestAddress)
    {
        return "the request address cannot be both internal and external".into();
    }
    let methods: Vec<&str> = ps
        .iter()
        .filter_map(|p| match p {
            Predicate::HttpMethod { method } => Some(method.as_str()),
            _ => None,
        })
        .collect();
    if methods.windows(2).any(|w| !w[0].eq_ignore_ascii_case(w[1])) {
        return format!("the method cannot be {} at once", methods.join(" and "));
    }
    if ps.iter().any(|p| matches!(p, Predicate::ServerRole { roles: 0 })) {
        return "a ServerRolePredicate with roles 0 is never true".into();
    }
    // What is left is the paths (the step is unsatisfiable, and the other facts agree).
    let url_paths = ps.iter().filter(|p| matches!(p, Predicate::UrlPath { .. })).count();
    if url_paths == 1 {
        return "every path of its UrlPathPredicate has a query (`?`), and a request path \
                never does"
            .into();
    }
    if url_paths > 1 {
        return "no path is in every UrlPathPredicate of the step".into();
    }
    "no request satisfies all its predicates".into()
}

/// The predicates of a satisfiable step that never change whether it runs: always true,
/// or implied by the others of the same fact (each predicate reads one fact, so nothing
/// else can imply it).
fn redundant_predicates(step: &Step) -> Vec<RedundantPredicate> {
    let ps = &step.predicates;
    let path_set = |p: &Predicate| -> Option<BTreeSet<String>> {
        match p {
            Predicate::UrlPath { paths } => Some(
                paths
                    .values()
                    .filter(|v| !v.contains('?'))
                    .map(|v| v.to_ascii_lowercase())
                    .collect(),
            ),
            _ => None,
        }
    };
    // From the last predicate back, each judged against the others not already reported:
    // every reported one is then implied by those that stay, so deleting all of them
    // together changes nothing either; of equivalent predicates the first stays.
    let mut reported = vec![false; ps.len()];
    let mut out = Vec::new();
    for j in (0..ps.len()).rev() {
        let p = &ps[j];
        let others: Vec<usize> = (0..ps.len()).filter(|&k| k != j && !reported[k]).collect();
        let (implied_by, reason): (Vec<usize>, String) = match p {
            Predicate::Always => {
                if ps.iter().all(|q| *q == Predicate::Always) && j == 0 {
                    continue; // A lone Always says "every request": idiomatic, kept.
                }
                (Vec::new(), "AlwaysAuthenticationPredicate is always true".into())
            }
            Predicate::UrlPath { .. } => {
                let mine = path_set(p).unwrap_or_default();
                let by: Vec<usize> =
                    others.iter().copied().filter(|&k| path_set(&ps[k]).is_some()).collect();
                let mut sets = by.iter().filter_map(|&k| path_set(&ps[k]));
                let Some(first) = sets.next() else { continue };
                let meet = sets.fold(first, |a, b| a.intersection(&b).cloned().collect());
                if !meet.is_subset(&mine) {
                    continue;
                }
                (by, "every path the other UrlPathPredicates allow is among its paths".into())
            }
            Predicate::HttpMethod { .. } => {
                let by: Vec<usize> = others
                    .iter()
                    .copied()
                    .filter(|&k| matches!(ps[k], Predicate::HttpMethod { .. }))
                    .collect();
                if by.is_empty() {
                    continue;
                }
                (by, "another HttpMethodPredicate already requires the same method".into())
            }
            Predicate::ServerRole { roles } => {
                let by: Vec<usize> = others
                    .iter()
                    .copied()
                    .filter(
                        |&k| matches!(ps[k], Predicate::ServerRole { roles: m } if m & !roles == 0),
                    )
                    .collect();
                if by.is_empty() {
                    continue;
                }
                (by, format!("a ServerRolePredicate whose mask is within {roles:#x} implies it"))
            }
            Predicate::CookieExist
            | Predicate::InternalRequestAddress
            | Predicate::ExternalRequestAddress => {
                let by: Vec<usize> = others.iter().copied().filter(|&k| ps[k] == *p).collect();
                if by.is_empty() {
                    continue;
                }
                (by, "the same predicate appears earlier in the step".into())
            }
        };
        reported[j] = true;
        out.push(RedundantPredicate { index: j, implied_by, reason });
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ones_stays_in_range() {
        let b = vec![u64::MAX, u64::MAX];
        assert_eq!(ones(&b, 3, 7).collect::<Vec<_>>(), vec![3, 4, 5, 6]);
        assert_eq!(ones(&b, 62, 66).collect::<Vec<_>>(), vec![62, 63, 64, 65]);
        assert_eq!(ones(&b, 0, 128).count(), 128);
        assert_eq!(ones(&b, 64, 128).count(), 64);
        assert_eq!(ones(&b, 5, 5).count(), 0);
    }

    fn paths(ps: &[&str]) -> Predicate {
        Predicate::UrlPath {
            paths: ps.iter().enumerate().map(|(i, p)| (format!("p{i}"), p.to_string())).collect(),
        }
    }

    #[test]
    fn redundant_predicates_can_all_be_deleted_together() {
        // {a} ∧ {a,b} ∧ {a,c}: the two wider sets go, {a} stays.
        let step = Step {
            predicates: vec![paths(&["/a"]), paths(&["/A", "/b"]), paths(&["/a", "/c"])],
            provider: Provider::Windows,
        };
        let r: Vec<(usize, Vec<usize>)> =
            redundant_predicates(&step).into_iter().map(|r| (r.index, r.implied_by)).collect();
        assert_eq!(r, vec![(1, vec![0]), (2, vec![0, 1])]);
        // A repeat: the later one goes; a lone Always stays, an Always among others goes.
        let step = Step {
            predicates: vec![Predicate::CookieExist, Predicate::Always, Predicate::CookieExist],
            provider: Provider::Windows,
        };
        let r: Vec<usize> = redundant_predicates(&step).into_iter().map(|r| r.index).collect();
        assert_eq!(r, vec![1, 2]);
        let lone = Step { predicates: vec![Predicate::Always], provider: Provider::Windows };
        assert!(redundant_predicates(&lone).is_empty());
        // Role masks: 0b01 implies 0b11, not the other way.
        let step = Step {
            predicates: vec![
                Predicate::ServerRole { roles: 0b11 },
                Predicate::ServerRole { roles: 0b01 },
            ],
            provider: Provider::Windows,
        };
        let r: Vec<usize> = redundant_predicates(&step).into_iter().map(|r| r.index).collect();
        assert_eq!(r, vec![0]);
    }

    #[test]
    fn fresh_appends_the_first_number_not_taken() {
        // Its contract: `base`, or `base` with a number appended, whichever `taken` does
        // not refuse first (the lint's "a path / method no step configures").
        assert_eq!(fresh("OTHER", |_| false), "OTHER");
        assert_eq!(fresh("OTHER", |c| c == "OTHER"), "OTHER1");
        assert_eq!(fresh("OTHER", |c| ["OTHER", "OTHER1", "OTHER2"].contains(&c)), "OTHER3");
    }

    #[test]
    fn role_classes_stop_at_their_limit_not_before() {
        // 16 disjoint single-bit masks: exactly 2^16 = MAX_ROLE_CLASSES classes, answered;
        // 17: more than the limit, refused (fail closed, never a partial answer).
        let masks: Vec<u32> = (0..17).map(|b| 1u32 << b).collect();
        assert_eq!(role_classes(&masks[..16]).unwrap().len(), 1 << 16);
        assert!(matches!(
            role_classes(&masks),
            Err(AnalysisError::TooManyClasses { limit, .. }) if limit == 1 << 16
        ));
    }

    #[test]
    fn role_classes_are_the_union_closure_of_atoms() {
        // Masks 0b011 and 0b110: atoms {bit0}, {bit1}, {bit2}; T-sets: ∅, {0}, {0,1}, {1}.
        let mut r = role_classes(&[0b011, 0b110]).unwrap();
        r.sort_unstable();
        let sets: BTreeSet<(bool, bool)> =
            r.iter().map(|x| (x & 0b011 != 0, x & 0b110 != 0)).collect();
        assert_eq!(sets.len(), 4, "{r:?}");
    }
}
