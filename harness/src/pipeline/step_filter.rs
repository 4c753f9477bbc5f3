//! The engine's untraced fast path: which steps have all their predicates true, as a bitset
//! over the steps, from a few facts of the request looked up once each.
//!
//! Every built-in predicate (PROTOCOL 1.3) depends on exactly one fact: the path, the
//! method, whether a cookie exists, whether the address is internal, or one server-role
//! mask. For each fact, [`StepFilter::build`] precomputes one row of bits per value the
//! fact can take (a row of "other" for a path or method in no predicate): bit `s` is set
//! when every predicate of step `s` on that fact holds. A step's predicates all hold
//! exactly when its bit is set in the rows of all facts, so evaluation ANDs one row per
//! fact and runs providers only on the steps left, in order. Predicates have no side
//! effects, so the outcome is the same as evaluating them one by one (PIPE-ORACLE checks
//! it); the trace is not, and traced evaluation takes the step loop instead.

use super::caseless;
use super::model::{Pipeline, Predicate};
use super::request::{Environment, PreparedRequest};

/// The most bits the rows of one filter may hold; a pipeline that would need more (tens
/// of thousands of distinct paths on thousands of steps) is evaluated by the step loop.
const MAX_ROW_WORDS: usize = 1 << 20;

/// Rows of bits over the steps, one row per value of a fact.
#[derive(Debug, Clone)]
struct Rows {
    words: usize,
    bits: Box<[u64]>,
}

impl Rows {
    /// `values` rows, each with the bits of `unconstrained` set: the steps with no
    /// predicate on the fact hold whatever its value.
    fn new(values: usize, unconstrained: &[u64]) -> Self {
        Rows { words: unconstrained.len(), bits: unconstrained.repeat(values).into_boxed_slice() }
    }

    fn set(&mut self, value: usize, step: usize) {
        self.bits[value * self.words + step / 64] |= 1 << (step % 64);
    }

    #[inline]
    fn word(&self, value: usize, w: usize) -> u64 {
        self.bits[value * self.words + w]
    }
}

/// The bits of the steps for which `constrained` is false.
fn unconstrained(pipeline: &Pipeline, constrained: impl Fn(&Predicate) -> bool) -> Vec<u64> {
    let mut bits = vec![0u64; pipeline.steps.len().div_ceil(64)];
    for (s, step) in pipeline.steps.iter().enumerate() {
        if !step.predicates.iter().any(&constrained) {
            bits[s / 64] |= 1 << (s % 64);
        }
    }
    bits
}

/// The values of a fact (paths, methods), ASCII-lowercased, sorted by length then bytes.
#[derive(Debug, Clone, Default)]
struct CaselessSet {
    values: Box<[Box<str>]>,
    lengths: caseless::Lengths,
}

