//! Customer data from the outside: CSV imports, REST API bodies, the widget's identify/set/track/cart.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sodan::fuzz::customer_inputs(data);
});
