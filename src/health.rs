//! Liveness and readiness. `/healthz`: the process runs. `/readyz`: the database answers
//! and its schema is current, every configured front end is connected (Telegram
//! polling or its webhook set, the command mailbox logged in) and the SMTP server takes
//! a connection. Stale interest tables make it `degraded`, not unready. Front ends
//! report their state here as it changes ([`set`]); the database, Telegram (getMe, or
//! getWebhookInfo showing our URL) and the SMTP server are asked at each request.

use crate::app::App;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The parts that report their own readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Component {
    Telegram,
    Imap,
    Smtp,
}

/// The answer of `/readyz`.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub ready: bool,
    /// Serving, but something needs an operator: stale interest tables. Not a reason to
    /// take the service out of a load balancer (every customer would lose it, where
    /// only the interest figures may be out of date).
    pub degraded: bool,
    /// Each check: "ok" or why not.
    pub checks: BTreeMap<String, String>,
}

static STATES: Mutex<BTreeMap<Component, Option<String>>> = Mutex::new(BTreeMap::new());
static STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Records a front end's state: `None` connected, `Some(why)` not.
pub fn set(component: Component, not_ready: Option<String>) {
    if let Ok(mut states) = STATES.lock() {
        states.insert(component, not_ready);
    }
}

/// The process is shutting down: not ready for new work.
pub fn set_stopping() {
    STOPPING.store(true, std::sync::atomic::Ordering::SeqCst);
}

pub fn stopping() -> bool {
    STOPPING.load(std::sync::atomic::Ordering::SeqCst)
}

/// How long the database may take to answer before it counts as gone.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn readiness(app: &App) -> Readiness {
    let mut checks = BTreeMap::new();
    let db = async {
        match tokio::time::timeout(DATABASE_TIMEOUT, app.store.check_ready()).await {
            Ok(Ok(())) => "ok".to_string(),
            Ok(Err(e)) => format!("{e:#}"),
            Err(_) => format!(
                "the database did not answer within {} s",
                DATABASE_TIMEOUT.as_secs()
            ),
        }
    };
    let components = futures::future::join_all(
        configured(app)
            .into_iter()
            .map(|c| async move { (c, component(app, c).await) }),
    );
    let (db, components) = tokio::join!(db, components);
    checks.insert("database".to_string(), db);
    for (component, state) in components {
        let name = serde_json::to_value(component)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        checks.insert(name, state);
    }
    let degraded = interest_tables(app).await;
    if stopping() {
        checks.insert("process".to_string(), "shutting down".to_string());
    }
    let ready = checks.values().all(|v| v == "ok");
    checks.insert(
        "interest_tables".to_string(),
        degraded.clone().unwrap_or_else(|| "ok".to_string()),
    );
    Readiness {
        ready,
        degraded: degraded.is_some(),
        checks,
    }
}

/// How long Telegram or the SMTP server may take to answer a check.
const SERVICE_TIMEOUT: Duration = Duration::from_secs(5);

/// "ok" or why `component` is not ready: the state its front end reported, then (when
/// that is fine) whether the outside service answers now.
async fn component(app: &App, component: Component) -> String {
    let reported = match component {
        // Nothing runs for SMTP but the outbox worker, which does not report.
        Component::Smtp => None,
        _ => STATES
            .lock()
            .ok()
            .and_then(|s| s.get(&component).cloned())
            .unwrap_or_else(|| Some("starting".to_string())),
    };
    if let Some(why) = reported {
        return why;
    }
    let probe = async {
        match component {
            Component::Telegram => match &app.settings.telegram {
                Some(cfg) => crate::channels::telegram::check(cfg).await,
                None => Ok(()),
            },
            Component::Smtp => match &app.settings.smtp {
                Some(smtp) => crate::mail::check(smtp).await,
                None => Ok(()),
            },
            // IDLE notices a lost connection itself and reports it.
            Component::Imap => Ok(()),
        }
    };
    match tokio::time::timeout(SERVICE_TIMEOUT, probe).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(why)) => why,
        Err(_) => format!("no answer within {} s", SERVICE_TIMEOUT.as_secs()),
    }
}

fn configured(app: &App) -> Vec<Component> {
    let mut list = Vec::new();
    if app.settings.telegram.is_some() {
        list.push(Component::Telegram);
    }
    if app.settings.email.is_some() {
        list.push(Component::Imap);
    }
    if app.settings.smtp.is_some() {
        list.push(Component::Smtp);
    }
    list
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