impl CaselessSet {
    fn new<'v>(values: impl Iterator<Item = &'v str>) -> Self {
        let mut values: Vec<Box<str>> = values.map(|v| v.to_ascii_lowercase().into()).collect();
        values.sort_unstable_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        values.dedup();
        let lengths = caseless::Lengths::of(values.iter().map(|v| &**v));
        CaselessSet { values: values.into_boxed_slice(), lengths }
    }

    /// The index of `v`, or `None` when it is in no predicate: none when no value has its
    /// length, else a scan when there are few values, else a binary search.
    #[inline]
    fn find(&self, v: &str) -> Option<usize> {
        if !self.lengths.may_contain(v) {
            return None;
        }
        let values = &self.values;
        if values.len() <= 16 {
            return values.iter().position(|x| caseless::eq(x, v));
        }
        let lower = || v.bytes().map(|b| b.to_ascii_lowercase());
        values.binary_search_by(|x| x.len().cmp(&v.len()).then_with(|| x.bytes().cmp(lower()))).ok()
    }

    /// The values' indices that all of `accepted` accept (a conjunction of predicates).
    fn accepted_by_all<'v, I: Iterator<Item = &'v str>>(
        &self,
        mut accepted: impl Iterator<Item = I>,
    ) -> Vec<usize> {
        let mut ids: Vec<usize> = match accepted.next() {
            Some(first) => first.filter_map(|v| self.find(v)).collect(),
            None => return Vec::new(),
        };
        for more in accepted {
            let more: Vec<usize> = more.filter_map(|v| self.find(v)).collect();
            ids.retain(|i| more.contains(i));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The row of `v`: its index, or the "other" row after the last value.
    #[inline]
    fn row(&self, v: &str) -> usize {
        self.find(v).unwrap_or(self.values.len())
    }
}

/// The precomputed rows of one pipeline.
#[derive(Debug, Clone)]
pub(super) struct StepFilter {
    words: usize,
    paths: CaselessSet,
    path_rows: Rows,
    methods: CaselessSet,
    method_rows: Rows,
    /// Row 0: no cookie, row 1: a cookie (PROTOCOL 1.3 CookieExist).
    cookie_rows: Rows,
    /// Row 0: external, row 1: internal; `None` when no step looks at the address.
    network_rows: Option<Rows>,
    /// Each distinct ServerRole mask, with the steps that hold when the server has none of
    /// its roles.
    roles: Box<[(u32, Box<[u64]>)]>,
}

impl StepFilter {
    /// Precomputes the rows, or `None` when they would exceed [`MAX_ROW_WORDS`].
    pub(super) fn build(pipeline: &Pipeline) -> Option<Self> {
        Self::build_within(pipeline, MAX_ROW_WORDS)
    }

    /// Precomputes the rows, or `None` when they would hold more than `max_row_words` words.
    fn build_within(pipeline: &Pipeline, max_row_words: usize) -> Option<Self> {
        let predicates = || pipeline.steps.iter().flat_map(|s| &s.predicates);
        let paths = CaselessSet::new(
            predicates()
                .flat_map(|p| match p {
                    Predicate::UrlPath { paths } => Some(paths.values().map(String::as_str)),
                    _ => None,
                })
                .flatten(),
        );
        let methods = CaselessSet::new(predicates().filter_map(|p| match p {
            Predicate::HttpMethod { method } => Some(method.as_str()),
            _ => None,
        }));
        let mut masks: Vec<u32> = predicates()
            .filter_map(|p| match p {
                Predicate::ServerRole { roles } => Some(*roles),
                _ => None,
            })
            .collect();
        masks.sort_unstable();
        masks.dedup();
        let words = pipeline.steps.len().div_ceil(64);
        let rows = paths.values.len() + methods.values.len() + masks.len() + 6;
        if rows.saturating_mul(words) > max_row_words {
            return None;
        }

        let free = unconstrained(pipeline, |p| matches!(p, Predicate::UrlPath { .. }));
        let mut path_rows = Rows::new(paths.values.len() + 1, &free);
        let free = unconstrained(pipeline, |p| matches!(p, Predicate::HttpMethod { .. }));
        let mut method_rows = Rows::new(methods.values.len() + 1, &free);
        let free = unconstrained(pipeline, |p| matches!(p, Predicate::CookieExist));
        let mut cookie_rows = Rows::new(2, &free);
        let network = |p: &Predicate| {
            matches!(p, Predicate::InternalRequestAddress | Predicate::ExternalRequestAddress)
        };
        let mut network_rows = Rows::new(2, &unconstrained(pipeline, network));
        let roles = masks
            .iter()
            .map(|&m| {
                let free = unconstrained(pipeline, |p| *p == Predicate::ServerRole { roles: m });
                (m, free.into_boxed_slice())
            })
            .collect();

        for (s, step) in pipeline.steps.iter().enumerate() {
            let url_paths = step.predicates.iter().filter_map(|p| match p {
                Predicate::UrlPath { paths } => Some(paths.values().map(String::as_str)),
                _ => None,
            });
            for id in paths.accepted_by_all(url_paths) {
                path_rows.set(id, s);
            }
            let step_methods = step.predicates.iter().filter_map(|p| match p {
                Predicate::HttpMethod { method } => Some(std::iter::once(method.as_str())),
                _ => None,
            });
            for id in methods.accepted_by_all(step_methods) {
                method_rows.set(id, s);
            }
            let has = |q: Predicate| step.predicates.contains(&q);
            if has(Predicate::CookieExist) {
                cookie_rows.set(1, s);
            }
            match (has(Predicate::InternalRequestAddress), has(Predicate::ExternalRequestAddress)) {
                (true, true) | (false, false) => {}
                (true, false) => network_rows.set(1, s),
                (false, true) => network_rows.set(0, s),
            }
        }
        #[cfg(feature = "mutants")]
        let paths = CaselessSet {
            values: super::planted::filter_values(paths.values),
            lengths: paths.lengths,
        };
        #[cfg(feature = "mutants")]
        let methods = CaselessSet {
            values: super::planted::filter_values(methods.values),
            lengths: methods.lengths,
        };
        Some(StepFilter {
            words,
            paths,
            path_rows,
            methods,
            method_rows,
            cookie_rows,
            network_rows: predicates().any(network).then_some(network_rows),
            roles,
        })
    }

    /// The steps whose predicates all hold, in order. `internal` is asked at most once,
    /// and only when a step looks at the address.
    #[inline]
    pub(super) fn candidates<'f>(
        &'f self,
        request: &PreparedRequest,
        env: &Environment,
        internal: impl FnOnce() -> bool,
    ) -> Candidates<'f> {
        let path = self.paths.row(request.path());
        let method = self.methods.row(&request.request.method);
        let cookie = usize::from(request.cookie_exist());
        let network = self.network_rows.as_ref().map(|rows| (rows, usize::from(internal())));
        let env_roles = env.server_roles;
        Candidates { filter: self, path, method, cookie, network, env_roles, word: 0, bits: 0 }
    }
}

