//! The due-date calendar as a file (`kalendarz ics`): every unpaid bill an all-day event
//! on its effective due date, with what to pay and how (see [`crate::ics`]).

use super::CustomerCtx;
use crate::core::reply::{Attachment, Reply, View};
use crate::domain::calendar::effective_due_date;
use crate::domain::money::from_grosze;
use crate::domain::nrb::Nrb;
use crate::ics::{self, DueEvent};
use crate::payment::title;
use crate::render::Flavour;
use serde_json::json;

impl CustomerCtx<'_> {
    pub(super) async fn calendar_file(&self, customer_number: &str) -> anyhow::Result<Reply> {
        let core = self.ctx.core;
        let settings = core.settings();
        let utility = &settings.utility;
        let open = core.store().open_invoices(self.id).await?;
        let individual = core.store().customer_bank_account(self.id).await?;
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
            let text =
                |template| renderer.view(Flavour::Text, self.lang(), &View::new(template, &data));
            events.push(DueEvent {
                uid: ics::uid(customer_number, &inv.number, &domain),
                date: paid_by,
                summary: text("ics_summary")?.trim().to_string(),
                description: text("ics_description")?.trim().to_string(),
            });
        }
        let name = format!("{} — {customer_number}", utility.short_name);
        let body = ics::calendar(&name, &events, settings.calendar.reminder_days);
        let file_name = format!("kalendarz-{customer_number}.ics");
        let data = json!({
            "count": events.len(), "file_name": file_name,
            "reminder_days": settings.calendar.reminder_days,
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
}
