//! Registration one field at a time (chat front ends: Telegram, console), on top of the
//! form dialogue in [`super::registration`]: each prompt asks for the next missing field,
//! a bare answer is taken as that field (`Jan Kowalski` → `nazwa: Jan Kowalski`), `wstecz`
//! goes back one field, `regulamin` sends the regulations as a document, and every prompt
//! offers its answers as actions (consent buttons, back, cancel). `field: value` lines
//! still work as in the form. Validation, the anti-bot check, the summary and the stored
//! request are the form dialogue's; this module only chooses what to ask and shows it.
//!
//! The state is the form's draft: the current step is the first missing field, and going
//! back clears the field before it. Email keeps the whole form in one message.

use super::registration::{self, Draft, RegisterStep};
use super::{Channel, Ctx, Secret, Step};
use crate::domain::reply::{Attachment, Expect, Reply, View};
use crate::domain::text::fold;
use serde_json::{Value, json};

/// The steps in order (keys of `strings.toml` `[reg_field]`, as `Draft::missing` names them).
const STEPS: [&str; 7] = [
    "name",
    "pesel_or_nip",
    "invoice",
    "contract",
    "email",
    "consent",
    "regulations",
];

fn step_mode(ctx: &Ctx<'_>) -> bool {
    ctx.origin.channel != Channel::Email
}

/// `rejestracja`: the form dialogue's checks, then the first step instead of the form.
pub(crate) async fn start(ctx: &mut Ctx<'_>, form: Secret) -> anyhow::Result<Reply> {
    let typed_fields = !form.0.trim().is_empty();
    let reply = registration::start(ctx, form).await?;
    if !step_mode(ctx) || typed_fields || reply.template_names() != ["registration_form"] {
        return after_form(ctx, reply, None).await;
    }
    Ok(prompt(ctx, &Draft::default(), None, Vec::new()))
}

/// The registration dialogue's step: answered here, step by step (the form by mail).
impl Step for RegisterStep {
    fn expects_secret(&self) -> bool {
        false
    }

    async fn answer(self, ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
        answer(ctx, self, text).await
    }
}

/// Input while the registration dialogue is open: step by step, or the form by mail.
async fn answer(ctx: &mut Ctx<'_>, step: RegisterStep, text: &str) -> anyhow::Result<Reply> {
    if !step_mode(ctx) {
        return registration::answer(ctx, step, text).await;
    }
    let word = fold(text.trim());
    let word = word.trim_start_matches('/');
    if matches!(word, "wstecz" | "back" | "cofnij") {
        return back(ctx, step).await;
    }
    if matches!(word, "regulamin" | "regulations") {
        return Ok(regulations(ctx, &step));
    }
    let RegisterStep::RegisterForm { draft } = step.clone() else {
        // The anti-bot check: the form dialogue checks the digits.
        let reply = registration::answer(ctx, step, text).await?;
        return after_form(ctx, reply, None).await;
    };
    let current = draft.missing().first().copied();
    let (line, asked) = match current {
        Some(field) if !looks_like_form(text) => (as_field(field, text), Some(field)),
        _ => (text.to_string(), None),
    };
    let reply = registration::answer(ctx, step, &line).await?;
    after_form(ctx, reply, asked).await
}

/// A message in the form's own syntax (`umowa: …`, several lines, `;`-separated).
fn looks_like_form(text: &str) -> bool {
    let text = text.trim();
    if text.contains('\n') || text.contains(';') {
        return true;
    }
    match text.find([':', '=']) {
        Some(at) => {
            let key = &text[..at];
            !key.trim().is_empty()
                && key.chars().count() <= 30
                && key
                    .chars()
                    .all(|c| c.is_alphabetic() || c == ' ' || c == '-')
        }
        None => false,
    }
}

/// A bare answer as the form line of the asked field.
fn as_field(field: &str, text: &str) -> String {
    let value = text.trim();
    let key = match field {
        "pesel_or_nip" => {
            let digits = value.chars().filter(char::is_ascii_digit).count();
            if digits == 10 { "nip" } else { "pesel" }
        }
        "name" => "nazwa",
        "invoice" => "faktura",
        "contract" => "umowa",
        "consent" => "zgoda",
        "regulations" => "regulamin",
        _ => "email",
    };
    format!("{key}: {value}")
}

