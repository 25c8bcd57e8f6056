//! KSeF, the national e-invoice system (docs/ksef.md): an invoice's verification code
//! and its XML document for the customer's accounting software.

use crate::core::command::{Args, Bad, CustomerCmd, Declared, Def, Group, Text};
use crate::core::views;
use crate::core::{Ctx, CustomerSession};
use crate::domain::reply::Reply;

/// The verification code (KOD I) of a KSeF invoice, as an image and a link.
#[derive(Debug, PartialEq)]
pub struct Ksef {
    pub number: String,
}

impl Declared for Ksef {
    const DEF: Def = Def::new(
        &["ksef"],
        Group::Customer,
        Text::new("<numer>", "<number>"),
        Text::new(
            "kod weryfikacyjny faktury z KSeF (obraz QR i link)",
            "the verification code of a KSeF invoice (QR image and link)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|number| Ksef { number })
    }
}

impl CustomerCmd for Ksef {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer)
            .ksef_code(&self.number)
            .await
    }
}

/// The invoice's XML (FA) document, as KSeF holds it.
#[derive(Debug, PartialEq)]
pub struct Xml {
    pub number: String,
}

impl Declared for Xml {
    const DEF: Def = Def::new(
        &["xml"],
        Group::Customer,
        Text::new("<numer>", "<number>"),
        Text::new(
            "faktura z KSeF w XML (do programu księgowego)",
            "a KSeF invoice as XML (for accounting software)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.one().map(|number| Xml { number })
    }
}

impl CustomerCmd for Xml {
    async fn run(self, ctx: &mut Ctx<'_>, me: &CustomerSession) -> anyhow::Result<Reply> {
        views::for_customer(ctx, &me.customer)
            .xml(&self.number)
            .await
    }
}
