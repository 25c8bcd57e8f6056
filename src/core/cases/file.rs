//! Filing a case: the draft a dialogue or a one-message form collected is checked
//! (the bill is the customer's, a description is there, the files are allowed), then
//! numbered, stored with its files and announced to staff in one transaction — a case
//! with a bad attachment is not half-saved. The confirmation says the number, what was
//! received, the deadline and how to follow it.

use super::common::{case_data, file_problem, notify_staff_of, problem, store_files};
use crate::core::{Channel, Ctx, CustomerSession, IncomingFile};
use crate::domain::case::{CapacityChange, Subject, deadline_after};
use crate::domain::model::CustomerKind;
use crate::domain::reply::{Reply, View};
use crate::store::NewCase;
use serde_json::json;

/// The longest description kept (characters).
pub(crate) const MAX_DESCRIPTION: usize = 4000;

/// What a customer filled in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    pub subject: Subject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacityChange>,
}

/// Where the case's notices go: the Telegram chat or address it came from; from the
/// console, the account's address on file (or nowhere).
fn route(ctx: &Ctx<'_>, me: &CustomerSession) -> (String, String) {
    match ctx.origin.channel {
        Channel::Telegram => ("telegram".into(), ctx.origin.source.clone()),
        Channel::Email => ("email".into(), ctx.origin.source.clone()),
        Channel::Console => match me.account.email.as_deref().or(me.customer.email.as_deref()) {
            Some(address) => ("email".into(), address.trim().to_lowercase()),
            None => ("console".into(), ctx.origin.source.clone()),
        },
    }
}

/// Who files a case: the customer's own account, or staff for the customer (a phone
/// call), whose notices go to the customer's address on file.
pub(crate) struct Filer {
    pub account_id: Option<i64>,
    pub identifier: String,
    pub route: (String, String),
}

/// Checks and files `draft` with `description` and the input's files, for the
/// customer logged in.
pub(crate) async fn file(
    ctx: &mut Ctx<'_>,
    me: &CustomerSession,
    draft: &Draft,
    description: &str,
) -> anyhow::Result<Reply> {
    let filer = Filer {
        account_id: Some(me.account.id),
        identifier: me.account.identifier.clone(),
        route: route(ctx, me),
    };
    file_for(ctx, &me.customer, filer, draft, description).await
}

/// Files `draft` for `customer` as `filer`.
pub(crate) async fn file_for(
    ctx: &mut Ctx<'_>,
    customer: &crate::domain::model::Customer,
    filer: Filer,
    draft: &Draft,
    description: &str,
) -> anyhow::Result<Reply> {
    let lang = ctx.lang;
    let description = description.trim();
    if description.is_empty() {
        return Ok(problem(lang, "description_missing", ""));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Ok(problem(
            lang,
            "description_long",
            &MAX_DESCRIPTION.to_string(),
        ));
    }
    if let Some(number) = &draft.invoice
        && ctx
            .core
            .store()
            .invoice(customer.id, number)
            .await?
            .is_none()
    {
        return Ok(problem(lang, "invoice_unknown", number));
    }
    let core = ctx.core;
    let cfg = core.settings().cases.deadlines();
    let days = if draft.subject.is_disconnection() {
        cfg.disconnection_days
    } else {
        cfg.answer_days
    };
    let received_on = core.today();
    let deadline = deadline_after(received_on, days);
    let (channel, reply_to) = &filer.route;
    let form = draft
        .capacity
        .as_ref()
        .map(|c| json!({ "capacity": c }).to_string());
    let new = NewCase {
        subject: draft.subject,
        customer_id: customer.id,
        account_id: filer.account_id,
        filed_by: &filer.identifier,
        channel,
        reply_to,
        lang: lang.code(),
        household: customer.kind == CustomerKind::Person,
        invoice_number: draft.invoice.as_deref(),
        description,
        form: form.as_deref(),
        received_on,
        deadline,
    };
    let files = std::mem::take(&mut ctx.files);
    ctx.files_taken = !files.is_empty();
    let mut tx = core.store().begin_write().await?;
    let (_, number) = tx.insert_case(&new).await?;
    let row = tx
        .case_for_update(&number.to_string())
        .await?
        .ok_or_else(|| anyhow::anyhow!("a case just filed is not there"))?;
    let files_stored = match store_files(&mut tx, row.id, &files, &filer.identifier).await? {
        Ok(n) => n,
        Err(refused) => {
            tx.rollback().await?;
            return Ok(file_problem(lang, refused));
        }
    };
    notify_staff_of(core, &mut tx, &row, "new").await?;
    tx.commit().await?;
    tracing::info!(case = %number, subject = draft.subject.as_str(), files = files_stored, "a case was filed");
    ctx.clear_step().await?;
    let capacity = core.store().latest_capacity(customer.id).await?;
    let mut data = case_data(&row, received_on);
    data["files"] = json!(files_stored);
    data["current_capacity"] = json!(capacity);
    data["via_chat"] = json!(ctx.origin.channel != Channel::Email);
    let reply = Reply::new(lang, View::new("case_filed", data));
    Ok(reply.with_action("case", number.to_string(), format!("sprawa {number}"), 0))
}

/// Adds information and the input's files to an open case of the customer
/// (`sprawa <nr> dopisz …`, or what is typed after filing).
pub(crate) async fn add(ctx: &mut Ctx<'_>, number: &str, text: &str) -> anyhow::Result<Reply> {
    let lang = ctx.lang;
    let Some(row) = super::common::visible_case(ctx, number).await? else {
        return Ok(problem(lang, "not_found", number));
    };
    if !row.state.is_open() {
        return Ok(problem(lang, "closed", &row.number));
    }
    let text = text.trim();
    let files: Vec<IncomingFile> = std::mem::take(&mut ctx.files);
    if text.is_empty() && files.is_empty() {
        return Ok(problem(lang, "add_empty", &row.number));
    }
    if text.chars().count() > MAX_DESCRIPTION {
        return Ok(problem(
            lang,
            "description_long",
            &MAX_DESCRIPTION.to_string(),
        ));
    }
    ctx.files_taken = !files.is_empty();
    let by = ctx
        .account
        .as_ref()
        .map(|a| a.identifier.clone())
        .unwrap_or_default();
    let mut tx = ctx.core.store().begin_write().await?;
    let stored = match store_files(&mut tx, row.id, &files, &by).await? {
        Ok(n) => n,
        Err(refused) => {
            tx.rollback().await?;
            return Ok(file_problem(lang, refused));
        }
    };
    if !text.is_empty() {
        tx.case_event(row.id, &by, "info_added", text).await?;
    }
    // Information asked for has come: the case is staff's again, and they are told.
    if row.state == crate::domain::case::CaseState::InfoRequested {
        let n = ctx.core.store().case_events(row.id).await?.len();
        let key = format!("case:{}:info_added:{n}", row.number);
        super::common::notify_staff_keyed(ctx.core, &mut tx, &row, "info_added", &key).await?;
        let change = crate::store::CaseChange {
            state: Some(crate::domain::case::CaseState::InProgress),
            ..Default::default()
        };
        tx.change_case(row.id, &change).await?;
    }
    tx.commit().await?;
    let data = json!({ "number": row.number, "files": stored, "text": !text.is_empty() });
    Ok(Reply::new(lang, View::new("case_added", data)))
}
