//! The customer's consents (S2): what was agreed to, under which regulations version and
//! when; withdrawing the data-processing consent closes the account after confirmation.

use super::Ctx;
use crate::domain::model::Role;
use crate::domain::reply::{Expect, Reply, View};
use crate::domain::text::fold;
use crate::store::{Account, AuditEvent};
use serde_json::json;

/// Withdrawing the processing consent: the dialogue's step, stored with the chat.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum WithdrawStep {
    /// Waiting for the confirmation.
    WithdrawConfirm,
}

impl super::Step for WithdrawStep {
    fn expects_secret(&self) -> bool {
        false
    }

    async fn answer(self, ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
        answer(ctx, self, text).await
    }
}

pub(crate) async fn view(ctx: &Ctx<'_>, account: &Account) -> anyhow::Result<Reply> {
    let consents = ctx.core.store().consents(account.id).await?;
    let can_withdraw = account.role == Role::Customer;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "consents",
            json!({
                "consents": consents,
                "current_version": ctx.core.settings().regulations.version,
                "can_withdraw": can_withdraw,
            }),
        ),
    ))
}

/// `wycofaj-zgode`: asks for confirmation first.
pub(crate) async fn withdraw(ctx: &mut Ctx<'_>, account: &Account) -> anyhow::Result<Reply> {
    if account.role != Role::Customer {
        return Ok(Reply::new(ctx.lang, View::bare("withdraw_not_for_staff")));
    }
    ctx.set_step(&WithdrawStep::WithdrawConfirm).await?;
    Ok(Reply::new(ctx.lang, View::bare("withdraw_confirm")).expecting(Expect::Text))
}

/// The answer to "are you sure?": only an explicit yes closes the account.
async fn answer(ctx: &mut Ctx<'_>, step: WithdrawStep, text: &str) -> anyhow::Result<Reply> {
    let WithdrawStep::WithdrawConfirm = step;
    ctx.clear_step().await?;
    let Some(account) = ctx.account.clone() else {
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    };
    let answer = fold(text.trim());
    if !matches!(answer.as_str(), "tak" | "yes" | "potwierdzam" | "confirm") {
        return Ok(Reply::new(ctx.lang, View::bare("withdraw_kept")));
    }
    let store = ctx.core.store();
    let mut tx = store.begin().await?;
    tx.withdraw_and_close(account.id).await?;
    tx.end_all_sessions(account.id).await?;
    tx.audit(
        &account.identifier,
        AuditEvent::ConsentWithdrawnAccountClosed,
        ctx.origin.channel.as_str(),
        "",
    )
    .await?;
    tx.commit().await?;
    ctx.account = None;
    Ok(Reply::new(ctx.lang, View::bare("withdraw_done")))
}

/// `regulamin`: the regulations the customer accepts when registering.
pub(crate) fn regulations(ctx: &Ctx<'_>) -> Reply {
    let r = &ctx.core.settings().regulations;
    Reply::new(
        ctx.lang,
        View::new(
            "regulations",
            json!({ "version": r.version, "text": r.text.trim() }),
        ),
    )
}
