//! Where updates come from: long polling (the default, [`super::poll`]) or a webhook, for
//! running several instances behind one URL. A webhook request without the configured secret token
//! (`X-Telegram-Bot-Api-Secret-Token`) is refused with 401 before it is read.

use super::{Telegram, schema};
use anyhow::Context;
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use teloxide::dispatching::Dispatcher;
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::webhooks;

/// How much longer than the long poll itself the HTTP client waits for its answer: a
/// client that gives up first turns every quiet spell into a "timed out" error and a
/// growing pause before the next poll.
const POLL_MARGIN: Duration = Duration::from_secs(10);

/// The HTTP timeout of a long poll of `poll` (always longer than `poll`).
pub(super) fn poll_http_timeout(poll: Duration) -> Duration {
    poll + POLL_MARGIN
}

pub(super) async fn dispatch(tg: Arc<Telegram>) -> anyhow::Result<()> {
    let cfg = tg
        .app
        .settings
        .telegram
        .clone()
        .context("the [telegram] section is missing")?;
    match cfg.webhook_url.as_deref().filter(|u| !u.trim().is_empty()) {
        None => poll(tg, &cfg).await,
        Some(url) => webhook(tg, url, &cfg).await,
    }
}

/// Long polling ([`super::poll`]), after checking the token and removing a webhook.
async fn poll(tg: Arc<Telegram>, cfg: &crate::config::Telegram) -> anyhow::Result<()> {
    let poll = Duration::from_secs(cfg.poll_timeout_seconds);
    let poller = super::bot_with(cfg, Some(poll_http_timeout(poll)))?;
    poller
        .get_me()
        .await
        .context("asking Telegram for the bot (is the token right?)")?;
    let info = poller
        .get_webhook_info()
        .await
        .context("asking Telegram for the bot's webhook")?;
    if info.url.is_some() {
        poller
            .delete_webhook()
            .await
            .context("removing the webhook to poll instead")?;
    }
    tracing::info!("Telegram: long polling");
    crate::health::set(crate::health::Component::Telegram, None);
    super::poll::run(tg, poller, poll).await;
    Ok(())
}

/// A webhook server fed to teloxide's dispatcher.
async fn webhook(
    tg: Arc<Telegram>,
    url: &str,
    cfg: &crate::config::Telegram,
) -> anyhow::Result<()> {
    let bot = tg.sender.bot().clone();
    let mut dispatcher = Dispatcher::builder(bot.clone(), schema::schema())
        .dependencies(dptree::deps![tg.clone()])
        .error_handler(LoggingErrorHandler::with_custom_text(
            "a Telegram handler failed",
        ))
        .build();
    let listener_errors =
        LoggingErrorHandler::with_custom_text("receiving Telegram updates failed");
    // Stopping the process stops the listener; the handlers in flight finish first.
    let token = dispatcher.shutdown_token();
    tokio::spawn(async move {
        crate::shutdown::wait().await;
        if let Ok(done) = token.shutdown() {
            done.await;
        }
    });
    let options = webhook_options(url, cfg)?;
    let address = options.address;
    let (listener, stop, router) = webhooks::axum_to_router(bot, options)
        .await
        .context("setting the Telegram webhook")?;
    let tcp = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening for the webhook on {address}"))?;
    tracing::info!(%address, "Telegram: webhook");
    crate::health::set(crate::health::Component::Telegram, None);
    let router = router.layer(axum::middleware::from_fn(refuse_when_stopping));
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(tcp, router).with_graceful_shutdown(stop).await {
            tracing::error!(error = %e, "the webhook server stopped");
        }
    });
    let result = dispatcher
        .try_dispatch_with_listener(listener, listener_errors)
        .await
        .context("starting the Telegram dispatcher (is the token right?)");
    server.abort();
    result
}

/// A stopping process takes no more updates: Telegram gets 503 and sends them again
/// (to another instance, or to this one after its restart).
async fn refuse_when_stopping(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if crate::shutdown::requested() {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    next.run(request).await
}

fn webhook_options(url: &str, cfg: &crate::config::Telegram) -> anyhow::Result<webhooks::Options> {
    let url = url::Url::parse(url).context("telegram.webhook_url is not a URL")?;
    let listen = cfg
        .webhook_listen
        .as_deref()
        .context("webhook mode needs telegram.webhook_listen (e.g. \"0.0.0.0:8443\")")?;
    let address: SocketAddr = listen
        .parse()
        .with_context(|| format!("telegram.webhook_listen {listen:?} is not an address:port"))?;
    let secret = cfg
        .webhook_secret
        .as_ref()
        .map(|s| s.expose_secret().to_string())
        .filter(|s| !s.is_empty())
        .context("webhook mode needs telegram.webhook_secret (EBOK_TELEGRAM__WEBHOOK_SECRET)")?;
    anyhow::ensure!(
        secret.len() <= 256
            && secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        "telegram.webhook_secret may hold only A-Z, a-z, 0-9, _ and - (at most 256)"
    );
    Ok(webhooks::Options::new(address, url).secret_token(secret))
}
