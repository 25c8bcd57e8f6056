//! Telling an account's owner, at the address on file, that the right password was used
//! by mail from another address (no account data went there). At most one such mail a
//! day per account, so whoever holds the password cannot flood the owner's mailbox.

use super::Ctx;
use super::command::Lang;
use crate::domain::notice::{ForeignSender, Notice};
use crate::domain::payload::Payload;
use crate::store::Account;
use crate::store::AuditEvent;

pub(super) async fn foreign_sender(ctx: &Ctx<'_>, account: &Account) -> anyhow::Result<()> {
    let Some(email) = account.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Ok(());
    };
    let core = ctx.core;
    let sender = ctx.origin.source.as_str();
    let notice = Notice::ForeignSender(ForeignSender {
        identifier: account.identifier.clone(),
        sender: sender.to_string(),
        at: crate::store::now(),
        phones: core.settings().utility.customer_service_phones.clone(),
    });
    let payload = Payload::of(Lang::parse(&account.lang).unwrap_or(Lang::Pl), &notice);
    let key = format!("foreign-sender:{}:{}", account.id, core.today());
    let mut tx = core.store().begin().await?;
    tx.enqueue(&key, "email", email.trim(), &payload.to_json())
        .await?;
    tx.audit(
        &account.identifier,
        AuditEvent::LoginRefusedOtherAddress,
        ctx.origin.channel.as_str(),
        sender,
    )
    .await?;
    tx.commit().await
}
