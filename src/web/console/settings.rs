//! Settings → Team: list accounts, invite colleagues, disable and enable accounts; and the invitation
//! link a colleague opens to create their account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::operators::{self, Email, Invite, NewOperator, Operator, OperatorId, Role};
use crate::store;
use crate::tokens;
use crate::web::csrf::CsrfCookie;
use crate::web::render::{self, Chrome};
use crate::web::session::{self as web_session, Admin};
use crate::web::{AppError, State, request};

/// One row of the team table.
struct Member {
    id: OperatorId,
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    is_me: bool,
    can_toggle: bool,
    /// Signs in with a second factor.
    two_factor: bool,
    /// The owner may reset it (someone else's, set up).
    can_reset_two_factor: bool,
}

/// One open invitation.
struct OpenInvite {
    id: String,
    email: String,
    role: &'static str,
    expires: String,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    c: Chrome,
    members: Vec<Member>,
    invites: Vec<OpenInvite>,
    new_link: Option<String>,
    invite_email: String,
    error: Option<&'static str>,
    /// Who must use a second factor (the form value).
    two_factor_required: &'static str,
}

/// Whether `me` may disable or enable `other`: never oneself, and only the owner touches admins.
fn may_toggle(me: &Operator, other: &Operator) -> bool {
    me.id != other.id
        && other.role != Role::Owner
        && (me.role == Role::Owner || other.role == Role::Operator)
}

/// What the last action on the page produced, shown above the team table.
struct Outcome {
    status: StatusCode,
    new_link: Option<String>,
    invite_email: String,
    error: Option<&'static str>,
}

impl Outcome {
    fn plain() -> Self {
        Self {
            status: StatusCode::OK,
            new_link: None,
            invite_email: String::new(),
            error: None,
        }
    }

    fn refused(status: StatusCode, invite_email: String, error: &'static str) -> Self {
        Self {
            status,
            new_link: None,
            invite_email,
            error: Some(error),
        }
    }
}

async fn settings_page(
    req: &HttpRequest,
    state: &State,
    me: &Operator,
    csrf: &CsrfCookie,
    outcome: Outcome,
) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, Some(me));
    let t = lang.texts();
    let members = state
        .store
        .operators()
        .await?
        .into_iter()
        .map(|op| Member {
            id: op.id,
            can_toggle: may_toggle(me, &op),
            is_me: op.id == me.id,
            two_factor: op.two_factor.is_some(),
            can_reset_two_factor: me.role == Role::Owner
                && op.id != me.id
                && (op.two_factor.is_some() || op.two_factor_pending.is_some()),
            name: op.name,
            email: op.email.as_str().to_owned(),
            role: t.role_name(op.role),
            disabled: op.disabled,
        })
        .collect();
    let invites = state
        .store
        .invites()
        .await?
        .into_iter()
        .map(|(id, invite)| OpenInvite {
            id,
            email: invite.email.as_str().to_owned(),
            role: t.role_name(invite.role),
            expires: crate::clock::date(invite.expires_at),
        })
        .collect();
    let page = SettingsPage {
        c: Chrome::new(lang, csrf, Some(me), "settings"),
        members,
        invites,
        new_link: outcome.new_link,
        invite_email: outcome.invite_email,
        error: outcome.error,
        two_factor_required: state.store.two_factor_requirement().await?.as_str(),
    };
    render::page(outcome.status, &page, csrf)
}

