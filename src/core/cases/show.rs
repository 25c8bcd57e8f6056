//! Following cases: the customer's list (`sprawy`), one case with its history, answer
//! and attachments (`sprawa <nr>`), an attachment's file (`sprawa <nr> plik <n>`).

use super::common::{case_data, problem, visible_case};
use crate::core::{Ctx, CustomerSession};
use crate::domain::reply::{Attachment, Reply, View};
use serde_json::json;

pub(crate) async fn list(ctx: &Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
    let today = ctx.core.today();
    let rows = ctx.core.store().cases_of_customer(me.customer.id).await?;
    let cases: Vec<_> = rows.iter().map(|c| case_data(c, today)).collect();
    let mut reply = Reply::new(ctx.lang, View::new("case_list", json!({ "cases": cases })));
    for (i, c) in rows.iter().take(8).enumerate() {
        reply = reply.with_action(
            "case",
            &c.number,
            format!("sprawa {}", c.number),
            (i / 2) as u8,
        );
    }
    Ok(reply)
}

pub(crate) async fn show(ctx: &Ctx<'_>, number: &str) -> anyhow::Result<Reply> {
    let Some(c) = visible_case(ctx, number).await? else {
        return Ok(problem(ctx.lang, "not_found", number));
    };
    let store = ctx.core.store();
    let events = store.case_events(c.id).await?;
    let files = store.case_files(c.id).await?;
    let customer = store.customer(c.customer_id).await?;
    let staff = ctx
        .account
        .as_ref()
        .is_some_and(|a| a.role == crate::domain::model::Role::Staff);
    let mut data = case_data(&c, ctx.core.today());
    data["events"] = json!(events);
    data["attachments"] = json!(files);
    data["customer_number"] = json!(customer.as_ref().map(|c| &c.number));
    data["customer_name"] = json!(customer.as_ref().map(|c| &c.name));
    data["staff"] = json!(staff);
    let mut reply = Reply::new(ctx.lang, View::new("case_detail", data));
    for (i, f) in files.iter().enumerate() {
        let cmd = format!("sprawa {} plik {}", c.number, i + 1);
        reply = reply.with_action("download", &f.name, cmd, (i / 2) as u8);
    }
    Ok(reply)
}

/// Attachment `n` (from 1, as listed) of the case.
pub(crate) async fn file(ctx: &Ctx<'_>, number: &str, n: usize) -> anyhow::Result<Reply> {
    let Some(c) = visible_case(ctx, number).await? else {
        return Ok(problem(ctx.lang, "not_found", number));
    };
    let store = ctx.core.store();
    let files = store.case_files(c.id).await?;
    let Some(meta) = n.checked_sub(1).and_then(|i| files.get(i)) else {
        return Ok(problem(ctx.lang, "file_not_found", &n.to_string()));
    };
    let Some(body) = store.case_file_body(c.id, meta.id).await? else {
        return Ok(problem(ctx.lang, "file_not_found", &n.to_string()));
    };
    let mut reply = Reply::new(
        ctx.lang,
        View::new("file_sent", json!({ "file_name": meta.name })),
    );
    reply.attachments.push(Attachment {
        file_name: meta.name.clone(),
        content_type: meta.content_type.clone(),
        body,
        inline: false,
    });
    Ok(reply)
}
