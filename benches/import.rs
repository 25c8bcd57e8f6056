//! Import throughput: 100k customers and 2.4M invoices (24 months), line items for the
//! 10% of customers who get e-invoices (4 items each, 960k rows), into a fresh SQLite
//! file and, when EBOK_BENCH_PG_URL names a PostgreSQL server (admin URL), a fresh
//! PostgreSQL database. Then the same files again (nothing to write).
//!
//!     cargo bench --bench import
//!     EBOK_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench import
//!
//! The generated files stay in `bench-data/` (git-ignored), so a rerun reuses them.

use ebok::import::ImportReport;
use ebok::store::Store;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

const CUSTOMERS: u64 = 100_000;
const MONTHS: u64 = 24;
const KEY: &[u8] = b"bench-pesel-key";

fn main() -> anyhow::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/import-100k");
    if !dir.join("complete").exists() {
        let started = Instant::now();
        generate(&dir)?;
        println!(
            "generated {} in {:.1} s (not timed below)",
            dir.display(),
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("reusing {}", dir.display());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let tmp = tempfile::tempdir()?;
        let url = format!("sqlite:{}", tmp.path().join("bench.sqlite").display());
        bench("SQLite", &url, &dir).await?;
        if let Ok(admin) = std::env::var("EBOK_BENCH_PG_URL") {
            let name = format!("ebok_bench_{}", std::process::id());
            let pool = sqlx::PgPool::connect(&admin).await?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await?;
            let url = replace_db_name(&admin, &name);
            let result = bench("PostgreSQL", &url, &dir).await;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&pool)
                .await?;
            result?;
        } else {
            println!("\nEBOK_BENCH_PG_URL not set: PostgreSQL skipped");
        }
        anyhow::Ok(())
    })
}

async fn bench(label: &str, url: &str, dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(url).await?;
    for pass in ["first import", "same files again"] {
        let report = ebok::import::run(&store, KEY, dir)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        print_report(label, pass, &report);
    }
    store.close().await;
    Ok(())
}

fn print_report(label: &str, pass: &str, report: &ImportReport) {
    println!("\n{label}, {pass}: {:.1} s in all", report.seconds);
    println!(
        "{:<20} {:>10} {:>10} {:>10} {:>12}",
        "file", "rows", "changed", "seconds", "rows/s"
    );
    for f in &report.files {
        println!(
            "{:<20} {:>10} {:>10} {:>10.2} {:>12.0}",
            f.file,
            f.rows,
            f.inserted + f.updated,
            f.seconds,
            f.rows_per_second()
        );
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, String::new()), |(b, q)| (b, format!("?{q}")));
    let cut = base.rfind('/').unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..cut])
}

/// A small deterministic generator (xorshift), so the data is the same every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn pesel(rng: &mut Rng) -> String {
    let (y, m, d) = (1940 + rng.below(60), 1 + rng.below(12), 1 + rng.below(28));
    let head = format!("{:02}{:02}{:02}{:04}", y % 100, m, d, rng.below(10_000));
    let digits: Vec<u32> = head.chars().filter_map(|c| c.to_digit(10)).collect();
    format!("{head}{}", ebok::domain::ids::pesel_check_digit(&digits))
}

fn nip(rng: &mut Rng) -> String {
    loop {
        let head = format!("888{:06}", rng.below(1_000_000));
        let digits: Vec<u32> = head.chars().filter_map(|c| c.to_digit(10)).collect();
        if let Some(c) = ebok::domain::ids::nip_check_digit(&digits) {
            return format!("{head}{c}");
        }
    }
}

fn money(gr: u64) -> String {
    format!("{}.{:02}", gr / 100, gr % 100)
}

/// `a × b / d` rounded half up, all non-negative integers.
fn mul_div_round(a: u64, b: u64, d: u64) -> u64 {
    (a * b * 2 + d) / (2 * d)
}

