//! What the import knows about rows by their key: those already in the database and
//! those met in this run's files. Each key gets a slot; references between files are
//! checked against these maps, and new rows get their database id here once written.

use super::rowhash::parse_hex;
use crate::store::import::ExistingRow;
use std::collections::HashMap;

/// Slot number of a row in a [`Known`] map.
pub type Slot = u32;

#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// Database id; 0 until a new row is written.
    pub id: i64,
    /// Slot of the customer the row belongs to (in the customers map).
    pub owner: Slot,
    /// Invoices: the charge in grosze; contracts: 1 for an annex.
    pub extra: i64,
    /// Fingerprint of the stored row; 0 for a row not in the database.
    pub hash: u128,
    /// Line of this run's file that carried the key; 0 if none did.
    pub line: u64,
}

/// The outcome of meeting a key in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not in the database.
    New(Slot),
    /// In the database.
    Existing(Slot),
    /// Already met on this line of the same file.
    Duplicate(u64),
}

#[derive(Debug, Default)]
pub struct Known {
    index: HashMap<Box<str>, Slot>,
    entries: Vec<Entry>,
    /// Keys by slot, only where messages must name a row by its key (customers).
    keys: Option<Vec<Box<str>>>,
}

impl Known {
    pub fn new(keep_keys: bool) -> Known {
        Known {
            keys: keep_keys.then(Vec::new),
            ..Known::default()
        }
    }

    /// Adds a database row; `owner` maps its customer id to a customer slot.
    pub fn add_existing(&mut self, row: ExistingRow, owner: Slot) {
        let entry = Entry {
            id: row.id,
            owner,
            extra: row.extra,
            hash: parse_hex(&row.row_hash),
            line: 0,
        };
        self.insert(row.key.into_boxed_str(), entry);
    }

    fn insert(&mut self, key: Box<str>, entry: Entry) -> Slot {
        let slot = Slot::try_from(self.entries.len()).unwrap_or(Slot::MAX);
        if let Some(keys) = &mut self.keys {
            keys.push(key.clone());
        }
        self.index.insert(key, slot);
        self.entries.push(entry);
        slot
    }

    /// Records that `key` appears on `line` of this run's file.
    pub fn claim(&mut self, key: &str, line: u64) -> Claim {
        match self.index.get(key) {
            Some(&slot) => {
                let entry = &mut self.entries[slot as usize];
                if entry.line != 0 {
                    return Claim::Duplicate(entry.line);
                }
                entry.line = line;
                Claim::Existing(slot)
            }
            None => Claim::New(self.insert(
                key.into(),
                Entry {
                    line,
                    ..Entry::default()
                },
            )),
        }
    }

    pub fn slot(&self, key: &str) -> Option<Slot> {
        self.index.get(key).copied()
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.slot(key).map(|s| &self.entries[s as usize])
    }

    pub fn entry(&self, slot: Slot) -> &Entry {
        &self.entries[slot as usize]
    }

    pub fn entry_mut(&mut self, slot: Slot) -> &mut Entry {
        &mut self.entries[slot as usize]
    }

    /// The key of a slot, when this map keeps keys.
    pub fn key(&self, slot: Slot) -> &str {
        self.keys
            .as_ref()
            .and_then(|k| k.get(slot as usize))
            .map_or("?", |k| k)
    }

    /// Notes the ids the database gave to rows just written.
    pub fn set_ids(&mut self, written: Vec<(i64, String)>) {
        for (id, key) in written {
            if let Some(&slot) = self.index.get(key.as_str()) {
                self.entries[slot as usize].id = id;
            }
        }
    }

    /// Slot by database id (for rows that name their customer by id).
    pub fn slots_by_id(&self) -> HashMap<i64, Slot> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.id != 0)
            .map(|(i, e)| (e.id, i as Slot))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_claimed_once_per_run() {
        let mut known = Known::new(true);
        known.add_existing(
            ExistingRow {
                key: "K1".into(),
                id: 7,
                customer_id: 0,
                extra: 0,
                row_hash: "ff".into(),
            },
            0,
        );
        assert_eq!(known.claim("K1", 2), Claim::Existing(0));
        assert_eq!(known.claim("K2", 3), Claim::New(1));
        assert_eq!(known.claim("K2", 9), Claim::Duplicate(3));
        assert_eq!(known.claim("K1", 9), Claim::Duplicate(2));
        assert_eq!(known.entry(0).hash, 255);
        known.set_ids(vec![(8, "K2".into())]);
        assert_eq!(known.get("K2").unwrap().id, 8);
        assert_eq!(known.key(1), "K2");
        assert_eq!(known.slots_by_id()[&7], 0);
    }
}
