//! The worker that sends the outbox's `"email"` rows: notifications as digests, and
//! every other mail on its own.

use super::{DigestDeliverer, Mailer};
use crate::outbox::{RetryPolicy, Worker};
use std::sync::Arc;
use std::time::Duration;

/// The email worker for `app`, when SMTP is configured (`None` otherwise): notifications
/// go as digests ([`super::digest`]).
pub fn email_worker(app: &crate::app::App) -> anyhow::Result<Option<Worker>> {
    let Some(smtp) = &app.settings.smtp else {
        return Ok(None);
    };
    let mailer = Mailer::new(smtp)?;
    let deliverer = DigestDeliverer::new(
        mailer,
        app.renderer.clone(),
        app.store.clone(),
        Duration::from_secs(smtp.digest_window_seconds),
        app.core.clock().clone(),
    );
    Ok(Some(
        Worker::new(
            app.store.clone(),
            "email",
            Arc::new(deliverer),
            RetryPolicy::default(),
        )
        .with_clock(app.core.clock().clone())
        .with_quiet_hours(app.settings.notifications.clone())
        .with_configured_recipients(
            app.settings
                .email
                .iter()
                .flat_map(|e| &e.staff_addresses)
                .map(|a| a.trim().to_lowercase())
                .collect(),
        ),
    ))
}
