//! LINE's official Python SDK (`line-bot-sdk`, installed with pip for this user when missing) as the judge
//! of what crosses the wire: webhook bodies are built with its models (what LINE sends), Sodan's push
//! requests are read back with its `PushMessageRequest` model, and its `SignatureValidator` checks the
//! signature Sodan's signing computes.

use std::process::Command;

use serde_json::{Value, json};

/// The SDK version the tests were written against.
const SDK: &str = "line-bot-sdk==3.27.0";

const SCRIPT: &str = r#"
import json, sys
from linebot.v3 import SignatureValidator
from linebot.v3.messaging import PushMessageRequest
from linebot.v3.webhooks import (CallbackRequest, DeliveryContext, GroupSource, MessageEvent,
                                 TextMessageContent, UserSource)
task = json.loads(sys.argv[1])
if task["do"] == "webhook":
    events = []
    for e in task["events"]:
        if e["group"]:
            source = GroupSource(type="group", groupId=e["group"], userId=e["user"])
        else:
            source = UserSource(type="user", userId=e["user"])
        events.append(MessageEvent(source=source, timestamp=1700000000000, mode="active",
            webhookEventId=e["id"], deliveryContext=DeliveryContext(isRedelivery=False),
            replyToken="b60d432864f44d079f6d8efe86cf404b",
            message=TextMessageContent(id="444573844083572737", text=e["text"], quoteToken="q")))
    print(CallbackRequest(destination="U" + "0" * 32, events=events).to_json())
elif task["do"] == "push":
    request = PushMessageRequest.from_json(task["body"])
    texts = [m.actual_instance.text if hasattr(m, "actual_instance") else m.text for m in request.messages]
    print(json.dumps({"to": request.to, "texts": texts}))
elif task["do"] == "verify":
    print(json.dumps(SignatureValidator(task["secret"]).validate(task["body"], task["signature"])))
"#;

async fn run(task: Value) -> String {
    tokio::task::spawn_blocking(move || {
        crate::python::ensure("linebot.v3", SDK);
        let out = Command::new("python3")
            .args(["-c", SCRIPT, &task.to_string()])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "LINE SDK: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    })
    .await
    .unwrap()
}

/// One text message event: `(webhookEventId, userId, text, groupId if written in a group)`.
pub type TextEvent<'a> = (&'a str, &'a str, &'a str, Option<&'a str>);

/// A webhook body as LINE sends it, built with the SDK's models.
pub async fn webhook_body(events: &[TextEvent<'_>]) -> String {
    let events: Vec<Value> = events
        .iter()
        .map(
            |(id, user, text, group)| json!({"id": id, "user": user, "text": text, "group": group}),
        )
        .collect();
    run(json!({"do": "webhook", "events": events})).await
}

/// A push request body read with the SDK's `PushMessageRequest`: `(to, texts)`; fails the test if the
/// SDK does not accept it.
pub async fn read_push(body: &str) -> (String, Vec<String>) {
    let read: Value =
        serde_json::from_str(&run(json!({"do": "push", "body": body})).await).unwrap();
    let texts = read["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    (read["to"].as_str().unwrap().to_owned(), texts)
}

/// Whether the SDK's `SignatureValidator` accepts `signature` for `body`.
pub async fn sdk_verifies(secret: &str, body: &str, signature: &str) -> bool {
    run(json!({"do": "verify", "secret": secret, "body": body, "signature": signature})).await
        == "true"
}
