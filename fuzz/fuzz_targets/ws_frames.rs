//! Every WebSocket text frame a visitor or console may send is parsed here first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sodan::hub::protocol::{ConsoleFrame, VisitorFrame};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<VisitorFrame>(data);
    let _ = serde_json::from_slice::<ConsoleFrame>(data);
});
