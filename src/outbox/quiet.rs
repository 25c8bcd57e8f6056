//! What the recipient's quiet hours make of a notification the worker is about to
//! deliver: go now, go now without a sound, or wait for the morning. (The worker reads
//! the recipient's choice; the rule is here.)

use crate::domain::notice::QuietMode;
use chrono::{DateTime, Utc};

/// The worker's decision for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quiet {
    /// Deliver now, as usual.
    Go,
    /// Deliver now, without a sound.
    Mute,
    /// Wait until then (the end of the quiet hours).
    Hold(DateTime<Utc>),
}

/// The rule itself, for a notice in the quiet hours that end at `until`.
pub(super) fn decide(mode: QuietMode, urgent: bool, until: DateTime<Utc>) -> Quiet {
    match mode {
        QuietMode::Hold if urgent => Quiet::Go,
        QuietMode::Hold => Quiet::Hold(until),
        QuietMode::Silent => Quiet::Mute,
        QuietMode::Off => Quiet::Go,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_waits_except_for_urgent_silent_mutes_everything_off_sends() {
        let until = Utc::now();
        assert_eq!(decide(QuietMode::Hold, false, until), Quiet::Hold(until));
        assert_eq!(decide(QuietMode::Hold, true, until), Quiet::Go);
        assert_eq!(decide(QuietMode::Silent, false, until), Quiet::Mute);
        assert_eq!(decide(QuietMode::Silent, true, until), Quiet::Mute);
        assert_eq!(decide(QuietMode::Off, false, until), Quiet::Go);
        assert_eq!(decide(QuietMode::Off, true, until), Quiet::Go);
    }
}
