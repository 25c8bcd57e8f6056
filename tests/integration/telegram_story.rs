//! The whole story in the bot, with the credentials mail over real SMTP/IMAP (the stack
//! `scripts/test` starts): register step by step → a staff member approves with the
//! pushed button → the credentials arrive in the customer's mailbox → login (the password
//! message is deleted) → the forced change → every view, paging, details, PDF, the
//! calendar → logout → the next command asks to log in.
//!
//! With `EBOK_TELEGRAM_TRANSCRIPT=<file>` the customer's chat is written there as the
//! user sees it (the transcript in `docs/telegram.md` comes from this test).

use crate::helpers::{Backend, TestApp, backends};
use crate::telegram_support::{Bot, T, captcha_answer, example_dir, has, import, settings_for};
use ebok::config::{Smtp, TlsMode};
use ebok::mail::{EmailDeliverer, Mailer};
use ebok::outbox::{RetryPolicy, Worker};
use fake_telegram::{FakeTelegram, SentMessage};
use mail_support::MailEnv;
use std::sync::Arc;
use std::time::Duration;

const NEW_PASSWORD: &str = "Zielone kaloryfery grzeją zimą";
const STAFF_PASSWORD: &str = "Ciepłownia nocą 2025";

/// One user's side of the chat, recorded for the transcript as it happens.
struct Story<'a> {
    bot: &'a Bot,
    user: i64,
    log: Vec<String>,
}

