//! Several accounts in one chat: a landlord, a family member helping a parent or the
//! manager of several housing communities logs in to each account with its own
//! identifier and password, and the chat keeps a session per account (each with its own
//! timeouts). Commands run as the *current* account only; `konta` lists the open ones,
//! `konto <n>` switches, `wyloguj` ends the current one (the next in the list becomes
//! current) and `wyloguj wszystkie` ends them all.
//!
//! A staff account is always alone in its chat: staff see other customers' data and get
//! staff notifications there, so mixing would put a customer's session beside staff
//! powers (and a customer's view beside staff notices). Logging in to a staff account
//! while any account is open, or to a customer account while a staff one is, is refused.

use super::Ctx;
use crate::domain::model::Role;
use crate::domain::money::from_grosze;
use crate::domain::reply::{Reply, View};
use crate::store::{Account, AuditEvent, OpenSession};
use serde_json::json;

/// Whether a session started at `started` and last used at `last_seen` is still alive.
pub(crate) fn alive(
    core: &super::Core,
    started: Option<chrono::DateTime<chrono::Utc>>,
    last_seen: Option<chrono::DateTime<chrono::Utc>>,
) -> bool {
    let sec = &core.settings().security;
    let now = crate::store::now();
    let idle_ok =
        last_seen.is_some_and(|t| now - t < chrono::Duration::minutes(sec.session_idle_minutes));
    let age_ok = started.is_some_and(|t| now - t < chrono::Duration::hours(sec.session_max_hours));
    idle_ok && age_ok
}

/// The chat's sessions still alive, in list order; the expired ones (or those of a
/// locked or closed account) are ended on the way.
pub(crate) async fn live(ctx: &Ctx<'_>) -> anyhow::Result<Vec<OpenSession>> {
    let store = ctx.core.store();
    let (ch, src) = (ctx.origin.channel.as_str(), ctx.origin.source.as_str());
    let mut out = Vec::new();
    for s in store.open_sessions(ch, src).await? {
        let usable = !s.account.locked && !s.account.closed;
        if usable && alive(ctx.core, Some(s.started_at), Some(s.last_seen_at)) {
            out.push(s);
        } else {
            store.end_session(ch, src, s.account.id).await?;
        }
    }
    Ok(out)
}

/// Refuses a login that would mix a staff account with others or exceed the limit;
/// `None` when `account` may join the chat's sessions.
pub(crate) async fn admit(ctx: &Ctx<'_>, account: &Account) -> anyhow::Result<Option<Reply>> {
    let open = live(ctx).await?;
    let others: Vec<&OpenSession> = open.iter().filter(|s| s.account.id != account.id).collect();
    if others.is_empty() {
        return Ok(None);
    }
    let staff_involved =
        account.role == Role::Staff || others.iter().any(|s| s.account.role == Role::Staff);
    if staff_involved {
        return Ok(Some(Reply::new(
            ctx.lang,
            View::bare("accounts_staff_alone"),
        )));
    }
    let max = ctx.core.settings().security.max_chat_accounts.max(1);
    if others.len() >= max {
        return Ok(Some(Reply::new(
            ctx.lang,
            View::new("accounts_limit", json!({ "max": max })),
        )));
    }
    Ok(None)
}

/// `konta`: the accounts open here with their balances, the current one marked.
pub(crate) async fn list(ctx: &Ctx<'_>) -> anyhow::Result<Reply> {
    let open = live(ctx).await?;
    if open.is_empty() {
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    }
    accounts_view(ctx, &open, false).await
}

/// The list when no account is current (its session ended): pick one first, so that a
/// command meant for one account never runs as another.
pub(crate) async fn choose(ctx: &Ctx<'_>, open: &[OpenSession]) -> anyhow::Result<Reply> {
    accounts_view(ctx, open, true).await
}

async fn accounts_view(ctx: &Ctx<'_>, open: &[OpenSession], choose: bool) -> anyhow::Result<Reply> {
    let current = ctx.account.as_ref().map(|a| a.id);
    let mut rows = Vec::new();
    for (i, s) in open.iter().enumerate() {
        let balance = match s.account.customer_id {
            Some(id) => {
                let open = ctx.core.store().open_invoices(id).await?;
                Some(from_grosze(open.iter().map(|inv| inv.to_pay_gr).sum()))
            }
            None => None,
        };
        rows.push(json!({
            "n": i + 1,
            "identifier": s.account.identifier,
            "name": s.customer_name.as_deref().unwrap_or(&s.account.name),
            "customer_number": s.customer_number,
            "balance": balance,
            "overpayment": balance.map(|b| -b),
            "state": balance.map(|b| if b > rust_decimal::Decimal::ZERO { "owes" }
                else if b < rust_decimal::Decimal::ZERO { "overpaid" } else { "settled" }),
            "current": Some(s.account.id) == current,
        }));
    }
    let mut reply = Reply::new(
        ctx.lang,
        View::new("accounts", json!({ "accounts": rows, "choose": choose })),
    );
    for (i, s) in open.iter().enumerate() {
        if Some(s.account.id) != current {
            let label = format!("{}. {}", i + 1, s.account.identifier);
            reply = reply.with_action("account", label, format!("konto {}", i + 1), 0);
        }
    }
    Ok(reply)
}

