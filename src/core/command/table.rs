//! THE command table: one line per command, `group Variant(its type)`, in the order of
//! the help and the menus. Everything else about a command is declared with its type
//! (`core::commands::…`). From this list the macro below makes the group enums, the
//! parser's rows and each group's exhaustive `run`: a command missing an arm cannot
//! compile, and there is no `_ =>` anywhere.

use super::def::{
    AccountCmd, Args, Bad, CustomerCmd, Declared, Def, Lang, PublicCmd, SessionsCmd, StaffCmd,
};
use crate::core::commands::{
    account, case_staff, cases, customer, general, ksef, sessions, staff, usage, verify, version,
};
use crate::core::{Ctx, CustomerSession};
use crate::domain::reply::Reply;
use crate::store::Account;

/// One row of the parser: a command's declaration, its parser and its usage.
pub struct Row {
    pub def: &'static Def,
    pub parse: fn(&Args<'_>) -> Result<Command, Bad>,
    pub usage: fn(Lang, &Args<'_>) -> Option<Reply>,
}

fn parse_as<T: Declared + Into<Command>>(args: &Args<'_>) -> Result<Command, Bad> {
    T::parse(args).map(Into::into)
}

/// Sorts the flat list into the groups (a muncher: each step moves one line into its
/// group's list), then writes the enums, the rows and the `run`s.
macro_rules! commands {
    ($($group:ident $variant:ident($ty:ty)),* $(,)?) => {
        commands!(@sort [] [] [] [] [] ; $($group $variant($ty),)*);

        /// The declarations in the table's order (the help's, the menus').
        pub static DEFS: &[&Def] = &[$(&<$ty as Declared>::DEF),*];

        /// The parser's rows in the table's order.
        pub static ROWS: &[Row] = &[$(Row {
            def: &<$ty as Declared>::DEF,
            parse: parse_as::<$ty>,
            usage: <$ty as Declared>::usage,
        }),*];

        $(impl From<$ty> for Command {
            fn from(c: $ty) -> Command {
                commands!(@wrap $group $variant c)
            }
        })*
    };
    (@wrap public $v:ident $c:ident) => { Command::Public(PublicCommand::$v($c)) };
    (@wrap sessions $v:ident $c:ident) => { Command::Sessions(SessionsCommand::$v($c)) };
    (@wrap account $v:ident $c:ident) => { Command::Account(AccountCommand::$v($c)) };
    (@wrap customer $v:ident $c:ident) => { Command::Customer(CustomerCommand::$v($c)) };
    (@wrap staff $v:ident $c:ident) => { Command::Staff(StaffCommand::$v($c)) };
    (@sort [$($p:tt)*] [$($s:tt)*] [$($a:tt)*] [$($c:tt)*] [$($t:tt)*] ;
        public $v:ident($ty:ty), $($rest:tt)*) => {
        commands!(@sort [$($p)* $v($ty),] [$($s)*] [$($a)*] [$($c)*] [$($t)*] ; $($rest)*);
    };
    (@sort [$($p:tt)*] [$($s:tt)*] [$($a:tt)*] [$($c:tt)*] [$($t:tt)*] ;
        sessions $v:ident($ty:ty), $($rest:tt)*) => {
        commands!(@sort [$($p)*] [$($s)* $v($ty),] [$($a)*] [$($c)*] [$($t)*] ; $($rest)*);
    };
    (@sort [$($p:tt)*] [$($s:tt)*] [$($a:tt)*] [$($c:tt)*] [$($t:tt)*] ;
        account $v:ident($ty:ty), $($rest:tt)*) => {
        commands!(@sort [$($p)*] [$($s)*] [$($a)* $v($ty),] [$($c)*] [$($t)*] ; $($rest)*);
    };
    (@sort [$($p:tt)*] [$($s:tt)*] [$($a:tt)*] [$($c:tt)*] [$($t:tt)*] ;
        customer $v:ident($ty:ty), $($rest:tt)*) => {
        commands!(@sort [$($p)*] [$($s)*] [$($a)*] [$($c)* $v($ty),] [$($t)*] ; $($rest)*);
    };
    (@sort [$($p:tt)*] [$($s:tt)*] [$($a:tt)*] [$($c:tt)*] [$($t:tt)*] ;
        staff $v:ident($ty:ty), $($rest:tt)*) => {
        commands!(@sort [$($p)*] [$($s)*] [$($a)*] [$($c)*] [$($t)* $v($ty),] ; $($rest)*);
    };
    (@sort [$($pv:ident($pt:ty),)*] [$($sv:ident($st:ty),)*] [$($av:ident($at:ty),)*]
        [$($cv:ident($ct:ty),)*] [$($tv:ident($tt:ty),)*] ;) => {
        /// A parsed command, by who may run it.
        #[derive(Debug, PartialEq)]
        pub enum Command {
            Public(PublicCommand),
            Sessions(SessionsCommand),
            Account(AccountCommand),
            Customer(CustomerCommand),
            Staff(StaffCommand),
        }

        #[derive(Debug, PartialEq)]
        pub enum PublicCommand { $($pv($pt)),* }
        #[derive(Debug, PartialEq)]
        pub enum SessionsCommand { $($sv($st)),* }
        #[derive(Debug, PartialEq)]
        pub enum AccountCommand { $($av($at)),* }
        #[derive(Debug, PartialEq)]
        pub enum CustomerCommand { $($cv($ct)),* }
        #[derive(Debug, PartialEq)]
        pub enum StaffCommand { $($tv($tt)),* }

        impl Command {
            /// The declaration the command counts under (its metric, its usage).
            pub fn def(&self) -> &'static Def {
                match self {
                    $(Command::Public(PublicCommand::$pv(c)) =>
                        c.variant_def().unwrap_or(&<$pt as Declared>::DEF),)*
                    $(Command::Sessions(SessionsCommand::$sv(c)) =>
                        c.variant_def().unwrap_or(&<$st as Declared>::DEF),)*
                    $(Command::Account(AccountCommand::$av(c)) =>
                        c.variant_def().unwrap_or(&<$at as Declared>::DEF),)*
                    $(Command::Customer(CustomerCommand::$cv(c)) =>
                        c.variant_def().unwrap_or(&<$ct as Declared>::DEF),)*
                    $(Command::Staff(StaffCommand::$tv(c)) =>
                        c.variant_def().unwrap_or(&<$tt as Declared>::DEF),)*
                }
            }
        }

        impl PublicCommand {
            pub(crate) async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
                match self { $(PublicCommand::$pv(c) => PublicCmd::run(c, ctx).await,)* }
            }
        }

        impl SessionsCommand {
            pub(crate) fn needs_current(&self) -> bool {
                match self { $(SessionsCommand::$sv(c) => SessionsCmd::needs_current(c),)* }
            }

            pub(crate) async fn run(self, ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
                match self { $(SessionsCommand::$sv(c) => SessionsCmd::run(c, ctx).await,)* }
            }
        }

        impl AccountCommand {
            pub(crate) async fn run(self, ctx: &mut Ctx<'_>, a: &Account) -> anyhow::Result<Reply> {
                match self { $(AccountCommand::$av(c) => AccountCmd::run(c, ctx, a).await,)* }
            }
        }

        impl CustomerCommand {
            pub(crate) async fn run(
                self,
                ctx: &mut Ctx<'_>,
                me: &CustomerSession,
            ) -> anyhow::Result<Reply> {
                match self { $(CustomerCommand::$cv(c) => CustomerCmd::run(c, ctx, me).await,)* }
            }
        }

        impl StaffCommand {
            pub(crate) async fn run(self, ctx: &mut Ctx<'_>, a: &Account) -> anyhow::Result<Reply> {
                match self { $(StaffCommand::$tv(c) => StaffCmd::run(c, ctx, a).await,)* }
            }
        }
    };
}

