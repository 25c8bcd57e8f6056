//! The panel shown after a login, a switch of account and the first-login password
//! change: the staff panel, or the customer's balance.

use super::{Ctx, views};
use crate::domain::model::Role;
use crate::domain::reply::{Reply, View};
use serde_json::json;

pub(crate) async fn home(ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
    let Some(account) = ctx.account.clone() else {
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    };
    if account.role != Role::Staff {
        let Some(customer) = ctx.customer().await? else {
            return Ok(Reply::new(ctx.lang, View::bare("no_customer_data")));
        };
        return views::for_customer(ctx, &customer)
            .balance(&customer.name, &customer.number)
            .await;
    }
    let pending = ctx.core.store().count_pending_registrations().await?;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_home",
            json!({ "name": account.name, "identifier": account.identifier, "pending": pending }),
        ),
    ))
}
