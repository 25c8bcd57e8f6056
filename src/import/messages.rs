//! messages.csv: announcements (failures, interruptions, the summer maintenance break,
//! tariffs, information), optionally for one heat area.

use super::fields::Row;
use super::reader::{Checked, Found, KeyedFile, imported};
use super::rowhash::RowHash;
use super::shared::{KeyTable, Shared};
use crate::domain::model::{Announcement, MessageKind};
use crate::store::import::Imported;

pub struct Messages;

impl KeyedFile for Messages {
    type Record = Imported<Announcement>;
    const KEY_NAME: &'static str = "message reference";
    const KEYS: KeyTable = KeyTable::Own;

    fn check(&mut self, shared: &mut Shared, row: &Row, found: Found) -> Checked<Self::Record> {
        let reference = found.key;
        let errors = &mut shared.errors;
        let kind: Option<MessageKind> = row.choice(errors, "kind");
        let title = row.text(errors, "title");
        let body = row.text(errors, "body");
        let valid_from = row.date(errors, "valid_from");
        let valid_to = row.opt_date(errors, "valid_to");
        row.not_before(
            errors,
            ("valid_to", valid_to.flatten()),
            ("valid_from", valid_from),
        );
        let area = row.opt_text("area");
        let (Some(kind), Some(title), Some(body), Some(valid_from), Some(valid_to)) =
            (kind, title, body, valid_from, valid_to)
        else {
            return None;
        };
        let hash = RowHash::new()
            .text(kind.as_str())
            .text(title)
            .text(body)
            .date(valid_from)
            .opt_date(valid_to)
            .opt(area)
            .finish();
        let record = Announcement {
            reference: reference.to_string(),
            kind,
            title: title.to_string(),
            body: body.to_string(),
            valid_from,
            valid_to,
            area: area.map(str::to_string),
        };
        imported(record, 0, hash)
    }
}
