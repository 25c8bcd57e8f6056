//! Paying by transfer (`zaplac`): the payment details and the QR code of the Polish
//! banks' recommendation, read back from the PNG by a QR decoder and checked field by
//! field against the bills; for a household and a firm (with its individual account
//! from the billing export), for one bill, the overdue ones and the balance.

use crate::helpers::{Backend, TestApp, backends};
use crate::import::edited_example;
use crate::views::login_customer;
use ebok::core::Reply;

/// The utility's account and NIP in the built-in configuration.
pub const UTILITY_ACCOUNT: &str = "61109010140000071219812874";
pub const UTILITY_NIP: &str = "8880205453";
/// The firm's individual account in the billing export of these tests.
pub const FIRM_ACCOUNT: &str = "27114020040000300201355387";

/// The fields of a decoded transfer code.
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub nip: String,
    pub country: String,
    pub account: String,
    pub amount: String,
    pub name: String,
    pub title: String,
    pub reserved: Vec<String>,
}

/// The text of the QR code in `png`, as a banking app's scanner reads it.
pub fn decode_qr(png: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("the image");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    assert!(
        w >= 250 && h >= 250,
        "{w}×{h}: smaller than the recommendation's 250 px"
    );
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (meta, text) = grids[0].decode().expect("the QR code decodes");
    // The two format bits as the symbol carries them: M = 0, L = 1, H = 2, Q = 3.
    assert_eq!(meta.ecc_level, 1, "error correction level L");
    text
}

pub fn parse_code(text: &str) -> Code {
    let f: Vec<&str> = text.split('|').collect();
    assert_eq!(f.len(), 9, "nine fields separated by |: {text}");
    assert!(text.chars().count() <= 160, "{text}");
    Code {
        nip: f[0].into(),
        country: f[1].into(),
        account: f[2].into(),
        amount: f[3].into(),
        name: f[4].into(),
        title: f[5].into(),
        reserved: f[6..].iter().map(|s| s.to_string()).collect(),
    }
}

/// The reply's QR code, decoded.
pub fn qr_of(reply: &Reply) -> Code {
    assert_eq!(reply.attachments.len(), 1, "{:?}", reply.attachments);
    let file = &reply.attachments[0];
    assert_eq!(file.content_type, "image/png");
    assert!(file.inline);
    parse_code(&decode_qr(&file.body))
}

fn expected(account: &str, amount: &str, title: &str) -> Code {
    Code {
        nip: UTILITY_NIP.into(),
        country: "PL".into(),
        account: account.into(),
        amount: amount.into(),
        name: "MPEC Włocławek".into(),
        title: title.into(),
        reserved: vec![String::new(); 3],
    }
}

/// The example set with the firm's individual account, and an overpaying correction
/// for Zofia Wiśniewska; "today" 22 April 2025.
pub async fn pay_app(backend: &Backend) -> TestApp {
    pay_app_with(backend, &[]).await
}

/// [`pay_app`] with `more` edits of the example set.
async fn pay_app_with(backend: &Backend, more: &[(&str, &str, Option<&str>)]) -> TestApp {
    let t = TestApp::new(backend).await;
    t.app
        .core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 4, 22).unwrap());
    let mut edits = vec![
        (
            "customers.csv",
            "email,phone\n",
            Some("email,phone,bank_account\n"),
        ),
        (
            "customers.csv",
            "+48 600 100 200\n",
            Some("+48 600 100 200,\n"),
        ),
        (
            "customers.csv",
            "jan.kowalski@example.pl,\n",
            Some("jan.kowalski@example.pl,,\n"),
        ),
        (
            "customers.csv",
            "54 411 22 33",
            Some("54 411 22 33,PL27 1140 2004 0000 3002 0135 5387"),
        ),
        (
            "invoices.csv",
            "FV/2025/02/000101,",
            Some(
                "KF/2025/03/000001,K-00101,correction,2025-03-20,2025-04-03,Korekta – luty 2025,-50.00,0.00,-50.00,,,,\nFV/2025/02/000101,",
            ),
        ),
    ];
    edits.extend_from_slice(more);
    let dir = edited_example(&edits);
    ebok::import::run(&t.app.store, &t.app.pesel_key, dir.path())
        .await
        .expect("the example set with accounts imports");
    t
}