fn generate(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let file = |name: &str| -> anyhow::Result<(PathBuf, std::io::BufWriter<std::fs::File>)> {
        let path = dir.join(name);
        Ok((
            path.clone(),
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?),
        ))
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (_, mut customers) = file("customers.csv")?;
    writeln!(customers, "number,kind,name,pesel,nip,address,area,email")?;
    for c in 0..CUSTOMERS {
        if c % 10 == 9 {
            writeln!(
                customers,
                "B-{c:06},firm,Firma Usługowa nr {c} Sp. z o.o.,,{},\"ul. Płocka {}, 87-800 Włocławek\",WS-{:02},biuro{c}@example.pl",
                nip(&mut rng),
                1 + c % 200,
                c % 60
            )?;
        } else {
            writeln!(
                customers,
                "B-{c:06},person,Józef Łukaszewski {c},{},,\"ul. Kościuszki {} m. {}, 87-800 Włocławek\",WS-{:02},jl{c}@example.pl",
                pesel(&mut rng),
                1 + c % 150,
                1 + c % 40,
                c % 60
            )?;
        }
    }
    customers.flush()?;

    // Tariff in grosze, quantities in thousandths.
    const PRICES: [(&str, &str, u64); 4] = [
        ("Opłata za zamówioną moc cieplną", "MW", 948_000),
        ("Opłata za ciepło", "GJ", 5_820),
        ("Opłata stała za usługi przesyłowe", "MW", 371_500),
        ("Opłata zmienna za usługi przesyłowe", "GJ", 1_986),
    ];
    let (_, mut invoices) = file("invoices.csv")?;
    let (_, mut items) = file("invoice_items.csv")?;
    writeln!(
        invoices,
        "number,customer,kind,issue_date,due_date,description,charge,credited,to_pay"
    )?;
    writeln!(
        items,
        "invoice,line,name,quantity,unit,unit_price,net,vat_rate,vat,gross"
    )?;
    let mut line = String::with_capacity(256);
    for m in 0..MONTHS {
        let (year, month) = (2024 + m / 12, 1 + m % 12);
        let last = [
            31,
            if year % 4 == 0 { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][month as usize - 1];
        let (due_y, due_m) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        for c in 0..CUSTOMERS {
            let number = format!("FV/{year}/{month:02}/{c:06}");
            let mw = 8 + c % 12; // 0.008–0.019 MW
            let gj = 500 + rng.below(12_000); // 0.5–12.5 GJ
            let charge = if c % 10 == 0 {
                let mut net_total = 0;
                for (i, (name, unit, price)) in PRICES.iter().enumerate() {
                    let q = if *unit == "MW" { mw } else { gj };
                    let net = mul_div_round(q, *price, 1000);
                    let vat = mul_div_round(net, 23, 100);
                    net_total += net;
                    line.clear();
                    writeln!(
                        line,
                        "{number},{},{name},{}.{:03},{unit},{},{},23,{},{}",
                        i + 1,
                        q / 1000,
                        q % 1000,
                        money(*price),
                        money(net),
                        money(vat),
                        money(net + vat)
                    )?;
                    items.write_all(line.as_bytes())?;
                }
                // The charge is per rate: VAT on the net total, not the sum of line VATs.
                net_total + mul_div_round(net_total, 23, 100)
            } else {
                20_000 + rng.below(150_000)
            };
            let paid = if m + 2 < MONTHS || c % 7 != 0 {
                charge
            } else {
                0
            };
            line.clear();
            writeln!(
                line,
                "{number},B-{c:06},invoice,{year}-{month:02}-{last},{due_y}-{due_m:02}-14,Ciepło {month:02}/{year},{},{},{}",
                money(charge),
                money(paid),
                money(charge - paid)
            )?;
            invoices.write_all(line.as_bytes())?;
        }
    }
    invoices.flush()?;
    items.flush()?;
    std::fs::write(dir.join("complete"), "")?;
    Ok(())
}
