//! Segment rule text, as typed in the console or sent to the API.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sodan::fuzz::segment_rules(data);
});
