//! What a firm's customer sees of KSeF (docs/ksef.md), on every backend: the number (or
//! OFFLINE) in the bills and the bill, `ksef` with the verification code as an image
//! that decodes to exactly the link, `xml` with the invoice's XML, through the console,
//! the Telegram emulator and real mail.

use crate::helpers::{Backend, TestApp, backends};
use crate::ksef_import::{FIXTURE_HASH, KOD2, LATER, ONLINE, fixture_xml, ksef_dir, options};
use crate::views::login_customer;
use ebok::domain::reply::Reply;

pub const LINK: &str = "https://qr.ksef.mf.gov.pl/invoice/8880205453/30-04-2026/oGZ4idyIe5L9Bug1unEg_InC-8jZsMvM1xwv0AVMryU";

/// The text of the one QR code in `png`, as a phone's scanner reads it.
pub fn decode(png: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("the image");
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("the QR code decodes").1
}

/// The example set with the firm's KSeF invoices, imported into `t`.
pub async fn import_ksef(t: &TestApp) {
    let dir = ksef_dir("", &[]);
    ebok::import::run_with(&t.app.store, &t.app.pesel_key, dir.path(), &options())
        .await
        .expect("the KSeF set imports");
}

async fn ksef_app(backend: &Backend) -> TestApp {
    let t = TestApp::new(backend).await;
    import_ksef(&t).await;
    t
}

fn pngs(reply: &Reply) -> Vec<(String, String)> {
    reply
        .attachments
        .iter()
        .filter(|a| a.content_type == "image/png")
        .map(|a| (a.file_name.clone(), decode(&a.body)))
        .collect()
}

#[tokio::test]
async fn the_bills_and_the_bill_show_the_ksef_number_or_offline() {
    for backend in backends() {
        let t = ksef_app(&backend).await;
        login_customer(&t, "F-00201", "ksef-1").await;
        let chat = t.console("ksef-1");
        let bills = chat.say("rachunki").await;
        assert!(bills.contains(&format!("KSeF: {ONLINE}")), "{bills}");
        assert!(
            bills.contains("KSeF: OFFLINE — numer KSeF w drodze"),
            "{bills}"
        );
        let bill = chat.say("faktura fv/2026/04/000201").await;
        assert!(bill.contains(&format!("KSeF: {ONLINE}")), "{bill}");
        assert!(
            bill.contains("Kod weryfikacyjny KSeF: ksef FV/2026/04/000201"),
            "{bill}"
        );
        assert!(bill.contains("xml FV/2026/04/000201"), "{bill}");
        // A bill of 2025, outside KSeF, says nothing of it.
        let old = chat.say("faktura FV/2025/02/000201").await;
        assert!(!old.contains("KSeF"), "{old}");
        let none = chat.say("ksef FV/2025/02/000201").await;
        assert!(none.contains("nie został wystawiony w KSeF"), "{none}");
    }
}

/// A correction issued through KSeF names the KSeF number of the invoice it corrects.
#[tokio::test]
async fn a_correction_names_the_ksef_number_it_corrects() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let correction = format!(
            "KOR/2026/05/000201,F-00201,correction,2026-05-12,2026-05-26,Korekta,-100.00,0.00,-100.00,,,,,{LATER},{FIXTURE_HASH},,,{ONLINE}"
        );
        let dir = ksef_dir("", &[&correction]);
        ebok::import::run_with(&t.app.store, &t.app.pesel_key, dir.path(), &options())
            .await
            .unwrap();
        login_customer(&t, "F-00201", "kor").await;
        let out = t.console("kor").say("faktura KOR/2026/05/000201").await;
        assert!(out.contains(&format!("KSeF: {LATER}")), "{out}");
        assert!(
            out.contains(&format!("Koryguje fakturę o numerze KSeF {ONLINE}")),
            "{out}"
        );
    }
}

#[tokio::test]
async fn ksef_sends_the_code_that_decodes_to_exactly_the_link_and_xml_sends_the_file() {
    for backend in backends() {
        let t = ksef_app(&backend).await;
        login_customer(&t, "F-00201", "ksef-2").await;
        let chat = t.console("ksef-2");
        let reply = chat.send("ksef FV/2026/04/000201").await;
        assert_eq!(
            pngs(&reply),
            [("ksef-FV_2026_04_000201.png".to_string(), LINK.to_string())],
            "{}",
            t.db.label
        );
        assert!(reply.attachments[0].inline);
        let text = chat.say("ksef FV/2026/04/000201").await;
        assert!(text.contains(LINK), "{text}");
        assert!(text.contains(&format!("Numer KSeF: {ONLINE}")), "{text}");
        // Offline: the first code says OFFLINE, and KOD II comes as the billing made it.
        let offline = chat.send("ksef FV/2026/04/000202").await;
        let codes = pngs(&offline);
        assert_eq!(codes.len(), 2, "{codes:?}");
        assert_eq!(
            codes[0].1,
            format!("https://qr.ksef.mf.gov.pl/invoice/8880205453/30-04-2026/{FIXTURE_HASH}")
        );
        assert_eq!(codes[1].1, KOD2);
        let text = chat.say("ksef FV/2026/04/000202").await;
        assert!(text.contains("OFFLINE — numer KSeF w drodze"), "{text}");
        // The XML, byte for byte.
        let xml = chat.send("xml FV/2026/04/000201").await;
        assert_eq!(xml.attachments.len(), 1);
        assert_eq!(xml.attachments[0].file_name, "FV_2026_04_000201.xml");
        assert_eq!(xml.attachments[0].content_type, "application/xml");
        assert_eq!(xml.attachments[0].body, fixture_xml());
        let missing = chat.say("xml FV/2026/04/000202").await;
        assert!(missing.contains("nie ma pliku XML"), "{missing}");
    }
}