/// `GET /settings` (admins).
pub async fn page(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    settings_page(&req, &state, &me.operator, &csrf, Outcome::plain()).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// `POST /settings/invites`: creates a link and shows it once.
pub async fn create_invite(
    req: HttpRequest,
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let t = request::language(&req, Some(&me.operator)).texts();
    let role = Role::parse_invitable(&form.role)
        .ok_or_else(|| AppError::BadRequest(format!("unknown role {:?}", form.role)))?;
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(why) => {
            let outcome = Outcome::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                form.into_inner().email,
                t.invalid(why),
            );
            return settings_page(&req, &state, &me.operator, &csrf, outcome).await;
        }
    };
    if state.store.operator_by_email(&email).await?.is_some() {
        let outcome =
            Outcome::refused(StatusCode::CONFLICT, form.into_inner().email, t.email_taken);
        return settings_page(&req, &state, &me.operator, &csrf, outcome).await;
    }
    let token = tokens::random();
    let invite = Invite::new(email, role, me.operator.id, crate::clock::now());
    state
        .store
        .create_invite(tokens::digest(&token), invite)
        .await?;
    tracing::info!(by = me.operator.id, "invitation created");
    let link = format!("{}/invite/{token}", state.public_url);
    let outcome = Outcome {
        status: StatusCode::CREATED,
        new_link: Some(link),
        ..Outcome::plain()
    };
    settings_page(&req, &state, &me.operator, &csrf, outcome).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /settings/invites/{id}/revoke`.
pub async fn revoke_invite(
    state: web::Data<State>,
    _admin: Admin,
    csrf: CsrfCookie,
    id: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    if !state.store.revoke_invite(id.into_inner()).await? {
        return Err(AppError::NotFound);
    }
    Ok(render::see_other("/settings"))
}

async fn set_disabled(
    state: &State,
    me: &Operator,
    id: OperatorId,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    let target = state.store.operator(id).await?.ok_or(AppError::NotFound)?;
    if !may_toggle(me, &target) {
        return Err(AppError::Forbidden(
            "You cannot change this account. / このアカウントは変更できません。",
        ));
    }
    state.store.set_disabled(id, disabled).await?;
    if disabled {
        state.hub.disconnect(id, None).await;
    }
    tracing::info!(
        by = me.id,
        operator = id,
        disabled,
        "account status changed"
    );
    Ok(render::see_other("/settings"))
}

/// `POST /settings/operators/{id}/disable`: the account's sessions end at once.
pub async fn disable(
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    id: web::Path<OperatorId>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    set_disabled(&state, &me.operator, id.into_inner(), true).await
}

/// `POST /settings/operators/{id}/enable`.
pub async fn enable(
    state: web::Data<State>,
    Admin(me): Admin,
    csrf: CsrfCookie,
    id: web::Path<OperatorId>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    set_disabled(&state, &me.operator, id.into_inner(), false).await
}

#[derive(Template)]
#[template(path = "console/invite.html")]
struct InvitePage {
    c: Chrome,
    email: String,
    name: String,
    error: Option<&'static str>,
    valid: bool,
}

fn invalid_invite(req: &HttpRequest, csrf: &CsrfCookie) -> Result<HttpResponse, AppError> {
    let lang = request::language(req, None);
    let page = InvitePage {
        c: Chrome::new(lang, csrf, None, ""),
        email: String::new(),
        name: String::new(),
        error: Some(lang.texts().invite_invalid),
        valid: false,
    };
    render::page(StatusCode::NOT_FOUND, &page, csrf)
}

/// `GET /invite/{token}`.
pub async fn invite_form(
    req: HttpRequest,
    state: web::Data<State>,
    token: web::Path<String>,
    csrf: CsrfCookie,
) -> Result<HttpResponse, AppError> {
    let Some(invite) = state.store.invite(tokens::digest(&token)).await? else {
        return invalid_invite(&req, &csrf);
    };
    let page = InvitePage {
        c: Chrome::new(request::language(&req, None), &csrf, None, ""),
        name: invite.email.local_part().to_owned(),
        email: invite.email.as_str().to_owned(),
        error: None,
        valid: true,
    };
    render::page(StatusCode::OK, &page, &csrf)
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /invite/{token}`: creates the account (the link then stops working) and signs in.
pub async fn invite_accept(
    req: HttpRequest,
    state: web::Data<State>,
    token: web::Path<String>,
    csrf: CsrfCookie,
    form: web::Form<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    csrf.verify(&form.csrf)?;
    let digest = tokens::digest(&token);
    let Some(invite) = state.store.invite(digest).await? else {
        return invalid_invite(&req, &csrf);
    };
    let lang = request::language(&req, None);
    let form = form.into_inner();
    let checked = operators::parse_name(&form.name).and_then(|name| {
        operators::check_new_password(&form.password, &form.password_confirm).map(|_| name)
    });
    let name = match checked {
        Ok(name) => name,
        Err(why) => {
            let page = InvitePage {
                c: Chrome::new(lang, &csrf, None, ""),
                email: invite.email.as_str().to_owned(),
                name: form.name,
                error: Some(lang.texts().invalid(why)),
                valid: true,
            };
            return render::page(StatusCode::UNPROCESSABLE_ENTITY, &page, &csrf);
        }
    };
    let new = NewOperator {
        email: invite.email,
        name,
        role: invite.role,
        password_hash: state.hashing.hash(form.password).await,
    };
    let operator = match state.store.accept_invite(digest, new).await {
        Ok(Some(operator)) => operator,
        Ok(None) => return invalid_invite(&req, &csrf),
        Err(store::Error::Conflict(_)) => {
            return Err(AppError::BadRequest(lang.texts().email_taken.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(operator = operator.id, "invitation accepted");
    web_session::signed_in(&req, &state, &csrf, &operator).await
}
