//! Liveness and readiness. `/healthz`: the process runs. `/readyz`: the database answers
//! and its schema is current, every configured front end is connected (Telegram
//! polling or its webhook set, the command mailbox logged in) and the SMTP server takes
//! a connection. Stale interest tables, and reminders paused by a stale billing import,
//! make it `degraded`, not unready.
//!
//! This module only keeps the parts' states: front ends report theirs as it changes
//! ([`set`]) and register how to ask their outside service ([`set_probe`]: Telegram's
//! getMe, the SMTP server's greeting); the operations endpoint ([`crate::http`]) puts the
//! answer together with the database's and the interest tables' checks ([`assemble`]).

use futures::future::BoxFuture;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The parts that report their own readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Component {
    Telegram,
    Imap,
    Smtp,
}

impl Component {
    /// The check's name in `/readyz`.
    pub fn name(self) -> &'static str {
        match self {
            Component::Telegram => "telegram",
            Component::Imap => "imap",
            Component::Smtp => "smtp",
        }
    }
}

/// The answer of `/readyz`.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    pub ready: bool,
    /// Serving, but something needs an operator: stale interest tables, reminders paused
    /// by a stale billing import. Not a reason to
    /// take the service out of a load balancer (every customer would lose it, where
    /// only the interest figures may be out of date).
    pub degraded: bool,
    /// Each check: "ok" or why not.
    pub checks: BTreeMap<String, String>,
}

static STATES: Mutex<BTreeMap<Component, Option<String>>> = Mutex::new(BTreeMap::new());
static PROBES: Mutex<BTreeMap<Component, Probe>> = Mutex::new(BTreeMap::new());
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

/// Asks an outside service whether it answers: `Err(why)` when not.
pub type Probe = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Registers how to ask `component`'s outside service, asked at each readiness check
/// once the component itself reports it is fine.
pub fn set_probe(component: Component, probe: Probe) {
    if let Ok(mut probes) = PROBES.lock() {
        probes.insert(component, probe);
    }
}

/// How long Telegram or the SMTP server may take to answer a check.
const SERVICE_TIMEOUT: Duration = Duration::from_secs(5);

/// The readiness answer: `database` ("ok" or why not), each `configured` component's
/// state and probe, and the checks that can only make it `degraded` (by name: why it
/// needs an operator, `None` when it does not).
pub async fn assemble(
    database: String,
    configured: &[Component],
    degraded: Vec<(&'static str, Option<String>)>,
) -> Readiness {
    let mut checks = BTreeMap::new();
    checks.insert("database".to_string(), database);
    let states = futures::future::join_all(
        configured
            .iter()
            .map(|c| async move { (*c, component(*c).await) }),
    )
    .await;
    for (component, state) in states {
        checks.insert(component.name().to_string(), state);
    }
    if stopping() {
        checks.insert("process".to_string(), "shutting down".to_string());
    }
    let ready = checks.values().all(|v| v == "ok");
    let is_degraded = degraded.iter().any(|(_, why)| why.is_some());
    for (name, why) in degraded {
        checks.insert(name.to_string(), why.unwrap_or_else(|| "ok".to_string()));
    }
    Readiness {
        ready,
        degraded: is_degraded,
        checks,
    }
}

/// "ok" or why `component` is not ready: the state its front end reported, then (when
/// that is fine) whether the outside service answers now.
async fn component(component: Component) -> String {
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
    let probe = PROBES.lock().ok().and_then(|p| p.get(&component).cloned());
    let Some(probe) = probe else {
        return "ok".to_string();
    };
    match tokio::time::timeout(SERVICE_TIMEOUT, probe()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(why)) => why,
        Err(_) => format!("no answer within {} s", SERVICE_TIMEOUT.as_secs()),
    }
}
