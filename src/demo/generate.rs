//! The demo data set for a day: customers, contracts, 24 months of invoices, payments,
//! a court case and announcements, all dated relative to `today`.

use super::announcements;
use super::data::{Contract, Customer, DataSet, Habit, Invoice, MONTHS, Owned, grosze};
use super::people;
use super::tariff::{self, CAPACITY, CARRIER, HEAT, TRANSMISSION_FIXED, TRANSMISSION_VARIABLE};
use crate::domain::calendar::{YearMonth, effective_due_date};
use crate::domain::interest::{RatePeriod, accrued};
use crate::domain::model::{
    self, Collection, CollectionStage, CollectionStatus, ContractKind, ContractStatus,
    CustomerKind, Payment,
};
use chrono::{Datelike, Days, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const MONTH_NAMES: [&str; 12] = [
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
];

/// A contract of the demo: open-ended and in force.
fn contract(
    number: String,
    parent: Option<String>,
    title: String,
    signed_on: NaiveDate,
    valid_from: NaiveDate,
) -> model::Contract {
    model::Contract {
        id: 0,
        number,
        kind: if parent.is_some() {
            ContractKind::Annex
        } else {
            ContractKind::Contract
        },
        parent_number: parent,
        title,
        signed_on,
        valid_from,
        valid_to: None,
        status: ContractStatus::Active,
        pdf_sha256: None,
        pdf_name: None,
    }
}

fn days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n as u64)).unwrap_or(d)
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs())).unwrap_or(d)
    }
}

pub fn build(rng: &mut StdRng, today: NaiveDate, statutory: &[RatePeriod]) -> DataSet {
    let mut set = DataSet::default();
    let habits = [
        Habit::OnTime,
        Habit::Overdue,
        Habit::OnceLate,
        Habit::OnTime,
        Habit::OnTime,
    ];
    for (i, habit) in habits.into_iter().enumerate() {
        let p = people::person(rng, i);
        set.customers.push(Customer {
            number: format!("K-{:06}", 101 + i),
            kind: CustomerKind::Person,
            name: p.name,
            pesel: Some(p.pesel),
            nip: None,
            address: p.address,
            area: p.area.to_string(),
            email: p.email,
            capacity_mw: Decimal::new(rng.gen_range(8..20), 3),
            annual_gj: Decimal::from(rng.gen_range(55..95)),
            carrier_m3: None,
            e_invoice: i == 0,
            habit,
            buildings: &[],
        });
    }
    for (i, habit) in [Habit::OnTime, Habit::Overpays, Habit::OnTime]
        .into_iter()
        .enumerate()
    {
        let f = people::firm(rng, i);
        let big = i != 1;
        set.customers.push(Customer {
            number: format!("F-{:06}", 201 + i),
            kind: CustomerKind::Firm,
            name: f.name,
            pesel: None,
            nip: Some(f.nip),
            address: f.address,
            area: f.area.to_string(),
            email: f.email,
            capacity_mw: if big {
                Decimal::new(rng.gen_range(400..1200), 3)
            } else {
                dec!(0.120)
            },
            annual_gj: if big {
                Decimal::from(rng.gen_range(2500..6000))
            } else {
                dec!(640)
            },
            carrier_m3: big.then(|| Decimal::new(rng.gen_range(150..600), 2)),
            e_invoice: i == 0,
            habit,
            // The housing cooperative's two buildings, billed on one invoice.
            buildings: if i == 0 {
                &[("ul. Kaliska 76", 550), ("ul. Kaliska 78", 450)]
            } else {
                &[]
            },
        });
    }
    contracts(&mut set, today);
    invoices(rng, &mut set, today);
    payments(rng, &mut set, today, statutory);
    let area = |habit: Habit| {
        set.customers
            .iter()
            .find(|c| c.habit == habit)
            .map(|c| c.area.clone())
    };
    // The failure where the debtor lives, the interruption where a good payer does.
    set.messages = announcements::build(today, area(Habit::Overdue), area(Habit::OnTime));
    set
}

