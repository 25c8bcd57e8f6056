//! The operations endpoints of `ebok serve` on `[http] listen`: `/healthz`, `/readyz`
//! and `/metrics`. Read-only and without customer data: nothing here needs a login, but
//! it belongs on a local or internal address. Besides them, `/kalendarz/<token>.ics`:
//! a customer's calendar subscription (`kalendarz link`), found by the token's hash
//! alone; an unknown or revoked token is 404, as is every other path.

use crate::app::App;
use crate::health::{Component, Readiness};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;

/// The OpenMetrics text format that prometheus-client writes (Prometheus scrapes it).
const METRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/kalendarz/{file}", get(calendar))
        .with_state(app)
}

/// Serves on `listener` until a stop is requested (then the process is not ready, but
/// stays observable until it exits: the server is dropped with the runtime).
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    axum::serve(listener, router(app))
        .await
        .map_err(|e| anyhow::anyhow!("the operations endpoint stopped: {e}"))
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

async fn readyz(State(app): State<App>) -> Response {
    let readiness = readiness(&app).await;
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(readiness)).into_response()
}

async fn metrics(State(app): State<App>) -> Response {
    let metrics = crate::metrics::get();
    match app.store.outbox_stats().await {
        Ok(stats) => metrics.set_outbox(&stats),
        Err(e) => tracing::warn!(error = format!("{e:#}"), "outbox gauges not updated"),
    }
    match app.store.import_stats().await {
        Ok(stats) => metrics.set_imports(&stats),
        Err(e) => tracing::warn!(error = format!("{e:#}"), "import figures not updated"),
    }
    // The gauge follows the database (an import may have run since the last reminders).
    reminders(&app).await;
    match app.store.case_counts(app.core.today()).await {
        Ok(counts) => metrics.set_cases(&counts),
        Err(e) => tracing::warn!(error = format!("{e:#}"), "case gauges not updated"),
    }
    ([(header::CONTENT_TYPE, METRICS_TYPE)], metrics.encode()).into_response()
}

/// A calendar subscription: `<token>.ics`, the current calendar file of its account.
async fn calendar(State(app): State<App>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics").filter(|t| !t.is_empty()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match app.core.calendar_by_link(token).await {
        Ok(Some(body)) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "serving a calendar subscription");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// How long the database may take to answer before it counts as gone.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

/// `/readyz`: the database, the configured front ends (as they report through
/// [`crate::health`]), the interest tables and the billing import's age.
pub async fn readiness(app: &App) -> Readiness {
    let database = match tokio::time::timeout(DATABASE_TIMEOUT, app.store.check_ready()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(e)) => format!("{e:#}"),
        Err(_) => format!(
            "the database did not answer within {} s",
            DATABASE_TIMEOUT.as_secs()
        ),
    };
    let mut configured = Vec::new();
    if app.settings.telegram.is_some() {
        configured.push(Component::Telegram);
    }
    if app.settings.email.is_some() {
        configured.push(Component::Imap);
    }
    if app.settings.smtp.is_some() {
        configured.push(Component::Smtp);
    }
    let degraded = vec![
        ("interest_tables", interest_tables(app).await),
        ("reminders", reminders(app).await),
    ];
    crate::health::assemble(database, &configured, degraded).await
}

/// Why the date-driven reminders are paused (`None`: they are not): the last billing
/// import is older than `[notifications] stale_import_days`.
async fn reminders(app: &App) -> Option<String> {
    let now = app.core.clock().now();
    let stale =
        crate::notify::freshness::payments_stale(&app.store, &app.settings.notifications, now)
            .await;
    crate::metrics::get().set_reminders_paused(matches!(stale, Ok(Some(_))));
    match stale {
        Ok(stale) => stale.map(|s| s.describe()),
        Err(e) => Some(format!("cannot read the billing imports: {e:#}")),
    }
}

/// Why the interest tables make the process degraded (`None`: they do not): tables
/// older than `[interest] stale_after_days` may compute outdated interest.
async fn interest_tables(app: &App) -> Option<String> {
    match crate::rates::health(&app.store, &app.settings, app.core.today()).await {
        Ok(h) if h.stale => Some(h.describe()),
        Ok(_) => None,
        Err(e) => Some(format!("cannot read the interest tables: {e:#}")),
    }
}
