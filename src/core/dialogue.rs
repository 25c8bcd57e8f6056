//! Per-chat dialogue state, kept as JSON in the `chats` table so it survives restarts:
//! one variant per dialogue, each holding the step type of the dialogue's own module.
//! The JSON is the step's (`{"step": "login_password", …}`), as it always was, so a
//! chat in the middle of a dialogue goes on after an upgrade. Passwords are never
//! stored here: only the argon2 hash of a new password while the user types it again.
//!
//! Adding a dialogue: its step type in its module (serde, tagged by `step`, implementing
//! [`Step`]: whether it expects a secret, and its answer) and one line in `dialogues!`.

use super::auth::LoginStep;
use super::cases::CaseStep;
use super::consents::WithdrawStep;
use super::password_change::ChangeStep;
use super::registration::RegisterStep;
use super::reset::ResetStep;
use super::{Ctx, Idle, Step};
use crate::domain::reply::Reply;
use serde::{Deserialize, Serialize};

/// Writes [`Dialogue`] (idle, or one variant per dialogue) and its exhaustive matches.
macro_rules! dialogues {
    ($($variant:ident($step:ty)),* $(,)?) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(untagged)]
        pub enum Dialogue {
            Idle(Idle),
            $($variant($step)),*
        }

        impl Dialogue {
            /// The next input is a password and must not be echoed or kept.
            pub fn expects_secret(&self) -> bool {
                match self {
                    Dialogue::Idle(_) => false,
                    $(Dialogue::$variant(step) => step.expects_secret(),)*
                }
            }

            /// The open dialogue's answer to `text`; `None` when none is open.
            pub(crate) async fn answer(
                self,
                ctx: &mut Ctx<'_>,
                text: &str,
            ) -> Option<anyhow::Result<Reply>> {
                match self {
                    Dialogue::Idle(_) => None,
                    $(Dialogue::$variant(step) => Some(step.answer(ctx, text).await),)*
                }
            }
        }
    };
}

// One line per dialogue: its variant and its step type (from the dialogue's module).
dialogues! {
    Login(LoginStep),
    Password(ChangeStep),
    Register(RegisterStep),
    Reset(ResetStep),
    Withdraw(WithdrawStep),
    Case(CaseStep),
}

impl Default for Dialogue {
    fn default() -> Dialogue {
        Dialogue::Idle(Idle::Idle)
    }
}

impl Dialogue {
    pub fn from_json(text: &str) -> Dialogue {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn is_idle(&self) -> bool {
        matches!(self, Dialogue::Idle(_))
    }

    /// The registration dialogue (form or anti-bot check) is open.
    pub fn is_registration(&self) -> bool {
        matches!(self, Dialogue::Register(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_garbage() {
        let d = Dialogue::Login(LoginStep::LoginPassword {
            identifier: "K1".into(),
        });
        assert_eq!(Dialogue::from_json(&d.to_json()), d);
        assert_eq!(Dialogue::from_json("{}"), Dialogue::default());
        assert_eq!(Dialogue::from_json("not json"), Dialogue::default());
    }

    /// The JSON the previous version stored reads back as the same step, and each
    /// step writes the same JSON: a chat mid-dialogue continues after an upgrade.
    #[test]
    fn stored_dialogues_of_the_previous_version_continue() {
        for (json, dialogue) in [
            (r#"{"step":"idle"}"#, Dialogue::default()),
            (
                r#"{"step":"login_identifier"}"#,
                Dialogue::Login(LoginStep::LoginIdentifier),
            ),
            (
                r#"{"step":"login_password","identifier":"EB1"}"#,
                Dialogue::Login(LoginStep::LoginPassword {
                    identifier: "EB1".into(),
                }),
            ),
            (
                r#"{"step":"change_old"}"#,
                Dialogue::Password(ChangeStep::ChangeOld),
            ),
            (
                r#"{"step":"change_new","forced":true}"#,
                Dialogue::Password(ChangeStep::ChangeNew { forced: true }),
            ),
            (
                r#"{"step":"change_repeat","forced":false,"new_hash":"h"}"#,
                Dialogue::Password(ChangeStep::ChangeRepeat {
                    forced: false,
                    new_hash: "h".into(),
                }),
            ),
            (
                r#"{"step":"reset_identifier"}"#,
                Dialogue::Reset(ResetStep::ResetIdentifier),
            ),
            (
                r#"{"step":"withdraw_confirm"}"#,
                Dialogue::Withdraw(WithdrawStep::WithdrawConfirm),
            ),
        ] {
            assert_eq!(Dialogue::from_json(json), dialogue, "{json}");
            assert_eq!(dialogue.to_json(), json);
        }
        let form = Dialogue::Register(RegisterStep::RegisterForm {
            draft: Default::default(),
        });
        assert!(
            form.to_json()
                .starts_with(r#"{"step":"register_form","draft":{"#)
        );
        assert_eq!(Dialogue::from_json(&form.to_json()), form);
    }
}