/// Turns the form dialogue's answer into the step view: the errors of this message and
/// the next question, or the summary with the anti-bot check and its actions.
async fn after_form(
    ctx: &mut Ctx<'_>,
    mut reply: Reply,
    asked: Option<&'static str>,
) -> anyhow::Result<Reply> {
    if !step_mode(ctx) {
        return Ok(reply);
    }
    let names = reply.template_names();
    if names.contains(&"registration_captcha") {
        reply.actions.clear();
        return Ok(with_back_and_cancel(reply));
    }
    let asks_again = names
        .iter()
        .any(|n| *n == "registration_errors" || *n == "registration_not_a_form");
    if !asks_again {
        return Ok(reply);
    }
    let Some(RegisterStep::RegisterForm { draft }) = current_step(ctx).await? else {
        return Ok(reply);
    };
    let errors: Vec<Value> = reply
        .views
        .iter()
        .filter(|v| v.template == "registration_errors")
        .filter_map(|v| v.data.get("errors").and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect();
    let accepted = asked.filter(|f| errors.is_empty() && !draft.missing().contains(f));
    let mut step = prompt(ctx, &draft, accepted, errors);
    step.input_was_secret = reply.input_was_secret;
    Ok(step)
}

/// The registration step stored by the form dialogue just now, if it goes on.
async fn current_step(ctx: &Ctx<'_>) -> anyhow::Result<Option<RegisterStep>> {
    let chat = ctx
        .core
        .store()
        .chat(ctx.origin.channel.as_str(), &ctx.origin.source)
        .await?;
    Ok(chat.and_then(|c| serde_json::from_str(&c.state).ok()))
}

/// The question for the first missing field of `draft`.
fn prompt(ctx: &Ctx<'_>, draft: &Draft, accepted: Option<&str>, errors: Vec<Value>) -> Reply {
    let missing = draft.missing();
    let field = missing.first().copied().unwrap_or("regulations");
    let number = STEPS.iter().position(|s| *s == field).unwrap_or(0) + 1;
    let accepted_value = accepted.map(|f| shown_value(draft, f));
    let view = View::new(
        "registration_step",
        json!({
            "field": field,
            "step": number,
            "steps": STEPS.len(),
            "errors": errors,
            "accepted": accepted,
            "accepted_value": accepted_value,
            "version": ctx.core.settings().regulations.version,
            "first": number == 1,
        }),
    );
    let mut reply = Reply::new(ctx.lang, view).expecting(Expect::Text);
    match field {
        "consent" => reply = reply.with_action("agree", "", "tak", 0),
        "regulations" => {
            reply = reply
                .with_action("accept_regulations", "", "tak", 0)
                .with_action("regulations", "", "regulamin", 1)
        }
        _ => {}
    }
    if number > 1 {
        reply = with_back_and_cancel(reply);
    } else {
        reply = reply.with_action("cancel", "", "anuluj", 2);
    }
    reply
}

fn with_back_and_cancel(reply: Reply) -> Reply {
    reply
        .with_action("back", "", "wstecz", 2)
        .with_action("cancel", "", "anuluj", 2)
}

/// What the customer gave for `field`, as it may be shown (the PESEL and NIP masked).
fn shown_value(d: &Draft, field: &str) -> String {
    let text = match field {
        "name" => d.name.clone(),
        "pesel_or_nip" => d
            .pesel_masked
            .as_ref()
            .map(|p| format!("PESEL {p}"))
            .or_else(|| d.nip_masked().map(|n| format!("NIP {n}"))),
        "invoice" => d.invoice.clone(),
        "contract" => d.contract.clone(),
        "email" => d.email.clone(),
        _ => None,
    };
    text.unwrap_or_default()
}

/// `wstecz`: the field before the current one is asked again.
async fn back(ctx: &mut Ctx<'_>, step: RegisterStep) -> anyhow::Result<Reply> {
    let mut draft = match step {
        RegisterStep::RegisterForm { draft } => draft,
        // From the summary: the last answer (the regulations) again.
        RegisterStep::RegisterCaptcha { draft, .. } => draft,
    };
    let current = draft
        .missing()
        .first()
        .and_then(|f| STEPS.iter().position(|s| s == f))
        .unwrap_or(STEPS.len());
    if let Some(previous) = current.checked_sub(1).map(|i| STEPS[i]) {
        clear(&mut draft, previous);
    }
    ctx.set_step(&RegisterStep::RegisterForm {
        draft: draft.clone(),
    })
    .await?;
    Ok(prompt(ctx, &draft, None, Vec::new()))
}

fn clear(d: &mut Draft, field: &str) {
    match field {
        "name" => d.name = None,
        "pesel_or_nip" => {
            d.pesel_hash = None;
            d.pesel_masked = None;
            d.nip = None;
        }
        "invoice" => d.invoice = None,
        "contract" => d.contract = None,
        "email" => d.email = None,
        "consent" => d.consent = false,
        _ => d.regulations = false,
    }
}

/// The regulations as a PDF document, and the current question again.
fn regulations(ctx: &Ctx<'_>, step: &RegisterStep) -> Reply {
    let r = &ctx.core.settings().regulations;
    let mut reply = Reply::new(
        ctx.lang,
        View::new("registration_regulations", json!({ "version": r.version })),
    );
    let paragraphs: Vec<&str> = r
        .text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let title = format!("Regulamin e-BOK {}", r.version);
    match crate::domain::pdf::simple_pdf(&title, ctx.core.today(), &paragraphs) {
        Ok(body) => reply.attachments.push(Attachment {
            file_name: format!("regulamin-e-BOK-{}.pdf", r.version),
            content_type: "application/pdf".into(),
            body,
            inline: false,
        }),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "the regulations PDF failed");
            reply.views = super::consents::regulations(ctx).views;
        }
    }
    if let RegisterStep::RegisterForm { draft } = step {
        let next = prompt(ctx, draft, None, Vec::new());
        reply.views.extend(next.views);
        reply.actions = next.actions;
    } else {
        reply = with_back_and_cancel(reply);
    }
    reply.expecting(Expect::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_answers_become_form_lines() {
        assert_eq!(as_field("name", " Jan Kowalski "), "nazwa: Jan Kowalski");
        assert_eq!(
            as_field("pesel_or_nip", "888-123-45-63"),
            "nip: 888-123-45-63"
        );
        assert_eq!(
            as_field("pesel_or_nip", "58031245127"),
            "pesel: 58031245127"
        );
        assert_eq!(as_field("pesel_or_nip", "123"), "pesel: 123");
        assert_eq!(as_field("consent", "tak"), "zgoda: tak");
    }

    #[test]
    fn form_syntax_is_recognised() {
        for form in [
            "umowa: UM/1",
            "e-mail = a@b.pl",
            "nazwa: X; pesel: 1",
            "a\nb",
        ] {
            assert!(looks_like_form(form), "{form}");
        }
        for bare in [
            "Jan Kowalski",
            "FV/2025/01/0001",
            "jan@example.pl",
            "Spółdzielnia \"Zazamcze\"",
            "Firma 12:30",
        ] {
            assert!(!looks_like_form(bare), "{bare}");
        }
    }
}
