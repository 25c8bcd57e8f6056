//! Every template that writes a number of things, rendered with counts that take each
//! form (1, 2–4, 5+, 22, 12) in Polish and English: the noun agrees with the number.

use super::{Flavour, Renderer};
use crate::core::{Lang, View};
use serde_json::{Value, json};

/// Renders `template` in `lang` with `data` as the console shows it.
fn render(r: &Renderer, lang: Lang, template: &'static str, data: &Value) -> String {
    r.view(Flavour::Text, lang, &View::new(template, data.clone()))
        .unwrap_or_else(|e| panic!("{template} ({lang:?}): {e:#}"))
}

/// For each count, the phrase Polish and English readers must see.
type Cases<'a> = &'a [(i64, &'a str, &'a str)];

fn check(template: &'static str, data: impl Fn(i64) -> Value, cases: Cases<'_>) {
    let r = Renderer::new(None).unwrap();
    for (n, pl, en) in cases {
        let data = data(*n);
        for (lang, want) in [(Lang::Pl, pl), (Lang::En, en)] {
            let text = render(&r, lang, template, &data);
            assert!(
                text.contains(want),
                "{template} n={n} {lang:?}: {want:?} in {text}"
            );
        }
    }
}

#[test]
fn the_staff_draft_counts_customers_chats_and_addresses() {
    let data = |n: i64| {
        json!({"reference": "EBOK-1", "kind": "tariff", "title": "T", "areas": "",
            "valid_from": "2025-03-10", "valid_to": null, "urgent": false,
            "customers": n, "chats": n, "emails": n})
    };
    check(
        "staff_announce_confirm",
        data,
        &[
            (
                1,
                "do 1 klienta w wiadomosci; powiadomienie pójdzie na 1 czat Telegram i 1 adres e-mail",
                "1 customer under messages; a notification goes to 1 Telegram chat and 1 email address",
            ),
            (
                2,
                "do 2 klientów w wiadomosci; powiadomienie pójdzie na 2 czaty Telegram i 2 adresy e-mail",
                "2 customers under messages; a notification goes to 2 Telegram chats and 2 email addresses",
            ),
            (
                5,
                "do 5 klientów w wiadomosci; powiadomienie pójdzie na 5 czatów Telegram i 5 adresów e-mail",
                "5 Telegram chats and 5 email addresses",
            ),
            (
                12,
                "na 12 czatów Telegram i 12 adresów e-mail",
                "12 Telegram chats",
            ),
            (
                22,
                "do 22 klientów w wiadomosci; powiadomienie pójdzie na 22 czaty Telegram i 22 adresy e-mail",
                "22 Telegram chats",
            ),
            (
                0,
                "na 0 czatów Telegram i 0 adresów e-mail",
                "0 Telegram chats and 0 email addresses",
            ),
        ],
    );
}

#[test]
fn customer_texts_count_places_accounts_days_answers_and_steps() {
    let after = |n: i64| json!({"targets": n, "command": "powiadomienia wylacz wszedzie"});
    check(
        "notify_after_password",
        after,
        &[
            (1, "(1 miejsce)", "(1 place)"),
            (3, "(3 miejsca)", "(3 places)"),
            (5, "(5 miejsc)", "(5 places)"),
        ],
    );
    check(
        "accounts_limit",
        |n| json!({ "max": n }),
        &[
            (1, "jest już zalogowane 1 konto", "1 account is already"),
            (3, "są już zalogowane 3 konta", "3 accounts are already"),
            (5, "jest już zalogowanych 5 kont", "5 accounts are already"),
        ],
    );
    for template in ["calendar_file", "calendar_link"] {
        check(
            template,
            |n| json!({"file_name": "x.ics", "count": 2, "reminder_days": n, "url": "https://x"}),
            &[
                (1, "1 dzień wcześniej", "1 day before"),
                (3, "3 dni wcześniej", "3 days before"),
            ],
        );
    }
    check(
        "email_cap_notice",
        |n| json!({"cap": n, "phones": ["54 000 00 00"]}),
        &[
            (1, "już 1 odpowiedź e-BOK", "1 e-BOK answer to"),
            (20, "już 20 odpowiedzi e-BOK", "20 e-BOK answers to"),
        ],
    );
    check(
        "_email_rules",
        |n| json!({ "max_commands": n }),
        &[
            (
                1,
                "najwyżej 1 polecenie.",
                "At most 1 command per message is",
            ),
            (
                3,
                "najwyżej 3 polecenia.",
                "At most 3 commands per message are",
            ),
            (
                20,
                "najwyżej 20 poleceń.",
                "At most 20 commands per message are",
            ),
        ],
    );
    check(
        "password_prompt_new",
        |n| json!({"min": 8, "max": n}),
        &[
            (24, "(8–24 znaki;", "(8–24 characters;"),
            (128, "(8–128 znaków;", "(8–128 characters;"),
        ],
    );
    let step = |n: i64| {
        json!({"first": true, "steps": n, "step": 1, "field": "name", "accepted": null,
            "errors": null, "version": "1"})
    };
    check(
        "registration_step",
        step,
        &[
            (1, "Zapytam o 1 rzecz,", "ask for 1 thing,"),
            (7, "Zapytam o 7 rzeczy,", "ask for 7 things,"),
        ],
    );
}

#[test]
fn lists_count_documents_pages_requests_and_released_notices() {
    check(
        "bills",
        |n| json!({"page": 1, "pages": 1, "total": n, "rows": [], "payments": []}),
        &[
            (1, "(1 dok.)", "(1 document)"),
            (2, "(2 dok.)", "(2 documents)"),
        ],
    );
    check(
        "page_out_of_range",
        |n| json!({"page": 9, "pages": n}),
        &[
            (1, "mają 1 str.", "have 1 page."),
            (3, "mają 3 str.", "have 3 pages."),
        ],
    );
    check(
        "staff_pending",
        |n| json!({"total": 30, "shown": n, "requests": []}),
        &[
            (2, "pokazano 2 najstarsze", "the 2 oldest shown"),
            (10, "pokazano 10 najstarszych", "the 10 oldest shown"),
        ],
    );
    let settings = |n: i64| {
        json!({"channel": "telegram", "changed": "quiet_off", "released": n, "kinds": [],
            "any_on": true, "quiet": "off", "quiet_window": true, "quiet_from": "21:00",
            "quiet_to": "08:00", "due_soon_days": 3, "evening": false, "evening_at": "19:00"})
    };
    check(
        "notifications",
        settings,
        &[
            (
                1,
                "Wstrzymane powiadomienie (1) wysyłamy teraz.",
                "1 held notification goes out now.",
            ),
            (
                2,
                "Wstrzymane powiadomienia (2) wysyłamy teraz.",
                "2 held notifications go out now.",
            ),
        ],
    );
}
