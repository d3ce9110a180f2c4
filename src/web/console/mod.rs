//! The operator console: server-rendered pages (askama) for setup, sign-in, invitations, the inbox shell,
//! customers, settings and the operator's own account.

mod account;
mod ai_actions;
mod ai_settings;
mod api_settings;
mod attachments;
pub mod audit_log;
mod canned;
mod card;
mod card_live;
mod customer_settings;
mod customers;
mod email_settings;
mod faq_settings;
mod first_run;
mod hours_settings;
mod import;
mod inbox;
mod line_settings;
mod login;
mod mailbox_settings;
mod pages;
mod password_reset;
mod privacy_settings;
mod push_devices;
mod received_mail;
mod report_charts;
mod reports;
mod segment_settings;
mod settings;
mod setup;
mod shop_time;
mod socket;
mod trigger_settings;
mod two_factor;
mod webhook_settings;
mod widget_settings;

use actix_web::web;

/// Registers the console's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/setup", web::get().to(setup::form))
        .route("/setup", web::post().to(setup::submit))
        .route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::submit))
        .route("/login/code", web::get().to(two_factor::code_form))
        .route("/login/code", web::post().to(two_factor::code_submit))
        .route("/logout", web::post().to(login::logout))
        .route(
            "/password/forgot",
            web::get().to(password_reset::forgot_form),
        )
        .route("/password/forgot", web::post().to(password_reset::forgot))
        .route("/password/reset", web::get().to(password_reset::reset_form))
        .route("/password/reset", web::post().to(password_reset::reset))
        .route("/invite/{token}", web::get().to(settings::invite_form))
        .route("/invite/{token}", web::post().to(settings::invite_accept))
        .route("/inbox", web::get().to(inbox::list))
        .route("/inbox/{id}", web::get().to(inbox::show))
        .route("/inbox/{id}/messages", web::get().to(inbox::messages))
        .route("/inbox/{id}/mail/{seq}", web::get().to(received_mail::show))
        .route("/inbox/{id}/messages", web::post().to(inbox::reply))
        .route("/inbox/{id}/status", web::post().to(inbox::set_status))
        .route("/inbox/{id}/assign", web::post().to(inbox::assign))
        .route("/inbox/{id}/labels", web::post().to(inbox::set_labels))
        .route("/inbox/{id}/uploads", web::post().to(attachments::upload))
        .route(
            "/inbox/{id}/uploads/{upload_id}",
            web::get().to(attachments::download),
        )
        .route("/customers", web::get().to(customers::list))
        .service(
            web::resource("/customers/import")
                .app_data(import_form_limit())
                .route(web::get().to(import::form))
                .route(web::post().to(import::run)),
        )
        .service(
            web::resource("/customers/import/preview")
                .app_data(import_form_limit())
                .route(web::post().to(import::preview)),
        )
        .route("/customers/{id}", web::get().to(customers::show))
        .route("/customers/{id}/export", web::get().to(customers::export))
        .route("/customers/{id}/delete", web::post().to(customers::delete))
        .route("/customers/{id}/notes", web::post().to(customers::add_note))
        .route(
            "/customers/{id}/notes/{note}/edit",
            web::post().to(customers::edit_note),
        )
        .route(
            "/customers/{id}/notes/{note}/delete",
            web::post().to(customers::delete_note),
        )
        .route("/settings", web::get().to(settings::page))
        .route("/settings/invites", web::post().to(settings::create_invite))
        .route(
            "/settings/invites/{id}/revoke",
            web::post().to(settings::revoke_invite),
        )
        .route(
            "/settings/operators/{id}/disable",
            web::post().to(settings::disable),
        )
        .route(
            "/settings/operators/{id}/enable",
            web::post().to(settings::enable),
        )
        .route("/account", web::get().to(account::page))
        .route("/account/2fa", web::get().to(two_factor::page))
        .route("/account/push", web::get().to(push_devices::page))
        .route("/account/push", web::post().to(push_devices::subscribe))
        .route(
            "/account/push/hours",
            web::post().to(push_devices::set_hours),
        )
        .route(
            "/account/push/{id}/remove",
            web::post().to(push_devices::remove),
        )
        .route("/account/2fa/start", web::post().to(two_factor::start))
        .route("/account/2fa/confirm", web::post().to(two_factor::confirm))
        .route("/account/2fa/disable", web::post().to(two_factor::disable))
        .route(
            "/settings/two-factor",
            web::post().to(two_factor::set_requirement),
        )
        .route(
            "/settings/operators/{id}/2fa/reset",
            web::post().to(two_factor::reset),
        )
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route(
            "/account/language",
            web::post().to(account::change_language),
        )
        .route("/account/away", web::post().to(account::set_away))
        .route("/account/mail", web::post().to(account::set_mail))
        .route("/settings/segments", web::get().to(segment_settings::page))
        .route("/settings/segments", web::post().to(segment_settings::save))
        .route(
            "/settings/segments/score",
            web::post().to(segment_settings::save_score),
        )
        .route(
            "/settings/segments/{id}",
            web::get().to(segment_settings::edit),
        )
        .route(
            "/settings/segments/{id}/delete",
            web::post().to(segment_settings::delete),
        )
        .route("/settings/canned", web::get().to(canned::page))
        .route("/settings/canned", web::post().to(canned::save))
        .route("/settings/canned/{id}", web::get().to(canned::edit))
        .route(
            "/settings/canned/{id}/delete",
            web::post().to(canned::delete),
        )
        .route("/inbox/{id}/canned", web::get().to(canned::picker))
        .route("/inbox/{id}/card", web::get().to(card_live::fragment))
        .route("/inbox/{id}/draft", web::post().to(ai_actions::draft_reply))
        .route("/inbox/{id}/summary", web::post().to(ai_actions::summarise))
        .route(
            "/inbox/{id}/translate",
            web::post().to(ai_actions::translate),
        )
        .route("/canned/{id}/used", web::post().to(canned::used))
        .route("/settings/faq", web::get().to(faq_settings::page))
        .route(
            "/settings/faq/articles",
            web::post().to(faq_settings::save_article),
        )
        .route(
            "/settings/faq/articles/{id}",
            web::get().to(faq_settings::edit),
        )
        .route(
            "/settings/faq/articles/{id}/delete",
            web::post().to(faq_settings::delete_article),
        )
        .route("/settings/faq/bot", web::post().to(faq_settings::save_bot))
        .route("/settings/email", web::get().to(email_settings::page))
        .route("/settings/email", web::post().to(email_settings::save))
        .route("/settings/email/test", web::post().to(email_settings::test))
        .route(
            "/settings/email/mailbox",
            web::get().to(mailbox_settings::page),
        )
        .route(
            "/settings/email/mailbox",
            web::post().to(mailbox_settings::save),
        )
        .route(
            "/settings/email/mailbox/test",
            web::post().to(mailbox_settings::test),
        )
        .route("/settings/webhooks", web::get().to(webhook_settings::page))
        .route("/settings/webhooks", web::post().to(webhook_settings::add))
        .route(
            "/settings/webhooks/{id}/delete",
            web::post().to(webhook_settings::delete),
        )
        .route("/settings/line", web::get().to(line_settings::page))
        .route("/settings/line", web::post().to(line_settings::save))
        .route("/settings/ai", web::get().to(ai_settings::page))
        .route("/settings/ai", web::post().to(ai_settings::save))
        .route("/settings/ai/test", web::post().to(ai_settings::test))
        .route("/settings/audit", web::get().to(audit_log::page))
        .route("/settings/privacy", web::get().to(privacy_settings::page))
        .route("/reports", web::get().to(reports::page))
        .route("/reports.csv", web::get().to(reports::export))
        .route("/settings/privacy", web::post().to(privacy_settings::save))
        .route("/settings/hours", web::get().to(hours_settings::page))
        .route(
            "/settings/hours",
            web::post().to(hours_settings::save_hours),
        )
        .route(
            "/settings/hours/autoreply",
            web::post().to(hours_settings::save_rules),
        )
        .route("/settings/triggers", web::get().to(trigger_settings::page))
        .route("/settings/triggers", web::post().to(trigger_settings::save))
        .route(
            "/settings/triggers/{id}",
            web::get().to(trigger_settings::edit),
        )
        .route(
            "/settings/triggers/{id}/delete",
            web::post().to(trigger_settings::delete),
        )
        .route("/settings/widget", web::get().to(widget_settings::page))
        .route("/settings/widget", web::post().to(widget_settings::save))
        .route(
            "/settings/widget/identity-secret",
            web::post().to(widget_settings::regenerate_secret),
        )
        .route(
            "/settings/customers",
            web::get().to(customer_settings::page),
        )
        .route(
            "/settings/customers/attributes",
            web::post().to(customer_settings::declare),
        )
        .route(
            "/settings/customers/attributes/{key}/delete",
            web::post().to(customer_settings::undeclare),
        )
        .route(
            "/settings/customers/card",
            web::post().to(customer_settings::save_layout),
        )
        .route("/settings/api", web::get().to(api_settings::page))
        .route("/settings/api", web::post().to(api_settings::create))
        .route(
            "/settings/api/{id}/revoke",
            web::post().to(api_settings::revoke),
        )
        .route("/console/ws", web::get().to(socket::connect));
}

/// The CSV import's forms carry the whole file.
fn import_form_limit() -> web::FormConfig {
    web::FormConfig::default()
        .limit(import::MAX_CSV_BYTES * 2)
        .error_handler(|err, _| {
            crate::web::AppError::BadRequest(format!("invalid form: {err}")).into()
        })
}
