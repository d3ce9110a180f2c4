//! The console's languages: Japanese and English texts, and how the language of a request is chosen
//! (the operator's own setting, else the browser's Accept-Language, else English).

pub mod messages;

use serde::{Deserialize, Serialize};

use crate::operators::InvalidInput;

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// Parses a stored or submitted tag (`en`, `ja`).
    pub fn parse(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// Picks the supported language the browser prefers most, by `q` weight, from an Accept-Language value.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ja") => Lang::Ja,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::En)
    }

    /// The console texts in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Ja => &JA,
        }
    }
}

/// Every text the console shows, one field per text, so a missing translation fails to compile.
/// Each field's name says what the text is for.
#[allow(missing_docs)]
#[derive(Debug)]
pub struct Texts {
    pub nav_inbox: &'static str,
    pub nav_customers: &'static str,
    pub nav_settings: &'static str,
    pub nav_account: &'static str,
    pub sign_out: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_confirm: &'static str,
    pub name: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_button: &'static str,
    pub wrong_credentials: &'static str,
    pub account_disabled: &'static str,
    pub too_many_attempts: &'static str,
    /// The banner admins see while the data disk is low.
    pub disk_low: &'static str,
    /// When the sign-in lock ends (`{}`: minutes).
    pub locked_for: &'static str,
    pub setup_title: &'static str,
    pub setup_intro: &'static str,
    pub setup_button: &'static str,
    pub setup_link_invalid: &'static str,
    pub setup_pending: &'static str,
    pub invite_accept_title: &'static str,
    pub invite_accept_intro: &'static str,
    pub invite_accept_button: &'static str,
    pub invite_invalid: &'static str,
    pub inbox_title: &'static str,
    pub inbox_empty: &'static str,
    pub customers_title: &'static str,
    pub customers_empty: &'static str,
    pub settings_title: &'static str,
    pub team_title: &'static str,
    pub role: &'static str,
    pub role_owner: &'static str,
    pub role_admin: &'static str,
    pub role_operator: &'static str,
    pub status: &'static str,
    pub status_active: &'static str,
    pub status_disabled: &'static str,
    pub disable: &'static str,
    pub enable: &'static str,
    pub you: &'static str,
    pub invite_title: &'static str,
    pub invite_button: &'static str,
    pub invite_created: &'static str,
    pub pending_invites: &'static str,
    pub expires: &'static str,
    pub revoke: &'static str,
    pub account_title: &'static str,
    pub language: &'static str,
    pub language_auto: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub change_password_title: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub password_changed: &'static str,
    pub wrong_current_password: &'static str,
    pub invalid_email: &'static str,
    pub invalid_name: &'static str,
    pub password_too_short: &'static str,
    pub password_too_long: &'static str,
    pub password_mismatch: &'static str,
    pub email_taken: &'static str,
    pub admins_only: &'static str,
    pub widget_title: &'static str,
    pub snippet_help: &'static str,
    pub allowed_origins: &'static str,
    pub allowed_origins_help: &'static str,
    pub widget_color: &'static str,
    pub greeting_en: &'static str,
    pub greeting_ja: &'static str,
    pub launcher_paths: &'static str,
    pub launcher_paths_help: &'static str,
    pub identity_title: &'static str,
    pub identity_verified: &'static str,
    pub identity_unverified: &'static str,
    pub identity_anonymous: &'static str,
    pub cart_total: &'static str,
    pub page_views_word: &'static str,
    pub card_title: &'static str,
    pub notes_title: &'static str,
    pub note_add: &'static str,
    pub note_placeholder: &'static str,
    pub note_edit: &'static str,
    pub note_delete: &'static str,
    /// Asked before something is deleted for good.
    pub confirm_delete: &'static str,
    /// Asked before the identity secret is replaced.
    pub confirm_regenerate: &'static str,
    pub note_edited: &'static str,
    pub none_known: &'static str,
    pub customer_page: &'static str,
    pub customers_search: &'static str,
    pub customer_settings_title: &'static str,
    pub api_title: &'static str,
    pub import_title: &'static str,
    pub import_help: &'static str,
    pub import_file: &'static str,
    pub import_paste: &'static str,
    pub import_preview: &'static str,
    pub import_map_help: &'static str,
    pub import_rows: &'static str,
    pub import_run: &'static str,
    pub import_skip: &'static str,
    pub import_created: &'static str,
    pub import_updated: &'static str,
    pub import_skipped: &'static str,
    pub import_line: &'static str,
    pub attribute_word: &'static str,
    pub phone: &'static str,
    pub api_help: &'static str,
    pub api_token_created: &'static str,
    pub api_token_invalid: &'static str,
    pub api_scopes: &'static str,
    pub api_created: &'static str,
    pub api_revoked: &'static str,
    pub api_revoke: &'static str,
    pub api_create: &'static str,
    pub card_layout_title: &'static str,
    pub card_layout_help: &'static str,
    pub card_show: &'static str,
    pub card_order: &'static str,
    pub card_field: &'static str,
    pub attributes_title: &'static str,
    pub attributes_help: &'static str,
    pub attribute_key: &'static str,
    pub attribute_label: &'static str,
    pub attribute_type: &'static str,
    pub attribute_declare: &'static str,
    pub undeclared_title: &'static str,
    pub search_button: &'static str,
    pub user_id: &'static str,
    pub conversations_count: &'static str,
    pub older: &'static str,
    pub timeline_title: &'static str,
    pub timeline_empty: &'static str,
    pub timeline_conversation: &'static str,
    pub timeline_page: &'static str,
    pub timeline_event: &'static str,
    pub identity_help: &'static str,
    pub identity_secret: &'static str,
    pub identity_required: &'static str,
    pub identity_regenerate: &'static str,
    pub api_snippet_help: &'static str,
    pub invalid_origin: &'static str,
    pub invalid_color: &'static str,
    pub invalid_greeting: &'static str,
    pub view_all: &'static str,
    pub view_mine: &'static str,
    pub view_unassigned: &'static str,
    pub status_open: &'static str,
    pub status_pending: &'static str,
    pub status_snoozed: &'static str,
    pub status_resolved: &'static str,
    pub search: &'static str,
    pub visitor: &'static str,
    pub unassigned: &'static str,
    pub assign: &'static str,
    pub labels: &'static str,
    pub labels_help: &'static str,
    pub reply_placeholder: &'static str,
    pub send: &'static str,
    pub private_note: &'static str,
    pub note_badge: &'static str,
    pub load_earlier: &'static str,
    pub viewing_now: &'static str,
    pub last_seen: &'static str,
    pub typing: &'static str,
    pub snooze_hours: &'static str,
    pub apply: &'static str,
    /// Push heading.
    pub push_title: &'static str,
    /// What push does.
    pub push_help: &'static str,
    /// Button: subscribe this device.
    pub push_enable: &'static str,
    /// No push in this browser.
    pub push_unsupported: &'static str,
    /// Permission refused.
    pub push_denied: &'static str,
    /// Subscribed.
    pub push_on: &'static str,
    /// Device list heading.
    pub push_devices: &'static str,
    /// No devices.
    pub push_none: &'static str,
    /// Column.
    pub push_added: &'static str,
    /// Column.
    pub push_last_used: &'static str,
    /// Never used.
    pub push_never: &'static str,
    /// Button: remove a device.
    pub push_remove: &'static str,
    /// Option.
    pub push_outside_hours: &'static str,
    /// Two-factor sign-in heading.
    pub tf_title: &'static str,
    /// The code field.
    pub tf_code_label: &'static str,
    /// How to find the code.
    pub tf_code_help: &'static str,
    /// Button: check the code.
    pub tf_verify: &'static str,
    /// A wrong or used code.
    pub tf_wrong_code: &'static str,
    /// The pending sign-in ran out.
    pub tf_expired: &'static str,
    /// 2FA is on.
    pub tf_on: &'static str,
    /// 2FA is off.
    pub tf_off: &'static str,
    /// Recovery codes left.
    pub tf_recovery_left: &'static str,
    /// Button: begin enrolment.
    pub tf_start: &'static str,
    /// Enrolment instructions.
    pub tf_scan: &'static str,
    /// The secret as text.
    pub tf_key: &'static str,
    /// Button: finish enrolment.
    pub tf_confirm: &'static str,
    /// Shown once after enrolment.
    pub tf_recovery_codes: &'static str,
    /// Button: turn 2FA off.
    pub tf_disable: &'static str,
    /// Enrolment is forced.
    pub tf_required: &'static str,
    /// Cannot turn off a required 2FA.
    pub tf_required_no_off: &'static str,
    /// Setting: who must use 2FA.
    pub tf_requirement: &'static str,
    /// Requirement: nobody.
    pub tf_req_optional: &'static str,
    /// Requirement: admins.
    pub tf_req_admins: &'static str,
    /// Requirement: all.
    pub tf_req_everyone: &'static str,
    /// Button: owner resets someone's 2FA.
    pub tf_reset: &'static str,
    /// Team table column.
    pub tf_column: &'static str,
    /// Heads the IMAP settings.
    pub mailbox_title: &'static str,
    /// Explains the mailbox.
    pub mailbox_help: &'static str,
    /// The on switch.
    pub mailbox_enabled: &'static str,
    /// The IMAP folder.
    pub mailbox_folder: &'static str,
    /// The test button.
    pub mailbox_test: &'static str,
    /// Test succeeded.
    pub mailbox_test_ok: &'static str,
    /// Test failed.
    pub mailbox_test_failed: &'static str,
    /// What the reader is doing now.
    pub mailbox_now: &'static str,
    /// The mails read list's heading.
    pub mailbox_received: &'static str,
    /// No mail read yet.
    pub mailbox_received_none: &'static str,
    /// Column: when.
    pub mailbox_col_when: &'static str,
    /// Column: sender.
    pub mailbox_col_from: &'static str,
    /// Column: subject.
    pub mailbox_col_subject: &'static str,
    /// Column: what became of it.
    pub mailbox_col_result: &'static str,
    /// A mail became a message.
    pub outcome_delivered: &'static str,
    /// A mail no one should answer.
    pub outcome_ignored: &'static str,
    /// A mail that could not be read.
    pub outcome_failed: &'static str,
    /// Link to the whole mail of a message.
    pub mail_full: &'static str,
    /// On an e-mail conversation: where replies go.
    pub replies_mailed_to: &'static str,
    /// Link back to the conversation.
    pub back_to_conversation: &'static str,
    /// Column of help-center votes.
    pub help_votes: &'static str,
    /// The shop's name field.
    pub shop_name: &'static str,
    /// An article's category.
    pub faq_category: &'static str,
    /// The help center's title.
    pub help_title: &'static str,
    /// The help center's search box.
    pub help_search: &'static str,
    /// The search button.
    pub help_search_button: &'static str,
    /// Heads search results.
    pub help_results: &'static str,
    /// No search results.
    pub help_no_results: &'static str,
    /// Articles without a category.
    pub help_other: &'static str,
    /// Back to the home.
    pub help_back: &'static str,
    /// The helpful question.
    pub help_helpful: &'static str,
    /// Helpful.
    pub help_yes: &'static str,
    /// Not helpful.
    pub help_no: &'static str,
    /// After a vote.
    pub help_thanks: &'static str,
    /// The link to the other language (named in it).
    pub help_other_language: &'static str,
    /// The opt-in to learn from answered questions.
    pub ai_learn: &'static str,
    /// Translates the operator's draft into the visitor's language.
    pub ai_translate_draft: &'static str,
    /// Heads the original text kept beside a translated reply.
    pub ai_original: &'static str,
    /// Heads the AI's weekly figures.
    pub ai_stats: &'static str,
    /// The week column.
    pub ai_week: &'static str,
    /// Questions the model answered.
    pub ai_answered: &'static str,
    /// Answers in conversations nobody handed over.
    pub ai_answered_alone: &'static str,
    /// Hand-overs after an automatic answer.
    pub ai_hand_overs: &'static str,
    /// Ratings.
    pub ai_helpful: &'static str,
    /// The endpoint failed; the keyword answer went.
    pub ai_fallbacks: &'static str,
    /// Questions without an answer.
    pub ai_unanswered: &'static str,
    /// The card fields that may go to the model.
    pub ai_card_fields: &'static str,
    /// Heads the AI summary note.
    pub ai_summary_note: &'static str,
    /// The Summarise button.
    pub ai_summarise: &'static str,
    /// The Translate link.
    pub ai_translate: &'static str,
    /// Draft refused: AI is off.
    pub ai_off: &'static str,
    /// The model did not answer.
    pub ai_failed: &'static str,
    /// The Draft a reply button.
    pub ai_draft: &'static str,
    /// While the model drafts.
    pub ai_drafting: &'static str,
    /// Introduces a draft's sources.
    pub ai_sources: &'static str,
    /// Settings → AI.
    pub ai_title: &'static str,
    /// What Settings → AI does.
    pub ai_help: &'static str,
    /// What is sent to the endpoint.
    pub ai_leaves: &'static str,
    /// Turns the model on.
    pub ai_enabled: &'static str,
    /// The endpoint's base URL.
    pub ai_endpoint: &'static str,
    /// The chat model.
    pub ai_chat_model: &'static str,
    /// The embeddings model.
    pub ai_embed_model: &'static str,
    /// The API key.
    pub ai_key: &'static str,
    /// When the bot answers.
    pub ai_mode: &'static str,
    /// Mode: suggest.
    pub ai_mode_suggest: &'static str,
    /// Mode: out of hours.
    pub ai_mode_out_of_hours: &'static str,
    /// Mode: always.
    pub ai_mode_always: &'static str,
    /// Request time-out.
    pub ai_timeout: &'static str,
    /// Answer length limit.
    pub ai_max_tokens: &'static str,
    /// Tests the connection.
    pub ai_test: &'static str,
    /// Introduces the endpoint's answer.
    pub ai_probe_answer: &'static str,
    /// When the endpoint did not answer.
    pub ai_no_answer: &'static str,
    /// The shop's currency field.
    pub currency: &'static str,
    /// A currency code that is not three letters.
    pub invalid_currency: &'static str,
    /// Weekday abbreviations, Monday first.
    pub weekdays_short: [&'static str; 7],
    /// The heatmap's hour axis.
    pub reports_hour_axis: &'static str,
    /// Seconds, minutes, hours and days, with {} for the number.
    pub duration_units: [&'static str; 4],
    /// Login page link to the reset form.
    pub forgot_link: &'static str,
    /// The reset request page's title.
    pub forgot_title: &'static str,
    /// What the reset request page does.
    pub forgot_help: &'static str,
    /// Sends the reset link.
    pub forgot_button: &'static str,
    /// Shown after a reset request, whether or not the address has an account.
    pub forgot_sent: &'static str,
    /// When no mail server is set up.
    pub forgot_no_mail: &'static str,
    /// The new password page's title.
    pub reset_title: &'static str,
    /// A dead reset link.
    pub reset_invalid: &'static str,
    /// Saves the new password.
    pub reset_button: &'static str,
    /// Login notice after a reset.
    pub reset_done: &'static str,
    /// The empty inbox's checklist title.
    pub first_run_title: &'static str,
    /// First-run step: the widget.
    pub first_run_widget: &'static str,
    /// First-run step: the team.
    pub first_run_team: &'static str,
    /// First-run step: business hours.
    pub first_run_hours: &'static str,
    /// Marks a first-run step done.
    pub first_run_done: &'static str,
    /// Settings → Widget: the public URL is a loopback address.
    pub public_url_loopback: &'static str,
    /// Settings → Widget: the public URL is plain HTTP.
    pub public_url_http: &'static str,
    /// One-click resolve.
    pub quick_resolve: &'static str,
    /// One-click reopen.
    pub quick_reopen: &'static str,
    /// One-click snooze for a day.
    pub quick_snooze: &'static str,
    /// One-click assign to the operator.
    pub assign_me: &'static str,
    /// The detailed status, assignee and label forms.
    pub more_actions: &'static str,
    /// The keyboard shortcuts list's title.
    pub shortcuts_title: &'static str,
    /// Where the shortcut list is.
    pub shortcuts_hint: &'static str,
    /// Shortcut: resolve or reopen.
    pub shortcut_resolve: &'static str,
    /// Shortcut: snooze.
    pub shortcut_snooze: &'static str,
    /// Shortcut: assign to me.
    pub shortcut_assign: &'static str,
    /// Shortcut: reply box.
    pub shortcut_reply: &'static str,
    /// Shortcut: next conversation.
    pub shortcut_next: &'static str,
    /// Shortcut: previous conversation.
    pub shortcut_prev: &'static str,
    /// Shortcut: this list.
    pub shortcut_help: &'static str,
    /// Closes a dialog.
    pub close: &'static str,
    pub pick_conversation: &'static str,
    pub enable_notifications: &'static str,
    /// Why the sound is off until the operator clicks (browsers' autoplay rules).
    pub sound_blocked: &'static str,
    pub started_on: &'static str,
    pub no_matches: &'static str,
    pub live_offline: &'static str,
    /// Segments
    pub segments_title: &'static str,
    /// segments_help
    pub segments_help: &'static str,
    /// Name
    pub segment_name: &'static str,
    /// Rule
    pub segment_rule: &'static str,
    /// Rule as text
    pub segment_rule_text: &'static str,
    /// segment_rule_help
    pub segment_rule_help: &'static str,
    /// Members
    pub segment_members: &'static str,
    /// Assign new conversations to
    pub segment_route: &'static str,
    /// Nobody (unassigned)
    pub segment_route_none: &'static str,
    /// List their conversations first
    pub segment_priority: &'static str,
    /// New segment
    pub segment_new: &'static str,
    /// Edit segment
    pub segment_edit: &'static str,
    /// Create segment
    pub segment_create: &'static str,
    /// Updating members
    pub segment_backfill: &'static str,
    /// All segments
    pub segment_all: &'static str,
    /// Segment
    pub segment_filter: &'static str,
    /// All of these (AND)
    pub builder_all: &'static str,
    /// Any of these (OR)
    pub builder_any: &'static str,
    /// Add condition
    pub builder_add: &'static str,
    /// Add group
    pub builder_group: &'static str,
    /// Remove
    pub builder_remove: &'static str,
    /// Intent score
    pub score_title: &'static str,
    /// score_help
    pub score_help: &'static str,
    pub nav_reports: &'static str,
    pub reports_from: &'static str,
    pub reports_to: &'static str,
    pub reports_all: &'static str,
    pub reports_channel: &'static str,
    pub reports_operator: &'static str,
    pub reports_segment: &'static str,
    pub reports_event: &'static str,
    pub reports_window: &'static str,
    pub reports_show: &'static str,
    pub reports_csv: &'static str,
    pub reports_bad_range: &'static str,
    pub reports_summary: &'static str,
    pub reports_total: &'static str,
    pub reports_automated: &'static str,
    pub reports_by_day: &'static str,
    pub reports_heat: &'static str,
    pub reports_times: &'static str,
    pub reports_first_response: &'static str,
    pub reports_resolution: &'static str,
    pub reports_in_hours: &'static str,
    pub reports_out_of_hours: &'static str,
    pub reports_operators: &'static str,
    pub reports_pages: &'static str,
    pub reports_triggers: &'static str,
    pub reports_csat: &'static str,
    pub reports_outcome: &'static str,
    pub reports_chatted: &'static str,
    pub reports_not_chatted: &'static str,
    pub reports_count: &'static str,
    pub reports_median: &'static str,
    pub reports_p90: &'static str,
    pub reports_ratings: &'static str,
    pub reports_mean: &'static str,
    pub reports_converted: &'static str,
    pub reports_share: &'static str,
    pub reports_revenue: &'static str,
    pub reports_date: &'static str,
    pub reports_rating: &'static str,
    pub reports_weekday: &'static str,
    pub privacy_title: &'static str,
    pub retention_help: &'static str,
    pub retention_history_days: &'static str,
    /// Retention of anonymous visitors.
    pub retention_anonymous_days: &'static str,
    pub retention_conversation_months: &'static str,
    pub customer_delete: &'static str,
    pub customer_delete_help: &'static str,
    pub delete_keep_shells: &'static str,
    pub delete_remove_all: &'static str,
    pub delete_confirm: &'static str,
    /// Audit log
    pub audit_title: &'static str,
    /// When
    pub audit_when: &'static str,
    /// Who
    pub audit_who: &'static str,
    /// What
    pub audit_what: &'static str,
    /// Export everything about this customer (JSON)
    pub customer_export: &'static str,
    /// line_help
    pub line_help: &'static str,
    /// Webhook URL
    pub line_webhook_url: &'static str,
    /// Channel secret
    pub line_secret: &'static str,
    /// Channel access token
    pub line_token: &'static str,
    /// Messaging API address
    pub line_api_base: &'static str,
    /// Webhooks
    pub webhooks_title: &'static str,
    /// webhooks_help
    pub webhooks_help: &'static str,
    /// Events
    pub webhooks_events: &'static str,
    /// Signing secret
    pub webhooks_secret: &'static str,
    /// Add webhook
    pub webhooks_add: &'static str,
    /// Latest deliveries
    pub webhooks_deliveries: &'static str,
    /// E-mail me about new conversations that start while nobody is online
    pub account_new_conversation_mail: &'static str,
    /// Your conversation
    pub mail_conversation_title: &'static str,
    /// Your reply
    pub mail_reply: &'static str,
    /// E-mail notifications
    pub unsubscribe_title: &'static str,
    /// Stop e-mails about replies to your questions?
    pub unsubscribe_help: &'static str,
    /// Stop these e-mails
    pub unsubscribe_button: &'static str,
    /// Done: you will get no more e-mails about replies.
    pub unsubscribe_done: &'static str,
    /// E-mail
    pub email_title: &'static str,
    /// email_help
    pub email_help: &'static str,
    /// SMTP server
    pub email_host: &'static str,
    /// Port
    pub email_port: &'static str,
    /// Security (starttls: port 587, tls: port 465, none: local relay only)
    pub email_security: &'static str,
    /// User name (empty: no login)
    pub email_username: &'static str,
    /// Password
    pub email_password: &'static str,
    /// (saved; leave empty to keep it)
    pub email_password_set: &'static str,
    /// From (Shop <support@shop.example>)
    pub email_from: &'static str,
    /// Wait before e-mailing a reply to a visitor who left (seconds)
    pub email_grace: &'static str,
    /// Send a test e-mail to
    pub email_test: &'static str,
    /// Send test e-mail
    pub email_test_button: &'static str,
    /// The server accepted the test e-mail for
    pub email_test_sent: &'static str,
    /// The server did not accept the test e-mail:
    pub email_test_failed: &'static str,
    /// Save the SMTP settings first.
    pub email_not_configured: &'static str,
    /// Latest mails
    pub email_recent: &'static str,
    /// To
    pub email_to: &'static str,
    /// Subject
    pub email_subject: &'static str,
    /// Status
    pub email_status: &'static str,
    /// Server's answer
    pub email_error: &'static str,
    /// Only during business hours (when they are set)
    pub trigger_in_hours: &'static str,
    /// Online
    pub status_online: &'static str,
    /// Away
    pub status_away: &'static str,
    /// Set yourself away
    pub go_away: &'static str,
    /// Set yourself online
    pub go_online: &'static str,
    /// FAQ bot
    pub faq_bot: &'static str,
    /// FAQ and bot
    pub faq_title: &'static str,
    /// faq_help
    pub faq_help: &'static str,
    /// Articles
    pub faq_articles: &'static str,
    /// New article
    pub faq_new: &'static str,
    /// Edit article
    pub faq_edit: &'static str,
    /// Title
    pub faq_article_title: &'static str,
    /// Text (Markdown)
    pub faq_body: &'static str,
    /// Language
    pub faq_language: &'static str,
    /// Any
    pub faq_any_language: &'static str,
    /// Keywords (comma-separated)
    pub faq_keywords: &'static str,
    /// Save article
    pub faq_save: &'static str,
    /// The bot
    pub faq_bot_title: &'static str,
    /// When the bot answers
    pub faq_mode: &'static str,
    /// Off
    pub faq_mode_off: &'static str,
    /// Always, before a person
    pub faq_mode_always: &'static str,
    /// Only outside business hours
    pub faq_mode_outside: &'static str,
    /// Menu
    pub faq_menu: &'static str,
    /// faq_menu_help
    pub faq_menu_help: &'static str,
    /// Conversations the bot answered first
    pub faq_stats_taken: &'static str,
    /// resolved by the bot alone
    pub faq_stats_resolved: &'static str,
    /// Canned replies
    pub canned_title: &'static str,
    /// canned_help
    pub canned_help: &'static str,
    /// New canned reply
    pub canned_new: &'static str,
    /// Edit canned reply
    pub canned_edit: &'static str,
    /// Title
    pub canned_reply_title: &'static str,
    /// Shortcut (after /)
    pub canned_shortcut: &'static str,
    /// Text
    pub canned_body: &'static str,
    /// Tags (comma-separated)
    pub canned_tags: &'static str,
    /// List first for customers in
    pub canned_segments: &'static str,
    /// Personal (only for me)
    pub canned_personal: &'static str,
    /// Shared
    pub canned_shared: &'static str,
    /// Uses
    pub canned_uses: &'static str,
    /// Save reply
    pub canned_create: &'static str,
    /// No canned reply matches.
    pub canned_none: &'static str,
    /// The picker's note on a reply this customer lacks a value for (followed by the variables).
    pub canned_missing: &'static str,
    /// Hours and auto-replies
    pub hours_title: &'static str,
    /// Business hours decide which automatic reply a visitor gets and which greeting the widget shows. Without them, the shop counts as always open.
    pub hours_help: &'static str,
    /// Use business hours
    pub hours_enabled: &'static str,
    /// Time zone (such as Asia/Tokyo)
    pub hours_zone: &'static str,
    /// Opening times per day, such as 10:00-12:00, 13:00-18:00 (empty: closed; past midnight: end at 24:00 and start the next day at 00:00).
    pub hours_day_help: &'static str,
    /// Holidays (one date per line, YYYY-MM-DD)
    pub hours_holidays: &'static str,
    /// Import a list of dates (text or CSV: the date first on each line)
    pub hours_import: &'static str,
    /// Open now
    pub hours_open_now: &'static str,
    /// Closed now
    pub hours_closed_now: &'static str,
    /// next opening
    pub hours_next: &'static str,
    /// Auto-replies
    pub autoreply_title: &'static str,
    /// Inside business hours
    pub autoreply_in_title: &'static str,
    /// Reply automatically when no operator has answered the visitor's first message in time
    pub autoreply_in_on: &'static str,
    /// Wait for an operator (seconds)
    pub autoreply_wait: &'static str,
    /// Outside business hours
    pub autoreply_out_title: &'static str,
    /// Reply at once, saying when the shop is back
    pub autoreply_out_on: &'static str,
    /// {next} is replaced by when the shop opens, such as “Monday 10:00”.
    pub autoreply_out_help: &'static str,
    /// Widget greeting outside business hours (empty: the usual greeting)
    pub greeting_away: &'static str,
    /// Automatic reply
    pub automatic_reply: &'static str,
    /// Proactive messages
    pub triggers_title: &'static str,
    /// A proactive message shows in the widget when its conditions hold: on a page, after some time or scrolling, or when the visitor is about to leave; for some customers only. Each visitor sees it at most as often as its limits allow.
    pub triggers_help: &'static str,
    /// New proactive message
    pub trigger_new: &'static str,
    /// Edit proactive message
    pub trigger_edit: &'static str,
    /// Create
    pub trigger_create: &'static str,
    /// On
    pub trigger_enabled: &'static str,
    /// Off
    pub trigger_off: &'static str,
    /// When
    pub trigger_when: &'static str,
    /// Page (pattern such as /pricing or /items/*; empty: every page)
    pub trigger_page: &'static str,
    /// Page
    pub trigger_page_short: &'static str,
    /// No activity for (seconds)
    pub trigger_idle: &'static str,
    /// Time on the page (seconds)
    pub trigger_time: &'static str,
    /// Scrolled down (%)
    pub trigger_scroll: &'static str,
    /// About to leave the page (desktop)
    pub trigger_exit: &'static str,
    /// Visits at least
    pub trigger_visits: &'static str,
    /// Only members of
    pub trigger_segment: &'static str,
    /// Everyone
    pub trigger_anyone: &'static str,
    /// Cart value at least
    pub trigger_cart: &'static str,
    /// Intent score at least
    pub trigger_intent: &'static str,
    /// What shows
    pub trigger_what: &'static str,
    /// Kind
    pub trigger_kind: &'static str,
    /// A message bubble from an operator
    pub trigger_kind_bubble: &'static str,
    /// An answer with a link
    pub trigger_kind_answer: &'static str,
    /// Open the chat with a question ready to send
    pub trigger_kind_question: &'static str,
    /// From
    pub trigger_from: &'static str,
    /// The team
    pub trigger_from_team: &'static str,
    /// Text (English)
    pub trigger_text_en: &'static str,
    /// Text (Japanese)
    pub trigger_text_ja: &'static str,
    /// Link (for an answer)
    pub trigger_link: &'static str,
    /// Limits
    pub trigger_limits: &'static str,
    /// Show again after (days; 0: on every page view)
    pub trigger_every: &'static str,
    /// Not while a conversation is open
    pub trigger_quiet: &'static str,
    /// Never again for a visitor who closed it
    pub trigger_stop: &'static str,
    /// Shown
    pub trigger_shown: &'static str,
    /// Clicked
    pub trigger_clicked: &'static str,
    /// Closed
    pub trigger_dismissed: &'static str,
    /// Conversations
    pub trigger_conversations: &'static str,
    /// Click rate
    pub trigger_rate: &'static str,
    /// Conversations started on its pages
    pub trigger_deflection: &'static str,
    /// per day before it went live
    pub trigger_before: &'static str,
    /// per day since
    pub trigger_after: &'static str,
    /// days compared
    pub trigger_days: &'static str,
    /// The comparison starts once it has been on for a day.
    pub trigger_deflection_wait: &'static str,
    /// Started after the proactive message
    pub trigger_started: &'static str,
}

impl Texts {
    /// When a sign-in lock ends, in words.
    pub fn locked_minutes(&self, minutes: u64) -> String {
        self.locked_for.replace("{}", &minutes.to_string())
    }

    /// The message for refused account input.
    pub fn invalid(&self, why: InvalidInput) -> &'static str {
        match why {
            InvalidInput::Email => self.invalid_email,
            InvalidInput::Name => self.invalid_name,
            InvalidInput::PasswordTooShort => self.password_too_short,
            InvalidInput::PasswordTooLong => self.password_too_long,
            InvalidInput::PasswordMismatch => self.password_mismatch,
        }
    }

    /// A duration as people read it: `45 s`, `12 min`, `3 h 20 min`, `2 d 4 h` (`3時間20分`).
    pub fn duration(&self, secs: f64) -> String {
        let secs = secs.max(0.0).round() as u64;
        let [s, m, h, d] = self.duration_units;
        let unit = |pattern: &str, n: u64| pattern.replace("{}", &n.to_string());
        let two = |a: String, b: String| {
            if self.duration_units[0].starts_with("{} ") {
                format!("{a} {b}")
            } else {
                format!("{a}{b}")
            }
        };
        match secs {
            0..60 => unit(s, secs),
            60..3_600 => unit(m, (secs + 30) / 60),
            3_600..86_400 => {
                let minutes = (secs % 3_600 + 30) / 60;
                match minutes {
                    0 => unit(h, secs / 3_600),
                    60 => unit(h, secs / 3_600 + 1),
                    _ => two(unit(h, secs / 3_600), unit(m, minutes)),
                }
            }
            _ => {
                let hours = (secs % 86_400 + 1_800) / 3_600;
                match hours {
                    0 => unit(d, secs / 86_400),
                    24 => unit(d, secs / 86_400 + 1),
                    _ => two(unit(d, secs / 86_400), unit(h, hours)),
                }
            }
        }
    }

    /// The name of a role.
    pub fn role_name(&self, role: crate::operators::Role) -> &'static str {
        use crate::operators::Role;
        match role {
            Role::Owner => self.role_owner,
            Role::Admin => self.role_admin,
            Role::Operator => self.role_operator,
        }
    }
}

