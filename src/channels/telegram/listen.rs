//! Where updates come from: long polling (the default, [`super::poll`]) or a webhook
//! ([`super::hook`]), for running several instances behind one URL.

use super::bot::{Telegram, bot_with};
use crate::config::Problem;
use anyhow::Context;
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;

/// How much longer than the long poll itself the HTTP client waits for its answer: a
/// client that gives up first turns every quiet spell into a "timed out" error and a
/// growing pause before the next poll.
const POLL_MARGIN: Duration = Duration::from_secs(10);

/// The HTTP timeout of a long poll of `poll` (always longer than `poll`).
pub(super) fn poll_http_timeout(poll: Duration) -> Duration {
    poll + POLL_MARGIN
}

pub(super) async fn dispatch(tg: Arc<Telegram>, ready: Preflight) -> anyhow::Result<()> {
    let cfg = tg
        .app
        .settings
        .telegram
        .clone()
        .context("the [telegram] section is missing")?;
    match webhook_url(&cfg) {
        None => poll(tg, &cfg).await,
        Some(url) => webhook(tg, url, &cfg, ready).await,
    }
}

/// `telegram.webhook_url` when set: webhook mode.
fn webhook_url(cfg: &crate::config::Telegram) -> Option<&str> {
    cfg.webhook_url.as_deref().filter(|u| !u.trim().is_empty())
}

/// What `ebok serve` checked and opened before starting anything ([`preflight`]).
#[derive(Default)]
pub struct Preflight {
    /// Webhook mode: the socket of `telegram.webhook_listen`, already bound.
    webhook: Option<tokio::net::TcpListener>,
}

/// Asks Telegram whether it takes the token (getMe) and, in webhook mode, binds the
/// webhook's address: a refused token or a port in use stops `ebok serve` before its
/// scheduler, workers or front ends run.
pub async fn preflight(cfg: &crate::config::Telegram) -> anyhow::Result<Preflight> {
    let bot = bot_with(cfg, Some(Duration::from_secs(15)))?;
    match bot.get_me().await {
        Ok(_) => {}
        Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => anyhow::bail!(
            "telegram.token: Telegram does not accept this token (Unauthorized): copy the \
             bot's token from @BotFather into EBOK_TELEGRAM__TOKEN"
        ),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(
                "asking Telegram for the bot (getMe) failed: is api.telegram.org (or \
                 telegram.api_url) reachable from here?",
            ));
        }
    }
    let webhook = match webhook_url(cfg) {
        None => None,
        Some(url) => Some(bind(webhook_options(url, cfg)?.address).await?),
    };
    Ok(Preflight { webhook })
}

async fn bind(address: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| {
            format!(
                "telegram.webhook_listen: cannot listen on {address}: is another process \
             using it? Choose a free address:port"
            )
        })
}

