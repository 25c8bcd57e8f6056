//! Several accounts in one mail (real Postfix and Dovecot): each LOGIN line with the
//! lines below it is one account's section; each section's answers go only to the
//! address on file of its account, so one reply per distinct address: the sender's
//! holds the sections of the accounts whose address is the sender's (and the failed
//! logins), every other address on file gets one reply with only its own accounts'
//! sections. A section whose login fails runs nothing, and never as the account before.

use crate::email_helpers::{EmailRig, customer_account, text};
use crate::helpers::backends;
use mail_support::ParsedMail;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_accounts_in_one_mail_answer_in_their_own_sections() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email two accounts", |_| {}).await else {
            return;
        };
        // Anna looks after her mother's account (Zofia) and her own flat's (Jan's),
        // both with her address on file; the housing community's address is another.
        let anna = rig.mail.fresh_address_with("anna");
        let firm = rig.mail.fresh_address_with("biuro");
        let zofia = customer_account(rig.app(), "K-00101", &anna).await;
        let jan = customer_account(rig.app(), "K-00102", &anna).await;
        let sm = customer_account(rig.app(), "F-00201", &firm).await;
        rig.start();
        let mail = format!(
            "ZALOGUJ {} {}\nSALDO\nPDF FV/2025/01/000101\nFAKTURA FV/2025/02/000102\n\
             ZALOGUJ {} {}\nSALDO\nPDF FV/2025/01/000101\n\
             ZALOGUJ {} {}\nSALDO\nRACHUNKI\nPDF FV/2025/01/000101\n\
             ZALOGUJ EB999999 nieznane-haslo\nSALDO",
            zofia.identifier,
            zofia.password,
            jan.identifier,
            jan.password,
            sm.identifier,
            sm.password
        );
        let id = rig.send(&anna, "e-BOK", &mail).await;
        let reply = rig.reply_to(&anna, &id).await;
        let body = text(&reply);
        for secret in [
            &zofia.password,
            &jan.password,
            &sm.password,
            "nieznane-haslo",
        ] {
            assert!(!body.contains(secret), "{body}");
        }
        let at = |needle: &str| {
            body.find(needle)
                .unwrap_or_else(|| panic!("no {needle:?} in:\n{body}"))
        };
        let (z, j, u) = (
            at(&format!("═══ Konto {} ═══", zofia.identifier)),
            at(&format!("═══ Konto {} ═══", jan.identifier)),
            at("═══ Konto EB999999 ═══"),
        );
        assert!(z < j && j < u, "{body}");
        let (zofias, jans) = (&body[z..j], &body[j..u]);
        // Zofia's section: her panel and PDF; Jan's bill is not found there.
        assert!(zofias.contains("Zofia Wiśniewska"), "{zofias}");
        assert!(
            zofias.contains("Nie znaleziono rachunku „FV/2025/02/000102”"),
            "{zofias}"
        );
        assert!(
            !zofias.contains("Jan Kowalski") && !zofias.contains("934,30"),
            "{zofias}"
        );
        // Jan's: his balance; Zofia's PDF is not his.
        assert!(
            jans.contains("Jan Kowalski") && jans.contains("937,28"),
            "{jans}"
        );
        assert!(
            jans.contains("Nie znaleziono rachunku „FV/2025/01/000101”"),
            "{jans}"
        );
        assert!(!jans.contains("Zofia"), "{jans}");
        // The failed login runs nothing: its commands are listed as not run.
        assert!(body.contains("— Niewykonane —"), "{body}");
        assert!(body.contains("» EB999999: SALDO"), "{body}");
        // The community's section is not here: only that it went to its own address.
        assert!(
            !body.contains(&format!("═══ Konto {} ═══", sm.identifier))
                && !body.contains("Spółdzielnia")
                && !body.contains("54 706"),
            "{body}"
        );
        assert!(
            body.contains(&format!(
                "Odpowiedzi dla konta {} wysłaliśmy tylko na adres e-mail zapisany",
                sm.identifier
            )),
            "{body}"
        );
        let pdfs = |mail: &ParsedMail| -> Vec<String> {
            mail.attachments
                .iter()
                .filter(|a| a.content_type == "application/pdf")
                .map(|a| a.file_name.clone().unwrap_or_default())
                .collect()
        };
        assert_eq!(pdfs(&reply).len(), 1, "only Zofia's invoice");

        // The community's address gets one reply with its section alone, which says
        // who wrote; nothing of Zofia's or Jan's account is in it.
        let theirs = rig.reply_to(&firm, &id).await;
        let firms = text(&theirs);
        assert!(firms.contains(&format!("z adresu {anna}")), "{firms}");
        assert!(
            firms.contains(&format!("═══ Konto {} ═══", sm.identifier)),
            "{firms}"
        );
        assert!(
            firms.contains("Spółdzielnia") && firms.contains("» RACHUNKI"),
            "{firms}"
        );
        for other in [&zofia.identifier, &jan.identifier] {
            assert!(!firms.contains(other.as_str()), "{firms}");
        }
        assert!(
            !firms.contains("Zofia")
                && !firms.contains("Jan Kowalski")
                && !firms.contains("EB999999")
                && !firms.contains("Niewykonane"),
            "{firms}"
        );
        for secret in [&zofia.password, &jan.password, &sm.password] {
            assert!(!firms.contains(secret.as_str()), "{firms}");
        }
        // Its "PDF FV/2025/01/000101" is Zofia's invoice: not found there, not attached.
        assert!(
            firms.contains("Nie znaleziono rachunku „FV/2025/01/000101”"),
            "{firms}"
        );
        assert!(pdfs(&theirs).is_empty(), "{:?}", pdfs(&theirs));

        // Exactly one reply in each mailbox.
        rig.replies_settled().await;
        assert_eq!(rig.replies_to(&anna, &id).await.len(), 1);
        assert_eq!(rig.replies_to(&firm, &id).await.len(), 1);
        let chat = rig.app().store.chat("email", &anna).await.unwrap().unwrap();
        assert!(
            chat.account_id.is_none() && chat.sessions == 0,
            "the mail ends logged out of every account"
        );
    }
}
