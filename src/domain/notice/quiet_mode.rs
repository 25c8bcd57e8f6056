//! What quiet hours do to one target's notices (a chat, the address on file): hold them
//! until the morning (the default), deliver them at once without a sound (Telegram's
//! `disable_notification`), or nothing — everything at once, with a sound.

/// The customer's choice for one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuietMode {
    /// Ordinary notices wait for the end of the quiet hours; urgent ones go at once,
    /// with a sound.
    #[default]
    Hold,
    /// Every notice goes at once; in the quiet hours without a sound, urgent ones too.
    Silent,
    /// Quiet hours do nothing for this target.
    Off,
}

impl QuietMode {
    pub const ALL: [QuietMode; 3] = [QuietMode::Hold, QuietMode::Silent, QuietMode::Off];

    /// As stored (`notify_targets.quiet_mode`) and named in the views.
    pub fn as_str(self) -> &'static str {
        match self {
            QuietMode::Hold => "hold",
            QuietMode::Silent => "silent",
            QuietMode::Off => "off",
        }
    }

    /// The stored form back; anything unknown is the default, which loses nothing.
    pub fn from_stored(stored: &str) -> QuietMode {
        match stored {
            "silent" => QuietMode::Silent,
            "off" => QuietMode::Off,
            _ => QuietMode::Hold,
        }
    }

    /// Whether quiet hours hold an ordinary notice for this target.
    pub fn holds(self) -> bool {
        self == QuietMode::Hold
    }

    /// Whether a notice delivered in the quiet hours goes without a sound.
    pub fn mutes(self) -> bool {
        self == QuietMode::Silent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_survives_the_database() {
        for mode in QuietMode::ALL {
            assert_eq!(QuietMode::from_stored(mode.as_str()), mode);
        }
        assert_eq!(QuietMode::from_stored(""), QuietMode::Hold);
    }

    #[test]
    fn only_hold_holds_and_only_silent_mutes() {
        let holds: Vec<bool> = QuietMode::ALL.iter().map(|m| m.holds()).collect();
        let mutes: Vec<bool> = QuietMode::ALL.iter().map(|m| m.mutes()).collect();
        assert_eq!(holds, [true, false, false]);
        assert_eq!(mutes, [false, true, false]);
    }
}
