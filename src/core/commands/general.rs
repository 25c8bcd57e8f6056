//! Commands anyone may run, logged in or not: the greeting, help, login, the utility's
//! messages and contact data, language, cancel, registration, the regulations and the
//! self-service password reset.

use crate::core::command::{Args, Bad, Declared, Def, Group, PublicCmd, Secret, Text};
use crate::core::{Ctx, Lang, auth, consents, menu, registration_steps, reset, views};
use crate::domain::reply::{Reply, View};

const PUBLIC: Group = Group::Public;

/// `/start`: the greeting with the help and the main menu.
#[derive(Debug, PartialEq)]
pub struct Start;

impl Declared for Start {
    const DEF: Def = Def::new(&["start"], PUBLIC, Text::NONE, Text::NONE).hidden();
    fn parse(_: &Args<'_>) -> Result<Self, Bad> {
        Ok(Start)
    }
}

impl PublicCmd for Start {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        Ok(menu::with_main_menu(ctx, views::start(ctx)))
    }
}

#[derive(Debug, PartialEq)]
pub struct Help;

impl Declared for Help {
    const DEF: Def = Def::new(
        &["help", "pomoc"],
        PUBLIC,
        Text::NONE,
        Text::new("lista poleceń", "list of commands"),
    )
    .before_password_change();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let _ = args;
        Ok(Help)
    }
}

impl PublicCmd for Help {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        Ok(views::help(ctx))
    }
}

/// `zaloguj [identifier [password]]`: what is missing is asked for.
#[derive(Debug, PartialEq)]
pub struct Login {
    pub identifier: Option<String>,
    pub password: Option<Secret>,
}

impl Declared for Login {
    const DEF: Def = Def::new(
        &["login", "zaloguj"],
        PUBLIC,
        Text::new("[identyfikator hasło]", "[identifier password]"),
        Text::new("logowanie", "log in"),
    )
    .carries_secret();
    /// The password is the rest of the line: it may contain spaces.
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        let rest = args.rest;
        Ok(match rest.split_once(char::is_whitespace) {
            _ if rest.is_empty() => Login {
                identifier: None,
                password: None,
            },
            None => Login {
                identifier: Some(rest.to_string()),
                password: None,
            },
            Some((id, _)) => Login {
                identifier: Some(id.to_string()),
                password: Some(Secret(typed_password(args.line, id).to_string())),
            },
        })
    }
}

/// What follows the identifier of a login line, as typed after the one blank that
/// separates them: the login checks it trimmed, then as typed (a password stored with a
/// blank at an end, before such passwords were refused).
fn typed_password<'a>(text: &'a str, identifier: &str) -> &'a str {
    let line = text.trim_start().trim_end_matches(['\r', '\n']);
    let after_word = line.find(char::is_whitespace).map_or("", |i| &line[i..]);
    let after_id = after_word
        .trim_start()
        .strip_prefix(identifier)
        .unwrap_or_default();
    let mut rest = after_id.chars();
    rest.next();
    rest.as_str()
}

impl PublicCmd for Login {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        auth::login(ctx, self.identifier, self.password).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Messages;

impl Declared for Messages {
    const DEF: Def = Def::new(
        &["messages", "wiadomosci"],
        PUBLIC,
        Text::NONE,
        Text::new(
            "komunikaty: awarie, wyłączenia, taryfy",
            "announcements: failures, interruptions, tariffs",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Messages)
    }
}

impl PublicCmd for Messages {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        views::messages(ctx).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Contact;

impl Declared for Contact {
    const DEF: Def = Def::new(
        &["contact", "kontakt"],
        PUBLIC,
        Text::NONE,
        Text::new("dane kontaktowe", "contact details"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Contact)
    }
}

impl PublicCmd for Contact {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        Ok(views::contact(ctx))
    }
}

#[derive(Debug, PartialEq)]
pub struct Language {
    pub lang: Lang,
}

impl Declared for Language {
    const DEF: Def = Def::new(
        &["language", "jezyk"],
        PUBLIC,
        Text::new("pl|en", "pl|en"),
        Text::new("język odpowiedzi", "reply language"),
    )
    .before_password_change();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [l] => Lang::parse(l).map(|lang| Language { lang }).ok_or(Bad),
            _ => Err(Bad),
        }
    }
}

impl PublicCmd for Language {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        views::language(ctx, self.lang).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Cancel;

impl Declared for Cancel {
    const DEF: Def = Def::new(
        &["cancel", "anuluj"],
        PUBLIC,
        Text::NONE,
        Text::new("przerwanie bieżącej czynności", "cancel the current step"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Cancel)
    }
}

impl PublicCmd for Cancel {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        ctx.clear_step().await?;
        Ok(Reply::new(ctx.lang, View::bare("cancelled")))
    }
}

/// Registration request; `form` holds any fields typed after the command (it may
/// contain a PESEL, so it is a [`Secret`] and never printed).
#[derive(Debug, PartialEq)]
pub struct Register {
    pub form: Secret,
}

impl Declared for Register {
    const DEF: Def = Def::new(
        &["register", "rejestracja"],
        PUBLIC,
        Text::NONE,
        Text::new("wniosek o dostęp do e-BOK", "request access to e-BOK"),
    )
    .carries_secret()
    .takes_form();
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        Ok(Register {
            form: Secret(args.rest.to_string()),
        })
    }
}

impl PublicCmd for Register {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        registration_steps::start(ctx, self.form).await
    }
}

#[derive(Debug, PartialEq)]
pub struct Regulations;

impl Declared for Regulations {
    const DEF: Def = Def::new(
        &["regulations", "regulamin"],
        PUBLIC,
        Text::NONE,
        Text::new("regulamin e-BOK", "the e-BOK regulations"),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        args.none(Regulations)
    }
}

impl PublicCmd for Regulations {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        Ok(consents::regulations(ctx))
    }
}

/// Self-service reset: a new temporary password to the address on file.
#[derive(Debug, PartialEq)]
pub struct Reset {
    pub identifier: Option<String>,
}

impl Declared for Reset {
    const DEF: Def = Def::new(
        &["reset", "nowe-haslo"],
        PUBLIC,
        Text::new("[identyfikator]", "[identifier]"),
        Text::new(
            "nie pamiętam hasła: nowe hasło tymczasowe na adres e-mail z kartoteki",
            "forgotten password: a new temporary password to the address on file",
        ),
    );
    fn parse(args: &Args<'_>) -> Result<Self, Bad> {
        match args.words.as_slice() {
            [] => Ok(Reset { identifier: None }),
            [id] => Ok(Reset {
                identifier: Some(id.to_string()),
            }),
            _ => Err(Bad),
        }
    }
}

impl PublicCmd for Reset {
    async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
        reset::request(ctx, self.identifier).await
    }
}