#[tokio::test]
async fn a_households_bill_overdue_and_balance_codes_carry_every_field() {
    for backend in backends() {
        let t = pay_app(&backend).await;
        login_customer(&t, "K-00102", "jan").await;
        let chat = t.console("jan");

        // One bill: 934,30 zł, into the utility's account (Jan has no individual one).
        let reply = chat.send("zaplac FV/2025/02/000102").await;
        assert_eq!(
            qr_of(&reply),
            expected(UTILITY_ACCOUNT, "093430", "K-00102 FV/2025/02/000102"),
            "{}",
            t.db.label
        );
        let text = chat.say("zapłać fv/2025/02/000102").await;
        for needle in [
            "Miejskie Przedsiębiorstwo Energetyki Cieplnej Sp. z o.o. we Włocławku",
            "ul. Płocka 30/32, 87-800 Włocławek",
            "61 1090 1014 0000 0712 1981 2874",
            "934,30 zł",
            "K-00102 FV/2025/02/000102",
            "po terminie",
            "notą odsetkową",
        ] {
            assert!(text.contains(needle), "{needle:?} in:\n{text}");
        }
        assert!(!text.contains("indywidualny"), "{text}");

        // The balance: the bill and the interest note not yet due (937,28 zł); the
        // code's title holds 32 characters, so the note is "i inne" there, while the
        // text's title (4 × 35) names both.
        let reply = chat.send("zaplac").await;
        assert_eq!(
            qr_of(&reply),
            expected(
                UTILITY_ACCOUNT,
                "093728",
                "K-00102 FV/2025/02/000102 i inne"
            )
        );
        let text = chat.say("zaplac").await;
        assert!(
            text.contains("K-00102 FV/2025/02/000102\nNO/2025/04/000007"),
            "{text}"
        );
        assert!(text.contains("937,28 zł"), "{text}");

        // Overdue only: the note falls due on 24 April, so only the bill.
        let reply = chat.send("pay overdue").await;
        assert_eq!(
            qr_of(&reply),
            expected(UTILITY_ACCOUNT, "093430", "K-00102 FV/2025/02/000102")
        );
    }
}

/// A firm pays into its individual account; the code's amount field holds 6 digits (at
/// most 9 999,99 zł), so a larger amount gets the details without a code, saying why.
#[tokio::test]
async fn a_firm_pays_into_its_individual_account_and_an_amount_over_six_digits_gets_no_code() {
    for backend in backends() {
        let t = pay_app(&backend).await;
        login_customer(&t, "F-00201", "firm").await;
        let chat = t.console("firm");
        for command in ["zaplac", "zaplac FV/2025/02/000201", "zaplac zalegle"] {
            let reply = chat.send(command).await;
            assert!(reply.attachments.is_empty(), "{command}: {reply:?}");
            let text = chat.say(command).await;
            assert!(text.contains("27 1140 2004 0000 3002 0135 5387"), "{text}");
            assert!(text.contains("54 706,74 zł"), "{text}");
            assert!(
                text.contains("Kodu QR tu nie ma: kwota przekracza 9 999,99 zł")
                    && text.contains("pole kwoty ma 6 cyfr"),
                "{text}"
            );
            assert!(!text.contains("zeskanuj"), "{text}");
        }
        let text = chat.say("zaplac").await;
        assert!(text.contains("indywidualny rachunek"), "{text}");
        let en = {
            chat.send("language en").await;
            chat.say("pay").await
        };
        assert!(en.contains("your individual account"), "{en}");
        assert!(
            en.contains("No QR code here: the amount is over 9 999,99 zł"),
            "{en}"
        );

        // Once 50 000 zł of it is paid, the rest fits: the code carries it.
        let t = pay_app_with(
            &backend,
            &[
                (
                    "payments.csv",
                    "PB/2025/03/14/0003,",
                    Some("PB/2025/04/10/0004,F-00201,2025-04-10,50000.00,FV/2025/02/000201,Przelew\nPB/2025/03/14/0003,"),
                ),
                (
                    "invoices.csv",
                    "55206.74,500.00,54706.74",
                    Some("55206.74,50500.00,4706.74"),
                ),
            ],
        )
        .await;
        login_customer(&t, "F-00201", "firm").await;
        let chat = t.console("firm");
        for command in ["zaplac", "zaplac FV/2025/02/000201", "zaplac zalegle"] {
            let reply = chat.send(command).await;
            assert_eq!(
                qr_of(&reply),
                expected(FIRM_ACCOUNT, "470674", "F-00201 FV/2025/02/000201"),
                "{command} on {}",
                t.db.label
            );
        }
        assert!(chat.say("zaplac").await.contains("4 706,74 zł"));
    }
}

