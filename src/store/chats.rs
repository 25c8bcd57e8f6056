//! Chats: one row per (channel, source) — a Telegram chat, an email sender, the console —
//! with its language, dialogue state and which of its sessions is current. The sessions
//! themselves (one per account logged in there, each with its own start and last-seen
//! times) are in `chat_sessions`, see [`super::chat_sessions`].

use super::{Account, Store};
use crate::domain::model::{Customer, CustomerKind};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

/// The chat columns with its current session's times (`cs`, joined by [`CHAT_FROM`]) and
/// how many sessions are open there; `lang` aliased to stand beside an account's.
const CHAT_COLUMNS: &str = "chats.current_account_id AS account_id, \
     cs.started_at AS session_started_at, cs.last_seen_at, \
     chats.lang AS chat_lang, chats.state, chats.blocked, \
     (SELECT COUNT(*) FROM chat_sessions o WHERE o.channel = chats.channel \
      AND o.source = chats.source) AS sessions";

/// The chat and its current session (none when the current account has no session row:
/// such a pointer is treated as an ended session).
const CHAT_FROM: &str = "chats LEFT JOIN chat_sessions cs ON cs.channel = chats.channel \
     AND cs.source = chats.source AND cs.account_id = chats.current_account_id";

/// A session's customer, prefixed to stand beside the account's columns.
const CUSTOMER_COLUMNS: &str = "customers.id AS c_id, customers.number AS c_number, \
     customers.kind AS c_kind, customers.name AS c_name, customers.pesel_masked AS c_pesel_masked, \
     customers.nip AS c_nip, customers.address AS c_address, customers.area AS c_area, \
     customers.email AS c_email, customers.interest_regime AS c_interest_regime";

/// What a command starts from: its chat, and the account and customer of the session
/// open there.
#[derive(Debug, Clone)]
pub struct Session {
    pub chat: ChatRow,
    pub account: Option<Account>,
    pub customer: Option<Customer>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChatRow {
    /// The current account (its session may have ended meanwhile: then the times are
    /// `None`).
    pub account_id: Option<i64>,
    pub session_started_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    #[sqlx(rename = "chat_lang")]
    pub lang: Option<String>,
    pub state: String,
    pub blocked: bool,
    /// Sessions open in the chat (the current one included), expired ones not yet pruned.
    pub sessions: i64,
}

impl Store {
    pub async fn chat(&self, channel: &str, source: &str) -> anyhow::Result<Option<ChatRow>> {
        let sql = format!(
            "SELECT {CHAT_COLUMNS} FROM {CHAT_FROM} WHERE chats.channel = $1 AND chats.source = $2"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(channel)
            .bind(source)
            .fetch_optional(p)
            .await)
        .context("reading the chat")
    }

    /// The chat and, when a session is open in it, its account and that account's
    /// customer: the one read every command starts with.
    pub async fn session(&self, channel: &str, source: &str) -> anyhow::Result<Option<Session>> {
        let sql = format!(
            "SELECT {CHAT_COLUMNS}, {}, {CUSTOMER_COLUMNS} FROM {CHAT_FROM} \
             LEFT JOIN accounts ON accounts.id = cs.account_id \
             LEFT JOIN customers ON customers.id = accounts.customer_id \
             WHERE chats.channel = $1 AND chats.source = $2",
            super::accounts::ACCOUNT_COLUMNS_QUALIFIED
        );
        on_pool!(self, |p| {
            let row = sqlx::query(&sql)
                .bind(channel)
                .bind(source)
                .fetch_optional(p)
                .await
                .context("reading the chat and its session")?;
            row.map(|row| {
                use sqlx::Row;
                let chat = ChatRow::from_row(&row)?;
                // accounts.id is NULL when no session is open (or its account is gone).
                let account = match row.try_get::<Option<i64>, _>("id")? {
                    Some(_) => Some(Account::from_row(&row)?),
                    None => None,
                };
                let customer = match row.try_get::<Option<i64>, _>("c_id")? {
                    Some(id) => Some(Customer {
                        id,
                        number: row.try_get("c_number")?,
                        kind: CustomerKind::try_from(row.try_get::<String, _>("c_kind")?)
                            .map_err(|e| sqlx::Error::Decode(e.into()))?,
                        name: row.try_get("c_name")?,
                        pesel_masked: row.try_get("c_pesel_masked")?,
                        nip: row.try_get("c_nip")?,
                        address: row.try_get("c_address")?,
                        area: row.try_get("c_area")?,
                        email: row.try_get("c_email")?,
                        interest_regime: row.try_get("c_interest_regime")?,
                    }),
                    None => None,
                };
                Ok::<_, sqlx::Error>(Session {
                    chat,
                    account,
                    customer,
                })
            })
            .transpose()
            .context("decoding the chat and its session")
        })
    }

    /// Saves the dialogue state (JSON) of a chat, creating the chat row if needed.
    pub async fn set_chat_state(
        &self,
        channel: &str,
        source: &str,
        state: &str,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO chats (channel, source, state) VALUES ($1, $2, $3) \
                   ON CONFLICT (channel, source) DO UPDATE SET state = excluded.state";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(channel)
            .bind(source)
            .bind(state)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("saving the dialogue state")?;
        Ok(())
    }

    pub async fn set_chat_lang(
        &self,
        channel: &str,
        source: &str,
        lang: &str,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO chats (channel, source, lang) VALUES ($1, $2, $3) \
                   ON CONFLICT (channel, source) DO UPDATE SET lang = excluded.lang";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(channel)
            .bind(source)
            .bind(lang)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("saving the chat language")?;
        Ok(())
    }

    pub async fn set_chat_blocked(
        &self,
        channel: &str,
        source: &str,
        blocked: bool,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO chats (channel, source, blocked) VALUES ($1, $2, $3) \
                   ON CONFLICT (channel, source) DO UPDATE SET blocked = excluded.blocked";
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(channel)
            .bind(source)
            .bind(blocked)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("marking the chat blocked")?;
        // A chat that blocked the bot ends its notifications with the same commit: unblocking
        // later does not bring them back (the customer turns them on again).
        if blocked {
            let ended = tx.end_chat_subscriptions(channel, source).await?;
            if ended > 0 {
                tx.audit(
                    "system",
                    super::AuditEvent::NotificationsEnded,
                    &format!("{channel}:{source}"),
                    "chat blocked",
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
