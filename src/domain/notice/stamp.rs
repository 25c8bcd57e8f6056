//! An instant in a notice's data, written as RFC 3339 with its offset (`…+00:00`), the
//! way notices have always stored it; templates show it in Warsaw time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339())
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct At(#[serde(with = "super")] chrono::DateTime<chrono::Utc>);

    #[test]
    fn an_instant_keeps_its_stored_form() {
        let stored = "\"2025-03-17T11:00:00.250+00:00\"";
        let at: At = serde_json::from_str(stored).unwrap();
        assert_eq!(serde_json::to_string(&at).unwrap(), stored);
        let other: At = serde_json::from_str("\"2025-03-17T12:00:00.250+01:00\"").unwrap();
        assert_eq!(other, at);
    }
}
