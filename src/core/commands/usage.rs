//! `zuzycie` / `usage`: heat used and what it cost per month, as a chart and a table;
//! `zuzycie 2025` a calendar year, `zuzycie sezon` the heating season (July to June).

use crate::core::command::{Args, Bad, CustomerCmd, Declared, Def, Group, Text};
use crate::core::views;
use crate::core::{Ctx, CustomerSession};
use crate::domain::reply::Reply;
use crate::domain::text::fold;
use crate::domain::usage::Period;

/// The words that ask for the season (folded).
const SEASON_WORDS: &[&str] = &["sezon", "season"];

#[derive(Debug, PartialEq)]
pub struct Usage {
    pub period: Period,
}

impl Declared for Usage {
    const DEF: Def = Def::new(
        &["usage", "zuzycie"],
        Group::Customer,
        Text::new("[RRRR|sezon]", "[YYYY|season]"),
        Text::new(
            "zużycie ciepła (GJ) i koszt miesiąc po miesiącu, z wykresem; RRRR — rok kalendarzowy, sezon — sezon grzewczy obok poprzedniego",
            "heat used (GJ) and its cost month by month, with a chart; YYYY: a calendar year, season: the heating season beside the last one",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let period = match args.words.as_slice() {
            [] => Period::Recent,
            [word] if SEASON_WORDS.contains(&fold(word).as_str()) => Period::Season,
            [year] if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) => {
                Period::Year(year.parse().map_err(|_| Bad)?)
            }
            _ => return Err(Bad),
        };
        Ok(Usage { period })
    }
}

impl CustomerCmd for Usage {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        let c = &me.customer;
        views::for_customer(ctx, c)
            .usage(&c.number, self.period)
            .await
    }
}
