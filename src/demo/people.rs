//! Made-up customers of a Włocławek heat utility: households with valid PESEL numbers,
//! firms with valid NIP numbers, real street names, heat areas and substations.

use crate::domain::ids::{nip_check_digit, pesel_check_digit};
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

const WOMEN: &[&str] = &[
    "Zofia",
    "Małgorzata",
    "Jadwiga",
    "Grażyna",
    "Bożena",
    "Katarzyna",
    "Agnieszka",
    "Elżbieta",
];
const MEN: &[&str] = &[
    "Grzegorz",
    "Paweł",
    "Łukasz",
    "Józef",
    "Mikołaj",
    "Tomasz",
    "Wojciech",
    "Jarosław",
];
/// Surnames as (male form, female form).
const SURNAMES: &[(&str, &str)] = &[
    ("Wiśniewski", "Wiśniewska"),
    ("Dąbrowski", "Dąbrowska"),
    ("Łukaszewicz", "Łukaszewicz"),
    ("Żółkiewski", "Żółkiewska"),
    ("Kręcki", "Kręcka"),
    ("Szczęsny", "Szczęsna"),
    ("Wróbel", "Wróbel"),
    ("Kaczmarek", "Kaczmarek"),
    ("Jabłoński", "Jabłońska"),
    ("Śliwiński", "Śliwińska"),
];
const STREETS: &[&str] = &[
    "ul. Kościuszki",
    "ul. Toruńska",
    "ul. Kaliska",
    "ul. Żabia",
    "ul. Związków Zawodowych",
    "ul. Kruszyńska",
    "ul. Chopina",
    "ul. Wyszyńskiego",
    "ul. Ogniowa",
    "ul. Starodębska",
];
/// Heat areas with the substation (węzeł cieplny) that supplies them.
pub const AREAS: &[&str] = &[
    "Śródmieście / WS-12",
    "Zazamcze / WS-31",
    "Kazimierza Wielkiego / WS-07",
    "Południe / WS-22",
    "Michelin / WS-40",
];
const FIRMS: &[&str] = &[
    "Spółdzielnia Mieszkaniowa „Zazamcze”",
    "Piekarnia „Złoty Kłos” Sp. z o.o.",
    "Wspólnota Mieszkaniowa ul. Żytnia 15",
];

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub pesel: String,
    pub address: String,
    pub area: &'static str,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct Firm {
    pub name: String,
    pub nip: String,
    pub address: String,
    pub area: &'static str,
    pub email: String,
}

pub fn person(rng: &mut StdRng, index: usize) -> Person {
    let female = index.is_multiple_of(2);
    let first = *if female { WOMEN } else { MEN }
        .choose(rng)
        .unwrap_or(&"Anna");
    let (m, f) = SURNAMES[(index * 3 + rng.gen_range(0..2)) % SURNAMES.len()];
    let last = if female { f } else { m };
    let born = NaiveDate::from_ymd_opt(
        rng.gen_range(1945..2002),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28),
    )
    .unwrap_or_default();
    Person {
        name: format!("{first} {last}"),
        pesel: pesel(rng, born, female),
        address: address(rng),
        area: AREAS[index % AREAS.len()],
        email: format!("{}.{}@example.pl", ascii(first), ascii(last)),
    }
}

pub fn firm(rng: &mut StdRng, index: usize) -> Firm {
    let name = FIRMS[index % FIRMS.len()].to_string();
    let slug: String = ascii(&name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    Firm {
        nip: nip(rng),
        address: address(rng),
        area: AREAS[(index + 1) % AREAS.len()],
        email: format!("biuro@{slug}.example.pl"),
        name,
    }
}

fn address(rng: &mut StdRng) -> String {
    let street = STREETS.choose(rng).unwrap_or(&"ul. Płocka");
    let house = rng.gen_range(1..120);
    let flat = rng.gen_range(1..60);
    format!("{street} {house} m. {flat}, 87-800 Włocławek")
}

/// A valid PESEL for `born`; the tenth digit is even for women, odd for men.
pub fn pesel(rng: &mut StdRng, born: NaiveDate, female: bool) -> String {
    let offset = match born.year() {
        1800..=1899 => 80,
        1900..=1999 => 0,
        2000..=2099 => 20,
        2100..=2199 => 40,
        _ => 60,
    };
    let sex = rng.gen_range(0..5) * 2 + u32::from(!female);
    let head = format!(
        "{:02}{:02}{:02}{:03}{sex}",
        born.year() % 100,
        born.month() + offset,
        born.day(),
        rng.gen_range(0..1000)
    );
    let digits: Vec<u32> = head.chars().filter_map(|c| c.to_digit(10)).collect();
    format!("{head}{}", pesel_check_digit(&digits))
}

/// A valid NIP issued in Włocławek (tax office prefix 888).
pub fn nip(rng: &mut StdRng) -> String {
    loop {
        let head = format!("888{:06}", rng.gen_range(0..1_000_000));
        let digits: Vec<u32> = head.chars().filter_map(|c| c.to_digit(10)).collect();
        if let Some(check) = nip_check_digit(&digits) {
            return format!("{head}{check}");
        }
    }
}

/// Lower-case ASCII for email addresses: Polish letters lose their marks.
pub fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ą' | 'Ą' => 'a',
            'ć' | 'Ć' => 'c',
            'ę' | 'Ę' => 'e',
            'ł' | 'Ł' => 'l',
            'ń' | 'Ń' => 'n',
            'ó' | 'Ó' => 'o',
            'ś' | 'Ś' => 's',
            'ź' | 'Ź' | 'ż' | 'Ż' => 'z',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{Nip, Pesel};
    use rand::SeedableRng;

    #[test]
    fn generated_identifiers_are_valid() {
        let mut rng = StdRng::seed_from_u64(1);
        for i in 0..200 {
            let p = person(&mut rng, i);
            let parsed = Pesel::parse(&p.pesel).unwrap_or_else(|e| panic!("{}: {e}", p.pesel));
            // women have an even tenth digit
            let tenth = p.pesel.as_bytes()[9] - b'0';
            assert_eq!(tenth.is_multiple_of(2), i % 2 == 0, "{}", p.pesel);
            assert!(parsed.birth_date().year() >= 1945);
            let f = firm(&mut rng, i);
            assert!(Nip::parse(&f.nip).is_ok(), "{}", f.nip);
        }
    }

    #[test]
    fn emails_are_ascii() {
        assert_eq!(ascii("Łukasz Żółkiewski"), "lukasz zolkiewski");
    }
}
