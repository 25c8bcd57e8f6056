//! Mail with a password leaves the mailbox for good: flagged `\Deleted` once its reply is
//! committed, then expunged. A crash between the two leaves it flagged and seen, where
//! no unseen-mail search finds it again; so every connection first expunges the mails
//! flagged `\Deleted` that ebok flagged, as the processed-mail record (`purge`) tells.
//! Never another mail: one a person (or another program) flagged `\Deleted` stays, to be
//! expunged by them. Several responders on one mailbox may do this at once: expunging a
//! mail twice, or one another instance is about to expunge, does no harm.

use super::imap::Connection;
use super::parse;
use super::responder::{Responder, on_thread};

impl Responder {
    /// Expunges what ebok flagged `\Deleted`: `just` the mail flagged now where UID
    /// EXPUNGE can name it; otherwise (`None`: after connecting, or a server without
    /// UIDPLUS) every mail flagged `\Deleted` that ebok flagged.
    pub(super) async fn expunge_marked(
        &self,
        conn: Connection,
        just: Option<u32>,
    ) -> anyhow::Result<Connection> {
        if let Some(uid) = just.filter(|_| conn.uid_expunge()) {
            let (conn, ()) = on_thread(conn, move |c| c.expunge(&[uid], &[])).await?;
            return Ok(conn);
        }
        let (conn, deleted) = on_thread(conn, |c| c.deleted()).await?;
        if deleted.is_empty() {
            return Ok(conn);
        }
        let (conn, ours) = self.flagged_by_us(conn, &deleted).await?;
        let others: Vec<u32> = deleted
            .iter()
            .filter(|u| !ours.contains(u))
            .copied()
            .collect();
        let left_over = ours.iter().filter(|u| Some(**u) != just).count();
        if left_over > 0 {
            tracing::info!(
                mails = left_over,
                "expunging mail with a password that was flagged for deletion but not expunged"
            );
        }
        let (conn, ()) = on_thread(conn, move |c| c.expunge(&ours, &others)).await?;
        Ok(conn)
    }

    /// Of the mails `deleted`, those ebok flagged: recorded under their UID as to be
    /// deleted, or copies of such a mail (the same mail delivered twice: its fingerprint
    /// is recorded, under the first copy's UID).
    async fn flagged_by_us(
        &self,
        conn: Connection,
        deleted: &[u32],
    ) -> anyhow::Result<(Connection, Vec<u32>)> {
        let store = &self.app.store;
        let mailbox = self.target.mailbox.as_str();
        let recorded = store
            .email_recorded(mailbox, conn.uidvalidity, deleted)
            .await?;
        let mut ours: Vec<u32> = recorded
            .iter()
            .filter(|(_, purge)| *purge)
            .map(|(uid, _)| *uid)
            .collect();
        let unknown: Vec<u32> = deleted
            .iter()
            .filter(|u| !recorded.iter().any(|(r, _)| r == *u))
            .copied()
            .collect();
        if unknown.is_empty() {
            return Ok((conn, ours));
        }
        let (conn, headers) = on_thread(conn, move |c| c.headers(&unknown)).await?;
        let prints: Vec<(u32, String)> = headers
            .iter()
            .map(|(uid, h)| (*uid, parse::fingerprint(parse::parse(h).as_ref(), h)))
            .collect();
        let wanted: Vec<String> = prints.iter().map(|(_, f)| f.clone()).collect();
        let purged = store.email_purged_fingerprints(&wanted).await?;
        ours.extend(
            prints
                .iter()
                .filter(|(_, f)| purged.contains(f))
                .map(|(uid, _)| *uid),
        );
        Ok((conn, ours))
    }
}
