//! Registration requests (S1–S3) as a dialogue: the form (fields merged message by
//! message, every error reported together), a summary with the anti-bot check, then the
//! request is stored with its consents, verified against the billing data and staff are
//! notified — all in one transaction.

mod captcha;
mod form;
mod names;
pub mod verify;

pub use captcha::Captcha;
pub use form::Draft;

use super::limits::{self, Limit};
use super::staff_notice::notify_staff;
use super::{Core, Ctx, Secret};
use crate::domain::notice::{NewRequest, Notice};
use crate::domain::reply::{Expect, Reply, View};
use crate::store::AuditEvent;
use crate::store::NewRegistration;
use serde_json::json;

/// Wrong anti-bot answers before the dialogue ends.
const CAPTCHA_TRIES: u8 = 3;

/// `rejestracja [fields…]`.
pub(crate) async fn start(ctx: &mut Ctx<'_>, form: Secret) -> anyhow::Result<Reply> {
    if ctx.account.is_some() {
        return Ok(Reply::new(ctx.lang, View::bare("registration_logged_in")));
    }
    if source_limited(ctx).await? {
        return Ok(Reply::new(ctx.lang, View::bare("registration_limited")));
    }
    if !form.0.trim().is_empty() {
        return apply_form(ctx, Draft::default(), &form.0).await;
    }
    ctx.set_step(&RegisterStep::RegisterForm {
        draft: Draft::default(),
    })
    .await?;
    Ok(form_reply(ctx))
}

fn form_reply(ctx: &Ctx<'_>) -> Reply {
    let version = &ctx.core.settings().regulations.version;
    Reply::new(
        ctx.lang,
        View::new("registration_form", json!({ "version": version })),
    )
    .expecting(Expect::Text)
}

/// The registration dialogue's steps, stored with the chat.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RegisterStep {
    /// Collecting the form's fields (the PESEL only as hash and mask).
    RegisterForm { draft: Draft },
    /// The anti-bot check (two named digits of five).
    RegisterCaptcha {
        draft: Draft,
        captcha: Captcha,
        failures: u8,
    },
}

/// Input while the registration dialogue is open.
pub(crate) async fn answer(
    ctx: &mut Ctx<'_>,
    step: RegisterStep,
    text: &str,
) -> anyhow::Result<Reply> {
    match step {
        RegisterStep::RegisterForm { draft } => apply_form(ctx, draft, text).await,
        RegisterStep::RegisterCaptcha {
            draft,
            captcha,
            failures,
        } => answer_captcha(ctx, draft, captcha, failures, text).await,
    }
}

async fn apply_form(ctx: &mut Ctx<'_>, draft: Draft, text: &str) -> anyhow::Result<Reply> {
    let key = pesel_key(ctx.core).await?;
    let applied = form::apply(draft, text, &key);
    // A field with an error this time is listed once, as an error, not also as missing.
    let mut missing = applied.draft.missing();
    missing.retain(|m| {
        !applied
            .errors
            .iter()
            .any(|e| e.field == *m || (*m == "pesel_or_nip" && matches!(e.field, "pesel" | "nip")))
    });
    let mut reply = if applied.recognised == 0 && applied.errors.iter().all(|e| e.field == "line") {
        // Not a form at all (a command typed by habit?): show the form again.
        ctx.set_step(&RegisterStep::RegisterForm {
            draft: applied.draft.clone(),
        })
        .await?;
        let mut r = Reply::new(ctx.lang, View::bare("registration_not_a_form"));
        r.views.push(form_reply(ctx).views.remove(0));
        r.expecting(Expect::Text)
    } else if !applied.errors.is_empty() || !missing.is_empty() {
        let view = View::new(
            "registration_errors",
            json!({
                "errors": applied.errors,
                "missing": missing,
                "accepted": accepted(&applied.draft),
                "pesel_masked": applied.draft.pesel_masked,
                "nip_masked": applied.draft.nip_masked(),
            }),
        );
        ctx.set_step(&RegisterStep::RegisterForm {
            draft: applied.draft,
        })
        .await?;
        Reply::new(ctx.lang, view).expecting(Expect::Text)
    } else {
        ask_captcha(ctx, applied.draft, 0, None).await?
    };
    reply.input_was_secret = applied.had_id_number;
    Ok(reply)
}

fn accepted(d: &Draft) -> Vec<&'static str> {
    let mut out = Vec::new();
    let fields = [
        ("name", d.name.is_some()),
        ("pesel", d.pesel_hash.is_some()),
        ("nip", d.nip.is_some()),
        ("invoice", d.invoice.is_some()),
        ("contract", d.contract.is_some()),
        ("email", d.email.is_some()),
        ("consent", d.consent),
        ("regulations", d.regulations),
    ];
    for (name, ok) in fields {
        if ok {
            out.push(name);
        }
    }
    out
}

async fn ask_captcha(
    ctx: &mut Ctx<'_>,
    draft: Draft,
    failures: u8,
    before: Option<View>,
) -> anyhow::Result<Reply> {
    let captcha = Captcha::new();
    let mut reply = Reply::new(ctx.lang, summary(ctx, &draft));
    if let Some(v) = before {
        reply.views.insert(0, v);
    }
    reply.views.push(View::new(
        "registration_captcha",
        json!({ "digits": captcha.shown(), "first": captcha.first, "second": captcha.second }),
    ));
    ctx.set_step(&RegisterStep::RegisterCaptcha {
        draft,
        captcha,
        failures,
    })
    .await?;
    Ok(reply.expecting(Expect::Text))
}

