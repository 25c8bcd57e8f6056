//! Per-chat dialogue state, kept as JSON in the `chats` table so it survives restarts.
//! Passwords are never stored here: only the argon2 hash of a new password while
//! the user types it a second time.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Dialogue {
    #[default]
    Idle,
    LoginIdentifier,
    LoginPassword {
        identifier: String,
    },
    /// Changing the password: waiting for the current one.
    ChangeOld,
    /// Waiting for the new password; `forced` after a first login with a temporary one.
    ChangeNew {
        forced: bool,
    },
    ChangeRepeat {
        forced: bool,
        new_hash: String,
    },
    /// Registration: collecting the form's fields (the PESEL only as hash and mask).
    RegisterForm {
        draft: super::registration::Draft,
    },
    /// Registration: the anti-bot check (two named digits of five).
    RegisterCaptcha {
        draft: super::registration::Draft,
        captcha: super::registration::Captcha,
        failures: u8,
    },
    /// Self-service reset: waiting for the identifier.
    ResetIdentifier,
    /// Withdrawing the processing consent: waiting for the confirmation.
    WithdrawConfirm,
}

impl Dialogue {
    pub fn from_json(text: &str) -> Dialogue {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// The next input is a password and must not be echoed or kept.
    pub fn expects_secret(&self) -> bool {
        matches!(
            self,
            Dialogue::LoginPassword { .. }
                | Dialogue::ChangeOld
                | Dialogue::ChangeNew { .. }
                | Dialogue::ChangeRepeat { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_garbage() {
        let d = Dialogue::LoginPassword {
            identifier: "K1".into(),
        };
        assert_eq!(Dialogue::from_json(&d.to_json()), d);
        assert_eq!(Dialogue::from_json("{}"), Dialogue::Idle);
        assert_eq!(Dialogue::from_json("not json"), Dialogue::Idle);
    }
}
