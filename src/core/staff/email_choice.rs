//! Which address gets a new account's credentials (and, as the account's address on
//! file, every later reset) when the request's differs from the billing record's. Staff
//! choose explicitly: approving never picks one of two different addresses silently.

use super::super::Ctx;
use crate::domain::reply::{Reply, View};
use crate::domain::text::fold;
use serde_json::json;

/// Where the chosen address came from (recorded in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Typed in the request; the billing record has none or the same one.
    RequestOnly,
    /// Typed in the request, chosen over a different billing address.
    Request,
    /// The billing record's, chosen over the request's.
    Billing,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::RequestOnly => "request_only",
            Source::Request => "request",
            Source::Billing => "billing",
        }
    }
}

/// The address to use, or the reply asking staff to choose (with a button for each).
pub fn choose(
    ctx: &Ctx<'_>,
    id: i64,
    requested: &str,
    on_file: Option<&str>,
    choice: Option<&str>,
) -> Result<(String, Source), Reply> {
    let requested = requested.trim();
    let on_file = on_file.map(str::trim).filter(|e| !e.is_empty());
    let Some(billing) = on_file.filter(|b| !b.eq_ignore_ascii_case(requested)) else {
        return match choice.map(fold).as_deref() {
            // Staff asked for the billing address, and there is none to give.
            Some("kartoteka" | "billing") if on_file.is_none() => {
                Err(ask(ctx, id, requested, None, choice))
            }
            _ => Ok((requested.to_string(), Source::RequestOnly)),
        };
    };
    match choice {
        Some(c) if is_request(c) || c.trim().eq_ignore_ascii_case(requested) => {
            Ok((requested.to_string(), Source::Request))
        }
        Some(c) if is_billing(c) || c.trim().eq_ignore_ascii_case(billing) => {
            Ok((billing.to_string(), Source::Billing))
        }
        _ => Err(ask(ctx, id, requested, Some(billing), choice)),
    }
}

fn is_request(choice: &str) -> bool {
    matches!(fold(choice).as_str(), "wniosek" | "request")
}

fn is_billing(choice: &str) -> bool {
    matches!(fold(choice).as_str(), "kartoteka" | "billing")
}

fn ask(
    ctx: &Ctx<'_>,
    id: i64,
    requested: &str,
    billing: Option<&str>,
    choice: Option<&str>,
) -> Reply {
    let view = View::new(
        "staff_approve_choose_email",
        json!({ "id": id, "requested": requested, "billing": billing, "typed": choice }),
    );
    let mut reply = Reply::new(ctx.lang, view).with_action(
        "approve_request_email",
        requested,
        format!("zatwierdz {id} wniosek"),
        0,
    );
    if let Some(billing) = billing {
        reply = reply.with_action(
            "approve_billing_email",
            billing,
            format!("zatwierdz {id} kartoteka"),
            1,
        );
    }
    reply
}
