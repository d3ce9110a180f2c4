//! Reports on a data set with known answers: conversations made through the real server, moved to known
//! instants through a backup, then read back from the Reports page and its CSV.

use reqwest::StatusCode;
use serde_json::json;
use sodan::customers::identity::user_hash;

use crate::aging::{DAY_MS, restored_with};
use crate::customers::identity_secret;
use crate::helpers::{OWNER_EMAIL, OWNER_PASSWORD, TestApp, spawn_app, spawn_app_in};
use crate::ws::{SHOP_ORIGIN, Ws, visitor_hello};

/// Monday 2026-11-02 10:00 UTC.
const T0: u64 = 1_793_613_600_000;
const HOUR_MS: u64 = 3_600_000;

/// An identified customer on their item page who writes; returns their socket and conversation.
async fn chat(app: &TestApp, site: &str, secret: &str, user: &str) -> (Ws, u64) {
    let (mut ws, _) = visitor_hello(app, site, None).await;
    ws.send(json!({"type": "identify", "user_id": user, "user_hash": user_hash(secret, user)}))
        .await;
    ws.recv_type("identified").await;
    ws.send(json!({"type": "page", "url": format!("http://shop.test/items/{user}?ref=mail")}))
        .await;
    ws.send(json!({"type": "message", "client_id": "m1", "body": "Hello"}))
        .await;
    let conversation = ws.recv_type("ack").await["conversation"].as_u64().unwrap();
    (ws, conversation)
}