static EN: Texts = Texts {
    nav_inbox: "Inbox",
    nav_customers: "Customers",
    nav_settings: "Settings",
    nav_account: "My account",
    sign_out: "Sign out",
    email: "E-mail",
    password: "Password",
    password_confirm: "Password (again)",
    name: "Name",
    sign_in_title: "Sign in to Sodan",
    sign_in_button: "Sign in",
    wrong_credentials: "The e-mail address or password is incorrect.",
    account_disabled: "This account is disabled. Ask an admin of your team to enable it.",
    too_many_attempts: "Too many failed sign-ins. Try again in a few minutes.",
    locked_for: "about {} more minutes",
    disk_low: "The server's disk is nearly full: visitors' files, page views and events are not being saved. Free some space (old backups, logs) on the data disk.",
    setup_title: "Welcome to Sodan",
    setup_intro: "Create the owner account. You can invite your team afterwards.",
    setup_button: "Create owner account",
    setup_link_invalid: "This setup link is not valid. Use the link printed in the server log.",
    setup_pending: "Sodan is not set up yet. Open the setup link printed in the server log to create the owner account.",
    invite_accept_title: "Join your team on Sodan",
    invite_accept_intro: "Choose your name and a password to create your account.",
    invite_accept_button: "Create my account",
    invite_invalid: "This invitation link has expired or was already used. Ask an admin for a new one.",
    inbox_title: "Inbox",
    inbox_empty: "No conversations yet. Once the chat widget is on your site, visitors' messages appear here.",
    customers_title: "Customers",
    customers_empty: "No customers yet. Visitors who chat or are identified by your shop appear here.",
    settings_title: "Settings",
    team_title: "Team",
    role: "Role",
    role_owner: "Owner",
    role_admin: "Admin",
    role_operator: "Operator",
    status: "Status",
    status_active: "Active",
    status_disabled: "Disabled",
    disable: "Disable",
    enable: "Enable",
    you: "you",
    invite_title: "Invite a colleague",
    invite_button: "Create invitation link",
    invite_created: "Send this link to your colleague. It works once, within 7 days:",
    pending_invites: "Open invitations",
    expires: "Expires",
    revoke: "Revoke",
    account_title: "My account",
    language: "Language",
    language_auto: "Same as the browser",
    save: "Save",
    saved: "Saved.",
    change_password_title: "Change password",
    current_password: "Current password",
    new_password: "New password",
    password_changed: "Password changed. Your other sessions were signed out.",
    wrong_current_password: "The current password is incorrect.",
    invalid_email: "Enter a valid e-mail address.",
    invalid_name: "Enter a name of 1 to 80 characters.",
    password_too_short: "The password must have at least 10 characters.",
    password_too_long: "The password is too long.",
    password_mismatch: "The two passwords differ.",
    email_taken: "An account with this e-mail address already exists.",
    admins_only: "Only admins can do this.",
    widget_title: "Chat widget",
    snippet_help: "Paste this tag into every page of your shop, just before </body>:",
    allowed_origins: "Allowed sites",
    allowed_origins_help: "One origin per line, e.g. https://shop.example. The widget works only on these sites.",
    widget_color: "Colour",
    greeting_en: "Greeting (English)",
    greeting_ja: "Greeting (Japanese)",
    launcher_paths: "Show the chat button on",
    launcher_paths_help: "One path pattern per line, * matches anything (e.g. /products/*). Empty: every page.",
    identity_title: "Identity verification",
    identity_verified: "Verified user",
    identity_unverified: "unverified",
    identity_anonymous: "Anonymous",
    cart_total: "Total",
    page_views_word: "page views",
    card_title: "Customer",
    notes_title: "Notes",
    note_add: "Add note",
    note_placeholder: "A note for the team about this customer…",
    note_edit: "Edit",
    note_delete: "Delete",
    confirm_delete: "Delete this for good? This cannot be undone.",
    confirm_regenerate: "Replace the identity secret? Until your site signs user hashes with the new one, identify calls are refused.",
    note_edited: "edited",
    none_known: "—",
    customer_page: "Customer page",
    customers_search: "Name, e-mail, user id or attribute (plan:gold)",
    customer_settings_title: "Customers",
    api_title: "API tokens",
    import_title: "Import customers",
    import_help: "A CSV file with a header row, UTF-8, one customer per row, including a column with your user id. Existing customers (same user id) are updated.",
    import_file: "CSV file",
    import_paste: "or paste the CSV",
    import_preview: "Preview",
    import_map_help: "Choose what each column holds. The first rows are shown below.",
    import_rows: "rows",
    import_run: "Import",
    import_skip: "(skip)",
    import_created: "Created",
    import_updated: "Updated",
    import_skipped: "Skipped",
    import_line: "Line",
    attribute_word: "Attribute",
    phone: "Phone",
    api_help: "Tokens let your shop's systems (CRM, order system) send customers and events to Sodan's REST API: Authorization: Bearer TOKEN. Give each token only the scopes it needs.",
    api_token_created: "Copy this token now: it is shown only once.",
    api_token_invalid: "Give the token a name (100 characters at most) and at least one scope.",
    api_scopes: "Scopes",
    api_created: "Created",
    api_revoked: "Revoked",
    api_revoke: "Revoke",
    api_create: "Create token",
    card_layout_title: "Customer card",
    card_layout_help: "Tick the fields operators see beside each conversation and number them in the order to show. Fewer fields are read faster.",
    card_show: "Show",
    card_order: "Order",
    card_field: "Field",
    attributes_title: "Customer attributes",
    attributes_help: "Declare the attributes your shop sends (from the widget, the API or a CSV import) with a label and a type, so they display and filter well. Values of the wrong type are refused.",
    attribute_key: "Key",
    attribute_label: "Label",
    attribute_type: "Type",
    attribute_declare: "Declare attribute",
    undeclared_title: "Undeclared attributes received",
    search_button: "Search",
    user_id: "User id",
    conversations_count: "Conversations",
    older: "Older →",
    timeline_title: "Interaction history",
    timeline_empty: "Nothing yet.",
    timeline_conversation: "Conversation",
    timeline_page: "Page",
    timeline_event: "Event",
    identity_help: "Your server signs each signed-in user's id: userHash = hex HMAC-SHA256(secret, userId), passed to Sodan.identify(userId, traits, userHash). Only a verified id joins a customer's history across devices. Keep the secret on your server.",
    identity_secret: "Identity secret",
    identity_required: "Require a valid user hash for identify (recommended)",
    identity_regenerate: "Generate a new secret",
    api_snippet_help: "To call the JavaScript API (identify, set, track, setCart, reset) before the widget has loaded, put this line before the snippet: calls are queued and replayed.",
    invalid_origin: "Each allowed site must look like https://shop.example (no path).",
    invalid_color: "The colour must look like #1f6feb.",
    invalid_greeting: "A greeting has at most 300 characters.",
    view_all: "All",
    view_mine: "Mine",
    view_unassigned: "Unassigned",
    status_open: "Open",
    status_pending: "Pending",
    status_snoozed: "Snoozed",
    status_resolved: "Resolved",
    search: "Search messages",
    visitor: "Visitor",
    unassigned: "Unassigned",
    assign: "Assignee",
    labels: "Labels",
    labels_help: "Comma-separated",
    reply_placeholder: "Reply… (Enter sends, Shift+Enter for a new line)",
    send: "Send",
    private_note: "Private note (team only)",
    note_badge: "Note",
    load_earlier: "Load earlier messages",
    viewing_now: "Viewing now:",
    last_seen: "Last seen",
    typing: "is typing…",
    snooze_hours: "Snooze for (hours)",
    apply: "Apply",
    push_title: "Notifications on my devices",
    push_help: "Get a notification on this phone or computer when a customer writes and your console is closed (for conversations that are yours or nobody's; not while you are away).",
    push_enable: "Turn on notifications on this device",
    push_unsupported: "This browser cannot receive push notifications (on an iPhone, add the console to the Home Screen first).",
    push_denied: "Notifications are blocked for this site in the browser's settings.",
    push_on: "Notifications are on for this device.",
    push_devices: "My devices",
    push_none: "No device yet.",
    push_added: "Added",
    push_last_used: "Last notified",
    push_never: "never",
    push_remove: "Remove",
    push_outside_hours: "Also outside business hours",
    tf_title: "Two-factor sign-in",
    tf_code_label: "Code from your authenticator app, or a recovery code",
    tf_code_help: "Open your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…) and enter the 6-digit code for Sodan.",
    tf_verify: "Verify",
    tf_wrong_code: "That code is not right, or it was used already.",
    tf_expired: "The sign-in took too long: enter your password again.",
    tf_on: "Two-factor sign-in is on.",
    tf_off: "Two-factor sign-in is off: anyone with your password can sign in.",
    tf_recovery_left: "Recovery codes left:",
    tf_start: "Set up two-factor sign-in",
    tf_scan: "Scan this QR code with your authenticator app (or type the key), then enter the code it shows.",
    tf_key: "Key",
    tf_confirm: "Turn on",
    tf_recovery_codes: "Recovery codes: each works once if you lose your phone. Keep them somewhere safe; they are not shown again.",
    tf_disable: "Turn off",
    tf_required: "Your shop requires two-factor sign-in: set it up to continue.",
    tf_required_no_off: "Your shop requires it, so it cannot be turned off.",
    tf_requirement: "Who must use two-factor sign-in",
    tf_req_optional: "Each person chooses",
    tf_req_admins: "Owners and admins",
    tf_req_everyone: "Everyone",
    tf_reset: "Reset 2FA",
    tf_column: "2FA",
    mailbox_title: "Incoming mailbox",
    mailbox_help: "The IMAP mailbox of your support address, where customers' replies to Sodan's e-mails and new mails arrive. For Gmail or Google Workspace use imap.gmail.com, port 993, and an app password; Microsoft 365 allows IMAP only with OAuth, which Sodan does not do yet: forward its mail to a mailbox Sodan can read.",
    mailbox_enabled: "Read this mailbox",
    mailbox_folder: "Folder",
    mailbox_test: "Test the connection",
    mailbox_test_ok: "The mailbox can be read:",
    mailbox_test_failed: "The mailbox cannot be read:",
    mailbox_now: "Now:",
    mailbox_received: "Mails read",
    mailbox_received_none: "No mail has been read yet.",
    mailbox_col_when: "When",
    mailbox_col_from: "From",
    mailbox_col_subject: "Subject",
    mailbox_col_result: "Result",
    outcome_delivered: "delivered",
    outcome_ignored: "ignored",
    outcome_failed: "failed",
    mail_full: "Show the whole mail",
    replies_mailed_to: "E-mail conversation: replies are mailed to",
    back_to_conversation: "Back to the conversation",
    help_votes: "Helpful / not (help center)",
    shop_name: "Shop name (heads the help center)",
    faq_category: "Category",
    help_title: "Help center",
    help_search: "Search the help center",
    help_search_button: "Search",
    help_results: "Results for",
    help_no_results: "Nothing found. Ask us in the chat.",
    help_other: "Other",
    help_back: "All articles",
    help_helpful: "Was this article helpful?",
    help_yes: "Yes",
    help_no: "No",
    help_thanks: "Thank you for your feedback.",
    help_other_language: "日本語",
    ai_learn: "Also answer from questions the team answered (resolved conversations; private notes, e-mail addresses, phone numbers and names left out)",
    ai_translate_draft: "Translate for the customer",
    ai_original: "Original before translation:",
    ai_stats: "What the AI did, by week",
    ai_week: "Week from",
    ai_answered: "Answered",
    ai_answered_alone: "Without a person",
    ai_hand_overs: "Handed over",
    ai_helpful: "Helpful / not",
    ai_fallbacks: "Model failures",
    ai_unanswered: "Could not answer (FAQ gaps to write next)",
    ai_card_fields: "Customer-card fields the model may read (none by default)",
    ai_summary_note: "Summary by the AI (for the team):",
    ai_summarise: "Summarise",
    ai_translate: "Translate",
    ai_off: "AI answers are off: an admin turns them on in Settings → AI.",
    ai_failed: "The model did not answer; write the reply yourself",
    ai_draft: "Draft a reply",
    ai_drafting: "Drafting…",
    ai_sources: "Sources:",
    ai_title: "AI answers",
    ai_help: "Sodan can answer and draft replies with a language model you choose: one running beside Sodan (Ollama, llama.cpp's llama-server) or a hosted one with an OpenAI-compatible API. Off until you switch it on.",
    ai_leaves: "What leaves this server: the visitor's question and the help passages found for it; customer-card fields only if you tick them (none are ticked).",
    ai_enabled: "Use the model",
    ai_endpoint: "Endpoint (OpenAI-compatible base URL)",
    ai_chat_model: "Chat model",
    ai_embed_model: "Embeddings model (optional)",
    ai_key: "API key (hosted providers)",
    ai_mode: "When the model answers",
    ai_mode_suggest: "Suggest only: operators send its proposals",
    ai_mode_out_of_hours: "Answer visitors outside business hours",
    ai_mode_always: "Answer visitors at any time",
    ai_timeout: "Time-out (seconds)",
    ai_max_tokens: "Maximum tokens per answer",
    ai_test: "Test the connection",
    ai_probe_answer: "The endpoint answered:",
    ai_no_answer: "no answer",
    currency: "Currency (ISO code: JPY, USD, EUR…)",
    invalid_currency: "The currency is a three-letter ISO 4217 code such as JPY or USD.",
    weekdays_short: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    reports_hour_axis: "Hour of the day",
    duration_units: ["{} s", "{} min", "{} h", "{} d"],
    forgot_link: "Forgot your password?",
    forgot_title: "Reset your password",
    forgot_help: "Enter your account's e-mail address: we send a link that sets a new password (it works for an hour, once).",
    forgot_button: "Send the link",
    forgot_sent: "If an account uses this address, a link is on its way. Check your inbox (and spam folder).",
    forgot_no_mail: "This Sodan has no mail server set up, so it cannot mail a link. Ask the owner to run: sodan admin reset-password YOUR-ADDRESS",
    reset_title: "Choose a new password",
    reset_invalid: "This link has expired or was already used. Ask for a new one.",
    reset_button: "Set the password and sign in again",
    reset_done: "Your password was changed and every session signed out. Sign in with the new password.",
    first_run_title: "Get started",
    first_run_widget: "Add your shop's address and paste the chat snippet into your site",
    first_run_team: "Invite your team",
    first_run_hours: "Set your business hours and automatic replies",
    first_run_done: "Done",
    public_url_loopback: "This snippet points at an address only this machine can reach: visitors' browsers cannot load the chat. Start Sodan with --public-url https://chat.your-shop.example behind HTTPS (the README's HTTPS recipe takes a few minutes with Caddy).",
    public_url_http: "This snippet loads the chat over plain HTTP: browsers block it on an HTTPS shop, and visitors' messages travel unencrypted. Put Sodan behind HTTPS and start it with --public-url https://… (see the README's HTTPS recipe with Caddy).",
    quick_resolve: "Resolve",
    quick_reopen: "Reopen",
    quick_snooze: "Snooze 1 day",
    assign_me: "Assign to me",
    more_actions: "More…",
    shortcuts_title: "Keyboard shortcuts",
    shortcuts_hint: "Press ? for keyboard shortcuts",
    shortcut_resolve: "Resolve or reopen",
    shortcut_snooze: "Snooze for a day",
    shortcut_assign: "Assign to me",
    shortcut_reply: "Write a reply",
    shortcut_next: "Next conversation",
    shortcut_prev: "Previous conversation",
    shortcut_help: "Show or hide this list",
    close: "Close",
    pick_conversation: "Pick a conversation on the left.",
    enable_notifications: "Enable sound and notifications",
    sound_blocked: "The browser keeps new-message sounds off until you click in this page.",
    started_on: "Started on",
    no_matches: "No conversation matches.",
    live_offline: "Live updates paused, reconnecting…",
    segments_title: "Segments",
    segments_help: "A segment is a group of customers defined by a rule. Membership updates as customers act; a changed rule is applied to existing customers in the background.",
    segment_name: "Name",
    segment_rule: "Rule",
    segment_rule_text: "Rule as text",
    segment_rule_help: "Build the rule with the rows below, or edit its text. Example: all(attr.plan = \"gold\", events(\"purchase\", 30d) >= 1)",
    segment_members: "Members",
    segment_route: "Assign new conversations to",
    segment_route_none: "Nobody (unassigned)",
    segment_priority: "List their conversations first",
    segment_new: "New segment",
    segment_edit: "Edit segment",
    segment_create: "Create segment",
    segment_backfill: "Updating members",
    segment_all: "All segments",
    segment_filter: "Segment",
    builder_all: "All of these (AND)",
    builder_any: "Any of these (OR)",
    builder_add: "Add condition",
    builder_group: "Add group",
    builder_remove: "Remove",
    score_title: "Intent score",
    score_help: "One rule per line: points, then the rule. The score is the sum of the points of the rules a customer meets; segments and proactive messages can use it as intent.",
    nav_reports: "Reports",
    reports_from: "From",
    reports_to: "To",
    reports_all: "All",
    reports_channel: "Channel",
    reports_operator: "Operator",
    reports_segment: "Segment",
    reports_event: "Outcome event",
    reports_window: "Within days after",
    reports_show: "Show",
    reports_csv: "CSV",
    reports_bad_range: "Choose a start and end date (YYYY-MM-DD), the end not before the start, at most 366 days.",
    reports_summary: "Summary",
    reports_total: "Conversations started",
    reports_automated: "Resolved by the FAQ bot alone",
    reports_by_day: "Conversations by day",
    reports_heat: "Conversations by hour of the week",
    reports_times: "Response and resolution times (seconds)",
    reports_first_response: "First response",
    reports_resolution: "Resolution",
    reports_in_hours: "In business hours",
    reports_out_of_hours: "Outside business hours",
    reports_operators: "Per operator",
    reports_pages: "Pages conversations start on",
    reports_triggers: "Proactive messages that started conversations",
    reports_csat: "Customer satisfaction (CSAT)",
    reports_outcome: "Outcome after chat",
    reports_chatted: "Customers who chatted",
    reports_not_chatted: "Visitors of the same pages who did not chat",
    reports_count: "Count",
    reports_median: "Median",
    reports_p90: "90th percentile",
    reports_ratings: "Ratings",
    reports_mean: "Mean rating",
    reports_converted: "Converted",
    reports_share: "Share (%)",
    reports_revenue: "Revenue attributed",
    reports_date: "Date",
    reports_rating: "Rating",
    reports_weekday: "Weekday",
    privacy_title: "Privacy",
    retention_help: "How long Sodan keeps data. Deletion runs in the background right after saving and then every hour; its progress is written to the server log. To export or delete one customer's data, open their page under Customers.",
    retention_history_days: "Delete page views and events older than (days, 0 = keep forever)",
    retention_anonymous_days: "Delete anonymous visitors who never chatted, not seen for (days, 0 = keep forever)",
    retention_conversation_months: "Delete resolved conversations older than (months of 30 days, 0 = keep forever)",
    customer_delete: "Delete this customer",
    customer_delete_help: "Removes the profile, attributes, page views, events, notes, messages and attachments for good. The deletion is recorded in the audit log without personal data.",
    delete_keep_shells: "Keep their conversations as anonymised shells (the reports still count them)",
    delete_remove_all: "Remove their conversations entirely",
    delete_confirm: "Delete for good",
    audit_title: "Audit log",
    audit_when: "When",
    audit_who: "Who",
    audit_what: "What",
    customer_export: "Export everything about this customer (JSON)",
    line_help: "Customers who write to your LINE official account chat in the same inbox; replies go back through LINE. In the LINE Developers console, paste the webhook URL below and turn \"Use webhook\" on.",
    line_webhook_url: "Webhook URL",
    line_secret: "Channel secret",
    line_token: "Channel access token",
    line_api_base: "Messaging API address",
    webhooks_title: "Webhooks",
    webhooks_help: "Sodan posts JSON to these addresses when the chosen events happen, signed in the X-Sodan-Signature header (t=TIMESTAMP,v1=HMAC-SHA256 of \"TIMESTAMP.BODY\" with the secret). Deliveries are stored and retried until the receiver answers 2xx.",
    webhooks_events: "Events",
    webhooks_secret: "Signing secret",
    webhooks_add: "Add webhook",
    webhooks_deliveries: "Latest deliveries",
    account_new_conversation_mail: "E-mail me about new conversations that start while nobody is online",
    mail_conversation_title: "Your conversation",
    mail_reply: "Your reply",
    unsubscribe_title: "E-mail notifications",
    unsubscribe_help: "Stop e-mails about replies to your questions?",
    unsubscribe_button: "Stop these e-mails",
    unsubscribe_done: "Done: you will get no more e-mails about replies.",
    email_title: "E-mail",
    email_help: "Replies to visitors who left are e-mailed to them (one digest, in their language, with a link back to the conversation), unless they read them first. The mail queue is kept: failed mails are retried, and mails refused for good are listed below with the server's answer.",
    email_host: "SMTP server",
    email_port: "Port",
    email_security: "Security (starttls: port 587, tls: port 465, none: local relay only)",
    email_username: "User name (empty: no login)",
    email_password: "Password",
    email_password_set: "(saved; leave empty to keep it)",
    email_from: "From (Shop <support@shop.example>)",
    email_grace: "Wait before e-mailing a reply to a visitor who left (seconds)",
    email_test: "Send a test e-mail to",
    email_test_button: "Send test e-mail",
    email_test_sent: "The server accepted the test e-mail for",
    email_test_failed: "The server did not accept the test e-mail:",
    email_not_configured: "Save the SMTP settings first.",
    email_recent: "Latest mails",
    email_to: "To",
    email_subject: "Subject",
    email_status: "Status",
    email_error: "Server's answer",
    trigger_in_hours: "Only during business hours (when they are set)",
    status_online: "Online",
    status_away: "Away",
    go_away: "Set yourself away",
    go_online: "Set yourself online",
    faq_bot: "FAQ bot",
    faq_title: "FAQ and bot",
    faq_help: "Articles answer common questions. The bot offers them in the widget: as buttons from its menu, and for questions typed in (Japanese included). A visitor who wants a person is handed over to the inbox, with the exchange visible there.",
    faq_articles: "Articles",
    faq_new: "New article",
    faq_edit: "Edit article",
    faq_article_title: "Title",
    faq_body: "Text (Markdown)",
    faq_language: "Language",
    faq_any_language: "Any",
    faq_keywords: "Keywords (comma-separated)",
    faq_save: "Save article",
    faq_bot_title: "The bot",
    faq_mode: "When the bot answers",
    faq_mode_off: "Off",
    faq_mode_always: "Always, before a person",
    faq_mode_outside: "Only outside business hours",
    faq_menu: "Menu",
    faq_menu_help: "One button per line: Shipping | 送料 -> article 3, or Talk to a person | スタッフと話す -> person; a line without -> opens the lines indented below it.",
    faq_stats_taken: "Conversations the bot answered first",
    faq_stats_resolved: "resolved by the bot alone",
    canned_title: "Canned replies",
    canned_help: "Saved answers for the reply box: type / there and pick one with the arrow keys and Enter; it is inserted for editing, not sent. Variables: {{customer.name}}, {{customer.email}}, {{customer.phone}}, {{customer.ATTRIBUTE}}, {{operator.name}}, {{conversation.id}}, with a fallback: {{customer.name | \"お客様\"}}.",
    canned_new: "New canned reply",
    canned_edit: "Edit canned reply",
    canned_reply_title: "Title",
    canned_shortcut: "Shortcut (after /)",
    canned_body: "Text",
    canned_tags: "Tags (comma-separated)",
    canned_segments: "List first for customers in",
    canned_personal: "Personal (only for me)",
    canned_shared: "Shared",
    canned_uses: "Uses",
    canned_create: "Save reply",
    canned_none: "No canned reply matches.",
    canned_missing: "Cannot be used here: this customer has no value (and the reply no fallback) for",
    hours_title: "Hours and auto-replies",
    hours_help: "Business hours decide which automatic reply a visitor gets and which greeting the widget shows. Without them, the shop counts as always open.",
    hours_enabled: "Use business hours",
    hours_zone: "Time zone (such as Asia/Tokyo)",
    hours_day_help: "Opening times per day, such as 10:00-12:00, 13:00-18:00 (empty: closed; past midnight: end at 24:00 and start the next day at 00:00).",
    hours_holidays: "Holidays (one date per line, YYYY-MM-DD)",
    hours_import: "Import a list of dates (text or CSV: the date first on each line)",
    hours_open_now: "Open now",
    hours_closed_now: "Closed now",
    hours_next: "next opening",
    autoreply_title: "Auto-replies",
    autoreply_in_title: "Inside business hours",
    autoreply_in_on: "Reply automatically when no operator has answered the visitor's first message in time",
    autoreply_wait: "Wait for an operator (seconds)",
    autoreply_out_title: "Outside business hours",
    autoreply_out_on: "Reply at once, saying when the shop is back",
    autoreply_out_help: "{next} is replaced by when the shop opens, such as “Monday 10:00”.",
    greeting_away: "Widget greeting outside business hours (empty: the usual greeting)",
    automatic_reply: "Automatic reply",
    triggers_title: "Proactive messages",
    triggers_help: "A proactive message shows in the widget when its conditions hold: on a page, after some time or scrolling, or when the visitor is about to leave; for some customers only. Each visitor sees it at most as often as its limits allow.",
    trigger_new: "New proactive message",
    trigger_edit: "Edit proactive message",
    trigger_create: "Create",
    trigger_enabled: "On",
    trigger_off: "Off",
    trigger_when: "When",
    trigger_page: "Page (pattern such as /pricing or /items/*; empty: every page)",
    trigger_page_short: "Page",
    trigger_idle: "No activity for (seconds)",
    trigger_time: "Time on the page (seconds)",
    trigger_scroll: "Scrolled down (%)",
    trigger_exit: "About to leave the page (desktop)",
    trigger_visits: "Visits at least",
    trigger_segment: "Only members of",
    trigger_anyone: "Everyone",
    trigger_cart: "Cart value at least",
    trigger_intent: "Intent score at least",
    trigger_what: "What shows",
    trigger_kind: "Kind",
    trigger_kind_bubble: "A message bubble from an operator",
    trigger_kind_answer: "An answer with a link",
    trigger_kind_question: "Open the chat with a question ready to send",
    trigger_from: "From",
    trigger_from_team: "The team",
    trigger_text_en: "Text (English)",
    trigger_text_ja: "Text (Japanese)",
    trigger_link: "Link (for an answer)",
    trigger_limits: "Limits",
    trigger_every: "Show again after (days; 0: on every page view)",
    trigger_quiet: "Not while a conversation is open",
    trigger_stop: "Never again for a visitor who closed it",
    trigger_shown: "Shown",
    trigger_clicked: "Clicked",
    trigger_dismissed: "Closed",
    trigger_conversations: "Conversations",
    trigger_rate: "Click rate",
    trigger_deflection: "Conversations started on its pages",
    trigger_before: "per day before it went live",
    trigger_after: "per day since",
    trigger_days: "days compared",
    trigger_deflection_wait: "The comparison starts once it has been on for a day.",
    trigger_started: "Started after the proactive message",
};

