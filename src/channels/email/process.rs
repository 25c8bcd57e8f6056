//! What the responder does with one mail, everything but flagging it in the mailbox:
//! recognise it (processed before?), refuse it (RFC 3834, the daily cap), run its
//! commands, render the reply, and commit the record, the count and the reply together.

use super::loops::{self, Skip};
use super::parse::{self, Inbound};
use super::reply::{self, REPLY_CHANNEL, ReplyMail};
use super::responder::{CrashPoint, Crashed, Disposition, Responder, reply_key, today};
use super::secret::is_secret_command;
use super::{deliver, extract, session};
use crate::store::{DailyCap, NewEmailProcessed};

impl Responder {
    /// Decides, answers and records one mail (everything but flagging it).
    #[tracing::instrument(skip(self, raw), fields(size = raw.len()))]
    pub async fn process(
        &self,
        uidvalidity: u32,
        uid: u32,
        raw: &[u8],
    ) -> anyhow::Result<Disposition> {
        let store = &self.app.store;
        let mailbox = self.target.mailbox.as_str();
        let parsed = parse::parse(raw);
        let fingerprint = parse::fingerprint(parsed.as_ref(), raw);
        if let Some(done) = store
            .email_processed(mailbox, uidvalidity, uid, &fingerprint)
            .await?
        {
            tracing::info!(outcome = %done.outcome, "already answered: only flagging it");
            crate::metrics::get().mail("skipped", "already_answered");
            return Ok(disposition(done.purge));
        }
        let record =
            |sender: String, outcome: String, reply_key: Option<String>, purge: bool| Record {
                mailbox,
                uidvalidity,
                uid,
                fingerprint: fingerprint.clone(),
                sender,
                outcome,
                reply_key,
                purge,
            };
        let skip = match &parsed {
            None => Some(Skip::Unparseable),
            Some(mail) => self.own_check(mail),
        };
        // Read once: a mail of megabytes takes a while.
        let mut extracted = parsed
            .as_ref()
            .map(|m| extract::extract(&m.subject, &m.text))
            .unwrap_or_default();
        if let Some(mail) = &parsed {
            extract::attach(&mut extracted, mail.attachments.clone());
        }
        // A mail with a password is deleted whatever happens to it (skipped, capped or
        // answered, and whether or not its login line was run).
        let purge = carries_secret(parsed.as_ref(), &extracted, raw);
        let (Some(mail), None) = (&parsed, skip) else {
            let skip = skip.unwrap_or(Skip::Unparseable);
            let from = parsed.and_then(|m| m.from).unwrap_or_default();
            tracing::info!(reason = skip.as_str(), purge, "no reply (loop protection)");
            let outcome = format!("skipped:{}", skip.as_str());
            self.commit(record(from, outcome, None, purge), Vec::new())
                .await?;
            return Ok(disposition(purge));
        };
        let sender = mail.from.clone().unwrap_or_default();
        let day = today();
        let used = store.email_daily_replies(&sender, &day).await?;
        if used.is_some_and(|(replies, _)| replies >= i64::from(self.cap)) {
            // Over the cap nothing runs; a password in it is still not kept.
            let notice_sent = used.is_some_and(|(_, sent)| sent);
            let notice = if notice_sent {
                None
            } else {
                Some(self.cap_notice(mail, &extracted)?)
            };
            let outcome = if notice_sent { "capped" } else { "cap_notice" };
            let key = notice.as_ref().map(|_| reply_key(&fingerprint));
            let notice = key.clone().zip(notice).map(|(k, n)| (sender.clone(), k, n));
            self.commit(
                record(sender.clone(), outcome.into(), key, purge),
                notice.into_iter().collect(),
            )
            .await?;
            return Ok(disposition(purge));
        }
        let hint = session::lang_hint(&extracted, mail.language.as_deref());
        let origin = session::origin(&sender, hint);
        let conv = session::converse(&self.app.core, &origin, &extracted).await?;
        if self.opts.crash_at == Some(CrashPoint::BeforeCommit) {
            return Err(Crashed(CrashPoint::BeforeCommit).into());
        }
        // One reply per address: the sender's, and one to each other address on file
        // of an account answered; all of them commit together with the record.
        let key = reply_key(&fingerprint);
        let mut replies = Vec::new();
        for (n, (to, part)) in conv.split(&sender).into_iter().enumerate() {
            let rendered = reply::render(&self.app.renderer, mail, &part)?;
            let part_key = if n == 0 {
                key.clone()
            } else {
                format!("{key}:{n}")
            };
            replies.push((to, part_key, rendered));
        }
        let purge = purge || conv.carried_secret;
        self.commit(
            record(sender.clone(), "replied".into(), Some(key), purge),
            replies,
        )
        .await?;
        tracing::info!(inputs = conv.answers.len(), purge, "answered");
        Ok(disposition(purge))
    }

