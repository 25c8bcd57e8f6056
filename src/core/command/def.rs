//! What every command declares about itself ([`Def`]) and the handler traits of the
//! groups, one per "who may run it". The router (`core::dispatch`) checks what a group
//! guarantees, once, and hands the handler what it guarantees as an argument: a
//! customer command cannot be written without the logged-in customer, nor run without one.

use crate::core::{Ctx, CustomerSession};
pub use crate::domain::lang::Lang;
use crate::domain::reply::Reply;
use crate::store::Account;
use std::future::Future;

/// A text in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub pl: &'static str,
    pub en: &'static str,
}

impl Text {
    pub const fn new(pl: &'static str, en: &'static str) -> Text {
        Text { pl, en }
    }

    pub const NONE: Text = Text::new("", "");

    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Pl => self.pl,
            Lang::En => self.en,
        }
    }
}

/// Who may run a command: the router's rules, in the order it applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Anyone, logged in or not.
    Public,
    /// About the chat's open sessions: runs while none of them is current.
    Sessions,
    /// Any logged-in account.
    Account,
    /// A logged-in account with its customer (the billing data).
    Customer,
    /// Staff only; for everyone else the command does not exist.
    Staff,
}

/// One command's declaration: everything the help, the menus, the metrics, the
/// usage of bad arguments and the router need to know about it.
#[derive(Debug)]
pub struct Def {
    /// Canonical English name first, then aliases (folded: lower case, no diacritics).
    pub names: &'static [&'static str],
    pub args: Text,
    pub help: Text,
    pub group: Group,
    /// Runs while a temporary password still waits to be changed.
    pub before_password_change: bool,
    /// The line may carry a password or a PESEL (the email front end keeps no copy of it).
    pub carries_secret: bool,
    /// Left out of the help and the menus (`/start`, which every chat sends first).
    pub hidden: bool,
    /// `pole: wartość` lines after it belong to it (email joins them into its input).
    pub takes_form: bool,
    /// Files sent with its line (a mail's attachments) belong to it.
    pub takes_files: bool,
}

impl Def {
    /// A visible command of `group` with no special rules.
    pub const fn new(names: &'static [&'static str], group: Group, args: Text, help: Text) -> Def {
        Def {
            names,
            args,
            help,
            group,
            before_password_change: false,
            carries_secret: false,
            hidden: false,
            takes_form: false,
            takes_files: false,
        }
    }

    pub const fn takes_files(mut self) -> Def {
        self.takes_files = true;
        self
    }

    pub const fn takes_form(mut self) -> Def {
        self.takes_form = true;
        self
    }

    pub const fn before_password_change(mut self) -> Def {
        self.before_password_change = true;
        self
    }

    pub const fn carries_secret(mut self) -> Def {
        self.carries_secret = true;
        self
    }

    pub const fn hidden(mut self) -> Def {
        self.hidden = true;
        self
    }

    /// The canonical (English) name: the metric's label.
    pub fn id(&self) -> &'static str {
        self.names[0]
    }

    /// The Polish name (first alias) or the English one.
    pub fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.names[0],
            Lang::Pl => self.names.get(1).copied().unwrap_or(self.names[0]),
        }
    }

    /// Shown only to logged-in users (in help and menus).
    pub fn needs_login(&self) -> bool {
        self.group != Group::Public
    }

    /// Staff only: invisible to everyone else.
    pub fn staff(&self) -> bool {
        self.group == Group::Staff
    }
}

/// The parser's input: the whole line, the rest after the command word, its words.
pub struct Args<'a> {
    pub line: &'a str,
    pub rest: &'a str,
    pub words: Vec<&'a str>,
}

impl Args<'_> {
    /// No arguments.
    pub fn none<T>(&self, command: T) -> Result<T, Bad> {
        if self.words.is_empty() {
            Ok(command)
        } else {
            Err(Bad)
        }
    }

    /// Exactly one word.
    pub fn one(&self) -> Result<String, Bad> {
        match self.words.as_slice() {
            [value] => Ok(value.to_string()),
            _ => Err(Bad),
        }
    }
}

/// The arguments do not fit the command: the router answers with its usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bad;

/// A command's declaration and parser; the handler comes from its group's trait.
pub trait Declared: Sized {
    const DEF: Def;
    fn parse(args: &Args<'_>) -> Result<Self, Bad>;
    /// The reply to arguments that do not fit; the usage unless a command offers more.
    fn usage(_lang: Lang, _args: &Args<'_>) -> Option<Reply> {
        None
    }
    /// The declaration this parsed command counts under, when not its row's
    /// (bare `konto` is `konta`).
    fn variant_def(&self) -> Option<&'static Def> {
        None
    }
}

/// Anyone may run it.
pub trait PublicCmd {
    fn run(self, ctx: &mut Ctx<'_>) -> impl Future<Output = anyhow::Result<Reply>> + Send;
}

/// The chat's open sessions; `needs_current` says when the current account is needed.
pub trait SessionsCmd {
    fn needs_current(&self) -> bool {
        false
    }
    fn run(self, ctx: &mut Ctx<'_>) -> impl Future<Output = anyhow::Result<Reply>> + Send;
}

/// Any logged-in account.
pub trait AccountCmd {
    fn run(
        self,
        ctx: &mut Ctx<'_>,
        account: &Account,
    ) -> impl Future<Output = anyhow::Result<Reply>> + Send;
}

/// A logged-in account with its customer.
pub trait CustomerCmd {
    fn run(
        self,
        ctx: &mut Ctx<'_>,
        me: &CustomerSession,
    ) -> impl Future<Output = anyhow::Result<Reply>> + Send;
}

/// A staff account.
pub trait StaffCmd {
    fn run(
        self,
        ctx: &mut Ctx<'_>,
        staff: &Account,
    ) -> impl Future<Output = anyhow::Result<Reply>> + Send;
}

/// A password typed by a user. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}
