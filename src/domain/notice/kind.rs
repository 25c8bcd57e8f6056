//! The kinds of notice a customer turns on or off, and the key that keeps a notice of
//! one event to one recipient unique.

crate::text_enum!(
    /// A kind of notification a customer can turn on or off.
    Kind {
        Invoice = "invoice",
        Payment = "payment",
        DueSoon = "due_soon",
        Overdue = "overdue",
        Collection = "collection",
        Announcement = "announcement",
    }
);

impl Kind {
    /// The kind a customer typed: the Polish or English word, any case, with or without
    /// diacritics.
    pub fn parse_word(word: &str) -> Option<Kind> {
        Some(match crate::domain::text::fold(word).as_str() {
            "faktury" | "faktura" | "invoices" | "invoice" | "bills" => Kind::Invoice,
            "wplaty" | "wplata" | "payments" | "payment" => Kind::Payment,
            "terminy" | "termin" | "due" | "due-soon" | "due_soon" => Kind::DueSoon,
            "zaleglosci" | "zaleglosc" | "overdue" => Kind::Overdue,
            "windykacja" | "windykacje" | "collections" | "collection" => Kind::Collection,
            "komunikaty" | "komunikat" | "awarie" | "announcements" | "announcement" => {
                Kind::Announcement
            }
            _ => return None,
        })
    }
}

/// The dedupe key of the notice of `event` to `recipient` on `channel`.
pub fn dedupe_key(event: &str, channel: &str, recipient: &str) -> String {
    format!("notify:{event}:{channel}:{recipient}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_in_both_languages() {
        assert_eq!(Kind::parse_word("Zaległości"), Some(Kind::Overdue));
        assert_eq!(Kind::parse_word("payments"), Some(Kind::Payment));
        assert_eq!(Kind::parse_word("wpłaty"), Some(Kind::Payment));
        assert_eq!(Kind::parse_word("plotki"), None);
        for kind in Kind::ALL {
            assert_eq!(Kind::parse_word(kind.as_str()), Some(*kind));
        }
    }
}
