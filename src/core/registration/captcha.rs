//! The seed's anti-bot check (S3): five random digits are shown and the customer types
//! two named positions of them ("wpisz 2. i 4. cyfrę").

use rand::Rng;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captcha {
    pub digits: String,
    /// 1-based positions asked for, `first < second`.
    pub first: u8,
    pub second: u8,
}

impl Captcha {
    pub fn new() -> Captcha {
        let mut rng = rand::thread_rng();
        let digits: String = (0..5)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        let first = rng.gen_range(1..=4u8);
        let second = rng.gen_range(first + 1..=5u8);
        Captcha {
            digits,
            first,
            second,
        }
    }

    /// The two digits, typed together ("38") or apart ("3 8", "3, 8"); nothing else.
    pub fn check(&self, answer: &str) -> bool {
        let typed: Vec<char> = answer
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect();
        let expected: Vec<char> = [self.first, self.second]
            .iter()
            .filter_map(|p| self.digits.chars().nth(usize::from(*p) - 1))
            .collect();
        typed == expected
    }

    /// The digits spaced out for display: "4 7 1 9 3".
    pub fn shown(&self) -> String {
        self.digits
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Default for Captcha {
    fn default() -> Captcha {
        Captcha::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_named_digits_pass() {
        let c = Captcha {
            digits: "47193".into(),
            first: 2,
            second: 4,
        };
        for ok in ["79", "7 9", "7, 9", " 79 "] {
            assert!(c.check(ok), "{ok}");
        }
        for bad in ["97", "7", "791", "47193", "", "x9"] {
            assert!(!c.check(bad), "{bad}");
        }
        assert_eq!(c.shown(), "4 7 1 9 3");
    }

    #[test]
    fn positions_are_distinct_and_in_range() {
        for _ in 0..200 {
            let c = Captcha::new();
            assert_eq!(c.digits.len(), 5);
            assert!(1 <= c.first && c.first < c.second && c.second <= 5, "{c:?}");
        }
    }
}
