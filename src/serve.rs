//! `ebok serve`: runs every configured front end, the delivery workers and the
//! operations endpoint until SIGTERM / Ctrl-C. Each part is started by its own module;
//! this file only wires them and stops them.
//!
//! Stopping: the first signal asks every part to stop taking new work
//! ([`crate::shutdown`]): polling and IDLE end, the webhook answers 503, workers claim no
//! more rows, `/readyz` turns not ready. The commands in flight finish, for at most
//! `[shutdown] grace_seconds`; then outbox rows still claimed by this process are made
//! due again, its claims on Telegram updates are given back, and the process exits 0. A second signal ends the wait at once.

use crate::app::App;
use anyhow::Context;
use std::time::Duration;
use tokio::task::JoinSet;

/// What `ebok serve` opens and asks before it opens the database or starts anything
/// (after [`crate::config::Settings::check`]): a port in use or a token Telegram
/// refuses stops it here.
pub struct Preflight {
    http: Option<tokio::net::TcpListener>,
    telegram: Option<crate::channels::telegram::Preflight>,
}

impl Preflight {
    pub async fn run(settings: &crate::config::Settings) -> anyhow::Result<Preflight> {
        let http = match &settings.http {
            Some(http) => Some(
                tokio::net::TcpListener::bind(http.listen.trim())
                    .await
                    .with_context(|| {
                        format!(
                            "http.listen: cannot listen on {:?}: is another process using \
                             it? Choose a free address:port",
                            http.listen
                        )
                    })?,
            ),
            None => None,
        };
        let telegram = match &settings.telegram {
            Some(cfg) => Some(crate::channels::telegram::preflight(cfg).await?),
            None => None,
        };
        Ok(Preflight { http, telegram })
    }
}

pub async fn serve(app: App, ready: Preflight) -> anyhow::Result<()> {
    let mut signals = Signals::new()?;
    let Preflight { http, telegram } = ready;
    register_probes(&app);
    let mut tasks: JoinSet<anyhow::Result<()>> = JoinSet::new();
    if let Some(worker) = crate::mail::email_worker(&app)? {
        tasks.spawn(async move {
            worker.run().await;
            Ok(())
        });
    }
    if app.settings.email.is_some() {
        tasks.spawn(crate::channels::email::serve(app.clone()));
    }
    if let Some(ready) = telegram {
        tasks.spawn(crate::channels::telegram::run_checked(app.clone(), ready));
    }
    if tasks.is_empty() {
        tracing::warn!(
            "nothing to serve: configure [smtp], [telegram] or [email] (see bot-config/ebok.toml)"
        );
    }
    tasks.spawn(watch_rates(app.clone()));
    for daily in [
        crate::notify::daily::Daily::Reminders,
        crate::notify::daily::Daily::Evening,
    ] {
        tasks.spawn(crate::notify::daily::run(
            daily,
            app.store.clone(),
            app.settings.clone(),
            app.core.clock().clone(),
        ));
    }
    tasks.spawn(app.core.clone().run_case_chores());
    // The endpoint stays up while the rest stops: /readyz then says why it is not ready.
    let endpoint = http.map(|listener| {
        tracing::info!(address = ?listener.local_addr().ok(), "operations endpoint: /healthz /readyz /metrics");
        tokio::spawn(crate::http::serve(app.clone(), listener))
    });
    let result = tokio::select! {
        () = signals.next() => Ok(()),
        Some(done) = tasks.join_next() => match done {
            Ok(Ok(())) => {
                tracing::warn!("a service stopped");
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(e) => Err(anyhow::anyhow!("a service panicked: {e}")),
        },
    };
    let grace = Duration::from_secs(app.settings.shutdown.grace_seconds);
    stop(&app, &mut tasks, &mut signals, grace).await;
    if let Some(endpoint) = endpoint {
        endpoint.abort();
    }
    result
}

/// Checks the interest tables at start and then on each new day by the core's clock
/// (so a clock moved by a test, or a machine woken from sleep, is noticed within a
/// second): stale tables (older than `[interest] stale_after_days`) are logged as a
/// warning, fresh ones as info; `/readyz` asks the same check ([`crate::health`]) at
/// every request. Ends when the process stops.
async fn watch_rates(app: App) -> anyhow::Result<()> {
    let mut checked = None;
    while !crate::shutdown::requested() {
        let today = app.core.today();
        if checked != Some(today) {
            checked = Some(today);
            log_rates(&app, today).await;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            () = crate::shutdown::wait() => {}
        }
    }
    Ok(())
}

async fn log_rates(app: &App, today: chrono::NaiveDate) {
    match crate::rates::health(&app.store, &app.settings, today).await {
        Ok(h) if h.stale => tracing::warn!(
            check = "rates_stale",
            degraded = true,
            "stale interest tables: {}",
            h.describe()
        ),
        Ok(h) => tracing::info!(check = "rates_stale", "{}", h.describe()),
        Err(e) => tracing::warn!(
            check = "rates_stale",
            degraded = true,
            "cannot read the interest tables: {e:#}"
        ),
    }
}

/// Asks every part to stop, waits for them (at most `grace`, or until a second signal),
/// then gives back the outbox and Telegram claims still held.
async fn stop(
    app: &App,
    tasks: &mut JoinSet<anyhow::Result<()>>,
    signals: &mut Signals,
    grace: Duration,
) {
    tracing::info!(
        grace_seconds = grace.as_secs(),
        "stopping: no new work, finishing the commands in flight"
    );
    crate::health::set_stopping();
    crate::shutdown::request();
    let finished = tokio::select! {
        () = async { while tasks.join_next().await.is_some() {} } => true,
        () = tokio::time::sleep(grace) => {
            tracing::warn!("the grace period is over: stopping what is still running");
            false
        }
        () = signals.next() => {
            tracing::warn!("second signal: stopping at once");
            false
        }
    };
    tasks.abort_all();
    let held = crate::shutdown::claims::held();
    if !held.is_empty() {
        match app.store.release_outbox_claims(&held).await {
            Ok(()) => tracing::info!(rows = held.len(), "outbox claims given back"),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "outbox claims not given back: they expire with their lease"
            ),
        }
    }
    // Telegram updates cut off at the grace period: another instance takes them at once.
    crate::channels::telegram::release_claims(&app.store).await;
    if finished {
        tracing::info!("stopped");
    }
}

/// SIGTERM and Ctrl-C, each delivery once.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        Ok(Signals {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("listening for SIGTERM")?,
        })
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// How `/readyz` asks Telegram and the SMTP server whether they answer.
fn register_probes(app: &App) {
    use crate::health::{Component, set_probe};
    if let Some(cfg) = app.settings.telegram.clone() {
        set_probe(
            Component::Telegram,
            std::sync::Arc::new(move || {
                let cfg = cfg.clone();
                Box::pin(async move { crate::channels::telegram::check(&cfg).await })
            }),
        );
    }
    if let Some(smtp) = app.settings.smtp.clone() {
        set_probe(
            Component::Smtp,
            std::sync::Arc::new(move || {
                let smtp = smtp.clone();
                Box::pin(async move { crate::mail::check(&smtp).await })
            }),
        );
    }
}