#[tokio::test]
async fn another_customer_gets_neither_code_nor_xml() {
    for backend in backends() {
        let t = ksef_app(&backend).await;
        login_customer(&t, "K-00102", "ksef-3").await;
        let chat = t.console("ksef-3");
        for line in ["ksef FV/2026/04/000201", "xml FV/2026/04/000201"] {
            let reply = chat.send(line).await;
            assert!(reply.attachments.is_empty(), "{line}");
            assert_eq!(reply.template_names(), ["bill_not_found"], "{line}");
        }
    }
}

/// Telegram: the bill's "KSeF code" button sends the code as a photo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_offers_the_code_on_the_bill_and_sends_it_as_a_photo() {
    use crate::telegram_support::Bot;
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        import_ksef(&bot.t).await;
        let identifier = bot.customer_account("F-00201").await;
        let user = 7_210_001;
        bot.login(user, &identifier).await;
        let bill = bot
            .say(user, "faktura FV/2026/04/000201", |m| {
                m.visible().contains("Pozycje dokumentu")
            })
            .await;
        assert!(bill.visible().contains(ONLINE), "{}", bill.visible());
        let data = bill.callback_data();
        assert!(data.contains(&"ksef FV/2026/04/000201"), "{data:?}");
        assert!(data.contains(&"xml FV/2026/04/000201"), "{data:?}");
        let before = bot.last_id(user);
        bot.fake.press_button(user, bill.message_id, "🔐 Kod KSeF");
        let photo = bot
            .after(user, before, |m| {
                m.document.as_ref().is_some_and(|d| d.method == "sendPhoto")
            })
            .await;
        let sent = photo.document.clone().unwrap();
        assert_eq!(decode(&sent.bytes), LINK, "{}", bot.t.db.label);
        let text = bot
            .after(user, before, |m| m.visible().contains(LINK))
            .await;
        assert!(text.visible().contains(ONLINE));
        // Offline: two photos, the OFFLINE code and KOD II.
        let before = bot.last_id(user);
        bot.say(user, "ksef FV/2026/04/000202", |m| {
            m.visible().contains("numer KSeF w drodze")
        })
        .await;
        let photos: Vec<String> = bot
            .fake
            .messages_to(user)
            .iter()
            .filter(|m| m.message_id > before)
            .filter_map(|m| m.document.as_ref().filter(|d| d.method == "sendPhoto"))
            .map(|d| decode(&d.bytes))
            .collect();
        assert_eq!(photos.len(), 2, "{photos:?}");
        assert!(photos.contains(&KOD2.to_string()), "{photos:?}");
        bot.assert_no_errors();
    }
}

/// Email: the code attached as a PNG (and shown in the HTML), the link in the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn email_attaches_the_code_and_gives_the_link() {
    use crate::email_helpers::{EmailRig, customer_account, text};
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email ksef", |_| {}).await else {
            return;
        };
        let firm = rig.mail.fresh_address_with("firma");
        let creds = customer_account(rig.app(), "F-00201", &firm).await;
        import_ksef(&rig.t).await;
        rig.start();
        let id = rig
            .send(
                &firm,
                "kod KSeF",
                &format!(
                    "ZALOGUJ {} {}\nksef FV/2026/04/000201\nxml FV/2026/04/000201",
                    creds.identifier, creds.password
                ),
            )
            .await;
        let reply = rig.reply_to(&firm, &id).await;
        let body = text(&reply);
        assert!(body.contains(LINK), "{body}");
        assert!(body.contains(ONLINE), "{body}");
        let png = reply
            .attachments
            .iter()
            .find(|a| a.file_name.as_deref() == Some("ksef-FV_2026_04_000201.png"))
            .expect("the code is attached");
        assert_eq!(decode(&png.bytes), LINK, "{}", rig.t.db.label);
        let xml = reply
            .attachments
            .iter()
            .find(|a| a.file_name.as_deref() == Some("FV_2026_04_000201.xml"))
            .expect("the XML is attached");
        assert_eq!(xml.bytes, fixture_xml());
    }
}

/// `[ksef] payment_title`: off, the title names invoice numbers; on, a KSeF invoice by
/// its KSeF number (the QR code's 32 characters keep the invoice number).
#[tokio::test]
async fn the_payment_title_carries_the_ksef_number_only_when_set() {
    use crate::pay::qr_of;
    for backend in backends() {
        for on in [false, true] {
            let t = TestApp::with_settings(&backend, |s| s.ksef.payment_title = on).await;
            import_ksef(&t).await;
            login_customer(&t, "F-00201", "pay").await;
            let chat = t.console("pay");
            let out = chat.say("zaplac FV/2026/04/000201").await;
            let title = if on {
                format!("F-00201\n{ONLINE}")
            } else {
                "F-00201 FV/2026/04/000201".to_string()
            };
            assert!(out.contains(&title), "{on}: {out}");
            assert_eq!(out.contains("swoimi numerami KSeF"), on, "{out}");
            let reply = chat.send("zaplac FV/2026/04/000201").await;
            assert_eq!(qr_of(&reply).title, "F-00201 FV/2026/04/000201");
        }
    }
}
