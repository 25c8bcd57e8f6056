//! Commands of any logged-in account: the password, the consents and their withdrawal,
//! the notification settings.

use crate::core::command::{AccountCmd, Args, Bad, Declared, Def, Group, Secret, Text};
use crate::core::notifications::{self, NotifyChange};
use crate::core::{Ctx, consents, password_change};
use crate::domain::reply::Reply;
use crate::store::Account;

const ACCOUNT: Group = Group::Account;

/// `haslo` asks step by step; `haslo stare nowe nowe` changes it at once.
#[derive(Debug, PartialEq)]
pub struct Password {
    pub old: Option<Secret>,
    pub new: Option<Secret>,
    pub repeat: Option<Secret>,
}

impl Declared for Password {
    const DEF: Def = Def::new(
        &["password", "haslo"],
        ACCOUNT,
        Text::NONE,
        Text::new("zmiana hasła", "change your password"),
    )
    .before_password_change()
    .carries_secret();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let secret = |w: &str| Some(Secret(w.to_string()));
        match args.words.as_slice() {
            [] => Ok(Password {
                old: None,
                new: None,
                repeat: None,
            }),
            [old, new, repeat] => Ok(Password {
                old: secret(old),
                new: secret(new),
                repeat: secret(repeat),
            }),
            _ => Err(Bad),
        }
    }
}

impl AccountCmd for Password {
    async fn run(self, ctx: &mut Ctx<'_>, account: &Account) -> anyhow::Result<Reply> {
        password_change::change_password(ctx, account, self.old, self.new, self.repeat).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Consents;

impl Declared for Consents {
    const DEF: Def = Def::new(
        &["consents", "zgody"],
        ACCOUNT,
        Text::NONE,
        Text::new(
            "moje zgody i wersja regulaminu",
            "my consents and the regulations' version",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Consents)
    }
}

impl AccountCmd for Consents {
    async fn run(self, ctx: &mut Ctx<'_>, account: &Account) -> anyhow::Result<Reply> {
        consents::view(ctx, account).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Withdraw;

impl Declared for Withdraw {
    const DEF: Def = Def::new(
        &["withdraw", "wycofaj-zgode"],
        ACCOUNT,
        Text::NONE,
        Text::new(
            "wycofanie zgody na przetwarzanie danych (zamyka konto)",
            "withdraw the data-processing consent (closes the account)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Withdraw)
    }
}

impl AccountCmd for Withdraw {
    async fn run(self, ctx: &mut Ctx<'_>, account: &Account) -> anyhow::Result<Reply> {
        consents::withdraw(ctx, account).await
    }
}

/// Notification settings of this chat (Telegram) or of the address on file.
#[derive(Debug, PartialEq)]
pub struct Notifications {
    pub change: NotifyChange,
}

impl Declared for Notifications {
    const DEF: Def = Def::new(
        &["notifications", "powiadomienia"],
        ACCOUNT,
        Text::new("[wlacz|wylacz]", "[on|off]"),
        Text::new(
            "powiadomienia o fakturach, wpłatach, terminach, zaległościach, windykacji i awariach (też: wylacz terminy, cisza wylacz)",
            "notifications of bills, payments, due dates, overdue bills, collections and outages (also: off due, quiet off)",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        notifications::parse_change(&args.words)
            .map(|change| Notifications { change })
            .ok_or(Bad)
    }
}

impl AccountCmd for Notifications {
    async fn run(self, ctx: &mut Ctx<'_>, account: &Account) -> anyhow::Result<Reply> {
        notifications::handle(ctx, account, self.change).await
    }
}