fn contracts(set: &mut DataSet, today: NaiveDate) {
    for (i, c) in set.customers.iter().enumerate() {
        let signed_on =
            NaiveDate::from_ymd_opt(today.year() - 6 + (i as i32 % 3), 8, 20 + i as u32 % 5)
                .unwrap_or(today);
        let valid_from = YearMonth::of(signed_on).next().first_day();
        let number = format!("UM/{}/{:04}", signed_on.year(), 101 + i);
        let clauses = vec![
            (
                "§ 1. Przedmiot umowy".to_string(),
                format!(
                    "Sprzedawca dostarcza Odbiorcy ciepło do obiektu: {}. Moc cieplna zamówiona \
                     wynosi {} MW. Ciepło dostarczane jest z węzła cieplnego {}.",
                    c.address, c.capacity_mw, c.area
                ),
            ),
            (
                "§ 2. Ceny i stawki opłat".to_string(),
                "Rozliczenia prowadzone są według taryfy dla ciepła zatwierdzonej przez Prezesa \
                 Urzędu Regulacji Energetyki: opłata za zamówioną moc cieplną, opłata za ciepło, \
                 opłata stała i zmienna za usługi przesyłowe oraz opłata za nośnik ciepła."
                    .to_string(),
            ),
            (
                "§ 3. Rozliczenia".to_string(),
                "Okresem rozliczeniowym jest miesiąc kalendarzowy. Należność płatna jest w \
                 terminie 14 dni od daty wystawienia faktury. Za opóźnienie w zapłacie \
                 Sprzedawca nalicza odsetki ustawowe za opóźnienie."
                    .to_string(),
            ),
            (
                "§ 4. Czas trwania umowy".to_string(),
                format!(
                    "Umowa obowiązuje od dnia {} na czas nieokreślony, z trzymiesięcznym okresem \
                     wypowiedzenia.",
                    valid_from.format("%d.%m.%Y")
                ),
            ),
        ];
        set.contracts.push(Contract {
            customer: i,
            pdf: format!("pdf/umowa-{}.pdf", number.replace('/', "-")),
            record: contract(
                number,
                None,
                "Umowa kompleksowa sprzedaży ciepła".to_string(),
                signed_on,
                valid_from,
            ),
            clauses,
        });
    }
    // The first firm raised its ordered capacity about a year ago.
    let Some(firm) = set
        .customers
        .iter()
        .position(|c| c.kind == CustomerKind::Firm)
    else {
        return;
    };
    let parent = set.contracts[firm].record.number.clone();
    let signed_on = days(YearMonth::of(today).prev().prev().first_day(), -300);
    let valid_from = YearMonth::of(signed_on).next().first_day();
    let old = set.customers[firm].capacity_mw;
    let new = old + dec!(0.050);
    set.customers[firm].capacity_mw = new;
    let number = format!("{parent}/A1");
    let title = format!("Aneks nr 1 – zmiana mocy zamówionej na {new} MW");
    set.contracts.push(Contract {
        customer: firm,
        pdf: format!("pdf/aneks-{}.pdf", number.replace('/', "-")),
        clauses: vec![(
            "§ 1.".to_string(),
            format!(
                "Strony zmieniają § 1 umowy nr {parent}: od dnia {} moc cieplna zamówiona \
                 wynosi {new} MW (dotychczas {old} MW). Pozostałe postanowienia umowy nie \
                 ulegają zmianie.",
                valid_from.format("%d.%m.%Y")
            ),
        )],
        record: contract(number, Some(parent), title, signed_on, valid_from),
    });
}

/// The capacity in force in a month: the annex raised it from its first day.
fn capacity(set: &DataSet, customer: usize, day: NaiveDate) -> Decimal {
    let c = &set.customers[customer];
    match set
        .contracts
        .iter()
        .find(|k| k.customer == customer && k.record.kind == ContractKind::Annex)
    {
        Some(annex) if day < annex.record.valid_from => c.capacity_mw - dec!(0.050),
        _ => c.capacity_mw,
    }
}

