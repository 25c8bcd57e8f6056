//! The main menu offered with the greeting (`/start`) as actions, so a chat front end can
//! show it as buttons: log in, register, announcements and contact before login; the
//! panel, bills, calendar and documents after it; pending requests for staff.

use super::Ctx;
use crate::domain::model::Role;
use crate::domain::reply::Reply;

pub(super) fn with_main_menu(ctx: &Ctx<'_>, reply: Reply) -> Reply {
    let role = ctx.account.as_ref().map(|a| a.role);
    let reply = match role {
        None => reply.with_action("login", "", "zaloguj", 0).with_action(
            "register",
            "",
            "rejestracja",
            0,
        ),
        Some(Role::Staff) => reply.with_action("pending", "", "wnioski", 0),
        Some(Role::Customer) => reply
            .with_action("balance", "", "saldo", 0)
            .with_action("bills", "", "rachunki", 0)
            .with_action("calendar", "", "kalendarz", 0)
            .with_action("documents", "", "dokumenty", 1)
            .with_action("notifications", "", "powiadomienia", 1),
    };
    reply
        .with_action("messages", "", "wiadomosci", 1)
        .with_action("contact", "", "kontakt", 1)
}