/// Long polling ([`super::poll`]), after checking the token and removing a webhook.
async fn poll(tg: Arc<Telegram>, cfg: &crate::config::Telegram) -> anyhow::Result<()> {
    let poll = Duration::from_secs(cfg.poll_timeout_seconds);
    let poller = bot_with(cfg, Some(poll_http_timeout(poll)))?;
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

/// The webhook server ([`super::hook`]), after checking the token and setting the webhook.
async fn webhook(
    tg: Arc<Telegram>,
    url: &str,
    cfg: &crate::config::Telegram,
    ready: Preflight,
) -> anyhow::Result<()> {
    let hook = webhook_options(url, cfg)?;
    let bot = tg.sender.bot().clone();
    bot.get_me()
        .await
        .context("asking Telegram for the bot (is the token right?)")?;
    // Updates Telegram holds are kept: they are answered once the server is up.
    bot.set_webhook(hook.url.clone())
        .secret_token(hook.secret.clone())
        .allowed_updates(super::poll::allowed())
        .await
        .context("setting the Telegram webhook")?;
    let tcp = match ready.webhook {
        Some(tcp) => tcp,
        None => bind(hook.address).await?,
    };
    tracing::info!(address = %hook.address, "Telegram: webhook");
    crate::health::set(crate::health::Component::Telegram, None);
    let forget = super::hook::forget_old(tg.app.store.clone(), tg.app.core.clock().clone());
    // The webhook stays set when this instance stops: the others keep receiving.
    let lease = Duration::from_secs(cfg.webhook_claim_seconds);
    let router = super::hook::router(tg, hook.url.path(), hook.secret, lease)
        .layer(axum::middleware::from_fn(refuse_when_stopping));
    let serve = axum::serve(tcp, router).with_graceful_shutdown(crate::shutdown::wait());
    tokio::select! {
        served = std::future::IntoFuture::into_future(serve) => {
            served.context("serving the Telegram webhook")
        }
        () = forget => Ok(()),
    }
}

/// Whether Telegram still serves this bot as configured, for `/readyz`: in webhook mode
/// the webhook is set to our URL (another process polling with the same token, or
/// someone calling deleteWebhook, takes it away), otherwise the token is accepted.
pub(crate) async fn check(bot: &Bot, cfg: &crate::config::Telegram) -> Result<(), String> {
    match cfg.webhook_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => {
            let info = bot
                .get_webhook_info()
                .await
                .map_err(|e| format!("Telegram does not answer getWebhookInfo: {e}"))?;
            let ours = url::Url::parse(url).ok();
            match info.url {
                Some(set) if Some(&set) == ours.as_ref() => Ok(()),
                Some(set) => Err(format!(
                    "the webhook is set to {set}, not to telegram.webhook_url {url}"
                )),
                None => Err(format!(
                    "the webhook is not set (telegram.webhook_url is {url}): restart ebok to set it"
                )),
            }
        }
        None => bot
            .get_me()
            .await
            .map(|_| ())
            .map_err(|e| format!("Telegram does not answer getMe (is the token right?): {e}")),
    }
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

/// Where the webhook is served and what Telegram must send with every request.
struct HookOptions {
    url: url::Url,
    address: SocketAddr,
    secret: String,
}

/// What is wrong with `[telegram]` (checked before anything starts,
/// [`crate::config::check`]). The token is never quoted.
pub fn config_problems(cfg: &crate::config::Telegram) -> Vec<Problem> {
    let mut found = Vec::new();
    if !token_shaped(cfg.token.expose_secret()) {
        found.push(Problem::new(
            "telegram.token",
            "is not a bot token (digits, a colon and the rest, as @BotFather gives it): \
             set EBOK_TELEGRAM__TOKEN",
        ));
    }
    if let Some(api) = cfg.api_url.as_deref().filter(|u| !u.trim().is_empty())
        && !url::Url::parse(api).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        found.push(Problem::new(
            "telegram.api_url",
            format!(
                "{api:?} is not an http(s) URL: leave it unset for api.telegram.org, or \
                 write the URL of your Bot API server"
            ),
        ));
    }
    let Some(url) = webhook_url(cfg) else {
        return found;
    };
    let ports = [443, 80, 88, 8443];
    let public = url::Url::parse(url).ok();
    let valid = public.as_ref().is_some_and(|u| {
        u.scheme() == "https" && u.host().is_some() && u.port().is_none_or(|p| ports.contains(&p))
    });
    if !valid {
        found.push(Problem::new(
            "telegram.webhook_url",
            format!(
                "{url:?} is not a URL Telegram posts to: it must be https://, on port 443, \
                 80, 88 or 8443 (the public address of a reverse proxy in front of \
                 telegram.webhook_listen)"
            ),
        ));
    }
    match cfg.webhook_listen.as_deref().map(str::trim) {
        Some(listen) if listen.parse::<SocketAddr>().is_ok() => {}
        Some(listen) => found.push(Problem::new(
            "telegram.webhook_listen",
            format!(
                "{listen:?} is not an address:port: write e.g. \"127.0.0.1:8443\" (the \
                 local address the reverse proxy forwards the webhook to)"
            ),
        )),
        None => found.push(Problem::new(
            "telegram.webhook_listen",
            "is missing: webhook mode (telegram.webhook_url) needs the local address to \
             listen on, e.g. \"127.0.0.1:8443\"",
        )),
    }
    match cfg.webhook_secret.as_ref().map(|s| s.expose_secret()) {
        Some(secret) if secret_allowed(secret) => {}
        Some(_) => found.push(Problem::new("telegram.webhook_secret", SECRET_RULE)),
        None => found.push(Problem::new(
            "telegram.webhook_secret",
            "is missing: webhook mode needs it; set EBOK_TELEGRAM__WEBHOOK_SECRET \
             (1-256 characters: A-Z, a-z, 0-9, _ and -)",
        )),
    }
    found
}

const SECRET_RULE: &str = "may hold only A-Z, a-z, 0-9, _ and - (1-256 characters): set \
                           another EBOK_TELEGRAM__WEBHOOK_SECRET";

/// What Telegram accepts as a webhook's secret token.
fn secret_allowed(secret: &str) -> bool {
    (1..=256).contains(&secret.len())
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `<digits>:<letters, digits, _ and ->`, the shape of every bot token.
fn token_shaped(token: &str) -> bool {
    token.trim().split_once(':').is_some_and(|(id, key)| {
        !id.is_empty()
            && id.chars().all(|c| c.is_ascii_digit())
            && !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

fn webhook_options(url: &str, cfg: &crate::config::Telegram) -> anyhow::Result<HookOptions> {
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
        secret_allowed(&secret),
        "telegram.webhook_secret {SECRET_RULE}"
    );
    Ok(HookOptions {
        url,
        address,
        secret,
    })
}
