//! The audit log: who did what to whom, and when.

use super::{Store, Tx, now};
use anyhow::Context;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

crate::text_enum!(
    /// Every kind of event the audit log records. Staff read them in their language
    /// (`audit_event` in templates/<lang>/strings.toml, a test checks each has one).
    AuditEvent {
        Login = "login",
        Logout = "logout",
        PasswordChanged = "password_changed",
        ResetRequested = "reset_requested",
        LoginRefusedOtherAddress = "login_refused_other_address",
        ConsentWithdrawnAccountClosed = "consent_withdrawn_account_closed",
        RegistrationRequested = "registration_requested",
        RegistrationApproved = "registration_approved",
        ApprovalEmailChosen = "approval_email_chosen",
        RegistrationRejected = "registration_rejected",
        PasswordResetByStaff = "password_reset_by_staff",
        AccountLocked = "account_locked",
        AccountUnlocked = "account_unlocked",
        AnnouncementPublished = "announcement_published",
        StaffAdded = "staff_added",
        StaffPasswordReset = "staff_password_reset",
        DemoLogin = "demo_login",
        NotificationsOn = "notifications_on",
        NotificationsOff = "notifications_off",
        NotificationsEnded = "notifications_ended",
        QuietHoursOn = "quiet_hours_on",
        QuietHoursOff = "quiet_hours_off",
        QuietHoursSilent = "quiet_hours_silent",
        ReminderLeadSet = "reminder_lead_set",
        EveningOn = "evening_on",
        EveningOff = "evening_off",
        AnnouncementCancelled = "announcement_cancelled",
        AnnouncementEnded = "announcement_ended",
        AnnouncementChanged = "announcement_changed",
        CalendarLinkCreated = "calendar_link_created",
        CalendarLinkRevoked = "calendar_link_revoked",
    }
);

const INSERT: &str =
    "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)";

impl Tx {
    pub async fn audit(
        &mut self,
        actor: &str,
        action: AuditEvent,
        target: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        on_tx!(self, |c| sqlx::query(INSERT)
            .bind(now())
            .bind(actor)
            .bind(action.as_str())
            .bind(target)
            .bind(detail)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("writing the audit log")?;
        Ok(())
    }
}

impl Store {
    pub async fn audit(
        &self,
        actor: &str,
        action: AuditEvent,
        target: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        on_pool!(self, |p| sqlx::query(INSERT)
            .bind(now())
            .bind(actor)
            .bind(action.as_str())
            .bind(target)
            .bind(detail)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("writing the audit log")?;
        Ok(())
    }

    pub async fn audit_tail(&self, limit: i64) -> anyhow::Result<Vec<AuditEntry>> {
        let sql =
            "SELECT at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT $1";
        on_pool!(self, |p| sqlx::query_as(sql).bind(limit).fetch_all(p).await)
            .context("reading the audit log")
    }
}