#[tokio::test]
async fn paid_and_overpaid_bills_get_no_code_but_say_nothing_is_due() {
    for backend in backends() {
        let t = pay_app(&backend).await;
        login_customer(&t, "K-00101", "zofia").await;
        let chat = t.console("zofia");
        for (command, needle) in [
            (
                "zaplac FV/2025/01/000101",
                "Rachunek FV/2025/01/000101: nic do zapłaty",
            ),
            (
                "zaplac KF/2025/03/000001",
                "nic do zapłaty — nadpłata 50,00 zł",
            ),
            ("zaplac", "Saldo: nic do zapłaty — nadpłata 50,00 zł"),
            (
                "zaplac zalegle",
                "Nie masz rachunków po terminie: nic do zapłaty",
            ),
        ] {
            let reply = chat.send(command).await;
            assert!(
                reply.attachments.is_empty(),
                "{command}: a code for nothing due"
            );
            let text = chat.say(command).await;
            assert!(text.contains(needle), "{command} on {}: {text}", t.db.label);
        }
    }
}

#[tokio::test]
async fn one_account_never_gets_another_accounts_payment_details() {
    for backend in backends() {
        let t = pay_app(&backend).await;
        login_customer(&t, "K-00102", "jan").await;
        let chat = t.console("jan");
        for number in [
            "FV/2025/02/000201",
            "fv/2025/02/000201",
            "KF/2025/03/000001",
        ] {
            let reply = chat.send(&format!("zaplac {number}")).await;
            assert!(reply.attachments.is_empty(), "{number}");
            let text = chat.say(&format!("zaplac {number}")).await;
            assert!(text.contains("Nie znaleziono rachunku"), "{text}");
            assert!(
                !text.contains("54 706,74") && !text.contains("Spółdzielnia"),
                "{text}"
            );
        }
        // Logged out: nothing at all.
        chat.send("wyloguj").await;
        let reply = chat.send("zaplac FV/2025/02/000102").await;
        assert!(reply.attachments.is_empty());
    }
}

#[tokio::test]
async fn an_invalid_account_number_is_refused_at_import_naming_file_line_and_column() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let dir = edited_example(&[
            (
                "customers.csv",
                "email,phone\n",
                Some("email,phone,bank_account\n"),
            ),
            (
                "customers.csv",
                "+48 600 100 200\n",
                Some("+48 600 100 200,\n"),
            ),
            (
                "customers.csv",
                "jan.kowalski@example.pl,\n",
                Some("jan.kowalski@example.pl,,\n"),
            ),
            (
                "customers.csv",
                "54 411 22 33",
                // The example's last digit changed: the check digits no longer match.
                Some("54 411 22 33,27 1140 2004 0000 3002 0135 5388"),
            ),
        ]);
        let err = ebok::import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_err();
        let ebok::import::ImportError::Invalid { errors, .. } = &err else {
            panic!("{}: not a validation error: {err:?}", t.db.label);
        };
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let expected = "customers.csv, line 4, column bank_account: the account number's \
                        check digits do not match (IBAN mod-97 with PL): a digit is wrong or two are swapped";
        assert!(
            lines.iter().any(|l| l == expected),
            "{}: {lines:#?}",
            t.db.label
        );
        assert_eq!(
            t.app.store.customer_id_by_number("K-00101").await.unwrap(),
            None,
            "nothing imported"
        );
    }
}

