//! `[cases]`: the deadlines of complaints and requests, the discount rule, retention
//! and the ADR statement of a rejection (docs/cases.md).

use crate::domain::case::Deadlines;
use crate::domain::lang::Lang;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Cases {
    pub answer_days: u32,
    pub extended_days: u32,
    pub disconnection_days: u32,
    pub remind_days_before: u32,
    pub discount_divisor: u32,
    pub retention_days: u32,
    pub adr_statement_pl: String,
    pub adr_statement_en: String,
}

impl Default for Cases {
    fn default() -> Cases {
        let d = Deadlines::default();
        Cases {
            answer_days: d.answer_days,
            extended_days: d.extended_days,
            disconnection_days: d.disconnection_days,
            remind_days_before: 2,
            discount_divisor: 30,
            retention_days: 1825,
            adr_statement_pl: String::new(),
            adr_statement_en: String::new(),
        }
    }
}

impl Cases {
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            answer_days: self.answer_days,
            extended_days: self.extended_days,
            disconnection_days: self.disconnection_days,
        }
    }

    /// The ADR statement in `lang` (the other language's when this one is empty).
    pub fn adr_statement(&self, lang: Lang) -> &str {
        let (own, other) = match lang {
            Lang::Pl => (&self.adr_statement_pl, &self.adr_statement_en),
            Lang::En => (&self.adr_statement_en, &self.adr_statement_pl),
        };
        if own.trim().is_empty() {
            other.trim()
        } else {
            own.trim()
        }
    }
}