    fn own_check(&self, mail: &Inbound) -> Option<Skip> {
        let own = self.own.first().map(String::as_str).unwrap_or("");
        loops::check(mail, own).or_else(|| {
            mail.from
                .as_deref()
                .filter(|f| self.own.iter().any(|o| o == f))
                .map(|_| Skip::Ourselves)
        })
    }

    fn cap_notice(
        &self,
        mail: &Inbound,
        extracted: &extract::Extracted,
    ) -> anyhow::Result<ReplyMail> {
        let settings = &self.app.settings;
        let lang = session::lang_hint(extracted, mail.language.as_deref())
            .or_else(|| crate::domain::lang::Lang::parse(&settings.app.default_language))
            .unwrap_or(crate::domain::lang::Lang::Pl);
        reply::cap_notice(
            &self.app.renderer,
            mail,
            lang,
            self.cap,
            &settings.utility.customer_service_phones,
        )
    }

    /// The record, the daily counts and the replies (address, outbox key, mail), in one
    /// transaction.
    async fn commit(
        &self,
        record: Record<'_>,
        replies: Vec<(String, String, ReplyMail)>,
    ) -> anyhow::Result<()> {
        let mut tx = self.app.store.begin().await?;
        let fresh = tx
            .insert_email_processed(&NewEmailProcessed {
                mailbox: record.mailbox,
                uidvalidity: record.uidvalidity,
                uid: record.uid,
                fingerprint: &record.fingerprint,
                sender: &record.sender,
                outcome: &record.outcome,
                reply_key: record.reply_key.as_deref(),
                purge: record.purge,
            })
            .await?;
        if !fresh {
            // Someone else recorded it meanwhile: their reply stands.
            return Ok(());
        }
        for (to, key, mail) in replies {
            let verdict = tx.email_daily_cap(&to, &today(), self.cap).await?;
            // Another address on file over its cap gets nothing more today (the cap
            // notice is for the one who writes).
            let send = match verdict {
                DailyCap::Reply => true,
                DailyCap::Notice => to == record.sender,
                DailyCap::Silent => false,
            };
            if send {
                let payload = deliver::stored_payload(&mail, &self.from, &to, &key);
                tx.enqueue(&key, REPLY_CHANNEL, &to, &payload.to_json())
                    .await?;
            }
        }
        tx.commit().await?;
        count(&record.outcome);
        Ok(())
    }
}

/// The mail's outcome in the metrics: answered (a reply or the cap notice) or skipped
/// with the reason (a loop-protection rule, the daily cap).
fn count(outcome: &str) {
    let (kind, reason) = match outcome {
        "replied" => ("answered", "commands"),
        "cap_notice" => ("answered", "cap_notice"),
        "capped" => ("skipped", "daily_cap"),
        other => ("skipped", other.strip_prefix("skipped:").unwrap_or(other)),
    };
    crate::metrics::get().mail(kind, reason);
}

struct Record<'a> {
    mailbox: &'a str,
    uidvalidity: u32,
    uid: u32,
    fingerprint: String,
    sender: String,
    outcome: String,
    reply_key: Option<String>,
    purge: bool,
}

fn disposition(purge: bool) -> Disposition {
    if purge {
        Disposition::Delete
    } else {
        Disposition::Seen
    }
}

/// Whether a mail may carry a password (a login, a password change or a registration
/// form), run or not: any of its command lines (`extracted` from it), the subject even
/// behind `Re:`, or for bytes that are no mail, any line of them.
fn carries_secret(mail: Option<&Inbound>, extracted: &extract::Extracted, raw: &[u8]) -> bool {
    let Some(mail) = mail else {
        return String::from_utf8_lossy(raw).lines().any(is_secret_command);
    };
    let subject = extract::strip_reply_prefix(&mail.subject).unwrap_or(&mail.subject);
    is_secret_command(subject) || extracted.inputs.iter().any(|i| is_secret_command(&i.text))
}