/// Telegram: the bill's and the panel's "Pay" buttons; the code comes as a photo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_offers_pay_on_the_bill_and_the_panel_and_sends_the_code_as_a_photo() {
    use crate::telegram_support::Bot;
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let identifier = bot.customer_account("K-00102").await;
        let user = 7_120_001;
        let panel = bot.login(user, &identifier).await;
        assert!(
            panel.buttons().any(|b| b.text == "💳 Zapłać"),
            "{:?}",
            panel.inline_keyboard
        );
        let bill = bot
            .say(user, "faktura FV/2025/02/000102", |m| {
                m.visible().contains("Pozycje dokumentu")
            })
            .await;
        let data: Vec<&str> = bill.callback_data();
        assert!(data.contains(&"zaplac FV/2025/02/000102"), "{data:?}");
        assert!(data.iter().all(|d| d.len() <= 64), "{data:?}");
        let before = bot.last_id(user);
        bot.fake.press_button(user, bill.message_id, "💳 Zapłać");
        let photo = bot
            .after(user, before, |m| {
                m.document.as_ref().is_some_and(|d| d.method == "sendPhoto")
            })
            .await;
        let sent = photo.document.clone().unwrap();
        assert_eq!(sent.mime_type, "image/png");
        assert_eq!(
            parse_code(&decode_qr(&sent.bytes)),
            expected(UTILITY_ACCOUNT, "093430", "K-00102 FV/2025/02/000102"),
            "{}",
            bot.t.db.label
        );
        // The details are the photo's caption (or the message right after it).
        let details = bot
            .after(user, before, |m| m.visible().contains("Dane do przelewu"))
            .await;
        assert!(
            details
                .visible()
                .contains("61 1090 1014 0000 0712 1981 2874")
        );
        assert!(details.visible().contains("934,30 zł"));
        // The panel's button pays the whole balance.
        let before = bot.last_id(user);
        bot.fake.press_button(user, panel.message_id, "💳 Zapłać");
        let photo = bot
            .after(user, before, |m| {
                m.document.as_ref().is_some_and(|d| d.method == "sendPhoto")
            })
            .await;
        let code = parse_code(&decode_qr(&photo.document.unwrap().bytes));
        assert_eq!(code.amount, "093728");
        bot.assert_no_errors();
    }
}

/// Email: the code inline in the HTML (multipart/related, `cid:`) and attached; the
/// calendar file asked for in the same mail attached too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn email_shows_the_code_inline_and_attaches_it() {
    use crate::email_helpers::{EmailRig, customer_account, text};
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email pay", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        rig.start();
        let id = rig
            .send(
                &jan,
                "zapłata",
                &format!(
                    "ZALOGUJ {} {}\nZAPLAC FV/2025/02/000102\nKALENDARZ ICS",
                    creds.identifier, creds.password
                ),
            )
            .await;
        let reply = rig.reply_to(&jan, &id).await;
        let body = text(&reply);
        assert!(body.contains("61 1090 1014 0000 0712 1981 2874"), "{body}");
        assert!(body.contains("934,30 zł"), "{body}");
        let cid = "przelew-FV_2025_02_000102.png@ebok";
        let html = reply.html.clone().expect("an HTML part");
        assert!(html.contains(&format!("src=\"cid:{cid}\"")), "{html}");
        let raw = String::from_utf8_lossy(&reply.raw).to_string();
        assert!(raw.contains("multipart/related"), "{raw}");
        assert!(raw.contains(&format!("Content-ID: <{cid}>")), "{raw}");
        let pngs: Vec<_> = reply
            .attachments
            .iter()
            .filter(|a| a.content_type == "image/png")
            .collect();
        assert!(
            pngs.iter()
                .any(|a| a.file_name.as_deref() == Some("przelew-FV_2025_02_000102.png")),
            "{:?}",
            pngs.iter().map(|a| &a.file_name).collect::<Vec<_>>()
        );
        // The calendar file of the same mail, attached.
        let ics = reply
            .attachments
            .iter()
            .find(|a| a.file_name.as_deref() == Some("kalendarz-K-00102.ics"))
            .expect("the calendar file is attached");
        assert_eq!(ics.content_type, "text/calendar");
        assert_eq!(
            crate::calendar_file::parse_bytes(&ics.bytes).events.len(),
            2
        );
        for png in pngs {
            assert_eq!(
                parse_code(&decode_qr(&png.bytes)),
                expected(UTILITY_ACCOUNT, "093430", "K-00102 FV/2025/02/000102"),
                "{}",
                rig.t.db.label
            );
        }
    }
}
