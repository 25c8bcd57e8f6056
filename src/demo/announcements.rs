//! The demo's announcements (messages.csv), dated relative to `today`.

use crate::domain::model::{Announcement, MessageKind};
use chrono::{Datelike, Days, NaiveDate};

/// The announcements for `today`: a failure in `failure_area`, a planned interruption
/// in `interruption_area`, the summer maintenance break, the tariff and information.
pub fn build(
    today: NaiveDate,
    failure_area: Option<String>,
    interruption_area: Option<String>,
) -> Vec<Announcement> {
    let days = |n: i64| {
        if n >= 0 {
            today.checked_add_days(Days::new(n as u64))
        } else {
            today.checked_sub_days(Days::new(n.unsigned_abs()))
        }
        .unwrap_or(today)
    };
    let summer = if today.month() >= 7 {
        today.year() + 1
    } else {
        today.year()
    };
    let tariff_year = if today.month() >= 7 {
        today.year()
    } else {
        today.year() - 1
    };
    let ymd = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
    vec![
        Announcement {
            reference: format!("KOM/{}/001", today.year()),
            kind: MessageKind::Failure,
            title: "Awaria sieci ciepłowniczej".to_string(),
            body: "Z powodu awarii sieci ciepłowniczej dostawa ciepła do budynków zasilanych z \
                   tego węzła może być ograniczona. Pracujemy nad usunięciem awarii. \
                   Przepraszamy za utrudnienia."
                .to_string(),
            valid_from: days(-1),
            valid_to: Some(days(2)),
            area: failure_area,
        },
        Announcement {
            reference: format!("KOM/{}/002", today.year()),
            kind: MessageKind::Interruption,
            title: "Planowana przerwa w dostawie ciepła".to_string(),
            body: format!(
                "{} w godz. 8:00–14:00 nastąpi przerwa w dostawie ciepła i ciepłej wody \
                 (prace przyłączeniowe).",
                days(6).format("%d.%m.%Y")
            ),
            valid_from: today,
            valid_to: Some(days(6)),
            area: interruption_area,
        },
        Announcement {
            reference: format!("KOM/{summer}/003"),
            kind: MessageKind::Maintenance,
            title: format!("Letnia przerwa remontowa {summer}"),
            body: format!(
                "Przerwa remontowa sieci ciepłowniczej potrwa od 16 do 27 czerwca {summer} r. \
                 W tym czasie nie będzie dostawy ciepłej wody. Terminy dla osiedli podamy w \
                 osobnych komunikatach."
            ),
            valid_from: ymd(summer, 5, 15),
            valid_to: Some(ymd(summer, 6, 27)),
            area: None,
        },
        Announcement {
            reference: format!("KOM/{tariff_year}/004"),
            kind: MessageKind::Tariff,
            title: format!("Nowa taryfa dla ciepła od 1 lipca {tariff_year} r."),
            body: format!(
                "Prezes Urzędu Regulacji Energetyki zatwierdził nową taryfę dla ciepła. Ceny i \
                 stawki opłat rosną średnio o 4%. Taryfa obowiązuje od 1 lipca {tariff_year} r.; \
                 jej tekst jest dostępny w Biurze Obsługi Klienta."
            ),
            valid_from: ymd(tariff_year, 6, 15),
            valid_to: None,
            area: None,
        },
        Announcement {
            reference: "KOM/INFO/URE".to_string(),
            kind: MessageKind::Information,
            title: "Prawo energetyczne i Urząd Regulacji Energetyki".to_string(),
            body: "Ustawa Prawo energetyczne, taryfy oraz prawa odbiorców ciepła, energii \
                   elektrycznej i gazu: https://www.ure.gov.pl"
                .to_string(),
            valid_from: ymd(today.year(), 1, 1),
            valid_to: None,
            area: None,
        },
    ]
}