fn invoices(rng: &mut StdRng, set: &mut DataSet, today: NaiveDate) {
    // The newest month billed is the last one that has ended by today.
    let mut month = YearMonth::of(today);
    if today < month.last_day() {
        month = month.prev();
    }
    let mut months = Vec::with_capacity(MONTHS);
    for _ in 0..MONTHS {
        months.push(month);
        month = month.prev();
    }
    months.reverse();
    for ym in months {
        let issue_date = ym.last_day();
        for ci in 0..set.customers.len() {
            let c = &set.customers[ci];
            let jitter = Decimal::new(rng.gen_range(900..1100), 3);
            let gj = (c.annual_gj * tariff::month_share(ym.month) * jitter).round_dp(3);
            let mw = capacity(set, ci, issue_date);
            let mut lines = heat_lines(c, gj, mw, issue_date);
            if let Some(m3) = c.carrier_m3 {
                let m3 = (m3 * Decimal::new(rng.gen_range(80..120), 2)).round_dp(2);
                let mut carrier = tariff::line(&CARRIER, m3, issue_date);
                carrier.point = c.buildings.first().map(|(name, _)| *name);
                lines.push(carrier);
            }
            let charge =
                crate::domain::vat::gross_total(lines.iter().map(|l| (l.net, tariff::VAT_RATE)))
                    .unwrap_or_default();
            let number = format!("FV/{}/{:02}/{}", ym.year, ym.month, &c.number[2..]);
            let pdf = c
                .e_invoice
                .then(|| format!("pdf/faktura-{}.pdf", number.replace('/', "-")));
            set.invoices.push(Invoice {
                description: format!(
                    "Ciepło – {} {} (węzeł {})",
                    MONTH_NAMES[ym.month as usize - 1],
                    ym.year,
                    c.area
                ),
                number,
                customer: ci,
                kind: "invoice",
                issue_date,
                due_date: days(issue_date, 14),
                lines,
                charge,
                credited: Decimal::ZERO,
                interest_for: None,
                pdf,
            });
        }
    }
}

/// The capacity and heat lines of one month: once, or per building with its share.
fn heat_lines(c: &Customer, gj: Decimal, mw: Decimal, day: NaiveDate) -> Vec<tariff::Line> {
    let parts: Vec<(Option<&'static str>, Decimal, Decimal)> = if c.buildings.is_empty() {
        vec![(None, gj, mw)]
    } else {
        c.buildings
            .iter()
            .map(|(name, share)| {
                let share = Decimal::new(i64::from(*share), 3);
                (
                    Some(*name),
                    (gj * share).round_dp(3),
                    (mw * share).round_dp(3),
                )
            })
            .collect()
    };
    let mut lines = Vec::new();
    for (point, gj, mw) in parts {
        for mut line in [
            tariff::line(&CAPACITY, mw, day),
            tariff::line(&HEAT, gj, day),
            tariff::line(&TRANSMISSION_FIXED, mw, day),
            tariff::line(&TRANSMISSION_VARIABLE, gj, day),
        ] {
            line.point = point;
            lines.push(line);
        }
    }
    lines
}

fn payments(rng: &mut StdRng, set: &mut DataSet, today: NaiveDate, statutory: &[RatePeriod]) {
    let mut seq = 0;
    let mut reference = |d: NaiveDate| {
        seq += 1;
        format!("PB/{}/{seq:05}", d.format("%Y%m%d"))
    };
    let overdue_from = days(today, -150);
    let late_month = days(today, -240);
    let mut notes = Vec::new();
    let count = set.invoices.len();
    for i in 0..count {
        let inv = &set.invoices[i];
        let c = &set.customers[inv.customer];
        let paid_on = match c.habit {
            Habit::Overdue if inv.due_date >= overdue_from => None,
            Habit::Overpays => Some(days(inv.issue_date, 2).min(today)),
            Habit::OnceLate if YearMonth::of(inv.issue_date) == YearMonth::of(late_month) => {
                Some(days(effective_due_date(inv.due_date), 23))
            }
            _ => Some(days(inv.due_date, -rng.gen_range(0..8))),
        };
        let Some(paid_on) = paid_on.filter(|d| *d <= today) else {
            continue;
        };
        let times = if c.habit == Habit::Overpays
            && YearMonth::of(inv.issue_date) == YearMonth::of(days(today, -120))
        {
            2
        } else {
            1
        };
        let mut paid_times = 0;
        for t in 0..times {
            let day = days(paid_on, t);
            if day > today {
                break;
            }
            paid_times += 1;
            set.payments.push(Owned {
                customer: inv.customer,
                record: Payment {
                    reference: reference(day),
                    paid_on: day,
                    amount_gr: grosze(inv.charge),
                    invoice_number: Some(inv.number.clone()),
                    title: format!("Przelew – {}", inv.number),
                },
            });
        }
        let charge = inv.charge;
        if paid_on > effective_due_date(inv.due_date) {
            let interest = accrued(charge, inv.due_date, paid_on, statutory);
            notes.push((
                inv.customer,
                inv.number.clone(),
                inv.due_date,
                paid_on,
                interest,
            ));
        }
        set.invoices[i].credited = charge * Decimal::from(paid_times);
    }
    for (customer, of, due, paid_on, interest) in notes {
        let issue_date = days(paid_on, 10);
        let number = format!(
            "NO/{}/{:02}/{}",
            issue_date.year(),
            issue_date.month(),
            &set.customers[customer].number[2..]
        );
        let due_date = days(issue_date, 14);
        let paid = days(due_date, -3);
        let credited = if paid <= today {
            interest
        } else {
            Decimal::ZERO
        };
        if paid <= today {
            set.payments.push(Owned {
                customer,
                record: Payment {
                    reference: reference(paid),
                    paid_on: paid,
                    amount_gr: grosze(interest),
                    invoice_number: Some(number.clone()),
                    title: format!("Odsetki – {number}"),
                },
            });
        }
        set.invoices.push(Invoice {
            number,
            customer,
            kind: "interest_note",
            issue_date,
            due_date,
            description: format!(
                "Nota odsetkowa: odsetki ustawowe za opóźnienie w zapłacie {of} (termin {}, zapłacono {})",
                due.format("%d.%m.%Y"),
                paid_on.format("%d.%m.%Y")
            ),
            lines: Vec::new(),
            charge: interest,
            credited,
            pdf: None,
            interest_for: Some((of, paid_on)),
        });
    }
    court_case(rng, set, today, statutory);
}

