//! Helpers for the account-lifecycle tests: billing customers to register against,
//! going through the registration dialogue, staff logged in on a chat, the email worker.

use crate::helpers::{Chat, TestApp};
use chrono::NaiveDate;
use ebok::core::Reply;
use ebok::domain::ids::{Pesel, nip_check_digit, pesel_check_digit};
use rand::Rng;

pub const STAFF_PASSWORD: &str = "Ciepłownia nocą 2025";
pub const NEW_PASSWORD: &str = "Zielone kaloryfery grzeją";

/// A billing customer with a latest invoice, an older one, an active and an ended contract.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: i64,
    pub number: String,
    pub name: String,
    pub pesel: Option<String>,
    pub nip: Option<String>,
    pub latest_invoice: String,
    pub older_invoice: String,
    pub contract: String,
    pub ended_contract: String,
    /// Active, for a fixed term ending on 31.12.2025.
    pub fixed_term_contract: String,
}

fn digits(v: &str) -> Vec<u32> {
    v.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// A random valid PESEL (born 15 May 1980).
pub fn random_pesel() -> String {
    let head = format!("800515{:04}", rand::thread_rng().gen_range(0..10_000));
    format!("{head}{}", pesel_check_digit(&digits(&head)))
}

/// A random valid NIP.
pub fn random_nip() -> String {
    loop {
        let head = format!(
            "{:09}",
            rand::thread_rng().gen_range(100_000_000..1_000_000_000u64)
        );
        if let Some(c) = nip_check_digit(&digits(&head)) {
            return format!("{head}{c}");
        }
    }
}

fn tag() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A private person (PESEL stored as the import does: keyed hash and mask).
pub async fn person(t: &TestApp, name: &str, email: Option<&str>) -> Customer {
    let pesel = random_pesel();
    let p = Pesel::parse(&pesel).unwrap();
    let hash = p.keyed_hash(&t.app.pesel_key);
    insert(t, name, email, Some((hash, p.masked(), pesel)), None).await
}

/// A firm identified by NIP.
pub async fn firm(t: &TestApp, name: &str, email: Option<&str>) -> Customer {
    insert(t, name, email, None, Some(random_nip())).await
}

async fn insert(
    t: &TestApp,
    name: &str,
    email: Option<&str>,
    pesel: Option<(String, String, String)>,
    nip: Option<String>,
) -> Customer {
    let tag = tag();
    let number = format!("K{tag}");
    let kind = if nip.is_some() { "firm" } else { "person" };
    let (hash, masked, clear) = match pesel {
        Some((h, m, c)) => (Some(h), Some(m), Some(c)),
        None => (None, None, None),
    };
    let sql = "INSERT INTO customers (number, kind, name, pesel_hash, pesel_masked, nip, email, row_hash) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, 'test') RETURNING id";
    let id: i64 = ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar(sql)
        .bind(&number)
        .bind(kind)
        .bind(name)
        .bind(&hash)
        .bind(&masked)
        .bind(&nip)
        .bind(email)
        .fetch_one(p)
        .await)
    .unwrap();
    let older = format!("FV/2025/09/{tag}");
    let latest = format!("FV/2025/10/{tag}");
    for (number, issued) in [(&older, d(2025, 9, 30)), (&latest, d(2025, 10, 31))] {
        let sql = "INSERT INTO invoices (number, customer_id, kind, issue_date, due_date, \
                   charge_gr, credited_gr, to_pay_gr, row_hash) \
                   VALUES ($1, $2, 'invoice', $3, $4, 12300, 0, 12300, 'test')";
        ebok::on_pool!(&t.app.store, |p| sqlx::query(sql)
            .bind(number)
            .bind(id)
            .bind(issued)
            .bind(issued + chrono::Duration::days(14))
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
    }
    let contract = format!("UC/2019/{tag}");
    let ended = format!("UC/2010/{tag}");
    let fixed_term = format!("UC/2015/{tag}");
    for (number, status, valid_to) in [
        (&contract, "active", None),
        (&ended, "ended", Some(d(2019, 1, 1))),
        (&fixed_term, "active", Some(d(2025, 12, 31))),
    ] {
        let sql = "INSERT INTO contracts (number, customer_id, kind, title, signed_on, valid_from, \
                   valid_to, status, row_hash) \
                   VALUES ($1, $2, 'contract', 'Umowa sprzedaży ciepła', $3, $3, $4, $5, 'test')";
        ebok::on_pool!(&t.app.store, |p| sqlx::query(sql)
            .bind(number)
            .bind(id)
            .bind(d(2010, 1, 1))
            .bind(valid_to)
            .bind(status)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
    }
    Customer {
        id,
        number,
        name: name.to_string(),
        pesel: clear,
        nip,
        latest_invoice: latest,
        older_invoice: older,
        contract,
        ended_contract: ended,
        fixed_term_contract: fixed_term,
    }
}

/// The full form for `c`, asking for the credentials at `email`.
pub fn form(c: &Customer, email: &str) -> String {
    let id = match (&c.pesel, &c.nip) {
        (Some(p), _) => format!("pesel: {p}"),
        (None, Some(n)) => format!("nip: {n}"),
        _ => String::new(),
    };
    format!(
        "nazwa: {}\n{id}\nfaktura: {}\numowa: {}\nemail: {email}\nzgoda: tak\nregulamin: tak",
        c.name, c.latest_invoice, c.contract
    )
}

/// The answer to the anti-bot check shown in `reply`.
pub fn captcha_answer(reply: &Reply) -> String {
    let view = reply
        .views
        .iter()
        .find(|v| v.template == "registration_captcha")
        .unwrap_or_else(|| panic!("no anti-bot check in {:?}", reply.template_names()));
    let digits: Vec<char> = view.data["digits"]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let pick = |k: &str| digits[view.data[k].as_u64().unwrap() as usize - 1];
    format!("{}{}", pick("first"), pick("second"))
}

/// A two-digit answer that is not the right one for the check shown in `reply`.
pub fn wrong_answer(reply: &Reply) -> String {
    let right = captcha_answer(reply);
    if right == "00" {
        "11".into()
    } else {
        "00".into()
    }
}

/// Submits `form` from `chat` through the anti-bot check; returns the request number.
pub async fn register(chat: &Chat<'_>, form: &str) -> i64 {
    let reply = chat.send(&format!("rejestracja\n{form}")).await;
    let reply = chat.send(&captcha_answer(&reply)).await;
    let view = reply
        .views
        .iter()
        .find(|v| v.template == "registration_submitted")
        .unwrap_or_else(|| panic!("not submitted: {:?}", reply.template_names()));
    view.data["id"].as_i64().unwrap()
}

/// A staff account with a known password, logged in on `chat`; returns its identifier.
pub async fn staff_on(t: &TestApp, chat: &Chat<'_>, name: &str) -> String {
    let id = t.account(None, name, STAFF_PASSWORD).await;
    let out = chat.say(&format!("zaloguj {id} {STAFF_PASSWORD}")).await;
    assert!(out.contains("konto pracownika"), "{out}");
    id
}

/// Runs raw SQL (setting up a situation the core cannot produce quickly, e.g. time passing).
pub async fn exec(t: &TestApp, sql: &str, ts: chrono::DateTime<chrono::Utc>) {
    ebok::on_pool!(&t.app.store, |p| sqlx::query(sql)
        .bind(ts)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
}

/// Every text column of the tables that hold customer input, concatenated.
pub async fn all_stored_text(t: &TestApp) -> String {
    let mut out = String::new();
    for (table, cols) in [
        (
            "registrations",
            "name || ' ' || COALESCE(pesel_hash,'') || ' ' || COALESCE(pesel_masked,'') || ' ' || source",
        ),
        ("chats", "state || ' ' || source"),
        (
            "audit_log",
            "actor || ' ' || action || ' ' || target || ' ' || detail",
        ),
        ("outbox", "dedupe_key || ' ' || recipient || ' ' || payload"),
        ("rate_events", "key"),
        ("login_throttle", "key"),
    ] {
        let sql = format!("SELECT {cols} FROM {table}");
        let rows: Vec<String> = ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar(&sql)
            .fetch_all(p)
            .await)
        .unwrap();
        out.push_str(&rows.join("\n"));
        out.push('\n');
    }
    out
}

/// Approves request `id` as `staff` and reads the queued credentials from the outbox
/// (the mail tests read them from the real mailbox instead).
pub async fn approve(t: &TestApp, staff: &Chat<'_>, id: i64) -> (String, String) {
    let out = staff.say(&format!("zatwierdz {id}")).await;
    assert!(out.contains("zatwierdzony"), "{out}");
    let row = t
        .app
        .store
        .outbox_state(&format!("credentials:registration:{id}"))
        .await
        .unwrap()
        .unwrap();
    let payload = ebok::domain::payload::Payload::parse(&row.payload).unwrap();
    (
        payload.data["identifier"].as_str().unwrap().to_string(),
        payload.secrets["password"].as_str().unwrap().to_string(),
    )
}

/// The temporary password of the newest queued reset mail to `email`.
pub async fn queued_reset_password(t: &TestApp, email: &str) -> Option<String> {
    let rows = t.app.store.outbox_rows("email").await.unwrap();
    rows.into_iter()
        .find(|(k, r)| k.starts_with("reset:") && r.recipient == email)
        .map(|(_, r)| {
            let p = ebok::domain::payload::Payload::parse(&r.payload).unwrap();
            p.secrets["password"].as_str().unwrap().to_string()
        })
}

/// A customer account approved through a request; returns (identifier, temporary password).
pub async fn approved_customer(t: &TestApp, name: &str, email: &str) -> (Customer, String, String) {
    let c = person(t, name, Some(email)).await;
    let id = register(&t.console(&format!("reg-{}", c.number)), &form(&c, email)).await;
    let staff = t.console(&format!("staff-{}", c.number));
    staff_on(t, &staff, "Ewa Pracownik").await;
    let (identifier, password) = approve(t, &staff, id).await;
    (c, identifier, password)
}

/// Logs in with a temporary password and sets `new` through the forced change.
pub async fn first_login(chat: &Chat<'_>, identifier: &str, temporary: &str, new: &str) -> String {
    let out = chat.say(&format!("zaloguj {identifier} {temporary}")).await;
    assert!(out.contains("ustaw teraz własne hasło"), "{out}");
    chat.say(new).await;
    chat.say(new).await
}
