//! RFC 3834 loop protection: mail that an automatic responder must not answer.

use super::parse::Inbound;

/// Why a mail gets no reply (stored as `skipped:<reason>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// `Auto-Submitted` other than `no` (auto-replies, auto-generated mail).
    AutoSubmitted,
    /// `Return-Path: <>`: bounces and other mail nobody may answer.
    NullReturnPath,
    /// `List-*` headers: mailing-list traffic.
    MailingList,
    /// `Precedence: bulk | junk | list`.
    Precedence,
    /// `X-Auto-Response-Suppress` (Exchange) asks for no automatic answers.
    SuppressHeader,
    /// MAILER-DAEMON, postmaster, `*-request`, `owner-*`, no-reply senders.
    RobotSender,
    /// A delivery-status or read report (`multipart/report`).
    Report,
    /// The mail comes from our own address.
    Ourselves,
    /// No usable `From` address: nobody to answer.
    NoSender,
    /// mail-parser found no message in the bytes.
    Unparseable,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::AutoSubmitted => "auto-submitted",
            Skip::NullReturnPath => "null-return-path",
            Skip::MailingList => "list",
            Skip::Precedence => "precedence",
            Skip::SuppressHeader => "x-auto-response-suppress",
            Skip::RobotSender => "robot-sender",
            Skip::Report => "report",
            Skip::Ourselves => "ourselves",
            Skip::NoSender => "no-sender",
            Skip::Unparseable => "unparseable",
        }
    }
}

/// `Some(reason)` when `mail` must not be answered; `own` is our From address.
pub fn check(mail: &Inbound, own: &str) -> Option<Skip> {
    let Some(from) = mail.from.as_deref() else {
        return Some(Skip::NoSender);
    };
    if mail.header("auto-submitted").is_some_and(|v| {
        !v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("no")
    }) {
        return Some(Skip::AutoSubmitted);
    }
    if mail
        .headers
        .iter()
        .filter(|(k, _)| k == "return-path")
        .any(|(_, v)| {
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
                .is_empty()
        })
    {
        return Some(Skip::NullReturnPath);
    }
    if mail.headers.iter().any(|(k, _)| k.starts_with("list-")) {
        return Some(Skip::MailingList);
    }
    if mail
        .header("precedence")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "bulk" | "junk" | "list"))
    {
        return Some(Skip::Precedence);
    }
    if mail
        .header("x-auto-response-suppress")
        .is_some_and(|v| !v.eq_ignore_ascii_case("none"))
    {
        return Some(Skip::SuppressHeader);
    }
    if mail.is_report {
        return Some(Skip::Report);
    }
    if is_robot(from) {
        return Some(Skip::RobotSender);
    }
    if from.eq_ignore_ascii_case(own.trim()) {
        return Some(Skip::Ourselves);
    }
    None
}

fn is_robot(address: &str) -> bool {
    let local = address
        .rsplit_once('@')
        .map_or(address, |(l, _)| l)
        .to_ascii_lowercase();
    matches!(
        local.as_str(),
        "mailer-daemon" | "postmaster" | "noreply" | "no-reply" | "do-not-reply" | "donotreply"
    ) || local.ends_with("-request")
        || local.starts_with("owner-")
        || local.ends_with("-owner")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(from: &str, headers: &[(&str, &str)]) -> Inbound {
        Inbound {
            from: Some(from.into()),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            ..Inbound::default()
        }
    }

    #[test]
    fn every_rule_applies() {
        let own = "ebok@example.test";
        let ok = mail(
            "jan@example.pl",
            &[
                ("Auto-Submitted", "no"),
                ("Return-Path", "<jan@example.pl>"),
            ],
        );
        assert_eq!(check(&ok, own), None);
        let cases = [
            (
                mail("jan@x.pl", &[("Auto-Submitted", "auto-replied")]),
                Skip::AutoSubmitted,
            ),
            (
                mail("jan@x.pl", &[("Auto-Submitted", "auto-generated; x")]),
                Skip::AutoSubmitted,
            ),
            (
                mail("jan@x.pl", &[("Return-Path", "<>")]),
                Skip::NullReturnPath,
            ),
            (
                mail("jan@x.pl", &[("List-Id", "<l.x.pl>")]),
                Skip::MailingList,
            ),
            (
                mail("jan@x.pl", &[("List-Unsubscribe", "<mailto:x>")]),
                Skip::MailingList,
            ),
            (
                mail("jan@x.pl", &[("Precedence", "bulk")]),
                Skip::Precedence,
            ),
            (
                mail("jan@x.pl", &[("Precedence", "JUNK")]),
                Skip::Precedence,
            ),
            (
                mail("jan@x.pl", &[("Precedence", "list")]),
                Skip::Precedence,
            ),
            (
                mail("jan@x.pl", &[("X-Auto-Response-Suppress", "All")]),
                Skip::SuppressHeader,
            ),
            (mail("MAILER-DAEMON@x.pl", &[]), Skip::RobotSender),
            (mail("postmaster@x.pl", &[]), Skip::RobotSender),
            (mail("lista-request@x.pl", &[]), Skip::RobotSender),
            (mail("owner-lista@x.pl", &[]), Skip::RobotSender),
            (mail("ebok@example.test", &[]), Skip::Ourselves),
        ];
        for (m, want) in cases {
            assert_eq!(check(&m, own), Some(want), "{:?}", m.headers);
        }
        let report = Inbound {
            is_report: true,
            ..mail("jan@x.pl", &[])
        };
        assert_eq!(check(&report, own), Some(Skip::Report));
        let nobody = Inbound::default();
        assert_eq!(check(&nobody, own), Some(Skip::NoSender));
        let normal = mail(
            "jan@x.pl",
            &[
                ("Precedence", "first-class"),
                ("X-Auto-Response-Suppress", "None"),
            ],
        );
        assert_eq!(check(&normal, own), None);
    }
}
