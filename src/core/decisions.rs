//! Staff decisions for front ends with buttons: what `odrzuc <nr>` without a reason shows
//! to staff — common reasons as one-tap actions, or a reason of their own typed after
//! the number. The decision itself is the `reject` command's, like a typed command. (The
//! buttons of staff's notice of a new request are the notice's own:
//! `domain::notice::NewRequest::actions`.)

use super::command::Lang;
use crate::domain::reply::{Reply, View};
use serde_json::json;

/// Reasons offered for a rejection; the customer reads the chosen one in an email.
fn reasons(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Pl => &[
            "Dane niezgodne z kartoteką klientów.",
            "Faktura lub umowa nie należy do klienta.",
            "Brak klienta o podanym PESEL/NIP.",
            "Klient ma już konto w e-BOK.",
        ],
        Lang::En => &[
            "The data do not match our customer records.",
            "The invoice or contract is not the customer's.",
            "No customer with this PESEL/NIP.",
            "The customer already has an e-BOK account.",
        ],
    }
}

/// `odrzuc <nr>` from staff, without a reason: the reasons to choose from. `None` when
/// the line is not a request number alone (the usage is shown then).
pub(crate) fn choose_reason(lang: Lang, rest: &str) -> Option<Reply> {
    let id: i64 = rest
        .trim()
        .trim_start_matches('#')
        .parse()
        .ok()
        .filter(|n| *n > 0)?;
    let mut reply = Reply::new(lang, View::new("staff_reject_reason", json!({ "id": id })));
    for (row, reason) in reasons(lang).iter().enumerate() {
        let row = u8::try_from(row).unwrap_or(u8::MAX);
        reply = reply.with_action(
            "reject_reason",
            *reason,
            format!("odrzuc {id} {reason}"),
            row,
        );
    }
    Some(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_commands_that_parse_and_fit_a_button() {
        use crate::core::command::{Command, StaffCommand, parse};
        use crate::core::commands::staff::Reject;
        let reply = choose_reason(Lang::Pl, "#7").unwrap();
        assert_eq!(reply.actions.len(), 4);
        for a in &reply.actions {
            assert!(a.command.len() <= 64, "{}", a.command);
            assert!(matches!(
                parse(&a.command),
                Ok(Command::Staff(StaffCommand::Reject(Reject { id: 7, .. })))
            ));
        }
        assert!(choose_reason(Lang::Pl, "x").is_none());
        assert!(choose_reason(Lang::En, "3").is_some());
    }
}