/// `konto <n>` (or `konto <identifier>`): makes that session current and shows its panel.
pub(crate) async fn switch(ctx: &mut Ctx<'_>, which: &str) -> anyhow::Result<Reply> {
    let open = live(ctx).await?;
    if open.is_empty() {
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    }
    let wanted = which.trim().trim_start_matches('#');
    let found = match wanted.parse::<usize>() {
        Ok(n) => n.checked_sub(1).and_then(|i| open.get(i)),
        Err(_) => open
            .iter()
            .find(|s| s.account.identifier.eq_ignore_ascii_case(wanted)),
    };
    let Some(target) = found else {
        let mut reply = Reply::new(
            ctx.lang,
            View::new(
                "account_not_open",
                json!({ "which": which.chars().take(40).collect::<String>() }),
            ),
        );
        let list = accounts_view(ctx, &open, false).await?;
        reply.views.extend(list.views);
        reply.actions = list.actions;
        return Ok(reply);
    };
    let (ch, src) = (ctx.origin.channel.as_str(), ctx.origin.source.as_str());
    if !ctx
        .core
        .store()
        .set_current_session(ch, src, target.account.id)
        .await?
    {
        // Ended in between (another instance, a lock): say so rather than guess.
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    }
    ctx.account = Some(target.account.clone());
    ctx.lang = super::Lang::parse(&target.account.lang).unwrap_or(ctx.lang);
    let switched = View::new("account_switched", summary(target));
    if target.account.must_change {
        let mut reply = super::password_change::force_change(ctx).await?;
        reply.views.insert(0, switched);
        return Ok(reply);
    }
    let mut reply = super::home::home(ctx).await?;
    reply.views.insert(0, switched);
    Ok(reply)
}

/// `wyloguj` / `wyloguj wszystkie`.
pub(crate) async fn logout(ctx: &mut Ctx<'_>, all: bool) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    let (ch, src) = (ctx.origin.channel.as_str(), ctx.origin.source.as_str());
    let before = store.open_sessions(ch, src).await?;
    if all {
        store.end_chat_sessions(ch, src).await?;
        for s in &before {
            store
                .audit(&s.account.identifier, AuditEvent::Logout, ch, "")
                .await?;
        }
        ctx.account = None;
        let view = if before.len() > 1 {
            View::new("logged_out_all", json!({ "count": before.len() }))
        } else {
            View::bare("logged_out")
        };
        return Ok(Reply::new(ctx.lang, view));
    }
    let Some(account) = ctx.account.take() else {
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    };
    store.end_session(ch, src, account.id).await?;
    store
        .audit(&account.identifier, AuditEvent::Logout, ch, "")
        .await?;
    let remaining = live(ctx).await?;
    if remaining.is_empty() {
        return Ok(Reply::new(ctx.lang, View::bare("logged_out")));
    }
    // The next one in the list after the one just ended, else the first.
    let position = before.iter().position(|s| s.account.id == account.id);
    let next = position
        .and_then(|p| {
            before[p + 1..]
                .iter()
                .find_map(|b| remaining.iter().find(|r| r.account.id == b.account.id))
        })
        .unwrap_or(&remaining[0]);
    if !store.set_current_session(ch, src, next.account.id).await? {
        return Ok(Reply::new(ctx.lang, View::bare("logged_out")));
    }
    ctx.account = Some(next.account.clone());
    let data = json!({ "identifier": account.identifier, "next": summary(next) });
    let mut reply = Reply::new(ctx.lang, View::new("logged_out_account", data));
    if next.account.must_change {
        // Its password change is still due: the next command asks for it.
        return Ok(reply);
    }
    reply = reply.with_action("accounts", "", "konta", 0);
    Ok(reply)
}

/// The header that names the account a view shows, when the chat has two or more open
/// (with one, the views stay as they always were: the panel names its customer).
pub(crate) async fn header(ctx: &Ctx<'_>, reply: &Reply) -> anyhow::Result<Option<View>> {
    // Views that name their account themselves, and refused logins (they show no
    // account's data, and the account still current is not the one the login named).
    const NAMED: &[&str] = &[
        "accounts",
        "account_switched",
        "logged_out_account",
        "session_expired_account",
        "login_failed",
        "login_wait",
        "email_sender_mismatch",
        "account_closed",
        "account_locked",
        "accounts_limit",
        "accounts_staff_alone",
        "temporary_password_expired",
        "temporary_password_used",
    ];
    let Some(account) = &ctx.account else {
        return Ok(None);
    };
    if reply
        .views
        .first()
        .is_some_and(|v| NAMED.contains(&v.template))
    {
        return Ok(None);
    }
    let (ch, src) = (ctx.origin.channel.as_str(), ctx.origin.source.as_str());
    let open = ctx
        .core
        .store()
        .chat(ch, src)
        .await?
        .map_or(0, |c| c.sessions);
    if open < 2 {
        return Ok(None);
    }
    let customer = ctx.customer().await?;
    Ok(Some(View::new(
        "account_header",
        json!({
            "identifier": account.identifier,
            "customer_number": customer.as_ref().map(|c| c.number.clone()),
            "name": customer.map_or_else(|| account.name.clone(), |c| c.name),
        }),
    )))
}

fn summary(s: &OpenSession) -> serde_json::Value {
    json!({
        "identifier": s.account.identifier,
        "customer_number": s.customer_number,
        "name": s.customer_name.as_deref().unwrap_or(&s.account.name),
    })
}