fn cells(page: &str, table: &str) -> Vec<Vec<String>> {
    let start = page
        .find(&format!("data-table=\"{table}\""))
        .expect("the table is shown");
    let body = &page[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap().to_owned())
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_data_set_with_known_answers_gives_exactly_those_numbers_in_the_report_and_its_csv() {
    let (app, dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let site = app.configure_widget(&owner, &[SHOP_ORIGIN]).await;
    let secret = identity_secret(&app, &owner).await;
    let invite = app.invite(&owner, "kenji@shop.example", "operator").await;
    let kenji = app
        .accept_invite(&invite, "Kenji", "operator password 1")
        .await;

    let (mut aiko, a) = chat(&app, &site, &secret, "aiko").await;
    let (mut ben, b) = chat(&app, &site, &secret, "ben").await;
    let (_chie, c) = chat(&app, &site, &secret, "chie").await;
    // Dan looks at Aiko's item page and does not chat.
    let (mut dan, _) = visitor_hello(&app, &site, None).await;
    dan.send(json!({"type": "page", "url": "http://shop.test/items/aiko"}))
        .await;
    aiko.send(json!({"type": "track", "name": "purchase", "properties": {"total": 4200}}))
        .await;
    for (agent, conversation) in [(&owner, a), (&kenji, b)] {
        let mut console = crate::ws::console(&app, agent).await;
        console
            .send(json!({"type": "message", "conversation": conversation, "client_id": "r1", "body": "Hi!"}))
            .await;
        console.recv_type("ack").await;
        let resolved = app
            .submit(
                agent,
                &format!("/inbox/{conversation}"),
                &format!("/inbox/{conversation}/status"),
                &[("status", "resolved")],
            )
            .await;
        assert!(resolved.status().is_redirection());
    }
    for (ws, conversation, rating) in [(&mut aiko, a, 5), (&mut ben, b, 3)] {
        let asked = ws.recv_type("resolved").await;
        assert_eq!(asked["conversation"], conversation);
        ws.send(json!({"type": "rate", "conversation": conversation, "rating": 9}))
            .await;
        assert!(
            ws.recv_type("error").await["message"]
                .as_str()
                .unwrap()
                .contains("1 to 5")
        );
        ws.send(json!({"type": "rate", "conversation": conversation, "rating": rating, "comment": "thanks"}))
            .await;
        assert_eq!(ws.recv_type("rated").await["rating"], rating);
    }
    // Chie's conversation is open: it cannot be rated yet.
    let (mut chie, _) = {
        let (ws, _) = visitor_hello(&app, &site, None).await;
        (ws, ())
    };
    chie.send(json!({"type": "rate", "conversation": c, "rating": 4}))
        .await;
    assert_eq!(
        chie.recv_type("error").await["code"],
        "not_found",
        "not theirs"
    );

    // Known instants: A Monday 10:00 (answered in 60 s, resolved in 600 s), B Tuesday 13:00 (180 s,
    // 1,200 s), C Wednesday 10:00 (unanswered); Dan's visit Monday 11:00; the purchase on Wednesday.
    let starts = [
        (a, T0, 60, 600),
        (b, T0 + DAY_MS + 3 * HOUR_MS, 180, 1_200),
        (c, T0 + 2 * DAY_MS, 0, 0),
    ];
    let aged = restored_with(dir.path(), move |table, key, value| {
        let when = |id: u64| starts.iter().find(|s| s.0 == id).copied();
        match table {
            "conversation_id_fact" => {
                let (_, at, first, resolved) = when(key.as_u64().unwrap()).unwrap();
                value["created_at"] = json!(at);
                if first > 0 {
                    value["first_response_at"] = json!(at + first * 1000);
                    value["resolved_at"] = json!(at + resolved * 1000);
                }
            }
            "startedms_conversationid" => {
                key[0] = json!(when(key[1].as_u64().unwrap()).unwrap().1);
            }
            "pagekey_atms_visitorid" => key[1] = json!(T0 + HOUR_MS),
            "eventkey_visitorid_atms_cents" => key[2] = json!(T0 + 2 * DAY_MS),
            _ => {}
        }
    })
    .await;
    app.stop().await;
    let app = spawn_app_in(aged.path()).await;
    let owner = app.client();
    app.login(&owner, OWNER_EMAIL, OWNER_PASSWORD).await;

    let query = "from=2026-11-02&to=2026-11-08";
    let page = app.page(&owner, &format!("/reports?{query}")).await;
    assert_eq!(cells(&page, "summary"), [["3", "0", "0"]]);
    let days = cells(&page, "days");
    assert_eq!(days.len(), 7);
    assert_eq!(days[0], ["2026-11-02", "1", "1", "5"]);
    assert_eq!(days[1], ["2026-11-03", "1", "1", "3"]);
    assert_eq!(days[2], ["2026-11-04", "1", "0", ""]);
    assert_eq!(days[3][1], "0");
    let hours = cells(&page, "hours");
    assert_eq!(hours[0][1 + 10], "1", "Monday 10:00");
    assert_eq!(hours[1][1 + 13], "1", "Tuesday 13:00");
    assert_eq!(hours[2][1 + 10], "1", "Wednesday 10:00");
    let total: u64 = hours
        .iter()
        .flat_map(|r| r[1..].iter())
        .map(|c| c.parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 3);
    assert_eq!(
        cells(&page, "operators"),
        [
            ["Hana Owner", "1", "1 min", "1 min", "1", "5"],
            ["Kenji", "1", "3 min", "3 min", "1", "3"]
        ]
    );
    assert_eq!(
        cells(&page, "pages"),
        [
            ["http://shop.test/items/aiko", "1"],
            ["http://shop.test/items/ben", "1"],
            ["http://shop.test/items/chie", "1"]
        ]
    );
    assert_eq!(
        cells(&page, "csat")
            .iter()
            .map(|r| r[1].as_str())
            .collect::<Vec<_>>(),
        ["0", "0", "1", "0", "1"]
    );
    assert_eq!(
        cells(&page, "outcome"),
        [
            ["Customers who chatted", "3", "1", "33", "¥4,200"],
            [
                "Visitors of the same pages who did not chat",
                "1",
                "0",
                "0",
                ""
            ]
        ]
    );
    for chart in ["chart-days", "chart-heat", "chart-csat"] {
        assert!(page.contains(&format!("<svg id=\"{chart}\"")), "{chart}");
    }
    // People read durations in minutes and hours and money in the shop's currency; the CSV below keeps
    // plain seconds and amounts for spreadsheets. Charts label their axes.
    assert_eq!(
        cells(&page, "times")[3],
        ["Resolution", "All", "2", "15 min", "20 min"]
    );
    let days_chart = page.split("<svg id=\"chart-days\"").nth(1).unwrap();
    let days_chart = days_chart.split("</svg>").next().unwrap();
    assert!(days_chart.contains(">Date<") && days_chart.contains(">Conversations started<"));
    assert!(days_chart.contains(">2026-11-02<") && days_chart.contains(">2026-11-08<"));

    let csv = app
        .get(&owner, &format!("/reports.csv?table=times&{query}"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        csv.text().await.unwrap(),
        ",,Count,Median,90th percentile\r\n\
         First response,All,2,120,180\r\n\
         First response,In business hours,2,120,180\r\n\
         First response,Outside business hours,0,,\r\n\
         Resolution,All,2,900,1200\r\n\
         Resolution,In business hours,2,900,1200\r\n\
         Resolution,Outside business hours,0,,\r\n"
    );
    let outcome = app
        .get(
            &owner,
            &format!("/reports.csv?table=outcome&{query}&window=1"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        outcome.contains("Customers who chatted,3,0,0,0.00"),
        "a purchase two days later is outside a one-day window: {outcome}"
    );
    // Filters: Kenji's conversations only.
    let kenji_id = page
        .split("<option value=\"")
        .find_map(|o| o.split_once("\">Kenji<").map(|(v, _)| v.to_owned()))
        .expect("Kenji is in the operator filter");
    let only = app
        .page(&owner, &format!("/reports?{query}&operator={kenji_id}"))
        .await;
    assert_eq!(cells(&only, "summary"), [["1", "0", "0"]]);
    // Bad input is explained.
    let bad = app
        .get(&owner, "/reports?from=2026-11-08&to=2026-11-01")
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("end not before the start")
    );
    let unknown = app
        .get(&owner, &format!("/reports.csv?table=nope&{query}"))
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test]
async fn a_rating_given_in_the_widget_appears_in_the_reports_charts() {
    use crate::widget_browser::{wait_widget, widget_js};
    let (app, _dir) = spawn_app().await;
    let owner = app.set_up_owner().await;
    let (shop, _site) = crate::shop::open_shop(&app, &owner, "en").await;
    let mut console = crate::ws::console(&app, &owner).await;

    let browser = crate::browser::Browser::launch().await;
    browser.goto(&format!("{}/item/7", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    widget_js(
        &browser,
        "\
         root.querySelector('textarea').value = 'Is this in stock?'; \
         root.querySelector('form').requestSubmit();",
    )
    .await;
    let message = console.recv_type("message").await;
    let conversation = message["message"]["conversation"].as_u64().unwrap();
    console
        .send(json!({"type": "message", "conversation": conversation, "client_id": "r1", "body": "Yes, 3 left."}))
        .await;
    console.recv_type("ack").await;
    let resolved = app
        .submit(
            &owner,
            &format!("/inbox/{conversation}"),
            &format!("/inbox/{conversation}/status"),
            &[("status", "resolved")],
        )
        .await;
    assert!(resolved.status().is_redirection());

    // The widget asks; sending without stars says what is missing; four stars and a comment are saved.
    wait_widget(&browser, "!root.querySelector('.rate').hidden").await;
    assert_eq!(
        widget_js(
            &browser,
            "return root.querySelector('.rate .ra').textContent"
        )
        .await,
        "How did we do?"
    );
    widget_js(&browser, "root.querySelector('.rate').requestSubmit()").await;
    wait_widget(
        &browser,
        "root.querySelector('.note').textContent === 'How did we do?'",
    )
    .await;
    widget_js(
        &browser,
        "root.querySelectorAll('.stars button')[3].click(); \
         root.querySelector('.rate .rc').value = 'Quick answer'; ",
    )
    .await;
    browser.screenshot("csat-widget").await;
    widget_js(&browser, "root.querySelector('.rate').requestSubmit()").await;
    wait_widget(
        &browser,
        "root.querySelector('.rate').hidden && root.querySelector('.mailok').textContent.includes('Thank you')",
    )
    .await;
    // Reloading and opening does not ask again.
    browser.goto(&format!("{}/item/7", shop.origin)).await;
    wait_widget(&browser, "!root.querySelector('.launch').hidden").await;
    crate::widget_browser::open_widget(&browser).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        widget_js(&browser, "return root.querySelector('.rate').hidden").await,
        true
    );
    browser.close().await;

    // The console's Reports page draws its charts, and the rating is in them and in the table.
    let console_browser = crate::browser::Browser::launch().await;
    console_browser
        .sign_in(&app.url(""), OWNER_EMAIL, OWNER_PASSWORD)
        .await;
    console_browser.goto(&app.url("/reports")).await;
    console_browser
        .wait_until("document.querySelectorAll('svg.chart').length === 3")
        .await;
    let drawn = console_browser
        .client()
        .execute(
            "return [document.querySelectorAll('#chart-days rect.bar').length, \
              document.querySelectorAll('#chart-heat rect.cell').length, \
              [...document.querySelectorAll('#chart-csat rect.bar')].map(r => r.getBBox().height > 0), \
              document.querySelector('#chart-csat rect.bar:nth-of-type(4) title').textContent, \
              document.querySelector('#chart-csat').getBoundingClientRect().width > 100];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(drawn[0], 30, "a bar per day of the last 30 days");
    assert_eq!(drawn[1], 168);
    assert_eq!(
        drawn[2],
        json!([false, false, false, true, false]),
        "one 4-star rating"
    );
    assert_eq!(drawn[3], "4★: 1");
    assert_eq!(drawn[4], true);
    let csat = console_browser
        .text("table[data-table='csat'] tbody tr:nth-child(4) td:nth-child(2)")
        .await;
    assert_eq!(csat, "1");
    let shot = console_browser.screenshot("reports-page").await;
    assert!(std::fs::metadata(shot).unwrap().len() > 10_000);
    console_browser.close().await;
    app.stop().await;
}
