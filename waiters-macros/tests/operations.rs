//! The code generator and the runtime support the same operations: every operation a
//! model may name in `waiters!` has an `Operation` impl and input setters in the runtime,
//! and the run-time waiters call the same ones.

#[test]
fn codegen_and_runtime_support_the_same_operations() {
    assert_eq!(
        waiters_codegen::supported_operations(),
        waiters_runtime::batch::SUPPORTED_OPERATIONS
    );
}
