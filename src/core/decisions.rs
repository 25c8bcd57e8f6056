//! Staff decisions for front ends with buttons: the actions offered with a notification
//! of a new request (approve, reject), and what `odrzuc <nr>` without a reason shows to
//! staff — common reasons as one-tap actions, or a reason of their own typed after the
//! number. The decision itself is `staff::execute`'s, like a typed command.

use super::command::{Lang, split_command};
use crate::domain::payload::Payload;
use crate::domain::reply::{Action, Reply, View};
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

/// Follow-up actions for an outbox notification (none for most of them).
pub fn notification_actions(payload: &Payload) -> Vec<Action> {
    if payload.template.starts_with("notify_") {
        return customer_notice_actions(payload);
    }
    if payload.template != "staff_new_request" {
        return Vec::new();
    }
    let Some(id) = payload.data.get("id").and_then(serde_json::Value::as_i64) else {
        return Vec::new();
    };
    let action = |kind, command: String| Action {
        kind,
        arg: id.to_string(),
        command,
        row: 0,
    };
    vec![
        action("approve", format!("zatwierdz {id}")),
        action("reject", format!("odrzuc {id}")),
    ]
}

/// A customer's notice: the bill's details and PDF (they ask for a login as any command
/// does), and the notification settings.
fn customer_notice_actions(payload: &Payload) -> Vec<Action> {
    let action = |kind, arg: &str, command: String, row| Action {
        kind,
        arg: arg.to_string(),
        command,
        row,
    };
    let mut actions = Vec::new();
    let number = payload
        .data
        .get("number")
        .and_then(serde_json::Value::as_str);
    if let Some(number) = number {
        actions.push(action("details", number, format!("faktura {number}"), 0));
        if payload.template == "notify_invoice" {
            actions.push(action("pdf", number, format!("pdf {number}"), 0));
        }
    }
    actions.push(action("notifications", "", "powiadomienia".into(), 1));
    actions
}

/// `odrzuc <nr>` from staff, without a reason: the reasons to choose from. `None` when
/// the line is not a request number alone (the usage is shown then).
pub(super) fn choose_reason(lang: Lang, text: &str) -> Option<Reply> {
    let (_, rest) = split_command(text)?;
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
    fn a_new_request_offers_approve_and_reject() {
        let p = Payload::new(Lang::Pl, "staff_new_request", json!({ "id": 12 }));
        let commands: Vec<String> = notification_actions(&p)
            .into_iter()
            .map(|a| a.command)
            .collect();
        assert_eq!(commands, ["zatwierdz 12", "odrzuc 12"]);
        let other = Payload::new(Lang::Pl, "mail_credentials", json!({ "id": 12 }));
        assert!(notification_actions(&other).is_empty());
    }

    #[test]
    fn reasons_are_commands_that_parse_and_fit_a_button() {
        let reply = choose_reason(Lang::Pl, "odrzuc #7").unwrap();
        assert_eq!(reply.actions.len(), 4);
        for a in &reply.actions {
            assert!(a.command.len() <= 64, "{}", a.command);
            assert!(matches!(
                super::super::parse(&a.command),
                Ok(super::super::Command::Reject { id: 7, .. })
            ));
        }
        assert!(choose_reason(Lang::Pl, "odrzuc x").is_none());
        assert!(choose_reason(Lang::En, "reject 3").is_some());
    }
}