impl<'a> Story<'a> {
    fn new(bot: &'a Bot, user: i64) -> Story<'a> {
        Story {
            bot,
            user,
            log: Vec::new(),
        }
    }

    /// Logs the bot's messages newer than `after`, as they look now.
    fn log_replies(&mut self, after: i64) {
        for m in self.bot.fake.messages_to(self.user) {
            if m.message_id > after {
                self.log.push(shown(&m, false));
            }
        }
    }

    async fn type_(&mut self, text: &str, pred: impl Fn(&SentMessage) -> bool) -> SentMessage {
        let mid = self.bot.fake.push_text(self.user, text);
        self.log.push(format!("🧑 {text}"));
        let reply = self.bot.after(self.user, mid, pred).await;
        self.log_replies(mid);
        reply
    }

    /// Types a secret: the bot must delete the message at once.
    async fn type_secret(
        &mut self,
        text: &str,
        shown_as: &str,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        let mid = self.bot.fake.push_text(self.user, text);
        self.log
            .push(format!("🧑 {shown_as}   🗑 (the bot deleted this message)"));
        let reply = self.bot.after(self.user, mid, pred).await;
        let deleted = self.bot.fake.calls_of("deleteMessage").iter().any(|c| {
            c.ok()
                && c.param("message_id") == Some(mid.to_string())
                && c.chat_id() == Some(self.user)
        });
        assert!(deleted, "the message with a secret was not deleted");
        self.log_replies(mid);
        reply
    }

    async fn press(
        &mut self,
        on: &SentMessage,
        label: &str,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        let before = self.bot.last_id(self.user);
        self.log.push(format!("🧑 taps [{label}]"));
        self.bot.fake.press_button(self.user, on.message_id, label);
        let reply = self.bot.after(self.user, before, pred).await;
        self.log_replies(before);
        reply
    }

    /// Presses a button that edits its own message.
    async fn press_edit(
        &mut self,
        on: &SentMessage,
        label: &str,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        self.log.push(format!("🧑 taps [{label}]"));
        self.bot.fake.press_button(self.user, on.message_id, label);
        let edited = self.bot.edited(self.user, on.message_id, pred).await;
        self.log.push(shown(&edited, true));
        edited
    }

    fn transcript(&self) -> String {
        self.log.join("\n\n")
    }
}

/// A bot message as the user sees it: text, buttons, a document.
fn shown(m: &SentMessage, edited: bool) -> String {
    let mut out = String::from(if edited {
        "🤖 ✏️ (the same message, edited in place)\n"
    } else {
        "🤖\n"
    });
    match &m.document {
        Some(doc) if doc.method == "sendPhoto" => {
            out.push_str(&format!("   🖼 {} (a photo: the QR code)\n", doc.file_name));
        }
        Some(doc) => out.push_str(&format!(
            "   📄 {} ({} kB, PDF)\n",
            doc.file_name,
            doc.bytes.len() / 1024
        )),
        None => {}
    }
    for line in m.visible().lines() {
        out.push_str(format!("   {line}").trim_end());
        out.push('\n');
    }
    for row in &m.inline_keyboard {
        let labels: Vec<String> = row.iter().map(|b| format!("[{}]", b.text)).collect();
        out.push_str(&format!("   {}\n", labels.join(" ")));
    }
    out.trim_end().to_string()
}

fn smtp(env: &MailEnv) -> Smtp {
    Smtp {
        host: env.smtp_host.clone(),
        port: env.smtp_port,
        tls: TlsMode::Starttls,
        user: None,
        password: None,
        ca_cert: Some(env.ca_cert.clone()),
        from_address: "ebok@example.test".into(),
        from_name: "e-BOK MPEC".into(),
        timeout_seconds: 10,
        digest_window_seconds: 120,
    }
}

/// The bot, the email worker and a staff member logged in to the bot.
async fn rig(backend: &Backend, env: &MailEnv) -> (Bot, tokio::task::JoinHandle<()>) {
    let fake = FakeTelegram::start().await;
    let tg = settings_for(&fake, vec![]);
    let smtp = smtp(env);
    let t = TestApp::with_settings(backend, |s| {
        s.telegram = Some(tg);
        s.smtp = Some(smtp.clone());
        s.app.page_size = 1;
    })
    .await;
    t.app
        .core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
    import(&t, &example_dir()).await;
    let mailer = Mailer::new(&smtp).unwrap();
    let policy = RetryPolicy {
        base: Duration::from_millis(200),
        max: Duration::from_secs(2),
        lease: Duration::from_secs(30),
        idle_poll: Duration::from_millis(50),
    };
    let worker = Worker::new(
        t.app.store.clone(),
        "email",
        Arc::new(EmailDeliverer::new(mailer, t.app.renderer.clone())),
        policy,
    )
    .spawn();
    (Bot::run(t, fake).await, worker)
}

#[tokio::test]
async fn register_approve_mail_login_change_every_view_logout() {
    let Some(env) =
        MailEnv::from_env_or_skip("register_approve_mail_login_change_every_view_logout")
    else {
        return;
    };
    for backend in backends() {
        let (bot, worker) = rig(&backend, &env).await;
        let staff_user = 60;
        let staff_id = bot.t.account(None, "Anna Nowak", STAFF_PASSWORD).await;
        let mut staff = Story::new(&bot, staff_user);
        staff
            .type_secret(
                &format!("zaloguj {staff_id} {STAFF_PASSWORD}"),
                &format!("zaloguj {staff_id} ••••••••"),
                has("konto pracownika"),
            )
            .await;

        // Registration, one field at a time.
        let address = env.fresh_address_with("zofia");
        let mut me = Story::new(&bot, 61);
        me.type_("/start", has("Witamy")).await;
        me.type_("/rejestracja", has("Krok 1 z 7")).await;
        me.type_("Zofia Wiśniewska", has("Krok 2 z 7")).await;
        me.type_secret("58031245127", "58031245127", has("Krok 3 z 7"))
            .await;
        me.type_("FV/2025/02/000101", has("Krok 4 z 7")).await;
        me.type_("UM/2019/0101", has("Krok 5 z 7")).await;
        let consent = me.type_(&address, has("Krok 6 z 7")).await;
        let regs = me
            .press(&consent, "✅ Tak, wyrażam zgodę", has("Krok 7 z 7"))
            .await;
        let regs = me.press(&regs, "📄 Regulamin", has("Krok 7 z 7")).await;
        let summary = me
            .press(&regs, "✅ Akceptuję regulamin", has("Sprawdź wniosek"))
            .await;
        me.type_(&captcha_answer(summary.visible()), has("został przyjęty"))
            .await;

        // Staff approve from the pushed notification.
        let note = bot
            .fake
            .expect_message(staff_user, has("Nowy wniosek o dostęp"), T)
            .await;
        assert!(
            note.visible().contains("Zofia Wiśniewska"),
            "{}",
            note.visible()
        );
        staff.log.push(shown(&note, false));
        let approve = note
            .buttons()
            .find(|b| b.text.starts_with("✅"))
            .unwrap()
            .text
            .clone();
        // Her address differs from the billing record's: staff choose one.
        let choose = staff
            .press(&note, &approve, has("różni się od kartoteki"))
            .await;
        let typed = choose
            .buttons()
            .find(|b| b.text.contains("e-mail z wniosku"))
            .unwrap()
            .text
            .clone();
        staff.press(&choose, &typed, has("zatwierdzony")).await;

        // The credentials arrive over SMTP, read back over IMAP.
        let mail = env
            .wait_for_mail(&address, |m| m.subject_contains("Identyfikator i hasło"), T)
            .await
            .expect("the credentials mail");
        let text = mail.text.clone().unwrap_or_default();
        let field = |label: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(label))
                .unwrap_or_else(|| panic!("no {label} in {text}"))
                .trim()
                .to_string()
        };
        let identifier = field("Identyfikator:");
        let temporary = field("Hasło tymczasowe:");

        // Login with the temporary password, then the forced change.
        me.type_("/zaloguj", has("identyfikator")).await;
        me.type_(&identifier, has("hasło")).await;
        me.type_secret(
            &temporary,
            "•••••••• (the temporary password)",
            has("nowe hasło"),
        )
        .await;
        me.type_secret(NEW_PASSWORD, "•••••••• (a new password)", has("Powtórz"))
            .await;
        let panel = me
            .type_secret(
                NEW_PASSWORD,
                "•••••••• (the same again)",
                has("Ogólne bieżące saldo"),
            )
            .await;
        assert!(panel.visible().contains("Hasło zostało zmienione"));
        assert!(panel.visible().contains("Zofia Wiśniewska"));

