//! The due-date calendar as a file (`kalendarz ics`): every unpaid bill an all-day event
//! on its effective due date, with what to pay and how (see [`crate::ics`]); and its
//! private subscription link (`kalendarz link`), served by `ebok serve`'s `[http]`.

use super::CustomerCtx;
use crate::core::Core;
use crate::core::command::Lang;
use crate::domain::calendar::effective_due_date;
use crate::domain::money::from_grosze;
use crate::domain::nrb::Nrb;
use crate::domain::reply::{Attachment, Reply, View};
use crate::ics::{self, DueEvent};
use crate::payment::title;
use crate::render::Flavour;
use serde_json::json;

impl CustomerCtx<'_> {
    pub(crate) async fn calendar_file(&self, customer_number: &str) -> anyhow::Result<Reply> {
        let core = self.ctx.core;
        let (body, count) = calendar_ics(core, self.id, customer_number, self.lang()).await?;
        let file_name = format!("kalendarz-{customer_number}.ics");
        let data = json!({
            "count": count, "file_name": file_name,
            "reminder_days": core.settings().calendar.reminder_days,
        });
        let mut reply = Reply::new(self.lang(), View::new("calendar_file", data));
        reply.attachments.push(Attachment {
            file_name,
            content_type: "text/calendar".into(),
            body: body.into_bytes(),
            inline: false,
        });
        Ok(reply)
    }

    /// A new subscription link (an earlier one stops working), or revoking it.
    pub(crate) async fn calendar_link(&self, revoke: bool) -> anyhow::Result<Reply> {
        let core = self.ctx.core;
        let Some(account) = &self.ctx.account else {
            return Ok(Reply::new(self.lang(), View::bare("login_required")));
        };
        let channel = self.ctx.origin.channel.as_str();
        if revoke {
            let had = core
                .store()
                .revoke_calendar_link(account.id, &account.identifier, channel)
                .await?;
            let data = json!({ "had": had });
            return Ok(Reply::new(
                self.lang(),
                View::new("calendar_link_revoked", data),
            ));
        }
        let base = core
            .settings()
            .http
            .as_ref()
            .and_then(|h| h.public_url.as_deref());
        let Some(base) = base.filter(|b| !b.trim().is_empty()) else {
            return Ok(Reply::new(
                self.lang(),
                View::bare("calendar_link_unavailable"),
            ));
        };
        let token = ics::new_token();
        core.store()
            .set_calendar_link(
                account.id,
                &account.identifier,
                channel,
                &ics::token_hash(&token),
            )
            .await?;
        let url = format!(
            "{}{}{token}.ics",
            base.trim().trim_end_matches('/'),
            ics::LINK_PATH
        );
        let data = json!({ "url": url, "reminder_days": core.settings().calendar.reminder_days });
        Ok(Reply::new(self.lang(), View::new("calendar_link", data)))
    }
}

/// The calendar file of customer `id` (number `customer_number`) in `lang`, with the
/// number of its events: the same for `kalendarz ics` and the subscription link.
pub async fn calendar_ics(
    core: &Core,
    id: i64,
    customer_number: &str,
    lang: Lang,
) -> anyhow::Result<(String, usize)> {
    let settings = core.settings();
    let utility = &settings.utility;
    let open = core.store().open_invoices(id).await?;
    let individual = core.store().customer_bank_account(id).await?;
    let account = Nrb::parse(individual.as_deref().unwrap_or(&utility.bank_account))?;
    let domain = url::Url::parse(&utility.website)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "ebok".into());
    let renderer = core.renderer()?;
    let mut events = Vec::new();
    for inv in open.iter().filter(|i| i.to_pay_gr > 0) {
        let paid_by = effective_due_date(inv.due_date);
        let data = json!({
            "kind": inv.kind.as_str(), "number": inv.number, "amount": from_grosze(inv.to_pay_gr),
            "pay_by": paid_by, "due_date": inv.due_date, "moved": paid_by != inv.due_date,
            "recipient": utility.name, "account": account.grouped(),
            "title": title::compose(customer_number, &[inv.number.as_str()], title::LINE, title::LINES).joined(),
        });
        let text = |template| renderer.view(Flavour::Text, lang, &View::new(template, &data));
        events.push(DueEvent {
            uid: ics::uid(customer_number, &inv.number, &domain),
            date: paid_by,
            summary: text("ics_summary")?.trim().to_string(),
            description: text("ics_description")?.trim().to_string(),
        });
    }
    let name = format!("{} — {customer_number}", utility.short_name);
    let count = events.len();
    Ok((
        ics::calendar(&name, &events, settings.calendar.reminder_days),
        count,
    ))
}

impl Core {
    /// The calendar file a subscription token (`kalendarz link`) gives, with the current
    /// data, in the account's language; `None` for an unknown or revoked token and for an
    /// account that is closed, locked or has no customer.
    pub async fn calendar_by_link(&self, token: &str) -> anyhow::Result<Option<String>> {
        let store = self.store();
        let hash = crate::ics::token_hash(token);
        let Some(id) = store.calendar_link_account(&hash).await? else {
            return Ok(None);
        };
        let Some(account) = store.account(id).await?.filter(|a| !a.closed && !a.locked) else {
            return Ok(None);
        };
        let Some(customer_id) = account.customer_id else {
            return Ok(None);
        };
        let Some(customer) = store.customer(customer_id).await? else {
            return Ok(None);
        };
        let lang = Lang::parse(&account.lang).unwrap_or(Lang::Pl);
        let (body, _) = calendar_ics(self, customer.id, &customer.number, lang).await?;
        Ok(Some(body))
    }
}
