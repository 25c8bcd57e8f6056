//! What the case features share: finding a case the reader may see, its view data, the
//! notices to its customer (the outbox, quiet hours kept but for an urgent answer) and
//! to staff, and storing attachments.

use crate::core::staff_notice::notify_staff;
use crate::core::{Core, Ctx, IncomingFile};
use crate::domain::case::{self, CaseNumber, FileProblem};
use crate::domain::lang::Lang;
use crate::domain::model::Role;
use crate::domain::money::from_grosze;
use crate::domain::notice::{CaseUpdate, Notice, StaffCase};
use crate::domain::payload::Payload;
use crate::domain::reply::{Reply, View};
use crate::store::{CaseRow, Schedule, Tx};
use serde_json::{Value, json};

/// A refusal or an error of the case commands, said in the reader's words
/// (`case_problem.<key>` in strings.toml).
pub(crate) fn problem(lang: Lang, key: &str, arg: &str) -> Reply {
    Reply::new(
        lang,
        View::new("case_problem", json!({ "key": key, "arg": arg })),
    )
}

/// The case `number` when the chat's account may see it: staff any, a customer only
/// the cases of the customer it is logged in as. Anyone else's is "not found", the
/// same as a number that does not exist.
pub(crate) async fn visible_case(ctx: &Ctx<'_>, number: &str) -> anyhow::Result<Option<CaseRow>> {
    let Some(n) = CaseNumber::parse(number) else {
        return Ok(None);
    };
    let Some(account) = &ctx.account else {
        return Ok(None);
    };
    let row = ctx.core.store().case_by_number(&n.to_string()).await?;
    Ok(row.filter(|c| account.role == Role::Staff || account.customer_id == Some(c.customer_id)))
}

/// A case as the views read it: its row (description and answer included) plus the
/// amounts as decimals and whether it is overdue.
pub(crate) fn case_data(c: &CaseRow, today: chrono::NaiveDate) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    v["open"] = json!(c.state.is_open());
    v["overdue"] = json!(c.state.is_open() && c.deadline < today);
    v["discount"] = json!(c.discount_gr.map(from_grosze));
    v["form"] = c
        .form
        .as_deref()
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or(Value::Null);
    v
}

/// Checks and stores the input's files for case `case_id` (in `tx`): each a PDF, JPEG
/// or PNG of at most 10 MB, at most 5 per case. The first problem refuses them all.
pub(crate) async fn store_files(
    tx: &mut Tx,
    case_id: i64,
    files: &[IncomingFile],
    by: &str,
) -> anyhow::Result<Result<usize, (FileProblem, String)>> {
    let have = tx.case_file_count(case_id).await?;
    if files.len() as i64 > (case::MAX_FILES as i64).saturating_sub(have) {
        return Ok(Err((FileProblem::TooMany, String::new())));
    }
    let mut checked = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let name = case::clean_name(&f.name, &format!("zalacznik-{}", i + 1));
        match case::sniff(&f.body) {
            Ok(content_type) => checked.push((name, content_type)),
            Err(p) => return Ok(Err((p, name))),
        }
    }
    for ((name, content_type), f) in checked.iter().zip(files) {
        tx.add_case_file(case_id, name, content_type, &f.body, by)
            .await?;
        tx.case_event(case_id, by, "file_added", name).await?;
    }
    Ok(Ok(checked.len()))
}

/// The reply to refused files.
pub(crate) fn file_problem(lang: Lang, (p, name): (FileProblem, String)) -> Reply {
    problem(lang, &format!("file_{}", p.key()), &name)
}

/// Tells the customer of case `c` that it moved: an outbox row to the chat or address
/// it came from, once per event (the dedupe key), held by quiet hours unless `urgent`.
pub(crate) async fn notify_customer(
    core: &Core,
    tx: &mut Tx,
    c: &CaseRow,
    update: CaseUpdate,
    seq: usize,
) -> anyhow::Result<()> {
    if !matches!(c.channel.as_str(), "telegram" | "email") {
        return Ok(());
    }
    let lang = Lang::parse(&c.lang).unwrap_or(Lang::Pl);
    let key = format!(
        "case:{}:{}:{seq}:{}:{}",
        c.number, update.event, c.channel, c.reply_to
    );
    let urgent = c.urgent && matches!(update.event.as_str(), "answered" | "deemed_accepted");
    let timing = core.timing();
    let quiet = !urgent
        && core
            .store()
            .quiet_mode(&c.filed_by, &c.channel, &c.reply_to)
            .await?
            .holds();
    let schedule = Schedule {
        priority: if urgent { 10 } else { 0 },
        not_before: quiet.then_some(timing.held_until),
    };
    let payload = Payload::of(lang, &Notice::CaseUpdate(update));
    tx.enqueue_scheduled(&key, &c.channel, &c.reply_to, &payload.to_json(), schedule)
        .await?;
    Ok(())
}

/// The customer notice of `event` on case `c` (its deadline, text, outcome).
pub(crate) fn update_of(c: &CaseRow, event: &str, text: Option<&str>) -> CaseUpdate {
    CaseUpdate {
        number: c.number.clone(),
        subject: c.subject.as_str().into(),
        event: event.into(),
        deadline: c.deadline,
        text: text.map(str::to_string),
        outcome: None,
        discount_gr: None,
        discount_days: None,
        adr: None,
    }
}

/// Tells staff of case `c` (`new`, `due_soon`, `overdue`): every staff recipient, once
/// per case and event.
pub(crate) async fn notify_staff_of(
    core: &Core,
    tx: &mut Tx,
    c: &CaseRow,
    event: &str,
) -> anyhow::Result<()> {
    notify_staff_keyed(core, tx, c, event, &format!("case:{}:{event}", c.number)).await
}

/// [`notify_staff_of`] under the dedupe key `key` (an event that may recur).
pub(crate) async fn notify_staff_keyed(
    core: &Core,
    tx: &mut Tx,
    c: &CaseRow,
    event: &str,
    key: &str,
) -> anyhow::Result<()> {
    let customer = core.store().customer(c.customer_id).await?;
    let notice = Notice::StaffCase(StaffCase {
        number: c.number.clone(),
        kind: c.kind.as_str().into(),
        subject: c.subject.as_str().into(),
        event: event.into(),
        urgent: c.urgent,
        deadline: c.deadline,
        customer: customer
            .as_ref()
            .map(|c| c.number.clone())
            .unwrap_or_default(),
        customer_name: customer.map(|c| c.name).unwrap_or_default(),
        assignee: c.assignee.clone(),
    });
    notify_staff(core, tx, key, &notice).await?;
    Ok(())
}
