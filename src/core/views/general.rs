//! Views that need no customer account: start, help, usage for bad arguments,
//! language, the utility's messages (S19) and its contact data (S20).

use crate::core::Ctx;
use crate::core::command::{Def, Lang};
use crate::domain::reply::{Reply, View};
use serde::Serialize;
use serde_json::json;

pub(crate) fn start(ctx: &Ctx<'_>) -> Reply {
    let mut reply = Reply::new(
        ctx.lang,
        View::new("start", json!({ "logged_in": ctx.account.is_some() })),
    );
    reply.views.push(help_view(ctx));
    reply
}

pub(crate) fn help(ctx: &Ctx<'_>) -> Reply {
    Reply::new(ctx.lang, help_view(ctx))
}

#[derive(Serialize)]
struct HelpEntry {
    name: &'static str,
    args: &'static str,
    help: &'static str,
    needs_login: bool,
}

fn help_view(ctx: &Ctx<'_>) -> View {
    let is_staff = ctx
        .account
        .as_ref()
        .is_some_and(|a| a.role == crate::domain::model::Role::Staff);
    let entries: Vec<HelpEntry> = ctx
        .defs
        .iter()
        .filter(|d| !d.hidden && (!d.staff() || is_staff))
        .map(|d| HelpEntry {
            name: d.name(ctx.lang),
            args: d.args.get(ctx.lang),
            help: d.help.get(ctx.lang),
            needs_login: d.needs_login(),
        })
        .collect();
    View::new(
        "help",
        json!({ "commands": entries, "logged_in": ctx.account.is_some(), "staff": is_staff }),
    )
}

/// Usage of one command, for "bad arguments".
pub(crate) fn bad_arguments(lang: Lang, def: &Def) -> Reply {
    let data = json!({
        "name": def.name(lang),
        "args": def.args.get(lang),
        "help": def.help.get(lang),
    });
    Reply::new(lang, View::new("bad_arguments", data))
}

pub(crate) async fn language(ctx: &mut Ctx<'_>, lang: Lang) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    store
        .set_chat_lang(ctx.origin.channel.as_str(), &ctx.origin.source, lang.code())
        .await?;
    if let Some(a) = &ctx.account {
        store.set_account_lang(a.id, lang.code()).await?;
    }
    ctx.lang = lang;
    Ok(Reply::new(
        lang,
        View::new("language_set", json!({ "lang": lang.code() })),
    ))
}

pub(crate) fn contact(ctx: &Ctx<'_>) -> Reply {
    Reply::new(ctx.lang, View::new("contact", &ctx.core.settings().utility))
}

pub(crate) async fn messages(ctx: &Ctx<'_>) -> anyhow::Result<Reply> {
    let area = ctx.customer().await?.map(|c| c.area).unwrap_or_default();
    let list = ctx
        .core
        .store()
        .announcements(&area, ctx.core.today())
        .await?;
    let regulator = &ctx.core.settings().utility.regulator_url;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "messages",
            json!({ "messages": list, "regulator_url": regulator }),
        ),
    ))
}