/// An iterator over the step indices whose predicates all hold, in order.
pub(super) struct Candidates<'f> {
    filter: &'f StepFilter,
    path: usize,
    method: usize,
    cookie: usize,
    network: Option<(&'f Rows, usize)>,
    env_roles: u32,
    /// The next word of steps to AND together.
    word: usize,
    /// The candidates of the word before `word` not yet returned.
    bits: u64,
}

impl Candidates<'_> {
    /// The steps of word `w` whose predicates all hold.
    #[inline]
    fn steps_of_word(&self, w: usize) -> u64 {
        let filter = self.filter;
        let mut bits = filter.path_rows.word(self.path, w)
            & filter.method_rows.word(self.method, w)
            & filter.cookie_rows.word(self.cookie, w);
        if let Some((rows, value)) = self.network {
            bits &= rows.word(value, w);
        }
        for (mask, holding) in filter.roles.iter() {
            if self.env_roles & mask == 0 {
                bits &= holding[w];
            }
        }
        #[cfg(feature = "mutants")]
        let bits = super::planted::filter_candidates(bits);
        bits
    }
}

impl Iterator for Candidates<'_> {
    type Item = usize;

    /// The next candidate step, so that the caller can run its provider and return
    /// straight from its own loop (no outcome carried back through a closure).
    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            if self.word >= self.filter.words {
                return None;
            }
            self.bits = self.steps_of_word(self.word);
            self.word += 1;
        }
        let s = (self.word - 1) * 64 + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::model::{Provider, Step};
    use crate::pipeline::request::Request;
    use std::collections::BTreeMap;

    fn url_path(paths: &[&str]) -> Predicate {
        let paths = paths.iter().enumerate().map(|(i, p)| (format!("p{i}"), p.to_string()));
        Predicate::UrlPath { paths: paths.collect() }
    }

    fn method(m: &str) -> Predicate {
        Predicate::HttpMethod { method: m.into() }
    }

    fn request(method: &str, path: &str, cookie: Option<&str>) -> PreparedRequest {
        Request {
            method: method.into(),
            path: path.into(),
            client_address: "203.0.113.9".parse().unwrap(),
            cookie: cookie.map(str::to_string),
            headers: BTreeMap::new(),
            body: None,
            windows_identity: None,
        }
        .prepare()
    }

    fn pipeline(steps: Vec<Vec<Predicate>>) -> Pipeline {
        let steps = steps
            .into_iter()
            .map(|predicates| Step { predicates, provider: Provider::PassThrough })
            .collect();
        Pipeline { steps }
    }

    /// Every step index the filter leaves, in order.
    fn candidates(
        p: &Pipeline,
        r: &PreparedRequest,
        env: &Environment,
        internal: bool,
    ) -> Vec<usize> {
        let filter = StepFilter::build(p).expect("small pipeline");
        let mut seen = Vec::new();
        filter.candidates(r, env, || internal).find_map(|s| {
            seen.push(s);
            None::<()>
        });
        seen
    }

    #[test]
    fn paths_and_methods_compare_ascii_case_insensitively_and_query_is_ignored() {
        let p = pipeline(vec![
            vec![url_path(&["/A.aspx", "/b.ASPX"]), method("post")],
            vec![url_path(&["/a.aspx"])],
            vec![method("GET")],
            vec![],
        ]);
        let env = Environment::default();
        assert_eq!(candidates(&p, &request("POST", "/a.ASPX?x=1", None), &env, false), [0, 1, 3]);
        assert_eq!(candidates(&p, &request("get", "/B.aspx", None), &env, false), [2, 3]);
        assert_eq!(candidates(&p, &request("PUT", "/elsewhere", None), &env, false), [3]);
    }

    #[test]
    fn two_predicates_on_one_fact_must_both_hold() {
        let p = pipeline(vec![
            vec![url_path(&["/a", "/b"]), url_path(&["/b", "/c"])],
            vec![method("GET"), method("POST")],
            vec![method("GET"), method("get")],
        ]);
        let env = Environment::default();
        assert_eq!(candidates(&p, &request("GET", "/b", None), &env, false), [0, 2]);
        assert_eq!(candidates(&p, &request("GET", "/a", None), &env, false), [2]);
        assert_eq!(candidates(&p, &request("POST", "/c", None), &env, false), [] as [usize; 0]);
        assert_eq!(candidates(&p, &request("POST", "/B", None), &env, false), [0]);
    }

    #[test]
    fn cookie_network_and_roles_each_have_their_rows() {
        let p = pipeline(vec![
            vec![Predicate::CookieExist],
            vec![Predicate::InternalRequestAddress],
            vec![Predicate::ExternalRequestAddress],
            vec![Predicate::ServerRole { roles: 0b01 }],
            vec![Predicate::ServerRole { roles: 0b10 }, Predicate::Always],
        ]);
        let mut env = Environment { server_roles: 0b10, ..Environment::default() };
        let with_cookie = request("GET", "/", Some("MSCRMSession=ticket=abc"));
        assert_eq!(candidates(&p, &with_cookie, &env, true), [0, 1, 4]);
        env.server_roles = 0b01;
        assert_eq!(candidates(&p, &request("GET", "/", None), &env, false), [2, 3]);
    }

    #[test]
    fn the_address_is_not_classified_when_no_step_needs_it() {
        let p = pipeline(vec![vec![method("GET")]]);
        let filter = StepFilter::build(&p).unwrap();
        let r = request("GET", "/", None);
        let env = Environment::default();
        let got = filter.candidates(&r, &env, || panic!("asked")).find_map(Some);
        assert_eq!(got, Some(0));
    }

    #[test]
    fn rows_span_several_words() {
        for n in [63, 64, 65, 128, 130] {
            let steps = (0..n).map(|i| vec![url_path(&[&format!("/s{i}")])]).collect();
            let mut p = pipeline(steps);
            p.steps.push(Step { predicates: vec![], provider: Provider::PassThrough });
            let env = Environment::default();
            for k in [0, 1, n / 2, n - 1] {
                let got = candidates(&p, &request("GET", &format!("/S{k}"), None), &env, false);
                assert_eq!(got, [k, n], "{n} steps, path of step {k}");
            }
            let got = candidates(&p, &request("GET", "/none", None), &env, false);
            assert_eq!(got, [n], "{n} steps, no path");
        }
    }

    #[test]
    fn a_pipeline_too_large_for_rows_has_no_filter() {
        // 5,000 steps of 3 distinct paths each: 15,000 rows of 79 words, over 2^20.
        let step: Vec<String> = (0..3).map(|i| format!("/p{i}")).collect();
        let steps = (0..5000)
            .map(|s| {
                let paths =
                    step.iter().enumerate().map(|(i, p)| (format!("k{i}"), format!("{p}/{s}")));
                vec![Predicate::UrlPath { paths: paths.collect() }]
            })
            .collect();
        assert!(StepFilter::build(&pipeline(steps)).is_none());
    }

    /// The bound is inclusive and counts one row per distinct path, per distinct method, per
    /// distinct ServerRole mask, and six fixed rows (no path, no method, cookie or not,
    /// internal or external), each of one word per 64 steps.
    #[test]
    fn the_row_bound_is_inclusive_and_counts_every_row() {
        let mask = Predicate::ServerRole { roles: 0b11 };
        let p = pipeline(vec![vec![
            url_path(&["/a", "/b", "/c"]),
            method("GET"),
            method("POST"),
            mask,
        ]]);
        // 3 + 2 + 1 + 6 rows of 1 word.
        assert!(StepFilter::build_within(&p, 12).is_some());
        assert!(StepFilter::build_within(&p, 11).is_none());
    }
}
