//! The shop a load run talks to: the owner made through the one-time setup link, the harness's origin
//! allowed to use the widget.

use std::sync::Arc;

use super::{ORIGIN, Server};

fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect(name) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// Creates the owner, allows the harness's origin; returns the session cookie and the site key.
pub async fn set_up(server: &Server) -> (String, String) {
    set_up_for(server, ORIGIN).await
}

/// Creates the owner, allows `origins` (one per line) to use the widget; returns the session cookie and the
/// site key.
pub async fn set_up_for(server: &Server, origins: &str) -> (String, String) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let setup_url = std::fs::read_to_string(server.data_dir.join("setup-url"))
        .unwrap()
        .trim()
        .to_owned();
    let page = http
        .get(&setup_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = setup_url.split("token=").nth(1).unwrap();
    let form = [
        ("csrf", field(&page, "csrf")),
        ("token", token.to_owned()),
        ("email", "load@shop.example".into()),
        ("name", "Load Owner".into()),
        ("password", "load test password".into()),
        ("password_confirm", "load test password".into()),
    ];
    let created = http
        .post(format!("{}/setup", server.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303, "owner created");
    let page = http
        .get(format!("{}/settings/widget", server.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = [
        ("csrf", field(&page, "csrf")),
        ("origins", origins.into()),
        ("color", "#1f6feb".into()),
        ("greeting_en", "hi".into()),
        ("greeting_ja", "hi".into()),
        ("launcher_paths", String::new()),
    ];
    let saved = http
        .post(format!("{}/settings/widget", server.address))
        .form(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let saved = saved.replace("&#34;", "\"");
    let site = saved
        .split("data-site=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let cookie = reqwest::cookie::CookieStore::cookies(&*jar, &server.address.parse().unwrap())
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    (cookie, site)
}