fn summary(ctx: &Ctx<'_>, d: &Draft) -> View {
    // A sole trader's NIP is personal data: masked like the PESEL.
    let nip = d.nip_masked();
    View::new(
        "registration_summary",
        json!({
            "kind": d.kind(),
            "name": d.name,
            "pesel_masked": d.pesel_masked,
            "nip": nip,
            "invoice": d.invoice,
            "contract": d.contract,
            "email": d.email,
            "version": ctx.core.settings().regulations.version,
        }),
    )
}

async fn answer_captcha(
    ctx: &mut Ctx<'_>,
    draft: Draft,
    captcha: Captcha,
    failures: u8,
    text: &str,
) -> anyhow::Result<Reply> {
    if captcha.check(text) {
        return submit(ctx, draft).await;
    }
    let store = ctx.core.store();
    store
        .rate_record(&limits::CAPTCHA_FAILURES_PER_SOURCE.source_key(ctx.origin))
        .await?;
    let failures = failures + 1;
    if failures >= CAPTCHA_TRIES || source_limited(ctx).await? {
        ctx.clear_step().await?;
        return Ok(Reply::new(
            ctx.lang,
            View::bare("registration_captcha_failed"),
        ));
    }
    let wrong = View::new(
        "registration_captcha_wrong",
        json!({ "left": CAPTCHA_TRIES - failures }),
    );
    ask_captcha(ctx, draft, failures, Some(wrong)).await
}

/// Too many requests or failed checks from this chat lately.
async fn source_limited(ctx: &Ctx<'_>) -> anyhow::Result<bool> {
    let store = ctx.core.store();
    for limit in [
        limits::REGISTRATIONS_PER_SOURCE,
        limits::CAPTCHA_FAILURES_PER_SOURCE,
    ] {
        if limit.exceeded(store, &limit.source_key(ctx.origin)).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn email_key(limit: Limit, email: &str) -> String {
    limit.key(&email.to_lowercase())
}

#[tracing::instrument(skip_all, fields(channel = ctx.origin.channel.as_str()))]
async fn submit(ctx: &mut Ctx<'_>, draft: Draft) -> anyhow::Result<Reply> {
    let core = ctx.core;
    let store = core.store();
    let (Some(name), Some(invoice), Some(contract), Some(email)) = (
        draft.name.clone(),
        draft.invoice.clone(),
        draft.contract.clone(),
        draft.email.clone(),
    ) else {
        return apply_form(ctx, draft, "").await;
    };
    ctx.clear_step().await?;
    let email_limit = limits::REGISTRATIONS_PER_EMAIL;
    if source_limited(ctx).await?
        || email_limit
            .exceeded(store, &email_key(email_limit, &email))
            .await?
    {
        return Ok(Reply::new(ctx.lang, View::bare("registration_limited")));
    }
    let claim = verify::Claim {
        id: 0,
        name: name.clone(),
        pesel_hash: draft.pesel_hash.clone(),
        nip: draft.nip.clone(),
        invoice: invoice.clone(),
        contract: contract.clone(),
        email: email.clone(),
    };
    let verification = verify::verify(store, &claim, core.today()).await?;
    let (channel, source) = (ctx.origin.channel.as_str(), ctx.origin.source.as_str());
    let version = core.settings().regulations.version.clone();
    let mut tx = store.begin().await?;
    let id = tx
        .insert_registration(&NewRegistration {
            kind: draft.kind(),
            name: &name,
            pesel_hash: draft.pesel_hash.as_deref(),
            pesel_masked: draft.pesel_masked.as_deref(),
            nip: draft.nip.as_deref(),
            invoice_number: &invoice,
            contract_number: &contract,
            email: &email,
            lang: ctx.lang.code(),
            channel,
            source,
        })
        .await?;
    for kind in ["data_processing", "regulations"] {
        tx.insert_consent(id, kind, &version, channel).await?;
    }
    tx.rate_record(&limits::REGISTRATIONS_PER_SOURCE.source_key(ctx.origin))
        .await?;
    tx.rate_record(&email_key(email_limit, &email)).await?;
    let nip_masked = draft.nip_masked();
    let request = Notice::NewRequest(NewRequest {
        id,
        kind: draft.kind().to_string(),
        name: name.clone(),
        pesel_masked: draft.pesel_masked.clone(),
        nip: nip_masked,
        email: email.clone(),
        verification: verification.checks(),
    });
    let event = format!("staff-new:{id}");
    let notified = notify_staff(core, &mut tx, &event, &request).await?;
    tx.audit(
        "system",
        AuditEvent::RegistrationRequested,
        &format!("request #{id}"),
        &format!("{channel}; consents v{version}; staff notified: {notified}"),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(request = id, notified, "registration request stored");
    let phones = &core.settings().utility.customer_service_phones;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "registration_submitted",
            json!({ "id": id, "email": email, "phones": phones }),
        ),
    ))
}

/// The key of the PESEL keyed hash: the configured one, else the one `App::build` keeps
/// in the database (created here when the core runs without an `App`).
pub(crate) async fn pesel_key(core: &Core) -> anyhow::Result<Vec<u8>> {
    crate::import::pesel_key(core.store(), core.settings()).await
}
