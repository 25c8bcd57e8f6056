//! The typed request forms: what a customer fills in beyond the description. Today the
//! change of ordered heat capacity (a new value in MW and the day it applies from).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// A request to change the ordered heat capacity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CapacityChange {
    /// MW, as a decimal string (`0.012`).
    pub mw: String,
    pub from: NaiveDate,
}

/// Why a form's value is refused; said to the customer (`case_form_problem.<key>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormProblem {
    /// Not a number of MW (`abc`), zero or negative, or absurdly large.
    Capacity,
    /// Not a date (`DD.MM.RRRR` or `RRRR-MM-DD`).
    Date,
    /// A day already past.
    PastDate,
}

impl FormProblem {
    pub fn key(self) -> &'static str {
        match self {
            FormProblem::Capacity => "capacity",
            FormProblem::Date => "date",
            FormProblem::PastDate => "past_date",
        }
    }
}

/// A capacity in MW: a positive decimal with a comma or a dot, at most 3 decimals
/// (kW precision), below 1000 MW; `MW` after it is allowed.
pub fn parse_mw(text: &str) -> Result<Decimal, FormProblem> {
    let t = text.trim().trim_end_matches(['M', 'W', 'm', 'w']).trim();
    let d = Decimal::from_str(&t.replace(',', ".")).map_err(|_| FormProblem::Capacity)?;
    if d <= Decimal::ZERO || d >= Decimal::from(1000) || d.scale() > 3 {
        return Err(FormProblem::Capacity);
    }
    Ok(d)
}

/// A date as `DD.MM.RRRR` or `RRRR-MM-DD`, not before `today`.
pub fn parse_future_date(text: &str, today: NaiveDate) -> Result<NaiveDate, FormProblem> {
    let t = text.trim();
    let d = NaiveDate::parse_from_str(t, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d"))
        .map_err(|_| FormProblem::Date)?;
    if d < today {
        return Err(FormProblem::PastDate);
    }
    Ok(d)
}

/// `<MW> <date>` (the one-line form): both checked.
pub fn parse_capacity_change(
    mw: &str,
    from: &str,
    today: NaiveDate,
) -> Result<CapacityChange, FormProblem> {
    let mw = parse_mw(mw)?;
    let from = parse_future_date(from, today)?;
    Ok(CapacityChange {
        mw: mw.to_string(),
        from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_and_dates_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(parse_mw("0,012").unwrap().to_string(), "0.012");
        assert_eq!(parse_mw("0,010").unwrap().to_string(), "0.010");
        assert_eq!(parse_mw("0.5 MW").unwrap().to_string(), "0.5");
        for bad in ["abc", "", "0", "-1", "0.0001", "1000", "1,2,3"] {
            assert_eq!(parse_mw(bad), Err(FormProblem::Capacity), "{bad}");
        }
        let c = parse_capacity_change("0,012", "01.10.2026", today).unwrap();
        assert_eq!(c.from, NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
        assert_eq!(
            parse_capacity_change("0,012", "2026-03-01", today),
            Err(FormProblem::PastDate)
        );
        assert_eq!(
            parse_capacity_change("0,012", "jutro", today),
            Err(FormProblem::Date)
        );
        assert!(parse_future_date("02.03.2026", today).is_ok());
    }
}