        // Every view.
        let bills = me.press(&panel, "📄 Rachunki", has("strona 1 z 2")).await;
        let bills = me
            .press_edit(&bills, "strona 2 ▶", has("strona 2 z 2"))
            .await;
        me.press(&bills, "🔍 FV/2025/01/000101", has("Pozycje dokumentu"))
            .await;
        me.press(&bills, "⬇️ PDF FV/2025/01/000101", |m| {
            m.document.is_some()
        })
        .await;
        let cal = me.type_("/kalendarz", has("marzec 2025")).await;
        let cal = me.press_edit(&cal, "◀ 2025-02", has("luty 2025")).await;
        me.press_edit(&cal, "2025-03 ▶", has("marzec 2025")).await;
        me.type_("/windykacje", has("Windykacje")).await;
        let docs = me.type_("/dokumenty", has("umowy i aneksy")).await;
        me.press(&docs, "⬇️ UM/2019/0101", |m| m.document.is_some())
            .await;
        me.type_("/wiadomosci", has("Wiadomości")).await;
        me.type_("/kontakt", has("Płocka 30/32")).await;
        me.type_("/zgody", has("Zgoda na przetwarzanie")).await;

        // Logout; the next command asks to log in.
        me.type_("/wyloguj", has("Wylogowano")).await;
        me.type_("/rachunki", has("wymaga zalogowania")).await;
        assert_eq!(
            bot.fake.documents_to(61).len(),
            3,
            "regulations, invoice, contract"
        );
        bot.assert_no_errors();

        if let Ok(path) = std::env::var("EBOK_TELEGRAM_TRANSCRIPT") {
            let text = format!(
                "=== The customer's chat ===\n\n{}\n\n=== The staff member's chat ===\n\n{}\n",
                me.transcript(),
                staff.transcript()
            );
            std::fs::write(path, text).unwrap();
        }
        worker.abort();
    }
}

/// Two accounts in one chat, switched with the buttons of `konta`; each shows only its
/// own data, and logging out of one leaves the other. With
/// `EBOK_TELEGRAM_ACCOUNTS_TRANSCRIPT=<file>` the chat is written there (docs/telegram.md).
#[tokio::test]
async fn two_accounts_in_one_chat_switched_with_buttons() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let zofia = bot.customer_account("K-00101").await;
        let jan = bot.customer_account("K-00102").await;
        let password = crate::telegram_support::PASSWORD;
        let mut me = Story::new(&bot, 62);
        me.type_secret(
            &format!("zaloguj {zofia} {password}"),
            &format!("zaloguj {zofia} ••••••••"),
            has("Zofia Wiśniewska"),
        )
        .await;
        let panel = me
            .type_secret(
                &format!("zaloguj {jan} {password}"),
                &format!("zaloguj {jan} ••••••••"),
                has("Jan Kowalski"),
            )
            .await;
        assert!(
            panel.visible().starts_with(&format!("👤 Konto {jan}")),
            "{}",
            panel.visible()
        );
        let list = me.type_("/konta", has("Konta zalogowane")).await;
        assert!(list.visible().contains("◀ bieżące"), "{}", list.visible());
        let switched = me
            .press(&list, &format!("👤 1. {zofia}"), has("Bieżące konto"))
            .await;
        assert!(
            switched.visible().contains("Zofia Wiśniewska")
                && !switched.visible().contains("934,30"),
            "{}",
            switched.visible()
        );
        // Jan's bill is not Zofia's: not found, no PDF.
        me.type_("/faktura FV/2025/02/000102", has("Nie znaleziono"))
            .await;
        let bills = me.type_("/rachunki", has("000101")).await;
        assert!(!bills.visible().contains("000102"), "{}", bills.visible());
        let out = me.type_("/wyloguj", has("Wylogowano z konta")).await;
        assert!(
            out.visible().contains(&format!("Bieżące konto: {jan}")),
            "{}",
            out.visible()
        );
        // Jan pays his balance from his panel: the QR code comes as a photo.
        let panel = me.type_("/saldo", has("Jan Kowalski")).await;
        let paid = me.press(&panel, "💳 Zapłać", has("Dane do przelewu")).await;
        assert!(
            paid.visible()
                .starts_with("💳 Dane do przelewu — całe saldo")
                && paid.visible().contains("Kwota: 937,28 zł"),
            "{}",
            paid.visible()
        );
        let photos = bot.fake.documents_to(62);
        assert_eq!(photos.len(), 1, "only the QR code");
        assert_eq!(photos[0].method, "sendPhoto");
        let code = crate::pay::parse_code(&crate::pay::decode_qr(&photos[0].bytes));
        assert_eq!(
            (code.account.as_str(), code.amount.as_str()),
            (crate::pay::UTILITY_ACCOUNT, "093728")
        );
        assert!(
            code.title.starts_with("K-00102 FV/2025/02/000102"),
            "{code:?}"
        );
        me.type_("/wyloguj wszystkie", has("Wylogowano")).await;
        me.type_("/saldo", has("wymaga zalogowania")).await;
        bot.assert_no_errors();
        if let Ok(path) = std::env::var("EBOK_TELEGRAM_ACCOUNTS_TRANSCRIPT") {
            std::fs::write(path, me.transcript() + "\n").unwrap();
        }
    }
}
