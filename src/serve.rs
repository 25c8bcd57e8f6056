//! `ebok serve`: runs every configured front end and the delivery workers until
//! Ctrl-C / SIGTERM. Each part is started by its own module; this file only wires.

use crate::app::App;
use tokio::task::JoinSet;

pub async fn serve(app: App) -> anyhow::Result<()> {
    let mut tasks: JoinSet<anyhow::Result<()>> = JoinSet::new();
    tasks.spawn(watch_rates(app.clone()));
    // Each front end / worker adds itself here:
    // outbox worker (email delivery), telegram, email responder.
    // Credentials, rejections, resets and staff notifications by email (issue 3).
    if let Some(worker) = crate::outbox::email_worker(&app)? {
        tasks.spawn(async move {
            worker.run().await;
            Ok(())
        });
    }
    if app.settings.email.is_some() {
        tasks.spawn(crate::channels::email::serve(app.clone()));
    }
    if app.settings.telegram.is_some() {
        tasks.spawn(crate::channels::telegram::run(app.clone()));
    }
    if tasks.is_empty() {
        tracing::warn!(
            "nothing to serve: configure [smtp], [telegram] or [email] (see bot-config/ebok.toml)"
        );
    }
    tokio::select! {
        _ = shutdown_signal() => tracing::info!("shutting down"),
        Some(done) = tasks.join_next() => {
            match done {
                Ok(Ok(())) => tracing::warn!("a service stopped"),
                Ok(Err(e)) => return Err(e),
                Err(e) => anyhow::bail!("a service panicked: {e}"),
            }
        }
    }
    tasks.shutdown().await;
    Ok(())
}

/// Checks the interest tables at start and then daily: stale tables (older than
/// `[interest] stale_after_days`) are logged as a warning and make the service report
/// itself degraded through [`crate::core::rates::health`] (the `rates_stale` check).
async fn watch_rates(app: App) -> anyhow::Result<()> {
    loop {
        match crate::core::rates::health(&app.store, &app.settings, app.core.today()).await {
            Ok(h) if h.stale => {
                tracing::warn!(check = "rates_stale", degraded = true, "{}", h.describe())
            }
            Ok(h) => tracing::info!(check = "rates_stale", "{}", h.describe()),
            Err(e) => tracing::warn!(
                check = "rates_stale",
                degraded = true,
                "cannot read the interest tables: {e:#}"
            ),
        }
        tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
