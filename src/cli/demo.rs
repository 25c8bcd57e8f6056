//! `ebok demo` and `ebok import`: the demo data set and the billing import on the CLI.

use crate::app::App;
use crate::config::Settings;
use crate::core::accounts::FirstPassword;
use crate::core::password;
use crate::domain::calendar;
use crate::domain::model::Role;
use crate::store::AuditEvent;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The demo's own database unless `--database` names another.
pub const DEMO_DB: &str = "data/demo.sqlite";
const DEMO_IMPORT_DIR: &str = "data/demo-import";
const DEMO_STAFF_NAME: &str = "Pracownik BOK (demo)";

/// One printed demo login.
struct DemoLogin {
    identifier: String,
    password: String,
    name: String,
    note: String,
}

pub async fn run(
    mut settings: Settings,
    explicit_db: bool,
    fresh: bool,
    no_console: bool,
) -> anyhow::Result<()> {
    if !explicit_db {
        settings.database.url = format!("sqlite:{DEMO_DB}");
        if fresh {
            remove_sqlite(Path::new(DEMO_DB))?;
        }
    } else if fresh {
        anyhow::bail!(
            "--fresh only removes the demo's own SQLite file; drop your database yourself"
        );
    }
    let app = App::build(settings).await?;
    app.store.setting_or_insert(DEMO_MARK, "yes").await?;
    let dir = PathBuf::from(DEMO_IMPORT_DIR);
    println!("Generating demo billing data in {} …", dir.display());
    let summary =
        crate::demo::generate(&dir, calendar::today()).context("generating the demo data")?;
    // The demo's data are the shipped configuration's utility's (its PDFs, its KSeF
    // numbers), whatever utility the configuration in use names.
    let options = crate::config::Import {
        seller_nip: Settings::defaults()?.import_options().seller_nip,
        ..app.settings.import_options()
    };
    import_with(&app, &dir, &options).await?;
    let mut logins = Vec::new();
    for customer in &summary.customers {
        let id = customer_id(&app, &customer.number).await?;
        let login = demo_login(&app, Some(id), &customer.name, Some(&customer.email)).await?;
        logins.push(DemoLogin {
            note: customer.note.clone(),
            ..login
        });
    }
    let staff = demo_login(&app, None, DEMO_STAFF_NAME, None).await?;
    logins.push(DemoLogin {
        note: "pracownik: polecenia obsługi (staff)".into(),
        ..staff
    });
    print_logins(&logins);
    print_ksef(&summary, &logins);
    if no_console {
        return Ok(());
    }
    super::console::console(&app, "demo", Path::new("downloads")).await
}

/// The setting that marks a database `ebok demo` filled (generated customers).
const DEMO_MARK: &str = "demo_database";

/// Whether `ebok demo` filled this database: `ebok console` on it may show the example
/// bank account of the shipped configuration.
pub async fn is_demo_database(app: &App) -> anyhow::Result<bool> {
    Ok(app.store.setting(DEMO_MARK).await?.is_some())
}

fn remove_sqlite(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
        }
    }
    Ok(())
}

async fn customer_id(app: &App, number: &str) -> anyhow::Result<i64> {
    app.store
        .customer_id_by_number(number)
        .await?
        .with_context(|| format!("the demo customer {number} was not imported"))
}

/// Creates the account (or gives the existing one a fresh password) and returns its login.
async fn demo_login(
    app: &App,
    customer_id: Option<i64>,
    name: &str,
    email: Option<&str>,
) -> anyhow::Result<DemoLogin> {
    let existing = match customer_id {
        Some(id) => app.store.account_for_customer(id).await?,
        None => app.store.staff_account_by_name(name).await?,
    };
    let mut tx = app.store.begin().await?;
    let (identifier, password) = match existing {
        Some(account) => {
            let fresh = password::temporary();
            let hash = password::hash(fresh.clone()).await?;
            tx.set_password(account.id, &hash, false, None).await?;
            tx.set_locked(account.id, false).await?;
            (account.identifier, fresh)
        }
        None => {
            let role = if customer_id.is_some() {
                Role::Customer
            } else {
                Role::Staff
            };
            let creds = app
                .core
                .create_account(
                    &mut tx,
                    role,
                    customer_id,
                    name,
                    email,
                    FirstPassword::Permanent,
                )
                .await?;
            (creds.identifier.clone(), creds.password.clone())
        }
    };
    tx.audit("operator", AuditEvent::DemoLogin, &identifier, "")
        .await?;
    tx.commit().await?;
    Ok(DemoLogin {
        identifier,
        password,
        name: name.to_string(),
        note: String::new(),
    })
}

/// Where the demo's KSeF invoices show (docs/ksef.md).
fn print_ksef(summary: &crate::demo::DemoSummary, logins: &[DemoLogin]) {
    let Some(number) = &summary.ksef_offline else {
        return;
    };
    let Some(login) = logins.iter().find(|l| l.note.contains("offline")) else {
        return;
    };
    println!(
        "KSeF: {} faktur firm i wspólnot od 1 kwietnia 2026 ma numer KSeF; faktura {number} wystawiona offline czeka na numer (KOD II): zaloguj {} {}, potem: faktura {number}, ksef {number}, sprawdz <numer KSeF>",
        summary.ksef_invoices, login.identifier, login.password
    );
    if let Some(next) = &summary.ksef_next {
        println!(
            "Następny eksport z billingu nadaje jej numer KSeF: ebok --database sqlite:{DEMO_DB} import {}",
            next.display()
        );
    }
}

fn print_logins(logins: &[DemoLogin]) {
    println!();
    println!("Konta demonstracyjne (hasła są nowe przy każdym uruchomieniu):");
    println!("{:<10} {:<16} {:<44} uwagi", "identyf.", "hasło", "klient");
    for l in logins {
        println!(
            "{:<10} {:<16} {:<44} {}",
            l.identifier, l.password, l.name, l.note
        );
    }
    if let Some(first) = logins.first() {
        println!();
        println!(
            "Zaloguj się np.: zaloguj {} {}",
            first.identifier, first.password
        );
        println!(
            "Potem: saldo, rachunki, faktura <nr>, pdf <nr>, kalendarz, windykacje, dokumenty, wiadomosci, kontakt, pomoc"
        );
    }
    println!();
}

/// `ebok import DIR`: prints the per-file report, or every error with file, line and column.
pub async fn import(app: &App, dir: &Path) -> anyhow::Result<()> {
    import_with(app, dir, &app.settings.import_options()).await
}

/// [`import`] with these checks.
async fn import_with(app: &App, dir: &Path, options: &crate::config::Import) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let timing = app.core.timing();
    let result = crate::import::run_at(&app.store, &app.pesel_key, dir, options, timing).await;
    let seconds = started.elapsed().as_secs_f64();
    // For /metrics of `ebok serve`; an import is not undone because this failed.
    let rows = result
        .as_ref()
        .map(|r| r.files.iter().map(|f| f.rows).sum())
        .unwrap_or(0);
    if let Err(e) = app
        .store
        .record_import_run(app.core.clock().now(), result.is_ok(), rows, seconds)
        .await
    {
        tracing::warn!(error = format!("{e:#}"), "the import run was not recorded");
    }
    match result {
        Ok(report) => {
            println!("{report}");
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}
