//! The compiled engine allocates nothing while evaluating (issue: "evaluating a request
//! does no heap allocation"), measured with a counting global allocator on this thread.

use crmauth::pipeline::{CompiledPipeline, Pipeline, Walk};
use crmauth::scenario::ScenarioTable;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    COUNT.with(Cell::get)
}

#[test]
fn the_counter_sees_allocations() {
    assert!(allocations(|| drop(std::hint::black_box(vec![1u8; 16]))) >= 1);
}

#[test]
fn compiled_evaluation_allocates_nothing_on_every_scenario() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/vectors/scenarios");
    let mut evaluated = 0;
    for name in ["onpremise.json", "ifd.json", "passport.json"] {
        let table = ScenarioTable::load(&dir.join(name)).unwrap();
        for walk in [Walk::Steps, Walk::Filter] {
            let compile = |p: &Pipeline| CompiledPipeline::compile_walk(p, walk);
            let auth = compile(&table.reference.authentication);
            let post = table.reference.post_authentication.as_ref().map(compile);
            assert_eq!(auth.walk(), walk);
            for s in &table.scenarios {
                let prepared = s.request.clone().prepare();
                let org = crmauth::pipeline::request::Scope::of(table.compiled.strategy, &prepared);
                let n = allocations(|| {
                    for _ in 0..10 {
                        std::hint::black_box(auth.evaluate(&prepared, &table.env, org));
                        if let Some(post) = &post {
                            std::hint::black_box(post.evaluate(&prepared, &table.env, org));
                        }
                    }
                });
                assert_eq!(n, 0, "{name} ({walk:?}): {} allocated {n} times", s.name);
                evaluated += 1;
            }
        }
    }
    assert!(evaluated > 60);
}
