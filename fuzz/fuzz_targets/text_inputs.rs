//! The checks every typed-in text goes through: messages, labels, e-mails, origins, file names, pages.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sodan::fuzz::text_inputs(data);
});
