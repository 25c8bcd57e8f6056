//! Approving and rejecting registration requests. Each decision, the new account, the
//! customer's email and the audit entry are written in one transaction.

use super::super::accounts::FirstPassword;
use super::super::registration::verify::{self, Claim};
use super::super::{Ctx, Lang};
use super::email_choice;
use crate::domain::model::Role;
use crate::domain::notice::{Credentials, Notice, Rejected};
use crate::domain::payload::Payload;
use crate::domain::reply::{Reply, View};
use crate::store::AuditEvent;
use crate::store::Registration;
use serde_json::json;

/// Loads a request that is still pending, or the reply saying why not.
async fn pending_request(ctx: &Ctx<'_>, id: i64) -> anyhow::Result<Result<Registration, Reply>> {
    let Some(r) = ctx.core.store().registration(id).await? else {
        return Ok(Err(Reply::new(
            ctx.lang,
            View::new("staff_request_not_found", json!({ "id": id })),
        )));
    };
    if r.status != "pending" {
        return Ok(Err(decided(ctx, &r)));
    }
    Ok(Ok(r))
}

fn decided(ctx: &Ctx<'_>, r: &Registration) -> Reply {
    Reply::new(
        ctx.lang,
        View::new(
            "staff_request_decided",
            json!({ "id": r.id, "status": r.status, "by": r.decided_by }),
        ),
    )
}

fn staff_identifier(ctx: &Ctx<'_>) -> String {
    ctx.account
        .as_ref()
        .map(|a| a.identifier.clone())
        .unwrap_or_default()
}

/// Approves request `id`. When the request's address differs from the billing record's,
/// `email` must say which one gets the credentials (otherwise staff are asked).
#[tracing::instrument(skip(ctx, email))]
pub(crate) async fn approve(
    ctx: &mut Ctx<'_>,
    id: i64,
    email: Option<&str>,
) -> anyhow::Result<Reply> {
    let request = match pending_request(ctx, id).await? {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    let core = ctx.core;
    let store = core.store();
    let verification = verify::verify(store, &Claim::from(&request), core.today()).await?;
    let refuse = |code: &str| {
        Reply::new(
            ctx.lang,
            View::new("staff_approve_refused", json!({ "id": id, "code": code })),
        )
    };
    // Only customers of the utility get access: the request must point at one.
    let Some(customer_id) = verification.customer_id else {
        return Ok(refuse("no_customer"));
    };
    if store.account_for_customer(customer_id).await?.is_some() {
        return Ok(refuse("account_exists"));
    }
    let Some(customer) = store.customer(customer_id).await? else {
        return Ok(refuse("no_customer"));
    };
    let (address, source) =
        match email_choice::choose(ctx, id, &request.email, customer.email.as_deref(), email) {
            Ok(chosen) => chosen,
            Err(ask) => return Ok(ask),
        };
    let staff = staff_identifier(ctx);
    let mut tx = store.begin().await?;
    if !tx.decide_registration(id, "approved", &staff, None).await? {
        drop(tx);
        let fresh = store.registration(id).await?;
        return Ok(fresh.map_or_else(|| refuse("no_customer"), |r| decided(ctx, &r)));
    }
    let creds = core
        .create_account(
            &mut tx,
            Role::Customer,
            Some(customer_id),
            &customer.name,
            Some(&address),
            FirstPassword::Temporary,
        )
        .await?;
    let account_id = tx.account_id(&creds.identifier).await?;
    tx.set_new_account_lang(account_id, &request.lang).await?;
    tx.link_registration(id, account_id).await?;
    let lang = Lang::parse(&request.lang).unwrap_or(ctx.lang);
    let expires = creds.expires.unwrap_or_else(|| core.temporary_expiry());
    let notice = Notice::Credentials(Credentials {
        name: customer.name.clone(),
        identifier: creds.identifier.clone(),
        expires,
        days: core.settings().security.temp_password_days,
        phones: core.settings().utility.customer_service_phones.clone(),
    });
    let payload = Payload::of(lang, &notice).with_secret("password", creds.password.clone());
    // The dedupe key fixes the Message-ID: a retried send is recognisably the same mail.
    tx.enqueue(
        &format!("credentials:registration:{id}"),
        "email",
        &address,
        &payload.to_json(),
    )
    .await?;
    if source != email_choice::Source::RequestOnly {
        tx.audit(
            &staff,
            AuditEvent::ApprovalEmailChosen,
            &format!("request #{id} → {}", creds.identifier),
            &format!("{}: {address}", source.as_str()),
        )
        .await?;
    }
    let flags: Vec<String> = verification
        .flags
        .iter()
        .map(|f| format!("{}={}", f.key, f.code))
        .collect();
    tx.audit(
        &staff,
        AuditEvent::RegistrationApproved,
        &format!("request #{id} → {}", creds.identifier),
        &flags.join(", "),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(request = id, account = %creds.identifier, "request approved");
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_approved",
            json!({
                "id": id,
                "identifier": creds.identifier,
                "email": address,
                "customer_number": customer.number,
            }),
        ),
    ))
}

#[tracing::instrument(skip(ctx, reason))]
pub(crate) async fn reject(ctx: &mut Ctx<'_>, id: i64, reason: &str) -> anyhow::Result<Reply> {
    let request = match pending_request(ctx, id).await? {
        Ok(r) => r,
        Err(reply) => return Ok(reply),
    };
    let core = ctx.core;
    let staff = staff_identifier(ctx);
    let mut tx = core.store().begin().await?;
    if !tx
        .decide_registration(id, "rejected", &staff, Some(reason))
        .await?
    {
        drop(tx);
        return match core.store().registration(id).await? {
            Some(r) => Ok(decided(ctx, &r)),
            None => Ok(Reply::new(ctx.lang, View::bare("empty"))),
        };
    }
    let lang = Lang::parse(&request.lang).unwrap_or(ctx.lang);
    let notice = Notice::Rejected(Rejected {
        id,
        name: request.name.clone(),
        reason: reason.to_string(),
        phones: core.settings().utility.customer_service_phones.clone(),
    });
    let payload = Payload::of(lang, &notice);
    tx.enqueue(
        &format!("rejected:registration:{id}"),
        "email",
        &request.email,
        &payload.to_json(),
    )
    .await?;
    tx.audit(
        &staff,
        AuditEvent::RegistrationRejected,
        &format!("request #{id}"),
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_rejected",
            json!({ "id": id, "email": request.email, "reason": reason }),
        ),
    ))
}