commands! {
    public   Start(general::Start),
    public   Help(general::Help),
    public   Login(general::Login),
    sessions Logout(sessions::Logout),
    sessions Accounts(sessions::Accounts),
    sessions Account(sessions::Account),
    account  Password(account::Password),
    customer Balance(customer::Balance),
    customer Bills(customer::Bills),
    customer Bill(customer::Bill),
    customer Pdf(customer::Pdf),
    customer Pay(customer::Pay),
    customer Calendar(customer::Calendar),
    customer Collections(customer::Collections),
    customer Documents(customer::Documents),
    customer Document(customer::Document),
    customer Usage(usage::Usage),
    public   Messages(general::Messages),
    public   Contact(general::Contact),
    public   Version(version::Version),
    public   Language(general::Language),
    public   Cancel(general::Cancel),
    public   Register(general::Register),
    public   Regulations(general::Regulations),
    public   Reset(general::Reset),
    account  Consents(account::Consents),
    account  Withdraw(account::Withdraw),
    account  Notifications(account::Notifications),
    staff    Pending(staff::Pending),
    staff    Approve(staff::Approve),
    staff    Reject(staff::Reject),
    staff    ResetPassword(staff::ResetPassword),
    staff    Lock(staff::Lock),
    staff    Unlock(staff::Unlock),
    staff    Audit(staff::Audit),
    staff    Announce(staff::Announce),
    customer Ksef(ksef::Ksef),
    customer Xml(ksef::Xml),
    public   Verify(verify::Verify),
    customer Complaint(cases::Complaint),
    customer Request(cases::Request),
    account  Cases(cases::Cases),
    account  Case(cases::Case),
    staff    Take(case_staff::Take),
    staff    Ask(case_staff::Ask),
    staff    Extend(case_staff::Extend),
    staff    Answer(case_staff::Answer),
    staff    Discount(case_staff::Discount),
    staff    Close(case_staff::Close),
    staff    OpenCase(case_staff::OpenCase),
}
