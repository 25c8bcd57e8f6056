//! The core itself: the store, the settings, the clock and what is built once.

use crate::config::Settings;
use crate::core::command::Lang;
use crate::domain::reply::{Reply, View};
use crate::store::Store;
use std::sync::Arc;

/// The core, cheap to clone and shared by all front ends.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    settings: Arc<Settings>,
    /// Hash verified when the identifier is unknown, so timing reveals nothing.
    dummy_hash: String,
    /// A fixed "today" for reproducible output (tests, screenshots); `None`: the clock.
    frozen_today: std::sync::RwLock<Option<chrono::NaiveDate>>,
    /// "Now" for notices (quiet hours): the system clock, which tests set and move.
    clock: crate::domain::clock::Clock,
    /// Templates for text the core puts in files (the calendar's events), built on
    /// first use with the configured overrides.
    renderer: std::sync::OnceLock<Arc<crate::render::Renderer>>,
}

impl Core {
    pub async fn new(store: Store, settings: Arc<Settings>) -> anyhow::Result<Core> {
        let dummy_hash = crate::core::password::hash(crate::core::password::temporary()).await?;
        let clock = match &settings.app.test_clock_file {
            Some(path) => crate::domain::clock::Clock::from_file(path),
            None => crate::domain::clock::Clock::default(),
        };
        Ok(Core {
            inner: Arc::new(Inner {
                store,
                settings,
                dummy_hash,
                frozen_today: std::sync::RwLock::new(None),
                clock,
                renderer: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The utility's local date (Europe/Warsaw) by the core's clock, unless frozen with [`Core::freeze_today`].
    pub fn today(&self) -> chrono::NaiveDate {
        let frozen = self.inner.frozen_today.read().map(|d| *d).unwrap_or(None);
        frozen.unwrap_or_else(|| {
            let now = self.inner.clock.now();
            now.with_timezone(&crate::domain::calendar::TZ).date_naive()
        })
    }

    /// Fixes "today" for every clone of this core: reproducible interest and calendars.
    pub fn freeze_today(&self, date: chrono::NaiveDate) {
        if let Ok(mut d) = self.inner.frozen_today.write() {
            *d = Some(date);
        }
    }

    /// The core's clock: the system's, unless a test set or moved it.
    pub fn clock(&self) -> &crate::domain::clock::Clock {
        &self.inner.clock
    }

    /// When notices written now may go (quiet hours of `[notifications]`).
    pub fn timing(&self) -> crate::domain::notice::Timing {
        crate::domain::notice::Timing::at(
            self.inner.clock.now(),
            self.settings().notifications.quiet_hours(),
        )
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The templates, for text that goes into files rather than replies.
    pub(crate) fn renderer(&self) -> anyhow::Result<Arc<crate::render::Renderer>> {
        if let Some(r) = self.inner.renderer.get() {
            return Ok(r.clone());
        }
        let dir = self.inner.settings.app.templates_dir.as_deref();
        let built = Arc::new(crate::render::Renderer::new(dir)?);
        Ok(self.inner.renderer.get_or_init(|| built).clone())
    }

    pub(crate) fn dummy_hash(&self) -> &str {
        &self.inner.dummy_hash
    }

    pub(crate) fn default_lang(&self) -> Lang {
        Lang::parse(&self.settings().app.default_language).unwrap_or(Lang::Pl)
    }

    /// The reply to a failure: a reference to find the logged error by.
    pub(crate) fn unexpected(&self, lang: Lang, error: anyhow::Error) -> Reply {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        tracing::error!(error = format!("{error:#}"), %reference, "a command failed");
        Reply::new(
            lang,
            View::new(
                "unexpected_error",
                serde_json::json!({ "reference": reference }),
            ),
        )
    }
}