/// The overdue household's debt went to court.
fn court_case(rng: &mut StdRng, set: &mut DataSet, today: NaiveDate, statutory: &[RatePeriod]) {
    let Some(debtor) = set.customers.iter().position(|c| c.habit == Habit::Overdue) else {
        return;
    };
    let unpaid: Vec<&Invoice> = set
        .invoices
        .iter()
        .filter(|i| i.customer == debtor && i.to_pay() > Decimal::ZERO)
        .collect();
    let Some(first) = unpaid.first() else {
        return;
    };
    let demand_on = days(effective_due_date(first.due_date), 21).min(today);
    let opened_on = days(demand_on, 35).min(today);
    let owed: Vec<&&Invoice> = unpaid.iter().filter(|i| i.due_date < opened_on).collect();
    let principal: Decimal = owed.iter().map(|i| i.to_pay()).sum();
    let interest: Decimal = owed
        .iter()
        .map(|i| accrued(i.to_pay(), i.due_date, opened_on, statutory))
        .sum();
    // The payment demand came with an interest note for the delay so far, one per
    // overdue bill, each saying which bill and up to which day it charged.
    let charged: Vec<(String, Decimal)> = unpaid
        .iter()
        .filter(|i| i.due_date < demand_on)
        .map(|i| {
            let interest = accrued(i.to_pay(), i.due_date, demand_on, statutory);
            (i.number.clone(), interest)
        })
        .filter(|(_, interest)| *interest > Decimal::ZERO)
        .collect();
    for (k, (of, note_interest)) in charged.into_iter().enumerate() {
        let number = format!(
            "NO/{}/{:02}/{}/{}",
            demand_on.year(),
            demand_on.month(),
            &set.customers[debtor].number[2..],
            k + 1
        );
        set.invoices.push(Invoice {
            number,
            customer: debtor,
            kind: "interest_note",
            issue_date: demand_on,
            due_date: days(demand_on, 14),
            description: format!(
                "Nota odsetkowa: odsetki ustawowe za opóźnienie w zapłacie {of} do dnia {}",
                demand_on.format("%d.%m.%Y")
            ),
            lines: Vec::new(),
            charge: note_interest,
            credited: Decimal::ZERO,
            pdf: None,
            interest_for: Some((of, demand_on)),
        });
    }
    let yy = opened_on.year() % 100;
    set.cases.push(Owned {
        customer: debtor,
        record: Collection {
            case_number: format!("WN/{}/{:04}", demand_on.year(), 31 + debtor),
            stage: CollectionStage::Court,
            status: CollectionStatus::Open,
            opened_on: demand_on,
            updated_on: opened_on,
            principal_gr: grosze(principal),
            interest_gr: grosze(interest),
            costs_gr: grosze(dec!(200.00)),
            court: Some("Sąd Rejonowy we Włocławku, I Wydział Cywilny".to_string()),
            signature: Some(format!("I C {}/{yy:02}", rng.gen_range(1000..3000))),
            // Not yet at enforcement.
            bailiff: None,
            description: format!(
                "Wezwanie do zapłaty wysłane {}; pozew o zapłatę złożony {}. Sprawa w toku.",
                demand_on.format("%d.%m.%Y"),
                opened_on.format("%d.%m.%Y")
            ),
        },
    });
}
