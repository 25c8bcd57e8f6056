//! `wersja` / `version`: what the chat is talking to: the ebok version, the day the
//! billing data was last imported and the interest tables' confirmed date and source.

use crate::core::Ctx;
use crate::core::command::{Args, Bad, Declared, Def, Group, PublicCmd, Text};
use crate::domain::calendar::TZ;
use crate::domain::interest::RateSource;
use crate::domain::reply::{Reply, View};
use serde_json::json;

#[derive(Debug, PartialEq)]
pub struct Version;

impl Declared for Version {
    const DEF: Def = Def::new(
        &["version", "wersja"],
        Group::Public,
        Text::NONE,
        Text::new(
            "wersja e-BOK, dzień ostatniego importu danych i potwierdzenia tabel odsetek",
            "the e-BOK version, when the data were last imported and the interest tables confirmed",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Version)
    }
}

impl PublicCmd for Version {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        let core = ctx.core;
        let imported = core.store().import_stats().await?.last_ok;
        let imported_on = imported.map(|run| run.finished_at.with_timezone(&TZ).date_naive());
        let rates = crate::rates::in_force(core.store(), core.settings()).await?;
        let data = json!({
            "version": env!("CARGO_PKG_VERSION"),
            "imported_on": imported_on,
            "rates_confirmed_on": rates.confirmed_on,
            "rates_from_import": rates.source == RateSource::Import,
        });
        Ok(Reply::new(ctx.lang, View::new("version", data)))
    }
}
