//! The chat's accounts: log out of one or all, list them, switch between them. They
//! work while none of the chat's sessions is current (after one expired, say).

use crate::core::Ctx;
use crate::core::chat_accounts;
use crate::core::command::{Args, Bad, Declared, Def, Group, SessionsCmd, Text};
use crate::domain::reply::Reply;
use crate::domain::text::fold;

const SESSIONS: Group = Group::Sessions;

/// `all`: every account logged in to in this chat, else only the current one.
#[derive(Debug, PartialEq)]
pub struct Logout {
    pub all: bool,
}

impl Declared for Logout {
    const DEF: Def = Def::new(
        &["logout", "wyloguj"],
        SESSIONS,
        Text::new("[wszystkie]", "[all]"),
        Text::new(
            "bezpieczne wylogowanie z bieżącego konta (albo ze wszystkich)",
            "log out safely from the current account (or from all)",
        ),
    )
    .before_password_change();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [] => Ok(Logout { all: false }),
            [w] if matches!(fold(w).as_str(), "wszystkie" | "wszystko" | "all") => {
                Ok(Logout { all: true })
            }
            _ => Err(Bad),
        }
    }
}

impl SessionsCmd for Logout {
    /// Logging out of the current account needs one; of all of them, only the chat.
    fn needs_current(&self) -> bool {
        !self.all
    }

    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        chat_accounts::logout(ctx, self.all).await
    }
}

/// The accounts logged in to in this chat, with their balances.
#[derive(Debug, PartialEq)]
pub struct Accounts;

impl Declared for Accounts {
    const DEF: Def = Def::new(
        &["accounts", "konta"],
        SESSIONS,
        Text::NONE,
        Text::new(
            "konta zalogowane w tej rozmowie, z saldami",
            "accounts logged in to in this chat, with balances",
        ),
    )
    .before_password_change();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Accounts)
    }
}

impl SessionsCmd for Accounts {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        chat_accounts::list(ctx).await
    }
}

/// `konto <n>` (its number in the list or its identifier) switches; bare `konto` lists.
#[derive(Debug, PartialEq)]
pub enum Account {
    List,
    Switch { which: String },
}

impl Declared for Account {
    const DEF: Def = Def::new(
        &["account", "konto"],
        SESSIONS,
        Text::new("<nr>", "<no.>"),
        Text::new(
            "przełączenie na inne zalogowane konto",
            "switch to another logged-in account",
        ),
    )
    .before_password_change();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [] => Ok(Account::List),
            [which] => Ok(Account::Switch {
                which: which.to_string(),
            }),
            _ => Err(Bad),
        }
    }
    /// Bare `konto` is `konta`, and counted as such.
    fn variant_def(&self) -> Option<&'static Def> {
        match self {
            Account::List => Some(&<Accounts as Declared>::DEF),
            Account::Switch { .. } => None,
        }
    }
}

impl SessionsCmd for Account {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        match self {
            Account::List => chat_accounts::list(ctx).await,
            Account::Switch { which } => chat_accounts::switch(ctx, &which).await,
        }
    }
}
