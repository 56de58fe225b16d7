//! The code generator behind `waiters!` on arbitrary JSON: tokens or errors (with
//! fallback tokens), never a panic; a proc macro that panics is an internal compiler
//! error for the user.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waiters_codegen::{Options, generate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = Options::new("fuzz.json");
    match generate(&options, text) {
        Ok(tokens) => {
            let _ = tokens.to_string();
        }
        Err(failure) => {
            for line in failure.error.lines() {
                assert!(!line.contains('\n'), "{line}");
            }
            let _ = failure.fallback.to_string();
        }
    }
});
