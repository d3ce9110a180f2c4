//! The console's languages: Japanese and English texts, and how the language of a request is chosen
//! (the operator's own setting, else the browser's Accept-Language, else English).

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
    pub pick_conversation: &'static str,
    pub enable_notifications: &'static str,
    pub started_on: &'static str,
    pub no_matches: &'static str,
    pub live_offline: &'static str,
}

impl Texts {
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
    pick_conversation: "Pick a conversation on the left.",
    enable_notifications: "Enable notifications",
    started_on: "Started on",
    no_matches: "No conversation matches.",
    live_offline: "Live updates paused, reconnecting…",
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
    pick_conversation: "左の一覧から会話を選んでください。",
    enable_notifications: "通知を有効にする",
    started_on: "開始ページ",
    no_matches: "該当する会話はありません。",
    live_offline: "ライブ更新が一時停止中です。再接続しています…",
};

#[cfg(test)]
mod tests {
    use super::*;

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
