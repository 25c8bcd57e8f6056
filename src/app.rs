//! Building the running application from settings: the store, the core and the
//! renderer. `main` and the tests call the same function.

use crate::config::Settings;
use crate::core::Core;
use crate::render::Renderer;
use crate::store::Store;
use anyhow::Context;
use std::sync::Arc;

/// The parts every front end needs.
#[derive(Clone)]
pub struct App {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub core: Core,
    pub renderer: Arc<Renderer>,
    /// Key of the PESEL keyed hash (from settings, or generated once and kept in the DB).
    pub pesel_key: Arc<Vec<u8>>,
}

impl App {
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        let store = Store::open(&settings.database.url).await?;
        App::with_store(settings, store).await
    }

    pub async fn with_store(settings: Settings, store: Store) -> anyhow::Result<App> {
        let renderer =
            Renderer::new(settings.app.templates_dir.as_deref()).context("loading templates")?;
        let pesel_key = crate::import::pesel_key(&store, &settings).await?;
        // Before the core's first hash: the process has one pool of hashing threads.
        crate::core::hash_pool::configure(settings.security.password_hash_threads);
        let settings = Arc::new(settings);
        let core = Core::new(store.clone(), settings.clone()).await?;
        Ok(App {
            settings,
            store,
            core,
            renderer: Arc::new(renderer),
            pesel_key: Arc::new(pesel_key),
        })
    }
}