static JA: Texts = Texts {
    nav_inbox: "受信箱",
    nav_customers: "顧客",
    nav_settings: "設定",
    nav_account: "アカウント",
    sign_out: "ログアウト",
    email: "メールアドレス",
    password: "パスワード",
    password_confirm: "パスワード（確認）",
    name: "名前",
    sign_in_title: "Sodan にログイン",
    sign_in_button: "ログイン",
    wrong_credentials: "メールアドレスまたはパスワードが正しくありません。",
    account_disabled: "このアカウントは無効になっています。チームの管理者に有効化を依頼してください。",
    too_many_attempts: "ログインの失敗が多すぎます。数分後にもう一度お試しください。",
    locked_for: "あと約{}分",
    disk_low: "サーバーのディスクの空きが少なくなっています。訪問者のファイル・閲覧履歴・イベントは保存されていません。データ用ディスクの空き容量を確保してください（古いバックアップやログの削除など）。",
    setup_title: "Sodan へようこそ",
    setup_intro: "オーナーアカウントを作成してください。チームへの招待はその後でできます。",
    setup_button: "オーナーアカウントを作成",
    setup_link_invalid: "このセットアップリンクは無効です。サーバーのログに表示されたリンクを使ってください。",
    setup_pending: "Sodan はまだセットアップされていません。サーバーのログに表示されたセットアップリンクを開いてオーナーアカウントを作成してください。",
    invite_accept_title: "Sodan のチームに参加",
    invite_accept_intro: "名前とパスワードを決めてアカウントを作成してください。",
    invite_accept_button: "アカウントを作成",
    invite_invalid: "この招待リンクは期限切れか、すでに使われています。管理者に新しいリンクを依頼してください。",
    inbox_title: "受信箱",
    inbox_empty: "まだ会話はありません。サイトにチャットウィジェットを設置すると、訪問者のメッセージがここに表示されます。",
    customers_title: "顧客",
    customers_empty: "まだ顧客はいません。チャットした訪問者やショップが識別した顧客がここに表示されます。",
    settings_title: "設定",
    team_title: "チーム",
    role: "権限",
    role_owner: "オーナー",
    role_admin: "管理者",
    role_operator: "オペレーター",
    status: "状態",
    status_active: "有効",
    status_disabled: "無効",
    disable: "無効にする",
    enable: "有効にする",
    you: "あなた",
    invite_title: "メンバーを招待",
    invite_button: "招待リンクを作成",
    invite_created: "このリンクを相手に送ってください。7日以内に1回だけ使えます：",
    pending_invites: "未使用の招待",
    expires: "有効期限",
    revoke: "取り消す",
    account_title: "アカウント",
    language: "言語",
    language_auto: "ブラウザーの設定に従う",
    save: "保存",
    saved: "保存しました。",
    change_password_title: "パスワードの変更",
    current_password: "現在のパスワード",
    new_password: "新しいパスワード",
    password_changed: "パスワードを変更しました。他のセッションはログアウトされました。",
    wrong_current_password: "現在のパスワードが正しくありません。",
    invalid_email: "正しいメールアドレスを入力してください。",
    invalid_name: "名前は1〜80文字で入力してください。",
    password_too_short: "パスワードは10文字以上にしてください。",
    password_too_long: "パスワードが長すぎます。",
    password_mismatch: "2つのパスワードが一致しません。",
    email_taken: "このメールアドレスのアカウントはすでにあります。",
    admins_only: "この操作は管理者のみ可能です。",
    widget_title: "チャットウィジェット",
    snippet_help: "このタグをショップの全ページの </body> の直前に貼り付けてください：",
    allowed_origins: "許可するサイト",
    allowed_origins_help: "1行に1つのオリジン（例：https://shop.example）。ウィジェットはこれらのサイトでのみ動作します。",
    widget_color: "色",
    greeting_en: "あいさつ（英語）",
    greeting_ja: "あいさつ（日本語）",
    launcher_paths: "チャットボタンを表示するページ",
    launcher_paths_help: "1行に1つのパスのパターン。* は任意の文字列（例：/products/*）。空欄なら全ページ。",
    identity_title: "本人確認",
    identity_verified: "確認済みユーザー",
    identity_unverified: "未確認",
    identity_anonymous: "匿名",
    cart_total: "合計",
    page_views_word: "ページビュー",
    card_title: "顧客情報",
    notes_title: "メモ",
    note_add: "メモを追加",
    note_placeholder: "この顧客についてチーム向けのメモ…",
    note_edit: "編集",
    note_delete: "削除",
    confirm_delete: "完全に削除しますか？元に戻せません。",
    confirm_regenerate: "本人確認用シークレットを作り直しますか？サイトが新しいシークレットでユーザーハッシュを作るまで、identify は拒否されます。",
    note_edited: "編集済み",
    none_known: "—",
    customer_page: "顧客ページ",
    customers_search: "名前・メール・ユーザーID・属性（plan:gold）",
    customer_settings_title: "顧客",
    api_title: "APIトークン",
    import_title: "顧客の取り込み",
    import_help: "見出し行のあるUTF-8のCSVファイル（1行に1顧客、ユーザーIDの列を含む）。同じユーザーIDの顧客は更新されます。",
    import_file: "CSVファイル",
    import_paste: "またはCSVを貼り付け",
    import_preview: "プレビュー",
    import_map_help: "各列の内容を選んでください。先頭の行を下に表示しています。",
    import_rows: "行",
    import_run: "取り込む",
    import_skip: "（取り込まない）",
    import_created: "新規",
    import_updated: "更新",
    import_skipped: "スキップ",
    import_line: "行",
    attribute_word: "属性",
    phone: "電話",
    api_help: "トークンを使うと、ショップのシステム（CRM・受注システム）から Sodan の REST API に顧客やイベントを送れます：Authorization: Bearer トークン。各トークンには必要なスコープだけを与えてください。",
    api_token_created: "このトークンを今コピーしてください。表示は一度きりです。",
    api_token_invalid: "トークンに名前（100文字まで）を付け、スコープを1つ以上選んでください。",
    api_scopes: "スコープ",
    api_created: "作成日時",
    api_revoked: "無効化済み",
    api_revoke: "無効化",
    api_create: "トークンを作成",
    card_layout_title: "顧客カード",
    card_layout_help: "会話の横に表示する項目にチェックを入れ、表示順を数字で指定してください。項目が少ないほど読みやすくなります。",
    card_show: "表示",
    card_order: "順番",
    card_field: "項目",
    attributes_title: "顧客属性",
    attributes_help: "ショップが送る属性（ウィジェット・API・CSV取り込み）をラベルと型で宣言すると、見やすく絞り込みやすくなります。型の合わない値は受け付けません。",
    attribute_key: "キー",
    attribute_label: "ラベル",
    attribute_type: "型",
    attribute_declare: "属性を宣言",
    undeclared_title: "未宣言のまま受け取った属性",
    search_button: "検索",
    user_id: "ユーザーID",
    conversations_count: "会話数",
    older: "さらに古い →",
    timeline_title: "やり取りの履歴",
    timeline_empty: "まだありません。",
    timeline_conversation: "会話",
    timeline_page: "ページ",
    timeline_event: "イベント",
    identity_help: "ログイン中のユーザーIDにショップのサーバーで署名します：userHash = HMAC-SHA256(シークレット, userId) の16進表記を Sodan.identify(userId, traits, userHash) に渡します。確認済みのIDだけが端末をまたいで顧客の履歴につながります。シークレットはサーバー側で保管してください。",
    identity_secret: "本人確認シークレット",
    identity_required: "identify に有効なユーザーハッシュを必須にする（推奨）",
    identity_regenerate: "シークレットを再発行",
    api_snippet_help: "ウィジェットの読み込み前に JavaScript API（identify、set、track、setCart、reset）を呼ぶ場合は、スニペットの前にこの1行を置いてください。呼び出しは保持され、読み込み後に実行されます。",
    invalid_origin: "許可するサイトは https://shop.example の形式で入力してください（パスなし）。",
    invalid_color: "色は #1f6feb の形式で入力してください。",
    invalid_greeting: "あいさつは300文字以内にしてください。",
    view_all: "すべて",
    view_mine: "自分の担当",
    view_unassigned: "未割り当て",
    status_open: "対応中",
    status_pending: "保留",
    status_snoozed: "スヌーズ",
    status_resolved: "解決済み",
    search: "メッセージを検索",
    visitor: "訪問者",
    unassigned: "未割り当て",
    assign: "担当者",
    labels: "ラベル",
    labels_help: "カンマ区切り",
    reply_placeholder: "返信…（Enterで送信、Shift+Enterで改行）",
    send: "送信",
    private_note: "社内メモ（チームのみ）",
    note_badge: "メモ",
    load_earlier: "以前のメッセージを読み込む",
    viewing_now: "閲覧中：",
    last_seen: "最終アクセス",
    typing: "が入力中…",
    snooze_hours: "スヌーズ（時間）",
    apply: "適用",
    push_title: "端末への通知",
    push_help: "コンソールを閉じているときにお客様からメッセージが届くと、このスマートフォンやパソコンに通知します（自分の担当または未割り当ての会話のみ。離席中は通知しません）。",
    push_enable: "この端末で通知を受け取る",
    push_unsupported: "このブラウザはプッシュ通知を受け取れません（iPhone ではまずホーム画面に追加してください）。",
    push_denied: "ブラウザの設定でこのサイトの通知がブロックされています。",
    push_on: "この端末で通知を受け取ります。",
    push_devices: "登録した端末",
    push_none: "まだ端末はありません。",
    push_added: "登録日時",
    push_last_used: "最後の通知",
    push_never: "なし",
    push_remove: "削除",
    push_outside_hours: "営業時間外も通知する",
    tf_title: "2段階認証",
    tf_code_label: "認証アプリのコード、またはリカバリーコード",
    tf_code_help: "認証アプリ（Google Authenticator、Microsoft Authenticator、1Password など）を開き、Sodan の6桁のコードを入力してください。",
    tf_verify: "確認",
    tf_wrong_code: "コードが正しくないか、すでに使われています。",
    tf_expired: "時間切れです。もう一度パスワードを入力してください。",
    tf_on: "2段階認証は有効です。",
    tf_off: "2段階認証は無効です。パスワードだけでログインできます。",
    tf_recovery_left: "残りのリカバリーコード:",
    tf_start: "2段階認証を設定する",
    tf_scan: "認証アプリでこのQRコードを読み取る（またはキーを入力する）と表示されるコードを入力してください。",
    tf_key: "キー",
    tf_confirm: "有効にする",
    tf_recovery_codes: "リカバリーコード：スマートフォンをなくしたときに1回ずつ使えます。安全な場所に保管してください。再表示はできません。",
    tf_disable: "無効にする",
    tf_required: "このショップでは2段階認証が必須です。設定すると続けられます。",
    tf_required_no_off: "ショップの設定で必須のため、無効にできません。",
    tf_requirement: "2段階認証が必須の人",
    tf_req_optional: "各自が選ぶ",
    tf_req_admins: "オーナーと管理者",
    tf_req_everyone: "全員",
    tf_reset: "2段階認証をリセット",
    tf_column: "2段階認証",
    mailbox_title: "受信メールボックス",
    mailbox_help: "お客様からの返信メールやサポート窓口あてのメールが届く、サポートアドレスのメールボックス（IMAP）です。GmailやGoogle Workspaceは imap.gmail.com・ポート993・アプリパスワード、Microsoft 365 は OAuth 以外の IMAP 接続を受け付けないため、Sodan が読めるメールボックスへ転送してください。",
    mailbox_enabled: "このメールボックスを読む",
    mailbox_folder: "フォルダ",
    mailbox_test: "接続をテスト",
    mailbox_test_ok: "メールボックスを読めます:",
    mailbox_test_failed: "メールボックスを読めません:",
    mailbox_now: "現在:",
    mailbox_received: "受信したメール",
    mailbox_received_none: "まだメールを受信していません。",
    mailbox_col_when: "日時",
    mailbox_col_from: "差出人",
    mailbox_col_subject: "件名",
    mailbox_col_result: "結果",
    outcome_delivered: "取り込み済み",
    outcome_ignored: "対象外",
    outcome_failed: "失敗",
    mail_full: "メール全文を表示",
    replies_mailed_to: "メールでの会話です。返信の送信先:",
    back_to_conversation: "会話に戻る",
    help_votes: "役に立った／立たなかった（ヘルプセンター）",
    shop_name: "ショップ名（ヘルプセンターの見出し）",
    faq_category: "カテゴリ",
    help_title: "ヘルプセンター",
    help_search: "ヘルプを検索",
    help_search_button: "検索",
    help_results: "検索結果:",
    help_no_results: "見つかりませんでした。チャットでお問い合わせください。",
    help_other: "その他",
    help_back: "記事一覧へ",
    help_helpful: "この記事は役に立ちましたか？",
    help_yes: "はい",
    help_no: "いいえ",
    help_thanks: "ご協力ありがとうございました。",
    help_other_language: "English",
    ai_learn: "解決済みの会話でスタッフが答えた質問も回答に使う（社内メモ・メールアドレス・電話番号・氏名は除外）",
    ai_translate_draft: "お客様の言語に翻訳",
    ai_original: "翻訳前の原文:",
    ai_stats: "AIの対応状況（週ごと）",
    ai_week: "週の始まり",
    ai_answered: "回答",
    ai_answered_alone: "スタッフなしで解決",
    ai_hand_overs: "スタッフへの引き継ぎ",
    ai_helpful: "役に立った／立たなかった",
    ai_fallbacks: "モデルの応答失敗",
    ai_unanswered: "回答できなかった質問（次に書くべきFAQ）",
    ai_card_fields: "モデルに渡してよい顧客カードの項目（初期状態ではなし）",
    ai_summary_note: "AIによる要約（チーム向け）:",
    ai_summarise: "要約",
    ai_translate: "翻訳",
    ai_off: "AI 応答はオフです。管理者が「設定 → AI応答」で有効にできます。",
    ai_failed: "モデルが応答しませんでした。返信はご自身で書いてください",
    ai_draft: "返信を下書き",
    ai_drafting: "下書き中…",
    ai_sources: "出典:",
    ai_title: "AI応答",
    ai_help: "Sodan は、選んだ言語モデルで回答や返信の下書きができます。Sodan と同じマシンで動かすモデル（Ollama、llama.cpp の llama-server）か、OpenAI 互換 API のホスト型モデルを使えます。有効にするまではオフです。",
    ai_leaves: "このサーバーから送られるもの：訪問者の質問と、それに対して見つかったヘルプの文章。顧客カードの項目は、チェックしたものだけ（初期状態では何も送りません）。",
    ai_enabled: "モデルを使う",
    ai_endpoint: "エンドポイント（OpenAI 互換のベース URL）",
    ai_chat_model: "チャットモデル",
    ai_embed_model: "埋め込みモデル（任意）",
    ai_key: "API キー（ホスト型の場合）",
    ai_mode: "モデルが回答するとき",
    ai_mode_suggest: "提案のみ：オペレーターが送信",
    ai_mode_out_of_hours: "営業時間外に訪問者へ回答",
    ai_mode_always: "いつでも訪問者へ回答",
    ai_timeout: "タイムアウト（秒）",
    ai_max_tokens: "1 回答の最大トークン数",
    ai_test: "接続をテスト",
    ai_probe_answer: "エンドポイントの応答:",
    ai_no_answer: "応答なし",
    currency: "通貨（ISO コード: JPY、USD、EUR など）",
    invalid_currency: "通貨は JPY や USD のような 3 文字の ISO 4217 コードで入力してください。",
    weekdays_short: ["月", "火", "水", "木", "金", "土", "日"],
    reports_hour_axis: "時刻",
    duration_units: ["{}秒", "{}分", "{}時間", "{}日"],
    forgot_link: "パスワードをお忘れですか？",
    forgot_title: "パスワードの再設定",
    forgot_help: "アカウントのメールアドレスを入力してください。新しいパスワードを設定するリンクを送ります（1時間以内、1回限り）。",
    forgot_button: "リンクを送る",
    forgot_sent: "このアドレスのアカウントがあれば、リンクを送りました。受信トレイ（と迷惑メールフォルダ）を確認してください。",
    forgot_no_mail: "このSodanにはメールサーバーが設定されていないため、リンクを送れません。オーナーに次のコマンドを実行してもらってください: sodan admin reset-password あなたのアドレス",
    reset_title: "新しいパスワードを設定",
    reset_invalid: "このリンクは期限切れか、すでに使われています。もう一度リンクを請求してください。",
    reset_button: "パスワードを設定して再度ログイン",
    reset_done: "パスワードを変更し、すべてのセッションをログアウトしました。新しいパスワードでログインしてください。",
    first_run_title: "はじめに",
    first_run_widget: "ショップのアドレスを登録し、チャットのコードをサイトに貼り付ける",
    first_run_team: "チームのメンバーを招待する",
    first_run_hours: "営業時間と自動応答を設定する",
    first_run_done: "完了",
    public_url_loopback: "このコードはこのマシンからしか届かないアドレスを指しています。訪問者のブラウザはチャットを読み込めません。HTTPS の下で --public-url https://chat.your-shop.example を付けて Sodan を起動してください（README の HTTPS の手順なら Caddy で数分です）。",
    public_url_http: "このコードは暗号化されていない HTTP でチャットを読み込みます。HTTPS のショップではブラウザに止められ、訪問者のメッセージも暗号化されずに送られます。Sodan を HTTPS の下に置き、--public-url https://… を付けて起動してください（README の Caddy を使った HTTPS の手順を参照）。",
    quick_resolve: "解決",
    quick_reopen: "再開",
    quick_snooze: "1日スヌーズ",
    assign_me: "自分に割り当て",
    more_actions: "その他…",
    shortcuts_title: "キーボードショートカット",
    shortcuts_hint: "? キーでショートカット一覧",
    shortcut_resolve: "解決／再開",
    shortcut_snooze: "1日スヌーズ",
    shortcut_assign: "自分に割り当て",
    shortcut_reply: "返信を書く",
    shortcut_next: "次の会話",
    shortcut_prev: "前の会話",
    shortcut_help: "この一覧を表示／非表示",
    close: "閉じる",
    pick_conversation: "左の一覧から会話を選んでください。",
    enable_notifications: "通知音と通知を有効にする",
    sound_blocked: "このページを一度クリックするまで、ブラウザは新着メッセージの音を鳴らしません。",
    started_on: "開始ページ",
    no_matches: "該当する会話はありません。",
    live_offline: "ライブ更新が一時停止中です。再接続しています…",
    segments_title: "セグメント",
    segments_help: "セグメントはルールで定義する顧客のグループです。顧客の行動に合わせて所属が更新され、ルールを変更すると既存の顧客にもバックグラウンドで適用されます。",
    segment_name: "名前",
    segment_rule: "ルール",
    segment_rule_text: "ルール（テキスト）",
    segment_rule_help: "下の行でルールを組み立てるか、テキストを直接編集します。例: all(attr.plan = \"gold\", events(\"purchase\", 30d) >= 1)",
    segment_members: "メンバー",
    segment_route: "新しい会話の担当者",
    segment_route_none: "割り当てない",
    segment_priority: "この顧客の会話を受信箱の先頭に表示",
    segment_new: "新しいセグメント",
    segment_edit: "セグメントを編集",
    segment_create: "セグメントを作成",
    segment_backfill: "メンバーを更新中",
    segment_all: "すべてのセグメント",
    segment_filter: "セグメント",
    builder_all: "すべて満たす (AND)",
    builder_any: "いずれかを満たす (OR)",
    builder_add: "条件を追加",
    builder_group: "グループを追加",
    builder_remove: "削除",
    score_title: "購買意欲スコア",
    score_help: "1行に1ルール: 点数、続けてルール。顧客が満たすルールの点数の合計がスコアになり、セグメントやプロアクティブメッセージで intent として使えます。",
    nav_reports: "レポート",
    reports_from: "開始日",
    reports_to: "終了日",
    reports_all: "すべて",
    reports_channel: "チャネル",
    reports_operator: "担当者",
    reports_segment: "セグメント",
    reports_event: "成果イベント",
    reports_window: "何日以内",
    reports_show: "表示",
    reports_csv: "CSV",
    reports_bad_range: "開始日と終了日（YYYY-MM-DD）を選んでください。終了日は開始日以降、期間は366日までです。",
    reports_summary: "概要",
    reports_total: "開始された会話",
    reports_automated: "FAQボットだけで解決",
    reports_by_day: "日別の会話数",
    reports_heat: "曜日・時間帯別の会話数",
    reports_times: "応答時間と解決時間（秒）",
    reports_first_response: "初回応答",
    reports_resolution: "解決",
    reports_in_hours: "営業時間内",
    reports_out_of_hours: "営業時間外",
    reports_operators: "担当者別",
    reports_pages: "会話が始まったページ",
    reports_triggers: "会話のきっかけになったプロアクティブメッセージ",
    reports_csat: "顧客満足度（CSAT）",
    reports_outcome: "チャット後の成果",
    reports_chatted: "チャットした顧客",
    reports_not_chatted: "同じページを見てチャットしなかった訪問者",
    reports_count: "件数",
    reports_median: "中央値",
    reports_p90: "90パーセンタイル",
    reports_ratings: "評価数",
    reports_mean: "平均評価",
    reports_converted: "成果あり",
    reports_share: "割合（%）",
    reports_revenue: "売上（帰属）",
    reports_date: "日付",
    reports_rating: "評価",
    reports_weekday: "曜日",
    privacy_title: "プライバシー",
    retention_help: "Sodan がデータを保持する期間です。削除は保存直後と、その後1時間ごとにバックグラウンドで実行され、進捗はサーバーログに記録されます。顧客ごとのデータのエクスポートや削除は、顧客ページから行えます。",
    retention_history_days: "閲覧ページとイベントを削除するまでの日数（0 = 無期限に保持）",
    retention_anonymous_days: "チャットしていない匿名の訪問者を、最終訪問から削除するまでの日数（0 = 無期限に保持）",
    retention_conversation_months: "解決済みの会話を削除するまでの月数（1か月 = 30日、0 = 無期限に保持）",
    customer_delete: "この顧客を削除",
    customer_delete_help: "プロフィール、属性、閲覧ページ、イベント、メモ、メッセージ、添付ファイルを完全に削除します。削除は個人データを含めずに監査ログに記録されます。",
    delete_keep_shells: "会話は匿名化した記録として残す（レポートの件数に含まれます）",
    delete_remove_all: "会話もすべて削除する",
    delete_confirm: "完全に削除",
    audit_title: "監査ログ",
    audit_when: "日時",
    audit_who: "実行者",
    audit_what: "操作",
    customer_export: "この顧客の全データをエクスポート（JSON）",
    line_help: "LINE公式アカウントに届いたメッセージも同じ受信箱で対応でき、返信はLINEで届きます。LINE Developersコンソールで下のWebhook URLを設定し、「Webhookの利用」をオンにしてください。",
    line_webhook_url: "Webhook URL",
    line_secret: "チャネルシークレット",
    line_token: "チャネルアクセストークン",
    line_api_base: "Messaging APIのアドレス",
    webhooks_title: "Webhook",
    webhooks_help: "選んだイベントが起きると、Sodan はこれらのアドレスに JSON を送ります。X-Sodan-Signature ヘッダー（t=時刻,v1=シークレットによる「時刻.本文」の HMAC-SHA256）で署名します。配信は保存され、受信側が 2xx を返すまで再送します。",
    webhooks_events: "イベント",
    webhooks_secret: "署名シークレット",
    webhooks_add: "Webhookを追加",
    webhooks_deliveries: "最近の配信",
    account_new_conversation_mail: "オンラインのスタッフがいない間に始まった会話をメールで知らせる",
    mail_conversation_title: "お問い合わせ",
    mail_reply: "返信",
    unsubscribe_title: "メール通知",
    unsubscribe_help: "お問い合わせへの返信メールを停止しますか？",
    unsubscribe_button: "メールを停止する",
    unsubscribe_done: "停止しました。今後、返信のお知らせメールは届きません。",
    email_title: "メール",
    email_help: "ページを離れた訪問者への返信は、先に読まれない限りメールで届きます（まとめて1通、訪問者の言語で、会話へのリンク付き）。送信待ちのメールは保存され、失敗したものは再送し、受け付けられなかったものはサーバーの応答とともに下に表示します。",
    email_host: "SMTPサーバー",
    email_port: "ポート",
    email_security: "暗号化（starttls: 587番、tls: 465番、none: ローカル中継のみ）",
    email_username: "ユーザー名（空欄: 認証なし）",
    email_password: "パスワード",
    email_password_set: "（保存済み。空欄のままなら変更しません）",
    email_from: "差出人（Shop <support@shop.example>）",
    email_grace: "離れた訪問者に返信をメールするまでの待ち時間（秒）",
    email_test: "テストメールの送信先",
    email_test_button: "テストメールを送信",
    email_test_sent: "テストメールがサーバーに受け付けられました:",
    email_test_failed: "テストメールはサーバーに受け付けられませんでした:",
    email_not_configured: "先にSMTPの設定を保存してください。",
    email_recent: "最近のメール",
    email_to: "宛先",
    email_subject: "件名",
    email_status: "状態",
    email_error: "サーバーの応答",
    trigger_in_hours: "営業時間内のみ（設定している場合）",
    status_online: "オンライン",
    status_away: "離席中",
    go_away: "離席中にする",
    go_online: "オンラインにする",
    faq_bot: "FAQボット",
    faq_title: "FAQとボット",
    faq_help: "よくある質問への回答記事です。ボットがウィジェットで、メニューのボタンや入力された質問（日本語も可）に応じて記事を案内します。スタッフとの会話を希望した訪問者は、やりとりを残したまま受信箱に引き継がれます。",
    faq_articles: "記事",
    faq_new: "新しい記事",
    faq_edit: "記事を編集",
    faq_article_title: "タイトル",
    faq_body: "本文（Markdown）",
    faq_language: "言語",
    faq_any_language: "指定なし",
    faq_keywords: "キーワード（カンマ区切り）",
    faq_save: "記事を保存",
    faq_bot_title: "ボット",
    faq_mode: "ボットが応答するとき",
    faq_mode_off: "オフ",
    faq_mode_always: "常に（スタッフより先に）",
    faq_mode_outside: "営業時間外のみ",
    faq_menu: "メニュー",
    faq_menu_help: "1行に1ボタン: Shipping | 送料 -> article 3、または Talk to a person | スタッフと話す -> person。-> のない行は、その下のインデントされた行を開くメニューになります。",
    faq_stats_taken: "ボットが最初に対応した会話",
    faq_stats_resolved: "ボットだけで解決",
    canned_title: "定型文",
    canned_help: "返信欄で / を入力し、矢印キーと Enter で選ぶと挿入されます（送信はされず、編集できます）。変数: {{customer.name}}、{{customer.email}}、{{customer.phone}}、{{customer.属性キー}}、{{operator.name}}、{{conversation.id}}。代替値つき: {{customer.name | \"お客様\"}}。",
    canned_new: "新しい定型文",
    canned_edit: "定型文を編集",
    canned_reply_title: "タイトル",
    canned_shortcut: "ショートカット（/ の後に入力）",
    canned_body: "本文",
    canned_tags: "タグ（カンマ区切り）",
    canned_segments: "このセグメントの顧客には先頭に表示",
    canned_personal: "個人用（自分だけ）",
    canned_shared: "共有",
    canned_uses: "使用回数",
    canned_create: "保存",
    canned_none: "一致する定型文がありません。",
    canned_missing: "この会話では使えません。この顧客に値がなく、代わりの文字もない変数:",
    hours_title: "営業時間と自動応答",
    hours_help: "営業時間によって、訪問者に送る自動応答とウィジェットのあいさつが変わります。設定しない場合は常に営業中として扱います。",
    hours_enabled: "営業時間を設定する",
    hours_zone: "タイムゾーン（例: Asia/Tokyo）",
    hours_day_help: "曜日ごとの営業時間（例: 10:00-12:00, 13:00-18:00）。空欄は休業。日付をまたぐ場合は 24:00 で終え、翌日 00:00 から始めてください。",
    hours_holidays: "休業日（1行に1日付、YYYY-MM-DD）",
    hours_import: "日付リストを読み込む（テキストまたはCSV、各行の先頭が日付）",
    hours_open_now: "現在営業中",
    hours_closed_now: "現在営業時間外",
    hours_next: "次の営業開始",
    autoreply_title: "自動応答",
    autoreply_in_title: "営業時間内",
    autoreply_in_on: "訪問者の最初のメッセージに時間内にスタッフが返信しない場合、自動で返信する",
    autoreply_wait: "スタッフの返信を待つ時間（秒）",
    autoreply_out_title: "営業時間外",
    autoreply_out_on: "すぐに自動返信し、営業再開の時刻を伝える",
    autoreply_out_help: "{next} は「月曜日 10:00」のような次の営業開始時刻に置き換わります。",
    greeting_away: "営業時間外のウィジェットのあいさつ（空欄: 通常のあいさつ）",
    automatic_reply: "自動応答",
    triggers_title: "プロアクティブメッセージ",
    triggers_help: "条件を満たしたときにウィジェットに表示されるメッセージです。ページ、滞在時間やスクロール、ページを離れようとしたとき、特定の顧客だけ、などを条件にできます。同じ訪問者への表示は制限の範囲内に抑えられます。",
    trigger_new: "新しいプロアクティブメッセージ",
    trigger_edit: "プロアクティブメッセージを編集",
    trigger_create: "作成",
    trigger_enabled: "有効",
    trigger_off: "無効",
    trigger_when: "表示する条件",
    trigger_page: "ページ（/pricing や /items/* などのパターン、空欄ですべてのページ）",
    trigger_page_short: "ページ",
    trigger_idle: "操作がない時間（秒）",
    trigger_time: "ページの滞在時間（秒）",
    trigger_scroll: "スクロール量（%）",
    trigger_exit: "ページを離れようとしたとき（PC）",
    trigger_visits: "訪問回数（以上）",
    trigger_segment: "対象セグメント",
    trigger_anyone: "全員",
    trigger_cart: "カート金額（以上）",
    trigger_intent: "インテントスコア（以上）",
    trigger_what: "表示内容",
    trigger_kind: "種類",
    trigger_kind_bubble: "オペレーターからの吹き出し",
    trigger_kind_answer: "リンク付きの回答",
    trigger_kind_question: "質問を入力した状態でチャットを開く",
    trigger_from: "差出人",
    trigger_from_team: "スタッフ",
    trigger_text_en: "本文（英語）",
    trigger_text_ja: "本文（日本語）",
    trigger_link: "リンク（回答の場合）",
    trigger_limits: "制限",
    trigger_every: "再表示までの日数（0: ページを開くたび）",
    trigger_quiet: "会話中は表示しない",
    trigger_stop: "閉じた訪問者には再表示しない",
    trigger_shown: "表示",
    trigger_clicked: "クリック",
    trigger_dismissed: "閉じた",
    trigger_conversations: "会話",
    trigger_rate: "クリック率",
    trigger_deflection: "対象ページで始まった会話",
    trigger_before: "件/日（公開前）",
    trigger_after: "件/日（公開後）",
    trigger_days: "比較した日数",
    trigger_deflection_wait: "公開から1日たつと比較が始まります。",
    trigger_started: "プロアクティブメッセージから開始",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_largest_units() {
        let (en, ja) = (Lang::En.texts(), Lang::Ja.texts());
        assert_eq!(en.duration(45.0), "45 s");
        assert_eq!(en.duration(89.0), "1 min");
        assert_eq!(en.duration(12.0 * 60.0), "12 min");
        assert_eq!(en.duration(3.0 * 3600.0 + 20.0 * 60.0), "3 h 20 min");
        assert_eq!(en.duration(3.0 * 3600.0 + 59.0 * 60.0 + 50.0), "4 h");
        assert_eq!(en.duration(2.0 * 86_400.0 + 4.0 * 3600.0), "2 d 4 h");
        assert_eq!(ja.duration(3.0 * 3600.0 + 20.0 * 60.0), "3時間20分");
        assert_eq!(ja.duration(30.0), "30秒");
    }

    #[test]
    fn accept_language_picks_the_highest_weighted_supported_language() {
        assert_eq!(
            Lang::from_accept_language("ja-JP,ja;q=0.9,en;q=0.8"),
            Lang::Ja
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en;q=0.5, ja;q=0.7"),
            Lang::Ja
        );
        assert_eq!(Lang::from_accept_language("en-US,ja;q=0.3"), Lang::En);
        assert_eq!(Lang::from_accept_language("de"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }
}
