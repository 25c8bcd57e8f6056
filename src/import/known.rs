//! What the import knows about rows by their key: those already in the database and
//! those met in this run's files. Each key gets a slot; references between files are
//! checked against these maps, and new rows get their database id here once written.

use super::rowhash::parse_hex;
use crate::store::import::ExistingRow;
use hashbrown::HashTable;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// Slot number of a row in a [`Known`] map.
pub type Slot = u32;

/// 32 bytes a row: a large import (millions of invoices) keeps one per invoice.
#[derive(Debug, Clone, Copy, Default)]
pub struct Entry {
    /// Database id; 0 until a new row is written.
    pub id: i64,
    /// Invoices: the charge in grosze; contracts: 1 for an annex.
    pub extra: i64,
    /// Fingerprint of the stored row (its first 64 bits); 0 for a row not in the database.
    pub hash: u64,
    /// Slot of the customer the row belongs to (in the customers map).
    pub owner: Slot,
    /// Line of this run's file that carried the key; 0 if none did.
    line: u32,
}

impl Entry {
    /// Line of this run's file that carried the key; 0 if none did.
    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }
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

/// Keys are kept end to end in one string (`text`, slot `i` ending at `ends[i]`) and
/// found through a table of slots, so a key costs its bytes plus about 13 bytes, not
/// a separate allocation and a map entry each.
#[derive(Default)]
pub struct Known {
    table: HashTable<Slot>,
    hasher: hashbrown::DefaultHashBuilder,
    text: String,
    ends: Vec<usize>,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for Known {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Known")
            .field("keys", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Known {
    /// Adds a database row; `owner` maps its customer id to a customer slot.
    pub fn add_existing(&mut self, row: ExistingRow, owner: Slot) {
        let entry = Entry {
            id: row.id,
            owner,
            extra: row.extra,
            hash: parse_hex(&row.row_hash),
            line: 0,
        };
        self.insert(&row.key, entry);
    }

    fn insert(&mut self, key: &str, entry: Entry) -> Slot {
        let slot = Slot::try_from(self.entries.len()).expect("fewer than 4 billion keys");
        self.text.push_str(key);
        self.ends.push(self.text.len());
        self.entries.push(entry);
        let hash = self.hasher.hash_one(key);
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.table
            .insert_unique(hash, slot, |&s| hasher.hash_one(slice(text, ends, s)));
        slot
    }

    fn find(&self, key: &str) -> Option<Slot> {
        let hash = self.hasher.hash_one(key);
        self.table
            .find(hash, |&s| slice(&self.text, &self.ends, s) == key)
            .copied()
    }

    /// Records that `key` appears on `line` of this run's file.
    pub fn claim(&mut self, key: &str, line: u64) -> Claim {
        let line32 = u32::try_from(line).unwrap_or(u32::MAX);
        match self.find(key) {
            Some(slot) => {
                let entry = &mut self.entries[slot as usize];
                if entry.line != 0 {
                    return Claim::Duplicate(entry.line());
                }
                entry.line = line32;
                Claim::Existing(slot)
            }
            None => Claim::New(self.insert(
                key,
                Entry {
                    line: line32,
                    ..Entry::default()
                },
            )),
        }
    }

    /// How many keys (slots) the map has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn slot(&self, key: &str) -> Option<Slot> {
        self.find(key)
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

    /// The key of a slot ("?" for a slot this map does not have).
    pub fn key(&self, slot: Slot) -> &str {
        if (slot as usize) < self.ends.len() {
            slice(&self.text, &self.ends, slot)
        } else {
            "?"
        }
    }

    /// Notes the ids the database gave to rows just written.
    pub fn set_ids(&mut self, written: Vec<(i64, String)>) {
        for (id, key) in written {
            if let Some(slot) = self.find(&key) {
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

/// The key of `slot` in the keys kept end to end.
fn slice<'t>(text: &'t str, ends: &[usize], slot: Slot) -> &'t str {
    let i = slot as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_claimed_once_per_run() {
        let mut known = Known::default();
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

    #[test]
    fn keys_are_found_again_after_the_table_grows() {
        let mut known = Known::default();
        for i in 0..50_000u64 {
            assert_eq!(
                known.claim(&format!("FV/2025/{i:06}"), i + 1),
                Claim::New(i as Slot)
            );
        }
        for i in (0..50_000u64).step_by(997) {
            let key = format!("FV/2025/{i:06}");
            assert_eq!(known.slot(&key), Some(i as Slot));
            assert_eq!(known.key(i as Slot), key);
            assert_eq!(known.claim(&key, 99), Claim::Duplicate(i + 1));
        }
        assert_eq!(known.slot("FV/2025/050000"), None);
        assert_eq!(known.slot(""), None);
        assert_eq!(known.key(50_000), "?");
        assert_eq!(std::mem::size_of::<Entry>(), 32);
    }
}
