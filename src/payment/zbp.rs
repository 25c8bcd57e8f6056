//! The content of the transfer QR code of the Polish banks' recommendation (Związek
//! Banków Polskich, "Rekomendacja … dotycząca kodu dwuwymiarowego („2D”), umożliwiającego
//! realizację polecenia przelewu …", version 1.0 of 3 December 2013): UTF-8 text, fields
//! separated by `|`, in this order —
//!
//! 1. recipient's identifier: the NIP, 10 digits;
//! 2. country code: `PL`;
//! 3. account number: the NRB, 26 digits;
//! 4. amount in grosze: 6 digits, zero-padded, so at most 999 999 gr (9 999,99 zł);
//! 5. recipient's name: at most 20 characters;
//! 6. transfer title: at most 32 characters;
//! 7. reserved (a direct-debit customer id), 8. reserved (an Invoobill id) and
//!    9. reserved: all three empty here;
//!
//! 160 characters at most in all, the QR symbol with error correction level L. Names
//! and titles keep letters (Polish ones too), digits, spaces and `, . - /`; anything
//! else (a `|` above all, which would shift the fields) becomes a space.
//!
//! A larger amount has no faithful code: a seventh digit breaks the field's length (an
//! app that checks it refuses the code or misreads the amount) and a smaller amount would
//! be wrong, so such a transfer gets no code (the details are still given as text).
//! Other implementations differ: some refuse such amounts, some write more digits.

/// The recipient's name in the code holds this many characters.
pub const NAME_MAX: usize = 20;
/// The title in the code holds this many characters.
pub const TITLE_MAX: usize = 32;
/// The whole text holds this many characters.
pub const TEXT_MAX: usize = 160;
/// The largest amount (grosze) the 6-digit amount field holds: 9 999,99 zł.
pub const AMOUNT_MAX_GR: i64 = 999_999;

/// What a banking app fills in from the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The recipient's NIP, its 10 digits.
    pub nip: String,
    /// The NRB, its 26 digits.
    pub account: String,
    pub amount_gr: i64,
    pub name: String,
    pub title: String,
}

impl Transfer {
    /// The code's text; `None` when the amount is not one the code can carry (nothing
    /// due, or over [`AMOUNT_MAX_GR`]).
    pub fn text(&self) -> Option<String> {
        if !(1..=AMOUNT_MAX_GR).contains(&self.amount_gr) {
            return None;
        }
        let text = format!(
            "{}|PL|{}|{:06}|{}|{}|||",
            self.nip,
            self.account,
            self.amount_gr,
            clean(&self.name, NAME_MAX),
            clean(&self.title, TITLE_MAX),
        );
        debug_assert!(text.chars().count() <= TEXT_MAX);
        Some(text)
    }
}

/// `text` with only the characters the recommendation lets through, spaces collapsed,
/// cut to `max` characters.
pub fn clean(text: &str, max: usize) -> String {
    let mapped: String = text
        .chars()
        .map(|c| if allowed(c) { c } else { ' ' })
        .collect();
    let words: Vec<&str> = mapped.split_whitespace().collect();
    let joined = words.join(" ");
    joined
        .chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ ,.-/".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_the_recommendations_order_and_limits() {
        let t = Transfer {
            nip: "8880205453".into(),
            account: "61109010140000071219812874".into(),
            amount_gr: 93430,
            name: "MPEC Włocławek | Spółka z o.o.".into(),
            title: "K-00102 FV/2025/02/000102".into(),
        };
        assert_eq!(
            t.text().unwrap(),
            "8880205453|PL|61109010140000071219812874|093430|MPEC Włocławek Spółk|K-00102 FV/2025/02/000102|||"
        );
        let amount = |amount_gr| Transfer {
            amount_gr,
            ..t.clone()
        };
        assert!(amount(1).text().unwrap().contains("|000001|"));
        assert!(amount(999_999).text().unwrap().contains("|999999|"));
        assert_eq!(amount(1_000_000).text(), None, "no seventh digit");
        assert_eq!(amount(5_470_674).text(), None);
        assert_eq!(amount(0).text(), None);
        assert_eq!(clean("  \"Zazamcze\"\n|x  ", 20), "Zazamcze x");
        assert_eq!(clean("Ćma", 2), "Ćm");
    }
}
