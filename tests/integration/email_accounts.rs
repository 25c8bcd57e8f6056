//! Several accounts in one mail (real Postfix and Dovecot): each LOGIN line with the
//! lines below it is one account's section of the reply; the reply goes only to the
//! address on file (the sender's, which a login requires), so one reply per address; a
//! section whose login fails runs nothing, and never as the account before it.

use crate::email_helpers::{EmailRig, customer_account, text};
use crate::helpers::backends;

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
             ZALOGUJ {} {}\nSALDO\nRACHUNKI",
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
        for secret in [&zofia.password, &jan.password, &sm.password] {
            assert!(!body.contains(secret.as_str()), "{body}");
        }
        let at = |needle: &str| {
            body.find(needle)
                .unwrap_or_else(|| panic!("no {needle:?} in:\n{body}"))
        };
        let (z, j, s) = (
            at(&format!("═══ Konto {} ═══", zofia.identifier)),
            at(&format!("═══ Konto {} ═══", jan.identifier)),
            at(&format!("═══ Konto {} ═══", sm.identifier)),
        );
        assert!(z < j && j < s, "{body}");
        let (zofias, jans, firms) = (&body[z..j], &body[j..s], &body[s..]);
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
        // The community's login is refused (another address on file): its commands are
        // listed as not run, and nothing of it or of Jan's account is shown for it.
        assert!(firms.contains("tylko z adresu zapisanego"), "{firms}");
        assert!(firms.contains("— Niewykonane —"), "{firms}");
        assert!(
            firms.contains(&format!("» {}: SALDO", sm.identifier))
                && firms.contains(&format!("» {}: RACHUNKI", sm.identifier)),
            "{firms}"
        );
        assert!(
            !body.contains("Spółdzielnia") && !body.contains("54 706"),
            "{body}"
        );
        let pdfs: Vec<&str> = reply
            .attachments
            .iter()
            .filter(|a| a.content_type == "application/pdf")
            .map(|a| a.file_name.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(pdfs.len(), 1, "only Zofia's invoice: {pdfs:?}");

        // One reply, to Anna's address; the community's address gets no reply (only
        // the notice of a login from another address, as for any such attempt).
        rig.replies_settled().await;
        assert_eq!(rig.replies_to(&anna, &id).await.len(), 1);
        assert!(rig.replies_to(&firm, &id).await.is_empty());
        let chat = rig.app().store.chat("email", &anna).await.unwrap().unwrap();
        assert!(
            chat.account_id.is_none() && chat.sessions == 0,
            "the mail ends logged out of every account"
        );
    }
}
